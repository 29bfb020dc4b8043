//! TLS for the clients this server makes (webhooks, S3): rustls on `ring`,
//! the provider lettre already builds for SMTP, chosen for the whole process.

/// Installs `ring` as the process's rustls provider, once; later calls and
/// a provider installed before are left as they are.
pub fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

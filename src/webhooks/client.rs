//! Sending a webhook: signed as Standard Webhooks do, to a target that is not
//! on a loopback, private, link-local or multicast address (unless
//! `NEWSROOM_WEBHOOK_ALLOW_PRIVATE`), checked when the endpoint is saved and
//! again on every address the request connects to; no redirects, 10 s, and
//! at most 64 KB of the answer read.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::Sha256;

/// How long one delivery may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// The most of an answer read: its status is what counts.
const MOST_READ: usize = 64 * 1024;

/// Whether webhooks may not reach `ip`: loopback, private (RFC 1918, unique
/// local), link-local (cloud metadata services live at 169.254.169.254),
/// carrier-grade NAT, multicast, broadcast, unspecified or documentation
/// addresses, IPv4 ones written as IPv6 included.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments().first().copied().unwrap_or(0);
            v6.is_loopback()
                || v6.is_multicast()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Why a target is refused.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("must be an absolute http(s) URL with a host, without user or password")]
    NotHttp,
    #[error("its host cannot be resolved")]
    Unresolvable,
    #[error("it is on a loopback, private, link-local or multicast address")]
    Private,
}

/// Checks a target as it is saved: an http(s) URL whose host, as it
/// resolves now, is not on a forbidden address.
pub async fn check_target(url: &url::Url, allow_private: bool) -> Result<(), TargetError> {
    if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() || url.password().is_some() {
        return Err(TargetError::NotHttp);
    }
    let host = url.host_str().ok_or(TargetError::NotHttp)?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await
        .map_err(|_| TargetError::Unresolvable)?
        .collect();
    if addresses.is_empty() {
        return Err(TargetError::Unresolvable);
    }
    if !allow_private && addresses.iter().any(|address| is_forbidden(address.ip())) {
        return Err(TargetError::Private);
    }
    Ok(())
}

/// Resolves names as the system does, keeping only addresses webhooks may reach.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                found.into_iter().filter(|address| allow_private || !is_forbidden(address.ip())).collect();
            if allowed.is_empty() {
                return Err("the target resolves only to forbidden addresses".into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The signature of a delivery: `v1,` and the base64 HMAC-SHA256, keyed with
/// the secret's bytes, of `{id}.{timestamp}.{body}`.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// A new secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::fill(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// What one attempt got: the answer's status, or why there was none.
#[derive(Debug)]
pub struct Answer {
    pub status: Option<u16>,
    pub error: Option<String>,
}

impl Answer {
    pub fn delivered(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|status| (200..300).contains(&status))
    }
}

/// Sends webhook deliveries.
#[derive(Clone)]
pub struct WebhookClient {
    client: reqwest::Client,
    allow_private: bool,
}

impl WebhookClient {
    pub fn new(allow_private: bool) -> Result<Self, reqwest::Error> {
        crate::tls::install_provider();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .no_proxy()
            .user_agent(concat!("newsroom-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver { allow_private }))
            .build()?;
        Ok(Self { client, allow_private })
    }

    /// Posts `body` to `url`, signed with `secret` under the message `id`.
    pub async fn send(&self, url: &str, secret: &str, id: &str, body: String) -> Answer {
        let refused = |error: &str| Answer { status: None, error: Some(error.to_owned()) };
        let Ok(parsed) = url::Url::parse(url) else { return refused("not a URL") };
        // A literal address is not resolved, so the resolver cannot refuse it.
        if let Some(host) = parsed.host()
            && let Some(ip) = match host {
                url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
                url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
                url::Host::Domain(_) => None,
            }
            && !self.allow_private
            && is_forbidden(ip)
        {
            return refused("the target is on a forbidden address");
        }
        let timestamp = chrono::Utc::now().timestamp();
        let Some(signature) = signature(secret, id, timestamp, &body) else { return refused("the secret is unusable") };
        let sent = self
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(error) => return refused(&error.to_string()),
        };
        let status = response.status().as_u16();
        let mut read = 0;
        while read < MOST_READ {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                _ => break,
            }
        }
        let error = (!(200..300).contains(&status)).then(|| format!("answered {status}"));
        Answer { status: Some(status), error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_forbidden() {
        for forbidden in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::",
        ] {
            assert!(is_forbidden(forbidden.parse().unwrap()), "{forbidden}");
        }
        for allowed in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_forbidden(allowed.parse().unwrap()), "{allowed}");
        }
    }

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The reference implementation's own test vector.
        let signature = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(signature.as_deref(), Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
    }
}

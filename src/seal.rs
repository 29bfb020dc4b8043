//! What the database keeps only to hand back later is sealed
//! (ChaCha20-Poly1305, under a key derived from the server secret), so that
//! a dump or a backup does not hand it out: queued mail, whose reset links
//! sign in, and responses kept for `Idempotency-Key` retries, which hold
//! the tokens a registration returned. Webhook payloads are what the API
//! shows anyway and stay readable for the delivery log.
//!
//! A new `NEWSROOM_JWT_SECRET` leaves what was sealed under the old one
//! unreadable: mail fails as such, and a retry runs its request again.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// Marks the format, so that another can follow.
const PREFIX: &str = "v1.";

pub struct Sealer(LessSafeKey);

/// The key could not be made, or could not seal (neither happens with a
/// valid secret and a mail of sane size).
#[derive(Debug, thiserror::Error)]
#[error("the sealing key failed")]
pub struct SealError;

impl Sealer {
    pub fn derive(server_secret: &SecretString) -> Result<Self, SealError> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(server_secret.expose_secret().as_bytes())
            .map_err(|_| SealError)?;
        mac.update(b"newsroom sealed storage");
        let key = UnboundKey::new(&CHACHA20_POLY1305, &mac.finalize().into_bytes()).map_err(|_| SealError)?;
        Ok(Self(LessSafeKey::new(key)))
    }

    /// Text that only [`Sealer::open`] with this key reads back.
    pub fn seal(&self, plain: &[u8]) -> Result<String, SealError> {
        let mut nonce = [0; NONCE_LEN];
        rand::fill(&mut nonce);
        let mut sealed = plain.to_vec();
        self.0
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut sealed)
            .map_err(|_| SealError)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(out)))
    }

    /// `None` for anything not sealed by this key.
    pub fn open(&self, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        let (nonce, rest) = bytes.split_at_checked(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut rest = rest.to_vec();
        let plain = self.0.open_in_place(nonce, Aad::empty(), &mut rest).ok()?;
        Some(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_sealed_and_nothing_else() {
        let key = Sealer::derive(&SecretString::from("s".repeat(32))).unwrap();
        let sealed = key.seal(b"a reset link").unwrap();
        assert!(!sealed.contains("reset"));
        assert_eq!(key.open(&sealed).as_deref(), Some(&b"a reset link"[..]));
        let other = Sealer::derive(&SecretString::from("t".repeat(32))).unwrap();
        assert_eq!(other.open(&sealed), None);
        assert_eq!(key.open("v1.AAAA"), None);
        assert_eq!(key.open("plain"), None);
    }
}

//! Access tokens (HS256 JWTs) and opaque one-time tokens (refresh and reset);
//! what is stored of the latter is in [`super::db`].

use std::fmt;

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::time;

const ISSUER: &str = "newsroom";
const AUDIENCE: &str = "newsroom-api";
/// Tolerated clock skew between instances behind a load balancer.
const LEEWAY_SECS: u64 = 30;

/// What an access token says about its bearer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The user's token version when the token was issued; a bump revokes it.
    pub ver: i32,
    /// The refresh-token family (session) the token belongs to.
    pub sid: String,
}

/// The HMAC keys and the fixed validation rules for access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &SecretString) -> Result<Self, jsonwebtoken::errors::Error> {
        let bytes = secret.expose_secret().as_bytes();
        // Only HS256 is accepted: `alg: none` and algorithm confusion fail here.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        Ok(Self { encoding: EncodingKey::from_secret(bytes)?, decoding: DecodingKey::from_secret(bytes)?, validation })
    }

    /// Issues an access token for `user_id` that expires after `ttl_secs`.
    pub fn issue(
        &self,
        user_id: i32,
        token_version: i32,
        session: &str,
        ttl_secs: i64,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let now = time::now().and_utc().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + ttl_secs,
            ver: token_version,
            sid: session.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Checks signature, algorithm, expiry, issuer and audience. The token
    /// version is checked by the caller against the database.
    pub fn verify(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).ok().map(|data| data.claims)
    }
}

/// A freshly generated one-time token, in clear: sent to the client once, never stored.
pub struct PlainToken(SecretString);

impl PlainToken {
    /// 256 bits from the thread-local CSPRNG, base64url without padding.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        Self(SecretString::from(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn hashed(&self) -> HashedToken {
        HashedToken::of(self.0.expose_secret())
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

/// SHA-256 of a one-time token: what the database keeps. Tokens carry 256
/// random bits, so a fast unsalted hash is enough.
#[derive(Clone, PartialEq, Eq)]
pub struct HashedToken(Vec<u8>);

impl HashedToken {
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for HashedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashedToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_long_random_and_hash_stably() {
        let a = PlainToken::generate();
        let b = PlainToken::generate();
        assert_eq!(a.expose().len(), 43, "32 bytes in unpadded base64url");
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.hashed(), HashedToken::of(a.expose()));
        assert_eq!(format!("{:?}", a.hashed()), "HashedToken(..)");
    }

    #[test]
    fn access_tokens_round_trip_and_reject_other_keys() {
        let keys = JwtKeys::new(&SecretString::from("k".repeat(32))).unwrap();
        let token = keys.issue(7, 3, "family", 60).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!((claims.sub.as_str(), claims.ver, claims.sid.as_str()), ("7", 3, "family"));
        let other = JwtKeys::new(&SecretString::from("o".repeat(32))).unwrap();
        assert!(other.verify(&token).is_none());
        assert!(keys.verify(&keys.issue(7, 3, "family", -3600).unwrap()).is_none(), "expired");
    }
}

//! The password policy of API.md and Argon2id hashing.
//!
//! Hashing costs ~50 ms of CPU by design, so it always runs on the blocking
//! pool ([`hash`] and [`verify`] are async for that reason).

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{ApiError, FieldError};

/// The longest password accepted: enough for any passphrase, small enough
/// that hashing stays cheap.
pub const MAX_LENGTH: usize = 128;

/// The 30,000 most common passwords from the zxcvbn frequency lists (MIT),
/// lowercased, one per line.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common-passwords.txt").lines().collect());

/// Hash of a random password, verified when the email is unknown so that a
/// failed login costs the same time whether or not the account exists.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let mut random = [0u8; 32];
    rand::fill(&mut random);
    Argon2::default().hash_password(&random).ok().map(|hash| hash.to_string())
});

/// A password that satisfies the policy. Its text never reaches `Debug`.
pub struct Password(SecretString);

impl Password {
    /// Checks the policy: `min_length..=128` characters, not a common
    /// password, not the account's email. No composition rules (NIST 800-63B).
    pub fn parse(raw: String, email: &str, min_length: usize) -> Result<Self, FieldError> {
        let field = |message: String| FieldError::new("password", message);
        let length = raw.chars().count();
        if length < min_length {
            return Err(field(format!("must be at least {min_length} characters")));
        }
        if length > MAX_LENGTH {
            return Err(field(format!("must be at most {MAX_LENGTH} characters")));
        }
        let lowered = raw.to_lowercase();
        if COMMON_PASSWORDS.contains(lowered.as_str()) {
            return Err(field("is too common; choose a less guessable password".into()));
        }
        if lowered == email.trim().to_lowercase() {
            return Err(field("must not be your email address".into()));
        }
        Ok(Self(SecretString::from(raw)))
    }

    /// Renames the field in a policy error, for bodies that call it otherwise
    /// (`new_password`).
    pub fn parse_field(raw: String, email: &str, min_length: usize, name: &str) -> Result<Self, FieldError> {
        Self::parse(raw, email, min_length).map_err(|e| FieldError::new(name, e.message))
    }
}

/// At most this many Argon2 computations at once: each takes 19 MiB and a
/// core, and a burst of logins must not take every blocking thread from the
/// database work of other requests.
static HASHING: Semaphore = Semaphore::const_new(2);

async fn hashing_turn() -> Result<SemaphorePermit<'static>, ApiError> {
    HASHING.acquire().await.map_err(|e| ApiError::Internal(Box::new(e)))
}

/// Hashes with Argon2id (m=19 MiB, t=2, p=1: the OWASP recommendation),
/// on the blocking pool.
pub async fn hash(password: Password) -> Result<String, ApiError> {
    let _turn = hashing_turn().await?;
    actix_web::web::block(move || hash_now(&password))
        .await?
        .map_err(|e| ApiError::Internal(format!("argon2: {e}").into()))
}

/// Hashes on the current thread: for the command line, never for a request.
pub fn hash_now(password: &Password) -> Result<String, argon2::password_hash::Error> {
    Argon2::default().hash_password(password.0.expose_secret().as_bytes()).map(|hash| hash.to_string())
}

/// True when `candidate` matches `stored`; with no stored hash, burns the same
/// time against a dummy hash and answers false.
pub async fn verify(candidate: SecretString, stored: Option<String>) -> Result<bool, ApiError> {
    let _turn = hashing_turn().await?;
    let matched = actix_web::web::block(move || {
        let candidate = candidate.expose_secret().as_bytes();
        match stored {
            Some(hash) => Argon2::default().verify_password(candidate, hash.as_str()).is_ok(),
            None => {
                if let Some(dummy) = DUMMY_HASH.as_deref() {
                    let _ = Argon2::default().verify_password(candidate, dummy);
                }
                false
            }
        }
    })
    .await?;
    Ok(matched)
}

/// Computes the dummy hash ahead of the first login, so that its cost does not
/// make the first unknown-email login slower than a wrong password.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
    LazyLock::force(&COMMON_PASSWORDS);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Password, FieldError> {
        Password::parse(raw.into(), "reader@example.com", 10)
    }

    #[test]
    fn accepts_long_uncommon_passwords_of_any_characters() {
        assert!(parse("correct horse battery").is_ok());
        assert!(parse("كلمة سر طويلة جدا").is_ok());
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(parse("ééééééééé").is_err(), "9 characters, 18 bytes");
        assert!(parse("éééééééééé").is_ok());
        assert!(parse(&"x".repeat(129)).is_err());
        assert!(parse(&"x7".repeat(64)).is_ok());
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        assert_eq!(COMMON_PASSWORDS.len(), 30_000);
        assert!(parse("password123").is_err());
        assert!(parse("PassWord123").is_err());
        assert!(parse("qwertyuiop").is_err());
    }

    #[test]
    fn the_email_is_not_a_password() {
        assert!(parse("Reader@Example.com").is_err());
    }
}

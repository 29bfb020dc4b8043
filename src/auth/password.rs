//! The password policy of API.md and Argon2id hashing.
//!
//! Hashing costs ~50 ms of CPU by design, so it always runs on the blocking
//! pool ([`hash`] and [`verify`] are async for that reason).

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, PoisonError};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Semaphore, SemaphorePermit};

use super::attempts::PASSWORD_FAILURES;
use crate::error::{ApiError, FieldError};
use crate::store::DbPool;

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
    hash_bytes(&random).ok()
});

/// Argon2id with m=7 MiB, t=5, p=1: of OWASP's equivalent settings, the one
/// with the least memory (m=19 MiB, t=2 costs the same time). Hashes record
/// their parameters, so hashes made with others still verify.
static PARAMS: LazyLock<Params> = LazyLock::new(|| {
    const MEMORY_KIB: u32 = 7 * 1024;
    const PASSES: u32 = 5;
    #[expect(clippy::expect_used, reason = "constant parameters within argon2's documented limits")]
    Params::new(MEMORY_KIB, PASSES, 1, None).expect("valid Argon2 parameters")
});

/// Argon2's working memory, kept between hashes. Allocated afresh for each
/// hash, it stayed resident: mimalloc and glibc alike kept a freed copy on
/// each blocking thread that had hashed, so 32 logins grew the server by
/// 57 MiB for good. There is one buffer per concurrent hash, zeroed after use.
static WORKING_MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs `compute` on `params.block_count()` blocks of reused memory (fresh
/// memory for a stored hash made with more than [`PARAMS`] asks for).
fn with_working_memory<T>(params: &Params, compute: impl FnOnce(&mut [Block]) -> T) -> T {
    let needed = params.block_count();
    let ours = PARAMS.block_count();
    if needed > ours {
        return compute(&mut vec![Block::default(); needed]);
    }
    let reused = WORKING_MEMORY.lock().unwrap_or_else(PoisonError::into_inner).pop();
    let mut blocks = reused.unwrap_or_else(|| vec![Block::default(); ours]);
    let result = compute(blocks.get_mut(..needed).unwrap_or_default());
    blocks.fill(Block::default());
    WORKING_MEMORY.lock().unwrap_or_else(PoisonError::into_inner).push(blocks);
    result
}

/// A new PHC string (`$argon2id$v=19$m=…`) for `password`, with a random salt.
fn hash_bytes(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; argon2::RECOMMENDED_SALT_LEN];
    rand::fill(&mut salt);
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let hasher = Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS.clone());
    with_working_memory(&PARAMS, |blocks| hasher.hash_password_into_with_memory(password, &salt, &mut output, blocks))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&*PARAMS)?,
        salt: Some(Salt::new(&salt)?),
        hash: Some(Output::new(&output)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` hashes to `stored` under the algorithm, version and
/// parameters `stored` records; output compared in constant time. `None`
/// when `stored` is no Argon2 hash (an account made without a password):
/// nothing was computed.
fn matches(password: &[u8], stored: &str) -> Option<bool> {
    let hash = PasswordHash::new(stored).ok()?;
    let (salt, expected) = (hash.salt.as_ref()?, hash.hash.as_ref()?);
    let algorithm = Algorithm::try_from(hash.algorithm.as_str()).ok()?;
    let params = Params::try_from(&hash).ok()?;
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(version) => version.ok()?,
    };
    let hasher = Argon2::new(algorithm, version, params.clone());
    let mut computed = vec![0u8; expected.len()];
    let computed_ok = with_working_memory(&params, |blocks| {
        hasher.hash_password_into_with_memory(password, salt, &mut computed, blocks)
    });
    Some(computed_ok.is_ok() && Output::new(&computed).is_ok_and(|output| output == *expected))
}

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

/// At most this many Argon2 computations at once: each takes 7 MiB and a
/// core, and a burst of logins must not take every blocking thread from the
/// database work of other requests.
static HASHING: Semaphore = Semaphore::const_new(2);

async fn hashing_turn() -> Result<SemaphorePermit<'static>, ApiError> {
    HASHING.acquire().await.map_err(|e| ApiError::Internal(Box::new(e)))
}

/// Hashes with [`argon2`] on the blocking pool.
pub async fn hash(password: Password) -> Result<String, ApiError> {
    let _turn = hashing_turn().await?;
    actix_web::web::block(move || hash_now(&password))
        .await?
        .map_err(|e| ApiError::Internal(format!("argon2: {e}").into()))
}

/// Hashes on the current thread: for the command line, never for a request.
pub fn hash_now(password: &Password) -> Result<String, argon2::password_hash::Error> {
    hash_bytes(password.0.expose_secret().as_bytes())
}

/// True when `candidate` matches `stored`. With no account, or an account
/// whose stored value is no hash (one made without a password), it burns the
/// same time against a dummy hash and answers false, so that the answer's
/// time tells nothing of which it was.
pub async fn verify(candidate: SecretString, stored: Option<String>) -> Result<bool, ApiError> {
    let _turn = hashing_turn().await?;
    let matched = actix_web::web::block(move || {
        let candidate = candidate.expose_secret().as_bytes();
        stored.and_then(|hash| matches(candidate, &hash)).unwrap_or_else(|| {
            if let Some(dummy) = DUMMY_HASH.as_deref() {
                matches(candidate, dummy);
            }
            false
        })
    })
    .await?;
    Ok(matched)
}

/// [`verify`] under the per-account limit on wrong passwords that login,
/// password change and account deletion share, keyed by the account's email
/// key and counted in the database for every instance. The attempt is
/// counted before Argon2 runs, so that guesses sent at once cannot all start
/// before the first failure is counted; a right password gives the whole
/// allowance back.
pub async fn verify_limited(
    pool: &DbPool,
    email_key: &str,
    candidate: SecretString,
    stored: Option<String>,
) -> Result<bool, ApiError> {
    PASSWORD_FAILURES.spend(pool, email_key).await?;
    let matched = verify(candidate, stored).await?;
    if matched {
        PASSWORD_FAILURES.restore(pool, email_key).await?;
    }
    Ok(matched)
}

/// Computes the dummy hash ahead of the first login, so that its cost does not
/// make the first unknown-email login slower than a wrong password. It runs
/// beside start-up (an Argon2 hash takes tens of milliseconds, which the
/// server need not wait for); a login that comes sooner waits for it.
pub fn warm_up() {
    let warming = std::thread::Builder::new().name("newsroom-warm-up".into()).spawn(|| {
        LazyLock::force(&DUMMY_HASH);
        LazyLock::force(&COMMON_PASSWORDS);
    });
    if let Err(error) = warming {
        tracing::warn!(error = %error, "cannot warm up password checks ahead of the first login");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<Password, FieldError> {
        Password::parse(raw.into(), "reader@example.com", 10)
    }

    #[test]
    fn hashes_verify_with_the_password_and_only_with_it() {
        let stored = hash_bytes("correct horse battery".as_bytes()).unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{stored}");
        assert_eq!(matches("correct horse battery".as_bytes(), &stored), Some(true));
        assert_eq!(matches("correct horse batterz".as_bytes(), &stored), Some(false));
        assert_eq!(matches("correct horse battery".as_bytes(), "!imported-from-wordpress"), None);
        assert_ne!(stored, hash_bytes("correct horse battery".as_bytes()).unwrap(), "salted");
    }

    #[test]
    fn concurrent_verifications_each_get_working_memory() {
        let stored = hash_bytes(b"shared secret phrase").unwrap();
        let results: Vec<(Option<bool>, Option<bool>)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| (matches(b"shared secret phrase", &stored), matches(b"wrong phrase", &stored))))
                .collect();
            workers.into_iter().map(|worker| worker.join().unwrap()).collect()
        });
        assert_eq!(results, vec![(Some(true), Some(false)); 4]);
    }

    #[test]
    fn hashes_agree_with_the_reference_implementation_in_both_directions() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let password = "كلمة سر طويلة جدا".as_bytes();
        // Argon2's defaults (m=19 MiB, t=2) need more memory than is kept for reuse.
        let theirs = Argon2::default().hash_password(password).unwrap().to_string();
        assert_eq!(matches(password, &theirs), Some(true));
        assert_eq!(matches(b"another password", &theirs), Some(false));
        let ours = hash_bytes(password).unwrap();
        assert!(Argon2::default().verify_password(password, &PasswordHash::new(&ours).unwrap()).is_ok());
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

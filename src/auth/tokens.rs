//! Access tokens (HS256 JWTs) and opaque one-time tokens (refresh and reset).
//!
//! Refresh tokens rotate: each use marks the token used and issues the next of
//! the same family. A used token presented again revokes the whole family.

use std::fmt;

use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::schema::refresh_tokens;
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

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::sqlite::Sqlite))]
struct RefreshTokenRow {
    id: i32,
    user_id: i32,
    family_id: String,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = refresh_tokens)]
struct NewRefreshToken<'a> {
    user_id: i32,
    family_id: &'a str,
    token_hash: &'a [u8],
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// A refresh token just stored, with its session (family).
pub struct IssuedRefresh {
    pub token: PlainToken,
    pub family_id: String,
}

/// Stores a new refresh token in `family_id`, or in a new family (a new session).
pub fn store_refresh(
    conn: &mut SqliteConnection,
    user_id: i32,
    family_id: Option<String>,
    ttl: chrono::Duration,
) -> QueryResult<IssuedRefresh> {
    let token = PlainToken::generate();
    let family_id = family_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let now = time::now();
    diesel::insert_into(refresh_tokens::table)
        .values(NewRefreshToken {
            user_id,
            family_id: &family_id,
            token_hash: token.hashed().as_bytes(),
            created_at: now,
            expires_at: now + ttl,
        })
        .execute(conn)?;
    Ok(IssuedRefresh { token, family_id })
}

/// What presenting a refresh token led to.
pub enum Rotation {
    /// The token was valid: it is now used, and this is its successor.
    Rotated { user_id: i32, next: IssuedRefresh },
    /// Unknown, expired or revoked.
    Invalid,
    /// Already used: the family has just been revoked.
    Reused,
}

/// Rotates a refresh token. Run inside an immediate transaction so that two
/// concurrent uses of one token cannot both succeed.
pub fn rotate_refresh(
    conn: &mut SqliteConnection,
    presented: &HashedToken,
    ttl: chrono::Duration,
) -> QueryResult<Rotation> {
    let row = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(presented.as_bytes()))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else {
        return Ok(Rotation::Invalid);
    };
    let now = time::now();
    if row.revoked_at.is_some() || row.expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    if row.used_at.is_some() {
        revoke_family(conn, &row.family_id)?;
        return Ok(Rotation::Reused);
    }
    diesel::update(refresh_tokens::table.find(row.id)).set(refresh_tokens::used_at.eq(now)).execute(conn)?;
    let next = store_refresh(conn, row.user_id, Some(row.family_id), ttl)?;
    Ok(Rotation::Rotated { user_id: row.user_id, next })
}

/// Ends the session the token belongs to, if it is one of ours.
pub fn revoke_family_of(conn: &mut SqliteConnection, presented: &HashedToken) -> QueryResult<()> {
    let family: Option<String> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(presented.as_bytes()))
        .select(refresh_tokens::family_id)
        .first(conn)
        .optional()?;
    match family {
        Some(family) => revoke_family(conn, &family),
        None => Ok(()),
    }
}

fn revoke_family(conn: &mut SqliteConnection, family_id: &str) -> QueryResult<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(time::now()))
    .execute(conn)?;
    Ok(())
}

/// Revokes every refresh token of the user, except the session `keep` if given.
pub fn revoke_user_sessions(conn: &mut SqliteConnection, user_id: i32, keep: Option<&str>) -> QueryResult<()> {
    let mut query = diesel::update(refresh_tokens::table)
        .filter(refresh_tokens::user_id.eq(user_id))
        .filter(refresh_tokens::revoked_at.is_null())
        .into_boxed();
    if let Some(keep) = keep {
        query = query.filter(refresh_tokens::family_id.ne(keep));
    }
    query.set(refresh_tokens::revoked_at.eq(time::now())).execute(conn)?;
    Ok(())
}

/// Deletes refresh tokens past their expiry: a used or revoked token is kept
/// until then only so that its reuse can be detected.
pub fn delete_expired(conn: &mut SqliteConnection) -> QueryResult<usize> {
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.le(time::now()))).execute(conn)
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

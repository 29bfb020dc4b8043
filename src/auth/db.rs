//! What authentication keeps in the database: sessions as families of
//! rotating refresh tokens, and password reset links. Only the SHA-256 of a
//! token is stored.
//!
//! Refresh tokens rotate: each use marks the token used and issues the next of
//! the same family. A used token presented again revokes the whole family.

use crate::store::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::attempts::RESET_REQUESTS_ALLOWED;
use super::tokens::{HashedToken, PlainToken};
use crate::effects::Effects;
use crate::schema::{password_resets, refresh_tokens, users};
use crate::time;
use crate::users::db::UserRow;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
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
#[tracing::instrument(level = "debug", skip_all)]
pub fn store_refresh(
    conn: &mut Conn,
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
    /// Already used: the family (a session of this user) has just been revoked.
    Reused,
}

/// Rotates a refresh token. Run inside an immediate transaction so that two
/// concurrent uses of one token cannot both succeed.
#[tracing::instrument(level = "debug", skip_all)]
pub fn rotate_refresh(
    conn: &mut Conn,
    effects: &mut Effects,
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
        revoke_family(conn, effects, row.user_id, &row.family_id)?;
        return Ok(Rotation::Reused);
    }
    diesel::update(refresh_tokens::table.find(row.id)).set(refresh_tokens::used_at.eq(now)).execute(conn)?;
    let next = store_refresh(conn, row.user_id, Some(row.family_id), ttl)?;
    Ok(Rotation::Rotated { user_id: row.user_id, next })
}

/// Ends the session the token belongs to, if it is one of ours; the user
/// whose session it was.
#[tracing::instrument(level = "debug", skip_all)]
pub fn revoke_family_of(conn: &mut Conn, effects: &mut Effects, presented: &HashedToken) -> QueryResult<Option<i32>> {
    let family: Option<(String, i32)> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(presented.as_bytes()))
        .select((refresh_tokens::family_id, refresh_tokens::user_id))
        .first(conn)
        .optional()?;
    let Some((family, user_id)) = family else {
        return Ok(None);
    };
    revoke_family(conn, effects, user_id, &family)?;
    Ok(Some(user_id))
}

fn revoke_family(conn: &mut Conn, effects: &mut Effects, user_id: i32, family_id: &str) -> QueryResult<()> {
    effects.sessions_ended(user_id);
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
#[tracing::instrument(level = "debug", skip_all)]
pub fn revoke_user_sessions(
    conn: &mut Conn,
    effects: &mut Effects,
    user_id: i32,
    keep: Option<&str>,
) -> QueryResult<()> {
    effects.sessions_ended(user_id);
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
#[tracing::instrument(level = "debug", skip_all)]
pub fn delete_expired_sessions(conn: &mut Conn) -> QueryResult<usize> {
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::expires_at.le(time::now()))).execute(conn)
}

#[derive(Insertable)]
#[diesel(table_name = password_resets)]
struct NewPasswordReset<'a> {
    user_id: i32,
    token_hash: &'a [u8],
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}

/// Stores a reset token for the user beside the newest earlier ones; older
/// links than the newest [`RESET_REQUESTS_ALLOWED`] stop working.
#[tracing::instrument(level = "debug", skip_all)]
pub fn store_reset(
    conn: &mut Conn,
    user_id: i32,
    token: &HashedToken,
    ttl: chrono::Duration,
) -> QueryResult<NaiveDateTime> {
    let now = time::now();
    let row = NewPasswordReset { user_id, token_hash: token.as_bytes(), created_at: now, expires_at: now + ttl };
    diesel::insert_into(password_resets::table).values(&row).execute(conn)?;
    let newest: Vec<Vec<u8>> = password_resets::table
        .filter(password_resets::user_id.eq(user_id))
        .order(password_resets::created_at.desc())
        .limit(i64::from(RESET_REQUESTS_ALLOWED))
        .select(password_resets::token_hash)
        .load(conn)?;
    diesel::delete(
        password_resets::table
            .filter(password_resets::user_id.eq(user_id))
            .filter(password_resets::token_hash.ne_all(newest)),
    )
    .execute(conn)?;
    Ok(row.expires_at)
}

/// The user and expiry of a usable token, for an enabled account.
#[tracing::instrument(level = "debug", skip_all)]
pub fn find_reset(conn: &mut Conn, token: &HashedToken) -> QueryResult<Option<(UserRow, NaiveDateTime)>> {
    password_resets::table
        .inner_join(users::table)
        .filter(password_resets::token_hash.eq(token.as_bytes()))
        .filter(password_resets::expires_at.gt(time::now()))
        .filter(users::disabled.eq(false))
        .select((UserRow::as_select(), password_resets::expires_at))
        .first(conn)
        .optional()
}

/// Deletes the token if it is still usable, returning its user: the check and
/// the use are one statement, so two concurrent resets cannot both pass.
#[tracing::instrument(level = "debug", skip_all)]
pub fn consume_reset(conn: &mut Conn, token: &HashedToken) -> QueryResult<Option<i32>> {
    diesel::delete(
        password_resets::table
            .filter(password_resets::token_hash.eq(token.as_bytes()))
            .filter(password_resets::expires_at.gt(time::now())),
    )
    .returning(password_resets::user_id)
    .get_result(conn)
    .optional()
}

/// Drops a user's outstanding reset links (after any password change).
#[tracing::instrument(level = "debug", skip_all)]
pub fn discard_resets(conn: &mut Conn, user_id: i32) -> QueryResult<()> {
    diesel::delete(password_resets::table.filter(password_resets::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// Deletes links that have expired; they can never be used.
#[tracing::instrument(level = "debug", skip_all)]
pub fn delete_expired_resets(conn: &mut Conn) -> QueryResult<usize> {
    diesel::delete(password_resets::table.filter(password_resets::expires_at.le(time::now()))).execute(conn)
}

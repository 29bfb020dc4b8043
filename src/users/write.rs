//! The rules of writing an account, in one place for registration,
//! `create-user`, the demo seeder and the WordPress importer, and for what
//! ends sessions: each such write records [`Effects::sessions_ended`] itself,
//! so that no caller can commit one without it.

use diesel::prelude::*;

use super::db::{self, AdminChanges, NewUser, ProfileChanges, UserRow};
use super::fields::{Email, Role};
use crate::auth;
use crate::effects::{Change, Effects};
use crate::schema::users;
use crate::store::{Conn, on_backend};
use crate::time;

/// A new account, its fields already valid.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub email: &'a Email,
    pub display_name: &'a str,
    /// An Argon2 hash, or a value no password matches (an imported author's).
    pub password_hash: &'a str,
    pub role: Role,
}

/// Creates an account; `None` when the email is taken (the only unique
/// column a caller controls, so a unique violation can mean nothing else).
#[tracing::instrument(level = "debug", skip_all)]
pub fn create(conn: &mut Conn, account: NewAccount<'_>) -> QueryResult<Option<UserRow>> {
    let now = time::now();
    let new = NewUser {
        email: account.email.as_ref(),
        email_key: &account.email.key(),
        display_name: account.display_name,
        password_hash: account.password_hash,
        role: account.role,
        created_at: now,
        updated_at: now,
    };
    on_backend!(conn, |conn| diesel::insert_into(users::table)
        .values(&new)
        .on_conflict_do_nothing()
        .returning(UserRow::as_returning())
        .get_result(conn)
        .optional())
}

/// A new display name shows wherever its owner wrote: every cached response
/// may be wrong.
#[tracing::instrument(level = "debug", skip_all)]
pub fn update_profile(
    conn: &mut Conn,
    effects: &mut Effects,
    id: i32,
    changes: &ProfileChanges,
) -> QueryResult<UserRow> {
    let changed = (changes, users::updated_at.eq(time::now()));
    let row = on_backend!(conn, |conn| diesel::update(users::table.find(id))
        .set(changed)
        .returning(UserRow::as_returning())
        .get_result(conn))?;
    effects.changed(Change::Everything);
    Ok(row)
}

/// Revokes every access token of the user (their `ver` claim no longer
/// matches) and every refresh token except the session `keep`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn end_sessions(conn: &mut Conn, effects: &mut Effects, id: i32, keep: Option<&str>) -> QueryResult<()> {
    diesel::update(users::table.find(id)).set(users::token_version.eq(users::token_version + 1)).execute(conn)?;
    auth::db::revoke_user_sessions(conn, effects, id, keep)
}

/// Stores a new password hash, drops any outstanding reset link, and ends
/// every session but `keep`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn set_password(
    conn: &mut Conn,
    effects: &mut Effects,
    id: i32,
    password_hash: &str,
    keep: Option<&str>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(password_hash), users::updated_at.eq(time::now())))
        .execute(conn)?;
    auth::db::discard_resets(conn, id)?;
    end_sessions(conn, effects, id, keep)
}

/// Deletes a user: their votes are withdrawn (tallies adjusted) first; refresh
/// tokens and reset links go by cascade, and articles stay with no author.
#[tracing::instrument(level = "debug", skip_all)]
pub fn delete(conn: &mut Conn, effects: &mut Effects, id: i32) -> QueryResult<()> {
    crate::votes::cast::withdraw_all(conn, effects, id)?;
    diesel::delete(users::table.find(id)).execute(conn)?;
    effects.sessions_ended(id);
    // Their articles show no author now.
    effects.changed(Change::Everything);
    Ok(())
}

/// Why an admin change was refused.
pub enum AdminChangeOutcome {
    Updated(UserRow),
    NotFound,
    /// The change would leave no enabled admin.
    LastAdmin,
}

/// Applies an admin change. A new role applies to tokens already issued,
/// disabling ends every session at once, and enabling or disabling changes
/// what is served publicly of the account (its author feed). The last
/// enabled admin can be neither demoted nor disabled, so the site always has one.
#[tracing::instrument(level = "debug", skip_all)]
pub fn admin_update(
    conn: &mut Conn,
    effects: &mut Effects,
    id: i32,
    changes: &AdminChanges,
) -> QueryResult<AdminChangeOutcome> {
    let Some(current) = db::find_optional(conn, id)? else {
        return Ok(AdminChangeOutcome::NotFound);
    };
    let stays_admin =
        changes.role.unwrap_or(current.role) == Role::Admin && !changes.disabled.unwrap_or(current.disabled);
    if current.role == Role::Admin && !current.disabled && !stays_admin {
        let enabled_admins: i64 = users::table
            .filter(users::role.eq(Role::Admin))
            .filter(users::disabled.eq(false))
            .count()
            .get_result(conn)?;
        if enabled_admins <= 1 {
            return Ok(AdminChangeOutcome::LastAdmin);
        }
    }
    if changes.role.is_none() && changes.disabled.is_none() {
        return Ok(AdminChangeOutcome::Updated(current));
    }
    diesel::update(users::table.find(id)).set((changes, users::updated_at.eq(time::now()))).execute(conn)?;
    if changes.disabled == Some(true) && !current.disabled {
        end_sessions(conn, effects, id, None)?;
    }
    effects.sessions_ended(id);
    if changes.disabled.is_some_and(|disabled| disabled != current.disabled) {
        effects.changed(Change::Everything);
    }
    db::find(conn, id).map(AdminChangeOutcome::Updated)
}

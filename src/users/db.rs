//! Users in the database: rows, inserts, changes and the queries on them.

use crate::store::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::fields::Role;
use crate::schema::{refresh_tokens, users};
use crate::text;
use crate::time;

diesel::define_sql_function!(fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UserRow {
    pub id: i32,
    pub email: String,
    pub display_name: String,
    pub bio: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub token_version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Built by [`super::write::create`] alone.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub(super) struct NewUser<'a> {
    pub email: &'a str,
    pub email_key: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A profile edit; `bio: Some(None)` clears the bio.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub bio: Option<Option<String>>,
}

/// The slice of a user that authenticating a request needs.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct Credentials {
    pub id: i32,
    pub role: Role,
    pub disabled: bool,
    pub token_version: i32,
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn find(conn: &mut Conn, id: i32) -> QueryResult<UserRow> {
    users::table.find(id).select(UserRow::as_select()).first(conn)
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn find_optional(conn: &mut Conn, id: i32) -> QueryResult<Option<UserRow>> {
    find(conn, id).optional()
}

/// The account `id` if it is not disabled: one whose public things (profile,
/// author feed, public collections) show.
#[tracing::instrument(level = "debug", skip_all)]
pub fn find_enabled(conn: &mut Conn, id: i32) -> QueryResult<Option<UserRow>> {
    Ok(find_optional(conn, id)?.filter(|user| !user.disabled))
}

/// The enabled editors and admins: who reviews what contributors submit.
#[tracing::instrument(level = "debug", skip_all)]
pub fn reviewers(conn: &mut Conn) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::role.eq_any([Role::Editor, Role::Admin]))
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .load(conn)
}

/// Whether an enabled admin exists: a new site has none until one is made.
pub fn has_admin(conn: &mut Conn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::role.eq(Role::Admin)).filter(users::disabled.eq(false)),
    ))
    .get_result(conn)
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn find_by_email_key(conn: &mut Conn, email_key: &str) -> QueryResult<Option<UserRow>> {
    if !text::can_match(email_key) {
        return Ok(None);
    }
    users::table.filter(users::email_key.eq(email_key)).select(UserRow::as_select()).first(conn).optional()
}

/// The user an access token names, with when its session ends, if the
/// session it was issued for is still live: a refresh-token family of that
/// same user, neither revoked nor expired. Session ids are random and die
/// with their account, so a token outlives neither its logout nor its
/// account, even if the id came back.
#[tracing::instrument(level = "debug", skip_all)]
pub fn credentials(conn: &mut Conn, id: i32, session: &str) -> QueryResult<Option<(Credentials, NaiveDateTime)>> {
    let session_ends = refresh_tokens::table
        .filter(refresh_tokens::family_id.eq(session))
        .filter(refresh_tokens::user_id.eq(id))
        .filter(refresh_tokens::revoked_at.is_null())
        .select(diesel::dsl::max(refresh_tokens::expires_at))
        .single_value();
    let found: Option<(Credentials, Option<NaiveDateTime>)> =
        users::table.find(id).select((Credentials::as_select(), session_ends)).first(conn).optional()?;
    let now = time::now();
    Ok(found.and_then(|(user, until)| until.filter(|until| *until > now).map(|until| (user, until))))
}

/// Filters of the admin user list.
#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    /// Case-insensitive substring of the email or display name.
    pub query: Option<String>,
    /// Keyset position: list users with a smaller id.
    pub before_id: Option<i32>,
    pub limit: i64,
}

/// Users newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub fn list(conn: &mut Conn, filter: &UserFilter) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(text) = filter.query.as_deref() {
        if !text::can_match(text) {
            return Ok(Vec::new());
        }
        // lower() on both sides: PostgreSQL's LIKE minds case, SQLite's does not.
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        query = query.filter(
            users::email_key
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::display_name).like(pattern).escape('\\')),
        );
    }
    if let Some(before) = filter.before_id {
        query = query.filter(users::id.lt(before));
    }
    query.order(users::id.desc()).limit(filter.limit).load(conn)
}

/// Makes `%`, `_` and `\` in user input match themselves in a LIKE pattern.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Admin changes to an account.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct AdminChanges {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

/// Why an admin change was refused.
pub enum AdminChangeOutcome {
    Updated(UserRow),
    NotFound,
    /// The change would leave no enabled admin.
    LastAdmin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}

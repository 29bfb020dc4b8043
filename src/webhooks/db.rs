//! Webhook endpoints in the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::webhooks;
use crate::store::{Conn, on_backend};
use crate::time;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhooks, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct WebhookRow {
    pub id: i32,
    pub url: String,
    /// Event types, a JSON array.
    pub events: String,
    pub description: Option<String>,
    pub secret: String,
    pub enabled: bool,
    pub failing_since: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A partial update.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = webhooks)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<String>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
    /// Re-enabling an endpoint forgets its failures.
    pub failing_since: Option<Option<NaiveDateTime>>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn insert(
    conn: &mut Conn,
    url: &str,
    events: &str,
    description: Option<&str>,
    secret: &str,
) -> QueryResult<WebhookRow> {
    let now = time::now();
    let row = (
        webhooks::url.eq(url),
        webhooks::events.eq(events),
        webhooks::description.eq(description),
        webhooks::secret.eq(secret),
        webhooks::created_at.eq(now),
        webhooks::updated_at.eq(now),
    );
    on_backend!(conn, |conn| diesel::insert_into(webhooks::table)
        .values(row)
        .returning(WebhookRow::as_returning())
        .get_result(conn))
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn all(conn: &mut Conn) -> QueryResult<Vec<WebhookRow>> {
    webhooks::table.select(WebhookRow::as_select()).order(webhooks::id).load(conn)
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn find(conn: &mut Conn, id: i32) -> QueryResult<Option<WebhookRow>> {
    webhooks::table.find(id).select(WebhookRow::as_select()).first(conn).optional()
}

#[tracing::instrument(level = "debug", skip_all)]
pub fn update(conn: &mut Conn, id: i32, changes: &WebhookChanges) -> QueryResult<()> {
    diesel::update(webhooks::table.find(id)).set((changes, webhooks::updated_at.eq(time::now()))).execute(conn)?;
    Ok(())
}

/// Deletes an endpoint and, by cascade, its deliveries.
#[tracing::instrument(level = "debug", skip_all)]
pub fn delete(conn: &mut Conn, id: i32) -> QueryResult<bool> {
    Ok(diesel::delete(webhooks::table.find(id)).execute(conn)? > 0)
}

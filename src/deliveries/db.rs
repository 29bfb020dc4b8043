//! Deliveries in the database: written with the change they announce,
//! claimed by one instance at a time, and their outcome recorded.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::schema::{deliveries, webhooks};
use crate::store::Conn;
use crate::time;

/// What a delivery carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Webhook,
    Mail,
}

crate::store::text_enum!(Kind { Webhook => "webhook", Mail => "mail" });

/// Where a delivery is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not sent yet, or to be tried again at `next_attempt_at`.
    Pending,
    Delivered,
    /// Every attempt failed, or its endpoint was disabled.
    Failed,
}

crate::store::text_enum!(Status { Pending => "pending", Delivered => "delivered", Failed => "failed" });

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct DeliveryRow {
    pub id: i32,
    pub kind: Kind,
    pub webhook_id: Option<i32>,
    pub event: String,
    pub message_id: String,
    pub payload: String,
    pub status: Status,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// Queues one delivery, due at once.
#[tracing::instrument(level = "debug", skip_all, fields(kind = kind.as_str(), event))]
pub fn insert(
    conn: &mut Conn,
    kind: Kind,
    webhook_id: Option<i32>,
    event: &str,
    message_id: &str,
    payload: &str,
) -> QueryResult<()> {
    let now = time::now();
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::kind.eq(kind),
            deliveries::webhook_id.eq(webhook_id),
            deliveries::event.eq(event),
            deliveries::message_id.eq(message_id),
            deliveries::payload.eq(payload),
            deliveries::next_attempt_at.eq(now),
            deliveries::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes up to `limit` deliveries that are due and not being sent by anyone,
/// counting the attempt and holding them until `hold_until`. On PostgreSQL
/// rows another instance is claiming are skipped (`FOR UPDATE SKIP LOCKED`);
/// SQLite has one writer. Run it in a write transaction.
#[tracing::instrument(level = "debug", skip_all)]
pub fn claim_due(conn: &mut Conn, limit: i64, hold_until: NaiveDateTime) -> QueryResult<Vec<DeliveryRow>> {
    let now = time::now();
    let due = deliveries::table
        .filter(deliveries::status.eq(Status::Pending))
        .filter(deliveries::next_attempt_at.le(now))
        .filter(deliveries::claimed_until.is_null().or(deliveries::claimed_until.lt(now)))
        .order((deliveries::next_attempt_at, deliveries::id))
        .limit(limit)
        .select(deliveries::id);
    let ids: Vec<i32> = match conn {
        Conn::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
        Conn::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
        .set((deliveries::claimed_until.eq(hold_until), deliveries::attempts.eq(deliveries::attempts + 1)))
        .execute(conn)?;
    deliveries::table.filter(deliveries::id.eq_any(&ids)).select(DeliveryRow::as_select()).load(conn)
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub status_code: Option<i32>,
    /// `None` when it was delivered.
    pub error: Option<String>,
}

/// Records a delivered attempt; its endpoint is no longer failing.
#[tracing::instrument(level = "debug", skip_all, fields(delivery = row.id))]
pub fn delivered(conn: &mut Conn, row: &DeliveryRow, status_code: Option<i32>) -> QueryResult<()> {
    let now = time::now();
    diesel::update(deliveries::table.find(row.id))
        .set((
            deliveries::status.eq(Status::Delivered),
            deliveries::finished_at.eq(now),
            deliveries::claimed_until.eq(None::<NaiveDateTime>),
            deliveries::last_status_code.eq(status_code),
            deliveries::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    if let Some(webhook) = row.webhook_id {
        diesel::update(webhooks::table.find(webhook))
            .set(webhooks::failing_since.eq(None::<NaiveDateTime>))
            .execute(conn)?;
    }
    Ok(())
}

/// Records a failed attempt: tried again at `retry_at`, or failed for good
/// when that is `None`. An endpoint whose deliveries have failed since
/// `disable_before` or earlier is disabled, and its waiting deliveries fail.
#[tracing::instrument(level = "debug", skip_all, fields(delivery = row.id))]
pub fn failed(
    conn: &mut Conn,
    row: &DeliveryRow,
    attempt: &Attempt,
    retry_at: Option<NaiveDateTime>,
    disable_before: NaiveDateTime,
) -> QueryResult<()> {
    let now = time::now();
    let (status, finished) = match retry_at {
        Some(_) => (Status::Pending, None),
        None => (Status::Failed, Some(now)),
    };
    diesel::update(deliveries::table.find(row.id))
        .set((
            deliveries::status.eq(status),
            deliveries::next_attempt_at.eq(retry_at.unwrap_or(now)),
            deliveries::claimed_until.eq(None::<NaiveDateTime>),
            deliveries::finished_at.eq(finished),
            deliveries::last_status_code.eq(attempt.status_code),
            deliveries::last_error.eq(&attempt.error),
        ))
        .execute(conn)?;
    let Some(webhook) = row.webhook_id else { return Ok(()) };
    diesel::update(webhooks::table.find(webhook).filter(webhooks::failing_since.is_null()))
        .set(webhooks::failing_since.eq(now))
        .execute(conn)?;
    let given_up = diesel::update(
        webhooks::table
            .find(webhook)
            .filter(webhooks::failing_since.le(disable_before))
            .filter(webhooks::enabled.eq(true)),
    )
    .set(webhooks::enabled.eq(false))
    .execute(conn)?;
    if given_up > 0 {
        tracing::warn!(webhook, "a webhook endpoint failed every delivery for five days: disabled");
        diesel::update(
            deliveries::table.filter(deliveries::webhook_id.eq(webhook)).filter(deliveries::status.eq(Status::Pending)),
        )
        .set((deliveries::status.eq(Status::Failed), deliveries::finished_at.eq(now)))
        .execute(conn)?;
    }
    Ok(())
}

/// The deliveries of a webhook, newest first, older than `before` when given.
#[tracing::instrument(level = "debug", skip_all, fields(webhook = webhook_id))]
pub fn of_webhook(conn: &mut Conn, webhook_id: i32, before: Option<i32>, limit: i64) -> QueryResult<Vec<DeliveryRow>> {
    let mut query = deliveries::table
        .filter(deliveries::webhook_id.eq(webhook_id))
        .select(DeliveryRow::as_select())
        .order(deliveries::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(deliveries::id.lt(before));
    }
    query.load(conn)
}

/// Drops deliveries that ended (delivered or failed) before `before`.
#[tracing::instrument(level = "debug", skip_all)]
pub fn prune(conn: &mut Conn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        deliveries::table.filter(deliveries::status.ne(Status::Pending)).filter(deliveries::finished_at.lt(before)),
    )
    .execute(conn)
}

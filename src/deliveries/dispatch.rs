//! Sending what the queue holds: every instance runs a dispatcher, woken at
//! once by its own commits and every second for the rest (other instances'
//! rows, retries, rows left by a process that died). Each claim holds its
//! rows for longer than a send can take, so no two instances send a row at
//! the same time; a row claimed by a process that died is taken again once
//! the hold has passed. Delivery is therefore at least once: a receiver
//! de-duplicates by `webhook-id`.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use futures_util::future::join_all;
use lettre::message::Mailbox;
use tokio::sync::Notify;

use super::db::{self, Attempt, DeliveryRow, Kind};
use super::queue::QueuedMail;
use super::schedule;
use crate::mail::Mailer;
use crate::schema::webhooks;
use crate::seal::Sealer;
use crate::store::{self, DbPool};
use crate::time;
use crate::webhooks::client::{TIMEOUT, WebhookClient};

/// Rows taken per claim.
const BATCH: i64 = 16;
/// How often the queue is looked at without being woken.
const POLL: Duration = Duration::from_secs(1);
/// An endpoint that failed every delivery this long is disabled.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::days(5);

/// What a dispatcher needs to send.
pub struct Senders {
    pub mailer: Mailer,
    pub mail_from: Mailbox,
    pub sealer: Arc<Sealer>,
    pub webhooks: WebhookClient,
    /// The first retry's delay; the later ones scale with it.
    pub first_retry: Duration,
}

/// Starts the dispatcher; returns what wakes it.
pub fn start(pool: DbPool, senders: Senders) -> Arc<Notify> {
    let wake = Arc::new(Notify::new());
    let woken = Arc::clone(&wake);
    let senders = Arc::new(senders);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = woken.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
            loop {
                match send_due(&pool, &senders).await {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(error = %error, "cannot read the delivery queue; trying again shortly");
                        break;
                    }
                }
            }
        }
    });
    wake
}

/// Claims, sends and records one batch; how many rows it held.
async fn send_due(pool: &DbPool, senders: &Arc<Senders>) -> Result<usize, crate::error::ApiError> {
    let hold_until = time::now() + chrono::Duration::from_std(TIMEOUT * 3).unwrap_or(chrono::Duration::MAX);
    let claimed = store::write(pool, move |conn| db::claim_due(conn, BATCH, hold_until)).await?;
    let count = claimed.len();
    if count == 0 {
        return Ok(0);
    }
    let secrets = secrets_of(pool, &claimed).await?;
    let attempts = join_all(claimed.iter().map(|row| attempt(senders, row, &secrets))).await;
    let first_retry = senders.first_retry;
    store::write(pool, move |conn| {
        for (row, attempt) in claimed.iter().zip(&attempts) {
            match &attempt.error {
                None => db::delivered(conn, row, attempt.status_code)?,
                Some(_) => {
                    let retry_at = schedule::delay_after(row.attempts, first_retry)
                        .and_then(|delay| chrono::Duration::from_std(delay).ok())
                        .map(|delay| time::now() + delay);
                    db::failed(conn, row, attempt, retry_at, time::now() - GIVE_UP_AFTER)?;
                }
            }
        }
        diesel::QueryResult::Ok(())
    })
    .await?;
    Ok(count)
}

/// The url and secret of each webhook the rows go to.
async fn secrets_of(pool: &DbPool, rows: &[DeliveryRow]) -> Result<Vec<(i32, String, String)>, crate::error::ApiError> {
    use diesel::prelude::*;
    let ids: Vec<i32> = rows.iter().filter_map(|row| row.webhook_id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    store::run(pool, move |conn| {
        webhooks::table
            .filter(webhooks::id.eq_any(ids))
            .select((webhooks::id, webhooks::url, webhooks::secret))
            .load::<(i32, String, String)>(conn)
    })
    .await
}

async fn attempt(senders: &Senders, row: &DeliveryRow, secrets: &[(i32, String, String)]) -> Attempt {
    let failed = |error: String| Attempt { status_code: None, error: Some(error) };
    match row.kind {
        Kind::Mail => {
            let Some(mail) = QueuedMail::open(&senders.sealer, &row.payload) else {
                return failed("an unreadable mail (sealed under another NEWSROOM_JWT_SECRET?)".into());
            };
            match senders.mailer.send(senders.mail_from.clone(), mail).await {
                Ok(()) => Attempt { status_code: None, error: None },
                Err(error) => {
                    tracing::warn!(error = %error, delivery = row.id, "mail not sent yet; it will be tried again");
                    failed(error.to_string())
                }
            }
        }
        Kind::Webhook => {
            let Some((_, url, secret)) = secrets.iter().find(|(id, ..)| Some(*id) == row.webhook_id) else {
                return failed("the webhook is gone".into());
            };
            let answer = senders.webhooks.send(url, secret, &row.message_id, row.payload.clone()).await;
            Attempt { status_code: answer.status.map(i32::from), error: answer.error }
        }
    }
}

/// When deliveries that ended are pruned: a week after.
pub fn prune_before() -> NaiveDateTime {
    time::now() - chrono::Duration::days(7)
}

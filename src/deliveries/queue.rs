//! Writing deliveries: a mail, or an event for each endpoint that wants it,
//! in the caller's transaction.

use diesel::prelude::*;
use lettre::message::Mailbox;
use serde::{Deserialize, Serialize};

use super::db::{self, Kind};
use crate::mail::Mail;
use crate::schema::webhooks;
use crate::seal::Sealer;
use crate::store::Conn;
use crate::webhooks::events::Event;

/// A mail as the queue keeps it.
#[derive(Debug, Serialize, Deserialize)]
pub struct QueuedMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl QueuedMail {
    /// The mail a queued payload holds; `None` when it cannot be read (sealed
    /// under another key).
    pub fn open(key: &Sealer, payload: &str) -> Option<Mail> {
        let queued: Self = serde_json::from_slice(&key.open(payload)?).ok()?;
        let to: Mailbox = queued.to.parse().ok()?;
        Some(Mail { to, subject: queued.subject, text: queued.text, html: queued.html })
    }
}

fn serialization(error: impl std::error::Error + Send + Sync + 'static) -> diesel::result::Error {
    diesel::result::Error::SerializationError(Box::new(error))
}

fn message_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4().simple())
}

/// Queues `mail`, sealed under `key`.
pub fn mail(conn: &mut Conn, key: &Sealer, mail: Mail) -> QueryResult<()> {
    let queued = QueuedMail { to: mail.to.to_string(), subject: mail.subject, text: mail.text, html: mail.html };
    let payload = serde_json::to_vec(&queued).map_err(serialization)?;
    db::insert(conn, Kind::Mail, None, &queued.subject, &message_id(), &key.seal(&payload).map_err(serialization)?)
}

/// Queues `event` for every enabled endpoint subscribed to it (or only the
/// one it names: a ping); returns how many.
pub fn event(conn: &mut Conn, event: &Event) -> QueryResult<usize> {
    let webhook = event.only;
    let mut targets =
        webhooks::table.filter(webhooks::enabled.eq(true)).select((webhooks::id, webhooks::events)).into_boxed();
    if let Some(webhook) = webhook {
        targets = targets.filter(webhooks::id.eq(webhook));
    }
    let targets: Vec<(i32, String)> = targets.load(conn)?;
    let kind = event.kind.as_str();
    let body = serde_json::json!({
        "type": kind,
        "timestamp": crate::time::utc(crate::time::now()),
        "data": event.data,
    });
    let payload = serde_json::to_string(&body).map_err(serialization)?;
    let mut queued = 0;
    for (id, events) in targets {
        let wanted: Vec<String> = serde_json::from_str(&events).unwrap_or_default();
        if webhook.is_some() || wanted.iter().any(|wanted| wanted == kind) {
            db::insert(conn, Kind::Webhook, Some(id), kind, &message_id(), &payload)?;
            queued += 1;
        }
    }
    Ok(queued)
}

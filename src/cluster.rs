//! Several instances, one site: on PostgreSQL, the instances sharing a
//! database keep their caches in step with each other's writes.
//!
//! Every write that clears a cache here ([`Change`]) is also announced on a
//! PostgreSQL channel (`NOTIFY`), and every instance `LISTEN`s on a
//! connection of its own and clears the same entries. PostgreSQL already
//! connects the instances, so this needs no broker, and a notification
//! reaches the other instances within milliseconds of the commit. What is
//! announced is which entries to drop, never their content: a listener that
//! misses a message serves the old copy only until the cache's own freshness
//! runs out (one or two seconds).
//!
//! Announcements leave in batches from one task, off the request's path. The
//! listener polls its socket every few milliseconds (libpq's
//! `PQconsumeInput` reads without a round trip) and checks the connection
//! with a query every few seconds; when the connection fails it connects
//! again, and clears every cache after each (re)connection, since
//! notifications sent while nobody listened are lost.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, RunQueryDsl};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::mpsc;

use crate::caches::{Caches, Change};
use crate::store::{self, Conn, DbPool};

/// The PostgreSQL channel instances announce their changes on.
const CHANNEL: &str = "newsroom_changes";
/// How often the listener reads what arrived on its connection.
const POLL: Duration = Duration::from_millis(5);
/// How often the listener checks that its connection still works.
const LIVENESS: Duration = Duration::from_secs(2);
/// How long the listener waits before connecting again after a failure.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// PostgreSQL refuses payloads of 8,000 bytes or more; a batch that would
/// not fit is announced as "everything".
const MAX_PAYLOAD: usize = 7_900;

/// Announces this instance's changes to the others.
pub struct Announcer {
    instance: String,
    outbox: mpsc::UnboundedSender<Change>,
}

impl Announcer {
    /// Starts the task that sends announcements on `pool`; it ends with the
    /// runtime.
    pub fn start(pool: DbPool) -> Self {
        let instance = uuid::Uuid::new_v4().simple().to_string();
        let (outbox, mut changes) = mpsc::unbounded_channel();
        let sender = instance.clone();
        tokio::spawn(async move {
            while let Some(first) = changes.recv().await {
                let mut batch = vec![first];
                while let Ok(change) = changes.try_recv() {
                    batch.push(change);
                }
                let payload = encode(&sender, &batch);
                let sent = store::run(&pool, move |conn| notify(conn, payload)).await;
                if let Err(error) = sent {
                    tracing::warn!(error = %error, "could not announce a change to the other instances");
                }
            }
        });
        Self { instance, outbox }
    }

    pub fn announce(&self, change: Change) {
        // Only fails once the sending task is gone, when the server stops.
        let _ = self.outbox.send(change);
    }

    /// Starts listening for the other instances' announcements on a
    /// connection of its own, until `caches` is dropped with the server.
    pub fn listen(&self, url: SecretString, caches: &Arc<Caches>) -> std::io::Result<()> {
        let instance = self.instance.clone();
        let caches = Arc::downgrade(caches);
        std::thread::Builder::new().name("newsroom-listen".into()).spawn(move || listen(&url, &instance, &caches))?;
        Ok(())
    }
}

fn notify(conn: &mut Conn, payload: String) -> diesel::QueryResult<usize> {
    diesel::sql_query("SELECT pg_notify($1, $2)").bind::<Text, _>(CHANNEL).bind::<Text, _>(payload).execute(conn)
}

/// Tells the instances serving a PostgreSQL database of `changes` a command
/// committed on `conn`, at once; on SQLite, nothing.
pub fn announce_now(conn: &mut Conn, changes: &[Change]) -> diesel::QueryResult<()> {
    if matches!(conn, Conn::Postgres(_)) && !changes.is_empty() {
        notify(conn, encode("command", changes))?;
    }
    Ok(())
}

/// `instance;item,item,…` where an item is `v<id>`, `a<id>`, `p` or `*`.
fn encode(instance: &str, changes: &[Change]) -> String {
    let items: Vec<String> = if changes.contains(&Change::Everything) {
        vec!["*".to_owned()]
    } else {
        changes
            .iter()
            .map(|change| match change {
                Change::Vote(id) => format!("v{id}"),
                Change::Article(id) => format!("a{id}"),
                Change::Pages => "p".to_owned(),
                Change::Everything => "*".to_owned(),
            })
            .collect()
    };
    let payload = format!("{instance};{}", items.join(","));
    if payload.len() > MAX_PAYLOAD { format!("{instance};*") } else { payload }
}

/// The changes another instance announced, or `None` for this instance's
/// own. An item this version does not know clears everything.
fn decode(payload: &str, instance: &str) -> Option<Vec<Change>> {
    let (sender, items) = payload.split_once(';').unwrap_or(("", payload));
    if sender == instance {
        return None;
    }
    Some(
        items
            .split(',')
            .map(|item| {
                let id = item.get(1..).and_then(|id| id.parse::<i32>().ok());
                match (item.get(..1), id) {
                    _ if item == "p" => Change::Pages,
                    (Some("v"), Some(id)) => Change::Vote(id),
                    (Some("a"), Some(id)) => Change::Article(id),
                    _ => Change::Everything,
                }
            })
            .collect(),
    )
}

fn listen(url: &SecretString, instance: &str, caches: &Weak<Caches>) {
    let mut failing = false;
    while caches.strong_count() > 0 {
        let connected =
            PgConnection::establish(&named(url.expose_secret())).map_err(|error| error.to_string()).and_then(
                |mut conn| conn.batch_execute(&format!("LISTEN {CHANNEL}")).map(|()| conn).map_err(|e| e.to_string()),
            );
        let mut conn = match connected {
            Ok(conn) => conn,
            Err(error) => {
                if !failing {
                    tracing::warn!(error = %error, "cannot listen for other instances' changes; retrying");
                }
                failing = true;
                std::thread::sleep(RECONNECT_DELAY);
                continue;
            }
        };
        // Whatever was announced while nobody listened is lost.
        let Some(live) = caches.upgrade() else { return };
        live.clear(Change::Everything);
        drop(live);
        if failing {
            tracing::info!("listening for other instances' changes again; caches cleared");
            failing = false;
        }
        let error = follow(&mut conn, instance, caches);
        if let Some(error) = error {
            tracing::warn!(error = %error, "lost the connection that listens for other instances' changes");
            failing = true;
        }
    }
}

/// `url` with `application_name=newsroom-listener`, so that the listening
/// connection is recognisable in `pg_stat_activity`.
fn named(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if !parsed.query_pairs().any(|(name, _)| name == "application_name") => {
            parsed.query_pairs_mut().append_pair("application_name", "newsroom-listener");
            parsed.into()
        }
        _ => url.to_owned(),
    }
}

/// Applies announcements as they arrive until the connection fails (the
/// error) or the server is gone (`None`).
fn follow(conn: &mut PgConnection, instance: &str, caches: &Weak<Caches>) -> Option<String> {
    let mut checked = Instant::now();
    loop {
        let live = caches.upgrade()?;
        for notification in conn.notifications_iter() {
            match notification {
                Ok(notification) => {
                    for change in decode(&notification.payload, instance).into_iter().flatten() {
                        live.clear(change);
                    }
                }
                Err(error) => return Some(error.to_string()),
            }
        }
        drop(live);
        if checked.elapsed() >= LIVENESS {
            if let Err(error) = conn.batch_execute("SELECT 1") {
                return Some(error.to_string());
            }
            checked = Instant::now();
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_round_trip_and_skip_their_sender() {
        let payload = encode("me", &[Change::Vote(7), Change::Article(9), Change::Pages]);
        assert_eq!(decode(&payload, "other"), Some(vec![Change::Vote(7), Change::Article(9), Change::Pages]));
        assert_eq!(decode(&payload, "me"), None);
    }

    #[test]
    fn big_or_unknown_announcements_clear_everything() {
        let many: Vec<Change> = (0..5_000).map(Change::Article).collect();
        assert_eq!(decode(&encode("me", &many), "other"), Some(vec![Change::Everything]));
        assert_eq!(decode(&encode("me", &[Change::Vote(1), Change::Everything]), "x"), Some(vec![Change::Everything]));
        assert_eq!(decode("me;x1,v2", "other"), Some(vec![Change::Everything, Change::Vote(2)]));
    }
}

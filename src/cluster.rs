//! Several instances, one site: on PostgreSQL, the instances sharing a
//! database keep what they remember in step with each other's writes.
//!
//! Every write announces what the other instances must follow ([`News`]:
//! cached responses to clear, sessions that ended, readers whose votes
//! moved) on a PostgreSQL channel (`NOTIFY`) inside its own transaction, so
//! the others hear of it exactly when it commits, and every instance
//! `LISTEN`s on a connection of its own. PostgreSQL already connects the
//! instances, so this needs no broker, and a notification reaches the others
//! within milliseconds. What is announced is which entries to drop, never
//! their content.
//!
//! Sessions and readers' votes are remembered only while they can be
//! believed: the listener asks its connection for a round trip every
//! [`HEARTBEAT`] and, once it has read every announcement that came before
//! the answer, vouches for what is remembered for a little longer
//! ([`Caches::heard_everything`]). A listener whose connection fails or goes
//! silent stops vouching, and every request asks the database until it
//! hears again. It connects again after a failure and then forgets
//! everything, since notifications sent while nobody listened are lost.

use std::collections::BTreeSet;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{Array, Text};
use diesel::{Connection, PgConnection, RunQueryDsl};
use secrecy::{ExposeSecret, SecretString};

use crate::caches::{Caches, Change, News};
use crate::store::Conn;

/// The PostgreSQL channel instances announce their changes on.
const CHANNEL: &str = "newsroom_changes";
/// How often the listener reads what arrived on its connection.
const POLL: Duration = Duration::from_millis(5);
/// How often the listener asks its connection for a round trip, and so
/// confirms that it still hears every announcement.
const HEARTBEAT: Duration = Duration::from_millis(25);
/// How long the listener waits before connecting again after a failure.
const RECONNECT_DELAY: Duration = Duration::from_secs(1);
/// PostgreSQL refuses payloads of 8,000 bytes or more; longer
/// announcements go as several notifications.
const MAX_PAYLOAD: usize = 7_900;

/// What commands (an import, a seed) announce as: no instance skips it.
pub const COMMAND: &str = "command";

/// A name for this instance in its announcements, new for each process.
pub fn instance_name() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Tells the instances serving a PostgreSQL database of `news`, when the
/// transaction open on `conn` commits; on SQLite, nothing.
pub fn announce(conn: &mut Conn, sender: &str, news: &[News]) -> diesel::QueryResult<()> {
    let Conn::Postgres(postgres) = conn else { return Ok(()) };
    if news.is_empty() {
        return Ok(());
    }
    diesel::sql_query("SELECT pg_notify($1, payload) FROM unnest($2) AS payload")
        .bind::<Text, _>(CHANNEL)
        .bind::<Array<Text>, _>(encode(sender, news))
        .execute(postgres)
        .map(drop)
}

/// Starts listening for the other instances' announcements on a connection
/// of its own, until `caches` is dropped with the server.
pub fn listen(url: SecretString, instance: String, caches: &Arc<Caches>) -> std::io::Result<()> {
    let caches = Arc::downgrade(caches);
    std::thread::Builder::new().name("newsroom-listen".into()).spawn(move || follow_all(&url, &instance, &caches))?;
    Ok(())
}

fn item(news: News) -> String {
    match news {
        News::Changed(Change::Vote(id)) => format!("v{id}"),
        News::Changed(Change::Article(id)) => format!("a{id}"),
        News::Changed(Change::Pages) => "p".to_owned(),
        News::Changed(Change::Everything) => "*".to_owned(),
        News::SessionsEnded(id) => format!("s{id}"),
        News::VotesOf(id) => format!("m{id}"),
    }
}

/// Payloads of `sender;item,item,…`, each short enough for PostgreSQL,
/// where an item is `v<id>`, `a<id>`, `p`, `*`, `s<id>` or `m<id>`; each
/// item once.
fn encode(sender: &str, news: &[News]) -> Vec<String> {
    let everything = news.contains(&News::Changed(Change::Everything));
    let items: BTreeSet<String> = news
        .iter()
        // Everything cleared covers every other cached response.
        .filter(|news| !everything || !matches!(news, News::Changed(change) if *change != Change::Everything))
        .map(|news| item(*news))
        .collect();
    let mut payloads = Vec::new();
    let mut payload = format!("{sender};");
    let empty = payload.len();
    for item in items {
        if payload.len() > empty && payload.len() + 1 + item.len() > MAX_PAYLOAD {
            payloads.push(std::mem::replace(&mut payload, format!("{sender};")));
        }
        if payload.len() > empty {
            payload.push(',');
        }
        payload.push_str(&item);
    }
    payloads.push(payload);
    payloads
}

/// What another instance announced, or `None` for this instance's own;
/// `Err` for an item this version does not know, after which nothing
/// remembered can be believed.
fn decode(payload: &str, instance: &str) -> Option<Result<Vec<News>, ()>> {
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
                    _ if item == "p" => Ok(News::Changed(Change::Pages)),
                    _ if item == "*" => Ok(News::Changed(Change::Everything)),
                    (Some("v"), Some(id)) => Ok(News::Changed(Change::Vote(id))),
                    (Some("a"), Some(id)) => Ok(News::Changed(Change::Article(id))),
                    (Some("s"), Some(id)) => Ok(News::SessionsEnded(id)),
                    (Some("m"), Some(id)) => Ok(News::VotesOf(id)),
                    _ => Err(()),
                }
            })
            .collect(),
    )
}

fn follow_all(url: &SecretString, instance: &str, caches: &Weak<Caches>) {
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
        live.forget_everything();
        drop(live);
        if failing {
            tracing::info!("listening for other instances' changes again; caches cleared");
            failing = false;
        }
        let error = follow(&mut conn, instance, caches);
        if let Some(live) = caches.upgrade() {
            live.not_hearing();
        }
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

/// Reads every announcement that has arrived and follows it, until the
/// connection fails (the error).
fn hear(conn: &mut PgConnection, instance: &str, caches: &Caches) -> Result<(), String> {
    for notification in conn.notifications_iter() {
        let notification = notification.map_err(|error| error.to_string())?;
        match decode(&notification.payload, instance) {
            Some(Ok(all)) => all.into_iter().for_each(|news| caches.follow(news)),
            Some(Err(())) => caches.forget_everything(),
            None => {}
        }
    }
    Ok(())
}

/// Follows announcements as they arrive, vouching for what is remembered
/// after each heartbeat, until the connection fails (the error) or the
/// server is gone (`None`).
fn follow(conn: &mut PgConnection, instance: &str, caches: &Weak<Caches>) -> Option<String> {
    let mut asked: Option<Instant> = None;
    loop {
        let live = caches.upgrade()?;
        if let Err(error) = hear(conn, instance, &live) {
            return Some(error);
        }
        if asked.is_none_or(|asked| asked.elapsed() >= HEARTBEAT) {
            let now = Instant::now();
            asked = Some(now);
            // Every notification committed before this round trip arrives
            // before its answer.
            if let Err(error) = conn.batch_execute("SELECT 1").map_err(|error| error.to_string()) {
                return Some(error);
            }
            if let Err(error) = hear(conn, instance, &live) {
                return Some(error);
            }
            live.heard_everything(now);
        }
        drop(live);
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_round_trip_and_skip_their_sender() {
        let news = [
            News::Changed(Change::Vote(7)),
            News::Changed(Change::Article(9)),
            News::Changed(Change::Pages),
            News::SessionsEnded(3),
            News::VotesOf(4),
        ];
        let [payload] = encode("me", &news).try_into().unwrap();
        let mut heard = decode(&payload, "other").unwrap().unwrap();
        heard.sort_by_key(|news| format!("{news:?}"));
        let mut sent = news.to_vec();
        sent.sort_by_key(|news| format!("{news:?}"));
        assert_eq!(heard, sent);
        assert_eq!(decode(&payload, "me"), None);
    }

    #[test]
    fn long_announcements_are_split_and_everything_covers_other_clears() {
        let many: Vec<News> = (0..5_000).map(|id| News::Changed(Change::Article(id))).collect();
        let payloads = encode("me", &many);
        assert!(payloads.len() > 1 && payloads.iter().all(|payload| payload.len() <= MAX_PAYLOAD));
        let heard: usize = payloads.iter().map(|payload| decode(payload, "other").unwrap().unwrap().len()).sum();
        assert_eq!(heard, 5_000);
        let everything = [News::Changed(Change::Vote(1)), News::Changed(Change::Everything), News::SessionsEnded(2)];
        assert_eq!(encode("me", &everything), vec!["me;*,s2".to_owned()]);
    }

    #[test]
    fn an_unknown_announcement_is_not_believed() {
        assert_eq!(decode("me;x1,v2", "other"), Some(Err(())));
    }
}

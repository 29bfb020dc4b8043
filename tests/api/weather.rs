//! The database's weather is never a 500: PostgreSQL going away, its
//! connections cut under load, or not answering at all, is a 503 with
//! `Retry-After` within seconds, and the site comes back on its own. The
//! database is reached through a TCP proxy the test controls.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app_through, spawn_pair_through};

const PASS: u8 = 0;
/// New connections are closed at once, as by a server that is down.
const REFUSE: u8 = 1;
/// Nothing is forwarded and nothing answered, as over a link that broke.
const SILENT: u8 = 2;

/// A TCP proxy in front of the PostgreSQL server.
struct Proxy {
    port: u16,
    mode: Arc<AtomicU8>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn to(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(PASS));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (accept_mode, accept_open) = (mode.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                if accept_mode.load(Ordering::SeqCst) == REFUSE {
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                accept_open.lock().unwrap().extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                for (from, to) in [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)] {
                    let mode = accept_mode.clone();
                    std::thread::spawn(move || pump(from, to, &mode));
                }
            }
        });
        Self { port, mode, open }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    /// The ports the proxy's connections to PostgreSQL come from, as
    /// `pg_stat_activity.client_port` shows them.
    fn upstream_ports(&self) -> Vec<i32> {
        let open = self.open.lock().unwrap();
        let local = open.iter().filter_map(|stream| stream.local_addr().ok()).map(|address| address.port());
        local.filter(|port| *port != self.port).map(i32::from).collect()
    }

    /// Closes every connection through the proxy, as a server restart does.
    fn cut(&self) {
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, mode: &AtomicU8) {
    let mut buffer = [0u8; 16 * 1024];
    while let Ok(read) = from.read(&mut buffer) {
        if read == 0 {
            break;
        }
        // Silent: what arrives is dropped, and nothing goes back.
        if mode.load(Ordering::SeqCst) == SILENT {
            continue;
        }
        if to.write_all(buffer.get(..read).unwrap_or_default()).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

/// Starts a proxy to the database of `url` into `proxy`; the URL through it.
fn through_a_proxy(proxy: &mut Option<Proxy>) -> impl FnOnce(&str) -> Option<String> + '_ {
    |url| {
        let mut url = url::Url::parse(url).ok()?;
        let upstream = format!("{}:{}", url.host_str()?, url.port().unwrap_or(5432));
        let started = Proxy::to(upstream);
        url.set_port(Some(started.port)).ok()?;
        *proxy = Some(started);
        Some(url.to_string())
    }
}

/// An app on PostgreSQL through a proxy (this module is in the PostgreSQL
/// suite only).
async fn app_behind_a_proxy() -> Option<(TestApp, Proxy)> {
    let mut proxy = None;
    let app =
        spawn_app_through(through_a_proxy(&mut proxy), &[("--vote-rate-limit", "0"), ("--database-timeout", "2")])
            .await?;
    Some((app, proxy?))
}

/// Sends `method path`, and says how it was answered and how fast.
async fn timed(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, Option<String>, Duration) {
    let started = Instant::now();
    let request = app.request(method, path, token).json(&json!({"value": 1}));
    let response = tokio::time::timeout(Duration::from_secs(15), request.send())
        .await
        .unwrap_or_else(|_| panic!("{path} was answered within 15 s"))
        .unwrap();
    let retry_after = response.headers().get("retry-after").map(|value| value.to_str().unwrap().to_owned());
    (response.status(), retry_after, started.elapsed())
}

#[tokio::test]
async fn a_database_that_goes_away_is_503_within_seconds_and_the_site_comes_back() {
    let Some((app, proxy)) = app_behind_a_proxy().await else { return };
    let reader = app.register_user().await;
    let editor = app.user_with_role("editor").await;
    let article = app.publish(&editor, "Harbour reopens", json!({})).await;
    let vote = format!("/api/v1/articles/{}/vote", article["id"]);

    proxy.set(REFUSE);
    proxy.cut();
    for (method, path, token) in [
        (Method::GET, "/readyz", None),
        (Method::GET, "/api/v1/users/me", Some(reader.access_token.as_str())),
        (Method::PUT, vote.as_str(), Some(reader.access_token.as_str())),
    ] {
        let (status, retry_after, took) = timed(&app, method.clone(), path, token).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{method} {path}");
        assert!(retry_after.is_some(), "{method} {path} says when to retry");
        assert!(took < Duration::from_secs(3), "{method} {path} answered in {took:?}");
    }

    proxy.set(PASS);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _, _) = timed(&app, Method::PUT, &vote, Some(reader.access_token.as_str())).await;
        if status == StatusCode::OK {
            break;
        }
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(Instant::now() < deadline, "the site comes back once the database does");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let tally = app.get_json(&format!("/api/v1/articles/{}", article["id"]), None).await;
    assert_eq!(tally["votes"]["up"], 1, "the vote that was answered 200 is stored, once");
}

#[tokio::test]
async fn twenty_seconds_of_refused_connections_under_load_are_503s_within_seconds_and_lose_no_vote() {
    let Some((app, proxy)) = app_behind_a_proxy().await else { return };
    let editor = app.user_with_role("editor").await;
    let article = app.publish(&editor, "Storm warning", json!({})).await;
    let (article_path, vote_path) =
        (format!("/api/v1/articles/{}", article["id"]), format!("/api/v1/articles/{}/vote", article["id"]));
    let app = Arc::new(app);
    let mut clients = Vec::new();
    for client in 0..4 {
        let reader = app.register_user().await;
        let (method, path) = match client {
            0 | 1 => (Method::PUT, vote_path.clone()),
            2 => (Method::GET, "/api/v1/users/me".to_owned()),
            _ => (Method::GET, article_path.clone()),
        };
        let app = app.clone();
        clients.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            let until = Instant::now() + Duration::from_secs(24);
            while Instant::now() < until {
                answers.push(timed(&app, method.clone(), &path, reader.token()).await);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (method, path, answers)
        }));
    }

    tokio::time::sleep(Duration::from_secs(1)).await;
    proxy.set(REFUSE);
    proxy.cut();
    tokio::time::sleep(Duration::from_secs(20)).await;
    proxy.set(PASS);

    let mut voters_answered = 0;
    for client in clients {
        let (method, path, answers) = client.await.unwrap();
        for (status, retry_after, took) in &answers {
            assert!(
                status.is_success() || *status == StatusCode::SERVICE_UNAVAILABLE,
                "{method} {path}: {status}, never a 500"
            );
            assert!(status.is_success() || retry_after.is_some(), "{method} {path}: a 503 says when to retry");
            assert!(*took < Duration::from_secs(3), "{method} {path} answered in {took:?}");
        }
        let unavailable = answers.iter().filter(|(status, _, _)| *status == StatusCode::SERVICE_UNAVAILABLE).count();
        let slowest = answers.iter().map(|(_, _, took)| *took).max().unwrap_or_default();
        eprintln!("{method} {path}: {} answers, {unavailable} of them 503, the slowest in {slowest:?}", answers.len());
        if path == "/api/v1/users/me" {
            let at_once = answers
                .iter()
                .filter(|(status, _, took)| {
                    *status == StatusCode::SERVICE_UNAVAILABLE && *took < Duration::from_millis(500)
                })
                .count();
            assert!(
                at_once * 10 >= unavailable * 9,
                "{at_once} of {unavailable} 503s within 500 ms: with no connection open, a read does not wait"
            );
        }
        if method == Method::PUT {
            assert!(unavailable > 0, "votes could not be written while the database was refused");
            voters_answered += usize::from(answers.iter().any(|(status, _, _)| status.is_success()));
        }
        assert!(answers.last().is_some_and(|(status, _, _)| status.is_success()), "{method} {path} came back");
    }
    let votes = app.get_json(&article_path, None).await["votes"].clone();
    assert_eq!(votes["up"], voters_answered, "every vote answered 200 is stored, once: {votes}");
}

/// PostgreSQL out of disk fails a statement with `disk_full` (53100) and
/// "could not extend file …: No space left on device"; the server's disk is
/// not this test's to fill, so a trigger fails the writes as PostgreSQL would.
#[tokio::test]
async fn a_full_disk_is_507_storage_full_and_changes_nothing() {
    let Some(app) = spawn_app_through(|url| Some(url.to_owned()), &[("--vote-rate-limit", "0")]).await else { return };
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let article = app.publish(&editor, "Paper shortage", json!({})).await;
    let vote = format!("/api/v1/articles/{}/vote", article["id"]);
    diesel::sql_query(
        "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         RAISE EXCEPTION 'could not extend file \"base/1/2\": No space left on device' USING ERRCODE = 'disk_full'; \
         END $$",
    )
    .execute(&mut app.db())
    .unwrap();
    for table in ["articles", "article_votes"] {
        diesel::sql_query(format!(
            "CREATE TRIGGER disk_full BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION disk_full()"
        ))
        .execute(&mut app.db())
        .unwrap();
    }

    let voted = app.send_json(Method::PUT, &vote, reader.token(), &json!({"value": 1})).await;
    assert!(voted.headers().contains_key("retry-after"));
    crate::helpers::assert_problem(voted, StatusCode::INSUFFICIENT_STORAGE, "storage_full").await;
    let written = app
        .send_json(Method::POST, "/api/v1/articles", editor.token(), &json!({"title": "No room", "body": "x"}))
        .await;
    crate::helpers::assert_problem(written, StatusCode::INSUFFICIENT_STORAGE, "storage_full").await;
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK, "reads are served all the same");
    let listed = app.get_json("/api/v1/articles", None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "no article was added");
    assert_eq!(app.get_json(&format!("/api/v1/articles/{}", article["id"]), None).await["votes"]["up"], 0);

    for table in ["articles", "article_votes"] {
        diesel::sql_query(format!("DROP TRIGGER disk_full ON {table}")).execute(&mut app.db()).unwrap();
    }
    let voted = app.send_json(Method::PUT, &vote, reader.token(), &json!({"value": 1})).await;
    assert_eq!(voted.status(), StatusCode::OK, "room again, the same vote goes in");
}

#[tokio::test]
async fn connections_cut_under_load_are_never_a_500() {
    let Some((app, proxy)) = app_behind_a_proxy().await else { return };
    let reader = app.register_user().await;
    let editor = app.user_with_role("editor").await;
    let article = app.publish(&editor, "Results night", json!({})).await;
    let paths = [format!("/api/v1/articles/{}/vote", article["id"]), "/api/v1/users/me".to_owned()];
    let app = Arc::new(app);
    let token = Arc::new(reader.access_token.clone());

    let load: Vec<_> = (0..4)
        .map(|client| {
            let (app, token, path) = (app.clone(), token.clone(), paths[client % 2].clone());
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                let until = Instant::now() + Duration::from_secs(3);
                while Instant::now() < until {
                    let method = if path.ends_with("/vote") { Method::PUT } else { Method::GET };
                    statuses.push((method.clone(), timed(&app, method, &path, Some(token.as_str())).await.0));
                }
                statuses
            })
        })
        .collect();
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        proxy.cut();
    }
    let mut answered = Vec::new();
    for client in load {
        answered.extend(client.await.unwrap());
    }

    assert!(answered.iter().any(|(_, status)| status.is_success()), "the load got through between the cuts");
    let failed: Vec<_> = answered.iter().filter(|(_, status)| !status.is_success()).collect();
    assert!(
        failed.iter().all(|(_, status)| *status == StatusCode::SERVICE_UNAVAILABLE),
        "a cut is a 503 to retry, never a 500: {failed:?} of {}",
        answered.len()
    );
    let reads = answered.iter().filter(|(method, _)| *method == Method::GET).count();
    let reads_failed: Vec<_> = failed.iter().filter(|(method, _)| *method == Method::GET).collect();
    assert!(
        reads_failed.is_empty(),
        "a read whose connection was cut is read again on another: {reads_failed:?} of {reads}"
    );
}

#[tokio::test]
async fn a_database_that_stops_answering_leaves_readyz_answering_in_time() {
    let Some((app, proxy)) = app_behind_a_proxy().await else { return };
    let reader = app.register_user().await;
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);

    proxy.set(SILENT);
    let (status, retry_after, took) = timed(&app, Method::GET, "/readyz", None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after.is_some());
    assert!(took < Duration::from_secs(4), "answered in {took:?}, within NEWSROOM_DATABASE_TIMEOUT");
    // A read on a connection that no longer answers is given up on, not waited out.
    let (status, retry_after, took) = timed(&app, Method::GET, "/api/v1/users/me", reader.token()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry_after.is_some());
    assert!(took < Duration::from_secs(5), "answered in {took:?}, within twice NEWSROOM_DATABASE_TIMEOUT");
    let (status, _, _) = timed(&app, Method::GET, "/healthz", None).await;
    assert_eq!(status, StatusCode::OK, "the process itself is alive");

    proxy.set(PASS);
    proxy.cut();
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

/// Another instance's revocations and votes reach what an instance
/// remembers through its listener; while that cannot hear, it asks the
/// database on every request rather than believe what it remembers.
#[tokio::test]
async fn while_its_listener_cannot_hear_an_instance_checks_every_session_and_vote_in_the_database() {
    let mut proxy = None;
    let Some((a, b)) = spawn_pair_through(through_a_proxy(&mut proxy)).await else { return };
    let proxy = proxy.unwrap();
    let editor = a.user_with_role("editor").await;
    let reader = a.register_user().await;
    let leaving = a.register_user().await;
    let article = a.publish(&editor, "Read while deaf", json!({})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    // B remembers both sessions and the reader's votes (none yet).
    for user in [&reader, &leaving] {
        assert_eq!(b.get_json(&path, user.token()).await["my_vote"], Value::Null);
        assert_eq!(b.get_json(&path, user.token()).await["my_vote"], Value::Null);
    }

    // B's listener loses its connection and cannot make another; B's pool
    // keeps the connections it has.
    proxy.set(REFUSE);
    let mut admin = diesel::PgConnection::establish(a.database_url()).unwrap();
    let mut b_listener = |query: &str| -> i64 {
        diesel::sql_query(format!(
            "SELECT {query} AS count FROM pg_stat_activity \
             WHERE application_name = 'newsroom-listener' AND client_port = ANY($1)"
        ))
        .bind::<diesel::sql_types::Array<diesel::sql_types::Integer>, _>(proxy.upstream_ports())
        .get_result::<Count>(&mut admin)
        .unwrap()
        .count
    };
    assert_eq!(b_listener("count(pg_terminate_backend(pid))"), 1, "B listens on a connection of its own");
    let start = Instant::now();
    while b_listener("count(*)") > 0 {
        assert!(start.elapsed() < Duration::from_secs(2), "B's listener is gone");
        std::thread::sleep(Duration::from_millis(2));
    }

    let logout = a.request(Method::POST, "/api/v1/auth/logout-all", leaving.token()).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let voted = a.send_json(Method::PUT, &format!("{path}/vote"), reader.token(), &json!({"value": 1})).await;
    assert_eq!(voted.status(), StatusCode::OK);
    assert_eq!(b.me_status(&leaving.access_token).await, StatusCode::UNAUTHORIZED, "the session ended on A");
    assert_eq!(b.get_json(&path, reader.token()).await["my_vote"], 1, "the vote cast on A");
    let metrics = b.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("\nnewsroom_memory_believed 0\n"), "B says it does not believe its memory");

    proxy.set(PASS);
}

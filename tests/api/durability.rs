//! The real binary under signals: SIGKILL during writes (and during votes,
//! which share transactions on SQLite) loses nothing that was acknowledged,
//! not even the webhook events they queued, and SIGTERM lets requests in
//! flight finish.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{JWT_SECRET, PASSWORD, TestDatabase};
use crate::receivers::WebhookReceiver;

struct Server {
    child: Child,
    base: String,
}

/// Starts `newsroom serve` on `database` and waits for its address.
fn start(dir: &TempDir, database: &TestDatabase) -> Server {
    start_with(dir, database, &[])
}

/// [`start`] with more settings in the environment.
fn start_with(dir: &TempDir, database: &TestDatabase, settings: &[(&str, &str)]) -> Server {
    // The tests' own clients speak TLS through it, also when a test runs alone.
    newsroom::tls::install_provider();
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .envs(settings.iter().copied())
        .env("NEWSROOM_DATABASE_URL", database.url())
        .env("NEWSROOM_JWT_SECRET", JWT_SECRET)
        .env("NEWSROOM_MAIL_OUTBOX", dir.path().join("outbox"))
        .env("NEWSROOM_AUTH_RATE_LIMIT", "0")
        .env("NEWSROOM_MAX_COLLECTIONS", "100000")
        .env("NEWSROOM_VOTE_RATE_LIMIT", "0")
        .env("NEWSROOM_LOG", "error")
        // Two cores shared with the other tests: contention, not trouble.
        .env("NEWSROOM_DATABASE_TIMEOUT", "10")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected: {line:?}"));
    Server { child, base: address.to_owned() }
}

/// Runs a one-off `newsroom` command on `database`.
fn command(database: &TestDatabase, name: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .arg(name)
        .env("NEWSROOM_DATABASE_URL", database.url())
        .env("NEWSROOM_JWT_SECRET", JWT_SECRET)
        .output()
        .unwrap()
}

async fn token(client: &reqwest::Client, base: &str, email: &str, register: bool) -> String {
    let path = if register { "register" } else { "login" };
    let body = json!({"email": email, "password": PASSWORD, "display_name": "Durable"});
    let body = if register { body } else { json!({"email": email, "password": PASSWORD}) };
    let response = client.post(format!("{base}/api/v1/auth/{path}")).json(&body).send().await.unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn sigkill_during_writes_loses_nothing_acknowledged() {
    let dir = TempDir::new().unwrap();
    let database = TestDatabase::create(&dir);
    let mut server = start(&dir, &database);
    let client = reqwest::Client::new();
    let access = token(&client, &server.base, "writer@example.com", true).await;
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));

    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..4 {
        let (client, base, access, acknowledged) =
            (client.clone(), server.base.clone(), access.clone(), acknowledged.clone());
        writers.spawn(async move {
            for i in 0.. {
                let name = format!("w{writer}-{i}");
                let sent = client
                    .post(format!("{base}/api/v1/collections"))
                    .bearer_auth(&access)
                    .json(&json!({"name": name}))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == StatusCode::CREATED => acknowledged.lock().unwrap().push(name),
                    Ok(response) => panic!("unexpected {}", response.status()),
                    Err(_) => return,
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    while writers.join_next().await.is_some() {}
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() > 10, "the load ran: {} writes", acknowledged.len());

    let restarted = start(&dir, &database);
    let access = token(&client, &restarted.base, "writer@example.com", false).await;
    let mut stored = Vec::new();
    let mut path = format!("{}/api/v1/collections?limit=100", restarted.base);
    loop {
        let page: Value = client.get(&path).bearer_auth(&access).send().await.unwrap().json().await.unwrap();
        stored.extend(page["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("{}/api/v1/collections?limit=100&cursor={cursor}", restarted.base),
            None => break,
        }
    }
    for name in &acknowledged {
        assert!(stored.contains(name), "{name} was acknowledged but is gone");
    }
    if let TestDatabase::Sqlite(path) = &database {
        let mut db = SqliteConnection::establish(path).unwrap();
        db.batch_execute("PRAGMA busy_timeout = 5000").unwrap();
        #[derive(diesel::QueryableByName)]
        struct Check {
            #[diesel(sql_type = diesel::sql_types::Text)]
            integrity_check: String,
        }
        let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(&mut db).unwrap();
        assert_eq!(checks.iter().map(|c| c.integrity_check.as_str()).collect::<Vec<_>>(), ["ok"]);
    }
    let mut restarted = restarted;
    restarted.child.kill().unwrap();
    restarted.child.wait().unwrap();
}

#[tokio::test]
async fn sigkill_during_votes_loses_no_acknowledged_vote() {
    let dir = TempDir::new().unwrap();
    let database = TestDatabase::create(&dir);
    let seeded = command(&database, "seed-demo");
    assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    let mut server = start(&dir, &database);
    let client = reqwest::Client::new();
    let page: Value =
        client.get(format!("{}/api/v1/articles?limit=30", server.base)).send().await.unwrap().json().await.unwrap();
    let articles: Arc<Vec<i64>> =
        Arc::new(page["items"].as_array().unwrap().iter().map(|item| item["id"].as_i64().unwrap()).collect());
    assert!(articles.len() >= 10, "the demo site has articles to vote on");

    // Each voter goes round the articles, up on one round and down on the
    // next, one vote at a time: what it stored is its acknowledged votes,
    // plus at most the one in flight when the server died.
    let mut voters = tokio::task::JoinSet::new();
    for voter in 0..8 {
        let (client, base, articles) = (client.clone(), server.base.clone(), articles.clone());
        voters.spawn(async move {
            let email = format!("voter-{voter}@example.com");
            let access = token(&client, &base, &email, true).await;
            let mut acknowledged = Vec::new();
            for step in 0.. {
                let article = articles[step % articles.len()];
                let value = if (step / articles.len()) % 2 == 0 { 1 } else { -1 };
                let sent = client
                    .put(format!("{base}/api/v1/articles/{article}/vote"))
                    .bearer_auth(&access)
                    .json(&json!({"value": value}))
                    .send()
                    .await;
                match sent {
                    Ok(response) if response.status() == StatusCode::OK => acknowledged.push((article, value)),
                    Ok(response) => panic!("unexpected {}", response.status()),
                    Err(_) => break,
                }
            }
            (email, acknowledged)
        });
    }
    tokio::time::sleep(Duration::from_millis(600)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let voted = voters.join_all().await;
    assert!(voted.iter().map(|(_, acknowledged)| acknowledged.len()).sum::<usize>() > 50, "the load ran");

    let mut restarted = start(&dir, &database);
    for (email, acknowledged) in voted {
        let access = token(&client, &restarted.base, &email, false).await;
        let in_flight = articles[acknowledged.len() % articles.len()];
        let expected: HashMap<i64, i64> = acknowledged.into_iter().collect();
        for (article, value) in expected.into_iter().filter(|(article, _)| *article != in_flight) {
            let tally: Value = client
                .get(format!("{}/api/v1/articles/{article}/vote", restarted.base))
                .bearer_auth(&access)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(tally["my_vote"], value, "{email}'s acknowledged vote on {article}");
        }
    }
    restarted.child.kill().unwrap();
    restarted.child.wait().unwrap();
    let check = command(&database, "check");
    assert!(check.status.success(), "tallies: {}", String::from_utf8_lossy(&check.stdout));
}

#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish() {
    use std::io::{Read, Write};

    let dir = TempDir::new().unwrap();
    let database = TestDatabase::create(&dir);
    let mut server = start(&dir, &database);
    let address = server.base.trim_start_matches("http://").to_owned();
    // Requests whose bodies are half sent are surely in flight when the signal comes.
    let body = json!({"email": "late@example.com", "password": PASSWORD, "display_name": "Late"}).to_string();
    let (first_half, second_half) = body.split_at(body.len() / 2);
    let mut streams = Vec::new();
    for _ in 0..3 {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        let head = format!(
            "POST /api/v1/auth/register HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(first_half.as_bytes()).unwrap();
        streams.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signal = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(signal.success());
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut statuses = Vec::new();
    for mut stream in streams {
        stream.write_all(second_half.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        statuses.push(response.lines().next().unwrap_or_default().to_owned());
    }
    assert_eq!(statuses.iter().filter(|line| line.starts_with("HTTP/1.1 201")).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|line| line.starts_with("HTTP/1.1 409")).count(), 2, "{statuses:?}");
    let status = server.child.wait().unwrap();
    assert!(status.success(), "a clean exit: {status:?}");
    assert!(std::net::TcpStream::connect(&address).is_err(), "the server is gone");
}

#[tokio::test]
async fn sigterm_answers_every_connection_it_accepted_even_while_stopping() {
    use std::io::{Read, Write};

    let dir = TempDir::new().unwrap();
    let database = TestDatabase::create(&dir);
    let mut server = start(&dir, &database);
    let address = server.base.trim_start_matches("http://").to_owned();
    // Clients that connect and send a POST again and again until the
    // server is gone (the connection refused): each connection made must be
    // answered, whatever the moment it landed.
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let address = address.clone();
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(20);
                let mut answers = Vec::new();
                while Instant::now() < deadline {
                    let Ok(mut stream) = std::net::TcpStream::connect(&address) else { break };
                    let request = format!(
                        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
                         Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
                    );
                    let mut response = String::new();
                    let answered =
                        stream.write_all(request.as_bytes()).and_then(|()| stream.read_to_string(&mut response));
                    let status = response.lines().next().unwrap_or_default().to_owned();
                    answers.push(if answered.is_ok() && !status.is_empty() { status } else { "no answer".to_owned() });
                }
                answers
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;

    let signal = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(signal.success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "a clean exit: {status:?}");
    let answers: Vec<String> = clients.into_iter().flat_map(|client| client.join().unwrap()).collect();
    let unanswered = answers.iter().filter(|answer| !answer.starts_with("HTTP/1.1 ")).count();
    let stopping = answers.iter().filter(|answer| answer.starts_with("HTTP/1.1 503")).count();
    eprintln!("{} connections, {stopping} answered 503 while the server stopped", answers.len());
    assert_eq!(unanswered, 0, "of {} connections", answers.len());
}

#[tokio::test]
async fn events_queued_before_a_sigkill_are_delivered_after_the_restart() {
    let dir = TempDir::new().unwrap();
    let database = TestDatabase::create(&dir);
    let settings = [("NEWSROOM_WEBHOOK_ALLOW_PRIVATE", "true"), ("NEWSROOM_DELIVERY_FIRST_RETRY_MS", "10")];
    let mut created = Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .args(["create-user", "--email", "admin@example.com", "--display-name", "Admin", "--role", "admin"])
        .arg("--password-stdin")
        .env("NEWSROOM_DATABASE_URL", database.url())
        .env("NEWSROOM_JWT_SECRET", JWT_SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut created.stdin.take().unwrap(), format!("{PASSWORD}\n").as_bytes()).unwrap();
    assert!(created.wait().unwrap().success());
    let mut server = start_with(&dir, &database, &settings);
    let client = reqwest::Client::new();
    let access = token(&client, &server.base, "admin@example.com", false).await;
    let mut receiver = WebhookReceiver::down();
    let webhook: Value = client
        .post(format!("{}/api/v1/admin/webhooks", server.base))
        .bearer_auth(&access)
        .json(&json!({"url": receiver.url(), "events": ["article.published"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    receiver.trust(webhook["secret"].as_str().unwrap());
    let mut published = Vec::new();
    for n in 0..5 {
        let response = client
            .post(format!("{}/api/v1/articles", server.base))
            .bearer_auth(&access)
            .json(&json!({"title": format!("Before the crash {n}"), "body": "Words.", "status": "published"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        published.push(response.json::<Value>().await.unwrap()["id"].clone());
    }

    server.child.kill().unwrap();
    server.child.wait().unwrap();
    receiver.start();
    let mut restarted = start_with(&dir, &database, &settings);

    // A row the killed process held mid-send waits out its hold (30 s).
    receiver.wait_until(Duration::from_secs(60), |received| received.len() >= published.len()).await;
    let accepted = receiver.accepted("article.published");
    let mut arrived: Vec<Value> = accepted.iter().map(|record| record["body"]["data"]["id"].clone()).collect();
    arrived.sort_by_key(|id| id.as_i64());
    assert_eq!(arrived, published, "every acknowledged article announced once");
    assert!(accepted.iter().all(|record| record["verified"] == true));
    restarted.child.kill().unwrap();
    restarted.child.wait().unwrap();
}

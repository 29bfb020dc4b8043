//! What only the SQLite backend has: its file and its write-ahead log.

use crate::cli::Site;
use crate::helpers::TestDatabase;

#[test]
fn migrate_empties_a_wal_left_behind() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};

    let site = Site::new();
    let TestDatabase::Sqlite(path) = &site.database else { panic!("run in the SQLite suite only") };
    assert!(site.newsroom().arg("migrate").output().unwrap().status.success());
    // An open connection keeps SQLite from folding the WAL away on close, as
    // a crashed writer would.
    let mut holder = SqliteConnection::establish(path).unwrap();
    holder
        .batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
             CREATE TABLE filler (x BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO filler SELECT randomblob(4000) FROM n;",
        )
        .unwrap();
    let wal = std::path::PathBuf::from(format!("{path}-wal"));
    assert!(std::fs::metadata(&wal).unwrap().len() > 2_000_000, "the WAL holds the writes");

    assert!(site.newsroom().arg("migrate").output().unwrap().status.success());

    assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0, "checkpointed into the database and truncated");
    drop(holder);
}

/// A file that can grow no more (here a file-size limit, `ulimit -f`, as
/// systemd's `LimitFSIZE` sets one) fails the writes that need it with a
/// 503 (SQLite's I/O error; a full disk, SQLite's SQLITE_FULL, is a 507
/// `storage_full`), never a 500, and SIGXFSZ does not kill the process: it
/// keeps serving what it has.
#[tokio::test]
async fn writes_past_a_file_size_limit_fail_and_the_server_keeps_serving() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    use reqwest::StatusCode;
    use serde_json::{Value, json};

    newsroom::tls::install_provider();
    let site = Site::new();
    assert!(site.newsroom().arg("migrate").output().unwrap().status.success());
    let TestDatabase::Sqlite(path) = &site.database else { panic!("run in the SQLite suite only") };
    // In the 512-byte blocks of `sh`'s ulimit: the database and 512 KiB.
    let limit_blocks = std::fs::metadata(path).unwrap().len() / 512 + 1024;
    let mut server = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -f {limit_blocks} && exec \"$0\" serve --bind 127.0.0.1:0"))
        .arg(env!("CARGO_BIN_EXE_newsroom"))
        .env("NEWSROOM_DATABASE_URL", path)
        .env("NEWSROOM_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("NEWSROOM_AUTH_RATE_LIMIT", "0")
        .env("NEWSROOM_LOG", "error")
        .current_dir(site.dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("listening on ").unwrap().to_owned();
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build().unwrap();
    let register = json!({"email": "w@example.com", "password": crate::helpers::PASSWORD, "display_name": "W"});
    let session: Value =
        client.post(format!("{base}/api/v1/auth/register")).json(&register).send().await.unwrap().json().await.unwrap();
    let token = session["access_token"].as_str().unwrap().to_owned();

    let mut created = 0;
    let refused = loop {
        let body = json!({"name": format!("{created} {}", "x".repeat(90)), "description": "d".repeat(1000)});
        let response =
            client.post(format!("{base}/api/v1/collections")).bearer_auth(&token).json(&body).send().await.unwrap();
        if response.status() != StatusCode::CREATED || created == 400 {
            break response;
        }
        created += 1;
    };

    let status = refused.status();
    assert!(
        status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::INSUFFICIENT_STORAGE,
        "the write that no longer fits fails as the storage's weather, after {created}: {status}"
    );
    assert!(refused.headers().contains_key("retry-after"));
    assert!(created > 0, "writes went through until the limit");
    assert!(server.try_wait().unwrap().is_none(), "the process lives on past SIGXFSZ");
    let listed: Value = client
        .get(format!("{base}/api/v1/collections?limit=100"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), created.min(100), "what was stored is still served");
    server.kill().unwrap();
    server.wait().unwrap();
}

/// SQLite hears no other process's writes (a command, `sqlite3`), so an
/// article held in memory is read again within 2 s, where a PostgreSQL
/// instance that hears every write keeps it 30 s.
#[tokio::test]
async fn an_article_written_by_another_process_shows_within_two_seconds() {
    use diesel::prelude::*;
    use newsroom::schema::articles;
    use serde_json::json;
    use std::time::Duration;

    let app = crate::helpers::spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let article = app.publish(&editor, "As published", json!({})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    assert_eq!(app.get_json(&path, None).await["title"], "As published");
    let id = article["id"].as_i64().unwrap() as i32;
    diesel::update(articles::table.find(id))
        .set(articles::title.eq("Written by another process"))
        .execute(&mut app.db())
        .unwrap();
    let took =
        app.get_json_until(&path, Duration::from_secs(3), |shown| shown["title"] == "Written by another process").await;
    eprintln!("shown after {took:?}");
}

//! `newsroom copy-database`: a site moves from SQLite to PostgreSQL and back
//! with everything a reader, a writer and a signed-in user had, and a
//! non-empty target is refused untouched.

use std::process::Output;

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::cli::Site;
use crate::helpers::{PASSWORD, TestApp, TestDatabase, TestUser, spawn_app_with};

/// What the test wrote to the first site, to look for in the copies.
struct Written {
    reader: TestUser,
    renamed: Value,
    arabic: Value,
    /// The highest article id handed out: a deleted article's at first.
    last_article_id: i64,
    /// The highest user id handed out: a deleted account's, whose row is gone.
    last_user_id: i64,
    collection: Value,
}

/// A site with a bit of everything: demo content (pages, Arabic articles), a
/// category moved below a newer one, a renamed article (a former slug), a
/// deleted article (the highest id), a deleted account, votes, a collection,
/// sessions, a reset link.
async fn fill(app: &TestApp) -> Written {
    let config = app.config();
    tokio::task::spawn_blocking(move || newsroom::seed::seed_demo(&config).unwrap()).await.unwrap();
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    app.create_category(&editor, "region", "Region", None).await;
    app.create_category(&editor, "continent", "Continent", None).await;
    let moved = app
        .send_json(Method::PATCH, "/api/v1/categories/region", editor.token(), &json!({"parent": "continent"}))
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let article = app.publish(&editor, "First title", json!({"category": "region"})).await;
    let renamed = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/articles/{}", article["id"]),
            editor.token(),
            &json!({"slug": "second-title"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let photo = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/media/photo.png")).unwrap();
    let cover = app.upload(editor.token(), "saffron.png", "image/png", &photo, &[("alt", "Saffron")]).await;
    assert_eq!(cover.status(), StatusCode::CREATED);
    let cover: Value = cover.json().await.unwrap();
    let arabic = app
        .publish(
            &editor,
            "مهرجان الزعفران",
            json!({"body": "يعود مهرجان الزعفران هذا الخريف.", "cover_image_id": cover["id"]}),
        )
        .await;
    let voted = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/articles/{}/vote", renamed["id"]),
            reader.token(),
            &json!({"value": 1}),
        )
        .await;
    assert_eq!(voted.status(), StatusCode::OK);
    let collection = app
        .send_json(
            Method::POST,
            "/api/v1/collections",
            reader.token(),
            &json!({"name": "Later", "visibility": "private"}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let saved = app
        .request(
            Method::PUT,
            &format!("/api/v1/collections/{}/articles/{}", collection["id"], arabic["id"]),
            reader.token(),
        )
        .send()
        .await
        .unwrap();
    assert!(saved.status().is_success());
    let doomed = app.publish(&editor, "Soon gone", json!({})).await;
    let gone = app
        .request(Method::DELETE, &format!("/api/v1/articles/{}", doomed["id"]), editor.token())
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let leaving = app.register_user().await;
    let left = app.send_json(Method::DELETE, "/api/v1/users/me", leaving.token(), &json!({"password": PASSWORD})).await;
    assert_eq!(left.status(), StatusCode::NO_CONTENT);
    let forgot = app.post_json("/api/v1/auth/password/forgot", &json!({"email": reader.email})).await;
    assert_eq!(forgot.status(), StatusCode::ACCEPTED);
    app.wait_for_mails(1).await;
    Written {
        reader,
        renamed,
        arabic,
        last_article_id: doomed["id"].as_i64().unwrap(),
        last_user_id: leaving.id,
        collection,
    }
}

/// Everything [`fill`] wrote, as the copy at `database` serves it; the
/// reader's refresh token is rotated, and a user and an article added, on the way.
async fn assert_serves(database: &str, written: &mut Written) {
    let app = spawn_app_with(&[("--database-url", database)]).await;
    assert_eq!(app.me_status(&written.reader.access_token).await, StatusCode::OK, "sessions came over");
    let refreshed = app.refresh(&written.reader.refresh_token).await;
    assert_eq!(refreshed.status(), StatusCode::OK, "refresh tokens came over");
    // Rotated: the next copy has this one.
    written.reader.refresh_token =
        refreshed.json::<Value>().await.unwrap()["refresh_token"].as_str().unwrap().to_owned();
    let reader = &written.reader;
    let signed_in = app.logged_in(&reader.email, PASSWORD).await;
    assert_eq!(app.me_status(&signed_in.access_token).await, StatusCode::OK, "the same password works");

    let by_former_slug = app.get_json("/api/v1/articles/first-title", None).await;
    assert_eq!(by_former_slug["id"], written.renamed["id"]);
    assert_eq!(by_former_slug["slug"], "second-title");
    assert_eq!(by_former_slug["votes"], json!({"up": 1, "down": 0, "score": 1}));
    let crumbs: Vec<&str> = by_former_slug["category"]["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|crumb| crumb["slug"].as_str().unwrap())
        .collect();
    assert_eq!(crumbs, ["continent", "region"]);
    let search: String = url::form_urlencoded::byte_serialize("الزعفران".as_bytes()).collect();
    assert_eq!(
        app.ids(&format!("/api/v1/articles?q={search}"), None).await,
        vec![written.arabic["id"].as_i64().unwrap()]
    );
    assert_eq!(app.get("/api/v1/pages/privacy-policy", None).await.status(), StatusCode::OK);
    let items =
        app.get_json(&format!("/api/v1/collections/{}/articles", written.collection["id"]), signed_in.token()).await;
    assert_eq!(items["items"][0]["id"], written.arabic["id"]);
    // The media rows came over; the files stay in the store both sites name.
    assert_eq!(items["items"][0]["cover_image"], written.arabic["cover_image"]);
    assert_eq!(written.arabic["cover_image"]["alt"], "Saffron");

    let editor = app.user_with_role("editor").await;
    assert_eq!(editor.id, written.last_user_id + 1, "the id of a deleted account is not given again");
    written.last_user_id += 1;
    let next = app.publish(&editor, "After the move", json!({})).await;
    assert_eq!(next["id"].as_i64().unwrap(), written.last_article_id + 1, "ids continue after the highest one");
    written.last_article_id += 1;
    assert_eq!(app.get("/api/v1/articles/soon-gone", None).await.status(), StatusCode::NOT_FOUND);
}

fn copy(site: &Site, from: &str, to: &str) -> Output {
    site.newsroom().args(["copy-database", "--from", from, "--to", to]).output().unwrap()
}

#[tokio::test]
async fn a_site_moves_to_postgresql_and_back_with_everything() {
    let dir = TempDir::new().unwrap();
    let sqlite = dir.path().join("site.db").display().to_string();
    let first = spawn_app_with(&[("--database-url", &sqlite)]).await;
    let mut written = fill(&first).await;
    let site = Site::new();
    let postgres = site.database.url().to_owned();
    assert!(matches!(site.database, TestDatabase::Postgres { .. }));

    let there = copy(&site, &sqlite, &postgres);

    let stdout = String::from_utf8_lossy(&there.stdout);
    assert!(there.status.success(), "{stdout}{}", String::from_utf8_lossy(&there.stderr));
    assert!(stdout.contains("row counts match and every vote tally checks out"), "{stdout}");
    assert_serves(&postgres, &mut written).await;

    let back_again = dir.path().join("back.db").display().to_string();
    let back = copy(&site, &postgres, &back_again);

    assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    assert_serves(&back_again, &mut written).await;
}

#[tokio::test]
async fn a_target_that_holds_anything_is_refused_untouched() {
    let dir = TempDir::new().unwrap();
    let sqlite = dir.path().join("site.db").display().to_string();
    let source = spawn_app_with(&[("--database-url", &sqlite)]).await;
    source.register_user().await;
    let site = Site::new();
    let target = spawn_app_with(&[("--database-url", site.database.url())]).await;
    let someone = target.register_user().await;

    let refused = copy(&site, &sqlite, site.database.url());

    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("not empty (users has 1 rows)"), "{stderr}");
    assert_eq!(target.me_status(&someone.access_token).await, StatusCode::OK);
    let users = target.get_json("/api/v1/users/me", someone.token()).await;
    assert_eq!(users["email"], someone.email.as_str());
    let bad = copy(&site, "postgres://", site.database.url());
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
    let missing = dir.path().join("typo.db");
    let mistyped = copy(&site, &missing.display().to_string(), site.database.url());
    assert_eq!(mistyped.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&mistyped.stderr).contains("there is no SQLite database at"));
    assert!(!missing.exists(), "no file is created");
}

#[tokio::test]
async fn a_target_holding_another_application_s_tables_is_refused_untouched() {
    let dir = TempDir::new().unwrap();
    let sqlite = dir.path().join("site.db").display().to_string();
    let source = spawn_app_with(&[("--database-url", &sqlite)]).await;
    source.register_user().await;
    let site = Site::new();
    let mut target = diesel::PgConnection::establish(site.database.url()).unwrap();
    target.batch_execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)").unwrap();

    let refused = copy(&site, &sqlite, site.database.url());

    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("holds tables newsroom does not make (invoices)"), "{stderr}");
    let tables: Vec<String> = diesel::sql_query(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .load::<Name>(&mut target)
    .unwrap()
    .into_iter()
    .map(|table| table.name)
    .collect();
    assert_eq!(tables, ["invoices"], "nothing was written beside it");

    let back = dir.path().join("other-app.db").display().to_string();
    let mut other_sqlite = diesel::SqliteConnection::establish(&back).unwrap();
    other_sqlite.batch_execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)").unwrap();
    let refused = copy(&site, &sqlite, &back);
    assert_eq!(refused.status.code(), Some(1), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("(invoices)"));
}

#[tokio::test]
async fn a_target_newsroom_migrated_but_left_empty_is_taken() {
    let dir = TempDir::new().unwrap();
    let sqlite = dir.path().join("site.db").display().to_string();
    let source = spawn_app_with(&[("--database-url", &sqlite)]).await;
    source.register_user().await;
    let site = Site::new();
    assert!(site.newsroom().arg("migrate").output().unwrap().status.success());

    let copied = copy(&site, &sqlite, site.database.url());

    assert!(copied.status.success(), "{}", String::from_utf8_lossy(&copied.stderr));
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

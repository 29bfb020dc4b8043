//! The newsroom's own workflow: who may do what (the roles), the statuses
//! (draft, pending, scheduled, published, archived), the review queue and
//! its mail, and revisions.

use diesel::prelude::*;
use newsroom::schema::article_revisions;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app, spawn_app_with};

const ROLES: [&str; 5] = ["reader", "contributor", "author", "editor", "admin"];

fn path_of(article: &Value) -> String {
    format!("/api/v1/articles/{}", article["id"])
}

async fn user(app: &TestApp, role: &str) -> TestUser {
    if role == "reader" { app.register_user().await } else { app.user_with_role(role).await }
}

async fn send(app: &TestApp, method: Method, path: &str, user: &TestUser, body: Option<Value>) -> StatusCode {
    let mut request = app.request(method, path, user.token());
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().status()
}

fn in_an_hour() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339()
}

/// Each action, and the status each role gets, in the order of [`ROLES`].
#[tokio::test]
async fn who_may_do_what() {
    let app = spawn_app().await;
    let contributor = app.user_with_role("contributor").await;
    let author = app.user_with_role("author").await;
    let editor = app.user_with_role("editor").await;
    let contributors_draft = app.create_article(&contributor, json!({"title": "A contributor's draft"})).await;
    let authors_public = app.publish(&author, "An author's story", json!({})).await;
    // A contributor's article that an editor has published since.
    let published_for_contributor = app.create_article(&contributor, json!({"title": "Submitted"})).await;
    let publish = json!({"status": "published"});
    let path = path_of(&published_for_contributor);
    assert_eq!(send(&app, Method::PATCH, &path, &editor, Some(publish)).await, StatusCode::OK);

    type Action = (&'static str, Method, String, Option<Value>, [StatusCode; 5]);
    let (ok, created, forbidden, missing) =
        (StatusCode::OK, StatusCode::CREATED, StatusCode::FORBIDDEN, StatusCode::NOT_FOUND);
    let actions: Vec<Action> = vec![
        (
            "write a draft",
            Method::POST,
            "/api/v1/articles".into(),
            Some(json!({"title": "T", "body": "B"})),
            [forbidden, created, created, created, created],
        ),
        (
            "submit for review",
            Method::POST,
            "/api/v1/articles".into(),
            Some(json!({"title": "T", "body": "B", "status": "pending"})),
            [forbidden, created, created, created, created],
        ),
        (
            "publish",
            Method::POST,
            "/api/v1/articles".into(),
            Some(json!({"title": "T", "body": "B", "status": "published"})),
            [forbidden, forbidden, created, created, created],
        ),
        (
            "schedule",
            Method::POST,
            "/api/v1/articles".into(),
            Some(json!({"title": "T", "body": "B", "status": "scheduled", "published_at": in_an_hour()})),
            [forbidden, forbidden, created, created, created],
        ),
        (
            "change another's draft",
            Method::PATCH,
            path_of(&contributors_draft),
            Some(json!({"body": "Edited"})),
            [missing, missing, missing, ok, ok],
        ),
        (
            "change another's published article",
            Method::PATCH,
            path_of(&authors_public),
            Some(json!({"body": "Edited"})),
            [forbidden, forbidden, forbidden, ok, ok],
        ),
        (
            "list the review queue",
            Method::GET,
            "/api/v1/articles?status=pending".into(),
            None,
            [forbidden, ok, ok, ok, ok],
        ),
        (
            "read another's revisions",
            Method::GET,
            format!("{}/revisions", path_of(&authors_public)),
            None,
            [forbidden, forbidden, forbidden, ok, ok],
        ),
        (
            "read another draft's revisions",
            Method::GET,
            format!("{}/revisions", path_of(&contributors_draft)),
            None,
            [missing, missing, missing, ok, ok],
        ),
        (
            "delete another's article",
            Method::DELETE,
            path_of(&published_for_contributor),
            None,
            [forbidden, forbidden, forbidden, StatusCode::NO_CONTENT, missing],
        ),
    ];
    let mut users = Vec::new();
    for role in ROLES {
        users.push(user(&app, role).await);
    }
    for (what, method, path, body, expected) in actions {
        for ((role, user), expected) in ROLES.iter().zip(&users).zip(expected) {
            let status = send(&app, method.clone(), &path, user, body.clone()).await;
            assert_eq!(status, expected, "{role}: {what} ({method} {path})");
        }
    }
}

#[tokio::test]
async fn a_contributor_submits_an_editor_publishes_and_the_contributor_stops_there() {
    let app = spawn_app().await;
    let contributor = app.user_with_role("contributor").await;
    let editor = app.user_with_role("editor").await;
    let draft = app.create_article(&contributor, json!({"title": "From the field", "body": "First words."})).await;
    let path = path_of(&draft);
    assert_eq!(draft["status"], "draft");

    let edited = app.send_json(Method::PATCH, &path, contributor.token(), &json!({"body": "Better words."})).await;
    assert_eq!(edited.status(), StatusCode::OK);
    for status in ["published", "scheduled", "archived"] {
        let mut body = json!({"status": status});
        if status == "scheduled" {
            body["published_at"] = json!(in_an_hour());
        }
        let refused = app.send_json(Method::PATCH, &path, contributor.token(), &body).await;
        assert_problem(refused, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let submitted = app.send_json(Method::PATCH, &path, contributor.token(), &json!({"status": "pending"})).await;
    assert_eq!(submitted.json::<Value>().await.unwrap()["status"], "pending");
    let mails = app.wait_for_mails(1).await;
    assert!(mails.iter().any(|mail| mail.contains("Subject: For review: From the field")), "{mails:?}");
    assert!(app.get(&path, None).await.status() == StatusCode::NOT_FOUND, "pending is not public");

    let published = app.send_json(Method::PATCH, &path, editor.token(), &json!({"status": "published"})).await;
    assert_eq!(published.json::<Value>().await.unwrap()["status"], "published");
    assert_eq!(app.get_json(&path, None).await["body"], "Better words.");
    let too_late = app.send_json(Method::PATCH, &path, contributor.token(), &json!({"body": "Sneaky"})).await;
    let problem = assert_problem(too_late, StatusCode::FORBIDDEN, "forbidden").await;
    assert!(problem["detail"].as_str().unwrap().contains("editors"), "{problem}");
    assert_eq!(app.get_json(&path, None).await["body"], "Better words.");
}

#[tokio::test]
async fn the_review_queue_lists_the_oldest_submission_first() {
    let app = spawn_app().await;
    let (first, second) = (app.user_with_role("contributor").await, app.user_with_role("contributor").await);
    let editor = app.user_with_role("editor").await;
    let written_first = app.create_article(&first, json!({"title": "Written first"})).await;
    let written_second = app.create_article(&second, json!({"title": "Written second"})).await;
    app.create_article(&first, json!({"title": "Still a draft"})).await;
    for article in [&written_second, &written_first] {
        let writer = if article == &written_first { &first } else { &second };
        let submitted =
            app.send_json(Method::PATCH, &path_of(article), writer.token(), &json!({"status": "pending"})).await;
        assert_eq!(submitted.status(), StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    let id = |article: &Value| article["id"].as_i64().unwrap();

    let queue = app.ids("/api/v1/articles?status=pending", editor.token()).await;

    assert_eq!(queue, vec![id(&written_second), id(&written_first)], "by submission, not by creation");
    let page = app.get_json("/api/v1/articles?status=pending&limit=1", editor.token()).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = app.ids(&format!("/api/v1/articles?status=pending&limit=1&cursor={cursor}"), editor.token()).await;
    assert_eq!(next, vec![id(&written_first)], "the queue pages");
    assert_eq!(app.ids("/api/v1/articles?status=pending", first.token()).await, vec![id(&written_first)], "own only");
    let mails = app.wait_for_mails(2).await;
    assert_eq!(mails.iter().filter(|mail| mail.contains("For review")).count(), 2);
}

#[tokio::test]
async fn scheduling_needs_a_time_ahead() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    for body in [
        json!({"title": "T", "body": "B", "status": "scheduled"}),
        json!({"title": "T", "body": "B", "status": "scheduled", "published_at": "2020-01-01T00:00:00Z"}),
    ] {
        let response = app.send_json(Method::POST, "/api/v1/articles", author.token(), &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "published_at");
    }
    let scheduled = app
        .create_article(&author, json!({"title": "Later", "status": "scheduled", "published_at": in_an_hour()}))
        .await;
    assert_eq!(scheduled["status"], "scheduled");
    assert!(app.ids("/api/v1/articles", None).await.is_empty());
}

fn revision_count(app: &TestApp) -> i64 {
    article_revisions::table.count().get_result(&mut app.db()).unwrap()
}

#[tokio::test]
async fn every_change_keeps_a_revision_that_can_be_read_and_restored() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let editor = app.user_with_role("editor").await;
    let article = app.publish(&author, "First title", json!({"body": "First body.", "tags": ["One"]})).await;
    let path = path_of(&article);
    let changes = [
        (&author, json!({"title": "Second title"})),
        (&editor, json!({"body": "Second body.", "tags": ["Two"]})),
        (&author, json!({"title": "Third title", "body": "Third body."})),
    ];
    for (user, change) in &changes {
        assert_eq!(app.send_json(Method::PATCH, &path, user.token(), change).await.status(), StatusCode::OK);
    }
    let unchanged = app.send_json(Method::PATCH, &path, author.token(), &json!({"title": "Third title"})).await;
    assert_eq!(unchanged.status(), StatusCode::OK);

    let list = app.get_json(&format!("{path}/revisions"), author.token()).await;

    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "a change that changes nothing keeps no revision: {list}");
    assert_eq!(items[0]["summary_of_change"], "changed title, excerpt, body");
    assert_eq!(items[0]["title"], "Second title", "the state before the change");
    assert_eq!(items[1]["summary_of_change"], "changed excerpt, body, tags");
    assert_eq!(items[1]["editor"]["id"], editor.id);
    assert_eq!(items[2]["title"], "First title");
    let oldest = app.get_json(&format!("{path}/revisions/{}", items[2]["id"]), editor.token()).await;
    assert_eq!(oldest["body"], "First body.");
    assert_eq!(oldest["tags"], json!(["One"]));
    assert_eq!(oldest["slug"], article["slug"]);

    let restore = format!("{path}/revisions/{}/restore", items[2]["id"]);
    let restored = app.request(Method::POST, &restore, editor.token()).send().await.unwrap();
    assert_eq!(restored.status(), StatusCode::OK);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!((restored["title"].as_str(), restored["body"].as_str()), (Some("First title"), Some("First body.")));
    assert_eq!(restored["tags"][0]["name"], "One");
    assert_eq!(restored["excerpt"], "First body.", "the excerpt follows the body again");
    let after = app.get_json(&format!("{path}/revisions"), author.token()).await;
    assert_eq!(after["items"][0]["title"], "Third title", "the restore is itself a revision");
    assert_eq!(after["items"].as_array().unwrap().len(), 4);
    assert_eq!(app.get_json(&path, None).await["title"], "First title");
}

#[tokio::test]
async fn revisions_never_leak_and_go_with_their_article() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let other = app.user_with_role("author").await;
    let reader = app.register_user().await;
    let draft = app.create_article(&author, json!({"title": "Secret plan"})).await;
    let path = path_of(&draft);
    app.send_json(Method::PATCH, &path, author.token(), &json!({"title": "Secret plan, revised"})).await;
    let revisions = format!("{path}/revisions");
    let revision = app.get_json(&revisions, author.token()).await["items"][0]["id"].clone();

    for user in [&reader, &other] {
        assert_problem(app.get(&revisions, user.token()).await, StatusCode::NOT_FOUND, "not_found").await;
        let one = app.get(&format!("{revisions}/{revision}"), user.token()).await;
        assert_problem(one, StatusCode::NOT_FOUND, "not_found").await;
        let restore = app.request(Method::POST, &format!("{revisions}/{revision}/restore"), user.token()).send().await;
        assert_problem(restore.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_problem(app.get(&revisions, None).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_problem(app.get(&format!("{revisions}/999999"), author.token()).await, StatusCode::NOT_FOUND, "not_found")
        .await;
    assert_eq!(revision_count(&app), 1);

    assert_eq!(
        app.request(Method::DELETE, &path, author.token()).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );

    assert_eq!(revision_count(&app), 0, "deleting an article deletes its revisions");
}

#[tokio::test]
async fn at_most_the_configured_number_of_revisions_is_kept() {
    let app = spawn_app_with(&[("--revisions-kept", "2")]).await;
    let author = app.user_with_role("author").await;
    let article = app.publish(&author, "Version 0", json!({})).await;
    let path = path_of(&article);
    for n in 1..=4 {
        let title = json!({"title": format!("Version {n}")});
        assert_eq!(app.send_json(Method::PATCH, &path, author.token(), &title).await.status(), StatusCode::OK);
    }

    let list = app.get_json(&format!("{path}/revisions"), author.token()).await;

    let titles: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|item| item["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Version 3", "Version 2"], "the newest two, the oldest dropped");
    assert_eq!(revision_count(&app), 2);
}

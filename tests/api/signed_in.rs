//! Signed-in readers share the public responses with their own votes written
//! in, and the sessions that let them skip the database are still revoked on
//! the very next request, whichever way they end.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestUser, spawn_app};
use crate::password_reset::{forgot, reset, token_in};

async fn vote(app: &TestApp, reader: &TestUser, article: &Value, value: Option<i32>) {
    let path = format!("/api/v1/articles/{}/vote", article["id"]);
    let response = match value {
        Some(value) => app.send_json(Method::PUT, &path, reader.token(), &json!({"value": value})).await,
        None => app.request(Method::DELETE, &path, reader.token()).send().await.unwrap(),
    };
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn signed_in_readers_get_the_shared_article_with_their_own_vote() {
    let app = spawn_app().await;
    let writer = app.user_with_role("author").await;
    let article = app.publish(&writer, "Turnout was high", json!({"body": "Voters went to the polls."})).await;
    let path = format!("/api/v1/articles/{}", article["slug"].as_str().unwrap());
    let (reader, other) = (app.register_user().await, app.register_user().await);
    let anonymous = app.get(&path, None).await;
    let public_etag = anonymous.headers()[header::ETAG].clone();

    vote(&app, &reader, &article, Some(1)).await;

    let mine = app.get(&path, reader.token()).await;
    assert_eq!(mine.headers()[header::CACHE_CONTROL], "private, no-store", "never kept by a shared cache");
    let etag = mine.headers()[header::ETAG].clone();
    assert_ne!(etag, public_etag);
    let body: Value = mine.json().await.unwrap();
    assert_eq!((body["my_vote"].clone(), body["votes"]["up"].clone()), (json!(1), json!(1)));
    assert_eq!(body["body_html"], "<p>Voters went to the polls.</p>\n");
    let again = app.request(Method::GET, &path, reader.token()).header(header::IF_NONE_MATCH, etag).send().await;
    assert_eq!(again.unwrap().status(), StatusCode::NOT_MODIFIED);

    for (who, token) in [("another reader", other.token()), ("an anonymous reader", None)] {
        let body = app.get_json(&path, token).await;
        assert_eq!((body["my_vote"].clone(), body["votes"]["up"].clone()), (Value::Null, json!(1)), "{who}");
    }
    assert_eq!(app.get(&path, None).await.headers()[header::CACHE_CONTROL], "public, max-age=60");

    vote(&app, &reader, &article, Some(-1)).await;
    assert_eq!(app.get_json(&path, reader.token()).await["my_vote"], -1);
    vote(&app, &reader, &article, None).await;
    let withdrawn = app.get_json(&path, reader.token()).await;
    assert_eq!((withdrawn["my_vote"].clone(), withdrawn["votes"]["score"].clone()), (Value::Null, json!(0)));
}

#[tokio::test]
async fn signed_in_list_pages_carry_each_readers_votes() {
    let app = spawn_app().await;
    let writer = app.user_with_role("author").await;
    let mut articles = Vec::new();
    for title in ["First", "Second", "Third"] {
        articles.push(app.publish(&writer, title, json!({"body": "Text."})).await);
    }
    let (reader, other) = (app.register_user().await, app.register_user().await);
    app.get("/api/v1/articles", None).await;

    vote(&app, &reader, &articles[0], Some(1)).await;
    vote(&app, &reader, &articles[2], Some(-1)).await;

    let votes_seen = |page: Value| -> HashMap<i64, Value> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| (item["id"].as_i64().unwrap(), item["my_vote"].clone()))
            .collect()
    };
    let id = |article: &Value| article["id"].as_i64().unwrap();
    let mine = app.get("/api/v1/articles", reader.token()).await;
    assert_eq!(mine.headers()[header::CACHE_CONTROL], "private, no-store");
    let expected =
        HashMap::from([(id(&articles[0]), json!(1)), (id(&articles[1]), Value::Null), (id(&articles[2]), json!(-1))]);
    assert_eq!(votes_seen(mine.json().await.unwrap()), expected);
    let nobody: HashMap<i64, Value> = articles.iter().map(|article| (id(article), Value::Null)).collect();
    assert_eq!(votes_seen(app.get_json("/api/v1/articles", other.token()).await), nobody);
    assert_eq!(votes_seen(app.get_json("/api/v1/articles", None).await), nobody);

    vote(&app, &reader, &articles[1], Some(1)).await;
    assert_eq!(votes_seen(app.get_json("/api/v1/articles", reader.token()).await)[&id(&articles[1])], json!(1));
}

/// Signs in afresh and uses the session twice, so that it is remembered.
async fn warm(app: &TestApp, email: &str, password: &str) -> TestUser {
    let session = app.logged_in(email, password).await;
    for _ in 0..2 {
        assert_eq!(app.me_status(&session.access_token).await, StatusCode::OK);
    }
    session
}

#[tokio::test]
async fn every_way_of_ending_a_session_rejects_a_remembered_token_at_once() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;
    let email = app.register_user().await.email;

    let session = warm(&app, &email, PASSWORD).await;
    let logout = app.post_json("/api/v1/auth/logout", &json!({"refresh_token": session.refresh_token})).await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&session.access_token).await, StatusCode::UNAUTHORIZED, "logout");

    let session = warm(&app, &email, PASSWORD).await;
    assert_eq!(app.refresh(&session.refresh_token).await.status(), StatusCode::OK);
    assert_eq!(app.refresh(&session.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.me_status(&session.access_token).await, StatusCode::UNAUTHORIZED, "a reused refresh token");

    let session = warm(&app, &email, PASSWORD).await;
    let logout_all = app.request(Method::POST, "/api/v1/auth/logout-all", session.token()).send().await.unwrap();
    assert_eq!(logout_all.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&session.access_token).await, StatusCode::UNAUTHORIZED, "logout-all");

    let (session, changer) = (warm(&app, &email, PASSWORD).await, warm(&app, &email, PASSWORD).await);
    let new_password = PASSWORD.repeat(2);
    let body = json!({"current_password": PASSWORD, "new_password": new_password});
    let changed = app.send_json(Method::PUT, "/api/v1/users/me/password", changer.token(), &body).await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&session.access_token).await, StatusCode::UNAUTHORIZED, "a password change");
    assert_eq!(app.me_status(&changer.access_token).await, StatusCode::UNAUTHORIZED, "the changer refreshes");

    assert_eq!(forgot(&app, &email).await.status(), StatusCode::ACCEPTED);
    let session = warm(&app, &email, &new_password).await;
    let mails = app.wait_for_mails(2).await;
    let link = mails.iter().find(|mail| mail.contains("reset-password?token=")).expect("the reset mail");
    assert_eq!(reset(&app, &token_in(link), PASSWORD).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&session.access_token).await, StatusCode::UNAUTHORIZED, "a password reset");

    let editor = app.user_with_role("editor").await;
    let editor = warm(&app, &editor.email, PASSWORD).await;
    let draft = json!({"title": "Draft", "body": "Text."});
    let created = app.send_json(Method::POST, "/api/v1/articles", editor.token(), &draft).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let path = format!("/api/v1/admin/users/{}", editor.id);
    let demoted = app.send_json(Method::PATCH, &path, admin.token(), &json!({"role": "reader"})).await;
    assert_eq!(demoted.status(), StatusCode::OK);
    let refused = app.send_json(Method::POST, "/api/v1/articles", editor.token(), &draft).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN, "a role taken away applies at once");
    let disabled = app.send_json(Method::PATCH, &path, admin.token(), &json!({"disabled": true})).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(app.me_status(&editor.access_token).await, StatusCode::UNAUTHORIZED, "disabling");

    let session = warm(&app, &email, PASSWORD).await;
    let deleted =
        app.send_json(Method::DELETE, "/api/v1/users/me", session.token(), &json!({"password": PASSWORD})).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&session.access_token).await, StatusCode::UNAUTHORIZED, "deleting the account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logout_all_under_concurrent_reads_rejects_every_later_request() {
    let app = Arc::new(spawn_app().await);
    let writer = app.user_with_role("author").await;
    let article = app.publish(&writer, "Read all the time", json!({"body": "Text."})).await;
    let path = Arc::new(format!("/api/v1/articles/{}", article["id"]));
    let reader = app.register_user().await;
    let token = Arc::new(reader.access_token.clone());
    let started = Instant::now();
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let (app, path, token) = (app.clone(), path.clone(), token.clone());
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while started.elapsed() < Duration::from_millis(1500) {
                    let sent = Instant::now();
                    let status = app.get(&path, Some(&token)).await.status();
                    seen.push((sent, status));
                }
                seen
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(500)).await;
    let logout_all = app.request(Method::POST, "/api/v1/auth/logout-all", reader.token()).send().await.unwrap();
    assert_eq!(logout_all.status(), StatusCode::NO_CONTENT);
    let answered = Instant::now();

    let (mut before_ok, mut after) = (0, 0);
    for reader in readers {
        for (sent, status) in reader.await.unwrap() {
            if sent > answered {
                assert_eq!(status, StatusCode::UNAUTHORIZED, "a request sent after logout-all was answered");
                after += 1;
            } else if status == StatusCode::OK {
                before_ok += 1;
            }
        }
    }
    assert!(before_ok > 0 && after > 0, "the readers ran on both sides of the logout ({before_ok}, {after})");
}

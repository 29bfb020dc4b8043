//! `Idempotency-Key` (API.md §14): a retry of a create gets the first answer
//! and creates nothing more; the same key with another request is refused;
//! a key whose request still runs is answered 409; an answer a retry could
//! better (a conflict that may pass) frees the key.

use diesel::prelude::*;
use newsroom::schema::{articles, idempotency_keys, users};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app, uuid_like};

async fn create_with_key(app: &TestApp, writer: &TestUser, key: &str, body: &Value) -> Response {
    app.request(Method::POST, "/api/v1/articles", writer.token())
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn articles_titled(app: &TestApp, title: &str) -> i64 {
    articles::table.filter(articles::title.eq(title)).count().get_result(&mut app.db()).unwrap()
}

#[tokio::test]
async fn a_retried_create_gets_the_first_answer_and_creates_once() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let body = json!({"title": "Once only", "body": "Words."});

    let first = create_with_key(&app, &author, "retry-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(first.headers().get("idempotent-replayed"), None);
    let (location, etag) = (first.headers()["location"].clone(), first.headers().get("etag").cloned());
    let created: Value = first.json().await.unwrap();

    let retry = create_with_key(&app, &author, "retry-1", &body).await;

    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.headers()["location"], location);
    assert_eq!(retry.headers().get("etag"), etag.as_ref());
    assert_eq!(retry.headers()["content-type"], "application/json");
    assert_eq!(retry.json::<Value>().await.unwrap(), created);
    assert_eq!(articles_titled(&app, "Once only"), 1);
}

#[tokio::test]
async fn the_same_key_with_another_request_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let first = create_with_key(&app, &author, "reused", &json!({"title": "First", "body": "Words."})).await;
    assert_eq!(first.status(), StatusCode::CREATED);

    let other = create_with_key(&app, &author, "reused", &json!({"title": "Second", "body": "Words."})).await;

    let problem = assert_problem(other, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    assert!(problem["detail"].as_str().unwrap().contains("different request"));
    assert_eq!(articles_titled(&app, "Second"), 0);
    assert_eq!(articles_titled(&app, "First"), 1);
}

#[tokio::test]
async fn a_key_whose_request_still_runs_is_answered_409() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    // What a request in flight leaves: its claim, without an answer yet.
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::caller.eq(format!("user:{}", author.id)),
            idempotency_keys::idempotency_key.eq("in-flight"),
            idempotency_keys::request_hash.eq(vec![0_u8; 32]),
            idempotency_keys::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut app.db())
        .unwrap();

    let response = create_with_key(&app, &author, "in-flight", &json!({"title": "Meanwhile", "body": "Words."})).await;

    assert_problem(response, StatusCode::CONFLICT, "idempotency_key_in_use").await;
    assert_eq!(articles_titled(&app, "Meanwhile"), 0);
}

#[tokio::test]
async fn keys_belong_to_their_caller() {
    let app = spawn_app().await;
    let (one, two) = (app.user_with_role("author").await, app.user_with_role("author").await);
    let body = json!({"title": "Shared key", "body": "Words."});

    let first = create_with_key(&app, &one, "same-key", &body).await;
    let second = create_with_key(&app, &two, "same-key", &body).await;

    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(second.status(), StatusCode::CREATED);
    assert_eq!(second.headers().get("idempotent-replayed"), None);
    assert_eq!(articles_titled(&app, "Shared key"), 2);
}

#[tokio::test]
async fn a_retried_registration_gets_its_tokens_again_which_are_not_stored_in_clear() {
    let app = spawn_app().await;
    let email = format!("retry-{}@example.com", uuid_like());
    let body = json!({"email": email, "password": crate::helpers::PASSWORD, "display_name": "Retrier"});
    let register = || {
        app.request(Method::POST, "/api/v1/auth/register", None)
            .header("Idempotency-Key", "signup-1")
            .json(&body)
            .send()
    };

    let first = register().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let tokens: Value = first.json().await.unwrap();
    let retry = register().await.unwrap();

    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.json::<Value>().await.unwrap(), tokens);
    let accounts: i64 = users::table.filter(users::email.eq(&email)).count().get_result(&mut app.db()).unwrap();
    assert_eq!(accounts, 1);
    let kept: Vec<Option<Vec<u8>>> =
        idempotency_keys::table.select(idempotency_keys::response_body).load(&mut app.db()).unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap().as_bytes();
    for body in kept.into_iter().flatten() {
        assert!(!body.windows(refresh.len()).any(|window| window == refresh), "the kept answer is sealed");
    }
}

#[tokio::test]
async fn a_conflict_frees_the_key_for_the_retry() {
    let app = spawn_app().await;
    let reader = app.register_user().await;
    let create = |name: &'static str, key: Option<&'static str>| {
        let mut request = app.request(Method::POST, "/api/v1/collections", reader.token()).json(&json!({"name": name}));
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send()
    };
    let existing: Value = create("Reading list", None).await.unwrap().json().await.unwrap();

    let taken = create("Reading list", Some("list-1")).await.unwrap();
    assert_problem(taken, StatusCode::CONFLICT, "name_taken").await;
    let path = format!("/api/v1/collections/{}", existing["id"]);
    let deleted = app.request(Method::DELETE, &path, reader.token()).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let retry = create("Reading list", Some("list-1")).await.unwrap();

    assert_eq!(retry.status(), StatusCode::CREATED, "the conflict was not kept");
    assert_eq!(retry.headers().get("idempotent-replayed"), None);
}

#[tokio::test]
async fn a_malformed_key_is_refused_before_anything_runs() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let body = json!({"title": "Bad key", "body": "Words."});

    for key in ["k".repeat(256), "two words".to_owned(), String::new()] {
        let response = create_with_key(&app, &author, &key, &body).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_idempotency_key").await;
    }
    let non_ascii = app
        .request(Method::POST, "/api/v1/articles", author.token())
        .header("Idempotency-Key", reqwest::header::HeaderValue::from_bytes("clé".as_bytes()).unwrap())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(non_ascii, StatusCode::BAD_REQUEST, "invalid_idempotency_key").await;
    assert_eq!(articles_titled(&app, "Bad key"), 0);
}

#[tokio::test]
async fn operations_that_take_no_key_ignore_it() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let article = app.create_article(&author, json!({"title": "Draft"})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);

    for title in ["One", "Two"] {
        let response = app
            .request(Method::PATCH, &path, author.token())
            .header("Idempotency-Key", "patch-key")
            .json(&json!({"title": title}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers().get("idempotent-replayed"), None);
        assert_eq!(response.json::<Value>().await.unwrap()["title"], title);
    }
}

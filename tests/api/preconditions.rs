//! Every resource that sends an ETag honours `If-Match` on every write: a
//! stale or bogus tag is 412 and changes nothing; the current one passes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, spawn_app};

/// The ETag a GET of `path` answers with, after checking that it gives 304.
async fn etag(app: &TestApp, path: &str, token: Option<&str>) -> String {
    let response = app.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let again = app.request(Method::GET, path, token).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "GET {path} with If-None-Match");
    etag
}

async fn write(
    app: &TestApp,
    method: Method,
    path: &str,
    user: &TestUser,
    if_match: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.request(method, path, user.token()).header("if-match", if_match);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// A bogus ETag is refused and leaves `path` as it was; the current one passes.
async fn assert_guarded(app: &TestApp, method: Method, path: &str, read: &str, user: &TestUser, body: Option<Value>) {
    let before = app.get_json(read, user.token()).await;
    let current = etag(app, read, user.token()).await;

    let stale = write(app, method.clone(), path, user, "\"bogus\"", body.clone()).await;

    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    assert_eq!(app.get_json(read, user.token()).await, before, "{method} {path} changed nothing");
    let fresh = write(app, method.clone(), path, user, &current, body).await;
    assert!(fresh.status().is_success(), "{method} {path} with the current ETag: {}", fresh.status());
}

#[tokio::test]
async fn the_account_honours_if_match_on_patch_and_delete() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    assert_guarded(&app, Method::PATCH, "/api/v1/users/me", "/api/v1/users/me", &user, Some(json!({"bio": "New"})))
        .await;

    let current = etag(&app, "/api/v1/users/me", user.token()).await;
    let body = Some(json!({"password": PASSWORD}));
    let stale = write(&app, Method::DELETE, "/api/v1/users/me", &user, "\"bogus\"", body.clone()).await;
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    assert_eq!(app.me_status(&user.access_token).await, StatusCode::OK, "still there");
    let deleted = write(&app, Method::DELETE, "/api/v1/users/me", &user, &current, body).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn admins_change_users_under_if_match() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;
    let reader = app.register_user().await;
    let path = format!("/api/v1/admin/users/{}", reader.id);

    assert_guarded(&app, Method::PATCH, &path, &path, &admin, Some(json!({"role": "author"}))).await;

    assert_eq!(app.get_json(&path, admin.token()).await["role"], "author");
    let denied = app.get(&path, reader.token()).await;
    assert_problem(denied, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn categories_articles_pages_and_collections_honour_if_match() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    app.create_category(&editor, "world", "World", None).await;
    app.create_category(&editor, "gone", "Gone", None).await;
    let article = app.publish(&editor, "Doomed", json!({})).await;
    app.send_json(Method::PUT, "/api/v1/pages/about", editor.token(), &json!({"title": "About", "body": "Us."})).await;
    let collection: Value = app
        .send_json(Method::POST, "/api/v1/collections", editor.token(), &json!({"name": "Shelf"}))
        .await
        .json()
        .await
        .unwrap();
    let rename = Some(json!({"name": "The World"}));

    assert_guarded(&app, Method::PATCH, "/api/v1/categories/world", "/api/v1/categories/world", &editor, rename).await;
    let article_path = format!("/api/v1/articles/{}", article["id"]);
    let collection_path = format!("/api/v1/collections/{}", collection["id"]);
    for path in ["/api/v1/categories/gone", &article_path, "/api/v1/pages/about", &collection_path] {
        assert_guarded(&app, Method::DELETE, path, path, &editor, None).await;
        assert_eq!(app.get(path, editor.token()).await.status(), StatusCode::NOT_FOUND, "{path} is gone");
    }
}

#[tokio::test]
async fn votes_honour_if_match_against_the_tally() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let article = app.publish(&editor, "Vote on me", json!({})).await;
    let path = format!("/api/v1/articles/{}/vote", article["id"]);

    assert_guarded(&app, Method::PUT, &path, &path, &reader, Some(json!({"value": 1}))).await;
    assert_eq!(app.get_json(&path, reader.token()).await["my_vote"], 1);
    assert_guarded(&app, Method::DELETE, &path, &path, &reader, None).await;
    assert_eq!(app.get_json(&path, reader.token()).await["my_vote"], Value::Null);
}

#[tokio::test]
async fn collection_items_and_passwords_have_no_tag_but_star() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let article = app.publish(&editor, "Save me", json!({})).await;
    let collection: Value = app
        .send_json(Method::POST, "/api/v1/collections", reader.token(), &json!({"name": "Later"}))
        .await
        .json()
        .await
        .unwrap();
    let item = format!("/api/v1/collections/{}/articles/{}", collection["id"], article["id"]);
    let listed = format!("/api/v1/collections/{}/articles", collection["id"]);
    let count = || async { app.get_json(&listed, reader.token()).await["items"].as_array().unwrap().len() };

    for tag in ["\"bogus\"", "*"] {
        let absent = write(&app, Method::PUT, &item, &reader, tag, None).await;
        assert_problem(absent, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    }
    assert_eq!(count().await, 0, "nothing saved");
    assert_eq!(app.request(Method::PUT, &item, reader.token()).send().await.unwrap().status(), StatusCode::CREATED);
    let bogus = write(&app, Method::DELETE, &item, &reader, "\"bogus\"", None).await;
    assert_problem(bogus, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    assert_eq!(count().await, 1, "still saved");
    assert_eq!(write(&app, Method::PUT, &item, &reader, "*", None).await.status(), StatusCode::OK);
    assert_eq!(write(&app, Method::DELETE, &item, &reader, "*", None).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(count().await, 0);
    let gone = write(&app, Method::DELETE, &item, &reader, "*", None).await;
    assert_problem(gone, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;

    let change = Some(json!({"current_password": PASSWORD, "new_password": "a new and long passphrase"}));
    let refused = write(&app, Method::PUT, "/api/v1/users/me/password", &reader, "\"bogus\"", change.clone()).await;
    assert_problem(refused, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    assert_eq!(app.login(&reader.email, PASSWORD).await.status(), StatusCode::OK, "the password is unchanged");
    let changed = write(&app, Method::PUT, "/api/v1/users/me/password", &reader, "*", change).await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
}

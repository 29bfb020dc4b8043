//! Ids that clients see are never handed out twice, even after the newest row
//! of a table is deleted.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use newsroom::schema::{refresh_tokens, tags};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app};

fn newest_session(app: &TestApp) -> i64 {
    let id: Option<i32> =
        refresh_tokens::table.select(diesel::dsl::max(refresh_tokens::id)).first(&mut app.db()).unwrap();
    i64::from(id.unwrap())
}

/// Deletes a row the way no endpoint does (hard, with foreign keys off), to
/// see what id the table hands out next.
fn hard_delete(app: &TestApp, table: &str, id: i64) {
    app.db().batch_execute(&format!("DELETE FROM {table} WHERE id = {id}")).unwrap();
}

#[tokio::test]
async fn users_categories_and_collections_deleted_through_the_api_leave_their_ids_behind() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;

    let gone = app.register_user().await;
    let response =
        app.send_json(Method::DELETE, "/api/v1/users/me", gone.token(), &json!({"password": PASSWORD})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(app.register_user().await.id > gone.id, "users");

    let category = app.create_category(&editor, "gone", "Gone", None).await;
    let response = app.request(Method::DELETE, "/api/v1/categories/gone", editor.token()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let next = app.create_category(&editor, "next", "Next", None).await;
    assert!(next["id"].as_i64() > category["id"].as_i64(), "categories");

    let create = |name: &str| json!({"name": name});
    let collection: Value =
        app.send_json(Method::POST, "/api/v1/collections", editor.token(), &create("Gone")).await.json().await.unwrap();
    let path = format!("/api/v1/collections/{}", collection["id"]);
    assert_eq!(
        app.request(Method::DELETE, &path, editor.token()).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let next: Value =
        app.send_json(Method::POST, "/api/v1/collections", editor.token(), &create("Next")).await.json().await.unwrap();
    assert!(next["id"].as_i64() > collection["id"].as_i64(), "collections");
}

#[tokio::test]
async fn articles_tags_and_sessions_deleted_from_the_database_leave_their_ids_behind() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;

    let article = app.publish(&editor, "Gone", json!({"tags": ["first"]})).await;
    let article_id = article["id"].as_i64().unwrap();
    let tag_id: i32 = tags::table.select(tags::id).first(&mut app.db()).unwrap();
    hard_delete(&app, "articles", article_id);
    hard_delete(&app, "tags", i64::from(tag_id));
    let next = app.publish(&editor, "Next", json!({"tags": ["second"]})).await;
    assert!(next["id"].as_i64().unwrap() > article_id, "articles");
    let next_tag: i32 = tags::table.select(tags::id).filter(tags::slug.eq("second")).first(&mut app.db()).unwrap();
    assert!(next_tag > tag_id, "tags");

    let session = newest_session(&app);
    hard_delete(&app, "refresh_tokens", session);
    app.logged_in(&editor.email, PASSWORD).await;
    assert!(newest_session(&app) > session, "sessions");
}

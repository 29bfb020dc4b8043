//! "Add to Collection": ownership, visibility, limits, tombstones.

use diesel::prelude::*;
use newsroom::schema::{collection_items, collections};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, field_names, spawn_app, spawn_app_with};

async fn create(app: &TestApp, owner: &TestUser, body: Value) -> reqwest::Response {
    app.send_json(Method::POST, "/api/v1/collections", owner.token(), &body).await
}

async fn collection(app: &TestApp, owner: &TestUser, name: &str, visibility: &str) -> Value {
    let response = create(app, owner, json!({"name": name, "visibility": visibility})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn add(app: &TestApp, user: &TestUser, collection: &Value, article: &Value) -> reqwest::Response {
    let path = format!("/api/v1/collections/{}/articles/{}", collection["id"], article["id"]);
    app.request(Method::PUT, &path, user.token()).send().await.unwrap()
}

fn item_count(app: &TestApp, collection: &Value) -> i64 {
    let id = collection["id"].as_i64().unwrap() as i32;
    collection_items::table.filter(collection_items::collection_id.eq(id)).count().get_result(&mut app.db()).unwrap()
}

#[tokio::test]
async fn no_collections_is_an_empty_list() {
    let app = spawn_app().await;
    let reader = app.register_user().await;
    let response = app.get("/api/v1/collections", reader.token()).await;
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"items": [], "next_cursor": null}));
    assert_problem(app.get("/api/v1/collections", None).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test]
async fn a_reader_creates_a_collection() {
    let app = spawn_app().await;
    let reader = app.register_user().await;

    let response = create(&app, &reader, json!({"name": "  Read later ", "description": "For the weekend"})).await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/collections/{}", body["id"]));
    assert_eq!(body["name"], "Read later");
    assert_eq!(body["description"], "For the weekend");
    assert_eq!(body["visibility"], "private");
    assert_eq!(body["article_count"], 0);
    assert_eq!(body["owner"], json!({"id": reader.id, "display_name": "Test User"}));
    assert!(body.get("contains_article").is_none());
    assert_eq!(app.get_json(&location, reader.token()).await, body);
}

#[tokio::test]
async fn names_are_unique_per_owner_in_any_case_and_script() {
    let app = spawn_app().await;
    let reader = app.register_user().await;
    let other = app.register_user().await;
    for name in ["Libya", "Ä"] {
        assert_eq!(create(&app, &reader, json!({"name": name})).await.status(), StatusCode::CREATED);
    }
    for duplicate in ["LIBYA", "libya", " Libya ", "ä", "A\u{308}"] {
        let response = create(&app, &reader, json!({"name": duplicate})).await;
        assert_problem(response, StatusCode::CONFLICT, "name_taken").await;
    }
    assert_eq!(create(&app, &other, json!({"name": "LIBYA"})).await.status(), StatusCode::CREATED, "per owner");
    for (name, status) in
        [("", StatusCode::UNPROCESSABLE_ENTITY), ("x".repeat(101).as_str(), StatusCode::UNPROCESSABLE_ENTITY)]
    {
        assert_problem(create(&app, &reader, json!({"name": name})).await, status, "validation_failed").await;
    }
    assert_eq!(create(&app, &reader, json!({"name": "x".repeat(100)})).await.status(), StatusCode::CREATED);
    let renamed =
        app.send_json(Method::PATCH, "/api/v1/collections/2", reader.token(), &json!({"name": "libya"})).await;
    assert_problem(renamed, StatusCode::CONFLICT, "name_taken").await;
    let count: i64 = collections::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 4);
}

#[tokio::test]
async fn a_private_collection_is_404_to_everyone_else_for_every_verb() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let owner = app.register_user().await;
    let stranger = app.register_user().await;
    let article = app.publish(&editor, "Saved", json!({})).await;
    let private = collection(&app, &owner, "Mine", "private").await;
    add(&app, &owner, &private, &article).await;
    let base = format!("/api/v1/collections/{}", private["id"]);
    let item = format!("{base}/articles/{}", article["id"]);

    for (caller, token) in [("a stranger", stranger.token()), ("an admin-less anonymous caller", None)] {
        for (method, path, body) in [
            (Method::GET, &base, None),
            (Method::GET, &format!("{base}/articles"), None),
            (Method::PATCH, &base, Some(json!({"name": "Stolen"}))),
            (Method::DELETE, &base, None),
            (Method::PUT, &item, None),
            (Method::DELETE, &item, None),
        ] {
            let mut request = app.request(method.clone(), path, token);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let status = request.send().await.unwrap().status();
            let expected =
                if token.is_none() && method != Method::GET { StatusCode::UNAUTHORIZED } else { StatusCode::NOT_FOUND };
            assert_eq!(status, expected, "{caller}: {method} {path}");
        }
    }
    assert_eq!(app.get_json(&base, owner.token()).await["name"], "Mine", "untouched");
    assert_eq!(item_count(&app, &private), 1);
    assert!(
        app.get_json(&format!("/api/v1/users/{}/collections", owner.id), None).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_public_collection_is_readable_but_only_its_owner_writes() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let owner = app.register_user().await;
    let stranger = app.register_user().await;
    let article = app.publish(&editor, "Saved", json!({})).await;
    let public = collection(&app, &owner, "Best of the week", "public").await;
    add(&app, &owner, &public, &article).await;
    let base = format!("/api/v1/collections/{}", public["id"]);

    assert_eq!(app.get_json(&base, None).await["article_count"], 1);
    let items = app.get_json(&format!("{base}/articles"), stranger.token()).await;
    assert_eq!(items["items"][0]["id"], article["id"]);
    for (method, path) in [
        (Method::PATCH, base.clone()),
        (Method::DELETE, base.clone()),
        (Method::PUT, format!("{base}/articles/{}", article["id"])),
        (Method::DELETE, format!("{base}/articles/{}", article["id"])),
    ] {
        let response = app
            .request(method.clone(), &path, stranger.token())
            .json(&json!({"name": "Mine now"}))
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let listed = app.get_json(&format!("/api/v1/users/{}/collections", owner.id), None).await;
    assert_eq!(listed["items"][0]["id"], public["id"]);
    assert_eq!(item_count(&app, &public), 1);
}

#[tokio::test]
async fn adding_and_removing_are_idempotent_and_counts_stay_exact() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let first = app.publish(&editor, "First", json!({})).await;
    let second = app.publish(&editor, "Second", json!({})).await;
    let saved = collection(&app, &reader, "Saved", "private").await;

    let added = add(&app, &reader, &saved, &first).await;
    assert_eq!(added.status(), StatusCode::CREATED);
    assert_eq!(added.json::<Value>().await.unwrap()["article_count"], 1);
    let again = add(&app, &reader, &saved, &first).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Value>().await.unwrap()["article_count"], 1);
    let by_slug = format!("/api/v1/collections/{}/articles/{}", saved["id"], second["slug"].as_str().unwrap());
    assert_eq!(app.request(Method::PUT, &by_slug, reader.token()).send().await.unwrap().status(), StatusCode::CREATED);
    assert_eq!(item_count(&app, &saved), 2);

    let remove = format!("/api/v1/collections/{}/articles/{}", saved["id"], first["id"]);
    for _ in 0..2 {
        let response = app.request(Method::DELETE, &remove, reader.token()).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(app.get_json(&format!("/api/v1/collections/{}", saved["id"]), reader.token()).await["article_count"], 1);
    assert_eq!(item_count(&app, &saved), 1);
    let draft = app.create_article(&editor, json!({"title": "Draft"})).await;
    assert_problem(add(&app, &reader, &saved, &draft).await, StatusCode::NOT_FOUND, "not_found").await;
    let missing = format!("/api/v1/collections/{}/articles/999999", saved["id"]);
    assert_problem(
        app.request(Method::PUT, &missing, reader.token()).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn the_dialog_shows_which_collections_hold_the_article() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let article = app.publish(&editor, "Worth keeping", json!({})).await;
    let holding = collection(&app, &reader, "Holding", "private").await;
    let empty = collection(&app, &reader, "Empty", "private").await;
    add(&app, &reader, &holding, &article).await;

    let dialog = app
        .get_json(&format!("/api/v1/collections?article={}", article["slug"].as_str().unwrap()), reader.token())
        .await;

    let flags: Vec<(i64, bool)> = dialog["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["contains_article"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        flags,
        vec![(empty["id"].as_i64().unwrap(), false), (holding["id"].as_i64().unwrap(), true)],
        "newest first"
    );
    assert_problem(
        app.get("/api/v1/collections?article=999999", reader.token()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn limits_answer_409_limit_reached() {
    let app = spawn_app_with(&[("--max-collections", "2"), ("--max-collection-articles", "2")]).await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let full = collection(&app, &reader, "One", "private").await;
    collection(&app, &reader, "Two", "private").await;
    assert_problem(create(&app, &reader, json!({"name": "Three"})).await, StatusCode::CONFLICT, "limit_reached").await;

    let mut articles = Vec::new();
    for title in ["A", "B", "C"] {
        articles.push(app.publish(&editor, title, json!({})).await);
    }
    for article in &articles[..2] {
        assert_eq!(add(&app, &reader, &full, article).await.status(), StatusCode::CREATED);
    }
    assert_problem(add(&app, &reader, &full, &articles[2]).await, StatusCode::CONFLICT, "limit_reached").await;
    assert_eq!(add(&app, &reader, &full, &articles[0]).await.status(), StatusCode::OK, "re-adding is no growth");
    assert_eq!(item_count(&app, &full), 2);
}

#[tokio::test]
async fn unpublished_and_deleted_articles_become_tombstones_for_the_owner_only() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let owner = app.register_user().await;
    let stranger = app.register_user().await;
    let kept = app.publish(&editor, "Still here", json!({})).await;
    let archived = app.publish(&editor, "Withdrawn", json!({})).await;
    let deleted = app.publish(&editor, "Gone", json!({})).await;
    let public = collection(&app, &owner, "Shelf", "public").await;
    for article in [&kept, &archived, &deleted] {
        add(&app, &owner, &public, article).await;
    }
    app.send_json(
        Method::PATCH,
        &format!("/api/v1/articles/{}", archived["id"]),
        editor.token(),
        &json!({"status": "archived"}),
    )
    .await;
    app.request(Method::DELETE, &format!("/api/v1/articles/{}", deleted["id"]), editor.token()).send().await.unwrap();
    let path = format!("/api/v1/collections/{}/articles", public["id"]);

    let for_owner = app.get_json(&path, owner.token()).await;
    let items = for_owner["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let gone = &items[0];
    assert_eq!(field_names(gone), ["added_at", "available", "id", "slug", "title"]);
    assert_eq!(gone["slug"], deleted["slug"]);
    assert_eq!(
        (gone["id"].clone(), gone["title"].clone(), gone["available"].clone()),
        (deleted["id"].clone(), json!("Gone"), json!(false))
    );
    assert_eq!(items[1]["available"], false);
    assert_eq!(items[1]["title"], "Withdrawn");
    assert_eq!(items[2]["available"], true);
    assert_eq!(items[2]["title"], "Still here");
    assert!(items[2]["added_at"].is_string() && items[2]["excerpt"].is_string());

    for token in [stranger.token(), None] {
        let others = app.get_json(&path, token).await;
        let ids: Vec<&Value> = others["items"].as_array().unwrap().iter().map(|item| &item["id"]).collect();
        assert_eq!(ids, vec![&kept["id"]]);
    }
    let remove = format!("/api/v1/collections/{}/articles/{}", public["id"], deleted["id"]);
    assert_eq!(
        app.request(Method::DELETE, &remove, owner.token()).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(item_count(&app, &public), 2, "a tombstone can be removed by id");
}

#[tokio::test]
async fn both_lists_page_by_keyset() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let mut created = Vec::new();
    for name in ["One", "Two", "Three"] {
        created.push(collection(&app, &reader, name, "public").await["id"].as_i64().unwrap());
    }
    let walk = |first: String| {
        let app = &app;
        let token = reader.token();
        async move {
            let mut seen = Vec::new();
            let mut path = first;
            loop {
                let response = app.get(&path, token).await;
                let link = response.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
                let body: Value = response.json().await.unwrap();
                seen.extend(body["items"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()));
                if body["next_cursor"].is_null() {
                    return seen;
                }
                path = link.unwrap().trim_start_matches('<').split('>').next().unwrap().to_owned();
            }
        }
    };
    created.reverse();
    assert_eq!(walk("/api/v1/collections?limit=2".into()).await, created);
    assert_eq!(walk(format!("/api/v1/users/{}/collections?limit=1", reader.id)).await, created);

    let shelf = collection(&app, &reader, "Shelf", "private").await;
    let mut added = Vec::new();
    for title in ["A", "B", "C"] {
        let article = app.publish(&editor, title, json!({})).await;
        add(&app, &reader, &shelf, &article).await;
        added.push(article["id"].as_i64().unwrap());
    }
    added.reverse();
    assert_eq!(
        walk(format!("/api/v1/collections/{}/articles?limit=2", shelf["id"])).await,
        added,
        "most recently added first"
    );
    let bad = app.get(&format!("/api/v1/collections/{}/articles?cursor=broken", shelf["id"]), reader.token()).await;
    assert_problem(bad, StatusCode::BAD_REQUEST, "invalid_cursor").await;
}

#[tokio::test]
async fn collections_honour_etags() {
    let app = spawn_app().await;
    let reader = app.register_user().await;
    let saved = collection(&app, &reader, "Saved", "private").await;
    let path = format!("/api/v1/collections/{}", saved["id"]);
    let response = app.get(&path, reader.token()).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let cached = app.request(Method::GET, &path, reader.token()).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    let stale = app
        .request(Method::PATCH, &path, reader.token())
        .header("if-match", "\"old\"")
        .json(&json!({"name": "New"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let fresh = app
        .request(Method::PATCH, &path, reader.token())
        .header("if-match", &etag)
        .json(&json!({"name": "New", "description": "Now described", "visibility": "public"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    let body: Value = fresh.json().await.unwrap();
    assert_eq!((body["name"].clone(), body["visibility"].clone()), (json!("New"), json!("public")));
}

#[tokio::test]
async fn deleting_an_account_deletes_its_collections() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let leaving = app.register_user().await;
    let article = app.publish(&editor, "Saved", json!({})).await;
    let saved = collection(&app, &leaving, "Saved", "public").await;
    add(&app, &leaving, &saved, &article).await;

    let response =
        app.send_json(Method::DELETE, "/api/v1/users/me", leaving.token(), &json!({"password": PASSWORD})).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let left: i64 = collections::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(left, 0);
    let items: i64 = collection_items::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(items, 0);
    assert_problem(
        app.get(&format!("/api/v1/collections/{}", saved["id"]), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_disabled_owners_public_collections_are_hidden_everywhere_and_return_on_enabling() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;
    let editor = app.user_with_role("editor").await;
    let owner = app.register_user().await;
    let article = app.publish(&editor, "Saved", json!({})).await;
    let public = collection(&app, &owner, "Best of the week", "public").await;
    add(&app, &owner, &public, &article).await;
    let base = format!("/api/v1/collections/{}", public["id"]);
    let admin_path = format!("/api/v1/admin/users/{}", owner.id);
    let disable = |disabled: bool| {
        app.request(Method::PATCH, &admin_path, admin.token()).json(&json!({"disabled": disabled})).send()
    };

    assert_eq!(disable(true).await.unwrap().status(), StatusCode::OK);

    for path in [base.clone(), format!("{base}/articles"), format!("/api/v1/users/{}/collections", owner.id)] {
        for viewer in [None, editor.token(), admin.token()] {
            assert_problem(app.get(&path, viewer).await, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
    assert_eq!(disable(false).await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.get_json(&base, None).await["article_count"], 1, "nothing was lost");
}

#[tokio::test]
async fn a_tombstone_keeps_the_title_and_slug_the_article_had_while_public() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let owner = app.register_user().await;
    let article = app.publish(&editor, "First title", json!({})).await;
    let shelf = collection(&app, &owner, "Shelf", "private").await;
    add(&app, &owner, &shelf, &article).await;
    let edit = |change: Value| {
        app.request(Method::PATCH, &format!("/api/v1/articles/{}", article["id"]), editor.token()).json(&change).send()
    };
    assert_eq!(
        edit(json!({"title": "Public retitle", "slug": "public-retitle"})).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(edit(json!({"status": "archived"})).await.unwrap().status(), StatusCode::OK);

    assert_eq!(
        edit(json!({"title": "Quiet retitle", "slug": "quiet-retitle"})).await.unwrap().status(),
        StatusCode::OK
    );

    let path = format!("/api/v1/collections/{}/articles", shelf["id"]);
    let tombstone = &app.get_json(&path, owner.token()).await["items"][0];
    assert_eq!(tombstone["available"], false);
    assert_eq!(tombstone["title"], "Public retitle", "the last public title, not the later one");
    assert_eq!(tombstone["slug"], "public-retitle");
}

//! Categories (a tree), tags, and static pages.

use diesel::prelude::*;
use newsroom::schema::{categories, pages};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

#[tokio::test]
async fn categories_form_a_tree_with_breadcrumbs_children_and_counts() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    app.create_category(&editor, "world", "World", None).await;
    let africa = app.create_category(&editor, "africa", "Africa", Some("world")).await;
    app.create_category(&editor, "libya", "Libya", Some("africa")).await;
    app.create_category(&editor, "asia", "Asia", Some("world")).await;
    assert_eq!(africa["parent"], "world");
    assert_eq!(africa["path"], json!([{"slug": "world", "name": "World"}, {"slug": "africa", "name": "Africa"}]));
    app.publish(&editor, "In Tripoli", json!({"category": "libya"})).await;
    app.publish(&editor, "In Africa", json!({"category": "africa"})).await;
    app.create_article(&editor, json!({"title": "Draft in Libya", "category": "libya"})).await;

    let world = app.get("/api/v1/categories/world", None).await;
    assert_eq!(world.headers()["cache-control"], "public, max-age=60");
    let world: Value = world.json().await.unwrap();
    assert_eq!(world["article_count"], 2, "published articles of the whole subtree");
    assert!(world["parent"].is_null());
    let children: Vec<&str> =
        world["children"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(children, ["africa", "asia"]);
    let libya = app.get_json("/api/v1/categories/libya", None).await;
    let crumbs: Vec<&str> = libya["path"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(crumbs, ["world", "africa", "libya"]);
    assert_eq!(libya["article_count"], 1);

    let all = app.get_json("/api/v1/categories", None).await;
    let slugs: Vec<&str> = all["items"].as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["world", "africa", "libya", "asia"], "tree order");
    assert!(all["next_cursor"].is_null());
    assert_problem(app.get("/api/v1/categories/nowhere", None).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn only_editors_manage_categories() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let editor = app.user_with_role("editor").await;
    app.create_category(&editor, "politics", "Politics", None).await;
    let create = app.send_json(Method::POST, "/api/v1/categories", author.token(), &json!({"name": "Mine"})).await;
    assert_problem(create, StatusCode::FORBIDDEN, "forbidden").await;
    let patch =
        app.send_json(Method::PATCH, "/api/v1/categories/politics", author.token(), &json!({"name": "X"})).await;
    assert_problem(patch, StatusCode::FORBIDDEN, "forbidden").await;
    let delete = app.request(Method::DELETE, "/api/v1/categories/politics", None).send().await.unwrap();
    assert_problem(delete, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let count: i64 = categories::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn category_input_is_validated() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    app.create_category(&editor, "politics", "Politics", None).await;
    let auto = app.send_json(Method::POST, "/api/v1/categories", editor.token(), &json!({"name": "Middle East"})).await;
    assert_eq!(auto.status(), StatusCode::CREATED);
    assert_eq!(auto.headers()["location"], "/api/v1/categories/middle-east");

    let duplicate = app
        .send_json(
            Method::POST,
            "/api/v1/categories",
            editor.token(),
            &json!({"name": "Politics 2", "slug": "politics"}),
        )
        .await;
    assert_problem(duplicate, StatusCode::CONFLICT, "slug_taken").await;
    for (body, field) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "!!!"}), "slug"),
        (json!({"name": "X", "slug": "Bad Slug"}), "slug"),
        (json!({"name": "X", "parent": "nowhere"}), "parent"),
    ] {
        let response = app.send_json(Method::POST, "/api/v1/categories", editor.token(), &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field);
    }
}

#[tokio::test]
async fn categories_cannot_move_below_themselves() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    app.create_category(&editor, "world", "World", None).await;
    app.create_category(&editor, "africa", "Africa", Some("world")).await;
    app.create_category(&editor, "libya", "Libya", Some("africa")).await;

    for parent in ["world", "libya", "africa"] {
        let target = if parent == "africa" { "africa" } else { "world" };
        let response = app
            .send_json(
                Method::PATCH,
                &format!("/api/v1/categories/{target}"),
                editor.token(),
                &json!({"parent": parent}),
            )
            .await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "parent", "{target} under {parent}");
    }

    let moved = app
        .send_json(
            Method::PATCH,
            "/api/v1/categories/libya",
            editor.token(),
            &json!({"parent": "world", "name": "Libya (all)"}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let body: Value = moved.json().await.unwrap();
    assert_eq!(body["path"], json!([{"slug": "world", "name": "World"}, {"slug": "libya", "name": "Libya (all)"}]));
    let top = app.send_json(Method::PATCH, "/api/v1/categories/libya", editor.token(), &json!({"parent": null})).await;
    assert!(top.json::<Value>().await.unwrap()["parent"].is_null());
    let renamed =
        app.send_json(Method::PATCH, "/api/v1/categories/libya", editor.token(), &json!({"slug": "africa"})).await;
    assert_problem(renamed, StatusCode::CONFLICT, "slug_taken").await;
}

#[tokio::test]
async fn only_empty_categories_can_be_deleted() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    app.create_category(&editor, "world", "World", None).await;
    app.create_category(&editor, "africa", "Africa", Some("world")).await;
    app.create_category(&editor, "sports", "Sports", None).await;
    app.create_article(&editor, json!({"title": "Draft about sport", "category": "sports"})).await;

    for slug in ["world", "sports"] {
        let response =
            app.request(Method::DELETE, &format!("/api/v1/categories/{slug}"), editor.token()).send().await.unwrap();
        assert_problem(response, StatusCode::CONFLICT, "category_not_empty").await;
    }
    let response = app.request(Method::DELETE, "/api/v1/categories/africa", editor.token()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app.request(Method::DELETE, "/api/v1/categories/africa", editor.token()).send().await.unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let remaining: Vec<String> =
        categories::table.select(categories::slug).order(categories::slug).load(&mut app.db()).unwrap();
    assert_eq!(remaining, ["sports", "world"]);
}

#[tokio::test]
async fn tags_list_with_prefix_search_and_counts() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    app.publish(&editor, "One", json!({"tags": ["Libya", "Elections"]})).await;
    app.publish(&editor, "Two", json!({"tags": ["Libya", "Lebanon"]})).await;
    app.create_article(&editor, json!({"title": "Draft", "tags": ["Libya", "Leaks"]})).await;

    let all = app.get_json("/api/v1/tags", None).await;
    let summary: Vec<(String, i64)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["slug"].as_str().unwrap().to_owned(), t["article_count"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [("elections".into(), 1), ("lebanon".into(), 1), ("libya".into(), 2)],
        "drafts count for nothing"
    );

    let prefixed = app.get_json("/api/v1/tags?q=Le", None).await;
    let slugs: Vec<&str> = prefixed["items"].as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["lebanon"]);
    let first = app.get_json("/api/v1/tags?limit=2", None).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app.get_json(&format!("/api/v1/tags?limit=2&cursor={cursor}"), None).await;
    assert_eq!(second["items"][0]["slug"], "libya");
    for q in ["%", "_", "'", "\"", ")"] {
        let response = app
            .get(
                &format!("/api/v1/tags?q={}", url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()),
                None,
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{q}");
    }
}

#[tokio::test]
async fn a_tag_only_drafts_carry_stays_secret_until_one_is_published() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let draft = app.create_article(&editor, json!({"title": "Secret", "tags": ["Acme Globex merger"]})).await;
    app.publish(&editor, "Scheduled", json!({"tags": ["Acme Globex merger"], "published_at": "2999-01-01T00:00:00Z"}))
        .await;

    for query in ["", "?q=acme"] {
        let listed = app.get_json(&format!("/api/v1/tags{query}"), None).await;
        assert_eq!(listed["items"], json!([]), "{query}: {listed}");
    }

    let path = format!("/api/v1/articles/{}", draft["id"]);
    let published = app.send_json(Method::PATCH, &path, editor.token(), &json!({"status": "published"})).await;
    assert_eq!(published.status(), StatusCode::OK);
    let listed = app.get_json("/api/v1/tags", None).await;
    assert_eq!(
        listed["items"],
        json!([{"slug": "acme-globex-merger", "name": "Acme Globex merger", "article_count": 1}])
    );
}

#[tokio::test]
async fn pages_are_written_by_editors_and_read_by_all() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let author = app.user_with_role("author").await;
    let body = json!({"title": "Privacy policy", "body": "We keep **little**.<script>x()</script>"});

    let denied = app.send_json(Method::PUT, "/api/v1/pages/privacy-policy", author.token(), &body).await;
    assert_problem(denied, StatusCode::FORBIDDEN, "forbidden").await;
    let created = app.send_json(Method::PUT, "/api/v1/pages/privacy-policy", editor.token(), &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["location"], "/api/v1/pages/privacy-policy");
    let page: Value = created.json().await.unwrap();
    assert_eq!(page["body_html"], "<p>We keep <strong>little</strong>.</p>\n");

    let response = app.get("/api/v1/pages/privacy-policy", None).await;
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(response.json::<Value>().await.unwrap(), page);
    let cached = app
        .request(Method::GET, "/api/v1/pages/privacy-policy", None)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

    let stale = app
        .request(Method::PUT, "/api/v1/pages/privacy-policy", editor.token())
        .header("if-match", "\"old\"")
        .json(&json!({"title": "Changed", "body": "Changed."}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    let replaced = app
        .request(Method::PUT, "/api/v1/pages/privacy-policy", editor.token())
        .header("if-match", &etag)
        .json(&json!({"title": "Privacy", "body": "Even less."}))
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.status(), StatusCode::OK);
    let list = app.get_json("/api/v1/pages", None).await;
    assert_eq!(list["items"][0]["title"], "Privacy");

    let invalid = app.send_json(Method::PUT, "/api/v1/pages/Not%20A%20Slug", editor.token(), &body).await;
    assert_problem(invalid, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let deleted = app.request(Method::DELETE, "/api/v1/pages/privacy-policy", editor.token()).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get("/api/v1/pages/privacy-policy", None).await, StatusCode::NOT_FOUND, "not_found").await;
    let count: i64 = pages::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_category_whose_articles_were_all_deleted_can_be_deleted() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    app.create_category(&editor, "briefly", "Briefly", None).await;
    let article = app.publish(&editor, "Short-lived", json!({"category": "briefly"})).await;
    let draft = app.create_article(&editor, json!({"title": "Still a draft", "category": "briefly"})).await;
    let delete_category = || app.request(Method::DELETE, "/api/v1/categories/briefly", editor.token()).send();
    let body = assert_problem(delete_category().await.unwrap(), StatusCode::CONFLICT, "category_not_empty").await;
    assert!(body["detail"].as_str().unwrap().contains("2 articles"), "{body}");

    for gone in [&article, &draft] {
        let path = format!("/api/v1/articles/{}", gone["id"]);
        assert_eq!(
            app.request(Method::DELETE, &path, editor.token()).send().await.unwrap().status(),
            StatusCode::NO_CONTENT
        );
    }
    let response = delete_category().await.unwrap();

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let left: i64 = categories::table.filter(categories::slug.eq("briefly")).count().get_result(&mut app.db()).unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_given_slug_is_taken_as_the_document_describes_it() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    for (slug, status) in [
        ("Élections", StatusCode::CREATED),
        ("المغرب-2026", StatusCode::CREATED),
        ("World", StatusCode::UNPROCESSABLE_ENTITY),
        ("zero\u{200b}width", StatusCode::UNPROCESSABLE_ENTITY),
        ("no\u{a0}break", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let body = serde_json::json!({"name": format!("Name {slug}"), "slug": slug});
        let response = app.send_json(Method::POST, "/api/v1/categories", editor.token(), &body).await;
        assert_eq!(response.status(), status, "{slug:?}");
        if status == StatusCode::CREATED {
            let read = app.get_json(&format!("/api/v1/categories/{slug}"), None).await;
            assert_eq!(read["slug"], slug, "kept as sent");
        }
    }
}

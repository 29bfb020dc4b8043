//! Articles: writing, reading by role, slugs, sanitizing, caching, lists,
//! search and "Check Also".

use diesel::prelude::*;
use newsroom::schema::{article_tallies, articles};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app};

struct Newsroom {
    app: TestApp,
    author: TestUser,
    other_author: TestUser,
    editor: TestUser,
    reader: TestUser,
}

async fn newsroom() -> Newsroom {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let other_author = app.user_with_role("author").await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    Newsroom { app, author, other_author, editor, reader }
}

fn path_of(article: &Value) -> String {
    format!("/api/v1/articles/{}", article["id"])
}

#[tokio::test]
async fn an_author_writes_an_article() {
    let Newsroom { app, author, editor, .. } = newsroom().await;
    app.create_category(&editor, "world", "World", None).await;
    app.create_category(&editor, "africa", "Africa", Some("world")).await;

    let response = app
        .send_json(
            Method::POST,
            "/api/v1/articles",
            author.token(),
            &json!({
                "title": "Elections in Libya",
                "body": "# Heading\n\nVoters went to the **polls** on Saturday.\n\nSecond paragraph.",
                "category": "africa",
                "tags": ["Libya", "Elections", "libya"],
                "status": "published",
                "cover_image_url": "https://images.example/cover.jpg",
            }),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let article: Value = response.json().await.unwrap();
    assert_eq!(location, path_of(&article));
    assert_eq!(article["slug"], "elections-in-libya");
    assert_eq!(article["excerpt"], "Voters went to the polls on Saturday.");
    assert_eq!(
        article["body_html"],
        "<h1>Heading</h1>\n<p>Voters went to the <strong>polls</strong> on Saturday.</p>\n<p>Second paragraph.</p>\n"
    );
    assert_eq!(article["reading_time_minutes"], 1);
    assert_eq!(article["status"], "published");
    assert!(article["published_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(article["author"], json!({"id": author.id, "display_name": "Staff"}));
    assert_eq!(article["category"]["slug"], "africa");
    assert_eq!(
        article["category"]["path"],
        json!([{"slug": "world", "name": "World"}, {"slug": "africa", "name": "Africa"}])
    );
    assert_eq!(
        article["tags"],
        json!([{"slug": "elections", "name": "Elections"}, {"slug": "libya", "name": "Libya"}])
    );
    assert_eq!(article["votes"], json!({"up": 0, "down": 0, "score": 0}));
    assert_eq!(article["cover_image_url"], "https://images.example/cover.jpg");
    let fetched = app.get_json(&location, None).await;
    assert_eq!(fetched, article, "what was stored is what was answered");
}

#[tokio::test]
async fn readers_and_anonymous_callers_cannot_write() {
    let Newsroom { app, reader, .. } = newsroom().await;
    let body = json!({"title": "Nope", "body": "No."});
    let response = app.send_json(Method::POST, "/api/v1/articles", reader.token(), &body).await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let response = app.send_json(Method::POST, "/api/v1/articles", None, &body).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let count: i64 = articles::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn invalid_articles_are_422_and_change_nothing() {
    let Newsroom { app, author, .. } = newsroom().await;
    let too_many_tags: Vec<String> = (0..21).map(|i| format!("tag {i}")).collect();
    let cases = [
        (json!({"title": "", "body": "x"}), "title"),
        (json!({"title": "t", "body": "   "}), "body"),
        (json!({"title": "t", "body": "x".repeat(200_001)}), "body"),
        (json!({"title": "t", "body": "x", "excerpt": "e".repeat(301)}), "excerpt"),
        (json!({"title": "t", "body": "x", "tags": too_many_tags}), "tags"),
        (json!({"title": "t", "body": "x", "tags": ["!!!"]}), "tags"),
        (json!({"title": "t", "body": "x", "cover_image_url": "javascript:alert(1)"}), "cover_image_url"),
        (json!({"title": "t", "body": "x", "slug": "12345"}), "slug"),
        (json!({"title": "t", "body": "x", "slug": "Not A Slug"}), "slug"),
        (json!({"title": "t", "body": "x", "category": "nowhere"}), "category"),
        (json!({"title": "a\u{0}b", "body": "x"}), "title"),
        // What the OpenAPI patterns say: slugs exactly, covers written out in full.
        (json!({"title": "t", "body": "x", "slug": " padded "}), "slug"),
        (json!({"title": "t", "body": "x", "cover_image_url": "https://images.example/a b.jpg"}), "cover_image_url"),
        (json!({"title": "t", "body": "x", "cover_image_url": "http:images.example/a.jpg"}), "cover_image_url"),
        (json!({"title": "t", "body": "x", "cover_image_url": "ht\ntp://images.example/a.jpg"}), "cover_image_url"),
    ];
    for (body, field) in cases {
        let response = app.send_json(Method::POST, "/api/v1/articles", author.token(), &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let unknown = app
        .send_json(
            Method::POST,
            "/api/v1/articles",
            author.token(),
            &json!({"title": "t", "body": "x", "votes_up": 99}),
        )
        .await;
    assert_problem(unknown, StatusCode::BAD_REQUEST, "unknown_field").await;
    let status = app
        .send_json(
            Method::POST,
            "/api/v1/articles",
            author.token(),
            &json!({"title": "t", "body": "x", "status": "live"}),
        )
        .await;
    assert_problem(status, StatusCode::BAD_REQUEST, "invalid_body").await;
    let count: i64 = articles::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn drafts_are_seen_only_by_their_author_and_editors() {
    let Newsroom { app, author, other_author, editor, reader } = newsroom().await;
    let draft = app.create_article(&author, json!({"title": "Secret draft"})).await;
    assert_eq!(draft["status"], "draft");
    assert!(draft["published_at"].is_null());
    let path = path_of(&draft);
    let by_slug = format!("/api/v1/articles/{}", draft["slug"].as_str().unwrap());

    for (who, token) in [("anonymous", None), ("a reader", reader.token()), ("another author", other_author.token())] {
        for path in [&path, &by_slug] {
            assert_problem(app.get(path, token).await, StatusCode::NOT_FOUND, "not_found").await;
        }
        let patch = app.send_json(Method::PATCH, &path, token, &json!({"title": "Mine now"})).await;
        assert!(matches!(patch.status(), StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED), "{who} cannot edit");
    }
    for token in [author.token(), editor.token()] {
        assert_eq!(app.get(&path, token).await.status(), StatusCode::OK);
    }
    assert!(app.ids("/api/v1/articles", None).await.is_empty(), "not in the public list");
    assert!(app.ids("/api/v1/articles", author.token()).await.is_empty(), "nor in the author's default list");
    let drafts = app.ids("/api/v1/articles?status=draft", author.token()).await;
    assert_eq!(drafts, vec![draft["id"].as_i64().unwrap()]);
    assert!(app.ids("/api/v1/articles?status=draft", other_author.token()).await.is_empty(), "authors list their own");
    assert_eq!(app.ids("/api/v1/articles?status=draft", editor.token()).await.len(), 1, "editors list all");
    assert_problem(app.get("/api/v1/articles?status=draft", reader.token()).await, StatusCode::FORBIDDEN, "forbidden")
        .await;
    assert_problem(app.get("/api/v1/articles?status=draft", None).await, StatusCode::UNAUTHORIZED, "unauthenticated")
        .await;
}

#[tokio::test]
async fn scheduled_articles_appear_when_their_time_comes() {
    let Newsroom { app, author, editor, reader, .. } = newsroom().await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let scheduled = app.publish(&author, "Embargoed until noon", json!({"published_at": soon})).await;
    let path = path_of(&scheduled);

    assert_problem(app.get(&path, None).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(app.get(&path, reader.token()).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.get(&path, author.token()).await.status(), StatusCode::OK);
    assert!(app.ids("/api/v1/articles", None).await.is_empty());
    assert_eq!(scheduled["status"], "scheduled", "a future date reads back as scheduled");
    let id = scheduled["id"].as_i64().unwrap();
    assert_eq!(app.ids("/api/v1/articles?status=scheduled", editor.token()).await, vec![id], "staff see it coming");
    assert!(app.ids("/api/v1/articles?status=published", editor.token()).await.is_empty(), "not published yet");

    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;

    assert_eq!(app.get(&path, None).await.status(), StatusCode::OK, "no job needed");
    assert_eq!(app.get_json(&path, None).await["status"], "published");
    assert_eq!(app.ids("/api/v1/articles", None).await, vec![id]);
    assert_eq!(app.ids("/api/v1/articles?status=published", editor.token()).await, vec![id]);
    assert!(app.ids("/api/v1/articles?status=scheduled", editor.token()).await.is_empty());
}

#[tokio::test]
async fn archived_articles_leave_the_public_view() {
    let Newsroom { app, author, .. } = newsroom().await;
    let article = app.publish(&author, "Old news", json!({})).await;
    let archived =
        app.send_json(Method::PATCH, &path_of(&article), author.token(), &json!({"status": "archived"})).await;
    assert_eq!(archived.status(), StatusCode::OK);
    assert_problem(app.get(&path_of(&article), None).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.ids("/api/v1/articles?status=archived", author.token()).await.len(), 1);
}

#[tokio::test]
async fn slugs_follow_the_rules() {
    let Newsroom { app, author, .. } = newsroom().await;
    let first = app.publish(&author, "Breaking News!", json!({})).await;
    let second = app.publish(&author, "Breaking news", json!({})).await;
    let third = app.publish(&author, "breaking -- NEWS", json!({})).await;
    assert_eq!(
        [&first["slug"], &second["slug"], &third["slug"]],
        ["breaking-news", "breaking-news-2", "breaking-news-3"]
    );

    let digits = app.publish(&author, "2026", json!({})).await;
    assert_eq!(digits["slug"], format!("article-{}", digits["id"]));
    let nothing = app.publish(&author, "!!!", json!({})).await;
    assert_eq!(nothing["slug"], format!("article-{}", nothing["id"]));

    let arabic = app.publish(&author, "الانتخابات في ليبيا", json!({})).await;
    assert_eq!(arabic["slug"], "الانتخابات-في-ليبيا");
    let encoded = "/api/v1/articles/%D8%A7%D9%84%D8%A7%D9%86%D8%AA%D8%AE%D8%A7%D8%A8%D8%A7%D8%AA-%D9%81%D9%8A-%D9%84%D9%8A%D8%A8%D9%8A%D8%A7";
    assert_eq!(app.get_json(encoded, None).await["id"], arabic["id"], "a percent-encoded Arabic slug resolves");

    let long = app.publish(&author, &"word ".repeat(40), json!({})).await;
    assert!(long["slug"].as_str().unwrap().chars().count() <= 100);

    let taken = app
        .send_json(
            Method::POST,
            "/api/v1/articles",
            author.token(),
            &json!({"title": "x", "body": "y", "slug": "breaking-news"}),
        )
        .await;
    assert_problem(taken, StatusCode::CONFLICT, "slug_taken").await;
}

#[tokio::test]
async fn a_renamed_article_keeps_its_old_slug() {
    let Newsroom { app, author, .. } = newsroom().await;
    let article = app.publish(&author, "First title", json!({})).await;

    let renamed =
        app.send_json(Method::PATCH, &path_of(&article), author.token(), &json!({"slug": "better-title"})).await;

    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(renamed.json::<Value>().await.unwrap()["slug"], "better-title");
    for slug in ["first-title", "better-title"] {
        assert_eq!(app.get_json(&format!("/api/v1/articles/{slug}"), None).await["id"], article["id"]);
    }
    let thief = app
        .send_json(
            Method::POST,
            "/api/v1/articles",
            author.token(),
            &json!({"title": "x", "body": "y", "slug": "first-title"}),
        )
        .await;
    assert_problem(thief, StatusCode::CONFLICT, "slug_taken").await;
    let auto = app.publish(&author, "First title", json!({})).await;
    assert_eq!(auto["slug"], "first-title-2", "an old slug is not given away");
    let back = app.send_json(Method::PATCH, &path_of(&article), author.token(), &json!({"slug": "first-title"})).await;
    assert_eq!(back.status(), StatusCode::OK, "an article may return to its own old slug");
}

#[tokio::test]
async fn bodies_are_sanitized() {
    let Newsroom { app, author, .. } = newsroom().await;
    let body = "Hello <script>alert('x')</script>\n\n<img src=x onerror=alert(1)> <a href=\"javascript:alert(1)\" onclick=\"steal()\">click</a>\n\n[link](javascript:alert(2)) <iframe src=https://evil.example></iframe> <b onmouseover=x>bold</b>";

    let article = app.publish(&author, "Hostile", json!({"body": body})).await;

    let html = article["body_html"].as_str().unwrap().to_lowercase();
    for forbidden in ["<script", "onerror", "onclick", "onmouseover", "javascript:", "<iframe", "steal()"] {
        assert!(!html.contains(forbidden), "{forbidden} survived: {html}");
    }
    assert!(html.contains("<b>bold</b>"), "harmless markup stays: {html}");
    assert_eq!(article["body"], body, "the source is kept as written");
}

#[tokio::test]
async fn authors_edit_their_own_and_editors_edit_all() {
    let Newsroom { app, author, other_author, editor, reader } = newsroom().await;
    let article = app.publish(&author, "Original", json!({})).await;
    let path = path_of(&article);

    let own = app.send_json(Method::PATCH, &path, author.token(), &json!({"title": "By the author"})).await;
    assert_eq!(own.status(), StatusCode::OK);
    let foreign = app.send_json(Method::PATCH, &path, other_author.token(), &json!({"title": "Hijacked"})).await;
    assert_problem(foreign, StatusCode::FORBIDDEN, "forbidden").await;
    let by_reader = app.send_json(Method::PATCH, &path, reader.token(), &json!({"title": "Hijacked"})).await;
    assert_problem(by_reader, StatusCode::FORBIDDEN, "forbidden").await;
    let delete = app.request(Method::DELETE, &path, other_author.token()).send().await.unwrap();
    assert_problem(delete, StatusCode::FORBIDDEN, "forbidden").await;
    let by_editor = app.send_json(Method::PATCH, &path, editor.token(), &json!({"title": "By the editor"})).await;
    assert_eq!(by_editor.status(), StatusCode::OK);
    assert_eq!(app.get_json(&path, None).await["title"], "By the editor");
}

#[tokio::test]
async fn a_derived_excerpt_follows_the_body_and_a_given_one_stays() {
    let Newsroom { app, author, .. } = newsroom().await;
    let derived = app.publish(&author, "Derived", json!({"body": "First words.\n\nMore."})).await;
    let given = app.publish(&author, "Given", json!({"body": "First words.", "excerpt": "A summary."})).await;

    for article in [&derived, &given] {
        let response = app
            .send_json(Method::PATCH, &path_of(article), author.token(), &json!({"body": "New opening.\n\nRest."}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    assert_eq!(app.get_json(&path_of(&derived), None).await["excerpt"], "New opening.");
    let given_now = app.get_json(&path_of(&given), None).await;
    assert_eq!(given_now["excerpt"], "A summary.");
    assert_eq!(given_now["body_html"], "<p>New opening.</p>\n<p>Rest.</p>\n");
    let reset = app.send_json(Method::PATCH, &path_of(&given), author.token(), &json!({"excerpt": null})).await;
    assert_eq!(reset.json::<Value>().await.unwrap()["excerpt"], "New opening.");
}

#[tokio::test]
async fn publishing_a_draft_dates_it() {
    let Newsroom { app, author, .. } = newsroom().await;
    let draft = app.create_article(&author, json!({"title": "Soon"})).await;
    let published =
        app.send_json(Method::PATCH, &path_of(&draft), author.token(), &json!({"status": "published"})).await;
    let body: Value = published.json().await.unwrap();
    assert_eq!(body["status"], "published");
    assert!(body["published_at"].is_string());
    assert_eq!(app.get(&path_of(&draft), None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn etags_give_304_and_guard_concurrent_edits() {
    let Newsroom { app, author, .. } = newsroom().await;
    let article = app.publish(&author, "Tagged", json!({})).await;
    let path = path_of(&article);
    let first = app.get(&path, None).await;
    assert_eq!(first.headers()["cache-control"], "public, max-age=60");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "a strong ETag: {etag}");

    let cached = app.request(Method::GET, &path, None).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(cached.headers()["etag"], etag.as_str());
    assert!(cached.text().await.unwrap().is_empty());
    let other = app.request(Method::GET, &path, None).header("if-none-match", "\"nope\"").send().await.unwrap();
    assert_eq!(other.status(), StatusCode::OK);

    let author_view = app.get(&path, author.token()).await;
    assert_eq!(author_view.headers()["cache-control"], "private, no-store");
    let author_etag = author_view.headers()["etag"].to_str().unwrap().to_owned();
    let stale = app
        .request(Method::PATCH, &path, author.token())
        .header("if-match", "\"stale\"")
        .json(&json!({"title": "Lost update"}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    assert_eq!(app.get_json(&path, None).await["title"], "Tagged", "nothing changed");
    let fresh = app
        .request(Method::PATCH, &path, author.token())
        .header("if-match", &author_etag)
        .json(&json!({"title": "Careful update"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::OK);
    let new_etag = fresh.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, author_etag);
    let again = app
        .request(Method::PATCH, &path, author.token())
        .header("if-match", &author_etag)
        .json(&json!({"title": "Second careful update"}))
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
}

#[tokio::test]
async fn deleted_articles_disappear_everywhere() {
    let Newsroom { app, author, editor, .. } = newsroom().await;
    let article = app.publish(&author, "Regrettable", json!({"tags": ["Oops"]})).await;
    let path = path_of(&article);

    let response = app.request(Method::DELETE, &path, author.token()).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for token in [None, author.token(), editor.token()] {
        assert_problem(app.get(&path, token).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert!(app.ids("/api/v1/articles", None).await.is_empty());
    assert!(app.ids("/api/v1/articles?q=regrettable", None).await.is_empty());
    let again = app.request(Method::DELETE, &path, author.token()).send().await.unwrap();
    assert_problem(again, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_cursor_walk_sees_every_item_once_while_new_ones_arrive() {
    let Newsroom { app, author, .. } = newsroom().await;
    let mut expected = Vec::new();
    for i in 0..7 {
        expected.push(app.publish(&author, &format!("Story {i}"), json!({})).await["id"].as_i64().unwrap());
    }
    expected.reverse();

    let mut seen = Vec::new();
    let mut path = "/api/v1/articles?limit=3".to_owned();
    loop {
        let response = app.get(&path, None).await;
        let link = response.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
        let body: Value = response.json().await.unwrap();
        seen.extend(body["items"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()));
        app.publish(&author, "Newer story arriving mid-walk", json!({})).await;
        match body["next_cursor"].as_str() {
            Some(_) => path = link.unwrap().trim_start_matches('<').split('>').next().unwrap().to_owned(),
            None => break,
        }
    }

    assert_eq!(seen, expected, "each original article once, newest first");
}

#[tokio::test]
async fn lists_reject_bad_limits_and_cursors() {
    let Newsroom { app, author, .. } = newsroom().await;
    app.publish(&author, "One", json!({})).await;
    app.publish(&author, "Two", json!({})).await;
    let page: Value = app.get_json("/api/v1/articles?limit=1&sort=-score", None).await;
    let score_cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let cases = [
        ("limit=0".to_owned(), "invalid_limit"),
        ("limit=101".to_owned(), "invalid_limit"),
        ("limit=18446744073709551616".to_owned(), "invalid_query"),
        ("cursor=%%%".to_owned(), "invalid_cursor"),
        ("cursor=bm90LWpzb24".to_owned(), "invalid_cursor"),
        (format!("cursor={}", "A".repeat(5000)), "invalid_cursor"),
        (format!("cursor={score_cursor}"), "invalid_cursor"),
        ("sort=random".to_owned(), "invalid_query"),
        ("sort=relevance".to_owned(), "invalid_query"),
        ("author=abc".to_owned(), "invalid_query"),
        (format!("q={}", "x".repeat(201)), "invalid_query"),
    ];
    for (query, code) in cases {
        let response = app.get(&format!("/api/v1/articles?{query}"), None).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_problem(response, StatusCode::BAD_REQUEST, code).await;
    }
    let with_sort = app.get_json(&format!("/api/v1/articles?limit=1&sort=-score&cursor={score_cursor}"), None).await;
    assert_eq!(with_sort["items"].as_array().unwrap().len(), 1, "the cursor works with its own order");
    let first = app.get_json("/api/v1/articles?limit=1", None).await;
    let empty_cursor = app.get_json("/api/v1/articles?limit=1&cursor=", None).await;
    assert_eq!(empty_cursor, first, "an empty cursor is the first page");
}

fn forged_cursor(json: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
}

#[tokio::test]
async fn forged_cursors_and_dates_outside_the_storable_years_are_refused() {
    let Newsroom { app, author, reader, .. } = newsroom().await;
    let article = app.publish(&author, "One", json!({})).await;
    let collection: Value = app
        .send_json(Method::POST, "/api/v1/collections", reader.token(), &json!({"name": "Saved"}))
        .await
        .json()
        .await
        .unwrap();
    let items = format!("/api/v1/collections/{}/articles", collection["id"]);
    let saved = app.request(Method::PUT, &format!("{items}/{}", article["id"]), reader.token()).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::CREATED);

    for at in ["-262143-01-01T00:00:00", "+262142-12-31T23:59:59", "0000-01-01T00:00:00", "10000-01-01T00:00:00"] {
        let list = forged_cursor(&json!({"k": "p", "at": at, "id": 1}));
        let response = app.get(&format!("/api/v1/articles?limit=1&cursor={list}"), None).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_cursor").await;
        let item = forged_cursor(&json!({"added_at": at, "article_id": 1}));
        let response = app.get(&format!("{items}?cursor={item}"), reader.token()).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "invalid_cursor").await;
    }
    let in_range = forged_cursor(&json!({"k": "p", "at": "9999-12-31T23:59:59", "id": 1}));
    assert_eq!(app.get(&format!("/api/v1/articles?cursor={in_range}"), None).await.status(), StatusCode::OK);

    for at in ["+10000-01-01T00:00:00Z", "0000-06-01T00:00:00Z"] {
        let body = json!({"title": "Far away", "body": "x", "published_at": at});
        let response = app.send_json(Method::POST, "/api/v1/articles", author.token(), &body).await;
        let status = response.status();
        assert!(status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST, "{at}: {status}");
        let response =
            app.send_json(Method::PATCH, &path_of(&article), author.token(), &json!({"published_at": at})).await;
        assert!(response.status().is_client_error(), "{at}: {}", response.status());
    }
}

#[tokio::test]
async fn lists_filter_by_category_with_descendants_tag_and_author() {
    let Newsroom { app, author, other_author, editor, .. } = newsroom().await;
    app.create_category(&editor, "politics", "Politics", None).await;
    app.create_category(&editor, "elections", "Elections", Some("politics")).await;
    app.create_category(&editor, "sports", "Sports", None).await;
    let parent = app.publish(&author, "Budget vote", json!({"category": "politics", "tags": ["Budget"]})).await;
    let child = app.publish(&other_author, "Polls open", json!({"category": "elections", "tags": ["Vote"]})).await;
    let elsewhere =
        app.publish(&author, "Cup final", json!({"category": "sports", "tags": ["Football", "Vote"]})).await;
    let id = |article: &Value| article["id"].as_i64().unwrap();

    assert_eq!(app.ids("/api/v1/articles?category=politics", None).await, vec![id(&child), id(&parent)]);
    assert_eq!(app.ids("/api/v1/articles?category=elections", None).await, vec![id(&child)]);
    assert!(app.ids("/api/v1/articles?category=unknown", None).await.is_empty());
    assert_eq!(app.ids("/api/v1/articles?tag=vote", None).await, vec![id(&elsewhere), id(&child)]);
    assert_eq!(app.ids(&format!("/api/v1/articles?author={}", other_author.id), None).await, vec![id(&child)]);
    assert_eq!(app.ids("/api/v1/articles?category=politics&tag=vote", None).await, vec![id(&child)]);
    assert_eq!(
        app.ids("/api/v1/articles?sort=published_at", None).await,
        vec![id(&parent), id(&child), id(&elsewhere)]
    );
}

#[tokio::test]
async fn lists_sort_by_score() {
    let Newsroom { app, author, .. } = newsroom().await;
    let mut ids = Vec::new();
    for (title, score) in [("Low", 1), ("High", 9), ("Middle", 5)] {
        let article = app.publish(&author, title, json!({})).await;
        let id = article["id"].as_i64().unwrap() as i32;
        diesel::update(article_tallies::table.find(id))
            .set(article_tallies::score.eq(score))
            .execute(&mut app.db())
            .unwrap();
        ids.push(id as i64);
    }
    let mut walked = Vec::new();
    let mut path = "/api/v1/articles?sort=-score&limit=1".to_owned();
    loop {
        let body = app.get_json(&path, None).await;
        walked.extend(body["items"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()));
        let Some(cursor) = body["next_cursor"].as_str() else { break };
        path = format!("/api/v1/articles?sort=-score&limit=1&cursor={cursor}");
    }
    assert_eq!(walked, vec![ids[1], ids[2], ids[0]]);
}

#[tokio::test]
async fn search_finds_english_and_arabic_with_or_without_diacritics() {
    let Newsroom { app, author, .. } = newsroom().await;
    let english = app
        .publish(&author, "Parliament debates the budget", json!({"body": "Lawmakers argued late into the night."}))
        .await;
    let accented = app.publish(&author, "Café culture returns", json!({"body": "Terraces reopen downtown."})).await;
    let arabic = app.publish(&author, "البرلمان يناقش الميزانية", json!({"body": "كَتَبَ الوَلَدُ الدَّرْسَ في المدرسة."})).await;
    let id = |article: &Value| article["id"].as_i64().unwrap();

    assert_eq!(app.ids("/api/v1/articles?q=budget", None).await, vec![id(&english)]);
    assert_eq!(app.ids("/api/v1/articles?q=LAWMAKERS%20night", None).await, vec![id(&english)]);
    assert_eq!(app.ids("/api/v1/articles?q=cafe", None).await, vec![id(&accented)]);
    assert_eq!(app.ids("/api/v1/articles?q=caf%C3%A9", None).await, vec![id(&accented)]);
    let plain = urlencode("الميزانية");
    assert_eq!(app.ids(&format!("/api/v1/articles?q={plain}"), None).await, vec![id(&arabic)]);
    let without_harakat = urlencode("كتب الدرس");
    assert_eq!(app.ids(&format!("/api/v1/articles?q={without_harakat}"), None).await, vec![id(&arabic)]);
    let with_harakat = urlencode("الدَّرْسَ");
    assert_eq!(app.ids(&format!("/api/v1/articles?q={with_harakat}"), None).await, vec![id(&arabic)]);
    assert!(app.ids("/api/v1/articles?q=budget%20football", None).await.is_empty(), "every word must match");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn hostile_search_strings_never_fail() {
    let Newsroom { app, author, .. } = newsroom().await;
    let article = app.publish(&author, "Quotes and stars", json!({"body": "He said \"near\" the end (maybe)."})).await;
    let hostile = [
        "\"",
        "\"\"",
        "'",
        "*",
        "near",
        "NEAR(a b)",
        "a NEAR b",
        "(",
        ")",
        "((",
        "a OR",
        "AND",
        "NOT x",
        "-",
        "^x",
        "title:x",
        "body:*",
        "{x}",
        "a\"b",
        "\\",
        "%",
        "_",
        "' OR 1=1 --",
        "\u{0}",
        "\u{202e}",
        "😀",
        "\u{200b}",
        "x*",
        "\"unbalanced",
        "near)",
        "MATCH",
        "rank",
        "):(",
        ";DROP TABLE articles;",
    ];
    for q in hostile {
        let response = app.get(&format!("/api/v1/articles?q={}", urlencode(q)), None).await;
        assert_eq!(response.status(), StatusCode::OK, "q={q:?}");
        let response = app.get(&format!("/api/v1/articles?sort=-published_at&q={}", urlencode(q)), None).await;
        assert_eq!(response.status(), StatusCode::OK, "q={q:?} with another order");
    }
    let near = app.ids(&format!("/api/v1/articles?q={}", urlencode("near (maybe")), None).await;
    assert_eq!(near, vec![article["id"].as_i64().unwrap()], "operators are searched as words");
}

#[tokio::test]
async fn relevance_ranks_better_matches_first_and_pages() {
    let Newsroom { app, author, .. } = newsroom().await;
    let weak = app.publish(&author, "Markets", json!({"body": "Oil prices rose. Shares fell."})).await;
    let strong = app.publish(&author, "Oil oil oil", json!({"body": "Oil output, oil exports and oil prices."})).await;
    let mut walked = Vec::new();
    let mut path = "/api/v1/articles?q=oil&limit=1".to_owned();
    loop {
        let body = app.get_json(&path, None).await;
        walked.extend(body["items"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()));
        let Some(cursor) = body["next_cursor"].as_str() else { break };
        path = format!("/api/v1/articles?q=oil&limit=1&cursor={cursor}");
    }
    assert_eq!(walked, vec![strong["id"].as_i64().unwrap(), weak["id"].as_i64().unwrap()]);
    let newest = app.ids("/api/v1/articles?q=oil&sort=-published_at", None).await;
    assert_eq!(newest, vec![strong["id"].as_i64().unwrap(), weak["id"].as_i64().unwrap()]);
}

#[tokio::test]
async fn related_articles_rank_shared_tags_then_category_then_recency() {
    let Newsroom { app, author, editor, .. } = newsroom().await;
    app.create_category(&editor, "politics", "Politics", None).await;
    app.create_category(&editor, "sports", "Sports", None).await;
    let subject = app.publish(&author, "Subject", json!({"category": "politics", "tags": ["A", "B", "C"]})).await;
    let two_tags = app.publish(&author, "Two shared tags", json!({"category": "sports", "tags": ["A", "B"]})).await;
    let one_tag_same_category =
        app.publish(&author, "One tag, same category", json!({"category": "politics", "tags": ["C"]})).await;
    let one_tag_other =
        app.publish(&author, "One tag, other category", json!({"category": "sports", "tags": ["A"]})).await;
    let same_category = app.publish(&author, "Same category only", json!({"category": "politics"})).await;
    let newest_unrelated = app.publish(&author, "Unrelated but newest", json!({"category": "sports"})).await;
    app.create_article(
        &author,
        json!({"title": "Draft sharing everything", "category": "politics", "tags": ["A", "B", "C"]}),
    )
    .await;
    let id = |article: &Value| article["id"].as_i64().unwrap();
    let path = format!("{}/related", path_of(&subject));

    let related = app.ids(&format!("{path}?limit=20"), None).await;

    assert_eq!(
        related,
        vec![id(&two_tags), id(&one_tag_same_category), id(&one_tag_other), id(&same_category), id(&newest_unrelated)]
    );
    assert_eq!(app.ids(&path, None).await.len(), 4, "four by default");
    assert_problem(app.get(&format!("{path}?limit=21"), None).await, StatusCode::BAD_REQUEST, "invalid_limit").await;
    assert_problem(app.get("/api/v1/articles/999999/related", None).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn article_paths_that_cannot_exist_are_404() {
    let Newsroom { app, .. } = newsroom().await;
    let long_slug = "x".repeat(5000);
    for path in [
        "/api/v1/articles/0",
        "/api/v1/articles/99999999999999999999",
        "/api/v1/articles/no-such-slug",
        &format!("/api/v1/articles/{long_slug}"),
    ] {
        assert_problem(app.get(path, None).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn anonymous_readers_see_edits_and_votes_at_once_despite_the_cache() {
    let Newsroom { app, author, reader, .. } = newsroom().await;
    let article = app.publish(&author, "Cached title", json!({})).await;
    let by_slug = format!("/api/v1/articles/{}", article["slug"].as_str().unwrap());
    for _ in 0..2 {
        assert_eq!(app.get_json(&by_slug, None).await["title"], "Cached title");
    }

    app.send_json(Method::PATCH, &path_of(&article), author.token(), &json!({"title": "Fresh title"})).await;
    assert_eq!(app.get_json(&by_slug, None).await["title"], "Fresh title", "an edit drops the cached copy");

    let path = format!("/api/v1/articles/{}/vote", article["id"]);
    app.send_json(Method::PUT, &path, reader.token(), &json!({"value": 1})).await;
    assert_eq!(app.get_json(&path_of(&article), None).await["votes"]["up"], 1, "so does a vote");

    app.request(Method::DELETE, &path_of(&article), author.token()).send().await.unwrap();
    assert_problem(app.get(&by_slug, None).await, StatusCode::NOT_FOUND, "not_found").await;
}

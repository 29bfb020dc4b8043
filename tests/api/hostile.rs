//! Hostile input: every case gets a 4xx problem (or a harmless 200), nothing is
//! half-written, and the server stays healthy.

use diesel::prelude::*;
use newsroom::schema::{articles, users};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

async fn raw_post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.request(Method::POST, path, token).header("content-type", content_type).body(body).send().await.unwrap()
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn assert_healthy(app: &TestApp) {
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn malformed_bodies_are_400_and_store_nothing() {
    let app = spawn_app().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_object = format!("{{\"email\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let mut invalid_utf8 = br#"{"email":"a@example.com","password":"correct horse battery","display_name":""#.to_vec();
    invalid_utf8.extend([0xff, 0xfe, 0xfd]);
    invalid_utf8.extend(br#""}"#);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("nested 10,000 deep", deep.into_bytes()),
        ("nested object 10,000 deep", deep_object.into_bytes()),
        ("invalid UTF-8", invalid_utf8),
        ("lone surrogate", br#"{"email":"\ud800@example.com","password":"correct horse battery","display_name":"X"}"#.to_vec()),
        ("duplicate keys", br#"{"email":"a@example.com","email":"b@example.com","password":"correct horse battery","display_name":"X"}"#.to_vec()),
        ("an array", br#"["a@example.com","correct horse battery","X"]"#.to_vec()),
        ("a string", br#""hello""#.to_vec()),
        ("truncated", br#"{"email":"a@example.com","#.to_vec()),
        ("trailing garbage", br#"{"email":"a@example.com","password":"correct horse battery","display_name":"X"} trailing"#.to_vec()),
        ("huge number", br#"{"email":1e999,"password":"x","display_name":"X"}"#.to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, body) in cases {
        let response = raw_post(&app, "/api/v1/auth/register", None, "application/json", body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{what}");
    }
    let count: i64 = users::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 0);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn wrong_content_types_are_415() {
    let app = spawn_app().await;
    let body = br#"{"email":"a@example.com","password":"correct horse battery","display_name":"X"}"#.to_vec();
    for content_type in
        ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/jsonx", "json"]
    {
        let response = raw_post(&app, "/api/v1/auth/register", None, content_type, body.clone()).await;
        assert_problem(response, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    }
    let charset = raw_post(&app, "/api/v1/auth/register", None, "application/json; charset=utf-8", body.clone()).await;
    assert_eq!(charset.status(), StatusCode::CREATED, "parameters on the JSON type are fine");
    let vendor = raw_post(
        &app,
        "/api/v1/auth/login",
        None,
        "application/vnd.api+json",
        br#"{"email":"a@example.com","password":"correct horse battery"}"#.to_vec(),
    )
    .await;
    assert_eq!(vendor.status(), StatusCode::OK, "+json types are JSON");
}

#[tokio::test]
async fn nul_bytes_and_strange_unicode_in_fields_are_handled() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let nul = app
        .send_json(Method::POST, "/api/v1/articles", editor.token(), &json!({"title": "a\u{0}b", "body": "x"}))
        .await;
    assert_problem(nul, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let strange = "\u{202e}evil\u{200b}\u{feff} Ω 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩‍👩‍👧 e\u{301}";
    let created = app
        .send_json(Method::POST, "/api/v1/articles", editor.token(), &json!({"title": strange, "body": strange}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let article: Value = created.json().await.unwrap();
    assert_eq!(article["title"], strange.trim(), "stored as given");
    let fetched =
        app.get(&format!("/api/v1/articles/{}", encode(article["slug"].as_str().unwrap())), editor.token()).await;
    assert_eq!(fetched.status(), StatusCode::OK, "its slug resolves");
    for path in
        ["/api/v1/articles/a%00b", "/api/v1/categories/%00", "/api/v1/pages/%F0%9F%92%A9", "/api/v1/articles/%C0%AF"]
    {
        let response = app.get(path, None).await;
        assert!(response.status().is_client_error(), "{path}: {}", response.status());
    }
    assert_healthy(&app).await;
}

#[tokio::test]
async fn huge_numbers_for_ids_and_limits_are_4xx() {
    let app = spawn_app().await;
    let reader = app.register_user().await;
    for path in [
        "/api/v1/users/99999999999999999999999",
        "/api/v1/users/-99999999999999999999999",
        "/api/v1/collections/2147483648",
        "/api/v1/articles/2147483648",
        "/api/v1/articles?limit=99999999999999999999",
        "/api/v1/articles?limit=-1",
        "/api/v1/articles?author=99999999999999999999",
        "/api/v1/articles/1/related?limit=4294967296",
        "/api/v1/tags?limit=1e9",
    ] {
        let response = app.get(path, reader.token()).await;
        assert!(response.status().is_client_error(), "{path}: {}", response.status());
        assert_eq!(response.headers()["content-type"], "application/problem+json", "{path}");
    }
}

#[tokio::test]
async fn sql_and_fts_metacharacters_in_every_string_parameter_are_harmless() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;
    let article = app.publish(&admin, "Survivor", json!({"tags": ["Safe"]})).await;
    let hostile = [
        "' OR '1'='1",
        "\"; DROP TABLE articles; --",
        "%",
        "_",
        "\\",
        "*",
        "NEAR(a b)",
        "a OR b",
        "(",
        "\")",
        "title:x",
        "^",
        "{",
        "'||(SELECT 1)||'",
        "\u{0}",
        // A NUL inside a term once ended FTS5's reading of the query mid-quote.
        "ab\u{0}cd",
        "A\u{0}",
        "a\u{1f}b",
        "..%2F..%2F",
        "<script>",
    ];
    for text in hostile {
        let q = encode(text);
        for path in [
            format!("/api/v1/articles?q={q}"),
            format!("/api/v1/articles?category={q}"),
            format!("/api/v1/articles?tag={q}"),
            format!("/api/v1/articles?cursor={q}"),
            format!("/api/v1/tags?q={q}"),
            format!("/api/v1/tags?cursor={q}"),
            format!("/api/v1/admin/users?q={q}"),
            format!("/api/v1/collections?article={q}"),
            format!("/api/v1/articles/{q}"),
            format!("/api/v1/categories/{q}"),
            format!("/api/v1/pages/{q}"),
        ] {
            for token in [admin.token(), None] {
                let response = app.get(&path, token).await;
                assert!(response.status().as_u16() < 500, "{path}: {}", response.status());
            }
        }
        let login = app.login(text, text).await;
        assert!(login.status().is_client_error(), "login with {text:?}");
    }
    let count: i64 = articles::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(count, 1);
    assert_eq!(app.get_json(&format!("/api/v1/articles/{}", article["id"]), None).await["title"], "Survivor");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn crlf_never_reaches_response_headers() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    for i in 0..2 {
        app.publish(&editor, &format!("Story {i}"), json!({})).await;
    }

    let response = app.get("/api/v1/articles?limit=1&tag=%0D%0ASet-Cookie:%20evil=1&q=", None).await;

    assert!(response.headers().get("set-cookie").is_none());
    let all_headers: Vec<String> =
        response.headers().iter().map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or(""))).collect();
    assert!(all_headers.iter().all(|h| !h.contains('\r') && !h.contains('\n')), "{all_headers:?}");
    let linked = app.get("/api/v1/articles?limit=1&x=%0D%0AInjected:%201", None).await;
    let link = linked.headers()["link"].to_str().unwrap().to_owned();
    assert!(link.contains("%0D%0A") && !link.contains('\n'), "re-encoded: {link}");
    assert!(linked.headers().get("injected").is_none());
    let created = app
        .send_json(
            Method::POST,
            "/api/v1/articles",
            editor.token(),
            &json!({"title": "Line\r\nLocation: https://evil.example", "body": "x"}),
        )
        .await;
    assert_problem(created, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let ok = app
        .send_json(
            Method::POST,
            "/api/v1/articles",
            editor.token(),
            &json!({"title": "Header\u{2028}Break", "body": "x"}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    let location = ok.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/api/v1/articles/") && location.chars().all(|c| !c.is_control()), "{location}");
}

#[tokio::test]
async fn oversized_strings_are_rejected_without_storing() {
    let app = spawn_app().await;
    let reader = app.register_user().await;
    let huge_name = "n".repeat(5000);
    let collection =
        app.send_json(Method::POST, "/api/v1/collections", reader.token(), &json!({"name": huge_name})).await;
    assert_problem(collection, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let profile =
        app.send_json(Method::PATCH, "/api/v1/users/me", reader.token(), &json!({"bio": "b".repeat(100_000)})).await;
    assert_problem(profile, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let long_token = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": "t".repeat(500_000)})).await;
    assert_problem(long_token, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let bio: Option<String> = users::table.select(users::bio).first(&mut app.db()).unwrap();
    assert_eq!(bio, None);
}

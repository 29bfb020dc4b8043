//! The error envelope and the HTTP plumbing every response shares.

use diesel::connection::SimpleConnection;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = spawn_app().await;
    for path in ["/nope", "/api/v1", "/api/v1/users/1/extra", "/api/v2/users/me"] {
        assert_problem(app.get(path, None).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn wrong_methods_are_405_with_allow() {
    let app = spawn_app().await;
    let cases = [
        (Method::GET, "/api/v1/auth/login", "POST"),
        (Method::DELETE, "/api/v1/users/1", "GET, HEAD"),
        (Method::POST, "/api/v1/users/me", "GET, HEAD, PATCH, DELETE"),
        (Method::PUT, "/healthz", "GET, HEAD"),
    ];
    for (method, path, allow) in cases {
        let response = app.request(method.clone(), path, None).send().await.unwrap();
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
}

#[tokio::test]
async fn head_answers_as_get_does_without_the_body() {
    let app = spawn_app().await;
    for path in
        ["/api/v1/articles", "/api/v1/categories", "/feeds/rss.xml", "/sitemap.xml", "/healthz", "/openapi.json"]
    {
        let get = app.get(path, None).await;
        let head = app.request(Method::HEAD, path, None).send().await.unwrap();

        assert_eq!(head.status(), StatusCode::OK, "{path}");
        for name in ["content-type", "content-length", "etag", "cache-control", "link"] {
            assert_eq!(head.headers().get(name), get.headers().get(name), "{name} of {path}");
        }
        assert!(head.bytes().await.unwrap().is_empty(), "{path}");
    }
    let missing = app.request(Method::HEAD, "/api/v1/articles/no-such-article", None).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let post_only = app.request(Method::HEAD, "/api/v1/auth/login", None).send().await.unwrap();
    assert_eq!(post_only.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post_only.headers()["allow"], "POST");
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413() {
    let app = spawn_app().await;
    let huge = json!({"email": "a@example.com", "password": "x".repeat(1024 * 1024), "display_name": "A"});
    assert_problem(
        app.post_json("/api/v1/auth/register", &huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
}

#[tokio::test]
async fn non_json_bodies_are_415_and_malformed_json_is_400() {
    let app = spawn_app().await;
    let form = app
        .request(Method::POST, "/api/v1/auth/login", None)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=a&password=b")
        .send()
        .await
        .unwrap();
    assert_problem(form, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    let no_type = app.request(Method::POST, "/api/v1/auth/login", None).body("{}").send().await.unwrap();
    assert_problem(no_type, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    for body in ["{", "", "[1,2]", "{\"email\": \"a\", \"email\": \"b\", \"password\": \"x\"}", "\"\\ud800\""] {
        let response = app
            .request(Method::POST, "/api/v1/auth/login", None)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body:?}");
    }
}

#[tokio::test]
async fn request_ids_are_echoed_when_plain_and_generated_otherwise() {
    let app = spawn_app().await;
    let echoed = app.request(Method::GET, "/healthz", None).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "abc-123");
    let replaced =
        app.request(Method::GET, "/nope", None).header("x-request-id", "has spaces\tand tabs").send().await.unwrap();
    let generated = replaced.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    let body = assert_problem(replaced, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(body["request_id"], generated);
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = spawn_app().await;
    for path in ["/healthz", "/nope", "/openapi.json"] {
        let response = app.get(path, None).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert!(headers.get("server").is_none(), "no server banner on {path}");
    }
}

#[tokio::test]
async fn cors_headers_are_on_errors_too_and_expose_ours() {
    let app = spawn_app().await;
    let response = app
        .request(Method::GET, "/api/v1/users/me", None)
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let exposed = response.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase();
    for header in ["etag", "link", "location", "retry-after", "x-request-id", "ratelimit"] {
        assert!(exposed.split(", ").any(|h| h == header), "{header} in {exposed}");
    }
    let preflight = app
        .request(Method::OPTIONS, "/api/v1/users/me", None)
        .header("origin", "https://app.example")
        .header("access-control-request-method", "PATCH")
        .header("access-control-request-headers", "authorization, content-type, if-match")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::OK);
    assert!(preflight.headers()["access-control-allow-methods"].to_str().unwrap().contains("PATCH"));
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let app = spawn_app_with(&[("--cors-origins", "https://app.example, https://admin.example")]).await;
    let allowed =
        app.request(Method::GET, "/healthz", None).header("origin", "https://admin.example").send().await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://admin.example");
    let other =
        app.request(Method::GET, "/healthz", None).header("origin", "https://evil.example").send().await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn an_internal_failure_is_a_500_that_reveals_nothing() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    app.db().batch_execute("DROP TABLE password_resets").unwrap();

    let response = app.post_json("/api/v1/auth/password/reset/verify", &json!({"token": "anything"})).await;

    let body = assert_problem(response, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
    assert!(body.get("detail").is_none(), "no internals in {body}");
    assert!(!body.to_string().contains("password_resets"));
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK, "the server stays up");
    let still_served: Value = app.get("/api/v1/users/me", user.token()).await.json().await.unwrap();
    assert_eq!(still_served["id"], user.id);
}

#[tokio::test]
async fn public_answers_vary_by_authorization_and_by_origin() {
    let app = spawn_app_with(&[("--cors-origins", "https://app.example")]).await;
    let editor = app.user_with_role("editor").await;
    let article = app.publish(&editor, "Cached", json!({"tags": ["cached"]})).await;
    app.create_category(&editor, "world", "World", None).await;
    let page = json!({"title": "Privacy", "body": "Little."});
    app.send_json(Method::PUT, "/api/v1/pages/privacy", editor.token(), &page).await;
    let slug = article["slug"].as_str().unwrap();
    let paths = [
        format!("/api/v1/articles/{slug}"),
        format!("/api/v1/articles/{slug}"),
        format!("/api/v1/articles/{slug}/related"),
        "/api/v1/articles".to_owned(),
        "/api/v1/articles".to_owned(),
        "/api/v1/categories".to_owned(),
        "/api/v1/categories/world".to_owned(),
        "/api/v1/tags".to_owned(),
        "/api/v1/pages/privacy".to_owned(),
        format!("/api/v1/users/{}", editor.id),
    ];
    for path in paths {
        let response =
            app.request(Method::GET, &path, None).header("origin", "https://app.example").send().await.unwrap();
        assert_eq!(response.headers()["cache-control"], "public, max-age=60", "{path}");
        let vary: Vec<String> = response
            .headers()
            .get_all("vary")
            .iter()
            .flat_map(|value| value.to_str().unwrap().split(',').map(|h| h.trim().to_lowercase()).collect::<Vec<_>>())
            .collect();
        assert!(vary.contains(&"authorization".to_owned()), "{path}: {vary:?}");
        assert!(vary.contains(&"origin".to_owned()), "{path}: {vary:?}");
    }
}

#[tokio::test]
async fn a_rejected_preflight_is_a_problem_with_cors_headers() {
    let app = spawn_app_with(&[("--cors-origins", "https://app.example")]).await;
    let preflight = |origin: &'static str, method: &'static str| {
        app.request(Method::OPTIONS, "/api/v1/users/me", None)
            .header("origin", origin)
            .header("access-control-request-method", method)
            .send()
    };

    let wrong_method = preflight("https://app.example", "TRACE").await.unwrap();

    assert_eq!(wrong_method.headers()["access-control-allow-origin"], "https://app.example");
    assert!(wrong_method.headers()["vary"].to_str().unwrap().contains("Origin"));
    let body = assert_problem(wrong_method, StatusCode::BAD_REQUEST, "cors_rejected").await;
    assert!(body["detail"].as_str().unwrap().contains("method"), "{body}");

    let wrong_origin = preflight("https://evil.example", "GET").await.unwrap();

    assert!(wrong_origin.headers().get("access-control-allow-origin").is_none(), "no grant for a foreign origin");
    assert!(wrong_origin.headers()["vary"].to_str().unwrap().contains("Origin"));
    assert_problem(wrong_origin, StatusCode::BAD_REQUEST, "cors_rejected").await;
}

//! Bodies that nest deeply cost the server time in proportion to their
//! length, never more: a reader's is refused before anything is rendered,
//! an author's is stored (Markdown, its nesting capped) or refused (raw HTML
//! nested too deeply) at once, and `/healthz` answers throughout.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app};

/// The review's body: 199,998 nested block quotes, 200 KB.
fn nested_quotes() -> String {
    format!("{} x", ">".repeat(199_998))
}

/// Raw HTML nested 40,000 deep.
fn nested_divs() -> String {
    "<div>".repeat(40_000)
}

/// Sends a JSON body and times the answer; a stall fails the test instead of
/// hanging it.
async fn timed(
    app: &TestApp,
    method: Method,
    path: &str,
    user: &TestUser,
    body: &Value,
) -> (StatusCode, Value, Duration) {
    let started = Instant::now();
    let response = app
        .request(method, path, user.token())
        .json(body)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .expect("an answer within a minute");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, started.elapsed())
}

#[tokio::test]
async fn a_reader_s_nested_body_is_refused_before_it_is_rendered() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let reader = app.register_user().await;
    let article = app.publish(&author, "Calm news", json!({"body": "Calm words."})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);

    let (status, body, took) = timed(&app, Method::PATCH, &path, &reader, &json!({"body": nested_quotes()})).await;

    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(took < Duration::from_secs(1), "refused after {took:?}");
    assert_eq!(app.get_json(&path, None).await["body"], "Calm words.", "nothing changed");
}

#[tokio::test]
async fn an_author_s_nested_markdown_is_stored_with_its_nesting_capped() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;

    let create = json!({"title": "Quotes all the way down", "body": nested_quotes(), "status": "published"});
    let (status, created, took) = timed(&app, Method::POST, "/api/v1/articles", &author, &create).await;

    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(took < Duration::from_secs(5), "stored after {took:?}");
    let html = created["body_html"].as_str().unwrap();
    assert_eq!(html.matches("<blockquote>").count(), 32, "nesting capped at 32");
    assert!(html.contains('x'), "the text is kept: {html}");
    assert_eq!(created["body"].as_str().unwrap().len(), 200_000, "the Markdown is kept as written");

    let path = format!("/api/v1/articles/{}", created["id"]);
    let (status, updated, took) = timed(&app, Method::PATCH, &path, &author, &json!({"body": nested_quotes()})).await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert!(took < Duration::from_secs(5), "updated after {took:?}");
}

#[tokio::test]
async fn raw_html_nested_too_deeply_is_a_422_that_stores_nothing() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let editor = app.user_with_role("editor").await;
    let article = app.publish(&author, "Calm news", json!({"body": "Calm words."})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let reopened: String = (0..10_000).map(|i| format!("<p><b id={i}></p>")).collect();

    for body in [nested_divs(), reopened] {
        let create = json!({"title": "Deep HTML", "body": body});
        let started = Instant::now();
        let response = app.send_json(Method::POST, "/api/v1/articles", author.token(), &create).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(started.elapsed() < Duration::from_secs(5), "refused after {:?}", started.elapsed());
        assert_eq!(problem["errors"][0]["field"], "body", "{problem}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("100"), "{problem}");

        let response = app.send_json(Method::PATCH, &path, author.token(), &json!({"body": body})).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

        let page = json!({"title": "Deep page", "body": body});
        let response = app.send_json(Method::PUT, "/api/v1/pages/deep", editor.token(), &page).await;
        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    }
    assert_eq!(app.ids("/api/v1/articles", None).await, vec![article["id"].as_i64().unwrap()], "nothing stored");
    assert_eq!(app.get_json(&path, None).await["body"], "Calm words.");
    assert_eq!(app.get("/api/v1/pages/deep", None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn healthz_answers_while_eight_nested_bodies_are_written() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let editor = app.user_with_role("editor").await;

    let writes: Vec<_> = (0..8)
        .map(|n| {
            let (app_url, client) = (app.url(""), app.client.clone());
            let (token, editor_token) = (author.access_token.clone(), editor.access_token.clone());
            tokio::spawn(async move {
                let request = if n % 2 == 0 {
                    client
                        .post(format!("{app_url}/api/v1/articles"))
                        .bearer_auth(token)
                        .json(&json!({"title": format!("Deep {n}"), "body": nested_quotes()}))
                } else {
                    client
                        .put(format!("{app_url}/api/v1/pages/deep-{n}"))
                        .bearer_auth(editor_token)
                        .json(&json!({"title": "Deep", "body": nested_quotes()}))
                };
                request.timeout(Duration::from_secs(60)).send().await.expect("an answer").status()
            })
        })
        .collect();
    let mut slowest = Duration::ZERO;
    while !writes.iter().all(tokio::task::JoinHandle::is_finished) {
        let started = Instant::now();
        assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for write in writes {
        assert!(write.await.unwrap().is_success());
    }
    assert!(slowest < Duration::from_millis(500), "/healthz took {slowest:?} while bodies rendered");
}

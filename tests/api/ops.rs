//! Health, readiness, metrics and the documentation endpoints.

use diesel::prelude::*;
use newsroom::schema::job_runs;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer_ok() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_report_the_pool() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    app.get(&format!("/api/v1/users/{}", user.id), None).await;
    app.get("/no/such/page", None).await;

    let response = app.get("/metrics", None).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    let has_line = |prefix: &str| text.lines().any(|line| line.starts_with(prefix));
    assert!(
        has_line(r#"newsroom_http_requests_total{endpoint="/api/v1/users/{id}",method="GET",status="200"} 1"#),
        "{text}"
    );
    assert!(has_line(r#"newsroom_http_requests_total{endpoint="UNMATCHED",method="GET",status="404"} 1"#), "{text}");
    assert!(has_line("newsroom_http_requests_duration_seconds_bucket{"), "a latency histogram");
    assert!(has_line("newsroom_db_pool_max_connections 8"));
    assert!(has_line("newsroom_db_pool_connections "));
    assert!(has_line("newsroom_db_pool_idle_connections "));
    // On PostgreSQL, once the listener has heard its first round trip.
    let start = std::time::Instant::now();
    while !app.get("/metrics", None).await.text().await.unwrap().contains("\nnewsroom_memory_believed 1\n") {
        assert!(start.elapsed() < std::time::Duration::from_secs(3), "the instance believes what it remembers");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let bare = client.get(app.url("/docs")).send().await.unwrap();
    assert!(bare.status().is_redirection());
    assert_eq!(bare.headers()["location"], "/docs/");
    let index = app.get("/docs/", None).await;
    assert_eq!(index.status(), StatusCode::OK);
    let html = index.text().await.unwrap();
    assert!(html.contains("swagger-ui"));
    assert!(!html.contains("cdn") && !html.contains("unpkg"), "no CDN");
    let initializer = app.get("/docs/swagger-initializer.js", None).await.text().await.unwrap();
    assert!(initializer.contains("/openapi.json"));
    assert_eq!(app.get("/docs/swagger-ui-bundle.js", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_periodic_job_runs_once_per_interval_for_all_instances_of_a_site() {
    let app = spawn_app().await;
    let (mut one, mut other) = (app.db(), app.db());
    let every = std::time::Duration::from_secs(60);

    assert!(newsroom::jobs::claim_turn(&mut one, "a new job", every).unwrap());
    assert!(!newsroom::jobs::claim_turn(&mut other, "a new job", every).unwrap(), "the turn is taken");
    assert!(newsroom::jobs::claim_turn(&mut other, "a new job", std::time::Duration::ZERO).unwrap());
    let mut started: Vec<String> = Vec::new();
    for _ in 0..100 {
        started = job_runs::table.select(job_runs::name).order(job_runs::name).load(&mut one).unwrap();
        if started.len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(started, ["a new job", "hot_ranks", "housekeeping"], "the app's own timers took their turns");
}

//! Webhooks as a third party meets them: each event arrives at a real
//! receiver, which verifies its signature with the Standard Webhooks
//! reference library; failed deliveries are retried with the same
//! `webhook-id`; an endpoint that is down gets what it missed; targets on
//! private addresses are refused.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app, spawn_app_with};
use crate::receivers::WebhookReceiver;

const EVERY_EVENT: [&str; 10] = [
    "article.published",
    "article.updated",
    "article.unpublished",
    "article.deleted",
    "page.published",
    "page.updated",
    "page.deleted",
    "category.created",
    "category.updated",
    "category.deleted",
];

/// Long enough for any delivery the tests wait for, retries included.
const PATIENCE: Duration = Duration::from_secs(30);

/// An app that may deliver to this machine's loopback and retries within
/// milliseconds rather than seconds.
pub async fn app_delivering_locally() -> TestApp {
    spawn_app_with(&[("--webhook-allow-private", "true"), ("--delivery-first-retry-ms", "10")]).await
}

/// Registers `receiver` for `events` and gives it the secret to verify with.
pub async fn subscribe(app: &TestApp, admin: &TestUser, receiver: &WebhookReceiver, events: &[&str]) -> Value {
    let body = json!({"url": receiver.url(), "events": events, "description": "test receiver"});
    let response = app.send_json(Method::POST, "/api/v1/admin/webhooks", admin.token(), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/admin/webhooks/{}", created["id"]));
    receiver.trust(created["secret"].as_str().unwrap());
    created
}

fn types(received: &[Value]) -> Vec<String> {
    received.iter().map(|record| record["body"]["type"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn deliveries(app: &TestApp, admin: &TestUser, webhook: &Value) -> Vec<Value> {
    let path = format!("/api/v1/admin/webhooks/{}/deliveries", webhook["id"]);
    app.get_json(&path, admin.token()).await["items"].as_array().unwrap().clone()
}

/// The delivery log once nothing in it is pending: the receiver records a
/// delivery before its answer reaches the server, which records it after.
async fn settled_deliveries(app: &TestApp, admin: &TestUser, webhook: &Value) -> Vec<Value> {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let log = deliveries(app, admin, webhook).await;
        if log.iter().all(|delivery| delivery["status"] != "pending") || std::time::Instant::now() > deadline {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn every_event_type_arrives_signed_and_verifies() {
    let app = app_delivering_locally().await;
    let admin = app.user_with_role("admin").await;
    let receiver = WebhookReceiver::started();
    let webhook = subscribe(&app, &admin, &receiver, &EVERY_EVENT).await;
    let token = admin.token();

    app.create_category(&admin, "world", "World", None).await;
    let renamed = app.send_json(Method::PATCH, "/api/v1/categories/world", token, &json!({"name": "The World"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let article = app.publish(&admin, "Breaking", json!({"category": "world"})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    for change in [json!({"title": "Breaking, updated"}), json!({"status": "draft"}), json!({"status": "published"})] {
        assert_eq!(app.send_json(Method::PATCH, &path, token, &change).await.status(), StatusCode::OK);
    }
    assert_eq!(app.request(Method::DELETE, &path, token).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    let page = json!({"title": "Privacy", "body": "We keep little."});
    assert_eq!(app.send_json(Method::PUT, "/api/v1/pages/privacy", token, &page).await.status(), StatusCode::CREATED);
    let page = json!({"title": "Privacy", "body": "We keep less."});
    assert_eq!(app.send_json(Method::PUT, "/api/v1/pages/privacy", token, &page).await.status(), StatusCode::OK);
    let gone = app.request(Method::DELETE, "/api/v1/pages/privacy", token).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let gone = app.request(Method::DELETE, "/api/v1/categories/world", token).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);

    receiver.wait_until(PATIENCE, |received| received.len() >= 11).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let received = receiver.received();
    let expected = [
        "category.created",
        "category.updated",
        "article.published",
        "article.updated",
        "article.unpublished",
        "article.published",
        "article.deleted",
        "page.published",
        "page.updated",
        "page.deleted",
        "category.deleted",
    ];
    let mut arrived = types(&received);
    arrived.sort();
    let mut wanted: Vec<String> = expected.iter().map(|kind| (*kind).to_owned()).collect();
    wanted.sort();
    assert_eq!(arrived, wanted, "each change announced once: {received:#?}");
    assert!(received.iter().all(|record| record["verified"] == true), "every signature verifies: {received:#?}");
    let ids: HashSet<&str> = received.iter().map(|record| record["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), received.len(), "one webhook-id per message");

    let published = received.iter().find(|record| record["body"]["type"] == "article.published").unwrap();
    assert_eq!(published["body"]["data"]["id"], article["id"]);
    assert_eq!(published["body"]["data"]["title"], "Breaking");
    assert_eq!(published["body"]["data"]["category"]["slug"], "world");
    assert!(published["body"]["timestamp"].as_str().unwrap().ends_with('Z'));
    let deleted = received.iter().find(|record| record["body"]["type"] == "article.deleted").unwrap();
    assert_eq!(deleted["body"]["data"], json!({"id": article["id"], "slug": article["slug"]}));
    let page_deleted = received.iter().find(|record| record["body"]["type"] == "page.deleted").unwrap();
    assert_eq!(page_deleted["body"]["data"]["slug"], "privacy");

    let log = settled_deliveries(&app, &admin, &webhook).await;
    assert_eq!(log.len(), received.len());
    assert!(log.iter().all(|delivery| delivery["status"] == "delivered" && delivery["last_status_code"] == 200));
}

#[tokio::test]
async fn drafts_and_unsubscribed_events_are_not_sent() {
    let app = app_delivering_locally().await;
    let admin = app.user_with_role("admin").await;
    let receiver = WebhookReceiver::started();
    subscribe(&app, &admin, &receiver, &["article.published"]).await;

    let draft = app.create_article(&admin, json!({"title": "Not yet"})).await;
    app.create_category(&admin, "sport", "Sport", None).await;
    let path = format!("/api/v1/articles/{}", draft["id"]);
    let edit = app.send_json(Method::PATCH, &path, admin.token(), &json!({"title": "Still not"})).await;
    assert_eq!(edit.status(), StatusCode::OK);
    let public = app.publish(&admin, "Out now", json!({})).await;

    receiver.wait_until(PATIENCE, |received| !received.is_empty()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let received = receiver.received();
    assert_eq!(types(&received), ["article.published"], "{received:#?}");
    assert_eq!(received[0]["body"]["data"]["id"], public["id"]);
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_a_third_time_with_the_same_id() {
    let app = app_delivering_locally().await;
    let admin = app.user_with_role("admin").await;
    let receiver = WebhookReceiver::started();
    let webhook = subscribe(&app, &admin, &receiver, &["article.published"]).await;
    receiver.fail_next(2);

    let article = app.publish(&admin, "Third time lucky", json!({})).await;

    let received = receiver.wait_until(PATIENCE, |received| received.len() >= 3).await;
    let answered: Vec<&Value> = received.iter().map(|record| &record["answered"]).collect();
    assert_eq!(answered, [500, 500, 200]);
    assert!(received.iter().all(|record| record["id"] == received[0]["id"]), "one webhook-id for every attempt");
    assert!(received.iter().all(|record| record["verified"] == true));
    assert!(received.iter().all(|record| record["body"]["data"]["id"] == article["id"]));
    let log = settled_deliveries(&app, &admin, &webhook).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["message_id"], received[0]["id"]);
    let refreshed = app.get_json(&format!("/api/v1/admin/webhooks/{}", webhook["id"]), admin.token()).await;
    assert_eq!(refreshed["failing_since"], Value::Null, "a delivery ends the failing run");
}

#[tokio::test]
async fn an_event_published_while_the_receiver_is_down_arrives_once_it_is_up() {
    let app = app_delivering_locally().await;
    let admin = app.user_with_role("admin").await;
    let mut receiver = WebhookReceiver::down();
    let webhook = subscribe(&app, &admin, &receiver, &["article.published"]).await;

    let article = app.publish(&admin, "Nobody listening", json!({})).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let log = deliveries(&app, &admin, &webhook).await;
    assert_eq!(log[0]["status"], "pending");
    assert!(log[0]["attempts"].as_i64().unwrap() >= 1);
    assert_ne!(log[0]["last_error"], Value::Null);
    let failing = app.get_json(&format!("/api/v1/admin/webhooks/{}", webhook["id"]), admin.token()).await;
    assert_ne!(failing["failing_since"], Value::Null);

    receiver.start();

    let received = receiver.wait_until(PATIENCE, |received| !received.is_empty()).await;
    assert_eq!(types(&received), ["article.published"]);
    assert_eq!(received[0]["body"]["data"]["id"], article["id"]);
    assert_eq!(received[0]["verified"], true);
    let log = settled_deliveries(&app, &admin, &webhook).await;
    assert_eq!(log[0]["status"], "delivered");
}

#[tokio::test]
async fn a_scheduled_article_is_announced_once_when_its_time_comes() {
    let app = app_delivering_locally().await;
    let admin = app.user_with_role("admin").await;
    let receiver = WebhookReceiver::started();
    subscribe(&app, &admin, &receiver, &["article.published"]).await;
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();

    let article =
        app.create_article(&admin, json!({"title": "At noon", "status": "scheduled", "published_at": soon})).await;
    assert_eq!(article["status"], "scheduled");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(receiver.received().is_empty(), "nothing is announced before its time");

    let received = receiver.wait_until(PATIENCE, |received| !received.is_empty()).await;
    assert_eq!(types(&received), ["article.published"]);
    assert_eq!(received[0]["body"]["data"]["id"], article["id"]);
    assert_eq!(received[0]["body"]["data"]["status"], "published");
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(receiver.received().len(), 1, "announced once");
}

#[tokio::test]
async fn a_ping_reaches_only_its_endpoint() {
    let app = app_delivering_locally().await;
    let admin = app.user_with_role("admin").await;
    let (pinged, other) = (WebhookReceiver::started(), WebhookReceiver::started());
    let webhook = subscribe(&app, &admin, &pinged, &["article.published"]).await;
    subscribe(&app, &admin, &other, &["article.published"]).await;

    let path = format!("/api/v1/admin/webhooks/{}/ping", webhook["id"]);
    let response = app.request(Method::POST, &path, admin.token()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);

    let received = pinged.wait_until(PATIENCE, |received| !received.is_empty()).await;
    assert_eq!(types(&received), ["ping"]);
    assert_eq!(received[0]["verified"], true);
    assert_eq!(received[0]["body"]["data"]["webhook_id"], webhook["id"]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(other.received().is_empty());

    let off = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/admin/webhooks/{}", webhook["id"]),
            admin.token(),
            &json!({"enabled": false}),
        )
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    let refused = app.request(Method::POST, &path, admin.token()).send().await.unwrap();
    assert_problem(refused, StatusCode::CONFLICT, "webhook_disabled").await;
}

#[tokio::test]
async fn targets_on_private_addresses_are_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;

    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.7/hook",
        "http://192.168.1.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0x7f000001/hook",
        "http://0.0.0.0/hook",
        "ftp://example.com/hook",
        "https://user:pass@example.com/hook",
        "not a url",
    ] {
        let body = json!({"url": url, "events": ["article.published"]});
        let response = app.send_json(Method::POST, "/api/v1/admin/webhooks", admin.token(), &body).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
    }
    let none = json!({"url": "https://example.com/hook", "events": []});
    let response = app.send_json(Method::POST, "/api/v1/admin/webhooks", admin.token(), &none).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let unknown = json!({"url": "https://example.com/hook", "events": ["article.exploded"]});
    let response = app.send_json(Method::POST, "/api/v1/admin/webhooks", admin.token(), &unknown).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    assert_eq!(app.get_json("/api/v1/admin/webhooks", admin.token()).await["items"], json!([]));
}

#[tokio::test]
async fn only_admins_manage_webhooks_and_the_secret_is_shown_once() {
    let app = app_delivering_locally().await;
    let admin = app.user_with_role("admin").await;
    let editor = app.user_with_role("editor").await;
    let receiver = WebhookReceiver::down();
    let created = subscribe(&app, &admin, &receiver, &["article.published"]).await;
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let path = format!("/api/v1/admin/webhooks/{}", created["id"]);

    let body = json!({"url": receiver.url(), "events": ["article.published"]});
    let denied = app.send_json(Method::POST, "/api/v1/admin/webhooks", editor.token(), &body).await;
    assert_problem(denied, StatusCode::FORBIDDEN, "forbidden").await;
    assert_problem(app.get(&path, editor.token()).await, StatusCode::FORBIDDEN, "forbidden").await;
    assert_problem(app.get(&path, None).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let deleting = app.request(Method::DELETE, &path, editor.token()).send().await.unwrap();
    assert_problem(deleting, StatusCode::FORBIDDEN, "forbidden").await;

    let shown = app.get_json(&path, admin.token()).await;
    assert_eq!(shown.get("secret"), None, "the secret is not shown again");
    assert_eq!(shown["events"], json!(["article.published"]));
    let listed = app.get_json("/api/v1/admin/webhooks", admin.token()).await;
    assert!(listed["items"].as_array().unwrap().iter().all(|webhook| webhook.get("secret").is_none()));

    let deleted = app.request(Method::DELETE, &path, admin.token()).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_problem(app.get(&path, admin.token()).await, StatusCode::NOT_FOUND, "not_found").await;
}

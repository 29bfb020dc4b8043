//! Forgot → mail → verify → reset, and the rate limits around it.

use diesel::prelude::*;
use newsroom::schema::password_resets;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{PASSWORD, TestApp, assert_problem, spawn_app, spawn_app_with};

const NEW_PASSWORD: &str = "a brand new passphrase";

pub(crate) async fn forgot(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/password/forgot", &json!({"email": email})).await
}

async fn verify(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/password/reset/verify", &json!({"token": token})).await
}

pub(crate) async fn reset(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/password/reset", &json!({"token": token, "password": password})).await
}

/// Undoes the quoted-printable of long lines, enough to read the link: soft
/// line breaks go (CRLF as sent, LF as a Maildir keeps them), `=3D` is `=`;
/// base64url tokens need no other escape.
fn unfold_quoted_printable(mail: &str) -> String {
    mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=")
}

/// The token of the reset link in `mail`.
pub(crate) fn token_in(mail: &str) -> String {
    let mail = unfold_quoted_printable(mail);
    let start = mail.find("https://news.example/reset-password?token=").expect("the link is in the mail")
        + "https://news.example/reset-password?token=".len();
    mail[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

async fn assert_invalid_link(response: reqwest::Response) {
    let body = assert_problem(response, StatusCode::BAD_REQUEST, "invalid_reset_token").await;
    assert_eq!(body["title"], "Your password reset link appears to be invalid or expired.");
}

#[tokio::test]
async fn the_whole_reset_journey_through_the_outbox() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let other_device = app.logged_in(&user.email, PASSWORD).await;

    let asked = forgot(&app, &user.email.to_uppercase()).await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let mail = app.wait_for_mails(1).await.remove(0);
    assert!(mail.contains(&format!("To: \"Test User\" <{}>", user.email)), "{mail}");
    assert!(mail.contains("From: newsroom <no-reply@localhost>"), "{mail}");
    assert!(mail.contains("Subject: Reset your newsroom password"));
    assert!(mail.contains("expires in 30 minutes"), "{mail}");
    assert!(mail.contains("Content-Type: text/html"), "an HTML alternative");
    let token = token_in(&mail);
    assert_eq!(token.len(), 43, "256 bits in base64url: {token}");

    let verified = verify(&app, &token).await;
    assert_eq!(verified.status(), StatusCode::OK);
    let body: Value = verified.json().await.unwrap();
    assert_eq!(body["valid"], true);
    let expires_at = chrono::DateTime::parse_from_rfc3339(body["expires_at"].as_str().unwrap()).unwrap();
    let in_secs = (expires_at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds();
    assert!((1790..=1800).contains(&in_secs), "expires in {in_secs}s");

    let changed = reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);

    assert_eq!(app.login(&user.email, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login(&user.email, NEW_PASSWORD).await.status(), StatusCode::OK);
    for session in [&user, &other_device] {
        assert_eq!(app.me_status(&session.access_token).await, StatusCode::UNAUTHORIZED);
        assert_eq!(app.refresh(&session.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_invalid_link(verify(&app, &token).await).await;
    assert_invalid_link(reset(&app, &token, "yet another passphrase").await).await;
    let notice = app.wait_for_mails(2).await.remove(1);
    assert!(notice.contains("Subject: Your newsroom password was changed"), "{notice}");
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_and_no_mail() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let known = forgot(&app, &user.email).await;
    let unknown = forgot(&app, "nobody@example.com").await;

    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    assert_eq!(known.json::<Value>().await.unwrap(), unknown.json::<Value>().await.unwrap());
    app.wait_for_mails(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mails = app.outbox();
    assert_eq!(mails.len(), 1, "only the known account got mail");
    assert!(!mails[0].contains("nobody@example.com"));
    let stored: i64 = password_resets::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(stored, 1);
}

#[tokio::test]
async fn links_expire() {
    let app = spawn_app_with(&[("--reset-token-ttl", "1")]).await;
    let user = app.register_user().await;
    forgot(&app, &user.email).await;
    let token = token_in(&app.wait_for_mails(1).await[0]);

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    assert_invalid_link(verify(&app, &token).await).await;
    assert_invalid_link(reset(&app, &token, NEW_PASSWORD).await).await;
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), StatusCode::OK, "the password is unchanged");
}

#[tokio::test]
async fn asking_again_keeps_the_earlier_links_until_one_is_used() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    forgot(&app, &user.email).await;
    let first = token_in(&app.wait_for_mails(1).await[0]);
    // Anyone may ask in the user's name; that must not cancel the link in their inbox.
    forgot(&app, &user.email).await;
    let second = token_in(&app.wait_for_mails(2).await[1]);
    assert_ne!(first, second);

    assert_eq!(verify(&app, &first).await.status(), StatusCode::OK);
    assert_eq!(verify(&app, &second).await.status(), StatusCode::OK);
    assert_eq!(reset(&app, &first, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
    assert_invalid_link(verify(&app, &second).await).await;
}

#[tokio::test]
async fn a_weak_password_does_not_use_up_the_link() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    forgot(&app, &user.email).await;
    let token = token_in(&app.wait_for_mails(1).await[0]);

    for weak in ["password123", "short", user.email.as_str()] {
        let body =
            assert_problem(reset(&app, &token, weak).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
                .await;
        assert_eq!(body["errors"][0]["field"], "password");
    }

    assert_eq!(verify(&app, &token).await.status(), StatusCode::OK);
    assert_eq!(app.me_status(&user.access_token).await, StatusCode::OK, "no session ended");
    assert_eq!(reset(&app, &token, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn the_token_is_stored_only_as_its_sha256() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    forgot(&app, &user.email).await;
    let token = token_in(&app.wait_for_mails(1).await[0]);

    let stored: Vec<u8> = password_resets::table.select(password_resets::token_hash).first(&mut app.db()).unwrap();

    assert_eq!(stored, Sha256::digest(token.as_bytes()).to_vec());
    for file in ["newsroom.db", "newsroom.db-wal"] {
        let bytes = std::fs::read(app.dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "the clear token is not in {file}");
    }
}

#[tokio::test]
async fn two_concurrent_resets_with_one_link_succeed_once() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    forgot(&app, &user.email).await;
    let token = token_in(&app.wait_for_mails(1).await[0]);

    let (a, b) = tokio::join!(reset(&app, &token, NEW_PASSWORD), reset(&app, &token, "the other new passphrase"));

    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST]);
    let logins = [
        app.login(&user.email, NEW_PASSWORD).await.status(),
        app.login(&user.email, "the other new passphrase").await.status(),
    ];
    assert_eq!(logins.iter().filter(|s| **s == StatusCode::OK).count(), 1, "exactly one password was set: {logins:?}");
}

#[tokio::test]
async fn garbage_tokens_and_bad_bodies_are_refused() {
    let app = spawn_app().await;
    for token in ["", "nope", &"x".repeat(5000), "' OR 1=1 --"] {
        assert_invalid_link(verify(&app, token).await).await;
        assert_invalid_link(reset(&app, token, NEW_PASSWORD).await).await;
    }
    assert_problem(forgot(&app, "not an email").await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let extra = app.post_json("/api/v1/auth/password/forgot", &json!({"email": "a@example.com", "x": 1})).await;
    assert_problem(extra, StatusCode::BAD_REQUEST, "unknown_field").await;
    assert!(app.outbox().is_empty());
}

#[tokio::test]
async fn disabled_accounts_get_no_link() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;
    let user = app.register_user().await;
    let disable = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/users/{}", user.id),
            admin.token(),
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(disable.status(), StatusCode::OK);

    assert_eq!(forgot(&app, &user.email).await.status(), StatusCode::ACCEPTED);

    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(app.outbox().is_empty());
}

#[tokio::test]
async fn reset_mails_are_limited_per_address_known_or_not() {
    let app = spawn_app().await;
    for _ in 0..5 {
        assert_eq!(forgot(&app, "someone@example.com").await.status(), StatusCode::ACCEPTED);
    }

    let sixth = forgot(&app, "SOMEONE@example.com").await;

    assert!(sixth.headers().contains_key("retry-after"));
    assert_problem(sixth, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(forgot(&app, "someone-else@example.com").await.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn auth_endpoints_are_rate_limited_per_client_ip() {
    let app = spawn_app_with(&[("--auth-rate-limit", "3")]).await;
    for remaining in [2, 1, 0] {
        let response = app.login("nobody@example.com", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["ratelimit-policy"], "3;w=60");
        let state = response.headers()["ratelimit"].to_str().unwrap().to_owned();
        assert!(state.starts_with(&format!("limit=3, remaining={remaining}, reset=")), "{state}");
    }

    let limited = forgot(&app, "someone@example.com").await;

    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK, "other routes are not limited");
    assert_eq!(app.get("/api/v1/users/1", None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reset_links_keep_the_path_of_the_public_url() {
    for public_url in ["https://news.example/news", "https://news.example/news/"] {
        let app = spawn_app_with(&[("--public-url", public_url)]).await;
        let user = app.register_user().await;

        forgot(&app, &user.email).await;

        let mail = unfold_quoted_printable(&app.wait_for_mails(1).await[0]);
        assert!(mail.contains("https://news.example/news/reset-password?token="), "{public_url}: {mail}");
    }
}

#[tokio::test]
async fn reset_requests_are_limited_per_client_ip_too() {
    let app = spawn_app_with(&[("--reset-rate-limit", "3")]).await;
    for n in 0..3 {
        assert_eq!(forgot(&app, &format!("someone-{n}@example.com")).await.status(), StatusCode::ACCEPTED);
    }

    let limited = forgot(&app, "yet-another@example.com").await;

    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=1200).contains(&retry_after), "{retry_after}");
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

async fn login_from(app: &TestApp, forwarded_for: &str) -> Response {
    app.request(Method::POST, "/api/v1/auth/login", None)
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "email": "nobody@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = spawn_app_with(&[("--auth-rate-limit", "2"), ("--trusted-proxies", "127.0.0.0/8, ::1")]).await;
    for _ in 0..2 {
        assert_eq!(login_from(&app, "198.51.100.1").await.status(), StatusCode::UNAUTHORIZED);
    }

    let limited = login_from(&app, "198.51.100.1").await;
    // The client forged a first hop; the proxy appended the address it saw.
    let other_client = login_from(&app, "198.51.100.1, 203.0.113.9").await;

    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(other_client.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(other_client.headers()["ratelimit"].to_str().unwrap().split(',').nth(1), Some(" remaining=1"));
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_peer_are_ignored() {
    let app = spawn_app_with(&[("--auth-rate-limit", "2"), ("--trusted-proxies", "192.0.2.0/24")]).await;
    for client in ["198.51.100.1", "198.51.100.2"] {
        assert_eq!(login_from(&app, client).await.status(), StatusCode::UNAUTHORIZED);
    }

    let forged = login_from(&app, "198.51.100.3").await;

    assert_problem(forged, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

//! Register, login, refresh, logout, logout-all, and attacks on tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use newsroom::schema::{refresh_tokens, users};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{JWT_SECRET, PASSWORD, TestApp, TestUser, assert_problem, spawn_app};

fn user_count(app: &TestApp) -> i64 {
    users::table.count().get_result(&mut app.db()).unwrap()
}

#[tokio::test]
async fn register_creates_a_reader_and_signs_them_in() {
    let app = spawn_app().await;

    let response = app.register("  Amal@Example.com ", PASSWORD, " Amal Haddad ").await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["cache-control"], "no-store", "tokens are never cached");
    let body: Value = response.json().await.unwrap();
    let id = body["user"]["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/users/{id}"));
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["refresh_expires_in"], 2_592_000);
    assert_eq!(body["user"]["email"], "Amal@Example.com", "trimmed, case kept");
    assert_eq!(body["user"]["display_name"], "Amal Haddad");
    assert_eq!(body["user"]["role"], "reader");
    assert!(body["user"]["bio"].is_null());
    assert!(body["user"]["created_at"].as_str().unwrap().ends_with('Z'));
    let me = app.get("/api/v1/users/me", body["access_token"].as_str()).await;
    assert_eq!(me.status(), StatusCode::OK);
    let stored: String = users::table.select(users::password_hash).first(&mut app.db()).unwrap();
    assert!(stored.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "Argon2id with OWASP parameters: {stored}");
}

#[tokio::test]
async fn register_reports_every_invalid_field_and_stores_nothing() {
    let app = spawn_app().await;

    let response = app.register("not-an-email", "short", "").await;

    let body = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "display_name", "password"]);
    assert_eq!(user_count(&app), 0);
}

#[tokio::test]
async fn register_applies_the_password_policy() {
    let app = spawn_app().await;
    let cases = [
        ("nine char", "too short"),
        ("password123", "a common password"),
        ("Password123", "a common password in another case"),
        ("policy@example.com", "the email itself"),
        (&"x".repeat(129), "longer than 128 characters"),
    ];
    for (password, why) in cases {
        let response = app.register("policy@example.com", password, "P").await;
        let body = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "password", "{why}");
    }
    assert_eq!(user_count(&app), 0);
    let ten_arabic_letters = "كلمةسرطويل";
    assert_eq!(app.register("policy@example.com", ten_arabic_letters, "P").await.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn emails_are_unique_without_regard_to_case() {
    let app = spawn_app().await;
    assert_eq!(app.register("dup@example.com", PASSWORD, "A").await.status(), StatusCode::CREATED);

    let response = app.register(" DUP@Example.COM", PASSWORD, "B").await;

    assert_problem(response, StatusCode::CONFLICT, "email_taken").await;
    assert_eq!(user_count(&app), 1);
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_are_rejected() {
    let app = spawn_app().await;
    let with_role = json!({"email": "x@example.com", "password": PASSWORD, "display_name": "X", "role": "admin"});
    assert_problem(app.post_json("/api/v1/auth/register", &with_role).await, StatusCode::BAD_REQUEST, "unknown_field")
        .await;
    let wrong_type = json!({"email": 5, "password": PASSWORD, "display_name": "X"});
    assert_problem(app.post_json("/api/v1/auth/register", &wrong_type).await, StatusCode::BAD_REQUEST, "invalid_body")
        .await;
    let missing = json!({"email": "x@example.com"});
    assert_problem(app.post_json("/api/v1/auth/register", &missing).await, StatusCode::BAD_REQUEST, "invalid_body")
        .await;
    assert_eq!(user_count(&app), 0, "the role field did not sneak an admin in");
}

#[tokio::test]
async fn login_answers_the_same_for_unknown_email_and_wrong_password() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let wrong_password = app.login(&user.email, "not the password at all").await;
    let unknown_email = app.login("nobody@example.com", PASSWORD).await;

    for response in [wrong_password, unknown_email] {
        assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="newsroom""#);
        let mut body = assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
        body.as_object_mut().unwrap().remove("request_id");
        assert_eq!(
            body,
            json!({"type": "about:blank", "title": "Invalid email or password", "status": 401, "code": "invalid_credentials"})
        );
    }
}

/// The fastest of `tries` logins, which is what an attacker timing many of
/// them would see.
async fn fastest_login(app: &TestApp, email: &str, tries: usize) -> std::time::Duration {
    let mut fastest = std::time::Duration::MAX;
    for _ in 0..tries {
        let started = std::time::Instant::now();
        assert_eq!(app.login(email, "not the password at all").await.status(), StatusCode::UNAUTHORIZED);
        fastest = fastest.min(started.elapsed());
    }
    fastest
}

#[tokio::test]
async fn a_login_to_an_account_without_a_password_costs_a_hash_like_any_other() {
    let app = spawn_app().await;
    let with_password = app.register_user().await;
    let without = app.register_user().await;
    // As `import-wordpress` makes its authors: no hash any password matches.
    diesel::update(users::table.filter(users::email.eq(&without.email)))
        .set(users::password_hash.eq("!imported-from-wordpress"))
        .execute(&mut app.db())
        .unwrap();

    let wrong_password = fastest_login(&app, &with_password.email, 4).await;
    let no_password = fastest_login(&app, &without.email, 4).await;

    assert!(
        no_password * 2 > wrong_password,
        "an account without a password answers in {no_password:?}, a wrong password in {wrong_password:?}"
    );
}

#[tokio::test]
async fn login_matches_email_case_insensitively() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let response = app.login(&format!("  {}  ", user.email.to_uppercase()), PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["user"]["id"], user.id);
    assert_ne!(body["refresh_token"], user.refresh_token.as_str(), "a new session");
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_per_account() {
    let app = spawn_app().await;
    let victim = app.register_user().await;
    let bystander = app.register_user().await;
    for attempt in 1..=10 {
        assert_eq!(app.login(&victim.email, "wrong password!!").await.status(), StatusCode::UNAUTHORIZED, "{attempt}");
    }

    let blocked = app.login(&victim.email, PASSWORD).await;

    let retry_after: u64 = blocked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_problem(blocked, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(app.login(&bystander.email, PASSWORD).await.status(), StatusCode::OK, "other accounts are unaffected");
    assert_eq!(app.me_status(&victim.access_token).await, StatusCode::OK, "existing sessions keep working");
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_revokes_the_session() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let first = app.refresh(&user.refresh_token).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Value = first.json().await.unwrap();
    let rotated = first["refresh_token"].as_str().unwrap();
    assert_ne!(rotated, user.refresh_token);
    assert_eq!(app.me_status(first["access_token"].as_str().unwrap()).await, StatusCode::OK);

    let replay = app.refresh(&user.refresh_token).await;

    assert_problem(replay, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let after_replay = app.refresh(rotated).await;
    assert_problem(after_replay, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

#[tokio::test]
async fn refresh_rejects_unknown_tokens() {
    let app = spawn_app().await;
    for token in ["", "garbage", &"A".repeat(5000)] {
        assert_problem(app.refresh(token).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    }
}

#[tokio::test]
async fn refresh_tokens_are_stored_only_as_sha256() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let stored: Vec<Vec<u8>> = refresh_tokens::table.select(refresh_tokens::token_hash).load(&mut app.db()).unwrap();

    assert_eq!(stored, vec![Sha256::digest(user.refresh_token.as_bytes()).to_vec()]);
    assert_eq!(URL_SAFE_NO_PAD.decode(&user.refresh_token).unwrap().len(), 32, "256 random bits");
}

#[tokio::test]
async fn logout_ends_the_session_of_its_refresh_token_only() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let other_session = app.logged_in(&user.email, PASSWORD).await;

    let response = app.post_json("/api/v1/auth/logout", &json!({"refresh_token": user.refresh_token})).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(app.refresh(&user.refresh_token).await, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_eq!(app.refresh(&other_session.refresh_token).await.status(), StatusCode::OK);
    let unknown = app.post_json("/api/v1/auth/logout", &json!({"refresh_token": "never issued"})).await;
    assert_eq!(unknown.status(), StatusCode::NO_CONTENT, "reveals nothing");
}

#[tokio::test]
async fn logout_all_revokes_every_access_and_refresh_token_at_once() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let second = app.logged_in(&user.email, PASSWORD).await;

    let response = app.request(Method::POST, "/api/v1/auth/logout-all", user.token()).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for token in [&user.access_token, &second.access_token] {
        assert_eq!(app.me_status(token).await, StatusCode::UNAUTHORIZED);
    }
    for token in [&user.refresh_token, &second.refresh_token] {
        assert_eq!(app.refresh(token).await.status(), StatusCode::UNAUTHORIZED);
    }
    let fresh = app.logged_in(&user.email, PASSWORD).await;
    assert_eq!(app.me_status(&fresh.access_token).await, StatusCode::OK, "logging in again works");
}

#[tokio::test]
async fn logout_all_needs_a_token() {
    let app = spawn_app().await;
    let response = app.request(Method::POST, "/api/v1/auth/logout-all", None).send().await.unwrap();
    assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="newsroom""#);
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(secret.as_bytes()).unwrap())
        .unwrap()
}

#[tokio::test]
async fn forged_expired_and_malformed_tokens_are_401_invalid_token() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let other = app.register_user().await;
    let claims = claims_of(&user.access_token);
    let now = chrono::Utc::now().timestamp();
    let with = |change: Value| {
        let mut claims = claims.clone();
        claims.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
        claims
    };
    let header_none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = user.access_token.split('.').nth(1).unwrap();
    let (head, _, signature) = {
        let mut parts = user.access_token.split('.');
        (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap())
    };
    let tampered_payload = URL_SAFE_NO_PAD.encode(with(json!({"sub": other.id.to_string()})).to_string());
    let cases: Vec<(&str, String)> = vec![
        ("alg none", format!("{header_none}.{payload}.")),
        ("tampered payload", format!("{head}.{tampered_payload}.{signature}")),
        ("another key", sign(&claims, "another-secret-that-is-long-enough-too")),
        ("expired", sign(&with(json!({"exp": now - 3600, "iat": now - 4000})), JWT_SECRET)),
        ("wrong issuer", sign(&with(json!({"iss": "someone-else"})), JWT_SECRET)),
        ("wrong audience", sign(&with(json!({"aud": "another-api"})), JWT_SECRET)),
        ("stale token version", sign(&with(json!({"ver": 7})), JWT_SECRET)),
        ("unknown user", sign(&with(json!({"sub": "999999"})), JWT_SECRET)),
        ("not a jwt", "abc.def".into()),
    ];
    for (attack, token) in cases {
        let response = app.get("/api/v1/users/me", Some(&token)).await;
        let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.contains(r#"error="invalid_token""#), "{attack}: {challenge}");
        assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }
    let basic = app.request(Method::GET, "/api/v1/users/me", None).header("authorization", "Basic dXNlcjpwYXNz");
    assert_problem(basic.send().await.unwrap(), StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(app.me_status(&sign(&claims, JWT_SECRET)).await, StatusCode::OK, "the same claims, signed right, pass");
}

#[tokio::test]
async fn a_bad_token_on_an_optional_auth_endpoint_is_401_not_anonymous() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    assert_eq!(app.get("/api/v1/articles", None).await.status(), StatusCode::OK);
    assert_eq!(app.get("/api/v1/articles", user.token()).await.status(), StatusCode::OK);
    app.request(Method::POST, "/api/v1/auth/logout-all", user.token()).send().await.unwrap();

    let response = app.get("/api/v1/articles", user.token()).await;

    assert!(response.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

async fn delete_account(app: &TestApp, user: &TestUser) {
    let response =
        app.send_json(Method::DELETE, "/api/v1/users/me", user.token(), &json!({"password": PASSWORD})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_deleted_accounts_token_never_opens_the_next_registered_account() {
    let app = spawn_app().await;
    let gone = app.register_user().await;
    delete_account(&app, &gone).await;

    let next = app.register_user().await;

    assert!(next.id > gone.id, "ids are not reused: {} after {}", next.id, gone.id);
    assert_eq!(app.me_status(&gone.access_token).await, StatusCode::UNAUTHORIZED);
    let patch = app.send_json(Method::PATCH, "/api/v1/users/me", gone.token(), &json!({"bio": "mine now"})).await;
    assert_problem(patch, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let bio: Option<String> = users::table.find(next.id as i32).select(users::bio).first(&mut app.db()).unwrap();
    assert_eq!(bio, None, "the next account is untouched");
}

#[tokio::test]
async fn a_deleted_accounts_token_never_opens_an_admin_made_by_create_user() {
    let app = spawn_app().await;
    let gone = app.register_user().await;
    delete_account(&app, &gone).await;

    let admin = app.user_with_role("admin").await;

    assert!(admin.id > gone.id);
    let list = app.get("/api/v1/admin/users", gone.token()).await;
    assert_problem(list, StatusCode::UNAUTHORIZED, "invalid_token").await;
    let path = format!("/api/v1/admin/users/{}", admin.id);
    let promote = app.send_json(Method::PATCH, &path, gone.token(), &json!({"role": "reader"})).await;
    assert_problem(promote, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn an_old_token_is_refused_even_by_an_account_that_got_its_id_back() {
    let app = spawn_app().await;
    let gone = app.register_user().await;
    delete_account(&app, &gone).await;
    // What a database without AUTOINCREMENT would do: the same id, token version 0.
    app.db()
        .batch_execute(&format!(
            "INSERT INTO users (id, email, email_key, display_name, password_hash, role, token_version, created_at, updated_at) \
             VALUES ({}, 'heir@example.com', 'heir@example.com', 'Heir', 'x', 'admin', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            gone.id
        ))
        .unwrap();

    let response = app.get("/api/v1/users/me", gone.token()).await;

    assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_token").await;
}

#[tokio::test]
async fn logout_ends_the_access_token_of_its_session_at_once() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let other_session = app.logged_in(&user.email, PASSWORD).await;

    app.post_json("/api/v1/auth/logout", &json!({"refresh_token": user.refresh_token})).await;

    assert_problem(app.get("/api/v1/users/me", user.token()).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert_eq!(app.me_status(&other_session.access_token).await, StatusCode::OK, "other sessions go on");
}

#[tokio::test]
async fn concurrent_wrong_passwords_stop_at_the_per_account_limit() {
    let app = spawn_app().await;
    let victim = app.register_user().await;

    let wrong: Vec<String> = (0..30).map(|n| format!("wrong guess number {n}")).collect();
    let guesses = wrong.iter().map(|password| app.login(&victim.email, password));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(guesses).await.iter().map(|r| r.status()).collect();

    let verified = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(verified <= 10, "at most the limit reached Argon2: {statuses:?}");
    assert_eq!(verified + limited, 30, "{statuses:?}");
    assert_eq!(app.login(&victim.email, PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_email_longer_than_any_address_is_refused_before_it_is_looked_up() {
    let app = spawn_app().await;
    let huge = format!("{}@example.com", "a".repeat(900 * 1024));

    let response = app.login(&huge, PASSWORD).await;

    let body = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "email");
    let longest = format!("{}@example.com", "a".repeat(254 - "@example.com".len()));
    assert_eq!(app.login(&longest, PASSWORD).await.status(), StatusCode::UNAUTHORIZED, "254 characters are looked up");
}

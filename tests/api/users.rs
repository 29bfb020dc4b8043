//! The caller's account, public profiles, and admin user management.

use diesel::prelude::*;
use newsroom::schema::{refresh_tokens, users};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, assert_problem, field_names, spawn_app};

#[tokio::test]
async fn me_is_private_and_carries_the_email() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let response = app.get("/api/v1/users/me", user.token()).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let vary = response.headers()["vary"].to_str().unwrap();
    assert!(vary.split(", ").any(|h| h == "Authorization"), "{vary}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], user.id);
    assert_eq!(body["email"], user.email.as_str());
    assert_eq!(field_names(&body), ["bio", "created_at", "display_name", "email", "id", "role"]);
}

#[tokio::test]
async fn patch_me_changes_and_clears_profile_fields() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let set = app
        .send_json(
            Method::PATCH,
            "/api/v1/users/me",
            user.token(),
            &json!({"display_name": " Nour ", "bio": "Editor\nat large"}),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let body: Value = set.json().await.unwrap();
    assert_eq!((body["display_name"].as_str(), body["bio"].as_str()), (Some("Nour"), Some("Editor\nat large")));

    let untouched = app.send_json(Method::PATCH, "/api/v1/users/me", user.token(), &json!({})).await;
    assert_eq!(untouched.json::<Value>().await.unwrap()["bio"], "Editor\nat large", "absent fields stay");

    let cleared = app.send_json(Method::PATCH, "/api/v1/users/me", user.token(), &json!({"bio": null})).await;
    let body: Value = cleared.json().await.unwrap();
    assert!(body["bio"].is_null());
    assert_eq!(body["display_name"], "Nour");
    let stored: Option<String> = users::table.select(users::bio).first(&mut app.db()).unwrap();
    assert_eq!(stored, None);
}

#[tokio::test]
async fn patch_me_validates_and_changes_nothing_on_error() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let cases = [
        (json!({"display_name": ""}), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({"display_name": "a\u{0}b"}), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        // Trimming would hide it, but the published pattern refuses a tab anywhere.
        (json!({"display_name": "X\t"}), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({"display_name": "x".repeat(101)}), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        // The published maxLength counts what the client sent, blanks included.
        (
            json!({"display_name": format!("\t{}", "x".repeat(100))}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (json!({"display_name": "ok", "bio": "b".repeat(2001)}), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({"email": "new@example.com"}), StatusCode::BAD_REQUEST, "unknown_field"),
        (json!({"display_name": 7}), StatusCode::BAD_REQUEST, "invalid_body"),
    ];
    for (body, status, code) in cases {
        let response = app.send_json(Method::PATCH, "/api/v1/users/me", user.token(), &body).await;
        assert_problem(response, status, code).await;
    }
    let name: String = users::table.select(users::display_name).first(&mut app.db()).unwrap();
    assert_eq!(name, "Test User");
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let other_device = app.logged_in(&user.email, PASSWORD).await;
    let new_password = "a brand new passphrase";

    let response = app
        .send_json(
            Method::PUT,
            "/api/v1/users/me/password",
            user.token(),
            &json!({"current_password": PASSWORD, "new_password": new_password}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login(&user.email, new_password).await.status(), StatusCode::OK);
    assert_eq!(app.me_status(&other_device.access_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.refresh(&other_device.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.me_status(&user.access_token).await, StatusCode::UNAUTHORIZED, "access tokens are all revoked");
    let renewed = app.refresh(&user.refresh_token).await;
    assert_eq!(renewed.status(), StatusCode::OK, "this session renews its access token");
}

#[tokio::test]
async fn changing_the_password_checks_the_current_one_and_the_policy() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});

    let wrong = app
        .send_json(Method::PUT, "/api/v1/users/me/password", user.token(), &change("wrong!", "another good passphrase"))
        .await;
    assert_problem(wrong, StatusCode::FORBIDDEN, "invalid_credentials").await;
    let weak =
        app.send_json(Method::PUT, "/api/v1/users/me/password", user.token(), &change(PASSWORD, "password123")).await;
    let body = assert_problem(weak, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "new_password");

    assert_eq!(app.login(&user.email, PASSWORD).await.status(), StatusCode::OK, "the password did not change");
    assert_eq!(app.me_status(&user.access_token).await, StatusCode::OK, "no session ended");
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_removes_everything() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let keeper = app.register_user().await;

    let wrong =
        app.send_json(Method::DELETE, "/api/v1/users/me", user.token(), &json!({"password": "nope nope"})).await;
    assert_problem(wrong, StatusCode::FORBIDDEN, "invalid_credentials").await;
    assert_eq!(app.me_status(&user.access_token).await, StatusCode::OK);

    let response =
        app.send_json(Method::DELETE, "/api/v1/users/me", user.token(), &json!({"password": PASSWORD})).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&user.access_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.refresh(&user.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(&format!("/api/v1/users/{}", user.id), None).await.status(), StatusCode::NOT_FOUND);
    let mut db = app.db();
    let remaining: Vec<i32> = users::table.select(users::id).load(&mut db).unwrap();
    assert_eq!(remaining, vec![keeper.id as i32]);
    let tokens: Vec<i32> = refresh_tokens::table.select(refresh_tokens::user_id).load(&mut db).unwrap();
    assert_eq!(tokens, vec![keeper.id as i32], "the deleted user's refresh tokens went with them");
}

#[tokio::test]
async fn public_profiles_show_no_email_and_are_cacheable() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let response = app.get(&format!("/api/v1/users/{}", user.id), None).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let body: Value = response.json().await.unwrap();
    assert_eq!(field_names(&body), ["bio", "created_at", "display_name", "id", "role"]);
    for missing in
        ["/api/v1/users/999999", "/api/v1/users/abc", "/api/v1/users/99999999999999999999", "/api/v1/users/-1"]
    {
        assert_problem(app.get(missing, None).await, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[tokio::test]
async fn only_admins_list_and_change_users() {
    let app = spawn_app().await;
    let reader = app.register_user().await;
    let editor = app.user_with_role("editor").await;
    for caller in [&reader, &editor] {
        assert_problem(app.get("/api/v1/admin/users", caller.token()).await, StatusCode::FORBIDDEN, "forbidden").await;
        let patch = app
            .send_json(
                Method::PATCH,
                &format!("/api/v1/admin/users/{}", reader.id),
                caller.token(),
                &json!({"role": "admin"}),
            )
            .await;
        assert_problem(patch, StatusCode::FORBIDDEN, "forbidden").await;
    }
    assert_problem(app.get("/api/v1/admin/users", None).await, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let role: String = users::table.find(reader.id as i32).select(users::role).first(&mut app.db()).unwrap();
    assert_eq!(role, "reader");
}

#[tokio::test]
async fn admins_page_through_users_with_filters() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;
    let mut readers = Vec::new();
    for _ in 0..3 {
        readers.push(app.register_user().await);
    }

    let mut seen = Vec::new();
    let mut path = "/api/v1/admin/users?role=reader&limit=2".to_owned();
    loop {
        let response = app.get(&path, admin.token()).await;
        assert_eq!(response.status(), StatusCode::OK);
        let link = response.headers().get("link").map(|v| v.to_str().unwrap().to_owned());
        let body: Value = response.json().await.unwrap();
        for item in body["items"].as_array().unwrap() {
            assert_eq!(item["role"], "reader");
            assert_eq!(item["disabled"], false);
            assert!(item["email"].is_string() && item["updated_at"].is_string());
            seen.push(item["id"].as_i64().unwrap());
        }
        match body["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.expect("a Link header with the next page");
                assert!(link.ends_with(r#">; rel="next""#) && link.contains(cursor), "{link}");
                path = link.trim_start_matches('<').split('>').next().unwrap().to_owned();
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    let mut expected: Vec<i64> = readers.iter().map(|r| r.id).collect();
    expected.reverse();
    assert_eq!(seen, expected, "newest first, each once");

    let found = app.get(&format!("/api/v1/admin/users?q={}", &readers[1].email.to_uppercase()), admin.token()).await;
    let body: Value = found.json().await.unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["id"], readers[1].id);
    let wildcard = app.get("/api/v1/admin/users?q=%25", admin.token()).await;
    assert_eq!(wildcard.json::<Value>().await.unwrap()["items"], json!([]), "% matches itself, not everything");
}

#[tokio::test]
async fn admin_list_rejects_bad_limits_and_cursors() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;
    for (query, code) in [
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
        ("limit=-1", "invalid_query"),
        ("limit=99999999999", "invalid_query"),
        ("limit=ten", "invalid_query"),
        ("cursor=not-a-cursor", "invalid_cursor"),
        ("role=superuser", "invalid_query"),
    ] {
        let response = app.get(&format!("/api/v1/admin/users?{query}"), admin.token()).await;
        assert_problem(response, StatusCode::BAD_REQUEST, code).await;
    }
    let past_the_end = newsroom::pagination::encode_cursor(&1);
    let response = app.get(&format!("/api/v1/admin/users?cursor={past_the_end}"), admin.token()).await;
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"items": [], "next_cursor": null}));
}

#[tokio::test]
async fn admins_change_roles_and_disabling_revokes_every_token() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;
    let user = app.register_user().await;
    let path = format!("/api/v1/admin/users/{}", user.id);

    let promoted = app.send_json(Method::PATCH, &path, admin.token(), &json!({"role": "author"})).await;
    assert_eq!(promoted.status(), StatusCode::OK);
    assert_eq!(promoted.json::<Value>().await.unwrap()["role"], "author");
    let me: Value = app.get("/api/v1/users/me", user.token()).await.json().await.unwrap();
    assert_eq!(me["role"], "author", "the role applies to tokens already issued");

    let disabled = app.send_json(Method::PATCH, &path, admin.token(), &json!({"disabled": true})).await;
    assert_eq!(disabled.json::<Value>().await.unwrap()["disabled"], true);
    assert_eq!(app.me_status(&user.access_token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.refresh(&user.refresh_token).await.status(), StatusCode::UNAUTHORIZED);
    assert_problem(app.login(&user.email, PASSWORD).await, StatusCode::FORBIDDEN, "account_disabled").await;
    assert_problem(app.get(&format!("/api/v1/users/{}", user.id), None).await, StatusCode::NOT_FOUND, "not_found")
        .await;

    app.send_json(Method::PATCH, &path, admin.token(), &json!({"disabled": false})).await;
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    let app = spawn_app().await;
    let admin = app.user_with_role("admin").await;
    let path = format!("/api/v1/admin/users/{}", admin.id);
    for change in [json!({"role": "editor"}), json!({"disabled": true})] {
        let response = app.send_json(Method::PATCH, &path, admin.token(), &change).await;
        assert_problem(response, StatusCode::CONFLICT, "last_admin").await;
    }
    let second = app.user_with_role("admin").await;
    let demoted = app.send_json(Method::PATCH, &path, second.token(), &json!({"role": "editor"})).await;
    assert_eq!(demoted.status(), StatusCode::OK, "with another admin it is fine");
    let missing =
        app.send_json(Method::PATCH, "/api/v1/admin/users/999999", second.token(), &json!({"role": "editor"})).await;
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    let bad_role = app.send_json(Method::PATCH, &path, second.token(), &json!({"role": "root"})).await;
    assert_problem(bad_role, StatusCode::BAD_REQUEST, "invalid_body").await;
}

#[tokio::test]
async fn wrong_current_passwords_share_the_per_account_limit_of_login() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let change = |current: &str| json!({"current_password": current, "new_password": "a brand new passphrase"});
    for attempt in 0..5 {
        let response = app.send_json(Method::PUT, "/api/v1/users/me/password", user.token(), &change("wrong!!")).await;
        assert_problem(response, StatusCode::FORBIDDEN, "invalid_credentials").await;
        let delete = json!({"password": format!("wrong guess {attempt}")});
        let response = app.send_json(Method::DELETE, "/api/v1/users/me", user.token(), &delete).await;
        assert_problem(response, StatusCode::FORBIDDEN, "invalid_credentials").await;
    }

    let right = app.send_json(Method::PUT, "/api/v1/users/me/password", user.token(), &change(PASSWORD)).await;

    assert!(right.headers().contains_key("retry-after"));
    assert_problem(right, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    let delete = app.send_json(Method::DELETE, "/api/v1/users/me", user.token(), &json!({"password": PASSWORD})).await;
    assert_problem(delete, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(app.login(&user.email, PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS, "login shares it");
    let stored: i64 = users::table.filter(users::id.eq(user.id as i32)).count().get_result(&mut app.db()).unwrap();
    assert_eq!(stored, 1, "the account is still there");
}

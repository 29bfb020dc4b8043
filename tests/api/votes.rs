//! "Leave your vote": transitions, validation, exact tallies under concurrency,
//! ranking, and what account deletion does to tallies.

use std::sync::Arc;

use diesel::prelude::*;
use newsroom::schema::{article_tallies, article_votes};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, spawn_app, spawn_app_with};

async fn vote(app: &TestApp, user: &TestUser, article: &Value, value: Option<i64>) -> reqwest::Response {
    let path = format!("/api/v1/articles/{}/vote", article["id"]);
    match value {
        Some(value) => app.send_json(Method::PUT, &path, user.token(), &json!({"value": value})).await,
        None => app.request(Method::DELETE, &path, user.token()).send().await.unwrap(),
    }
}

async fn tally_after(app: &TestApp, user: &TestUser, article: &Value, value: Option<i64>) -> Value {
    let response = vote(app, user, article, value).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    response.json().await.unwrap()
}

fn stored_tally(app: &TestApp, article: &Value) -> (i32, i32, i32) {
    let id = article["id"].as_i64().unwrap() as i32;
    article_tallies::table
        .find(id)
        .select((article_tallies::votes_up, article_tallies::votes_down, article_tallies::score))
        .first(&mut app.db())
        .unwrap()
}

fn counted_tally(app: &TestApp, article: &Value) -> (i32, i32) {
    let id = article["id"].as_i64().unwrap() as i32;
    let values: Vec<i32> = article_votes::table
        .filter(article_votes::article_id.eq(id))
        .select(article_votes::value)
        .load(&mut app.db())
        .unwrap();
    (values.iter().filter(|v| **v == 1).count() as i32, values.iter().filter(|v| **v == -1).count() as i32)
}

fn assert_no_mismatch(app: &TestApp) {
    let mismatches = newsroom::cli::check_tallies(&app.config()).unwrap();
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

#[tokio::test]
async fn every_transition_moves_the_tally_exactly() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let article = app.publish(&editor, "Vote on me", json!({})).await;

    let steps = [
        (Some(1), json!({"my_vote": 1, "up": 1, "down": 0, "score": 1}), "none → up"),
        (Some(1), json!({"my_vote": 1, "up": 1, "down": 0, "score": 1}), "up → up"),
        (Some(-1), json!({"my_vote": -1, "up": 0, "down": 1, "score": -1}), "up → down"),
        (None, json!({"my_vote": null, "up": 0, "down": 0, "score": 0}), "down → none"),
        (None, json!({"my_vote": null, "up": 0, "down": 0, "score": 0}), "none → none"),
        (Some(-1), json!({"my_vote": -1, "up": 0, "down": 1, "score": -1}), "none → down"),
    ];
    for (value, expected, step) in steps {
        assert_eq!(tally_after(&app, &reader, &article, value).await, expected, "{step}");
    }
    let read = app.get_json(&format!("/api/v1/articles/{}/vote", article["id"]), reader.token()).await;
    assert_eq!(read, json!({"my_vote": -1, "up": 0, "down": 1, "score": -1}));
    assert_eq!(stored_tally(&app, &article), (0, 1, -1));
    assert_eq!(counted_tally(&app, &article), (0, 1));
}

#[tokio::test]
async fn votes_are_validated_and_bad_ones_change_nothing() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let article = app.publish(&editor, "Vote on me", json!({})).await;
    let path = format!("/api/v1/articles/{}/vote", article["id"]);
    let cases = [
        (json!({"value": 2}), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({"value": 0}), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({"value": -99999999999_i64}), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({"value": "1"}), StatusCode::BAD_REQUEST, "invalid_body"),
        (json!({"value": null}), StatusCode::BAD_REQUEST, "invalid_body"),
        (json!({"value": 1.5}), StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        (json!({}), StatusCode::BAD_REQUEST, "invalid_body"),
        (json!({"value": 1, "weight": 10}), StatusCode::BAD_REQUEST, "unknown_field"),
    ];
    for (body, status, code) in cases {
        let response = app.send_json(Method::PUT, &path, reader.token(), &body).await;
        assert_problem(response, status, code).await;
    }
    assert_eq!(stored_tally(&app, &article), (0, 0, 0));
    assert_eq!(counted_tally(&app, &article), (0, 0));
}

#[tokio::test]
async fn only_signed_in_readers_vote_and_only_on_public_articles() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let public = app.publish(&editor, "Public", json!({})).await;
    let draft = app.create_article(&editor, json!({"title": "Draft"})).await;
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let scheduled = app.publish(&editor, "Scheduled", json!({"published_at": later})).await;
    let deleted = app.publish(&editor, "Deleted", json!({})).await;
    app.request(Method::DELETE, &format!("/api/v1/articles/{}", deleted["id"]), editor.token()).send().await.unwrap();

    assert_problem(
        vote(&app, &TestUser { access_token: "".into(), ..reader.clone() }, &public, Some(1)).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    let anonymous = app
        .send_json(Method::PUT, &format!("/api/v1/articles/{}/vote", public["id"]), None, &json!({"value": 1}))
        .await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    for (article, what) in [(&draft, "draft"), (&scheduled, "scheduled"), (&deleted, "deleted")] {
        for voter in [&reader, &editor] {
            assert_eq!(vote(&app, voter, article, Some(1)).await.status(), StatusCode::NOT_FOUND, "{what}");
        }
    }
    let missing =
        app.send_json(Method::PUT, "/api/v1/articles/999999/vote", reader.token(), &json!({"value": 1})).await;
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    let by_slug = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/articles/{}/vote", public["slug"].as_str().unwrap()),
            reader.token(),
            &json!({"value": 1}),
        )
        .await;
    assert_eq!(by_slug.status(), StatusCode::OK, "an article may be named by slug");
    let total: i64 = article_votes::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(total, 1);
}

#[tokio::test]
async fn tallies_stay_exact_under_many_concurrent_voters() {
    let app = Arc::new(spawn_app().await);
    let editor = app.user_with_role("editor").await;
    let first = app.publish(&editor, "Contested", json!({})).await;
    let second = app.publish(&editor, "Also contested", json!({})).await;

    let mut voters = tokio::task::JoinSet::new();
    for voter in 0..60 {
        let (app, first, second) = (app.clone(), first.clone(), second.clone());
        voters.spawn(async move {
            let user = app.register_user().await;
            // Each voter flips several times; the last move decides.
            let moves = [Some(1), Some(-1), None, Some(1), Some(-1), Some(1)];
            for (step, value) in moves.iter().enumerate().take(3 + voter % 4) {
                let article = if (voter + step) % 2 == 0 { &first } else { &second };
                assert_eq!(vote(&app, &user, article, *value).await.status(), StatusCode::OK);
            }
        });
    }
    while let Some(joined) = voters.join_next().await {
        joined.unwrap();
    }

    for article in [&first, &second] {
        let (up, down, score) = stored_tally(&app, article);
        assert_eq!((up, down), counted_tally(&app, article), "counters equal a COUNT over the votes table");
        assert_eq!(score, up - down);
        let shown = app.get_json(&format!("/api/v1/articles/{}", article["id"]), None).await;
        assert_eq!(shown["votes"], json!({"up": up, "down": down, "score": score}));
    }
    assert_no_mismatch(&app);
}

#[tokio::test]
async fn articles_show_the_tally_and_the_callers_own_vote() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let alice = app.register_user().await;
    let bob = app.register_user().await;
    let article = app.publish(&editor, "Read me", json!({})).await;
    tally_after(&app, &alice, &article, Some(1)).await;
    tally_after(&app, &bob, &article, Some(-1)).await;
    let path = format!("/api/v1/articles/{}", article["id"]);

    let for_alice = app.get(&path, alice.token()).await;
    assert_eq!(for_alice.headers()["cache-control"], "private, no-store");
    let for_alice: Value = for_alice.json().await.unwrap();
    assert_eq!(
        (for_alice["my_vote"].clone(), for_alice["votes"].clone()),
        (json!(1), json!({"up": 1, "down": 1, "score": 0}))
    );
    assert_eq!(app.get_json(&path, bob.token()).await["my_vote"], -1);
    assert!(app.get_json(&path, None).await["my_vote"].is_null());
    assert_eq!(app.get_json("/api/v1/articles", alice.token()).await["items"][0]["my_vote"], 1);
    assert_eq!(app.get_json("/api/v1/articles", bob.token()).await["items"][0]["my_vote"], -1);
    assert!(app.get_json("/api/v1/articles", None).await["items"][0]["my_vote"].is_null());
}

#[tokio::test]
async fn lists_rank_by_score_and_by_hot() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let day_ago = (chrono::Utc::now() - chrono::Duration::hours(24)).to_rfc3339();
    let old_popular = app.publish(&editor, "Old but popular", json!({"published_at": day_ago})).await;
    let fresh_liked = app.publish(&editor, "Fresh and liked", json!({})).await;
    let fresh_disliked = app.publish(&editor, "Fresh and disliked", json!({})).await;
    let mut voters = Vec::new();
    for _ in 0..3 {
        voters.push(app.register_user().await);
    }
    for voter in &voters {
        tally_after(&app, voter, &old_popular, Some(1)).await;
    }
    tally_after(&app, &voters[0], &fresh_liked, Some(1)).await;
    tally_after(&app, &voters[0], &fresh_disliked, Some(-1)).await;
    let id = |article: &Value| article["id"].as_i64().unwrap();

    assert_eq!(
        app.ids("/api/v1/articles?sort=-score", None).await,
        vec![id(&old_popular), id(&fresh_liked), id(&fresh_disliked)]
    );
    let hot = app.ids("/api/v1/articles?sort=hot", None).await;
    assert_eq!(hot, vec![id(&fresh_liked), id(&old_popular), id(&fresh_disliked)], "age outweighs three votes");

    let mut walked = Vec::new();
    let mut path = "/api/v1/articles?sort=hot&limit=1".to_owned();
    loop {
        let body = app.get_json(&path, None).await;
        walked.extend(body["items"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()));
        let Some(cursor) = body["next_cursor"].as_str() else { break };
        path = format!("/api/v1/articles?sort=hot&limit=1&cursor={cursor}");
    }
    assert_eq!(walked, hot, "hot pages by keyset");
}

#[tokio::test]
async fn the_periodic_refresh_reranks_recent_articles_and_the_bulk_refresh_all() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let month_ago = (chrono::Utc::now() - chrono::Duration::days(30)).to_rfc3339();
    let old = app.publish(&editor, "Last month's news", json!({"published_at": month_ago})).await;
    let fresh = app.publish(&editor, "Today's news", json!({})).await;
    let draft = app.create_article(&editor, json!({"title": "Unfinished"})).await;
    let ids = [&old, &fresh, &draft].map(|article| article["id"].as_i64().unwrap() as i32);
    let ranks = |app: &TestApp| -> Vec<f64> {
        ids.iter()
            .map(|id| article_tallies::table.find(id).select(article_tallies::hot_rank).first(&mut app.db()).unwrap())
            .collect()
    };
    let honest = ranks(&app);
    assert!(honest[1] > honest[0] && honest[0] > 0.0 && honest[2] == 0.0, "{honest:?}");
    let stale = 99.0;
    diesel::update(article_tallies::table.filter(article_tallies::article_id.eq_any(ids)))
        .set(article_tallies::hot_rank.eq(stale))
        .execute(&mut app.db())
        .unwrap();

    newsroom::articles::rank::refresh_hot_ranks(&mut app.db()).unwrap();
    let after_periodic = ranks(&app);
    assert!(
        (after_periodic[1] - honest[1]).abs() < 1e-2 * honest[1],
        "the recent article re-ranked: {after_periodic:?}"
    );
    assert_eq!(after_periodic[2], stale, "drafts are not public, so not re-ranked");

    assert_eq!(newsroom::articles::rank::refresh_all_hot_ranks(&mut app.db()).unwrap(), 2, "both public articles");
    let after_all = ranks(&app);
    assert!((after_all[0] - honest[0]).abs() < 1e-2 * honest[0], "the old article re-ranked: {after_all:?}");
    assert!((after_all[1] - honest[1]).abs() < 1e-2 * honest[1]);
    assert_eq!(after_all[2], stale);
}

#[tokio::test]
async fn scheduled_articles_rank_zero_until_due() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let scheduled = app.publish(&editor, "Tomorrow's news", json!({"published_at": later})).await;
    let id = scheduled["id"].as_i64().unwrap() as i32;
    let hot: f64 = article_tallies::table.find(id).select(article_tallies::hot_rank).first(&mut app.db()).unwrap();
    assert_eq!(hot, 0.0);
}

#[tokio::test]
async fn deleting_an_account_withdraws_its_votes() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let leaving = app.register_user().await;
    let staying = app.register_user().await;
    let liked = app.publish(&editor, "Liked", json!({})).await;
    let disliked = app.publish(&editor, "Disliked", json!({})).await;
    tally_after(&app, &leaving, &liked, Some(1)).await;
    tally_after(&app, &staying, &liked, Some(1)).await;
    tally_after(&app, &leaving, &disliked, Some(-1)).await;

    let response =
        app.send_json(Method::DELETE, "/api/v1/users/me", leaving.token(), &json!({"password": PASSWORD})).await;

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(stored_tally(&app, &liked), (1, 0, 1));
    assert_eq!(stored_tally(&app, &disliked), (0, 0, 0));
    let remaining: i64 = article_votes::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(remaining, 1);
    assert_no_mismatch(&app);
}

#[tokio::test]
async fn votes_are_rate_limited_per_user() {
    let app = spawn_app_with(&[("--vote-rate-limit", "3")]).await;
    let editor = app.user_with_role("editor").await;
    let eager = app.register_user().await;
    let calm = app.register_user().await;
    let article = app.publish(&editor, "Flip me", json!({})).await;
    for value in [Some(1), Some(-1), None] {
        assert_eq!(vote(&app, &eager, &article, value).await.status(), StatusCode::OK);
    }

    let limited = vote(&app, &eager, &article, Some(1)).await;

    assert!(limited.headers().contains_key("retry-after"));
    assert_problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_eq!(vote(&app, &calm, &article, Some(1)).await.status(), StatusCode::OK, "others vote on");
    assert_eq!(stored_tally(&app, &article), (1, 0, 1));
}

#[tokio::test]
async fn the_check_command_finds_a_wrong_tally() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let article = app.publish(&editor, "Counted", json!({})).await;
    tally_after(&app, &reader, &article, Some(1)).await;
    let binary = env!("CARGO_BIN_EXE_newsroom");
    let check = || {
        std::process::Command::new(binary)
            .args(["check", "--database-url", app.database_url(), "--log", "warn"])
            .env("NEWSROOM_JWT_SECRET", crate::helpers::JWT_SECRET)
            .output()
            .unwrap()
    };
    let clean = check();
    assert!(clean.status.success(), "{clean:?}");

    let id = article["id"].as_i64().unwrap() as i32;
    diesel::update(article_tallies::table.find(id))
        .set(article_tallies::votes_up.eq(5))
        .execute(&mut app.db())
        .unwrap();

    let broken = check();
    assert_eq!(broken.status.code(), Some(1));
    let report = String::from_utf8(broken.stdout).unwrap();
    assert!(report.contains(&format!("article {id}: stored up/down/score (5, 0, 1), counted (1, 0, 1)")), "{report}");

    diesel::delete(article_tallies::table.find(id)).execute(&mut app.db()).unwrap();
    let uncounted = check();
    assert_eq!(uncounted.status.code(), Some(1));
    let report = String::from_utf8(uncounted.stdout).unwrap();
    assert!(report.contains(&format!("article {id}: no stored counters, counted (1, 0, 1)")), "{report}");
}

/// A reader with more votes than an instance remembers (5,000) is asked
/// about the articles at hand: `my_vote` stays right on reads and after a
/// vote, the same as for a reader whose votes are remembered whole.
#[tokio::test]
async fn a_reader_with_more_votes_than_remembered_sees_each_of_them() {
    use newsroom::articles::db::{ArticleBody, ArticleStatus, NewArticle, insert_many};
    use newsroom::store::Conn;

    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let reader = app.register_user().await;
    let now = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    let body = ArticleBody { body: "x".to_owned(), body_html: "<p>x</p>".to_owned() };
    let slugs: Vec<String> = (0..5_001).map(|n| format!("many-{n}")).collect();
    let mut conn = app.db();
    let mut ids = Vec::new();
    for chunk in slugs.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|slug| {
                let new = NewArticle {
                    slug,
                    title: slug,
                    excerpt: "",
                    status: ArticleStatus::Published,
                    published_at: Some(now),
                    category_id: None,
                    author_id: Some(editor.id as i32),
                    cover_image_url: None,
                    reading_time_minutes: 1,
                    created_at: now,
                    updated_at: now,
                    submitted_at: None,
                    announced_at: Some(now),
                    cover_image_id: None,
                };
                (new, &body)
            })
            .collect();
        ids.extend(insert_many(&mut conn, &rows).unwrap());
    }
    conn.transaction(|conn: &mut Conn| {
        for (n, id) in ids.iter().enumerate() {
            let value = if n % 2 == 0 { 1 } else { -1 };
            diesel::insert_into(article_votes::table)
                .values((
                    article_votes::user_id.eq(reader.id as i32),
                    article_votes::article_id.eq(id),
                    article_votes::value.eq(value),
                    article_votes::created_at.eq(now),
                    article_votes::updated_at.eq(now),
                ))
                .execute(conn)?;
        }
        diesel::QueryResult::Ok(())
    })
    .unwrap();

    for (n, expected) in [(0, json!(1)), (1, json!(-1)), (5_000, json!(1))] {
        let path = format!("/api/v1/articles/{}", ids[n]);
        for _ in 0..2 {
            assert_eq!(app.get_json(&path, reader.token()).await["my_vote"], expected, "article {n}");
        }
    }
    let other = app.publish(&editor, "Not voted on", json!({})).await;
    let path = format!("/api/v1/articles/{}", other["id"]);
    assert_eq!(app.get_json(&path, reader.token()).await["my_vote"], Value::Null);
    assert_eq!(tally_after(&app, &reader, &other, Some(-1)).await["my_vote"], -1);
    assert_eq!(app.get_json(&path, reader.token()).await["my_vote"], -1, "a vote shows at once");
    let listed = app.get_json("/api/v1/articles?limit=3", reader.token()).await;
    assert_eq!(listed["items"][0]["my_vote"], -1, "the newest is the one just voted on: {listed}");
}

//! Two instances of one site on one PostgreSQL database behave as one: what
//! the contract says is immediate is immediate on both, caches follow writes
//! made on the other instance, limits on guessing are shared, each webhook
//! event is delivered once, an idempotency key holds across them, and
//! instances started together on an empty database both come up.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cli::Site;
use crate::helpers::{PASSWORD, TestApp, assert_problem, spawn_instances, spawn_instances_with};
use crate::receivers::WebhookReceiver;
use crate::webhooks::subscribe;

/// How long a change on one instance may take to show on the other in these
/// tests: well under the caches' own freshness (1–2 s), so that passing
/// proves the announcement arrived rather than the entry expired. The
/// measured delay is printed; BENCHMARKS.md has the figure.
const WITHIN: Duration = Duration::from_millis(800);

async fn two_instances() -> (TestApp, TestApp) {
    let mut instances = spawn_instances(2).await;
    let b = instances.pop().unwrap();
    (instances.pop().unwrap(), b)
}

/// Reads `path` anonymously on `app` until `done` holds, and says how long that took.
async fn until(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Duration {
    app.get_json_until(path, WITHIN, done).await
}

/// Gives `article` a new title in the database itself, behind every
/// instance's back: no announcement drops a cached copy.
fn retitle_unannounced(app: &TestApp, article: &Value, title: &str) {
    let id = article["id"].as_i64().unwrap() as i32;
    diesel::update(newsroom::schema::articles::table.find(id))
        .set(newsroom::schema::articles::title.eq(title))
        .execute(&mut app.db())
        .unwrap();
}

/// Reads `path` on `app` twice, so that the second answer came from its cache.
async fn cached(app: &TestApp, path: &str) -> Value {
    app.get_json(path, None).await;
    app.get_json(path, None).await
}

#[tokio::test]
async fn a_vote_on_one_instance_is_in_the_others_tally_at_once() {
    let (a, b) = two_instances().await;
    let editor = a.user_with_role("editor").await;
    let reader = a.register_user().await;
    let article = a.publish(&editor, "Vote here, read there", json!({})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    assert_eq!(cached(&b, &path).await["votes"]["up"], 0);

    let voted = a.send_json(Method::PUT, &format!("{path}/vote"), reader.token(), &json!({"value": 1})).await;
    assert_eq!(voted.status(), StatusCode::OK);

    let mine = b.get_json(&format!("{path}/vote"), reader.token()).await;
    assert_eq!(mine, json!({"my_vote": 1, "up": 1, "down": 0, "score": 1}), "the signed-in tally is read at once");
    let delay = until(&b, &path, |body| body["votes"]["up"] == 1).await;
    eprintln!("vote on A reached B's cached article in {delay:?}");
}

/// Reads `path` as `reader` on `app` until `done` holds; at most 100 ms, the
/// contract's bound for another instance's write to reach what an instance
/// remembers of sessions and votes.
async fn signed_in_until(app: &TestApp, path: &str, token: Option<&str>, done: impl Fn(&Value) -> bool) {
    let start = Instant::now();
    loop {
        let body = app.get_json(path, token).await;
        if done(&body) {
            return;
        }
        assert!(start.elapsed() < Duration::from_millis(100), "{path} still shows {body}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_readers_vote_on_one_instance_is_their_vote_on_the_other_within_100_ms() {
    let (a, b) = two_instances().await;
    let editor = a.user_with_role("editor").await;
    let reader = a.register_user().await;
    let first = a.publish(&editor, "First to vote on", json!({})).await;
    let second = a.publish(&editor, "Second to vote on", json!({})).await;
    let (first, second) = (format!("/api/v1/articles/{}", first["id"]), format!("/api/v1/articles/{}", second["id"]));
    // B remembers the reader's votes (none) and the session.
    for path in [&first, &second] {
        assert_eq!(b.get_json(path, reader.token()).await["my_vote"], Value::Null);
    }

    for (path, value) in [(&first, json!(1)), (&second, json!(-1)), (&first, json!(-1))] {
        let voted = a.send_json(Method::PUT, &format!("{path}/vote"), reader.token(), &json!({"value": value})).await;
        assert_eq!(voted.status(), StatusCode::OK);
        signed_in_until(&b, path, reader.token(), |body| body["my_vote"] == value).await;
    }
    let withdrawn = a.request(Method::DELETE, &format!("{second}/vote"), reader.token()).send().await.unwrap();
    assert_eq!(withdrawn.status(), StatusCode::OK);
    signed_in_until(&b, &second, reader.token(), |body| body["my_vote"].is_null()).await;
    assert_eq!(b.get_json(&first, reader.token()).await["my_vote"], -1);
}

#[tokio::test]
async fn an_article_edited_on_one_instance_is_served_new_by_the_other() {
    let (a, b) = two_instances().await;
    let editor = a.user_with_role("editor").await;
    let article = a.publish(&editor, "First title", json!({})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let slug_path = format!("/api/v1/articles/{}", article["slug"].as_str().unwrap());
    assert_eq!(cached(&b, &slug_path).await["title"], "First title");
    assert_eq!(cached(&b, "/api/v1/articles").await["items"][0]["title"], "First title");

    let edited = a.send_json(Method::PATCH, &path, editor.token(), &json!({"title": "Second title"})).await;
    assert_eq!(edited.status(), StatusCode::OK);

    let delay = until(&b, &slug_path, |body| body["title"] == "Second title").await;
    eprintln!("an edit on A reached B's cached article in {delay:?}");
    until(&b, "/api/v1/articles", |body| body["items"][0]["title"] == "Second title").await;
}

#[tokio::test]
async fn an_instance_that_hears_every_write_keeps_an_article_past_its_seconds_and_drops_it_on_an_edit() {
    let (a, b) = two_instances().await;
    let editor = a.user_with_role("editor").await;
    let article = a.publish(&editor, "Kept while heard", json!({})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    // The publish's announcements reach B first: an article read while
    // something is dropped is kept for its seconds only.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(cached(&b, &path).await["title"], "Kept while heard");
    // A change nobody announces: B re-reading the article would show it.
    retitle_unannounced(&a, &article, "Changed unannounced");

    tokio::time::sleep(Duration::from_millis(2500)).await;
    for _ in 0..3 {
        assert_eq!(b.get_json(&path, None).await["title"], "Kept while heard", "past 2 s, still from memory");
    }
    let edited = a.send_json(Method::PATCH, &path, editor.token(), &json!({"excerpt": "Announced"})).await;
    assert_eq!(edited.status(), StatusCode::OK);
    until(&b, &path, |body| body["title"] == "Changed unannounced" && body["excerpt"] == "Announced").await;
}

#[tokio::test]
async fn a_category_renamed_on_one_instance_shows_in_the_others_breadcrumbs() {
    let (a, b) = two_instances().await;
    let editor = a.user_with_role("editor").await;
    a.create_category(&editor, "politics", "Politics", None).await;
    let article = a.publish(&editor, "Budget", json!({"category": "politics"})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    assert_eq!(cached(&b, &path).await["category"]["name"], "Politics");

    let renamed =
        a.send_json(Method::PATCH, "/api/v1/categories/politics", editor.token(), &json!({"name": "Policy"})).await;
    assert_eq!(renamed.status(), StatusCode::OK);

    until(&b, &path, |body| body["category"]["name"] == "Policy").await;
    assert_eq!(b.get_json("/api/v1/categories/politics", None).await["name"], "Policy");
}

#[tokio::test]
async fn revocations_on_one_instance_reject_the_token_on_the_other_at_once() {
    let (a, b) = two_instances().await;
    let admin = a.user_with_role("admin").await;
    let logging_out = a.register_user().await;
    let disabled = a.register_user().await;
    let deleted = a.register_user().await;
    for user in [&logging_out, &disabled, &deleted] {
        assert_eq!(b.me_status(&user.access_token).await, StatusCode::OK);
    }

    let logout = a.request(Method::POST, "/api/v1/auth/logout-all", logging_out.token()).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let disable = a
        .send_json(
            Method::PATCH,
            &format!("/api/v1/admin/users/{}", disabled.id),
            admin.token(),
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(disable.status(), StatusCode::OK);
    let delete = a
        .request(Method::DELETE, "/api/v1/users/me", deleted.token())
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);

    for user in [&logging_out, &disabled, &deleted] {
        assert_eq!(b.me_status(&user.access_token).await, StatusCode::UNAUTHORIZED, "{}", user.email);
        assert_eq!(b.refresh(&user.refresh_token).await.status(), StatusCode::UNAUTHORIZED, "{}", user.email);
    }
}

#[tokio::test]
async fn wrong_passwords_are_counted_once_for_both_instances() {
    let (a, b) = two_instances().await;
    let user = a.register_user().await;
    for attempt in 0..10 {
        let instance = if attempt % 2 == 0 { &a } else { &b };
        assert_eq!(instance.login(&user.email, "a wrong guess here").await.status(), StatusCode::UNAUTHORIZED);
    }

    let on_a = a.login(&user.email, PASSWORD).await;
    let on_b = b.login(&user.email, PASSWORD).await;

    assert_problem(on_a, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_problem(on_b, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

async fn forgot(app: &TestApp) -> reqwest::Response {
    app.post_json("/api/v1/auth/password/forgot", &json!({"email": "someone@example.com"})).await
}

#[tokio::test]
async fn reset_mails_are_counted_once_for_both_instances() {
    let (a, b) = two_instances().await;
    for attempt in 0..5 {
        let instance = if attempt % 2 == 0 { &a } else { &b };
        assert_eq!(forgot(instance).await.status(), StatusCode::ACCEPTED);
    }

    assert_problem(forgot(&b).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert_problem(forgot(&a).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

/// The server processes of one site; killed when the test ends.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn instances_started_together_on_an_empty_database_both_come_up() {
    let site = Site::new();
    let mut servers = Processes(Vec::new());
    for _ in 0..2 {
        let child = site.newsroom().args(["serve", "--bind", "127.0.0.1:0"]).stdout(Stdio::piped()).spawn().unwrap();
        servers.0.push(child);
    }

    let readers: Vec<_> = servers
        .0
        .iter_mut()
        .map(|child| {
            let stdout = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                let mut line = String::new();
                BufReader::new(stdout).read_line(&mut line).unwrap();
                line.trim().strip_prefix("listening on ").map(str::to_owned)
            })
        })
        .collect();
    let client = reqwest::Client::new();
    for reader in readers {
        let base = reader.join().unwrap().expect("the instance came up and printed its address");
        let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), StatusCode::OK);
        let register = client
            .post(format!("{base}/api/v1/auth/register"))
            .json(&json!({"email": format!("{}@example.com", crate::helpers::uuid_like()), "password": PASSWORD, "display_name": "Both"}))
            .send()
            .await
            .unwrap();
        assert_eq!(register.status(), StatusCode::CREATED);
    }
    let mut conn = diesel::PgConnection::establish(site.database.url()).unwrap();
    let migrations: i64 = diesel::sql_query("SELECT count(*) AS count FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut conn)
        .unwrap()
        .count;
    let embedded = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres")).unwrap().count();
    assert_eq!(migrations, embedded as i64, "every migration applied exactly once");
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    count: i64,
}

#[tokio::test]
async fn a_listener_that_lost_its_connection_reconnects_and_forgets_what_it_may_have_missed() {
    let (a, b) = two_instances().await;
    let editor = a.user_with_role("editor").await;
    let article = a.publish(&editor, "Before the outage", json!({})).await;
    let path = format!("/api/v1/articles/{}", article["id"]);
    let database = url::Url::parse(a.database_url()).unwrap().path().trim_start_matches('/').to_owned();
    let mut admin = diesel::PgConnection::establish(a.database_url()).unwrap();
    let mut listeners = |query: &str| -> i64 {
        diesel::sql_query(format!(
            "SELECT {query} AS count FROM pg_stat_activity WHERE datname = $1 AND application_name = 'newsroom-listener'"
        ))
        .bind::<diesel::sql_types::Text, _>(&database)
        .get_result::<Count>(&mut admin)
        .unwrap()
        .count
    };
    let before_caching = Instant::now();
    assert_eq!(cached(&b, &path).await["title"], "Before the outage");

    assert_eq!(listeners("count(pg_terminate_backend(pid))"), 2, "each instance listens on a connection of its own");
    // A change nobody announces: only clearing the cache on reconnecting shows it.
    retitle_unannounced(&a, &article, "Changed unannounced");

    until(&b, &path, |body| body["title"] == "Changed unannounced").await;
    assert!(before_caching.elapsed() < Duration::from_millis(1500), "the cached copy was dropped, not expired");
    let start = Instant::now();
    while listeners("count(*)") < 2 {
        assert!(start.elapsed() < Duration::from_secs(5), "both listeners are back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn each_event_is_delivered_once_by_one_of_the_instances() {
    let extra = [("--webhook-allow-private", "true"), ("--delivery-first-retry-ms", "10")];
    let instances = spawn_instances_with(2, &extra).await;
    let admin = instances[0].user_with_role("admin").await;
    let receiver = WebhookReceiver::started();
    subscribe(&instances[0], &admin, &receiver, &["article.published"]).await;

    let mut published = Vec::new();
    for n in 0..20 {
        let app = &instances[n % 2];
        published.push(app.publish(&admin, &format!("Story {n}"), json!({})).await["id"].clone());
    }

    receiver.wait_until(Duration::from_secs(30), |received| received.len() >= published.len()).await;
    // Both dispatchers poll every second: time for a second send, were there one.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let received = receiver.received();
    assert_eq!(received.len(), published.len(), "no event twice: {received:#?}");
    let mut arrived: Vec<Value> = received.iter().map(|record| record["body"]["data"]["id"].clone()).collect();
    arrived.sort_by_key(|id| id.as_i64());
    assert_eq!(arrived, published);
    assert!(received.iter().all(|record| record["verified"] == true));
}

#[tokio::test]
async fn an_idempotency_key_holds_across_instances() {
    let (a, b) = two_instances().await;
    let author = a.user_with_role("author").await;
    let body = json!({"title": "Across", "body": "Words."});
    let create = |app: &TestApp| {
        app.request(Method::POST, "/api/v1/articles", author.token())
            .header("Idempotency-Key", "across-1")
            .json(&body)
            .send()
    };

    let first = create(&a).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let created: Value = first.json().await.unwrap();
    let retry = create(&b).await.unwrap();

    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.json::<Value>().await.unwrap(), created);
    let stored: i64 = newsroom::schema::articles::table
        .filter(newsroom::schema::articles::title.eq("Across"))
        .count()
        .get_result(&mut a.db())
        .unwrap();
    assert_eq!(stored, 1);
}

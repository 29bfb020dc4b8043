//! The test harness: `spawn_app()` and one helper per common step.

use std::sync::Arc;

use diesel::Connection;
use newsroom::config::{Config, Settings};
use newsroom::startup::Application;
use newsroom::store::Conn;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;

pub const JWT_SECRET: &str = "test-secret-that-is-long-enough-for-hs256";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub dir: TempDir,
    /// Shared by the instances of one site ([`TestApp::another_instance`]).
    database: Arc<TestDatabase>,
    args: Vec<String>,
}

/// Where a test's data lives: a SQLite file in its temporary folder, or,
/// in the `api_postgres` suite, a PostgreSQL database of its own, dropped
/// when the test ends.
pub enum TestDatabase {
    Sqlite(String),
    Postgres { url: String, name: String, server: String },
}

/// The server the `api_postgres` suite runs on, or `None` in the SQLite suite.
fn postgres_server() -> Option<String> {
    if !module_path!().starts_with("api_postgres") {
        return None;
    }
    let url = std::env::var("NEWSROOM_TEST_POSTGRES_URL")
        .expect("the PostgreSQL suite was built with NEWSROOM_TEST_POSTGRES_URL set; set it again to run it");
    Some(url)
}

impl TestDatabase {
    pub fn create(dir: &TempDir) -> Self {
        let Some(server) = postgres_server() else {
            return Self::Sqlite(dir.path().join("newsroom.db").display().to_string());
        };
        let name = format!("newsroom_test_{}", uuid_like());
        let mut admin = diesel::PgConnection::establish(&server).expect("the test PostgreSQL server answers");
        diesel::connection::SimpleConnection::batch_execute(&mut admin, &format!("CREATE DATABASE {name}"))
            .expect("a database for the test");
        let mut url = url::Url::parse(&server).expect("NEWSROOM_TEST_POSTGRES_URL is a URL");
        url.set_path(&name);
        Self::Postgres { url: url.to_string(), name, server }
    }

    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite(path) => path,
            Self::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { name, server, .. } = self
            && let Ok(mut admin) = diesel::PgConnection::establish(server)
        {
            // FORCE: the test's server still holds its pool's connections.
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = diesel::connection::SimpleConnection::batch_execute(&mut admin, &drop);
        }
    }
}

/// A registered user and the session registration gave them.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts an app with extra `--flag value` settings on top of the test defaults.
pub async fn spawn_app_with(extra: &[(&str, &str)]) -> TestApp {
    let dir = TempDir::new().expect("temp dir");
    let database = TestDatabase::create(&dir);
    let args = default_args(&dir, &database, extra);
    start(args, dir, Arc::new(database)).await
}

/// On PostgreSQL, an app whose database URL is `route` of the test
/// database's (a proxy in front of it, say); `None` in the SQLite suite.
#[allow(dead_code, reason = "the weather of a database server is PostgreSQL's; the SQLite suite has no use for it")]
pub async fn spawn_app_through(route: impl FnOnce(&str) -> Option<String>, extra: &[(&str, &str)]) -> Option<TestApp> {
    let dir = TempDir::new().expect("temp dir");
    let database = TestDatabase::create(&dir);
    let TestDatabase::Postgres { url, .. } = &database else { return None };
    let routed = route(url)?;
    let mut extra = extra.to_vec();
    extra.push(("--database-url", &routed));
    let args = default_args(&dir, &database, &extra);
    Some(start(args, dir, Arc::new(database)).await)
}

/// Two instances of one site on PostgreSQL: the first connects directly,
/// the second through the address `route` makes of the database URL.
#[allow(dead_code, reason = "the weather of a database server is PostgreSQL's; the SQLite suite has no use for it")]
pub async fn spawn_pair_through(route: impl FnOnce(&str) -> Option<String>) -> Option<(TestApp, TestApp)> {
    let first = TempDir::new().expect("temp dir");
    let database = Arc::new(TestDatabase::create(&first));
    let TestDatabase::Postgres { url, .. } = &*database else { return None };
    let routed = route(url)?;
    let direct = default_args(&first, &database, &[("--vote-rate-limit", "0")]);
    let second = TempDir::new().expect("temp dir");
    let through = default_args(&second, &database, &[("--vote-rate-limit", "0"), ("--database-url", &routed)]);
    let direct = start(direct, first, database.clone()).await;
    Some((direct, start(through, second, database).await))
}

fn default_args(dir: &TempDir, database: &TestDatabase, extra: &[(&str, &str)]) -> Vec<String> {
    let defaults: Vec<(&str, String)> = vec![
        ("--database-url", database.url().to_owned()),
        ("--bind", "127.0.0.1:0".into()),
        ("--jwt-secret", JWT_SECRET.into()),
        ("--mail-outbox", dir.path().join("outbox").display().to_string()),
        ("--media-store", dir.path().join("media").display().to_string()),
        ("--public-url", "https://news.example".into()),
        ("--log", "warn".into()),
        // Tests log in far more often than people do; the limit has its own test.
        ("--auth-rate-limit", "0".into()),
        // Many apps share two cores while the suites run: a wait for a
        // connection that would mean trouble on a server is only contention
        // here. The weather tests set the production default.
        ("--database-timeout", "10".into()),
    ];
    let overridden: Vec<&str> = extra.iter().map(|(flag, _)| *flag).collect();
    let mut args: Vec<String> = Vec::new();
    for (flag, value) in defaults.into_iter().filter(|(flag, _)| !overridden.contains(flag)) {
        args.extend([flag.to_owned(), value]);
    }
    for (flag, value) in extra {
        args.extend([flag.to_string(), value.to_string()]);
    }
    args
}

/// `count` servers of one site on one new database: the same settings, each
/// with its own port, caches and in-process limits, as instances behind a
/// proxy are.
#[allow(dead_code, reason = "several instances share a database on PostgreSQL; the SQLite suite has no use for it")]
pub async fn spawn_instances(count: usize) -> Vec<TestApp> {
    spawn_instances_with(count, &[]).await
}

/// [`spawn_instances`] with extra `--flag value` settings for every instance.
pub async fn spawn_instances_with(count: usize, extra: &[(&str, &str)]) -> Vec<TestApp> {
    let first = TempDir::new().expect("temp dir");
    let database = Arc::new(TestDatabase::create(&first));
    let args = default_args(&first, &database, extra);
    let mut instances = vec![start(args.clone(), first, database.clone()).await];
    for _ in 1..count {
        instances.push(start(args.clone(), TempDir::new().expect("temp dir"), database.clone()).await);
    }
    instances
}

async fn start(args: Vec<String>, dir: TempDir, database: Arc<TestDatabase>) -> TestApp {
    let application = Application::build(config_from(&args)).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp { address, client: reqwest::Client::builder().build().expect("client"), dir, database, args }
}

fn config_from(args: &[String]) -> Config {
    Settings::from_args(args).expect("test settings parse").into_config().expect("test settings are valid")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// The configuration the app runs with (for library calls such as `create_user`).
    pub fn config(&self) -> Config {
        config_from(&self.args)
    }

    /// `NEWSROOM_DATABASE_URL` of the app, for the commands a test runs.
    pub fn database_url(&self) -> &str {
        self.database.url()
    }

    /// Uploads `bytes` as the `file` part, named `file_name` and declared as
    /// `content_type`, with the other text `parts` (alt, caption, credit).
    pub async fn upload(
        &self,
        token: Option<&str>,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
        parts: &[(&str, &str)],
    ) -> Response {
        let boundary = format!("newsroom-test-{}", uuid_like());
        let mut body = Vec::new();
        for (name, value) in parts {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.request(Method::POST, "/api/v1/media", token)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("upload")
    }

    /// The folder the app keeps media files in.
    pub fn media_folder(&self) -> std::path::PathBuf {
        self.dir.path().join("media")
    }

    /// A direct connection to the app's database, to check what was stored.
    pub fn db(&self) -> Conn {
        self.config().database.establish().expect("open the test database")
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token).send().await.expect("request sent")
    }

    pub async fn send_json(&self, method: Method, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(method, path, token).json(body).send().await.expect("request sent")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.send_json(Method::POST, path, None, body).await
    }

    pub async fn register(&self, email: &str, password: &str, display_name: &str) -> Response {
        self.post_json(
            "/api/v1/auth/register",
            &json!({"email": email, "password": password, "display_name": display_name}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_json("/api/v1/auth/login", &json!({"email": email, "password": password})).await
    }

    /// Registers a reader with a fresh email.
    pub async fn register_user(&self) -> TestUser {
        let email = format!("user-{}@example.com", uuid_like());
        let response = self.register(&email, PASSWORD, "Test User").await;
        assert_eq!(response.status(), StatusCode::CREATED, "registration works");
        let body: Value = response.json().await.expect("json");
        TestUser::from_token_response(&email, &body)
    }

    /// Creates a user with `role` through the library (as `newsroom create-user`
    /// does) and logs them in over HTTP.
    pub async fn user_with_role(&self, role: &str) -> TestUser {
        let email = format!("{role}-{}@example.com", uuid_like());
        let config = self.config();
        let (mail, pw) = (email.clone(), PASSWORD.to_owned());
        let role = role.to_owned();
        tokio::task::spawn_blocking(move || newsroom::cli::create_user(&config, &mail, "Staff", &role, pw))
            .await
            .expect("join")
            .expect("user created");
        self.logged_in(&email, PASSWORD).await
    }

    pub async fn logged_in(&self, email: &str, password: &str) -> TestUser {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login works");
        let body: Value = response.json().await.expect("json");
        TestUser::from_token_response(email, &body)
    }

    /// GET /users/me with `token`, returning the status.
    pub async fn me_status(&self, token: &str) -> StatusCode {
        self.get("/api/v1/users/me", Some(token)).await.status()
    }

    /// Every mail in the outbox, oldest first.
    pub fn outbox(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("outbox")) else {
            return Vec::new();
        };
        let mut mails: Vec<(std::time::SystemTime, String)> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "eml"))
            .map(|entry| {
                let modified = entry.metadata().and_then(|m| m.modified()).expect("mtime");
                (modified, std::fs::read_to_string(entry.path()).expect("mail is text"))
            })
            .collect();
        mails.sort();
        mails.into_iter().map(|(_, mail)| mail).collect()
    }

    /// Waits (up to 10 s) until the outbox holds `count` mails, which are
    /// written in the background after the HTTP answer.
    pub async fn wait_for_mails(&self, count: usize) -> Vec<String> {
        for _ in 0..200 {
            let mails = self.outbox();
            if mails.len() >= count {
                return mails;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("expected {count} mail(s), found {}", self.outbox().len());
    }

    /// Creates an article as `writer` from a JSON body with at least a title;
    /// the body defaults to a sentence. Returns the created article.
    pub async fn create_article(&self, writer: &TestUser, mut article: Value) -> Value {
        if article.get("body").is_none() {
            article["body"] = json!("Some words about the news.");
        }
        let response = self.send_json(Method::POST, "/api/v1/articles", writer.token(), &article).await;
        assert_eq!(
            response.status(),
            StatusCode::CREATED,
            "article created: {}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("json")
    }

    /// A published article with this title, body and extra fields.
    pub async fn publish(&self, writer: &TestUser, title: &str, extra: Value) -> Value {
        let mut article = json!({"title": title, "status": "published"});
        for (key, value) in extra.as_object().expect("an object") {
            article[key] = value.clone();
        }
        self.create_article(writer, article).await
    }

    pub async fn create_category(&self, editor: &TestUser, slug: &str, name: &str, parent: Option<&str>) -> Value {
        let body = json!({"slug": slug, "name": name, "parent": parent});
        let response = self.send_json(Method::POST, "/api/v1/categories", editor.token(), &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "category created");
        response.json().await.expect("json")
    }

    /// GET a JSON body, asserting 200.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        let response = self.get(path, token).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("json")
    }

    /// GETs `path` anonymously until `done` holds, failing after `within`;
    /// how long that took. For what another process or instance wrote,
    /// which an instance may serve from memory for a bounded time.
    pub async fn get_json_until(
        &self,
        path: &str,
        within: std::time::Duration,
        done: impl Fn(&Value) -> bool,
    ) -> std::time::Duration {
        let start = std::time::Instant::now();
        loop {
            let body = self.get_json(path, None).await;
            if done(&body) {
                return start.elapsed();
            }
            assert!(start.elapsed() < within, "{path} still shows {body} after {:?}", start.elapsed());
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }

    /// The ids of a list's items.
    pub async fn ids(&self, path: &str, token: Option<&str>) -> Vec<i64> {
        let body = self.get_json(path, token).await;
        body["items"].as_array().expect("items").iter().map(|item| item["id"].as_i64().expect("id")).collect()
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post_json("/api/v1/auth/refresh", &json!({"refresh_token": refresh_token})).await
    }
}

impl TestUser {
    pub fn from_token_response(email: &str, body: &Value) -> Self {
        Self {
            id: body["user"]["id"].as_i64().expect("user id"),
            email: email.to_owned(),
            access_token: body["access_token"].as_str().expect("access token").to_owned(),
            refresh_token: body["refresh_token"].as_str().expect("refresh token").to_owned(),
        }
    }

    pub fn token(&self) -> Option<&str> {
        Some(&self.access_token)
    }
}

/// A short random suffix for unique emails.
pub fn uuid_like() -> String {
    let mut bytes = [0u8; 8];
    rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Asserts a problem+json answer with `status` and `code`, and returns its body.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "status of {}", response.url());
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["code"], code, "code in {body}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["type"], "about:blank");
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(body["request_id"], request_id, "the body names the request id of the header");
    body
}

/// The field names of a JSON object, sorted: what a body holds, whatever
/// order the server wrote it in.
pub fn field_names(body: &Value) -> Vec<String> {
    let mut names: Vec<String> = body.as_object().expect("an object").keys().cloned().collect();
    names.sort();
    names
}

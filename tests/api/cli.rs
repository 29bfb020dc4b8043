//! The `newsroom` binary's commands and its handling of bad configuration.

use std::io::Write;
use std::process::{Command, Stdio};

use tempfile::TempDir;

use crate::helpers::{JWT_SECRET, TestDatabase};

/// A folder to run commands in and the database they work on. Declared in
/// this order so that a PostgreSQL database is dropped before the folder.
pub struct Site {
    pub database: TestDatabase,
    pub dir: TempDir,
}

impl Site {
    pub fn new() -> Self {
        let dir = TempDir::new().unwrap();
        Self { database: TestDatabase::create(&dir), dir }
    }

    pub fn newsroom(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_newsroom"));
        command
            .current_dir(self.dir.path())
            .env("NEWSROOM_DATABASE_URL", self.database.url())
            .env("NEWSROOM_LOG", "warn");
        match self.database {
            // On SQLite the secret is generated beside the database, which
            // one test checks.
            TestDatabase::Sqlite(_) => command.env_remove("NEWSROOM_JWT_SECRET"),
            TestDatabase::Postgres { .. } => command.env("NEWSROOM_JWT_SECRET", JWT_SECRET),
        };
        command
    }
}

#[test]
fn create_user_reads_the_password_from_stdin_and_prints_the_id() {
    let site = Site::new();
    let mut child = site
        .newsroom()
        .args(["create-user", "--email", "chief@example.com", "--display-name", "Chief", "--role", "admin"])
        .arg("--password-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"a long enough passphrase\nignored second line\n").unwrap();
    let output = child.wait_with_output().unwrap();

    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), "1\n");
    let TestDatabase::Sqlite(path) = &site.database else { return };
    let secret = std::path::Path::new(path).with_file_name("jwt-secret");
    assert!(secret.exists(), "a secret is generated beside the database");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn create_user_refuses_weak_passwords_and_duplicates() {
    let site = Site::new();
    let create = |password: &str| {
        let mut child = site
            .newsroom()
            .args(["create-user", "--email", "a@example.com", "--display-name", "A", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let weak = create("password123\n");
    assert_eq!(weak.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password is too common"));
    assert!(create("a long enough passphrase\n").status.success());
    let duplicate = create("a long enough passphrase\n");
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));
}

#[test]
fn bad_configuration_exits_2_naming_the_variable() {
    let site = Site::new();
    let cases = [
        ("NEWSROOM_JWT_SECRET", "too-short"),
        ("NEWSROOM_PUBLIC_URL", "not a url"),
        ("NEWSROOM_DATABASE_URL", "postgres:///no-host"),
        ("NEWSROOM_DATABASE_URL", "postgress://user:secret@db.example/news"),
        ("NEWSROOM_DATABASE_URL", "mysql://user:secret@db.example/news"),
        ("NEWSROOM_BIND", "localhost"),
        ("NEWSROOM_ACCESS_TOKEN_TTL", "soon"),
        ("NEWSROOM_CORS_ORIGINS", "not an origin"),
        ("NEWSROOM_LOG", "[[["),
        ("NEWSROOM_LOG_FORMAT", "xml"),
        ("NEWSROOM_PUBLIC_URL", "not-a-url"),
        ("NEWSROOM_MAX_COLLECTIONS", "0"),
        ("NEWSROOM_MAX_COLLECTION_ARTICLES", "0"),
    ];
    for (variable, value) in cases {
        let output = site.newsroom().arg("migrate").env(variable, value).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{variable}={value}");
        assert_one_error_line(&output.stderr, variable);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("secret@"), "no password in: {stderr}");
        assert!(!stderr.contains("relative URL without a base"), "a reason a person reads: {stderr}");
    }
    let folders: Vec<_> = std::fs::read_dir(site.dir.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
    assert!(
        !folders
            .iter()
            .any(|name| name.to_string_lossy().contains("postgress") || name.to_string_lossy().contains("mysql")),
        "no folder named after a URL: {folders:?}"
    );
}

/// Exactly one `error:` line, which names `variable`; besides it only log
/// lines (a generated JWT secret's warning), none of clap's usage text.
fn assert_one_error_line(stderr: &[u8], variable: &str) {
    let stderr = String::from_utf8_lossy(stderr);
    let errors: Vec<_> = stderr.lines().filter(|line| line.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "one error line: {stderr}");
    assert!(errors.iter().all(|line| line.contains(variable)), "{variable} named in: {stderr}");
    assert!(
        stderr.lines().all(|line| line.starts_with("error: ") || line.contains(" WARN ")),
        "nothing else: {stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "no colour codes into a pipe: {stderr:?}");
}

#[test]
fn problems_found_at_start_up_exit_2_naming_the_variable() {
    let site = Site::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut cases = vec![
        ("NEWSROOM_BIND", taken.local_addr().unwrap().to_string()),
        ("NEWSROOM_MAIL_OUTBOX", "/dev/null/outbox".to_owned()),
    ];
    if let TestDatabase::Sqlite(_) = site.database {
        cases.push(("NEWSROOM_DATABASE_URL", "/dev/null/site/newsroom.db".to_owned()));
    }
    for (variable, value) in cases {
        let output = site.newsroom().arg("serve").env(variable, &value).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{variable}={value}: {output:?}");
        assert_one_error_line(&output.stderr, variable);
    }
}

#[test]
fn commands_that_do_not_serve_need_no_jwt_secret_on_postgresql() {
    let site = Site::new();
    let TestDatabase::Postgres { .. } = site.database else { return };
    for command in ["migrate", "check", "seed-demo"] {
        let output = site.newsroom().arg(command).env_remove("NEWSROOM_JWT_SECRET").output().unwrap();
        assert!(output.status.success(), "{command}: {output:?}");
    }
    let serve = site.newsroom().arg("serve").env_remove("NEWSROOM_JWT_SECRET").output().unwrap();
    assert_eq!(serve.status.code(), Some(2));
    assert_one_error_line(&serve.stderr, "NEWSROOM_JWT_SECRET");
}

#[test]
fn a_reader_that_stops_early_is_no_error() {
    let site = Site::new();
    let mut child = site.newsroom().arg("openapi").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut start = [0u8; 10];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut start).unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "like `newsroom openapi | head`: {output:?}");
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_scheme_in_capitals_is_still_postgresql() {
    let site = Site::new();
    let url = site.database.url();
    let Some(rest) = url.strip_prefix("postgres://") else {
        return;
    };

    let output =
        site.newsroom().arg("migrate").env("NEWSROOM_DATABASE_URL", format!("Postgres://{rest}")).output().unwrap();

    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("applied "));
}

#[test]
fn migrate_applies_migrations_once() {
    let site = Site::new();
    let first = site.newsroom().arg("migrate").output().unwrap();
    assert!(first.status.success(), "{first:?}");
    assert!(String::from_utf8_lossy(&first.stdout).starts_with("applied "));
    let again = site.newsroom().arg("migrate").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&again.stdout), "applied 0 migration(s)\n");
}

#[test]
fn openapi_prints_the_document() {
    let site = Site::new();
    let output = site.newsroom().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(printed == include_str!("../../openapi/openapi.json"), "`newsroom openapi` prints the committed document");
}

#[test]
fn seed_demo_loads_a_living_site_once() {
    let site = Site::new();
    let first = site.newsroom().arg("seed-demo").output().unwrap();
    assert!(first.status.success(), "{first:?}");
    let stdout = String::from_utf8(first.stdout).unwrap();
    assert!(stdout.starts_with("added 8 categories, 30 articles, 1 page\n"), "{stdout}");
    assert!(stdout.contains("demo editor: editor@example.com / demo-"), "{stdout}");

    let again = site.newsroom().arg("seed-demo").output().unwrap();
    let stdout = String::from_utf8(again.stdout).unwrap();
    assert_eq!(
        stdout, "added 0 categories, 0 articles, 0 pages\ndemo editor: editor@example.com (kept its password)\n",
        "idempotent, and the printed password still works"
    );
}

#[test]
fn seed_bench_fills_an_empty_database_whose_tallies_check_out() {
    let site = Site::new();
    let seeded = site.newsroom().args(["seed-bench", "--scale", "0.01"]).output().unwrap();
    assert!(seeded.status.success(), "{seeded:?}");
    let stdout = String::from_utf8(seeded.stdout).unwrap();
    assert!(
        stdout.starts_with("100 users, 5 categories, 50 tags, 1000 articles, 10000 votes, 500 collection items in "),
        "{stdout}"
    );

    let check = site.newsroom().arg("check").output().unwrap();
    assert!(check.status.success(), "{check:?}");
    assert_eq!(String::from_utf8(check.stdout).unwrap(), "all vote tallies match the votes table\n");

    let again = site.newsroom().args(["seed-bench", "--scale", "0.01"]).output().unwrap();
    assert_eq!(again.status.code(), Some(1), "only an empty database is seeded: {again:?}");
}

#[test]
fn copy_database_names_the_flag_of_a_database_it_cannot_open() {
    let site = Site::new();
    assert!(site.newsroom().arg("migrate").output().unwrap().status.success());
    let output = site
        .newsroom()
        .args(["copy-database", "--from", site.database.url(), "--to", "postgres://newsroom@127.0.0.1:1/missing"])
        .env("NEWSROOM_DATABASE_URL", "postgres://unused@127.0.0.1:1/unused")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_one_error_line(&output.stderr, "--to: cannot open the database");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("NEWSROOM_DATABASE_URL"), "{output:?}");
}

#[test]
fn backup_copies_a_sqlite_site_and_names_pg_dump_on_postgresql() {
    let site = Site::new();
    assert!(site.newsroom().arg("seed-demo").output().unwrap().status.success());
    let copy = site.dir.path().join("backups/monday.db");
    std::fs::create_dir(copy.parent().unwrap()).unwrap();

    let backup = site.newsroom().arg("backup").arg(&copy).output().unwrap();

    if let TestDatabase::Postgres { .. } = site.database {
        assert_eq!(backup.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&backup.stderr).contains("pg_dump"), "{backup:?}");
        assert!(!copy.exists());
        return;
    }
    assert!(backup.status.success(), "{backup:?}");
    assert!(String::from_utf8_lossy(&backup.stdout).starts_with(&format!("backed up into {}", copy.display())));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let from_copy = |command: &str| site.newsroom().arg(command).env("NEWSROOM_DATABASE_URL", &copy).output().unwrap();
    let seeded_again = from_copy("seed-demo");
    assert!(
        String::from_utf8_lossy(&seeded_again.stdout).starts_with("added 0 categories, 0 articles, 0 pages"),
        "the copy holds the whole site: {seeded_again:?}"
    );
    assert!(from_copy("check").status.success());
    let again = site.newsroom().arg("backup").arg(&copy).output().unwrap();
    assert_eq!(again.status.code(), Some(1), "an existing file is never overwritten");
}

#[test]
fn start_up_says_which_database_where_the_docs_are_and_that_no_admin_exists() {
    let site = Site::new();
    let mut server = site
        .newsroom()
        .arg("serve")
        .env("NEWSROOM_BIND", "127.0.0.1:0")
        .env("NEWSROOM_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    let stderr = server.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            if lines.send(line).is_err() {
                return;
            }
        }
    });
    let mut said = Vec::new();
    while !(said.iter().any(|line: &String| line.contains("no admin account yet"))) {
        match received.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(line) => said.push(line),
            Err(_) => break,
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let serving = said.iter().find(|line| line.contains("serving")).unwrap_or_else(|| panic!("{said:#?}"));
    let database = match &site.database {
        TestDatabase::Sqlite(path) => format!("SQLite at {path}"),
        TestDatabase::Postgres { .. } => "PostgreSQL at 127.0.0.1/".to_owned(),
    };
    assert!(serving.contains(&database), "{serving}");
    assert!(serving.contains("/docs"), "{serving}");
    assert!(!serving.contains("postgres://"), "no URL, which may hold a password: {serving}");
    assert!(said.iter().any(|line| line.contains("newsroom create-user --role admin")), "{said:#?}");
}

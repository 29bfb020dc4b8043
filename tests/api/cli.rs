//! The `newsroom` binary's commands and its handling of bad configuration.

use std::io::Write;
use std::process::{Command, Stdio};

use tempfile::TempDir;

fn newsroom(dir: &TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_newsroom"));
    command
        .current_dir(dir.path())
        .env_remove("NEWSROOM_JWT_SECRET")
        .env("NEWSROOM_DATABASE_URL", dir.path().join("cli.db"))
        .env("NEWSROOM_LOG", "warn");
    command
}

#[test]
fn create_user_reads_the_password_from_stdin_and_prints_the_id() {
    let dir = TempDir::new().unwrap();
    let mut child = newsroom(&dir)
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
    let secret = dir.path().join("jwt-secret");
    assert!(secret.exists(), "a secret is generated beside the database");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777, 0o600);
    }
}

#[test]
fn create_user_refuses_weak_passwords_and_duplicates() {
    let dir = TempDir::new().unwrap();
    let create = |password: &str| {
        let mut child = newsroom(&dir)
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
    let dir = TempDir::new().unwrap();
    let cases = [
        ("NEWSROOM_JWT_SECRET", "too-short"),
        ("NEWSROOM_PUBLIC_URL", "not a url"),
        ("NEWSROOM_DATABASE_URL", "postgres:///no-host"),
        ("NEWSROOM_BIND", "localhost"),
        ("NEWSROOM_ACCESS_TOKEN_TTL", "soon"),
        ("NEWSROOM_CORS_ORIGINS", "not an origin"),
        ("NEWSROOM_LOG", "[[["),
    ];
    for (variable, value) in cases {
        let output = newsroom(&dir).arg("migrate").env(variable, value).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{variable}={value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(variable), "{variable} named in: {stderr}");
    }
}

#[test]
fn migrate_applies_migrations_once() {
    let dir = TempDir::new().unwrap();
    let first = newsroom(&dir).arg("migrate").output().unwrap();
    assert!(first.status.success(), "{first:?}");
    assert!(String::from_utf8_lossy(&first.stdout).starts_with("applied "));
    let again = newsroom(&dir).arg("migrate").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&again.stdout), "applied 0 migration(s)\n");
}

#[test]
fn migrate_empties_a_wal_left_behind() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};

    let dir = TempDir::new().unwrap();
    assert!(newsroom(&dir).arg("migrate").output().unwrap().status.success());
    // An open connection keeps SQLite from folding the WAL away on close, as
    // a crashed writer would.
    let mut holder = SqliteConnection::establish(&dir.path().join("cli.db").display().to_string()).unwrap();
    holder
        .batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
             CREATE TABLE filler (x BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO filler SELECT randomblob(4000) FROM n;",
        )
        .unwrap();
    let wal = dir.path().join("cli.db-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 2_000_000, "the WAL holds the writes");

    assert!(newsroom(&dir).arg("migrate").output().unwrap().status.success());

    assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0, "checkpointed into the database and truncated");
    drop(holder);
}

#[test]
fn openapi_prints_the_document() {
    let dir = TempDir::new().unwrap();
    let output = newsroom(&dir).arg("openapi").output().unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(printed == include_str!("../../openapi/openapi.json"), "`newsroom openapi` prints the committed document");
}

#[test]
fn seed_demo_loads_a_living_site_once() {
    let dir = TempDir::new().unwrap();
    let first = newsroom(&dir).arg("seed-demo").output().unwrap();
    assert!(first.status.success(), "{first:?}");
    let stdout = String::from_utf8(first.stdout).unwrap();
    assert!(stdout.starts_with("added 8 categories, 30 articles, 1 pages\n"), "{stdout}");
    assert!(stdout.contains("demo editor: editor@example.com / demo-"), "{stdout}");

    let again = newsroom(&dir).arg("seed-demo").output().unwrap();
    let stdout = String::from_utf8(again.stdout).unwrap();
    assert!(stdout.starts_with("added 0 categories, 0 articles, 0 pages\n"), "idempotent: {stdout}");
}

//! What only the PostgreSQL backend has to show: connection failures named in
//! one line with exit code 2, and migrations that two instances starting at
//! once do not apply twice.

use std::process::{Command, Stdio};

use crate::helpers::TestDatabase;

fn newsroom(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_newsroom"));
    command
        .env("NEWSROOM_DATABASE_URL", url)
        .env("NEWSROOM_JWT_SECRET", crate::helpers::JWT_SECRET)
        .env("NEWSROOM_LOG", "error");
    command
}

fn server_url(database: &str) -> String {
    let mut url = url::Url::parse(&std::env::var("NEWSROOM_TEST_POSTGRES_URL").unwrap()).unwrap();
    url.set_path(database);
    url.to_string()
}

#[test]
fn an_unreachable_database_is_one_line_and_exit_2() {
    let mut refused = url::Url::parse(&server_url("test")).unwrap();
    refused.set_port(Some(1)).unwrap();
    let mut unknown_role = url::Url::parse(&server_url("test")).unwrap();
    unknown_role.set_username("no_such_role").unwrap();
    let cases = [
        (server_url("no_such_database"), "database \"no_such_database\" does not exist"),
        (unknown_role.to_string(), "role \"no_such_role\" does not exist"),
        (refused.to_string(), "Connection refused"),
    ];
    for (url, reason) in cases {
        let output = newsroom(&url).arg("migrate").output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{url}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(stderr.starts_with("error: NEWSROOM_DATABASE_URL: cannot open the database:"), "{stderr}");
        assert!(stderr.contains(reason), "{reason} in {stderr}");
    }
}

#[test]
fn migrations_started_at_once_apply_once() {
    let dir = tempfile::TempDir::new().unwrap();
    let database = TestDatabase::create(&dir);
    let runs: Vec<_> =
        (0..3).map(|_| newsroom(database.url()).arg("migrate").stdout(Stdio::piped()).spawn().unwrap()).collect();
    let outputs: Vec<_> = runs.into_iter().map(|run| run.wait_with_output().unwrap()).collect();
    assert!(outputs.iter().all(|output| output.status.success()), "{outputs:?}");
    let again = newsroom(database.url()).arg("migrate").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&again.stdout).trim(), "applied 0 migration(s)");
}

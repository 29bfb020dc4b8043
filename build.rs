//! Builds the PostgreSQL run of the API suite (`tests/api_postgres.rs`) only
//! when `NEWSROOM_TEST_POSTGRES_URL` names a server, so that `cargo test` on a
//! machine without PostgreSQL runs the SQLite suite alone.

fn main() {
    println!("cargo::rerun-if-env-changed=NEWSROOM_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(postgres_tests)");
    if std::env::var("NEWSROOM_TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=postgres_tests");
    }
}

//! The API suite of `tests/api`, run again on PostgreSQL, each test in a
//! database of its own, dropped when it ends. It is built only when
//! `NEWSROOM_TEST_POSTGRES_URL` names a server (see `build.rs`): for example
//! `NEWSROOM_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo test`.
//! What only SQLite has (its files, its WAL) is tested on SQLite alone.

#![cfg(postgres_tests)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    reason = "a test fails loudly at the first surprise"
)]

#[path = "api/articles.rs"]
mod articles;
#[path = "api/auth.rs"]
mod auth;
#[path = "api/categories.rs"]
mod categories;
#[path = "api/cli.rs"]
mod cli;
#[path = "api/collections.rs"]
mod collections;
#[path = "api/copy.rs"]
mod copy;
#[path = "api/durability.rs"]
mod durability;
#[path = "api/errors.rs"]
mod errors;
#[path = "api/feeds.rs"]
mod feeds;
#[path = "api/files.rs"]
mod files;
#[path = "api/helpers.rs"]
mod helpers;
#[path = "api/hostile.rs"]
mod hostile;
#[path = "api/idempotency.rs"]
mod idempotency;
#[path = "api/ids.rs"]
mod ids;
#[path = "api/instances.rs"]
mod instances;
#[path = "api/media.rs"]
mod media;
#[path = "api/nesting.rs"]
mod nesting;
#[path = "api/openapi.rs"]
mod openapi;
#[path = "api/ops.rs"]
mod ops;
#[path = "api/password_reset.rs"]
mod password_reset;
#[path = "api/postgres.rs"]
mod postgres;
#[path = "api/preconditions.rs"]
mod preconditions;
#[path = "api/receivers.rs"]
mod receivers;
#[path = "api/search.rs"]
mod search;
#[path = "api/signed_in.rs"]
mod signed_in;
#[path = "api/smtp.rs"]
mod smtp;
#[path = "api/users.rs"]
mod users;
#[path = "api/votes.rs"]
mod votes;
#[path = "api/weather.rs"]
mod weather;
#[path = "api/webhooks.rs"]
mod webhooks;
#[path = "api/wordpress.rs"]
mod wordpress;
#[path = "api/wordpress_media.rs"]
mod wordpress_media;
#[path = "api/wordpress_safety.rs"]
mod wordpress_safety;
#[path = "api/workflow.rs"]
mod workflow;

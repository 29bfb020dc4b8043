//! Black-box tests: each test starts the real HTTP app on port 0 against its
//! own SQLite file in a temporary folder and talks to it over HTTP. The same
//! tests run on PostgreSQL from `tests/api_postgres.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice,
    reason = "a test fails loudly at the first surprise"
)]

mod articles;
mod auth;
mod categories;
mod cli;
mod collections;
mod durability;
mod errors;
mod feeds;
mod files;
mod helpers;
mod hostile;
mod idempotency;
mod ids;
mod media;
mod nesting;
mod openapi;
mod ops;
mod password_reset;
mod preconditions;
mod receivers;
mod search;
mod signed_in;
mod smtp;
mod sqlite;
mod users;
mod votes;
mod webhooks;
mod wordpress;
mod wordpress_media;
mod wordpress_safety;
mod workflow;

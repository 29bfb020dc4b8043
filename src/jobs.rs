//! What runs on a timer: housekeeping (expired sessions, reset links, spent
//! attempt counts, old deliveries and idempotency keys), the hot-rank
//! refresh, announcing scheduled articles whose time came, and SQLite's WAL
//! checkpoints.
//!
//! Several instances on one database all have the timers, but each site-wide
//! job runs once per interval for the whole site: the instance whose timer
//! fires first claims the turn in `job_runs` (one row per job, with when it
//! last started), in a write transaction that the database serialises, and
//! the others find the turn taken and skip it. Checkpoints concern SQLite's
//! file alone, one process, so they simply run.

use std::time::Duration;

use actix_web::web;
use diesel::prelude::*;

use crate::articles::rank::{self, refresh_hot_ranks};
use crate::deliveries::{self, dispatch};
use crate::schema::job_runs;
use crate::state::AppState;
use crate::store::{self, Conn, on_backend};
use crate::{articles, auth, idempotency};

/// How often expired tokens, reset links and spent attempt counts are deleted.
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// How often the WAL is checkpointed into the database file.
const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// How often scheduled articles whose time came are announced to webhooks:
/// within seconds of going public, as readers see them.
const ANNOUNCE_INTERVAL: Duration = Duration::from_secs(5);

/// The most scheduled articles announced in one transaction.
const ANNOUNCE_BATCH: i64 = 100;

/// How long a replayable response to an `Idempotency-Key` is kept.
pub const IDEMPOTENCY_KEPT: Duration = Duration::from_secs(24 * 60 * 60);

/// A timer of another instance that fired a little earlier than ours still
/// counts as this interval's run.
const TIMER_SLACK: Duration = Duration::from_secs(5);

/// Starts every timer on the runtime that built the server; they end with it.
pub fn spawn_all(state: &web::Data<AppState>) {
    spawn_site_wide(state.clone(), "housekeeping", HOUSEKEEPING_INTERVAL, |conn| {
        let deleted = auth::db::delete_expired_sessions(conn)?
            + auth::db::delete_expired_resets(conn)?
            + auth::attempts::delete_refilled(conn)?
            + deliveries::db::prune(conn, dispatch::prune_before())?
            + idempotency::prune(conn, IDEMPOTENCY_KEPT)?;
        store::optimize(conn)?;
        Ok(deleted)
    });
    spawn_site_wide(state.clone(), "hot_ranks", rank::REFRESH_INTERVAL, refresh_hot_ranks);
    spawn_announcements(state.clone());
    spawn_checkpoints(state.clone());
}

/// Announces scheduled articles as their time comes. Every instance runs
/// it; each article is claimed by one ([`articles::db::claim_announcement`]).
fn spawn_announcements(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut interval = actix_web::rt::time::interval(ANNOUNCE_INTERVAL);
        loop {
            interval.tick().await;
            let media = state.media.urls.clone();
            let announced = state
                .write(move |conn, effects| articles::write::announce_due(conn, effects, &media, ANNOUNCE_BATCH))
                .await;
            match announced {
                Ok(0) => {}
                Ok(count) => tracing::info!(count, "scheduled articles announced"),
                Err(error) => tracing::warn!(error = %error, "announcing scheduled articles failed"),
            }
        }
    });
}

/// Runs `job` every `every`, unless another instance already ran it in this interval.
fn spawn_site_wide(
    state: web::Data<AppState>,
    name: &'static str,
    every: Duration,
    job: fn(&mut Conn) -> QueryResult<usize>,
) {
    tokio::spawn(async move {
        let mut interval = actix_web::rt::time::interval(every);
        loop {
            interval.tick().await;
            let outcome =
                store::run(
                    &state.pool,
                    move |conn| {
                        if claim_turn(conn, name, every)? { job(conn).map(Some) } else { Ok(None) }
                    },
                )
                .await;
            match outcome {
                Ok(Some(rows)) => tracing::debug!(job = name, rows, "periodic job ran"),
                Ok(None) => tracing::debug!(job = name, "periodic job ran on another instance"),
                Err(error) => tracing::warn!(job = name, error = %error, "periodic job failed"),
            }
        }
    });
}

/// Takes this interval's turn at job `name`: false when another instance took
/// it less than `every` ago.
pub fn claim_turn(conn: &mut Conn, name: &str, every: Duration) -> QueryResult<bool> {
    store::write_on(conn, |conn| {
        let now = chrono::Utc::now().timestamp_millis();
        let last: Option<i64> = job_runs::table.find(name).select(job_runs::started_at_ms).first(conn).optional()?;
        let due_after = i64::try_from(every.saturating_sub(TIMER_SLACK).as_millis()).unwrap_or(i64::MAX);
        if last.is_some_and(|last| now.saturating_sub(last) < due_after) {
            return Ok(false);
        }
        let turn = (job_runs::name.eq(name), job_runs::started_at_ms.eq(now));
        on_backend!(conn, |conn| diesel::insert_into(job_runs::table)
            .values(turn)
            .on_conflict(job_runs::name)
            .do_update()
            .set(job_runs::started_at_ms.eq(now))
            .execute(conn))?;
        Ok(true)
    })
}

/// Checkpoints the WAL on a timer, off every request's path.
fn spawn_checkpoints(state: web::Data<AppState>) {
    if state.pool.is_postgres() {
        return;
    }
    tokio::spawn(async move {
        let mut interval = actix_web::rt::time::interval(CHECKPOINT_INTERVAL);
        loop {
            interval.tick().await;
            if let Err(error) = store::run(&state.pool, store::checkpoint).await {
                tracing::warn!(error = %error, "checkpoint failed");
            }
        }
    });
}

//! The "hot" rank, `(score + 1) / (age_hours + 2)^1.8`, stored with each
//! article's vote counters so that the front page never computes it per row: refreshed by every vote
//! and publication, and on a timer so that age decay shows.

use crate::store::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::db::{ArticleRow, publicly_visible, with_tally};
use crate::schema::{article_tallies, articles};
use crate::time;

/// Hacker News gravity: `(score + 1) / (age_hours + 2)^1.8`; 0 for anything
/// not public yet, so scheduled articles never rank.
pub fn hot_rank(score: i32, published_at: Option<NaiveDateTime>, public: bool, now: NaiveDateTime) -> f64 {
    let Some(published_at) = published_at.filter(|at| public && *at <= now) else {
        return 0.0;
    };
    let age_hours = (now - published_at).num_seconds() as f64 / 3600.0;
    f64::from(score + 1) / (age_hours + 2.0).powf(1.8)
}

/// Recomputes the stored hot rank of one article (after a publish, a
/// reschedule or a vote).
#[tracing::instrument(level = "debug", skip_all)]
pub fn refresh_hot_rank(conn: &mut Conn, id: i32) -> QueryResult<()> {
    let row = with_tally().filter(articles::id.eq(id)).select(ArticleRow::as_select()).first(conn)?;
    let now = time::now();
    let hot = hot_rank(row.tally.score, row.published_at, row.is_public(now), now);
    diesel::update(article_tallies::table.find(id)).set(article_tallies::hot_rank.eq(hot)).execute(conn)?;
    Ok(())
}

/// Articles published this recently are re-ranked on every run of the
/// periodic refresh: their ranks are the ones age still reorders quickly.
const RECENT: chrono::Duration = chrono::Duration::days(14);

/// How often the periodic refresh runs, so that age decay shows.
pub const REFRESH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Older articles are re-ranked a slice per run, so that each is refreshed
/// once a day whatever the size of the archive. A day's staleness overstates
/// the rank of a 14-day-old article by 13% at most, and less the older it is,
/// while every run's work stays bounded.
const SLICES: i64 = DAY / INTERVAL_SECONDS;
const DAY: i64 = 24 * 3600;
const INTERVAL_SECONDS: i64 = REFRESH_INTERVAL.as_secs() as i64;

/// Rows re-ranked per write transaction, so that the write lock is held only briefly.
const BATCH: usize = 1000;

/// The periodic refresh: the recent articles, and this run's slice of the
/// older ones (chosen from the clock, so that every instance agrees); returns
/// how many were refreshed.
#[tracing::instrument(level = "debug", skip_all)]
pub fn refresh_hot_ranks(conn: &mut Conn) -> QueryResult<usize> {
    let now = time::now();
    let recent: Vec<(i32, i32, Option<NaiveDateTime>)> = with_tally()
        .filter(publicly_visible(now))
        .filter(articles::published_at.gt(now - RECENT))
        .select((articles::id, article_tallies::score, articles::published_at))
        .load(conn)?;
    let mut refreshed = store_ranks(conn, &recent)?;
    if let Some(last_id) = highest_id(conn)? {
        refreshed += refresh_id_range(conn, slice_at(last_id, now))?;
    }
    Ok(refreshed)
}

/// The ids of the older articles that the run at `now` re-ranks: one of
/// [`SLICES`] equal ranges of `1..=last_id`, the next one each run.
fn slice_at(last_id: i32, now: NaiveDateTime) -> std::ops::Range<i32> {
    let slice_len = (i64::from(last_id) / SLICES) + 1;
    let slice = (now.and_utc().timestamp() / INTERVAL_SECONDS).rem_euclid(SLICES);
    let first = slice * slice_len + 1;
    i32::try_from(first).unwrap_or(i32::MAX)..i32::try_from(first + slice_len).unwrap_or(i32::MAX)
}

fn highest_id(conn: &mut Conn) -> QueryResult<Option<i32>> {
    articles::table.select(diesel::dsl::max(articles::id)).first(conn)
}

/// Re-ranks every public article (after a bulk load), walking the primary key.
#[tracing::instrument(level = "debug", skip_all)]
pub fn refresh_all_hot_ranks(conn: &mut Conn) -> QueryResult<usize> {
    let Some(last_id) = highest_id(conn)? else {
        return Ok(0);
    };
    let mut refreshed = 0;
    let step = i32::try_from(BATCH).unwrap_or(i32::MAX);
    let mut first = 1;
    while first <= last_id {
        let end = first.saturating_add(step);
        refreshed += refresh_id_range(conn, first..end)?;
        first = end;
    }
    Ok(refreshed)
}

/// Re-ranks the public articles whose ids fall in `ids`. The range is read by
/// primary key and filtered here, so that the cost is that of the range and
/// never of the table, whichever index the planner would prefer for the
/// visibility filter.
fn refresh_id_range(conn: &mut Conn, ids: std::ops::Range<i32>) -> QueryResult<usize> {
    let now = time::now();
    let rows: Vec<ArticleRow> = with_tally()
        .filter(articles::id.ge(ids.start))
        .filter(articles::id.lt(ids.end))
        .select(ArticleRow::as_select())
        .load(conn)?;
    let public: Vec<_> = rows
        .into_iter()
        .filter(|row| row.is_public(now))
        .map(|row| (row.id, row.tally.score, row.published_at))
        .collect();
    store_ranks(conn, &public)
}

/// Stores the current hot rank of each `(id, score, published_at)` of a public
/// article, a batch per write transaction; returns how many it stored. A row
/// whose score a vote changed since it was read is left alone: that vote
/// stored its rank already.
fn store_ranks(conn: &mut Conn, public: &[(i32, i32, Option<NaiveDateTime>)]) -> QueryResult<usize> {
    let mut stored = 0;
    for batch in public.chunks(BATCH) {
        stored += crate::store::write_on(&mut *conn, |conn| {
            let now = time::now();
            let mut stored = 0;
            for (id, score, published_at) in batch {
                stored += diesel::update(article_tallies::table.find(id).filter(article_tallies::score.eq(score)))
                    .set(article_tallies::hot_rank.eq(hot_rank(*score, *published_at, true, now)))
                    .execute(conn)?;
            }
            QueryResult::Ok(stored)
        })?;
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_rank_decays_with_age_and_ignores_the_unpublished() {
        let now = time::now();
        let fresh = hot_rank(10, Some(now), true, now);
        let day_old = hot_rank(10, Some(now - chrono::Duration::hours(24)), true, now);
        assert!(fresh > day_old && day_old > 0.0);
        assert!((fresh - 11.0 / 2f64.powf(1.8)).abs() < 1e-9);
        assert_eq!(hot_rank(10, Some(now + chrono::Duration::hours(1)), true, now), 0.0, "scheduled");
        assert_eq!(hot_rank(10, Some(now), false, now), 0.0, "not public");
        assert!(hot_rank(-5, Some(now), true, now) < 0.0, "buried");
    }

    #[test]
    fn a_day_of_runs_reranks_every_older_article_once() {
        let start = time::now();
        for last_id in [1, 287, 288, 289, 1_000_000] {
            let mut times_seen = vec![0u32; usize::try_from(last_id).unwrap() + 1];
            for run in 0..SLICES {
                let at = start + chrono::Duration::seconds(run * INTERVAL_SECONDS);
                for id in slice_at(last_id, at).filter(|id| *id <= last_id) {
                    times_seen[usize::try_from(id).unwrap()] += 1;
                }
            }
            assert!(times_seen[1..].iter().all(|seen| *seen == 1), "ids 1..={last_id} each once a day");
        }
    }
}

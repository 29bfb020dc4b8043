//! The "hot" rank, `(score + 1) / (age_hours + 2)^1.8`, stored on each article
//! so that the front page never computes it per row: refreshed by every vote
//! and publication, and on a timer so that age decay shows.

use crate::store::Conn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::db::{ArticleRow, publicly_visible};
use crate::schema::articles;
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
    let row = articles::table.find(id).select(ArticleRow::as_select()).first(conn)?;
    let now = time::now();
    let hot = hot_rank(row.score, row.published_at, row.is_public(now), now);
    diesel::update(articles::table.find(id)).set(articles::hot_rank.eq(hot)).execute(conn)?;
    Ok(())
}

/// Recomputes the hot rank of public articles in batches, so that the
/// write lock is held only briefly; returns how many were refreshed.
#[tracing::instrument(level = "debug", skip_all)]
pub fn refresh_hot_ranks(conn: &mut Conn) -> QueryResult<usize> {
    const BATCH: i64 = 1000;
    let mut after = 0;
    let mut refreshed = 0;
    loop {
        let batch: Vec<(i32, i32, Option<NaiveDateTime>)> = articles::table
            .filter(publicly_visible(time::now()))
            .filter(articles::id.gt(after))
            .order(articles::id)
            .limit(BATCH)
            .select((articles::id, articles::score, articles::published_at))
            .load(conn)?;
        let Some(&(last, _, _)) = batch.last() else {
            return Ok(refreshed);
        };
        crate::store::write_on(&mut *conn, |conn| {
            let now = time::now();
            for (id, score, published_at) in &batch {
                diesel::update(articles::table.find(id))
                    .set(articles::hot_rank.eq(hot_rank(*score, *published_at, true, now)))
                    .execute(conn)?;
            }
            QueryResult::Ok(())
        })?;
        refreshed += batch.len();
        after = last;
    }
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
}

//! Votes in the database: one row per voter and article, and the counters
//! on the article moved by the same transaction.

use std::collections::HashMap;

use crate::store::Conn;
use diesel::prelude::*;

use super::tally::{Tally, VoteValue};
use crate::articles::db::{self as articles_db, ArticleRef, ArticleRow};
use crate::articles::rank;
use crate::effects::Effects;
use crate::schema::{article_votes, articles};
use crate::store::on_backend;
use crate::time;

fn current_vote(conn: &mut Conn, user_id: i32, article_id: i32) -> QueryResult<Option<i32>> {
    article_votes::table.find((user_id, article_id)).select(article_votes::value).first(conn).optional()
}

/// Sets (or with `None` removes) a user's vote, moving the article's counters
/// by the old→new delta and refreshing its hot rank, and records the move in
/// `effects`. Run it inside an immediate transaction, with `article` read in
/// that same transaction; account deletion uses it too.
#[tracing::instrument(level = "debug", skip_all)]
pub fn apply(
    conn: &mut Conn,
    effects: &mut Effects,
    user_id: i32,
    article: &ArticleRow,
    vote: Option<VoteValue>,
) -> QueryResult<Tally> {
    let old = current_vote(conn, user_id, article.id)?;
    let new = vote.map(VoteValue::get);
    let (mut up, mut down) = (article.votes_up, article.votes_down);
    if old != new {
        let now = time::now();
        match new {
            Some(value) => {
                let vote = (
                    article_votes::user_id.eq(user_id),
                    article_votes::article_id.eq(article.id),
                    article_votes::value.eq(value),
                    article_votes::created_at.eq(now),
                    article_votes::updated_at.eq(now),
                );
                let change = (article_votes::value.eq(value), article_votes::updated_at.eq(now));
                on_backend!(conn, |conn| diesel::insert_into(article_votes::table)
                    .values(vote)
                    .on_conflict((article_votes::user_id, article_votes::article_id))
                    .do_update()
                    .set(change)
                    .execute(conn))?;
            }
            None => {
                diesel::delete(article_votes::table.find((user_id, article.id))).execute(conn)?;
            }
        }
        // `article` was read in this transaction: on SQLite it holds the write
        // lock, and on PostgreSQL its row is locked (`votable_locked`, or a
        // serializable transaction that fails and runs again on a concurrent
        // change). Its counters are current, so the new ones can be written
        // outright.
        let count = |vote: Option<i32>, side: i32| i32::from(vote == Some(side));
        up += count(new, 1) - count(old, 1);
        down += count(new, -1) - count(old, -1);
        let hot = rank::hot_rank(up - down, article.published_at, article.is_public(now), now);
        diesel::update(articles::table.find(article.id))
            .set((
                articles::votes_up.eq(up),
                articles::votes_down.eq(down),
                articles::score.eq(up - down),
                articles::hot_rank.eq(hot),
            ))
            .execute(conn)?;
        effects.voted(user_id, article.id, new);
    }
    Ok(Tally { my_vote: new, up, down, score: up - down })
}

/// Every vote of `user_id` (article id to 1 or -1), at most `limit` of them.
#[tracing::instrument(level = "debug", skip_all)]
pub fn all_of(conn: &mut Conn, user_id: i32, limit: i64) -> QueryResult<HashMap<i32, i32>> {
    let rows: Vec<(i32, i32)> = article_votes::table
        .filter(article_votes::user_id.eq(user_id))
        .select((article_votes::article_id, article_votes::value))
        .limit(limit)
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The caller's votes on `article_ids`: one query for a whole page.
#[tracing::instrument(level = "debug", skip_all)]
pub fn votes_by(conn: &mut Conn, user_id: i32, article_ids: &[i32]) -> QueryResult<HashMap<i32, i32>> {
    let rows: Vec<(i32, i32)> = article_votes::table
        .filter(article_votes::user_id.eq(user_id))
        .filter(article_votes::article_id.eq_any(article_ids))
        .select((article_votes::article_id, article_votes::value))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The tally as `user_id` sees it, without changing anything.
#[tracing::instrument(level = "debug", skip_all)]
pub fn read(conn: &mut Conn, user_id: i32, article: &ArticleRow) -> QueryResult<Tally> {
    let my_vote = current_vote(conn, user_id, article.id)?;
    Ok(Tally { my_vote, up: article.votes_up, down: article.votes_down, score: article.score })
}

/// Withdraws every vote of a user (account deletion), adjusting each tally.
#[tracing::instrument(level = "debug", skip_all)]
pub fn withdraw_all(conn: &mut Conn, effects: &mut Effects, user_id: i32) -> QueryResult<()> {
    let voted: Vec<i32> =
        article_votes::table.filter(article_votes::user_id.eq(user_id)).select(article_votes::article_id).load(conn)?;
    for article_id in voted {
        if let Some(article) =
            articles::table.find(article_id).select(ArticleRow::as_select()).first(conn).optional()?
        {
            apply(conn, effects, user_id, &article, None)?;
        }
    }
    effects.votes_gone(user_id);
    Ok(())
}

/// A difference between stored counters and the votes table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyMismatch {
    pub article_id: i32,
    pub stored: (i32, i32, i32),
    pub counted: (i32, i32, i32),
}

/// Recounts every tally from the votes table (`newsroom check`).
#[tracing::instrument(level = "debug", skip_all)]
pub fn check_tallies(conn: &mut Conn) -> QueryResult<Vec<TallyMismatch>> {
    let votes: Vec<(i32, i32)> =
        article_votes::table.select((article_votes::article_id, article_votes::value)).load(conn)?;
    let mut counted: HashMap<i32, (i32, i32)> = HashMap::new();
    for (article_id, value) in votes {
        let entry = counted.entry(article_id).or_default();
        if value > 0 {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    let stored: Vec<(i32, i32, i32, i32)> =
        articles::table.select((articles::id, articles::votes_up, articles::votes_down, articles::score)).load(conn)?;
    Ok(stored
        .into_iter()
        .filter_map(|(article_id, up, down, score)| {
            let (counted_up, counted_down) = counted.get(&article_id).copied().unwrap_or_default();
            let counted = (counted_up, counted_down, counted_up - counted_down);
            (counted != (up, down, score)).then_some(TallyMismatch { article_id, stored: (up, down, score), counted })
        })
        .collect())
}

/// A vote written: the article it went to and the tally after it.
pub struct Cast {
    pub article_id: i32,
    pub tally: Tally,
}

/// Sets (or with `None` withdraws) `user_id`'s vote on the public article
/// `article` names, inside a write transaction; `None` when there is no such
/// article to vote on.
#[tracing::instrument(level = "debug", skip_all)]
pub fn cast(
    conn: &mut Conn,
    effects: &mut Effects,
    user_id: i32,
    article: &ArticleRef,
    vote: Option<VoteValue>,
) -> QueryResult<Option<Cast>> {
    let Some(row) = votable_locked(conn, article)? else {
        return Ok(None);
    };
    let tally = apply(conn, effects, user_id, &row, vote)?;
    Ok(Some(Cast { article_id: row.id, tally }))
}

/// [`votable`], its row locked until the transaction ends on PostgreSQL:
/// votes on one article wait for each other there, each then reading the
/// counters the one before left (under READ COMMITTED, a row read `FOR
/// UPDATE` after a wait is its newest version), instead of failing and
/// running again as serializable transactions would. SQLite's writer holds
/// the whole database already.
#[tracing::instrument(level = "debug", skip_all)]
pub fn votable_locked(conn: &mut Conn, article: &ArticleRef) -> QueryResult<Option<ArticleRow>> {
    let Some(row) = votable(conn, article)? else { return Ok(None) };
    match conn {
        Conn::Postgres(postgres) => {
            let locked = articles::table.find(row.id).select(ArticleRow::as_select()).for_update().first(postgres);
            Ok(Some(locked?).filter(|row| row.is_public(time::now())))
        }
        Conn::Sqlite(_) => Ok(Some(row)),
    }
}

/// Finds a public article for voting: anything else is a 404.
#[tracing::instrument(level = "debug", skip_all)]
pub fn votable(conn: &mut Conn, article: &ArticleRef) -> QueryResult<Option<ArticleRow>> {
    Ok(articles_db::resolve(conn, article)?.filter(|row| row.is_public(time::now())))
}

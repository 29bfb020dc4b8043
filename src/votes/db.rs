//! Reading votes: a reader's own, an article's tally, and the recount of
//! every tally; casting them is [`super::cast`].

use std::collections::HashMap;

use diesel::prelude::*;

use super::tally::Tally;
use crate::articles::db::{self as articles_db, ArticleRef, ArticleRow};
use crate::schema::{article_tallies, article_votes, articles};
use crate::store::Conn;
use crate::time;

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
    let my_vote =
        article_votes::table.find((user_id, article.id)).select(article_votes::value).first(conn).optional()?;
    Ok(Tally { my_vote, up: article.tally.votes_up, down: article.tally.votes_down, score: article.tally.score })
}

/// An article's up votes, down votes and score.
pub type UpDownScore = (i32, i32, i32);

/// A difference between stored counters and the votes table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyMismatch {
    pub article_id: i32,
    /// Up, down and score as stored; `None` when the article has no
    /// counters at all, which hides it from every list and look-up.
    pub stored: Option<UpDownScore>,
    pub counted: UpDownScore,
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
    let stored: Vec<(i32, Option<UpDownScore>)> = articles::table
        .left_join(article_tallies::table)
        .select((
            articles::id,
            (article_tallies::votes_up, article_tallies::votes_down, article_tallies::score).nullable(),
        ))
        .load(conn)?;
    Ok(stored
        .into_iter()
        .filter_map(|(article_id, stored)| {
            let (counted_up, counted_down) = counted.get(&article_id).copied().unwrap_or_default();
            let counted = (counted_up, counted_down, counted_up - counted_down);
            (stored != Some(counted)).then_some(TallyMismatch { article_id, stored, counted })
        })
        .collect())
}

/// Finds a public article for voting: anything else is a 404.
#[tracing::instrument(level = "debug", skip_all)]
pub fn votable(conn: &mut Conn, article: &ArticleRef) -> QueryResult<Option<ArticleRow>> {
    Ok(articles_db::resolve(conn, article)?.filter(|row| row.is_public(time::now())))
}

//! Casting votes: any number of them in one transaction, each reader's vote
//! on an article a row of its own and the article's counters moved by the
//! same transaction.
//!
//! A batch costs the same few statements whatever its size: the articles it
//! names are read (on PostgreSQL after their counters are locked, in id
//! order, so that batches of several instances wait for each other instead
//! of deadlocking), the votes
//! already cast read, every ballot applied in order in memory, and what
//! changed written back. On PostgreSQL each of these is one statement over
//! arrays; SQLite, in process, does it row by row.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Array, Double, Integer, Timestamp};

use super::tally::{Tally, VoteValue};
use crate::articles::db::{self as articles_db, ArticleRef, ArticleRow, VoteCounts};
use crate::articles::rank;
use crate::effects::Effects;
use crate::schema::{article_tallies, article_votes, articles};
use crate::store::Conn;
use crate::time;

/// A reader's vote to cast on an article; `None` withdraws it.
pub struct Ballot {
    pub user_id: i32,
    pub article: ArticleRef,
    pub vote: Option<VoteValue>,
}

/// A vote written: the article it went to and the tally after it.
pub struct Cast {
    pub article_id: i32,
    pub tally: Tally,
}

/// Casts `ballots` in order inside the caller's write transaction: each
/// answer is the tally right after its ballot, `None` when its article is
/// not a public one to vote on. What moved is recorded in `effects`.
#[tracing::instrument(level = "debug", skip_all, fields(ballots = ballots.len()))]
pub fn cast_all(conn: &mut Conn, effects: &mut Effects, ballots: &[Ballot]) -> QueryResult<Vec<Option<Cast>>> {
    let ids = ballots.iter().map(|ballot| article_id(conn, &ballot.article)).collect::<QueryResult<Vec<_>>>()?;
    let now = time::now();
    let mut rows = locked(conn, ids.iter().flatten().copied().collect())?;
    rows.retain(|_, row| row.is_public(now));
    let targets: Vec<Option<i32>> = ids.into_iter().map(|id| id.filter(|id| rows.contains_key(id))).collect();
    let votes = ballots.iter().zip(&targets).map(|(ballot, id)| (ballot.user_id, *id, ballot.vote));
    let tallies = apply_all(conn, effects, &rows, votes)?;
    Ok(targets.into_iter().zip(tallies).map(|(id, tally)| Some(Cast { article_id: id?, tally: tally? })).collect())
}

/// Withdraws every vote of a user (account deletion), adjusting each tally,
/// on deleted and unpublished articles too.
#[tracing::instrument(level = "debug", skip_all)]
pub fn withdraw_all(conn: &mut Conn, effects: &mut Effects, user_id: i32) -> QueryResult<()> {
    let voted: Vec<i32> =
        article_votes::table.filter(article_votes::user_id.eq(user_id)).select(article_votes::article_id).load(conn)?;
    let rows = locked(conn, voted.iter().copied().collect())?;
    apply_all(conn, effects, &rows, voted.into_iter().map(|article| (user_id, Some(article), None)))?;
    effects.votes_gone(user_id);
    Ok(())
}

/// The public article `article` names, its counters locked until the
/// transaction ends on PostgreSQL, as [`cast_all`] locks them: for a vote
/// that must first be checked against what its voter last saw.
pub fn votable_locked(conn: &mut Conn, article: &ArticleRef) -> QueryResult<Option<ArticleRow>> {
    let Some(id) = article_id(conn, article)? else { return Ok(None) };
    Ok(locked(conn, BTreeSet::from([id]))?.remove(&id).filter(|row| row.is_public(time::now())))
}

/// The id `article` names, without a query for an id.
fn article_id(conn: &mut Conn, article: &ArticleRef) -> QueryResult<Option<i32>> {
    match article {
        ArticleRef::Id(id) => Ok(Some(*id)),
        ArticleRef::Slug(_) => Ok(articles_db::resolve(conn, article)?.map(|row| row.id)),
    }
}

/// The rows of `ids` that are there, read in this transaction: on
/// PostgreSQL their counters are locked first, in id order (`FOR UPDATE`
/// under READ COMMITTED reads a row's newest version once its lock is had),
/// so the read after it sees the current ones. Only the narrow counter rows
/// are locked: the article rows, which a lock would write to, stay as they
/// are. SQLite's writer holds the whole database already.
fn locked(conn: &mut Conn, ids: BTreeSet<i32>) -> QueryResult<HashMap<i32, ArticleRow>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i32> = ids.into_iter().collect();
    if let Conn::Postgres(postgres) = conn {
        article_tallies::table
            .filter(article_tallies::article_id.eq_any(&ids))
            .order(article_tallies::article_id)
            .select(article_tallies::article_id)
            .for_update()
            .load::<i32>(postgres)?;
    }
    let rows: Vec<ArticleRow> =
        articles_db::with_tally().filter(articles::id.eq_any(ids)).select(ArticleRow::as_select()).load(conn)?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// Applies `(user, article, vote)` in order to the articles in `rows`
/// (`None` for an article not to vote on); the tally after each.
fn apply_all(
    conn: &mut Conn,
    effects: &mut Effects,
    rows: &HashMap<i32, ArticleRow>,
    ballots: impl Iterator<Item = (i32, Option<i32>, Option<VoteValue>)>,
) -> QueryResult<Vec<Option<Tally>>> {
    let ballots: Vec<_> = ballots.collect();
    let pairs: BTreeSet<(i32, i32)> =
        ballots.iter().filter_map(|(user, article, _)| Some((*user, (*article)?))).collect();
    let mut votes: HashMap<(i32, i32), Option<i32>> = current_votes(conn, &pairs)?;
    let mut counters: HashMap<i32, (i32, i32)> =
        rows.values().map(|row| (row.id, (row.tally.votes_up, row.tally.votes_down))).collect();
    let (mut moved_votes, mut moved_articles) = (BTreeSet::new(), BTreeSet::new());
    let mut tallies = Vec::with_capacity(ballots.len());
    for (user, article, vote) in ballots {
        let Some((article, (up, down))) = article.and_then(|id| Some((id, counters.get_mut(&id)?))) else {
            tallies.push(None);
            continue;
        };
        let old = votes.get(&(user, article)).copied().flatten();
        let new = vote.map(VoteValue::get);
        if old != new {
            let count = |vote: Option<i32>, side: i32| i32::from(vote == Some(side));
            *up += count(new, 1) - count(old, 1);
            *down += count(new, -1) - count(old, -1);
            votes.insert((user, article), new);
            moved_votes.insert((user, article));
            moved_articles.insert(article);
            effects.voted(user, article, new);
        }
        tallies.push(Some(Tally { my_vote: new, up: *up, down: *down, score: *up - *down }));
    }
    let now = time::now();
    let (mut set, mut withdrawn) = (Vec::new(), Vec::new());
    for (user, article) in moved_votes {
        match votes.get(&(user, article)).copied().flatten() {
            Some(value) => set.push((user, article, value)),
            None => withdrawn.push((user, article)),
        }
    }
    store_votes(conn, &set, &withdrawn, now)?;
    let counters: Vec<Counters> = moved_articles
        .into_iter()
        .filter_map(|id| {
            let (row, (up, down)) = (rows.get(&id)?, counters.get(&id)?);
            let hot = rank::hot_rank(up - down, row.published_at, row.is_public(now), now);
            Some(Counters { id, up: *up, down: *down, hot })
        })
        .collect();
    store_counters(conn, &counters)?;
    Ok(tallies)
}

#[derive(QueryableByName)]
struct VoteRow {
    #[diesel(sql_type = Integer)]
    user_id: i32,
    #[diesel(sql_type = Integer)]
    article_id: i32,
    #[diesel(sql_type = Integer)]
    value: i32,
}

/// The votes already cast of `pairs` (reader, article).
fn current_votes(conn: &mut Conn, pairs: &BTreeSet<(i32, i32)>) -> QueryResult<HashMap<(i32, i32), Option<i32>>> {
    let rows: Vec<VoteRow> = match conn {
        Conn::Postgres(postgres) => {
            let (users, articles): (Vec<i32>, Vec<i32>) = pairs.iter().copied().unzip();
            diesel::sql_query(
                "SELECT v.user_id, v.article_id, v.value FROM article_votes v \
                 JOIN unnest($1, $2) AS k(user_id, article_id) \
                 ON v.user_id = k.user_id AND v.article_id = k.article_id",
            )
            .bind::<Array<Integer>, _>(users)
            .bind::<Array<Integer>, _>(articles)
            .load(postgres)?
        }
        Conn::Sqlite(sqlite) => {
            let mut rows = Vec::with_capacity(pairs.len());
            for (user_id, article_id) in pairs {
                let value = article_votes::table
                    .find((user_id, article_id))
                    .select(article_votes::value)
                    .first(sqlite)
                    .optional()?;
                rows.extend(value.map(|value| VoteRow { user_id: *user_id, article_id: *article_id, value }));
            }
            rows
        }
    };
    Ok(rows.into_iter().map(|row| ((row.user_id, row.article_id), Some(row.value))).collect())
}

/// Writes the votes `set` (reader, article, value) and removes the `withdrawn`.
fn store_votes(
    conn: &mut Conn,
    set: &[(i32, i32, i32)],
    withdrawn: &[(i32, i32)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    match conn {
        Conn::Postgres(postgres) => {
            if !set.is_empty() {
                let users = set.iter().map(|vote| vote.0).collect::<Vec<_>>();
                let articles = set.iter().map(|vote| vote.1).collect::<Vec<_>>();
                let values = set.iter().map(|vote| vote.2).collect::<Vec<_>>();
                diesel::sql_query(
                    "INSERT INTO article_votes (user_id, article_id, value, created_at, updated_at) \
                     SELECT k.user_id, k.article_id, k.value, $4, $4 FROM unnest($1, $2, $3) AS k(user_id, article_id, value) \
                     ON CONFLICT (user_id, article_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                )
                .bind::<Array<Integer>, _>(users)
                .bind::<Array<Integer>, _>(articles)
                .bind::<Array<Integer>, _>(values)
                .bind::<Timestamp, _>(now)
                .execute(postgres)?;
            }
            if !withdrawn.is_empty() {
                let (users, articles): (Vec<i32>, Vec<i32>) = withdrawn.iter().copied().unzip();
                diesel::sql_query(
                    "DELETE FROM article_votes v USING unnest($1, $2) AS k(user_id, article_id) \
                     WHERE v.user_id = k.user_id AND v.article_id = k.article_id",
                )
                .bind::<Array<Integer>, _>(users)
                .bind::<Array<Integer>, _>(articles)
                .execute(postgres)?;
            }
        }
        Conn::Sqlite(sqlite) => {
            for (user_id, article_id, value) in set {
                diesel::insert_into(article_votes::table)
                    .values((
                        article_votes::user_id.eq(user_id),
                        article_votes::article_id.eq(article_id),
                        article_votes::value.eq(value),
                        article_votes::created_at.eq(now),
                        article_votes::updated_at.eq(now),
                    ))
                    .on_conflict((article_votes::user_id, article_votes::article_id))
                    .do_update()
                    .set((article_votes::value.eq(value), article_votes::updated_at.eq(now)))
                    .execute(sqlite)?;
            }
            for key in withdrawn {
                diesel::delete(article_votes::table.find(*key)).execute(sqlite)?;
            }
        }
    }
    Ok(())
}

/// An article's counters after the votes of a batch.
struct Counters {
    id: i32,
    up: i32,
    down: i32,
    hot: f64,
}

fn store_counters(conn: &mut Conn, counters: &[Counters]) -> QueryResult<()> {
    match conn {
        Conn::Postgres(postgres) => {
            if counters.is_empty() {
                return Ok(());
            }
            diesel::sql_query(
                "UPDATE article_tallies SET votes_up = k.up, votes_down = k.down, score = k.up - k.down, \
                 hot_rank = k.hot FROM unnest($1, $2, $3, $4) AS k(id, up, down, hot) \
                 WHERE article_tallies.article_id = k.id",
            )
            .bind::<Array<Integer>, _>(counters.iter().map(|article| article.id).collect::<Vec<_>>())
            .bind::<Array<Integer>, _>(counters.iter().map(|article| article.up).collect::<Vec<_>>())
            .bind::<Array<Integer>, _>(counters.iter().map(|article| article.down).collect::<Vec<_>>())
            .bind::<Array<Double>, _>(counters.iter().map(|article| article.hot).collect::<Vec<_>>())
            .execute(postgres)?;
        }
        Conn::Sqlite(sqlite) => {
            for article in counters {
                diesel::update(article_tallies::table.find(article.id))
                    .set(VoteCounts {
                        votes_up: article.up,
                        votes_down: article.down,
                        score: article.up - article.down,
                        hot_rank: article.hot,
                    })
                    .execute(sqlite)?;
            }
        }
    }
    Ok(())
}

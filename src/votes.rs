//! "Leave your vote": one up or down vote per reader per article, with exact
//! tallies kept on the article and the stored "hot" rank.

use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, put, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::articles::db::{self as articles_db, ArticleRef, ArticleRow};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http;
use crate::http::JsonBody;
use crate::schema::{article_votes, articles};
use crate::state::AppState;
use crate::store;
use crate::time;

/// A vote: up (1) or down (-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteValue(i32);

impl VoteValue {
    /// Takes any JSON number: `1.0` is the integer 1 to JSON Schema, so it
    /// must be accepted as one.
    pub fn parse(raw: &serde_json::Number) -> Result<Self, ApiError> {
        match raw.as_f64() {
            Some(1.0) => Ok(Self(1)),
            Some(-1.0) => Ok(Self(-1)),
            _ => Err(ApiError::invalid_field("value", "must be 1 (up) or -1 (down)")),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// The caller's vote and the article's tally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    /// The caller's vote, or null.
    #[schema(example = 1)]
    pub my_vote: Option<i32>,
    #[schema(example = 12)]
    pub up: i32,
    #[schema(example = 3)]
    pub down: i32,
    /// `up - down`.
    #[schema(example = 9)]
    pub score: i32,
}

/// A vote to leave or change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteRequest {
    /// 1 (up) or -1 (down).
    #[schema(value_type = i32, minimum = -1, maximum = 1, example = 1)]
    pub value: serde_json::Number,
}

/// Hacker News gravity: `(score + 1) / (age_hours + 2)^1.8`; 0 for anything
/// not public yet, so scheduled articles never rank.
pub fn hot_rank(score: i32, published_at: Option<NaiveDateTime>, public: bool, now: NaiveDateTime) -> f64 {
    let Some(published_at) = published_at.filter(|at| public && *at <= now) else {
        return 0.0;
    };
    let age_hours = (now - published_at).num_seconds() as f64 / 3600.0;
    f64::from(score + 1) / (age_hours + 2.0).powf(1.8)
}

fn current_vote(conn: &mut SqliteConnection, user_id: i32, article_id: i32) -> QueryResult<Option<i32>> {
    article_votes::table.find((user_id, article_id)).select(article_votes::value).first(conn).optional()
}

/// Sets (or with `None` removes) a user's vote, moving the article's counters
/// by the old→new delta and refreshing its hot rank. Run it inside an
/// immediate transaction, with `article` read in that same transaction;
/// account deletion uses it too.
pub fn apply(
    conn: &mut SqliteConnection,
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
                diesel::insert_into(article_votes::table)
                    .values((
                        article_votes::user_id.eq(user_id),
                        article_votes::article_id.eq(article.id),
                        article_votes::value.eq(value),
                        article_votes::created_at.eq(now),
                        article_votes::updated_at.eq(now),
                    ))
                    .on_conflict((article_votes::user_id, article_votes::article_id))
                    .do_update()
                    .set((article_votes::value.eq(value), article_votes::updated_at.eq(now)))
                    .execute(conn)?;
            }
            None => {
                diesel::delete(article_votes::table.find((user_id, article.id))).execute(conn)?;
            }
        }
        // `article` was read in this transaction, which holds the write lock:
        // its counters are current, so the new ones can be written outright.
        let count = |vote: Option<i32>, side: i32| i32::from(vote == Some(side));
        up += count(new, 1) - count(old, 1);
        down += count(new, -1) - count(old, -1);
        let hot = hot_rank(up - down, article.published_at, article.is_public(now), now);
        diesel::update(articles::table.find(article.id))
            .set((
                articles::votes_up.eq(up),
                articles::votes_down.eq(down),
                articles::score.eq(up - down),
                articles::hot_rank.eq(hot),
            ))
            .execute(conn)?;
    }
    Ok(Tally { my_vote: new, up, down, score: up - down })
}

/// The tally as `user_id` sees it, without changing anything.
fn read(conn: &mut SqliteConnection, user_id: i32, article: &ArticleRow) -> QueryResult<Tally> {
    let my_vote = current_vote(conn, user_id, article.id)?;
    Ok(Tally { my_vote, up: article.votes_up, down: article.votes_down, score: article.score })
}

/// The caller's votes on `article_ids`: one query for a whole page.
pub fn my_votes(conn: &mut SqliteConnection, user_id: i32, article_ids: &[i32]) -> QueryResult<HashMap<i32, i32>> {
    let rows: Vec<(i32, i32)> = article_votes::table
        .filter(article_votes::user_id.eq(user_id))
        .filter(article_votes::article_id.eq_any(article_ids))
        .select((article_votes::article_id, article_votes::value))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// Withdraws every vote of a user (account deletion), adjusting each tally.
pub fn withdraw_all(conn: &mut SqliteConnection, user_id: i32) -> QueryResult<()> {
    let voted: Vec<i32> =
        article_votes::table.filter(article_votes::user_id.eq(user_id)).select(article_votes::article_id).load(conn)?;
    for article_id in voted {
        if let Some(article) =
            articles::table.find(article_id).select(ArticleRow::as_select()).first(conn).optional()?
        {
            apply(conn, user_id, &article, None)?;
        }
    }
    Ok(())
}

/// Recomputes the hot rank of public articles in batches, so that the
/// write lock is held only briefly; returns how many were refreshed.
pub fn refresh_hot_ranks(conn: &mut SqliteConnection) -> QueryResult<usize> {
    const BATCH: i64 = 1000;
    let mut after = 0;
    let mut refreshed = 0;
    loop {
        let batch: Vec<(i32, i32, Option<NaiveDateTime>)> = articles::table
            .filter(articles_db::publicly_visible(time::now()))
            .filter(articles::id.gt(after))
            .order(articles::id)
            .limit(BATCH)
            .select((articles::id, articles::score, articles::published_at))
            .load(conn)?;
        let Some(&(last, _, _)) = batch.last() else {
            return Ok(refreshed);
        };
        crate::store::exclusively(|| {
            conn.immediate_transaction(|conn| {
                let now = time::now();
                for (id, score, published_at) in &batch {
                    diesel::update(articles::table.find(id))
                        .set(articles::hot_rank.eq(hot_rank(*score, *published_at, true, now)))
                        .execute(conn)?;
                }
                QueryResult::Ok(())
            })
        })?;
        refreshed += batch.len();
        after = last;
    }
}

/// A difference between stored counters and the votes table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyMismatch {
    pub article_id: i32,
    pub stored: (i32, i32, i32),
    pub counted: (i32, i32, i32),
}

/// Recounts every tally from the votes table (`newsroom check`).
pub fn check_tallies(conn: &mut SqliteConnection) -> QueryResult<Vec<TallyMismatch>> {
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

/// Finds a public article for voting: anything else is a 404.
fn votable(conn: &mut SqliteConnection, article: &ArticleRef) -> QueryResult<Option<ArticleRow>> {
    Ok(articles_db::resolve(conn, article)?.filter(|row| row.is_public(time::now())))
}

async fn change_vote(
    user: AuthUser,
    article: &str,
    vote: Option<VoteValue>,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    let article = ArticleRef::parse(article).ok_or(ApiError::NotFound)?;
    if let Some(limit) = &state.limits.votes {
        limit.hit(user.id)?;
    }
    let (article_id, tally) = store::write(&state.pool, move |conn| match votable(conn, &article)? {
        Some(row) => apply(conn, user.id, &row, vote).map(|tally| Some((row.id, tally))),
        None => Ok(None),
    })
    .await?
    .ok_or(ApiError::NotFound)?;
    state.public_cache.forget_article(article_id);
    Ok(http::private(HttpResponse::Ok()).json(tally))
}

/// Leaves or changes the caller's vote on a published article. Idempotent:
/// the same vote twice counts once.
#[utoipa::path(
    tag = "votes",
    security(("bearer" = [])),
    params(("article" = String, Path, description = "Article id or slug")),
    request_body = VoteRequest,
    responses(
        (status = 200, description = "The tally after the vote", body = Tally),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 422, response = crate::error::responses::ValidationFailed),
        (status = 429, response = crate::error::responses::TooManyRequests),
    ),
)]
#[put("/{article}/vote")]
pub async fn put_article_vote(
    user: AuthUser,
    article: web::Path<String>,
    body: JsonBody<VoteRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let value = VoteValue::parse(&body.value)?;
    change_vote(user, &article, Some(value), &state).await
}

/// Withdraws the caller's vote (idempotent).
#[utoipa::path(
    tag = "votes",
    security(("bearer" = [])),
    params(("article" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The tally, with `my_vote: null`", body = Tally),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 429, response = crate::error::responses::TooManyRequests),
    ),
)]
#[delete("/{article}/vote")]
pub async fn delete_article_vote(
    user: AuthUser,
    article: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change_vote(user, &article, None, &state).await
}

/// The tally and the caller's vote.
#[utoipa::path(
    tag = "votes",
    security(("bearer" = [])),
    params(("article" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The tally", body = Tally),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{article}/vote")]
pub async fn get_article_vote(
    user: AuthUser,
    article: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article = ArticleRef::parse(&article).ok_or(ApiError::NotFound)?;
    let tally = store::run(&state.pool, move |conn| match votable(conn, &article)? {
        Some(row) => read(conn, user.id, &row).map(Some),
        None => Ok(None),
    })
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(http::private(HttpResponse::Ok()).json(tally))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plus_and_minus_one_are_votes() {
        let number = |json: &str| serde_json::from_str::<serde_json::Number>(json).unwrap();
        assert_eq!(VoteValue::parse(&number("1")).unwrap().get(), 1);
        assert_eq!(VoteValue::parse(&number("-1.0")).unwrap().get(), -1);
        for bad in ["0", "2", "-2", "1.5", "9223372036854775807", "1e300"] {
            assert!(VoteValue::parse(&number(bad)).is_err(), "{bad}");
        }
    }

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

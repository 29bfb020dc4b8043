//! The vote endpoints, below each article.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::cast::{Ballot, Cast, cast_all, votable_locked};
use super::db::{self, votable};
use super::{Tally, VoteValue};
use crate::articles::db::ArticleRef;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::http::{self, JsonBody};
use crate::state::AppState;
use crate::store::{self, Isolation};

/// A vote to leave or change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteRequest {
    #[schema(value_type = crate::articles::view::Vote)]
    pub value: serde_json::Number,
}

async fn change_vote(
    user: AuthUser,
    article: &str,
    vote: Option<VoteValue>,
    request: &HttpRequest,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    let article = ArticleRef::parse(article).ok_or(ApiError::NotFound)?;
    let if_match = http::if_match(request)?;
    if let Some(limit) = &state.limits.votes {
        limit.hit(user.id)?;
    }
    let ballot = Ballot { user_id: user.id, article, vote };
    let cast = match if_match {
        None => state.vote_writer.cast(ballot).await?,
        // A conditional vote is checked and cast in one transaction of its own.
        Some(if_match) => {
            state
                .write_as(Isolation::ReadCommitted, move |conn, effects| {
                    let Some(row) = votable_locked(conn, &ballot.article)? else { return Ok(None) };
                    http::check_if_match(Some(&if_match), &db::read(conn, user.id, &row)?)?;
                    Ok::<_, ApiError>(cast_all(conn, effects, std::slice::from_ref(&ballot))?.pop().flatten())
                })
                .await?
        }
    };
    let Cast { tally, .. } = cast.ok_or(ApiError::NotFound)?;
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &tally)
}

/// Leaves or changes the caller's vote on a published article.
///
/// Idempotent: the same vote twice counts once.
#[utoipa::path(
    tag = "votes",
    security(("bearer" = [])),
    params(
        ("article" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "ETag of the tally as last read"),
    ),
    request_body = VoteRequest,
    responses(
        (status = 200, description = "The tally after the vote", body = Tally,
            headers(("ETag" = String, description = "Strong entity tag of the tally"))),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 412, response = crate::error::responses::PreconditionFailed),
        (status = 422, response = crate::error::responses::ValidationFailed),
        (status = 429, response = crate::error::responses::TooManyRequests),
    ),
)]
#[put("/api/v1/articles/{article}/vote")]
pub async fn put_article_vote(
    user: AuthUser,
    article: web::Path<String>,
    body: JsonBody<VoteRequest>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let value = VoteValue::parse(&body.value)?;
    change_vote(user, &article, Some(value), &request, &state).await
}

/// Withdraws the caller's vote (idempotent).
///
/// The article's counters move at once; withdrawing a vote that is not there
/// changes nothing and answers the same tally.
#[utoipa::path(
    tag = "votes",
    security(("bearer" = [])),
    params(
        ("article" = String, Path, description = "Article id or slug"),
        ("If-Match" = Option<String>, Header, description = "ETag of the tally as last read"),
    ),
    responses(
        (status = 200, description = "The tally, with `my_vote: null`", body = Tally,
            headers(("ETag" = String, description = "Strong entity tag of the tally"))),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 412, response = crate::error::responses::PreconditionFailed),
        (status = 429, response = crate::error::responses::TooManyRequests),
    ),
)]
#[delete("/api/v1/articles/{article}/vote")]
pub async fn delete_article_vote(
    user: AuthUser,
    article: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change_vote(user, &article, None, &request, &state).await
}

/// The tally and the caller's vote.
///
/// Up and down votes, the score, and `my_vote`: 1, -1, or null.
#[utoipa::path(
    tag = "votes",
    security(("bearer" = [])),
    params(("article" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The tally", body = Tally,
            headers(("ETag" = String, description = "Strong entity tag of the tally, for If-Match on a vote"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/api/v1/articles/{article}/vote")]
pub async fn get_article_vote(
    user: AuthUser,
    article: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let article = ArticleRef::parse(&article).ok_or(ApiError::NotFound)?;
    let tally = store::read(&state.pool, move |conn| match votable(conn, &article)? {
        Some(row) => db::read(conn, user.id, &row).map(Some),
        None => Ok(None),
    })
    .await?
    .ok_or(ApiError::NotFound)?;
    http::json_with_etag(Some(&request), http::private(HttpResponse::Ok()), &tally)
}

//! The webhook endpoints (admin): register, list, change, delete, ping, and
//! each endpoint's recent deliveries.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::client::{self, TargetError};
use super::db::{self, WebhookChanges, WebhookRow};
use super::events::{Event, EventKind};
use crate::auth::AuthUser;
use crate::deliveries::db::{self as deliveries_db, DeliveryRow, Status};
use crate::error::{AllValid, ApiError, FieldError, Problem};
use crate::http::{self, JsonBody, Patch};
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::store;
use crate::text;
use crate::time;
use crate::users::Role;

/// A webhook endpoint, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookResponse {
    pub id: i32,
    #[schema(example = "https://frontend.example/hooks/newsroom")]
    pub url: String,
    pub events: Vec<EventKind>,
    #[schema(required = true)]
    pub description: Option<String>,
    /// False once disabled by an admin, or after five days of failed deliveries.
    pub enabled: bool,
    /// Since when every delivery has failed; null while it delivers.
    #[schema(required = true)]
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebhookRow> for WebhookResponse {
    fn from(row: WebhookRow) -> Self {
        Self {
            id: row.id,
            url: row.url,
            events: serde_json::from_str(&row.events).unwrap_or_default(),
            description: row.description,
            enabled: row.enabled,
            failing_since: row.failing_since.map(time::utc),
            created_at: time::utc(row.created_at),
            updated_at: time::utc(row.updated_at),
        }
    }
}

/// A new endpoint, with the secret that signs its deliveries: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: WebhookResponse,
    /// `whsec_` and the key in base64, as Standard Webhooks libraries take it.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// A delivery attempt record.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryResponse {
    pub id: i32,
    /// The event type.
    #[schema(example = "article.published")]
    pub event: String,
    /// The `webhook-id` header: the same on every attempt.
    pub message_id: String,
    pub status: Status,
    pub attempts: i32,
    #[schema(required = true)]
    pub last_status_code: Option<i32>,
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// When it is (or was) due next.
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl From<DeliveryRow> for DeliveryResponse {
    fn from(row: DeliveryRow) -> Self {
        Self {
            id: row.id,
            event: row.event,
            message_id: row.message_id,
            status: row.status,
            attempts: row.attempts,
            last_status_code: row.last_status_code,
            last_error: row.last_error,
            next_attempt_at: time::utc(row.next_attempt_at),
            created_at: time::utc(row.created_at),
        }
    }
}

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// An http(s) URL, at most 2,000 characters; not on a private address
    /// unless `NEWSROOM_WEBHOOK_ALLOW_PRIVATE`.
    #[schema(max_length = 2000)]
    pub url: String,
    /// The events to send, at least one.
    #[schema(min_items = 1)]
    pub events: Vec<EventKind>,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(min_items = 1)]
    pub events: Option<Vec<EventKind>>,
    /// Re-enabling forgets past failures.
    pub enabled: Option<bool>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub description: Patch<String>,
}

/// Page of a delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A target the API takes: parsed, then checked where it resolves.
async fn target(raw: &str, state: &AppState) -> Result<String, ApiError> {
    let invalid = |message: String| ApiError::invalid_field("url", message);
    if raw.chars().count() > 2000 {
        return Err(invalid("must be at most 2,000 characters".into()));
    }
    let url = url::Url::parse(raw.trim()).map_err(|_| invalid(TargetError::NotHttp.to_string()))?;
    client::check_target(&url, state.config.webhook_allow_private).await.map_err(|error| invalid(error.to_string()))?;
    Ok(url.to_string())
}

fn events(events: &[EventKind]) -> Result<String, FieldError> {
    if events.is_empty() {
        return Err(FieldError::new("events", "name at least one event"));
    }
    let mut unique: Vec<EventKind> = Vec::new();
    for event in events {
        if !unique.contains(event) {
            unique.push(*event);
        }
    }
    serde_json::to_string(&unique).map_err(|_| FieldError::new("events", "cannot be stored"))
}

fn description(raw: &str) -> Result<Option<String>, FieldError> {
    text::multi_line(raw, 0, 1000)
        .map(|description| Some(description).filter(|description| !description.is_empty()))
        .map_err(|message| FieldError::new("description", message))
}

fn found(row: Option<WebhookRow>) -> Result<WebhookRow, ApiError> {
    row.ok_or(ApiError::NotFound)
}

/// Registers an endpoint (admin).
///
/// `201` with its secret, shown this once: keep it to verify signatures.
/// Every delivery is signed as Standard Webhooks do (`webhook-id`,
/// `webhook-timestamp`, `webhook-signature`).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Registered", body = CreatedWebhook, headers(("Location" = String, description = "The endpoint"))),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 422, description = "Invalid fields, or a target on a private address", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("")]
pub async fn create_webhook(
    user: AuthUser,
    body: JsonBody<CreateWebhookRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let body = body.into_inner();
    let (events, description) =
        (events(&body.events), body.description.as_deref().map(description).transpose().map(Option::flatten))
            .all_valid()?;
    let url = target(&body.url, &state).await?;
    let secret = client::new_secret();
    let stored = secret.clone();
    let row =
        store::write(&state.pool, move |conn| db::insert(conn, &url, &events, description.as_deref(), &stored)).await?;
    let location = format!("/api/v1/admin/webhooks/{}", row.id);
    Ok(http::private(HttpResponse::Created())
        .insert_header((header::LOCATION, location))
        .json(CreatedWebhook { webhook: row.into(), secret }))
}

/// Every endpoint, without secrets (admin).
///
/// Oldest first; a site has a handful, so the list is not paginated. An
/// endpoint disabled after five days of failures shows `enabled: false`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every endpoint (not paginated)", body = Page<WebhookResponse>),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("")]
pub async fn list_webhooks(user: AuthUser, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let rows = store::read(&state.pool, db::all).await?;
    let page = Page { items: rows.into_iter().map(WebhookResponse::from).collect(), next_cursor: None };
    Ok(http::private(HttpResponse::Ok()).json(page))
}

/// One endpoint, without its secret (admin).
///
/// `failing_since` tells since when every delivery to it has failed.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{id}")]
pub async fn get_webhook(
    user: AuthUser,
    id: web::Path<i32>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let row = found(store::read(&state.pool, move |conn| db::find(conn, id)).await?)?;
    Ok(http::private(HttpResponse::Ok()).json(WebhookResponse::from(row)))
}

/// Changes an endpoint (admin).
///
/// A new URL is checked as on registration; re-enabling forgets past failures.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Webhook id")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "The endpoint", body = WebhookResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 422, description = "Invalid fields, or a target on a private address", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[patch("/{id}")]
pub async fn update_webhook(
    user: AuthUser,
    id: web::Path<i32>,
    body: JsonBody<UpdateWebhookRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let (id, body) = (id.into_inner(), body.into_inner());
    let (events, description) = (
        body.events.as_deref().map(events).transpose(),
        body.description.try_map(|raw| description(&raw)).map(|description| description.map(Option::flatten)),
    )
        .all_valid()?;
    let url = match &body.url {
        Some(raw) => Some(target(raw, &state).await?),
        None => None,
    };
    let changes = WebhookChanges {
        url,
        events,
        description,
        enabled: body.enabled,
        failing_since: (body.enabled == Some(true)).then_some(None),
    };
    let row = store::write(&state.pool, move |conn| {
        found(db::find(conn, id)?)?;
        db::update(conn, id, &changes)?;
        found(db::find(conn, id)?)
    })
    .await?;
    Ok(http::private(HttpResponse::Ok()).json(WebhookResponse::from(row)))
}

/// Deletes an endpoint and its delivery log (admin).
///
/// Deliveries still waiting for it are dropped with it.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[delete("/{id}")]
pub async fn delete_webhook(
    user: AuthUser,
    id: web::Path<i32>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    let deleted = store::write(&state.pool, move |conn| db::delete(conn, id)).await?;
    if !deleted {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// What a ping answers: it is queued, not yet sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct PingResponse {
    #[schema(example = "A ping is queued; see the endpoint's deliveries for its outcome.")]
    pub message: &'static str,
}

/// Sends a `ping` event to an endpoint (admin).
///
/// `202`: queued like any event; its outcome shows in the delivery log. A
/// disabled endpoint is a 409.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Webhook id")),
    responses(
        (status = 202, description = "Queued", body = PingResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 409, description = "The endpoint is disabled (code `webhook_disabled`)", body = Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/{id}/ping")]
pub async fn ping_webhook(
    user: AuthUser,
    id: web::Path<i32>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let id = id.into_inner();
    state
        .write(move |conn, effects| {
            let row = found(db::find(conn, id)?)?;
            if !row.enabled {
                return Err(ApiError::conflict("webhook_disabled", "The endpoint is disabled; enable it first."));
            }
            effects.event(Event::ping(id));
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Accepted()
        .json(PingResponse { message: "A ping is queued; see the endpoint's deliveries for its outcome." }))
}

/// An endpoint's deliveries, newest first (admin).
///
/// Each with its status (`pending`, `delivered`, `failed`), attempts so far,
/// the last answer's status code or error, and when it is due next.
/// Delivered and failed ones are kept a week.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Webhook id"), DeliveriesQuery),
    responses(
        (status = 200, description = "A page of deliveries", body = Page<DeliveryResponse>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 400, response = crate::error::responses::BadRequest),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    user: AuthUser,
    id: web::Path<i32>,
    query: web::Query<DeliveriesQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Admin)?;
    let (id, query) = (id.into_inner(), query.into_inner());
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let before: Option<i32> = pagination::decode_cursor(query.cursor.as_deref())?;
    let page = store::read(&state.pool, move |conn| {
        found(db::find(conn, id)?)?;
        let rows = deliveries_db::of_webhook(conn, id, before, limit.probe())?;
        Ok::<_, ApiError>(Page::from_rows(rows, limit, |row| row.id, DeliveryResponse::from))
    })
    .await?;
    Ok(http::with_link(http::private(HttpResponse::Ok()), &page, &request).json(page))
}

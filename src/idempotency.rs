//! `Idempotency-Key` (API.md §14, IETF `draft-ietf-httpapi-idempotency-key-header`):
//! a retried create, on a network that lost the first answer, gets that
//! answer again instead of creating twice.
//!
//! The key is claimed in its own committed transaction before the handler
//! runs, so a second request with it, on any instance, finds the claim:
//! 409 while the first runs, the first response once it has one, 422 when
//! the request is not the same. A response that is not final (a 5xx, an
//! expired token, a conflict or rate limit that may pass) releases the key
//! for the retry to run again.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError, web};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::auth::{extract::bearer_token, rate_limit::client_ip};
use crate::error::ApiError;
use crate::http::unreadable_body;
use crate::schema::idempotency_keys;
use crate::seal::Sealer;
use crate::state::AppState;
use crate::store::{self, Conn, on_backend};
use crate::time;

pub const HEADER: &str = "idempotency-key";

/// Set on a replayed response, as Stripe does, so a client can tell.
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// A claim whose request has run this long without an answer was lost with
/// its process (a kill, a crash): a retry may run it again. Requests end
/// well within it (the pool's and the database's timeouts).
const ABANDONED_AFTER: Duration = Duration::from_secs(60);

/// The headers a replay repeats besides the body.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

/// The operations that take a key: the creates a retry could repeat.
pub fn takes_key(method: &Method, route: &str) -> bool {
    if method == Method::POST {
        matches!(
            route,
            "/api/v1/articles"
                | "/api/v1/collections"
                | "/api/v1/admin/webhooks"
                | "/api/v1/auth/register"
                | "/api/v1/auth/password/forgot"
        )
    } else {
        method == Method::PUT && route == "/api/v1/collections/{id}/articles/{article}"
    }
}

/// Middleware around every route: acts only on the operations that take a
/// key, and only when one is sent.
pub async fn replay_retries(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let wanted =
        req.headers().contains_key(HEADER) && req.match_pattern().is_some_and(|route| takes_key(req.method(), &route));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (true, Some(state)) = (wanted, state) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = match key_of(&req) {
        Ok(key) => key,
        Err(error) => return Ok(req.error_response(error)),
    };
    let body = match req.extract::<web::Bytes>().await {
        Ok(body) => body,
        Err(error) => return Ok(req.error_response(unreadable_body(error))),
    };
    req.set_payload(body.clone().into());
    let slot = Slot { caller: caller_of(&req, &state), key };
    let fingerprint = fingerprint(&req, &body);
    let claimed = {
        let (slot, sealer) = (slot.clone(), state.sealer.clone());
        store::write(&state.pool, move |conn| claim(conn, &sealer, &slot, &fingerprint, time::now())).await
    };
    match claimed {
        Ok(Claim::Fresh) => {}
        Ok(Claim::Replay(response)) => return Ok(req.into_response(response.into_response())),
        Ok(Claim::InUse) => {
            let error = ApiError::conflict(
                "idempotency_key_in_use",
                "A request with this Idempotency-Key is still running; retry when it has answered.",
            );
            return Ok(req.error_response(error));
        }
        Ok(Claim::Reused) => {
            let error = ApiError::Unprocessable {
                code: "idempotency_key_reused",
                detail: "This Idempotency-Key was sent with a different request; use a new key for a new request."
                    .into(),
            };
            return Ok(req.error_response(error));
        }
        Err(error) => return Ok(req.error_response(error)),
    }
    let response = match next.call(req).await {
        Ok(response) => response,
        Err(error) => {
            release(&state, slot).await;
            return Err(error);
        }
    };
    if !is_final(response.status()) {
        release(&state, slot).await;
        return Ok(response.map_into_boxed_body());
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let Ok(body) = actix_web::body::to_bytes(body).await else {
        release(&state, slot).await;
        return Ok(ServiceResponse::new(request, ApiError::Unavailable("response body lost".into()).error_response()));
    };
    let kept = Kept::of(&head, &body);
    let sealer = state.sealer.clone();
    if let Err(error) = store::write(&state.pool, move |conn| record(conn, &sealer, &slot, &kept)).await {
        tracing::warn!(error = %error, "idempotent response not kept");
    }
    Ok(ServiceResponse::new(request, head.set_body(body).map_into_boxed_body()))
}

/// 1 to 255 visible ASCII characters.
fn key_of(req: &ServiceRequest) -> Result<String, ApiError> {
    let value = req.headers().get(HEADER).map(HeaderValue::as_bytes).unwrap_or_default();
    if value.is_empty() || value.len() > 255 || !value.iter().all(u8::is_ascii_graphic) {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        ));
    }
    Ok(String::from_utf8_lossy(value).into_owned())
}

/// Whose keys these are: the account of a valid token, else the client
/// address (a bad token is answered 401 by the handler, and that answer is
/// not kept).
fn caller_of(req: &ServiceRequest, state: &AppState) -> String {
    let account = bearer_token(req.request()).ok().flatten().and_then(|token| state.jwt.verify(&token));
    match (account, client_ip(req)) {
        (Some(claims), _) => format!("user:{}", claims.sub),
        (None, Some(ip)) => format!("ip:{ip}"),
        (None, None) => "ip:unknown".into(),
    }
}

/// What makes two requests the same: method, path and query, and body.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str());
    hash.update(b" ");
    hash.update(req.uri().path_and_query().map_or("", |target| target.as_str()));
    hash.update(b"\n");
    hash.update(body);
    hash.finalize().to_vec()
}

/// A response a retry could not do better than: success, or a refusal that
/// the same request would get again.
fn is_final(status: StatusCode) -> bool {
    !(status.is_server_error()
        || matches!(status, StatusCode::UNAUTHORIZED | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS))
}

#[derive(Clone)]
struct Slot {
    caller: String,
    key: String,
}

enum Claim {
    /// Ours to run.
    Fresh,
    Replay(Kept),
    InUse,
    Reused,
}

/// A kept response, its body sealed in the database ([`crate::seal`]): a
/// registration's holds its tokens.
#[derive(Queryable)]
struct Kept {
    status: i32,
    headers: String,
    body: Vec<u8>,
}

impl Kept {
    fn of(head: &HttpResponse<()>, body: &[u8]) -> Self {
        let headers: Vec<(&str, &str)> = KEPT_HEADERS
            .iter()
            .filter_map(|name| Some((name.as_str(), head.headers().get(name)?.to_str().ok()?)))
            .collect();
        Self {
            status: i32::from(head.status().as_u16()),
            headers: serde_json::to_string(&headers).unwrap_or_else(|_| "[]".into()),
            body: body.to_vec(),
        }
    }

    fn into_response(self) -> HttpResponse {
        let status = u16::try_from(self.status).ok().and_then(|code| StatusCode::from_u16(code).ok());
        let mut response = HttpResponse::build(status.unwrap_or(StatusCode::OK));
        let headers: Vec<(String, String)> = serde_json::from_str(&self.headers).unwrap_or_default();
        for (name, value) in headers {
            response.insert_header((name, value));
        }
        response.insert_header((REPLAYED, "true")).body(self.body)
    }
}

#[derive(Queryable)]
struct Held {
    request_hash: Vec<u8>,
    created_at: NaiveDateTime,
    response: Option<Kept>,
}

fn claim(conn: &mut Conn, sealer: &Sealer, slot: &Slot, fingerprint: &[u8], now: NaiveDateTime) -> QueryResult<Claim> {
    let row = (
        idempotency_keys::caller.eq(&slot.caller),
        idempotency_keys::idempotency_key.eq(&slot.key),
        idempotency_keys::request_hash.eq(fingerprint),
        idempotency_keys::created_at.eq(now),
    );
    let inserted = on_backend!(conn, |conn| diesel::insert_into(idempotency_keys::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn))?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let mut held: Held = idempotency_keys::table
        .find((&slot.caller, &slot.key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::created_at,
            (
                idempotency_keys::response_status.assume_not_null(),
                idempotency_keys::response_headers.assume_not_null(),
                idempotency_keys::response_body.assume_not_null(),
            )
                .nullable(),
        ))
        .first(conn)?;
    let opened = held.response.take().map(|kept| {
        let body = std::str::from_utf8(&kept.body).ok().and_then(|sealed| sealer.open(sealed));
        body.map(|body| Kept { body, ..kept })
    });
    let expired = now - held.created_at > chrono_duration(crate::jobs::IDEMPOTENCY_KEPT);
    let abandoned = opened.is_none() && now - held.created_at > chrono_duration(ABANDONED_AFTER);
    // Sealed under another server secret: as good as lost.
    let unreadable = matches!(opened, Some(None));
    if expired || abandoned || unreadable {
        diesel::update(idempotency_keys::table.find((&slot.caller, &slot.key)))
            .set((
                idempotency_keys::request_hash.eq(fingerprint),
                idempotency_keys::created_at.eq(now),
                idempotency_keys::response_status.eq(None::<i32>),
                idempotency_keys::response_headers.eq(None::<String>),
                idempotency_keys::response_body.eq(None::<Vec<u8>>),
            ))
            .execute(conn)?;
        return Ok(Claim::Fresh);
    }
    // While the first runs, any request with its key waits: the answer to
    // a different one (422) can come once the first has answered.
    Ok(match opened.flatten() {
        None => Claim::InUse,
        Some(_) if held.request_hash != fingerprint => Claim::Reused,
        Some(kept) => Claim::Replay(kept),
    })
}

fn record(conn: &mut Conn, sealer: &Sealer, slot: &Slot, kept: &Kept) -> QueryResult<usize> {
    let sealed = sealer.seal(&kept.body).map_err(|error| diesel::result::Error::SerializationError(Box::new(error)))?;
    diesel::update(idempotency_keys::table.find((&slot.caller, &slot.key)))
        .set((
            idempotency_keys::response_status.eq(kept.status),
            idempotency_keys::response_headers.eq(&kept.headers),
            idempotency_keys::response_body.eq(sealed.as_bytes()),
        ))
        .execute(conn)
}

/// Frees the key for a retry to run the request again.
async fn release(state: &AppState, slot: Slot) {
    let released = store::write(&state.pool, move |conn| {
        diesel::delete(idempotency_keys::table.find((&slot.caller, &slot.key))).execute(conn)
    })
    .await;
    if let Err(error) = released {
        tracing::warn!(error = %error, "idempotency key not released");
    }
}

/// Deletes keys older than `kept`: housekeeping.
pub fn prune(conn: &mut Conn, kept: Duration) -> QueryResult<usize> {
    let before = time::now() - chrono_duration(kept);
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before))).execute(conn)
}

fn chrono_duration(duration: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(duration).unwrap_or(chrono::TimeDelta::MAX)
}

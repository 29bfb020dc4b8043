//! The per-client-IP limit on `/api/v1/auth/*` (`NEWSROOM_AUTH_RATE_LIMIT`
//! requests a minute): a burst of the whole minute's allowance, refilled
//! evenly ([`crate::limiter`]).
//!
//! The client is the TCP peer, or behind the proxies named in
//! `NEWSROOM_TRUSTED_PROXIES` the address they forward ([`crate::proxy`]).
//! Each instance counts its own requests.

use std::net::IpAddr;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use crate::error::ApiError;
use crate::state::AppState;
use crate::{limiter, proxy};

/// The client address a request is counted against.
pub fn client_ip(req: &ServiceRequest) -> Option<IpAddr> {
    proxy::client_address(req.request()).map(limiter::client_key)
}

/// Middleware for the auth scope: 429 `rate_limited` with `Retry-After` past
/// the limit, and the IETF draft `RateLimit` / `RateLimit-Policy` headers on
/// every answer.
pub async fn limit_by_ip(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let limit = state.as_deref().and_then(|state| state.limits.auth_requests.as_ref());
    let (Some(limit), Some(ip)) = (limit, client_ip(&req)) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let (remaining, reset_secs, mut response) = match limit.hit(ip) {
        Ok(allowance) => (allowance.remaining, allowance.reset.as_secs(), next.call(req).await?.map_into_left_body()),
        Err(limited) => {
            let response = ApiError::from(limited).error_response();
            (0, limited.retry_after_secs, req.into_response(response).map_into_right_body())
        }
    };
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&format!("{};w={}", limit.max(), limit.window().as_secs())) {
        headers.insert(HeaderName::from_static("ratelimit-policy"), policy);
    }
    if let Ok(value) =
        HeaderValue::from_str(&format!("limit={}, remaining={remaining}, reset={reset_secs}", limit.max()))
    {
        headers.insert(HeaderName::from_static("ratelimit"), value);
    }
    Ok(response)
}

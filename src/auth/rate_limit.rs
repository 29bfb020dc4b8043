//! The per-client-IP limit on `/api/v1/auth/*` (`NEWSROOM_AUTH_RATE_LIMIT`
//! requests a minute), with governor's GCRA: a burst of the whole minute's
//! allowance, refilled evenly.
//!
//! The client is the TCP peer. Behind a reverse proxy every client shares the
//! proxy's address, so rate-limit at the proxy instead and set the limit to 0.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::ApiError;
use crate::state::AppState;

type KeyedLimiter = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

/// Requests per minute per client IP.
pub struct IpRateLimit {
    limiter: KeyedLimiter,
    per_minute: u32,
}

impl IpRateLimit {
    /// `None` when the limit is 0 (disabled).
    pub fn per_minute(per_minute: u32) -> Option<Self> {
        let burst = NonZeroU32::new(per_minute)?;
        let limiter = RateLimiter::dashmap(Quota::per_minute(burst)).with_middleware::<StateInformationMiddleware>();
        Some(Self { limiter, per_minute })
    }

    /// Forgets clients whose allowance is full again, so memory follows current traffic.
    pub fn forget_idle_clients(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    fn policy(&self) -> HeaderValue {
        HeaderValue::from_str(&format!("{};w=60", self.per_minute)).unwrap_or(HeaderValue::from_static("0"))
    }
}

/// Middleware for the auth scope: 429 `rate_limited` with `Retry-After` past
/// the limit, and the IETF draft `RateLimit` / `RateLimit-Policy` headers on
/// every answer.
pub async fn limit_by_ip(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let limit = state.as_deref().and_then(|state| state.auth_rate_limit.as_ref());
    let (Some(limit), Some(ip)) = (limit, req.peer_addr().map(|peer| peer.ip())) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let (remaining, reset_secs, mut response) = match limit.limiter.check_key(&ip) {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity();
            let used = limit.per_minute.saturating_sub(remaining);
            let reset = Duration::from_secs(60) * used / limit.per_minute.max(1);
            (remaining, reset.as_secs(), next.call(req).await?.map_into_left_body())
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now()).as_secs().max(1);
            let response = ApiError::RateLimited { retry_after_secs: wait }.error_response();
            (0, wait, req.into_response(response).map_into_right_body())
        }
    };
    let headers = response.headers_mut();
    headers.insert(HeaderName::from_static("ratelimit-policy"), limit.policy());
    if let Ok(value) =
        HeaderValue::from_str(&format!("limit={}, remaining={remaining}, reset={reset_secs}", limit.per_minute))
    {
        headers.insert(HeaderName::from_static("ratelimit"), value);
    }
    Ok(response)
}

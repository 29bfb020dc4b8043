//! CORS: which origins may call the API from a browser, and the same headers
//! on the answers that bypass the CORS middleware (its own rejections, and
//! the 500 of a panic).

use actix_cors::{Cors, CorsError};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};

use crate::config::CorsOrigins;
use crate::error::ApiError;
use crate::telemetry;

/// Response headers a page may read.
const EXPOSED: [HeaderName; 10] = [
    header::ETAG,
    header::LINK,
    header::LOCATION,
    header::RETRY_AFTER,
    telemetry::REQUEST_ID_HEADER,
    HeaderName::from_static("ratelimit"),
    HeaderName::from_static("ratelimit-policy"),
    HeaderName::from_static("x-ratelimit-limit"),
    HeaderName::from_static("x-ratelimit-remaining"),
    HeaderName::from_static("x-ratelimit-after"),
];

/// Caches must keep answers apart by these request headers.
const VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// The CORS middleware for the configured origins.
pub fn middleware(origins: &CorsOrigins) -> Cors {
    let cors = match origins {
        CorsOrigins::Any => Cors::default().allow_any_origin().send_wildcard(),
        CorsOrigins::List(origins) => origins.iter().fold(Cors::default(), |cors, origin| cors.allowed_origin(origin)),
    };
    cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            telemetry::REQUEST_ID_HEADER,
        ])
        .expose_headers(EXPOSED)
        .max_age(3600)
}

/// Adds what the CORS middleware adds to an answer for `origin`: the grant
/// when the origin may call us, the exposed headers, and `Vary`.
pub fn add_headers(headers: &mut HeaderMap, origins: &CorsOrigins, origin: Option<&HeaderValue>) {
    let grant = origin.and_then(|origin| match origins {
        CorsOrigins::Any => Some(HeaderValue::from_static("*")),
        CorsOrigins::List(allowed) => {
            let text = origin.to_str().ok()?;
            allowed.iter().any(|allowed| allowed == text).then(|| origin.clone())
        }
    });
    if let Some(grant) = grant {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, grant);
        let exposed = EXPOSED.iter().map(HeaderName::as_str).collect::<Vec<_>>().join(", ");
        if let Ok(exposed) = HeaderValue::from_str(&exposed) {
            headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, exposed);
        }
    }
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
}

/// The configured origins, registered as app data; none when missing.
pub fn origins_of(req: &ServiceRequest) -> web::Data<CorsOrigins> {
    req.app_data::<web::Data<CorsOrigins>>().cloned().unwrap_or_else(|| web::Data::new(CorsOrigins::List(Vec::new())))
}

/// Wraps [`middleware`], which answers a rejected preflight with a plain-text
/// 400 carrying no CORS headers, so that the browser hides even that from the
/// page. This answers problem+json (code `cors_rejected`) instead, with the
/// headers any other error carries.
pub async fn rejections_as_problems(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    let origins = origins_of(&req);
    let origin = req.headers().get(header::ORIGIN).cloned();
    let response = next.call(req).await?;
    let rejection =
        response.response().error().and_then(|error| error.as_error::<CorsError>()).map(ToString::to_string);
    let Some(reason) = rejection else {
        return Ok(response.map_into_left_body());
    };
    let (request, _) = response.into_parts();
    let mut problem = ApiError::bad_request("cors_rejected", format!("CORS: {reason}.")).error_response();
    let headers = problem.headers_mut();
    add_headers(headers, &origins, origin.as_ref());
    for (name, value) in telemetry::SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(ServiceResponse::new(request, problem).map_into_right_body())
}

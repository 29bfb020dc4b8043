//! Logging and request correlation: the tracing subscriber, the `X-Request-Id`
//! middleware, and the root span of each request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use std::io::IsTerminal;
use std::panic::AssertUnwindSafe;

use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError};
use futures_util::FutureExt;
use tracing::Span;
use tracing_actix_web::RootSpanBuilder;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::LogFormat;
use crate::cors;
use crate::error::ApiError;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    // Error bodies carry the request id, but `ResponseError::error_response`
    // gets no request; the id travels with the request's future instead.
    static REQUEST_ID: String;
}

/// The id of the request being served, or an empty string outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// The request id, also stored in the request's extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Installs the global subscriber. `filter` uses `EnvFilter` syntax.
pub fn init(filter: &str, format: LogFormat) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| e.to_string())?;
    // A closing span logs how long it took, so a slow request's lines show
    // where the time went: the request itself at `info`, each database call
    // and mail below it at `debug`.
    // Colours only for a person at a terminal: a log file or journald gets
    // plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).try_init(),
    };
    installed.map_err(|e| e.to_string())
}

/// A client's id is echoed only when it is short and plain, so that it is safe
/// in logs and headers; anything else gets a fresh UUID.
fn client_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(&REQUEST_ID_HEADER)?.to_str().ok()?;
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':');
    (!value.is_empty() && value.len() <= 128 && value.chars().all(plain)).then(|| value.to_owned())
}

/// Outermost middleware: assigns the request id, makes it visible to error
/// rendering and to the root span, and sends it back as `X-Request-Id`.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let id = client_request_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let header = HeaderValue::from_str(&id).ok();
    match REQUEST_ID.scope(id.clone(), next.call(req)).await {
        Ok(mut response) => {
            if let Some(header) = header {
                response.headers_mut().insert(REQUEST_ID_HEADER, header);
            }
            Ok(response)
        }
        // A middleware failed (a CORS rejection, say). Render its response here,
        // inside the scope so that the body carries the id, and hand it on
        // ready-made: actix renders errors after this middleware returns.
        Err(error) => {
            let mut response = REQUEST_ID.sync_scope(id, || error.error_response());
            let headers = response.headers_mut();
            if let Some(header) = header {
                headers.insert(REQUEST_ID_HEADER, header);
            }
            for (name, value) in SECURITY_HEADERS {
                headers.insert(name, HeaderValue::from_static(value));
            }
            Err(InternalError::from_response(error.to_string(), response).into())
        }
    }
}

/// Headers every response carries; `DefaultHeaders` adds them to answers,
/// and [`request_id`] to errors that bypass it.
pub const SECURITY_HEADERS: [(HeaderName, &str); 2] =
    [(header::X_CONTENT_TYPE_OPTIONS, "nosniff"), (header::REFERRER_POLICY, "no-referrer")];

/// A handler that panics despite the lints answers a 500 problem (logged by
/// `ApiError`) instead of taking its worker down with the connection. The
/// panic unwinds through the CORS middleware, so the answer gets its headers
/// here; [`request_id`] adds the rest.
pub async fn catch_panics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let origins = cors::origins_of(&req);
    let origin = req.headers().get(header::ORIGIN).cloned();
    match AssertUnwindSafe(next.call(req)).catch_unwind().await {
        Ok(result) => result,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let mut response = ApiError::Internal(format!("handler panicked: {message}").into()).error_response();
            cors::add_headers(response.headers_mut(), &origins, origin.as_ref());
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Err(InternalError::from_response("handler panicked", response).into())
        }
    }
}

/// Root span of every request, carrying our request id rather than
/// tracing-actix-web's own; its closing line gives the status and the time.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let request_id = request.extensions().get::<RequestId>().map(|id| id.0.clone()).unwrap_or_default();
        tracing::info_span!(
            "request",
            http.method = %request.method(),
            http.route = request.match_pattern().unwrap_or_default(),
            request_id = %request_id,
            client.address = crate::proxy::client_address(request.request()).map(tracing::field::display),
            http.status_code = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let status = match outcome {
            Ok(response) => response.status(),
            Err(error) => error.as_response_error().status_code(),
        };
        // Logged when the span closes, with the time it took.
        span.record("http.status_code", status.as_u16());
    }
}

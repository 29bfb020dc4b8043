//! Small HTTP helpers shared by handlers: caching headers, `Link`, and the
//! absent/null/value distinction of PATCH bodies.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use serde::{Deserialize, Deserializer};

use crate::error::ApiError;
use crate::pagination::Page;

/// A PATCH field: left out (keep), `null` (clear) or a value (set).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    /// The change for a nullable column: `None` keeps it, `Some(None)` clears
    /// it, `Some(Some(value))` sets it.
    pub fn into_change(self) -> Option<Option<T>> {
        match self {
            Self::Absent => None,
            Self::Null => Some(None),
            Self::Value(value) => Some(Some(value)),
        }
    }

    /// [`Patch::into_change`], parsing a given value with `parse`.
    pub fn try_map<U, E>(self, parse: impl FnOnce(T) -> Result<U, E>) -> Result<Option<Option<U>>, E> {
        self.into_change().map(|change| change.map(parse).transpose()).transpose()
    }
}

/// `deserialize_with` for [`Patch`] fields; pair it with `#[serde(default)]`
/// so that a missing field stays [`Patch::Absent`].
pub fn patch<'de, D, T>(deserializer: D) -> Result<Patch<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(|value| value.map_or(Patch::Null, Patch::Value))
}

/// Anonymous reads of public content: shared caches may keep them a minute,
/// but never hand them to a request that carries a token, which may get
/// another answer (its own `my_vote`, a draft it may see, or a 401).
pub fn public(mut response: HttpResponseBuilder) -> HttpResponseBuilder {
    response
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60")))
        .insert_header((header::VARY, HeaderValue::from_static("Authorization")));
    response
}

/// Responses that depend on who asks: never stored, and varying by token.
pub fn private(mut response: HttpResponseBuilder) -> HttpResponseBuilder {
    response
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")))
        .insert_header((header::VARY, HeaderValue::from_static("Authorization")));
    response
}

/// Adds `Link: <…>; rel="next"` when the page has a successor.
pub fn with_link<T>(mut response: HttpResponseBuilder, page: &Page<T>, request: &HttpRequest) -> HttpResponseBuilder {
    if let Some(link) = page.link_header(request) {
        response.insert_header(link);
    }
    response
}

/// HEAD is GET without the body (RFC 9110 §9.3.2), and link checkers, feed
/// readers and `curl -I` ask it of any resource: the routes answer it as the
/// GET it stands for, and the HTTP/1 codec, which saw the method the client
/// sent, writes the headers (`Content-Length` included) and leaves the body out.
/// Innermost, so that the log and the metrics still say HEAD.
pub async fn head_as_get(
    mut request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    if request.method() == Method::HEAD {
        request.head_mut().method = Method::GET;
    }
    next.call(request).await
}

/// The documented routes, to tell an unknown path (404) from a known path
/// asked with the wrong method (405 with `Allow`).
pub struct KnownRoutes(Vec<(Vec<Segment>, Vec<Method>)>);

/// A path segment of the document: literal text, or a parameter between a
/// literal prefix and suffix (`{id}`, `articles-{n}.xml`).
enum Segment {
    Literal(String),
    Parameter { prefix: String, suffix: String },
}

impl Segment {
    fn parse(segment: &str) -> Self {
        match (segment.split_once('{'), segment.rsplit_once('}')) {
            (Some((prefix, _)), Some((_, suffix))) => {
                Self::Parameter { prefix: prefix.to_owned(), suffix: suffix.to_owned() }
            }
            _ => Self::Literal(segment.to_owned()),
        }
    }

    fn matches(&self, part: &str) -> bool {
        match self {
            Self::Literal(literal) => literal == part,
            Self::Parameter { prefix, suffix } => {
                part.len() > prefix.len() + suffix.len()
                    && part.starts_with(prefix.as_str())
                    && part.ends_with(suffix.as_str())
            }
        }
    }
}

impl KnownRoutes {
    /// Reads the paths of the OpenAPI document; parameters match any text.
    pub fn from_document(document: &utoipa::openapi::OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(Segment::parse).collect();
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::HEAD, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    fn methods_for(&self, path: &str) -> Vec<Method> {
        let requested: Vec<&str> = path.split('/').collect();
        let mut methods: Vec<Method> = Vec::new();
        for (segments, route_methods) in &self.0 {
            let matches = segments.len() == requested.len()
                && segments.iter().zip(&requested).all(|(segment, part)| segment.matches(part));
            if matches {
                methods.extend(route_methods.iter().filter(|m| !methods.contains(m)).cloned().collect::<Vec<_>>());
            }
        }
        methods
    }
}

/// The default service: 405 for a known path asked with another method, else 404.
pub async fn fallback(request: HttpRequest, routes: web::Data<KnownRoutes>) -> Result<HttpResponse, ApiError> {
    let allow = routes.methods_for(request.path());
    Err(if allow.is_empty() { ApiError::NotFound } else { ApiError::MethodNotAllowed { allow } })
}

/// A strong entity tag: the first 128 bits of the SHA-256 of the body.
pub fn etag_of(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|byte| format!("{byte:02x}")).collect();
    format!("\"{hex}\"")
}

fn listed_tags(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|tag| !tag.is_empty())
}

/// A body with its strong ETag (and `Link`, for lists; `Last-Modified`, for
/// feeds): what is sent, and what the public cache keeps.
#[derive(Debug, Clone)]
pub struct Tagged {
    pub etag: String,
    pub body: web::Bytes,
    pub link: Option<HeaderValue>,
    pub content_type: &'static str,
    pub last_modified: Option<chrono::DateTime<chrono::Utc>>,
}

impl Tagged {
    pub fn of(value: &impl serde::Serialize) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
        Ok(Self::document(body, "application/json", None))
    }

    /// Any other representation: a feed, a sitemap.
    pub fn document(
        body: Vec<u8>,
        content_type: &'static str,
        last_modified: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Self {
        let body = web::Bytes::from(body);
        Self { etag: etag_of(&body), body, link: None, content_type, last_modified }
    }

    /// A page, with its `Link` to the next one.
    pub fn page<T: serde::Serialize>(page: &Page<T>, request: &HttpRequest) -> Result<Self, ApiError> {
        let mut tagged = Self::of(page)?;
        tagged.link = page.link_header(request).map(|(_, value)| value);
        Ok(tagged)
    }

    /// The response; for a GET (`conditional` given), 304 when
    /// `If-None-Match` already names the ETag (weak comparison, as RFC 9110
    /// asks), or, without `If-None-Match`, when `If-Modified-Since` is not
    /// older than `Last-Modified`.
    pub fn respond(&self, conditional: Option<&HttpRequest>, mut response: HttpResponseBuilder) -> HttpResponse {
        response.insert_header((header::ETAG, self.etag.clone()));
        if let Some(link) = &self.link {
            response.insert_header((header::LINK, link.clone()));
        }
        if let Some(modified) = self.last_modified {
            response
                .insert_header((header::LAST_MODIFIED, header::HttpDate::from(std::time::SystemTime::from(modified))));
        }
        let headers = conditional.map(HttpRequest::headers);
        let cached = match headers.and_then(|headers| headers.get(header::IF_NONE_MATCH)) {
            Some(value) => value.to_str().is_ok_and(|value| {
                listed_tags(value).any(|tag| tag == "*" || tag.trim_start_matches("W/") == self.etag)
            }),
            None => headers
                .and_then(|headers| headers.get(header::IF_MODIFIED_SINCE))
                .and_then(|value| value.to_str().ok()?.parse::<header::HttpDate>().ok())
                .zip(self.last_modified)
                .is_some_and(|(since, modified)| unchanged_since(since, modified)),
        };
        if cached {
            return response.status(actix_web::http::StatusCode::NOT_MODIFIED).finish();
        }
        response.content_type(self.content_type).body(self.body.clone())
    }
}

/// True when `modified` is not later than `since`, to the second that HTTP
/// dates have.
fn unchanged_since(since: header::HttpDate, modified: chrono::DateTime<chrono::Utc>) -> bool {
    let since = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::from(since));
    modified.timestamp() <= since.timestamp()
}

/// Answers a JSON representation with its `ETag` (see [`Tagged::respond`]).
pub fn json_with_etag(
    conditional: Option<&HttpRequest>,
    response: HttpResponseBuilder,
    body: &impl serde::Serialize,
) -> Result<HttpResponse, ApiError> {
    Ok(Tagged::of(body)?.respond(conditional, response))
}

/// The `If-Match` header, read before the request is left behind for a
/// database call (an unreadable value can match nothing: 412).
pub fn if_match(request: &HttpRequest) -> Result<Option<String>, ApiError> {
    request
        .headers()
        .get(header::IF_MATCH)
        .map(|value| value.to_str().map(str::to_owned).map_err(|_| ApiError::PreconditionFailed))
        .transpose()
}

/// 412 unless `If-Match` is absent or names `current` (strong comparison).
pub fn check_if_match(if_match: Option<&str>, current: &impl serde::Serialize) -> Result<(), ApiError> {
    let Some(value) = if_match else {
        return Ok(());
    };
    let etag = etag_of(&serde_json::to_vec(current).map_err(ApiError::internal)?);
    if listed_tags(value).any(|tag| tag == "*" || tag == etag) { Ok(()) } else { Err(ApiError::PreconditionFailed) }
}

/// 412 unless `If-Match` is absent, or is `*` and the target exists: for a
/// resource that has no representation of its own to tag (a saved article
/// in a collection, a password), no other entity tag can be current
/// (RFC 9110 §13.1.1).
pub fn check_if_match_untagged(if_match: Option<&str>, exists: bool) -> Result<(), ApiError> {
    match if_match {
        Some(value) if !(exists && listed_tags(value).any(|tag| tag == "*")) => Err(ApiError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// A JSON object request body. Unlike `web::Json`, it refuses arrays for
/// struct bodies (serde would read `[..]` as the fields in order), and every
/// failure is in the problem+json envelope: 415 for another content type,
/// 413 past the payload limit, 400 for anything unreadable.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

fn is_json(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| {
            mime.type_() == mime::APPLICATION && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
        })
}

/// Why a request body could not be read: too large, or cut short.
pub fn unreadable_body(error: actix_web::Error) -> ApiError {
    if error.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge(crate::startup::MAX_BODY_BYTES as u64)
    } else {
        ApiError::bad_request("invalid_body", error.to_string())
    }
}

/// Parses a JSON object into `T`, naming what is wrong in a way a client can act on.
pub fn parse_json_object<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad_request("invalid_body", "the body must be a JSON object"));
    }
    serde_json::from_slice(bytes).map_err(|error| {
        let message = error.to_string();
        let code = if message.starts_with("unknown field") {
            "unknown_field"
        } else if error.is_data() {
            "invalid_body"
        } else {
            "malformed_json"
        };
        ApiError::bad_request(code, message)
    })
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = is_json(request);
        let bytes = web::Bytes::from_request(request, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::UnsupportedMediaType("Send the body as `Content-Type: application/json`."));
            }
            let bytes = bytes.await.map_err(unreadable_body)?;
            parse_json_object(&bytes).map(JsonBody)
        })
    }
}

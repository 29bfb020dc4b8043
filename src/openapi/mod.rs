//! The OpenAPI 3.1 document: general information, the bearer scheme, the
//! responses every operation of a kind can give, links, and [`document`],
//! which collects every route.

mod links;
mod refine;

use actix_web::App;
use actix_web::http::Method;
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, Ref, RefOr, Required};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::articles::SortParam;
use crate::articles::db::ArticleStatus;
use crate::collections::db::Visibility;
use crate::error::responses::{
    BadRequest, Forbidden, IdempotencyKeyInUse, IdempotencyKeyReused, InternalError, NotFound, PayloadTooLarge,
    PreconditionFailed, ServiceUnavailable, StorageFull, TooManyRequests, Unauthorized, UnsupportedMediaType,
    ValidationFailed,
};
use crate::error::{FieldError, Problem};
use crate::users::Role;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "newsroom",
        description = "The API of a news site: articles by category, votes, \"Check Also\" related \
articles, accounts with password reset by email, static pages, and reader collections.\n\n\
Errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`. \
Lists are keyset-paginated: pass `next_cursor` as `cursor`; a `Link: <…>; rel=\"next\"` \
header is sent too. Every response carries `X-Request-Id`.",
        license(name = "MIT", identifier = "MIT"),
        contact(name = "newsroom", url = "https://newsroom.example/api"),
    ),
    servers((url = "/", description = "The server that serves this document")),
    tags(
        (name = "auth", description = "Sessions: register, log in, refresh, log out. Rate limited per client IP."),
        (name = "users", description = "The caller's account and public profiles."),
        (name = "admin", description = "User management (admin role)."),
        (name = "webhooks", description = "Endpoints told of what is published, changed or deleted, signed as Standard Webhooks do (admin role)."),
        (name = "articles", description = "News articles: lists, search, reading, writing, \"Check Also\"."),
        (name = "categories", description = "The category tree (\"Home / Politics / …\")."),
        (name = "votes", description = "\"Leave your vote\": up or down, one per reader per article."),
        (name = "revisions", description = "What an article read like before each change, who changed it and when; restoring one."),
        (name = "tags", description = "Tags with article counts."),
        (name = "pages", description = "Static pages such as the privacy policy."),
        (name = "media", description = "The media library: images uploaded, cleaned of metadata, resized for `srcset`, and served."),
        (name = "collections", description = "\"Add to Collection\": readers' named lists of saved articles."),
        (name = "feeds", description = "RSS, Atom and JSON feeds, sitemaps and robots.txt, at the site root."),
        (name = "ops", description = "Health, readiness and metrics."),
    ),
    components(
        // Schemas that only query parameters use are not collected with the routes.
        schemas(Problem, FieldError, SortParam, ArticleStatus, Role, Visibility, crate::feeds::JsonFeed),
        responses(
            BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, PayloadTooLarge,
            UnsupportedMediaType, ValidationFailed, TooManyRequests, InternalError, IdempotencyKeyInUse,
            IdempotencyKeyReused, ServiceUnavailable, StorageFull,
            crate::feeds::responses::Feed, crate::feeds::responses::Sitemap, crate::feeds::responses::NotModified,
        ),
    ),
)]
struct ApiDoc;

/// Adds the bearer scheme and the responses every operation of a kind can
/// give, so handlers list only the ones particular to them.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An `access_token` from login, register or refresh."))
                    .build(),
            ),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in [(Method::POST, &mut item.post), (Method::PUT, &mut item.put)] {
                if let Some(operation) = operation.as_mut().filter(|_| crate::idempotency::takes_key(&method, path)) {
                    operation.parameters.get_or_insert_with(Vec::new).push(RefOr::T(idempotency_key()));
                    let responses = &mut operation.responses.responses;
                    for (status, name) in [("409", "IdempotencyKeyInUse"), ("422", "IdempotencyKeyReused")] {
                        responses.entry(status.to_owned()).or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                    }
                }
            }
            // Writes can meet a full disk; every operation but the liveness
            // probe needs the database.
            for operation in [&mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                responses.entry("507".to_owned()).or_insert_with(|| RefOr::Ref(Ref::from_response_name("StorageFull")));
            }
            for operation in operations_mut(item) {
                let responses = &mut operation.responses.responses;
                if path != "/healthz" {
                    responses
                        .entry("503".to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name("ServiceUnavailable")));
                }
                let mut add = |status: &str, name: &str| {
                    responses.entry(status.to_owned()).or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                };
                let authenticated = operation.security.as_ref().is_some_and(|requirements| !requirements.is_empty());
                if authenticated {
                    add("401", "Unauthorized");
                }
                if operation.request_body.is_some() {
                    add("400", "BadRequest");
                    add("413", "PayloadTooLarge");
                    add("415", "UnsupportedMediaType");
                }
                if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                    add("400", "BadRequest");
                }
                if path.contains('{') {
                    // A path naming nothing, an id out of range included.
                    add("404", "NotFound");
                }
                if path.starts_with("/api/v1/auth/") {
                    add("429", "TooManyRequests");
                }
                add("500", "InternalError");
            }
        }
    }
}

/// The `Idempotency-Key` header of the operations that take one (API.md §14).
fn idempotency_key() -> Parameter {
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(255))
        .pattern(Some("^[!-~]+$"));
    ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "Makes a retry safe: within 24 hours the same key from the same caller (account, or client address) \
with the same request gets the first answer again (status, body, `Location`, `ETag`, and \
`Idempotent-Replayed: true`); with a different request 422 `idempotency_key_reused`; while the first \
still runs 409 `idempotency_key_in_use`. A 5xx, 401, 409 or 429 answer is not kept.",
        ))
        .schema(Some(schema))
        .build()
}

/// Every operation of a path, whatever its method.
pub(crate) fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
}

/// The whole document: [`ApiDoc`] plus every route registered by
/// [`crate::api::configure`], so the routes and the document cannot drift.
pub fn document() -> Document {
    let (_, document) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(crate::api::configure).split_for_parts();
    let mut document = document;
    CommonResponses.modify(&mut document);
    links::Links.modify(&mut document);
    document
}

/// The document as served and committed: pretty JSON with a final newline.
pub fn to_json(document: &Document) -> String {
    let mut value = serde_json::to_value(document).unwrap_or_default();
    refine::refine(&mut value);
    let mut json = serde_json::to_string_pretty(&value).unwrap_or_default();
    json.push('\n');
    json
}

//! The media endpoints: upload (contributors and up), list, read, describe
//! and delete under `/api/v1/media`, and the files themselves under `/media`.

use actix_multipart::Multipart;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::db::{self, MediaChanges};
use super::store::is_key;
use super::upload::{self, Files, Words};
use super::view::MediaResponse;
use crate::auth::AuthUser;
use crate::effects::Change;
use crate::error::{AllValid, ApiError, FieldError};
use crate::http::{self, JsonBody, Patch};
use crate::pagination::{self, Limit, Page};
use crate::state::AppState;
use crate::store;
use crate::time;
use crate::users::Role;

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(upload_media)
        .service(list_media)
        .service(get_media)
        .service(update_media)
        .service(delete_media)
        .service(media_file);
}

/// Longest alt text, caption and credit, in characters.
const ALT_MAX: usize = 1000;
const CAPTION_MAX: usize = 2000;
const CREDIT_MAX: usize = 300;

/// The form of an upload, as the document shows it: other parts are refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "describes the multipart form for the OpenAPI document; the handler reads the parts")]
pub struct UploadForm {
    /// A JPEG, PNG, WebP or GIF image, at most `NEWSROOM_MEDIA_MAX_BYTES`.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(max_length = 1000)]
    alt: Option<String>,
    #[schema(max_length = 2000)]
    caption: Option<String>,
    #[schema(max_length = 300)]
    credit: Option<String>,
}

/// Changes to what is said of an image; absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMediaRequest {
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>, max_length = 1000)]
    pub alt: Patch<String>,
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub caption: Patch<String>,
    #[serde(default, deserialize_with = "http::patch")]
    #[schema(value_type = Option<String>, max_length = 300)]
    pub credit: Patch<String>,
}

/// Page of the library.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MediaQuery {
    /// Page size, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A described word: trimmed, without control characters but line breaks
/// in a caption, empty as none.
fn said(field: &'static str, raw: &str, max: usize) -> Result<Option<String>, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let multi_line = field == "caption";
    crate::text::multi_line(trimmed, 1, max)
        .and_then(|text| if !multi_line && text.contains('\n') { Err("must be one line".to_owned()) } else { Ok(text) })
        .map(Some)
        .map_err(|message| FieldError::new(field, message))
}

/// Reads the parts of an upload: the file, within `max_bytes`, and its words.
async fn read_form(mut form: Multipart, max_bytes: u64) -> Result<(Vec<u8>, Words), ApiError> {
    let not_multipart =
        || ApiError::UnsupportedMediaType("Send the upload as `multipart/form-data` with a `file` part.");
    let (mut file, mut raw_words) = (None::<Vec<u8>>, Vec::new());
    while let Some(part) = form.next().await {
        let mut part = part.map_err(|error| match error {
            actix_multipart::MultipartError::ContentTypeMissing
            | actix_multipart::MultipartError::ContentTypeParse
            | actix_multipart::MultipartError::ContentTypeIncompatible
            | actix_multipart::MultipartError::BoundaryMissing => not_multipart(),
            other => ApiError::bad_request("invalid_body", other.to_string()),
        })?;
        let name = part.name().unwrap_or_default().to_owned();
        let limit = if name == "file" { max_bytes } else { 8 * 1024 };
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|error| ApiError::bad_request("invalid_body", error.to_string()))?;
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(if name == "file" {
                    ApiError::PayloadTooLarge(limit)
                } else {
                    ApiError::invalid_field(&name, "is too long")
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "file" if file.is_none() => file = Some(bytes),
            "alt" | "caption" | "credit" if !raw_words.iter().any(|(seen, _)| *seen == name) => {
                raw_words.push((name, bytes))
            }
            _ => {
                return Err(ApiError::bad_request(
                    "unknown_field",
                    format!("unknown part `{name}`, or a part sent twice"),
                ));
            }
        }
    }
    let file =
        file.filter(|file| !file.is_empty()).ok_or_else(|| ApiError::invalid_field("file", "an image is required"))?;
    let mut words = Words::default();
    let mut errors = Vec::new();
    for (name, bytes) in raw_words {
        let Ok(text) = String::from_utf8(bytes) else {
            errors.push(FieldError::new(&name, "must be UTF-8 text"));
            continue;
        };
        let (field, slot, max) = match name.as_str() {
            "alt" => ("alt", &mut words.alt, ALT_MAX),
            "caption" => ("caption", &mut words.caption, CAPTION_MAX),
            _ => ("credit", &mut words.credit, CREDIT_MAX),
        };
        match said(field, &text, max) {
            Ok(value) => *slot = value,
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok((file, words))
}

/// Uploads an image (contributors and up).
///
/// `multipart/form-data` with a `file` part and optional `alt`, `caption`
/// and `credit`. The type is read from the bytes, whatever the file is
/// called (JPEG, PNG, WebP or GIF; anything else 415); more than
/// `NEWSROOM_MEDIA_MAX_BYTES` is 413; more than `NEWSROOM_MEDIA_MAX_PIXELS`
/// (read from the header, before anything is decoded) or a truncated or
/// corrupt image 422. What is stored is upright and carries no metadata (no
/// EXIF, no GPS position), with copies 320 to 2048 pixels wide in its format
/// and WebP. The same bytes uploaded again are stored once.
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Uploaded", body = MediaResponse, headers(("Location" = String, description = "The new media"))),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 422, description = "Too many pixels (`too_many_pixels`), an unreadable image (`malformed_image`), or invalid words", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The media store cannot be reached; retry", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[post("/api/v1/media")]
pub async fn upload_media(
    user: AuthUser,
    form: Multipart,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Contributor)?;
    let media = &state.config.media;
    let (bytes, words) = read_form(form, media.max_bytes).await?;
    let content_hash = upload::content_hash(&bytes);
    let earlier = {
        let hash = content_hash.clone();
        store::read(&state.pool, move |conn| db::same_upload(conn, &hash)).await?
    };
    let files = match earlier {
        Some(row) => Files::from(&row),
        None => {
            let max_pixels = media.max_pixels;
            let prepared = crate::cpu::run(move || upload::prepare(&bytes, max_pixels)).await??;
            for (key, bytes) in &prepared.files {
                state.media.put(key, bytes.clone()).await.map_err(unavailable)?;
            }
            Files::from(&prepared)
        }
    };
    let uploader = user.id;
    let (row, name) = state
        .write(move |conn, _| {
            let id = upload::describe(conn, &files, &words, Some(uploader))?;
            db::find(conn, id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    let location = format!("/api/v1/media/{}", row.id);
    let body = MediaResponse::new(row, name, &state.media.urls);
    Ok(http::private(HttpResponse::Created()).insert_header((header::LOCATION, location)).json(body))
}

fn unavailable(error: object_store::Error) -> ApiError {
    ApiError::Unavailable(format!("media store: {error}"))
}

/// The library, newest first (contributors and authors: their own uploads;
/// editors: all).
///
/// Keyset-paginated with `cursor`.
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    params(MediaQuery),
    responses(
        (status = 200, description = "A page of media", body = Page<MediaResponse>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page"))),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/api/v1/media")]
pub async fn list_media(
    user: AuthUser,
    query: web::Query<MediaQuery>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Contributor)?;
    let query = query.into_inner();
    let limit = Limit::parse(query.limit, pagination::DEFAULT_LIMIT, pagination::MAX_LIMIT)?;
    let before: Option<i32> = pagination::decode_cursor(query.cursor.as_deref())?;
    let uploader = (user.role < Role::Editor).then_some(user.id);
    let rows = store::read(&state.pool, move |conn| db::list(conn, uploader, before, limit.probe())).await?;
    let urls = &state.media.urls;
    let page = Page::from_rows(rows, limit, |(row, _)| row.id, |(row, name)| MediaResponse::new(row, name, urls));
    let response = http::with_link(http::private(HttpResponse::Ok()), &page, &request);
    http::json_with_etag(None, response, &page)
}

/// One image of the library (contributors and up).
///
/// With its copies for `srcset`.
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Media id")),
    responses(
        (status = 200, description = "The media", body = MediaResponse),
        (status = 403, response = crate::error::responses::Forbidden),
    ),
)]
#[get("/api/v1/media/{id}")]
pub async fn get_media(
    user: AuthUser,
    id: web::Path<i32>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Contributor)?;
    let id = id.into_inner();
    let (row, name) = store::read(&state.pool, move |conn| db::find(conn, id)).await?.ok_or(ApiError::NotFound)?;
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &MediaResponse::new(row, name, &state.media.urls))
}

/// Whether `user` may change or delete media uploaded by `uploader`.
fn may_change(user: &AuthUser, uploader: Option<i32>) -> Result<(), ApiError> {
    if user.role >= Role::Editor || uploader == Some(user.id) {
        Ok(())
    } else {
        Err(ApiError::forbidden("Only its uploader and editors change or delete an image."))
    }
}

/// Changes what is said of an image (its uploader, editors).
///
/// `alt`, `caption`, `credit`; `null` clears one. The files do not change.
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Media id")),
    request_body = UpdateMediaRequest,
    responses(
        (status = 200, description = "Changed", body = MediaResponse),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 422, response = crate::error::responses::ValidationFailed),
    ),
)]
#[patch("/api/v1/media/{id}")]
pub async fn update_media(
    user: AuthUser,
    id: web::Path<i32>,
    body: JsonBody<UpdateMediaRequest>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Contributor)?;
    let (id, body) = (id.into_inner(), body.into_inner());
    let field = |name: &'static str, patch: Patch<String>, max: usize| match patch {
        Patch::Absent => Ok(None),
        Patch::Null => Ok(Some(None)),
        Patch::Value(raw) => said(name, &raw, max).map(Some),
    };
    let (alt, caption, credit) = (
        field("alt", body.alt, ALT_MAX),
        field("caption", body.caption, CAPTION_MAX),
        field("credit", body.credit, CREDIT_MAX),
    )
        .all_valid()?;
    let changes = MediaChanges { alt, caption, credit, updated_at: Some(time::now()) };
    let (row, name) = state
        .write(move |conn, effects| {
            let (row, _) = db::find(conn, id)?.ok_or(ApiError::NotFound)?;
            may_change(&user, row.uploaded_by)?;
            db::update(conn, id, &changes)?;
            // Articles show their cover's words.
            for article in db::covered(conn, id)? {
                effects.changed(Change::Article(article));
            }
            db::find(conn, id)?.ok_or(ApiError::NotFound)
        })
        .await?;
    http::json_with_etag(None, http::private(HttpResponse::Ok()), &MediaResponse::new(row, name, &state.media.urls))
}

/// Deletes an image (its uploader, editors).
///
/// 409 `media_in_use`, naming them, while an article's cover is this image
/// or an article or page shows it in its body. Its files go with the last
/// upload of the same bytes.
#[utoipa::path(
    tag = "media",
    security(("bearer" = [])),
    params(("id" = i32, Path, description = "Media id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, response = crate::error::responses::Forbidden),
        (status = 409, description = "In use (`media_in_use`)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[delete("/api/v1/media/{id}")]
pub async fn delete_media(
    user: AuthUser,
    id: web::Path<i32>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    user.require(Role::Contributor)?;
    let id = id.into_inner();
    let orphaned = state
        .write(move |conn, _| {
            let (row, _) = db::find(conn, id)?.ok_or(ApiError::NotFound)?;
            may_change(&user, row.uploaded_by)?;
            let shared = db::files_shared(conn, &row.content_hash, row.id)?;
            let uses = db::uses(conn, &row, !shared)?;
            if !uses.is_empty() {
                return Err(ApiError::conflict("media_in_use", format!("Still used by {}.", uses.join(", "))));
            }
            db::delete(conn, id)?;
            Ok(if shared { Vec::new() } else { row.keys() })
        })
        .await?;
    // After the commit: a failure leaves files nothing names, never a row
    // without its files.
    if let Err(error) = state.media.delete(&orphaned).await {
        tracing::warn!(error = %error, "media files left in the store");
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A media file (anyone).
///
/// Files never change once stored (their names come from their content):
/// cached for a year, `immutable`, with an `ETag` for revalidation.
#[utoipa::path(
    tag = "media",
    params(("key" = String, Path, description = "`{sha256}/{name}.{ext}`, as a media URL ends")),
    responses(
        (status = 200, description = "The file: image/jpeg, image/png, image/webp or image/gif", content_type = "image/*", body = String),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::error::responses::NotFound),
        (status = 503, description = "The media store cannot be reached; retry", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
)]
#[get("/media/{key:.*}")]
pub async fn media_file(
    key: web::Path<String>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = key.into_inner();
    if !is_key(&key) {
        return Err(ApiError::NotFound);
    }
    let etag = format!("\"{}\"", key.replace('/', "-"));
    let cached =
        request.headers().get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok()).is_some_and(|value| {
            value.split(',').map(|tag| tag.trim().trim_start_matches("W/")).any(|tag| tag == "*" || tag == etag)
        });
    let mut response = if cached { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")))
        .insert_header((header::ETAG, etag));
    if cached {
        return Ok(response.finish());
    }
    let file = state.media.get(&key).await.map_err(unavailable)?.ok_or(ApiError::NotFound)?;
    let content_type = match key.rsplit_once('.').map(|(_, extension)| extension) {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        _ => "image/gif",
    };
    Ok(response.content_type(content_type).body(file.bytes))
}

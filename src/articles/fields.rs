//! Parsed article fields: each function takes what a client sent and gives
//! a valid value or the error that names the field.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

use super::{markdown, slug};
use crate::error::FieldError;
use crate::http::Patch;
use crate::text;
use crate::time;

/// Longest Markdown body, in characters.
pub const MAX_BODY_CHARS: usize = 200_000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;

pub fn title(raw: &str) -> Result<String, FieldError> {
    text::single_line(raw, 1, 200).map_err(|message| FieldError::new("title", message))
}

pub fn body(raw: &str) -> Result<String, FieldError> {
    text::multi_line(raw, 1, MAX_BODY_CHARS).map_err(|message| FieldError::new("body", message))
}

/// An explicit excerpt; empty means "make one from the body".
pub fn excerpt(raw: &str) -> Result<Option<String>, FieldError> {
    text::multi_line(raw, 0, markdown::EXCERPT_MAX_CHARS)
        .map(|excerpt| Some(excerpt).filter(|excerpt| !excerpt.is_empty()))
        .map_err(|message| FieldError::new("excerpt", message))
}

pub fn tags(raw: &[String]) -> Result<Vec<String>, FieldError> {
    if raw.len() > MAX_TAGS {
        return Err(FieldError::new("tags", format!("at most {MAX_TAGS} tags")));
    }
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    for tag in raw {
        let name = text::single_line(tag, 1, MAX_TAG_CHARS).map_err(|message| FieldError::new("tags", message))?;
        let tag_slug = slug::slugify(&name);
        if tag_slug.is_empty() {
            return Err(FieldError::new("tags", format!("{name:?} has no letters or digits")));
        }
        if seen.insert(tag_slug) {
            names.push(name);
        }
    }
    Ok(names)
}

/// An absolute http(s) URL, `http://` or `https://` written out, with no
/// spaces or control characters inside (the URL parser would quietly drop
/// some), at most 2,000 characters as sent; surrounding spaces are trimmed.
pub fn cover_image_url(raw: &str) -> Result<String, FieldError> {
    let invalid = || FieldError::new("cover_image_url", "must be an http(s) URL of at most 2,000 characters");
    let trimmed = raw.trim();
    let lowered = trimmed.get(..8).unwrap_or(trimmed).to_ascii_lowercase();
    let absolute = lowered.starts_with("http://") || lowered.starts_with("https://");
    if !absolute || raw.chars().count() > 2000 || trimmed.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let url = url::Url::parse(trimmed).map_err(|_| invalid())?;
    if url.host().is_none() {
        return Err(invalid());
    }
    Ok(url.to_string())
}

/// An article's cover image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cover {
    /// An image of the media library, by id.
    Library(i32),
    /// An image hosted elsewhere, by URL.
    Hosted(String),
}

impl Cover {
    /// The cover as stored: `(cover_image_url, cover_image_id)`.
    pub fn columns(cover: Option<&Self>) -> (Option<String>, Option<i32>) {
        match cover {
            Some(Self::Library(id)) => (None, Some(*id)),
            Some(Self::Hosted(url)) => (Some(url.clone()), None),
            None => (None, None),
        }
    }

    /// The cover stored as `(url, id)`.
    pub fn from_columns(url: Option<String>, id: Option<i32>) -> Option<Self> {
        id.map(Self::Library).or(url.map(Self::Hosted))
    }
}

/// An id as JSON Schema has integers: `7` and `7.0` alike.
fn image_id(raw: &serde_json::Number) -> Result<i32, FieldError> {
    raw.as_i64()
        .or_else(|| raw.as_f64().filter(|value| value.fract() == 0.0 && value.abs() < 1e10).map(|value| value as i64))
        .and_then(|id| i32::try_from(id).ok())
        .ok_or_else(|| FieldError::new("cover_image_id", "no image of the media library has this id"))
}

fn both_covers() -> FieldError {
    FieldError::new("cover_image_id", "give cover_image_id or cover_image_url, not both")
}

/// The cover of a new article, from `cover_image_url` or `cover_image_id`.
pub fn cover(url: Option<&str>, id: Option<&serde_json::Number>) -> Result<Option<Cover>, FieldError> {
    match (url, id) {
        (Some(_), Some(_)) => Err(both_covers()),
        (Some(url), None) => cover_image_url(url).map(|url| Some(Cover::Hosted(url))),
        (None, Some(id)) => image_id(id).map(|id| Some(Cover::Library(id))),
        (None, None) => Ok(None),
    }
}

/// The change of cover an edit asks for: `None` keeps it, `Some(None)`
/// removes it (`null` in either field).
pub fn cover_change(url: Patch<String>, id: Patch<serde_json::Number>) -> Result<Option<Option<Cover>>, FieldError> {
    match (url, id) {
        (Patch::Value(_), Patch::Value(_)) => Err(both_covers()),
        (_, Patch::Value(id)) => image_id(&id).map(|id| Some(Some(Cover::Library(id)))),
        (Patch::Value(url), _) => cover_image_url(&url).map(|url| Some(Some(Cover::Hosted(url)))),
        (Patch::Null, _) | (_, Patch::Null) => Ok(Some(None)),
        (Patch::Absent, Patch::Absent) => Ok(None),
    }
}

/// A client's publication time as stored: UTC, whole seconds, in years
/// 1 through 9999.
pub fn published_at(at: DateTime<Utc>) -> Result<NaiveDateTime, FieldError> {
    let at = at.naive_utc().trunc_subsecs(0);
    if time::storable(at) { Ok(at) } else { Err(FieldError::new("published_at", "must be in years 1 to 9999")) }
}

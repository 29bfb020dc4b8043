//! The answers feed and sitemap operations share, named in their
//! `#[utoipa::path]`s.

use utoipa::ToResponse;

/// The feed, in the format its file name names.
#[derive(ToResponse)]
#[response(headers(
    ("ETag" = String, description = "Strong entity tag"),
    ("Last-Modified" = String, description = "The newest change among the entries"),
))]
pub enum Feed {
    Rss(#[content("application/rss+xml")] String),
    Atom(#[content("application/atom+xml")] String),
    Json(#[content("application/feed+json")] super::render::JsonFeed),
}

/// A sitemap or sitemap index (sitemaps.org 0.9).
#[derive(ToResponse)]
#[response(
    content_type = "application/xml",
    headers(
        ("ETag" = String, description = "Strong entity tag"),
        ("Last-Modified" = String, description = "The newest change listed"),
    )
)]
pub struct Sitemap(pub String);

/// Not modified since the `If-None-Match` or `If-Modified-Since` given.
#[derive(ToResponse)]
pub struct NotModified;

//! The feeds' formats and paths, and the links that advertise them.

use actix_web::http::header::HeaderValue;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::config::Config;
use crate::http::Tagged;

/// The three formats, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
pub enum FeedFormat {
    #[serde(rename = "rss.xml")]
    Rss,
    #[serde(rename = "atom.xml")]
    Atom,
    #[serde(rename = "feed.json")]
    Json,
}

impl FeedFormat {
    pub(super) const ALL: [Self; 3] = [Self::Rss, Self::Atom, Self::Json];

    pub(super) fn file(self) -> &'static str {
        match self {
            Self::Rss => "rss.xml",
            Self::Atom => "atom.xml",
            Self::Json => "feed.json",
        }
    }

    pub(super) fn content_type(self) -> &'static str {
        match self {
            Self::Rss => "application/rss+xml; charset=utf-8",
            Self::Atom => "application/atom+xml; charset=utf-8",
            Self::Json => "application/feed+json; charset=utf-8",
        }
    }

    pub(super) fn media_type(self) -> &'static str {
        self.content_type().split(';').next().unwrap_or_default()
    }
}

/// Which articles a feed carries.
#[derive(Debug, Clone)]
pub(super) enum FeedScope {
    Site,
    Category(String),
    Tag(String),
    Author(i32),
}

impl FeedScope {
    /// The path of this scope's feeds, below `/feeds`.
    pub(super) fn path(&self) -> String {
        match self {
            Self::Site => String::new(),
            Self::Category(slug) => format!("/categories/{}", encode(slug)),
            Self::Tag(slug) => format!("/tags/{}", encode(slug)),
            Self::Author(id) => format!("/authors/{id}"),
        }
    }
}

/// `Link` values advertising the feeds of a list: the site's, and those of
/// the one category, tag or author it is filtered by.
pub fn alternate_links(config: &Config, category: Option<&str>, tag: Option<&str>, author: Option<i32>) -> Vec<String> {
    let scope = match (category, tag, author) {
        (Some(slug), None, None) => Some(FeedScope::Category(slug.to_owned())),
        (None, Some(slug), None) => Some(FeedScope::Tag(slug.to_owned())),
        (None, None, Some(id)) => Some(FeedScope::Author(id)),
        _ => None,
    };
    std::iter::once(FeedScope::Site)
        .chain(scope)
        .flat_map(|scope| {
            FeedFormat::ALL.map(|format| {
                let url = public_url(config, &format!("/feeds{}/{}", scope.path(), format.file()));
                format!("<{url}>; rel=\"alternate\"; type=\"{}\"", format.media_type())
            })
        })
        .collect()
}

pub(super) fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// `path` on the public site (`NEWSROOM_PUBLIC_URL`, whose own path is kept).
pub fn public_url(config: &Config, path: &str) -> String {
    format!("{}{path}", config.public_url.as_str().trim_end_matches('/'))
}

/// Where the public site shows the static page `slug`.
pub fn page_url(config: &Config, slug: &str) -> String {
    public_url(config, &format!("/{}", encode(slug)))
}

/// The site's tag URI prefix (RFC 4151): ids that stay when URLs change.
pub(super) fn authority(config: &Config) -> String {
    format!("tag:{},2026", config.public_url.host_str().unwrap_or("localhost"))
}

/// Advertises `links` on a list response, after its own `Link` if it has one.
pub fn add_links(tagged: &mut Tagged, links: &[String]) {
    let own = tagged.link.as_ref().and_then(|value| value.to_str().ok()).map(str::to_owned);
    let all = own.into_iter().chain(links.iter().cloned()).collect::<Vec<_>>().join(", ");
    tagged.link = HeaderValue::from_str(&all).ok();
}

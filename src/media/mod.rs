//! The media library (API.md §11): uploads sniffed, checked, cleaned of
//! metadata and resized ([`process`]), kept in a folder or an S3 bucket
//! ([`store`]), described in the database ([`db`]), served at `/media/{key}`
//! and shown in articles ([`view`], [`html`]).

pub mod db;
pub mod html;
pub mod process;
pub mod routes;
pub mod store;
pub mod upload;
pub mod view;

use url::Url;

pub use routes::configure;
pub use view::{MediaResponse, MediaVariant};

/// Where clients fetch media files: `NEWSROOM_MEDIA_PUBLIC_URL`, ending with `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaUrls(Url);

impl MediaUrls {
    pub fn new(base: Url) -> Self {
        Self(base)
    }

    /// Where every file's URL starts.
    pub fn base(&self) -> &str {
        self.0.as_str()
    }

    /// The URL of the file `key`.
    pub fn of(&self, key: &str) -> String {
        format!("{}{key}", self.0)
    }

    /// The key of a URL [`MediaUrls::of`] made, if it is one.
    pub fn key_of<'u>(&self, url: &'u str) -> Option<&'u str> {
        url.strip_prefix(self.0.as_str()).filter(|key| store::is_key(key))
    }
}

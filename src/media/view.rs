//! How a media row looks to clients.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::MediaUrls;
use super::db::{MediaRow, StoredFile};
use crate::time;
use crate::users::AuthorRef;

/// A resized copy, for `srcset`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaVariant {
    pub url: String,
    pub width: u32,
    pub height: u32,
    #[schema(example = "image/webp")]
    pub content_type: String,
}

/// An image of the media library.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MediaResponse {
    pub id: i32,
    /// The original, upright and without metadata.
    pub url: String,
    pub width: i32,
    pub height: i32,
    #[schema(example = "image/jpeg")]
    pub content_type: String,
    /// Size of the original, in bytes.
    pub bytes: i64,
    /// Text for readers who do not see the image.
    #[schema(required = true)]
    pub alt: Option<String>,
    #[schema(required = true)]
    pub caption: Option<String>,
    /// Who took it, or whose it is.
    #[schema(required = true)]
    pub credit: Option<String>,
    /// Narrower copies (320 to 2048 pixels wide, never wider than the
    /// original) in its format and in WebP, narrowest first.
    pub variants: Vec<MediaVariant>,
    /// Null once the account is deleted, or for an import.
    #[schema(required = true)]
    pub uploaded_by: Option<AuthorRef>,
    pub created_at: DateTime<Utc>,
}

impl MediaResponse {
    pub fn new(row: MediaRow, uploader_name: Option<String>, urls: &MediaUrls) -> Self {
        let variants = row.variants().into_iter().map(|file| variant(file, urls)).collect();
        Self {
            id: row.id,
            url: urls.of(&row.file_key),
            width: row.width,
            height: row.height,
            content_type: row.content_type,
            bytes: row.bytes,
            alt: row.alt,
            caption: row.caption,
            credit: row.credit,
            variants,
            uploaded_by: AuthorRef::of(row.uploaded_by, uploader_name),
            created_at: time::utc(row.created_at),
        }
    }
}

fn variant(file: StoredFile, urls: &MediaUrls) -> MediaVariant {
    MediaVariant { url: urls.of(&file.key), width: file.width, height: file.height, content_type: file.content_type }
}

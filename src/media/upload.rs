//! From uploaded bytes to stored files and the row that describes them, for
//! the API and the WordPress importer alike.

use sha2::{Digest, Sha256};

use super::db::{self, MediaRow, NewMedia, StoredFile};
use super::process::{self, Encoded, Refusal};
use crate::error::ApiError;
use crate::store::Conn;
use crate::time;

/// The name of an upload's files: the SHA-256 of its bytes, in hex.
pub fn content_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// An upload processed: the files to store and what describes them.
pub struct Prepared {
    pub content_hash: String,
    pub original: StoredFile,
    pub variants: Vec<StoredFile>,
    /// Each file's key and bytes, the original first.
    pub files: Vec<(String, Vec<u8>)>,
}

/// Sniffs, checks, cleans and resizes `bytes` (CPU-bound: see [`process`]).
pub fn prepare(bytes: &[u8], max_pixels: u64) -> Result<Prepared, Refusal> {
    let content_hash = content_hash(bytes);
    let processed = process::process(bytes, max_pixels)?;
    let (original, original_bytes) = stored(&content_hash, "original", processed.original);
    let mut files = vec![(original.key.clone(), original_bytes)];
    let mut variants = Vec::with_capacity(processed.copies.len());
    for copy in processed.copies {
        let (file, bytes) = stored(&content_hash, &copy.width.to_string(), copy);
        files.push((file.key.clone(), bytes));
        variants.push(file);
    }
    Ok(Prepared { content_hash, original, variants, files })
}

fn stored(content_hash: &str, name: &str, encoded: Encoded) -> (StoredFile, Vec<u8>) {
    let file = StoredFile {
        key: format!("{content_hash}/{name}.{}", encoded.format.extension()),
        width: encoded.width,
        height: encoded.height,
        content_type: encoded.format.content_type().to_owned(),
        bytes: encoded.bytes.len() as u64,
    };
    (file, encoded.bytes)
}

/// What a person says of an image.
#[derive(Debug, Clone, Default)]
pub struct Words {
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// The files of an upload, as [`prepare`] made them or an earlier upload
/// of the same bytes stored them.
pub struct Files {
    pub content_hash: String,
    pub original: StoredFile,
    pub variants: Vec<StoredFile>,
}

impl From<&Prepared> for Files {
    fn from(prepared: &Prepared) -> Self {
        Self {
            content_hash: prepared.content_hash.clone(),
            original: prepared.original.clone(),
            variants: prepared.variants.clone(),
        }
    }
}

impl From<&MediaRow> for Files {
    fn from(row: &MediaRow) -> Self {
        Self {
            content_hash: row.content_hash.clone(),
            original: StoredFile {
                key: row.file_key.clone(),
                width: u32::try_from(row.width).unwrap_or(0),
                height: u32::try_from(row.height).unwrap_or(0),
                content_type: row.content_type.clone(),
                bytes: u64::try_from(row.bytes).unwrap_or(0),
            },
            variants: row.variants(),
        }
    }
}

/// Describes stored `files` in a new row; returns its id.
pub fn describe(conn: &mut Conn, files: &Files, words: &Words, uploader: Option<i32>) -> Result<i32, ApiError> {
    let variants = serde_json::to_string(&files.variants).map_err(ApiError::internal)?;
    let now = time::now();
    let new = NewMedia {
        content_hash: &files.content_hash,
        file_key: &files.original.key,
        content_type: &files.original.content_type,
        width: i32::try_from(files.original.width).unwrap_or(i32::MAX),
        height: i32::try_from(files.original.height).unwrap_or(i32::MAX),
        bytes: i64::try_from(files.original.bytes).unwrap_or(i64::MAX),
        variants: &variants,
        alt: words.alt.as_deref(),
        caption: words.caption.as_deref(),
        credit: words.credit.as_deref(),
        uploaded_by: uploader,
        created_at: now,
        updated_at: now,
    };
    Ok(db::insert(conn, &new)?)
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Unsupported => ApiError::UnsupportedMediaType(
                "Upload a JPEG, PNG, WebP or GIF image; its type is read from its bytes, not its name.",
            ),
            Refusal::TooManyPixels { width, height, max } => ApiError::Unprocessable {
                code: "too_many_pixels",
                detail: format!(
                    "The image is {width} x {height} pixels; at most {max} pixels in all are taken \
                     (NEWSROOM_MEDIA_MAX_PIXELS)."
                )
                .into(),
            },
            Refusal::Malformed(_) => ApiError::Unprocessable {
                code: "malformed_image",
                detail: "The image is truncated or corrupt and cannot be read.".into(),
            },
        }
    }
}

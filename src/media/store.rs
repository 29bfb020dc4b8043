//! Where media files live: a folder of this machine (mode 0700), or an
//! S3-compatible bucket that every instance of the site shares. Files are
//! named by the SHA-256 of the upload they came from, so a name always
//! holds the same bytes: writing one again is harmless, and answers may be
//! cached forever.

use std::sync::Arc;

use actix_web::web::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use secrecy::ExposeSecret;

use super::MediaUrls;
use crate::config::{MediaConfig, MediaStoreUrl};

/// The files of the media library.
#[derive(Clone)]
pub struct MediaStore {
    objects: Arc<dyn ObjectStore>,
    pub urls: MediaUrls,
}

/// Why the store cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("NEWSROOM_MEDIA_STORE: cannot create the folder {0}: {1}")]
    Folder(String, std::io::Error),
    #[error("NEWSROOM_MEDIA_STORE: {0}")]
    Store(#[from] object_store::Error),
}

/// A stored file as served.
pub struct File {
    pub bytes: Bytes,
}

impl MediaStore {
    pub fn open(config: &MediaConfig) -> Result<Self, OpenError> {
        let objects: Arc<dyn ObjectStore> = match &config.store {
            MediaStoreUrl::Folder(folder) => {
                crate::private::create_folder(folder)
                    .map_err(|error| OpenError::Folder(folder.display().to_string(), error))?;
                Arc::new(LocalFileSystem::new_with_prefix(folder)?)
            }
            MediaStoreUrl::S3 { bucket, prefix } => {
                crate::tls::install_provider();
                let s3 = &config.s3;
                let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                if let Some(endpoint) = &s3.endpoint {
                    // An S3-compatible server on a plain-HTTP address (one on
                    // the same host) is named so on purpose.
                    builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
                }
                if let Some(region) = &s3.region {
                    builder = builder.with_region(region);
                }
                if let Some(key) = &s3.access_key_id {
                    builder = builder.with_access_key_id(key);
                }
                if let Some(secret) = &s3.secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose_secret());
                }
                let bucket = builder.build()?;
                if prefix.is_empty() { Arc::new(bucket) } else { Arc::new(PrefixStore::new(bucket, prefix.as_str())) }
            }
        };
        Ok(Self { objects, urls: MediaUrls::new(config.public_url.clone()) })
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> object_store::Result<()> {
        self.objects.put(&Key::from(key), PutPayload::from(bytes)).await.map(|_| ())
    }

    /// The file `key`; `None` when there is none.
    pub async fn get(&self, key: &str) -> object_store::Result<Option<File>> {
        match self.objects.get(&Key::from(key)).await {
            Ok(found) => Ok(Some(File { bytes: found.bytes().await? })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Deletes the files `keys`; one already gone is not an error.
    pub async fn delete(&self, keys: &[String]) -> object_store::Result<()> {
        for key in keys {
            match self.objects.delete(&Key::from(key.as_str())).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

/// Whether `key` is one this library makes: `{64 hex}/{name}.{ext}`, so a
/// request can name nothing else in the store.
pub fn is_key(key: &str) -> bool {
    let Some((hash, file)) = key.split_once('/') else { return false };
    let Some((name, extension)) = file.split_once('.') else { return false };
    hash.len() == 64
        && hash.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        && !name.is_empty()
        && name.bytes().all(|byte| byte.is_ascii_alphanumeric())
        && matches!(extension, "jpg" | "png" | "webp" | "gif")
}

#[cfg(test)]
mod tests {
    use super::is_key;

    #[test]
    fn only_keys_of_the_library_are_keys() {
        let hash = "a".repeat(64);
        assert!(is_key(&format!("{hash}/original.jpg")));
        assert!(is_key(&format!("{hash}/640.webp")));
        assert!(!is_key(&format!("{hash}/../../etc/passwd")));
        assert!(!is_key(&format!("{hash}/640.svg")));
        assert!(!is_key(&format!("{}/640.jpg", "g".repeat(64))));
        assert!(!is_key("short/640.jpg"));
        assert!(!is_key(&format!("{hash}/a/640.jpg")));
    }
}

//! `--uploads DIR` (a copy of `wp-content/uploads`): attachments' files
//! become images of the media library, through the same checks as an
//! upload, before the posts are read; posts' featured images become covers
//! from it, and links to the files in bodies (WordPress's resized copies,
//! `name-300x200.jpg`, included) point to it.
//!
//! Each attachment is remembered with the hash of its file and its path, so
//! an import again stores nothing twice, and a later import (with or
//! without `--uploads`) links bodies to what earlier ones brought in. The files are stored before the transaction
//! commits: a failed import may leave files that no row names, never a row
//! without its files; a dry run stores none.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use diesel::QueryResult;

use super::db;
use super::import::{ImportError, Importer};
use super::report::Outcome;
use super::text::{clipped, plain_text};
use super::wxr::Item;
use crate::media::store::MediaStore;
use crate::media::upload::{self, Files, Words};
use crate::media::{self, MediaUrls};
use crate::store::Conn;

/// Where the attachments' files are read from and the library's are written.
pub struct Uploads {
    /// Canonical: every file read must lie below it.
    folder: PathBuf,
    store: MediaStore,
    /// The store is asynchronous; the import is not.
    runtime: tokio::runtime::Runtime,
    max_bytes: u64,
    max_pixels: u64,
}

impl Uploads {
    pub fn open(folder: &Path, config: &crate::config::Config) -> Result<Self, String> {
        let folder = folder.canonicalize().map_err(|e| format!("--uploads {}: {e}", folder.display()))?;
        if !folder.is_dir() {
            return Err(format!("--uploads {}: not a folder", folder.display()));
        }
        let store = MediaStore::open(&config.media).map_err(|e| format!("NEWSROOM_MEDIA_STORE: {e}"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the media store's runtime: {e}"))?;
        Ok(Self { folder, store, runtime, max_bytes: config.media.max_bytes, max_pixels: config.media.max_pixels })
    }

    pub fn urls(&self) -> &MediaUrls {
        &self.store.urls
    }

    /// The file `relative` names below the folder, if it is there and does
    /// not lead out of it (`..`, an absolute path, a symbolic link).
    fn file(&self, relative: &str) -> Option<PathBuf> {
        let path = Path::new(relative);
        if !path.components().all(|component| matches!(component, Component::Normal(_))) {
            return None;
        }
        let found = self.folder.join(path).canonicalize().ok()?;
        (found.starts_with(&self.folder) && found.is_file()).then_some(found)
    }
}

/// What this import brought into the library.
#[derive(Debug, Default)]
pub struct Library {
    /// Media ids by attachment id.
    by_attachment: HashMap<String, i32>,
    /// Media URLs by path below `wp-content/uploads`.
    by_path: HashMap<String, String>,
}

impl Library {
    /// What earlier imports brought in.
    pub fn load(conn: &mut Conn, urls: &MediaUrls) -> QueryResult<Self> {
        let remembered = db::all(conn, "media")?;
        let ids: Vec<i32> = remembered.iter().filter_map(|(_, id, _)| id.parse().ok()).collect();
        let keys: HashMap<i32, String> =
            media::db::find_many(conn, &ids)?.into_iter().map(|(row, _)| (row.id, row.file_key)).collect();
        let mut library = Self::default();
        for (attachment, id, print) in remembered {
            let Some((id, key)) = id.parse().ok().and_then(|id| Some((id, keys.get(&id)?))) else { continue };
            if let Some((_, relative)) = print.split_once(' ') {
                library.add(&attachment, relative, id, urls.of(key));
            }
        }
        Ok(library)
    }

    /// The image of the attachment `id`, when its file came in.
    pub fn media_of(&self, attachment: &str) -> Option<i32> {
        self.by_attachment.get(attachment).copied()
    }

    fn add(&mut self, attachment: &str, relative: &str, media_id: i32, url: String) {
        self.by_attachment.insert(attachment.to_owned(), media_id);
        if let Some(unscaled) = without_scaled(relative) {
            self.by_path.insert(unscaled, url.clone());
        }
        self.by_path.insert(relative.to_owned(), url);
    }

    /// `markdown` with every link to a file below `wp-content/uploads` that
    /// came in pointing to the library instead; and how many such links
    /// name a file that did not.
    pub fn rewrite(&self, markdown: &str) -> (String, usize) {
        const UPLOADS: &str = "wp-content/uploads/";
        let is_edge = |c: char| c.is_whitespace() || matches!(c, '(' | ')' | '<' | '>' | '"' | '\'' | '[' | ']');
        let mut out = String::with_capacity(markdown.len());
        let mut missing = 0;
        let mut rest = markdown;
        while let Some(at) = rest.find(UPLOADS) {
            let (before, from) = rest.split_at(at);
            let start = before.rfind(is_edge).map_or(0, |edge| edge + 1);
            let end = from.find(is_edge).unwrap_or(from.len());
            let (url_head, path_and_after) = (before.split_at(start), from.split_at(end));
            let relative = path_and_after.0.get(UPLOADS.len()..).unwrap_or_default();
            let relative = relative.split(['?', '#']).next().unwrap_or_default();
            out.push_str(url_head.0);
            match self.lookup(relative) {
                Some(url) => out.push_str(url),
                None => {
                    missing += 1;
                    out.push_str(url_head.1);
                    out.push_str(path_and_after.0);
                }
            }
            rest = path_and_after.1;
        }
        out.push_str(rest);
        (out, missing)
    }

    /// The file at `relative`, or the original of WordPress's copy of it.
    fn lookup(&self, relative: &str) -> Option<&String> {
        self.by_path.get(relative).or_else(|| without_size(relative).and_then(|original| self.by_path.get(&original)))
    }
}

/// `2026/11/photo.jpg` for `2026/11/photo-300x200.jpg`: WordPress names its
/// resized copies so.
fn without_size(relative: &str) -> Option<String> {
    let (stem, extension) = relative.rsplit_once('.')?;
    let (name, size) = stem.rsplit_once('-')?;
    let (width, height) = size.split_once('x')?;
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit());
    (digits(width) && digits(height)).then(|| format!("{name}.{extension}"))
}

/// `2026/11/photo.jpg` for `2026/11/photo-scaled.jpg`: since WordPress 5.3
/// the attached file of a large image is a scaled copy of the one linked.
fn without_scaled(relative: &str) -> Option<String> {
    let (stem, extension) = relative.rsplit_once('.')?;
    stem.strip_suffix("-scaled").map(|name| format!("{name}.{extension}"))
}

/// Where an attachment's file is below `wp-content/uploads`: its
/// `_wp_attached_file`, else what its URL says.
fn relative_path(item: &Item) -> Option<String> {
    let attached = item.meta.get("_wp_attached_file").map(|path| path.trim().to_owned());
    let from_url = || {
        let (_, after) = item.attachment_url.split_once("wp-content/uploads/")?;
        after.split(['?', '#']).next().map(str::to_owned)
    };
    attached.filter(|path| !path.is_empty()).or_else(from_url)
}

impl Importer<'_> {
    /// `markdown` with its links to uploaded files pointing to the library
    /// ([`Library::rewrite`]); links to files that did not come in are counted.
    pub(super) fn linked_to_library(&mut self, markdown: String) -> String {
        let (rewritten, missing) = self.library.rewrite(&markdown);
        if self.uploads.is_some() {
            self.report.skip("links in bodies to files not among --uploads (left as they were)", missing);
        }
        rewritten
    }

    /// Brings the file of the attachment `item` into the library.
    pub(super) fn attachment_file(&mut self, item: &Item) -> Result<(), ImportError> {
        let Some(uploads) = self.uploads else { return Ok(()) };
        let Some(relative) = relative_path(item) else {
            self.report.skip("attachments that name no file", 1);
            return Ok(());
        };
        let Some(path) = uploads.file(&relative) else {
            self.report.missing.push(relative);
            return Ok(());
        };
        let mut bytes = Vec::new();
        let read = std::fs::File::open(&path)
            .and_then(|file| file.take(uploads.max_bytes.saturating_add(1)).read_to_end(&mut bytes));
        if let Err(error) = read {
            return Err(ImportError::Refused(format!("{}: {error}", path.display())));
        }
        if bytes.len() as u64 > uploads.max_bytes {
            self.report.skip("attachment files over NEWSROOM_MEDIA_MAX_BYTES", 1);
            return Ok(());
        }
        let content_hash = upload::content_hash(&bytes);
        let remembered = db::find(self.conn, "media", &item.post_id)?
            .filter(|(_, print)| print.split_once(' ').is_some_and(|(hash, _)| hash == content_hash))
            .and_then(|(id, _)| id.parse::<i32>().ok());
        if let Some(id) = remembered
            && let Some((row, _)) = media::db::find(self.conn, id)?
        {
            let url = uploads.urls().of(&row.file_key);
            self.library.add(&item.post_id, &relative, id, url);
            self.report.count("images", Outcome::Unchanged);
            return Ok(());
        }
        let files = match media::db::same_upload(self.conn, &content_hash)? {
            Some(row) => Files::from(&row),
            None => match upload::prepare(&bytes, uploads.max_pixels) {
                Ok(prepared) => {
                    if !self.options.dry_run {
                        for (key, file) in &prepared.files {
                            let stored = uploads.runtime.block_on(uploads.store.put(key, file.clone()));
                            stored.map_err(|e| ImportError::Refused(format!("NEWSROOM_MEDIA_STORE: {e}")))?;
                        }
                    }
                    Files::from(&prepared)
                }
                Err(refusal) => {
                    self.report.skip(format!("attachment files that are no image newsroom takes ({refusal})"), 1);
                    return Ok(());
                }
            },
        };
        let words = Words {
            alt: item.meta.get("_wp_attachment_image_alt").and_then(|alt| clipped(&plain_text(alt), 1000)),
            caption: clipped(&plain_text(&item.excerpt), 2000),
            credit: None,
        };
        let id = upload::describe(self.conn, &files, &words, None)?;
        db::remember(self.conn, "media", &item.post_id, &id.to_string(), &format!("{content_hash} {relative}"))?;
        self.library.add(&item.post_id, &relative, id, uploads.urls().of(&files.original.key));
        self.report.count("images", Outcome::Imported);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library() -> Library {
        let mut library = Library::default();
        library.add("30", "2026/11/ballot-box-scaled.jpg", 1, "https://news.example/media/h/original.jpg".into());
        library
    }

    #[test]
    fn links_to_files_that_came_in_and_their_copies_point_to_the_library() {
        let markdown = "![Ballots](https://libya.example/wp-content/uploads/2026/11/ballot-box-300x200.jpg) \
                        [full](/wp-content/uploads/2026/11/ballot-box.jpg?ver=2) \
                        ![gone](https://libya.example/wp-content/uploads/2026/10/gone.png)";
        let (rewritten, missing) = library().rewrite(markdown);
        assert_eq!(
            rewritten,
            "![Ballots](https://news.example/media/h/original.jpg) [full](https://news.example/media/h/original.jpg) \
             ![gone](https://libya.example/wp-content/uploads/2026/10/gone.png)"
        );
        assert_eq!(missing, 1);
    }

    #[test]
    fn sizes_and_scaled_copies_are_recognised_and_nothing_else() {
        assert_eq!(without_size("2026/11/a-300x200.jpg").as_deref(), Some("2026/11/a.jpg"));
        assert_eq!(without_size("2026/11/a-b.jpg"), None);
        assert_eq!(without_size("2026/11/ax200.jpg"), None);
        assert_eq!(without_scaled("2026/11/a-scaled.png").as_deref(), Some("2026/11/a.png"));
        assert_eq!(library().rewrite("no links here"), ("no links here".to_owned(), 0));
    }
}

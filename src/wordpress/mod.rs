//! `newsroom import-wordpress FILE`: a WordPress site (its WXR export) in,
//! a working newsroom out.
//!
//! What maps to what: categories keep their hierarchy, names, descriptions
//! and slugs; authors become accounts with the author role and no usable
//! password (they use "Forgot password?"), or all map to `--author-email`;
//! posts become articles (HTML turned into Markdown by `htmd`; the deepest
//! category is the article's, the catch-all "Uncategorized" only when there
//! is no other, the other categories and the tags are its tags;
//! `publish` → published, `future` → scheduled, `pending` → pending (the
//! review queue), `draft` and `private` → draft, and so does a
//! password-protected post; the featured
//! image is the cover); published pages become pages. With `--uploads`,
//! attachments' files become images of the media library ([`library`]). Everything else is
//! counted as skipped, with the reason. What an earlier import made public
//! and WordPress hides now is withdrawn: back to draft, or the page removed.
//!
//! The whole import is one transaction: a bad file changes nothing, and
//! `--dry-run` runs everything and rolls it back. Each WordPress object is
//! remembered with a fingerprint of what it was imported from, so importing
//! the same file again changes nothing and an updated export updates what
//! changed. `--redirects FILE` writes where each public post and page was
//! and where it is now, as an nginx map ([`redirects`]).

mod attachments;
mod authors;
mod db;
mod import;
mod library;
mod pages;
mod posts;
mod records;
mod redirects;
mod report;
mod taxonomy;
mod text;
mod wxr;

pub use import::{ImportOptions, import_wordpress};
pub use report::ImportReport;

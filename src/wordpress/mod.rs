//! `newsroom import-wordpress FILE`: a WordPress site (its WXR export) in,
//! a working newsroom out.
//!
//! What maps to what: categories keep their hierarchy, names, descriptions
//! and slugs; authors become accounts with the author role and no usable
//! password (they use "Forgot password?"), or all map to `--author-email`;
//! posts become articles (HTML turned into Markdown by `htmd`; the deepest
//! category is the article's, the catch-all "Uncategorized" only when there
//! is no other, the other categories and the tags are its tags;
//! `publish` → published, `future` → scheduled, `draft`, `pending`,
//! `private` → draft, and so does a password-protected post; the featured
//! image is the cover); published pages become pages. Everything else is
//! counted as skipped, with the reason. What an earlier import made public
//! and WordPress hides now is withdrawn: back to draft, or the page removed.
//!
//! The whole import is one transaction: a bad file changes nothing, and
//! `--dry-run` runs everything and rolls it back. Each WordPress object is
//! remembered with a fingerprint of what it was imported from, so importing
//! the same file again changes nothing and an updated export updates what
//! changed.

mod db;
mod wxr;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use chrono::NaiveDateTime;
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use crate::articles::db::{self as articles_db, ArticleChanges, ArticleStatus};
use crate::articles::write::{self, Draft, Edit, Text};
use crate::articles::{fields, markdown, nesting, slug};
use crate::categories::Tree;
use crate::categories::db::{self as categories_db, CategoryChanges, NewCategory};
use crate::cli::CliResult;
use crate::config::Config;
use crate::error::ApiError;
use crate::pages::db::{self as pages_db, PageRow};
use crate::seed_bench::bar;
use crate::store::{self, AsDieselError, Conn};
use crate::time;
use crate::users::db::{self as users_db, NewUser};
use crate::users::{Email, Role};
use wxr::{Item, Record, WxrError, WxrReader};

/// A stored password hash no password matches: imported authors sign in
/// after choosing one by "Forgot password?".
const NO_PASSWORD: &str = "!imported-from-wordpress";

/// The fingerprint of an object WordPress hides now (trashed, made private
/// or given a password) that an earlier import had made public: whatever it
/// becomes again differs from it.
const WITHDRAWN: &str = "withdrawn";

/// The fingerprint of a WordPress category that newsroom had before (same
/// slug): posts are filed under it, but no import renames or moves it.
const ADOPTED: &str = "adopted";

const ADOPTED_CATEGORIES: &str =
    "categories newsroom had already (same slug): posts filed under them, the categories unchanged";

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    /// Every post's author, instead of one account per WordPress author.
    pub author_email: Option<String>,
    pub progress: bool,
}

/// Counts by kind (category, author, post, page) and outcome.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: BTreeMap<&'static str, usize>,
    pub updated: BTreeMap<&'static str, usize>,
    pub unchanged: BTreeMap<&'static str, usize>,
    /// Imported earlier, hidden in WordPress since: removed here too.
    pub withdrawn: BTreeMap<&'static str, usize>,
    /// Skipped objects by reason.
    pub skipped: BTreeMap<String, usize>,
    /// What newsroom had already, which the import used or stepped around
    /// but did not change, by reason.
    pub left_alone: BTreeMap<String, usize>,
    pub dry_run: bool,
}

impl ImportReport {
    fn count(&mut self, kind: &'static str, outcome: Outcome) {
        let counts = match outcome {
            Outcome::Imported => &mut self.imported,
            Outcome::Updated => &mut self.updated,
            Outcome::Unchanged => &mut self.unchanged,
            Outcome::Withdrawn => &mut self.withdrawn,
        };
        *counts.entry(kind).or_default() += 1;
    }

    fn skip(&mut self, reason: impl Into<String>, count: usize) {
        if count > 0 {
            *self.skipped.entry(reason.into()).or_default() += count;
        }
    }

    fn leave_alone(&mut self, reason: &str) {
        *self.left_alone.entry(reason.to_owned()).or_default() += 1;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Imported,
    Updated,
    Unchanged,
    Withdrawn,
}

#[derive(Debug, thiserror::Error)]
enum ImportError {
    #[error("{0}")]
    Refused(String),
    #[error("item {title:?} (WordPress id {id}): {problem}")]
    Item { title: String, id: String, offset: u64, problem: String },
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    /// Not an error: a dry run rolls back what it did.
    #[error("dry run")]
    DryRun(Box<ImportReport>),
}

impl AsDieselError for ImportError {
    fn as_diesel(&self) -> Option<&diesel::result::Error> {
        match self {
            Self::Database(error) => Some(error),
            _ => None,
        }
    }
}

impl From<ApiError> for ImportError {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Internal(cause) => match cause.downcast::<diesel::result::Error>() {
                Ok(database) => Self::Database(*database),
                Err(other) => Self::Refused(other.to_string()),
            },
            other => Self::Refused(other.to_string()),
        }
    }
}

/// Imports the export at `path`; see the module documentation.
pub fn import_wordpress(config: &Config, path: &Path, options: &ImportOptions) -> CliResult<ImportReport> {
    let size = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?.len();
    let pool = store::connect(&config.database, config.database_pool_size)?;
    store::migrate(&pool)?;
    let mut conn = pool.get()?;
    store::prepare_bulk_write(&mut conn)?;
    let progress = if options.progress {
        bar(usize::try_from(size).unwrap_or(usize::MAX), "importing")
    } else {
        ProgressBar::hidden()
    };
    let outcome = store::write_on(&mut conn, |conn| {
        progress.set_position(0);
        let file = File::open(path).map_err(|e| ImportError::Refused(format!("{}: {e}", path.display())))?;
        let mut importer = Importer::new(conn, options)?;
        let mut reader = WxrReader::new(BufReader::new(file));
        loop {
            let record = reader.next_record().map_err(|error| ImportError::Refused(located(path, &error)))?;
            progress.set_position(reader.position());
            match record {
                Some(record) => importer.take(record)?,
                None => break,
            }
        }
        let report = importer.finish()?;
        if options.dry_run { Err(ImportError::DryRun(Box::new(report))) } else { Ok(report) }
    });
    progress.finish_and_clear();
    match outcome {
        Ok(report) => Ok(report),
        Err(ImportError::DryRun(report)) => Ok(ImportReport { dry_run: true, ..*report }),
        Err(error @ ImportError::Item { offset, .. }) => {
            Err(format!("{}, line {}: {error}", path.display(), line_at(path, offset)).into())
        }
        Err(error) => Err(error.to_string().into()),
    }
}

/// A reader error with the line it happened on.
fn located(path: &Path, error: &WxrError) -> String {
    match error {
        WxrError::Xml { offset, .. } | WxrError::TooLong { offset } => {
            format!("{}, line {}: {error}", path.display(), line_at(path, *offset))
        }
        other => format!("{}: {other}", path.display()),
    }
}

/// The line of byte `offset` of the file at `path`.
fn line_at(path: &Path, offset: u64) -> usize {
    use std::io::Read;
    let mut prefix = Vec::new();
    let read = File::open(path).and_then(|file| file.take(offset).read_to_end(&mut prefix));
    match read {
        Ok(_) => prefix.iter().filter(|byte| **byte == b'\n').count() + 1,
        Err(_) => 0,
    }
}

fn item_error(item: &Item, problem: impl std::fmt::Display) -> ImportError {
    ImportError::Item {
        title: item.title.clone(),
        id: item.post_id.clone(),
        offset: item.offset,
        problem: problem.to_string(),
    }
}

fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.len().to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().iter().take(16).map(|byte| format!("{byte:02x}")).collect()
}

struct Importer<'c> {
    conn: &'c mut Conn,
    options: &'c ImportOptions,
    report: ImportReport,
    /// Categories are read first and created together, parents first.
    pending_categories: Vec<wxr::Category>,
    pending_authors: Vec<wxr::Author>,
    categories: HashMap<String, i32>,
    /// WordPress's catch-all category ("Uncategorized", whatever the site's
    /// language calls it): a post's other categories say more.
    catch_all: HashSet<i32>,
    authors: HashMap<String, i32>,
    tree: Tree,
    attachments: HashMap<String, String>,
    /// Articles written now whose cover is a featured image, by attachment id.
    covers: Vec<(i32, String)>,
}

impl<'c> Importer<'c> {
    fn new(conn: &'c mut Conn, options: &'c ImportOptions) -> Result<Self, ImportError> {
        let tree = Tree::load(conn)?;
        Ok(Self {
            conn,
            options,
            report: ImportReport::default(),
            pending_categories: Vec::new(),
            pending_authors: Vec::new(),
            categories: HashMap::new(),
            catch_all: HashSet::new(),
            authors: HashMap::new(),
            tree,
            attachments: HashMap::new(),
            covers: Vec::new(),
        })
    }

    fn take(&mut self, record: Record) -> Result<(), ImportError> {
        match record {
            Record::Category(category) => self.pending_categories.push(category),
            Record::Author(author) => self.pending_authors.push(author),
            // Tags are created with the articles that carry them.
            Record::Tag { .. } => {}
            Record::Item(item) => {
                self.settle()?;
                self.item(*item)?;
            }
        }
        Ok(())
    }

    /// Creates the categories and authors read so far.
    fn settle(&mut self) -> Result<(), ImportError> {
        if !self.pending_categories.is_empty() {
            let categories = std::mem::take(&mut self.pending_categories);
            self.import_categories(categories)?;
            self.tree = Tree::load(self.conn)?;
        }
        if !self.pending_authors.is_empty() || (self.authors.is_empty() && self.options.author_email.is_some()) {
            let authors = std::mem::take(&mut self.pending_authors);
            self.import_authors(authors)?;
        }
        Ok(())
    }

    fn import_categories(&mut self, mut pending: Vec<wxr::Category>) -> Result<(), ImportError> {
        let known: Vec<String> = pending.iter().map(|category| category.nicename.clone()).collect();
        // Parents first: each pass places those whose parent is placed.
        while !pending.is_empty() {
            let (ready, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|category| {
                category.parent.is_empty()
                    || self.categories.contains_key(&category.parent)
                    || !known.contains(&category.parent)
            });
            if ready.is_empty() {
                return Err(ImportError::Refused(format!(
                    "the categories {:?} are each other's parents",
                    waiting.iter().map(|c| c.nicename.as_str()).collect::<Vec<_>>()
                )));
            }
            for category in ready {
                self.import_category(&category)?;
            }
            pending = waiting;
        }
        Ok(())
    }

    fn import_category(&mut self, category: &wxr::Category) -> Result<(), ImportError> {
        let parent_id = self.categories.get(&category.parent).copied();
        let name = one_line(&category.name, 100).unwrap_or_else(|| category.nicename.clone());
        let description = clipped(&lines(&category.description), 1000);
        let slug = decoded_slug(&category.nicename).unwrap_or_else(|| slug::slugify(&name));
        let print = fingerprint(&[&name, description.as_deref().unwrap_or(""), &category.parent]);
        let existing = db::find(self.conn, "category", &category.nicename)?
            .and_then(|(id, old_print)| Some((id.parse::<i32>().ok()?, old_print)));
        let (id, outcome) = match existing {
            Some((id, old_print)) if old_print == ADOPTED => {
                self.report.leave_alone(ADOPTED_CATEGORIES);
                self.remember_category(category, id);
                return Ok(());
            }
            Some((id, old_print)) if old_print == print => (id, Outcome::Unchanged),
            Some((id, _)) => {
                // Never below itself: newsroom's editors may have moved the
                // new parent below this category since the last import.
                let parent_id = match parent_id {
                    Some(parent) if self.tree.with_descendants(id).contains(&parent) => {
                        self.report.leave_alone("category moves that would have put a category below itself");
                        self.tree.get(id).and_then(|row| row.parent_id)
                    }
                    parent => parent,
                };
                let changes = CategoryChanges {
                    name: Some(name),
                    description: Some(description),
                    parent_id: Some(parent_id),
                    ..CategoryChanges::default()
                };
                categories_db::update(self.conn, id, &changes)?;
                (id, Outcome::Updated)
            }
            None => match self.tree.by_slug(&slug) {
                // A newsroom category of the same slug is that category, as
                // newsroom's editors keep it.
                Some(same) => {
                    db::remember(self.conn, "category", &category.nicename, &same.id.to_string(), ADOPTED)?;
                    self.report.leave_alone(ADOPTED_CATEGORIES);
                    self.remember_category(category, same.id);
                    return Ok(());
                }
                None => {
                    let now = time::now();
                    let new = NewCategory {
                        slug: &slug,
                        name: &name,
                        description: description.as_deref(),
                        parent_id,
                        created_at: now,
                        updated_at: now,
                    };
                    (categories_db::insert(self.conn, &new)?, Outcome::Imported)
                }
            },
        };
        db::remember(self.conn, "category", &category.nicename, &id.to_string(), &print)?;
        self.remember_category(category, id);
        self.report.count("categories", outcome);
        Ok(())
    }

    /// Files the posts of the WordPress `category` under the newsroom
    /// category `id`.
    fn remember_category(&mut self, category: &wxr::Category, id: i32) {
        // Term 1 is the category WordPress installs as the default.
        if category.term_id == "1" || category.nicename == "uncategorized" {
            self.catch_all.insert(id);
        }
        self.categories.insert(category.nicename.clone(), id);
    }

    /// Categories a post is filed under that the export does not list (a
    /// partial export lists none), made top-level ones as WordPress's own
    /// importer does, rather than lost.
    fn import_undeclared_categories(&mut self, item: &Item) -> Result<(), ImportError> {
        let undeclared: Vec<wxr::Category> = item
            .terms
            .iter()
            .filter(|term| term.domain == "category" && !self.categories.contains_key(&term.nicename))
            .map(|term| wxr::Category {
                nicename: term.nicename.clone(),
                name: term.name.clone(),
                ..Default::default()
            })
            .collect();
        if undeclared.is_empty() {
            return Ok(());
        }
        for category in &undeclared {
            // Declared in an earlier export (WordPress.com splits a large site
            // into several files): taken as it is, its parent and description
            // kept, rather than "updated" to the little a post says of it.
            let earlier = db::find(self.conn, "category", &category.nicename)?;
            match earlier.and_then(|(id, _)| id.parse::<i32>().ok()) {
                Some(id) => {
                    if category.nicename == "uncategorized" {
                        self.catch_all.insert(id);
                    }
                    self.categories.insert(category.nicename.clone(), id);
                    self.report.count("categories", Outcome::Unchanged);
                }
                None => self.import_category(category)?,
            }
        }
        self.tree = Tree::load(self.conn)?;
        Ok(())
    }

    fn import_authors(&mut self, authors: Vec<wxr::Author>) -> Result<(), ImportError> {
        if let Some(email) = &self.options.author_email {
            let user = users_db::find_by_email_key(self.conn, &Email::key_of(email))?
                .ok_or_else(|| ImportError::Refused(format!("--author-email: no account has the email {email}")))?;
            for author in authors {
                self.authors.insert(author.login, user.id);
            }
            self.authors.entry(String::new()).or_insert(user.id);
            return Ok(());
        }
        for author in authors {
            let email = Email::parse(author.email.trim())
                .or_else(|_| Email::parse(&format!("{}@wordpress.invalid", slug::slugify(&author.login))))
                .map_err(|_| ImportError::Refused(format!("author {:?} has no usable email", author.login)))?;
            let (id, outcome) = match users_db::find_by_email_key(self.conn, &email.key())? {
                Some(user) => (user.id, Outcome::Unchanged),
                None => {
                    let name = one_line(&author.display_name, 100)
                        .or_else(|| one_line(&author.login, 100))
                        .unwrap_or_else(|| "WordPress author".to_owned());
                    let now = time::now();
                    let new = NewUser {
                        email: email.as_ref(),
                        email_key: &email.key(),
                        display_name: &name,
                        password_hash: NO_PASSWORD,
                        role: Role::Author,
                        created_at: now,
                        updated_at: now,
                    };
                    let user = users_db::insert(self.conn, &new)?.ok_or_else(|| {
                        ImportError::Refused(format!("author {:?}: the email is taken", author.login))
                    })?;
                    (user.id, Outcome::Imported)
                }
            };
            db::remember(self.conn, "author", &author.login, &id.to_string(), email.as_ref())?;
            self.authors.insert(author.login, id);
            self.report.count("authors", outcome);
        }
        Ok(())
    }

    fn item(&mut self, item: Item) -> Result<(), ImportError> {
        self.report.skip("comments", item.comments);
        match item.post_type.as_str() {
            "post" => self.post(item),
            "page" => self.page(item),
            "attachment" => {
                // Remembered: a post in a later file of a split export may
                // name it as its featured image.
                db::remember(self.conn, "attachment", &item.post_id, &item.attachment_url, "")?;
                self.attachments.insert(item.post_id.clone(), item.attachment_url.clone());
                self.report.skip("attachments (kept only as featured images)", 1);
                Ok(())
            }
            other => {
                self.report.skip(format!("post type {other}"), 1);
                Ok(())
            }
        }
    }

    fn post(&mut self, item: Item) -> Result<(), ImportError> {
        let status = match item.status.as_str() {
            "publish" | "future" => ArticleStatus::Published,
            "draft" | "pending" | "private" => ArticleStatus::Draft,
            skipped @ ("trash" | "auto-draft" | "inherit") => {
                let reason = match skipped {
                    "trash" => "posts in the trash",
                    "auto-draft" => "auto-drafts",
                    _ => "revisions",
                };
                self.report.skip(reason, 1);
                if skipped == "trash" {
                    self.withdraw_post(&item)?;
                }
                return Ok(());
            }
            other => return Err(item_error(&item, format!("unknown status {other:?}"))),
        };
        // newsroom has no per-article passwords: published, the post would be
        // shown to everyone its author meant to keep it from.
        let protected = item.password_protected && status == ArticleStatus::Published;
        let status = if protected {
            self.report.skip("passwords of password-protected posts (imported as drafts)", 1);
            ArticleStatus::Draft
        } else {
            status
        };
        let date = post_date(&item)?;
        let published_at = (status == ArticleStatus::Published).then_some(date);
        if item.is_sticky {
            self.report.skip("sticky flags (newsroom has no sticky articles)", 1);
        }
        self.import_undeclared_categories(&item)?;
        let categories: Vec<i32> = item
            .terms
            .iter()
            .filter(|term| term.domain == "category")
            .filter_map(|term| self.categories.get(&term.nicename).copied())
            .collect();
        let deepest =
            categories.iter().copied().max_by_key(|id| (!self.catch_all.contains(id), self.tree.path(*id).len()));
        let (tags, left_out) = post_tags(item.terms.iter().filter_map(|term| {
            let tag = term.domain == "post_tag"
                || (term.domain == "category" && self.categories.get(&term.nicename).copied() != deepest);
            tag.then_some(term.name.as_str())
        }));
        self.report.skip(format!("tags beyond the {} a post may have", fields::MAX_TAGS), left_out.beyond_limit);
        self.report.skip("tags without a letter or digit", left_out.unusable);
        let title = one_line(&item.title, 200).unwrap_or_else(|| "(untitled)".to_owned());
        let text = match body_of(&item) {
            Ok(text) => text,
            Err(reason) => {
                self.report.skip(format!("posts whose body {reason}"), 1);
                return Ok(());
            }
        };
        let excerpt = clipped(&plain_text(&item.excerpt), 300);
        let author_id = self.authors.get(&item.creator).or_else(|| self.authors.get("")).copied();
        let thumbnail = item.meta.get("_thumbnail_id").cloned();
        let print = fingerprint(&[
            &title,
            &item.content,
            &item.excerpt,
            if protected { "password-protected" } else { &item.status },
            &date.to_string(),
            &item.post_name,
            &format!("{:?}", item.terms),
            thumbnail.as_deref().unwrap_or(""),
            &item.creator,
        ]);
        let category = deepest.and_then(|id| self.tree.get(id)).map(|c| c.slug.clone());
        let existing = db::find(self.conn, "post", &item.post_id)?;
        let (id, outcome) = match existing.and_then(|(id, old)| Some((id.parse::<i32>().ok()?, old))) {
            Some((id, old)) if old == print => (id, Outcome::Unchanged),
            Some((id, _)) => {
                let row = articles_db::reload(self.conn, id)?;
                let wanted = decoded_slug(&item.post_name);
                let slug = match wanted {
                    Some(wanted) if wanted != row.slug => Some(self.free_slug(&wanted, Some(id))?),
                    _ => None,
                };
                let edit = Edit {
                    title: Some(title),
                    text: Some(text),
                    excerpt: Some(excerpt),
                    slug,
                    category: Some(category),
                    tags: Some(tags),
                    status: Some(status),
                    published_at: Some(published_at),
                    cover_image_url: None,
                };
                write::apply_update(self.conn, &self.tree, &row, edit)?;
                (id, Outcome::Updated)
            }
            None => {
                let slug = match decoded_slug(&item.post_name) {
                    Some(wanted) => Some(self.free_slug(&wanted, None)?),
                    None => None,
                };
                let draft = Draft {
                    title,
                    text,
                    excerpt,
                    slug,
                    category,
                    tags,
                    status,
                    published_at,
                    cover_image_url: None,
                    author_id,
                };
                (write::create(self.conn, &self.tree, draft)?, Outcome::Imported)
            }
        };
        if outcome != Outcome::Unchanged
            && let Some(thumbnail) = thumbnail
        {
            self.covers.push((id, thumbnail));
        }
        db::remember(self.conn, "post", &item.post_id, &id.to_string(), &print)?;
        self.report.count("posts", outcome);
        Ok(())
    }

    /// A post imported earlier and trashed in WordPress since goes back to
    /// being a draft: hidden from readers, its votes and links kept.
    fn withdraw_post(&mut self, item: &Item) -> Result<(), ImportError> {
        let Some((target, print)) = db::find(self.conn, "post", &item.post_id)? else {
            return Ok(());
        };
        let Ok(id) = target.parse::<i32>() else {
            return Ok(());
        };
        if print == WITHDRAWN {
            return Ok(());
        }
        let row = articles_db::reload(self.conn, id)?;
        if row.status != ArticleStatus::Draft {
            let edit = Edit { status: Some(ArticleStatus::Draft), ..Edit::default() };
            write::apply_update(self.conn, &self.tree, &row, edit)?;
        }
        db::remember(self.conn, "post", &item.post_id, &target, WITHDRAWN)?;
        self.report.count("posts", Outcome::Withdrawn);
        Ok(())
    }

    /// `wanted`, or the first `wanted-2`, `wanted-3`… no other article has or had.
    fn free_slug(&mut self, wanted: &str, article: Option<i32>) -> Result<String, ImportError> {
        if articles_db::slug_available_for(self.conn, wanted, article)? {
            return Ok(wanted.to_owned());
        }
        Ok(articles_db::unique_slug(self.conn, wanted)?)
    }

    /// `wanted`, or the first `wanted-2`, `wanted-3`… that is free for the
    /// page `post_id`: no page has it, or this page was imported to it.
    /// WordPress keeps page slugs unique only among pages with the same
    /// parent, newsroom's are unique; and a page newsroom had before (its
    /// privacy policy) is never replaced.
    fn free_page_slug(&mut self, wanted: &str, post_id: &str) -> Result<String, ImportError> {
        let mut candidate = wanted.to_owned();
        let mut suffix = 1;
        loop {
            let free = match db::importer_of(self.conn, "page", &candidate)? {
                Some(owner) => owner == post_id,
                None => {
                    let taken = pages_db::find(self.conn, &candidate)?.is_some();
                    if taken {
                        self.report.leave_alone(
                            "pages newsroom had already whose slug a WordPress page has (that page gets -2)",
                        );
                    }
                    !taken
                }
            };
            if free {
                return Ok(candidate);
            }
            suffix += 1;
            candidate = slug::with_suffix(wanted, suffix);
        }
    }

    fn page(&mut self, item: Item) -> Result<(), ImportError> {
        let hidden = if item.status != "publish" {
            Some(format!("pages with status {}", item.status))
        } else if item.password_protected {
            Some("pages protected by a password (newsroom's pages are public)".to_owned())
        } else {
            None
        };
        if let Some(reason) = hidden {
            self.report.skip(reason, 1);
            // Imported while it was public: WordPress hides it now, so must we.
            if let Some((slug, print)) = db::find(self.conn, "page", &item.post_id)?
                && print != WITHDRAWN
            {
                pages_db::delete(self.conn, &slug)?;
                db::remember(self.conn, "page", &item.post_id, &slug, WITHDRAWN)?;
                self.report.count("pages", Outcome::Withdrawn);
            }
            return Ok(());
        }
        let Some(slug) =
            decoded_slug(&item.post_name).or_else(|| Some(slug::slugify(&item.title)).filter(|s| !s.is_empty()))
        else {
            return Err(item_error(&item, "a page without a usable slug"));
        };
        let slug = self.free_page_slug(&slug, &item.post_id)?;
        let title = one_line(&item.title, 200).unwrap_or_else(|| slug.clone());
        let print = fingerprint(&[&title, &item.content, &slug]);
        let remembered = db::find(self.conn, "page", &item.post_id)?;
        let outcome = match &remembered {
            Some((_, old)) if *old == print => Outcome::Unchanged,
            Some(_) => Outcome::Updated,
            None => Outcome::Imported,
        };
        if outcome != Outcome::Unchanged {
            // Pages have no former slugs: a renamed page moves.
            if let Some((old_slug, _)) = remembered.filter(|(old_slug, _)| *old_slug != slug) {
                pages_db::delete(self.conn, &old_slug)?;
            }
            let text = match body_of(&item) {
                Ok(text) => text,
                Err(reason) => {
                    self.report.skip(format!("pages whose body {reason}"), 1);
                    return Ok(());
                }
            };
            let now = time::now();
            let created_at = pages_db::find(self.conn, &slug)?.map_or(post_date(&item)?, |page| page.created_at);
            let row = PageRow {
                body_html: text.body.body_html,
                body: text.body.body,
                slug: slug.clone(),
                title,
                created_at,
                updated_at: now,
            };
            pages_db::put(self.conn, &row)?;
        }
        db::remember(self.conn, "page", &item.post_id, &slug, &print)?;
        self.report.count("pages", outcome);
        Ok(())
    }

    fn finish(mut self) -> Result<ImportReport, ImportError> {
        self.settle()?;
        for (article, thumbnail) in std::mem::take(&mut self.covers) {
            let url = match self.attachments.get(&thumbnail) {
                Some(url) => Some(url.clone()),
                None => db::find(self.conn, "attachment", &thumbnail)?.map(|(url, _)| url),
            };
            let Some(url) = url.filter(|url| !url.is_empty()) else { continue };
            match fields::cover_image_url(&url) {
                Ok(url) => {
                    let changes = ArticleChanges { cover_image_url: Some(Some(url)), ..ArticleChanges::default() };
                    articles_db::update(self.conn, article, &changes, None)?;
                }
                Err(_) => self.report.skip("featured images whose URL is not one the API takes", 1),
            }
        }
        Ok(self.report)
    }
}

/// A post's publication time: `post_date_gmt`, or `post_date` when the GMT
/// date is WordPress's zero date (drafts have it), read as UTC.
fn post_date(item: &Item) -> Result<NaiveDateTime, ImportError> {
    let zero = |date: &str| date.is_empty() || date.starts_with("0000-00-00");
    let raw = if zero(&item.post_date_gmt) { &item.post_date } else { &item.post_date_gmt };
    if zero(raw) {
        return Ok(time::now());
    }
    NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
        .map_err(|_| item_error(item, format!("invalid date {raw:?}")))
}

/// A WordPress slug as newsroom keeps it: percent-decoded (Arabic slugs stay
/// Arabic) and in newsroom's slug form; `None` when nothing usable is left.
fn decoded_slug(raw: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(raw.trim()).decode_utf8().ok()?;
    // WordPress keeps underscores and emoji, and allows 200 characters;
    // ours are letters and digits between dashes, at most 100.
    Some(slug::slugify(&decoded)).filter(|slug| !slug.is_empty() && !slug::is_numeric(slug))
}

/// Tags [`post_tags`] left out of a post.
#[derive(Debug, Default, PartialEq, Eq)]
struct LeftOut {
    beyond_limit: usize,
    unusable: usize,
}

/// A post's tags within what the API accepts, so that a client can send back
/// what it reads: one line of at most 50 characters with a letter or digit,
/// one per slug, the first 20.
fn post_tags<'a>(names: impl IntoIterator<Item = &'a str>) -> (Vec<String>, LeftOut) {
    let mut seen = HashSet::new();
    let mut tags = Vec::new();
    let mut left_out = LeftOut::default();
    for raw in names {
        let Some((name, tag_slug)) = one_line(raw, fields::MAX_TAG_CHARS)
            .map(|name| {
                let tag_slug = slug::slugify(&name);
                (name, tag_slug)
            })
            .filter(|(_, tag_slug)| !tag_slug.is_empty())
        else {
            left_out.unusable += 1;
            continue;
        };
        if !seen.insert(tag_slug) {
            continue;
        }
        if tags.len() < fields::MAX_TAGS {
            tags.push(name);
        } else {
            left_out.beyond_limit += 1;
        }
    }
    (tags, left_out)
}

/// One line of text as the API's one-line fields take it: control
/// characters (tabs and line breaks among them) become spaces, the ends are
/// trimmed, and it is cut to `max` characters; `None` when nothing is left.
fn one_line(text: &str, max: usize) -> Option<String> {
    let text: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    clipped(&text, max)
}

/// Text as the API's multi-line fields take it: no control characters but
/// line breaks and tabs.
fn lines(text: &str) -> String {
    text.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')).collect()
}

/// `text` cut to `max` characters on a character boundary; `None` when empty.
fn clipped(text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(max).collect::<String>().trim_end().to_owned())
}

/// The text of an HTML excerpt, without its markup.
fn plain_text(html: &str) -> String {
    markdown_of(html).map(|markdown| markdown::excerpt(&markdown)).unwrap_or_default()
}

/// The body of a post or page as newsroom keeps it, or why it cannot be
/// (to finish "posts whose body …").
fn body_of(item: &Item) -> Result<Text, String> {
    let too_deep = || format!("nests HTML more than {} elements deep", markdown::MAX_HTML_DEPTH);
    let too_long = || format!("is over the {} characters an article may have", fields::MAX_BODY_CHARS);
    if item.oversized {
        return Err(too_long());
    }
    let markdown = markdown_of(&item.content).ok_or_else(too_deep)?;
    if markdown.chars().count() > fields::MAX_BODY_CHARS {
        return Err(too_long());
    }
    Text::new(markdown).map_err(|_| too_deep())
}

/// A post's HTML as Markdown. Gutenberg's block comments go; a classic post
/// written without `<p>` tags gets its blank lines back as paragraphs, as
/// WordPress's own `wpautop` shows it. `None` when the HTML nests too deeply
/// to convert: the converter recurses once per level.
fn markdown_of(html: &str) -> Option<String> {
    if !nesting::within(html, markdown::MAX_HTML_DEPTH) {
        return None;
    }
    let mut content = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!-- wp:").or_else(|| rest.find("<!-- /wp:")) {
        content.push_str(rest.get(..start).unwrap_or_default());
        rest = rest
            .get(start..)
            .and_then(|tail| tail.find("-->").map(|end| tail.get(end + 3..).unwrap_or_default()))
            .unwrap_or_default();
    }
    content.push_str(rest);
    let blocks = [
        "<p",
        "<div",
        "<h1",
        "<h2",
        "<h3",
        "<h4",
        "<h5",
        "<h6",
        "<ul",
        "<ol",
        "<blockquote",
        "<pre",
        "<table",
        "<figure",
    ];
    let lowered = content.to_lowercase();
    let html = if blocks.iter().any(|tag| lowered.contains(tag)) {
        content
    } else {
        content
            .replace("\r\n", "\n")
            .split("\n\n")
            .map(str::trim)
            .filter(|paragraph| !paragraph.is_empty())
            .map(|paragraph| format!("<p>{}</p>", paragraph.replace('\n', "<br />")))
            .collect::<Vec<_>>()
            .join("\n")
    };
    // CommonMark's `- item` and fenced code, as the API's writers use.
    let options = htmd::options::Options {
        bullet_list_marker: htmd::options::BulletListMarker::Dash,
        ul_bullet_spacing: 1,
        ol_number_spacing: 1,
        ..htmd::options::Options::default()
    };
    let converter = htmd::HtmlToMarkdown::builder().options(options).build();
    Some(lines(converter.convert(&html).unwrap_or_default().trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_posts_get_their_paragraphs_and_block_comments_go() {
        assert_eq!(
            markdown_of("One line\nand the next.\n\nA second paragraph.").unwrap(),
            "One line  \nand the next.\n\nA second paragraph."
        );
        let gutenberg = "<!-- wp:heading -->\n<h2>Title</h2>\n<!-- /wp:heading -->\n<!-- wp:paragraph -->\n<p>Text <a href=\"https://x.example/\">link</a>.</p>\n<!-- /wp:paragraph -->";
        assert_eq!(markdown_of(gutenberg).unwrap(), "## Title\n\nText [link](https://x.example/).");
    }

    #[test]
    fn tags_are_fitted_to_what_the_api_accepts() {
        let many: Vec<String> = (1..=25).map(|n| format!("Tag {n}")).collect();
        let names =
            ["Politics", "politics", "!!!", " \t ", "A\u{85}B"].into_iter().chain(many.iter().map(String::as_str));

        let (tags, left_out) = post_tags(names);

        assert_eq!(tags.len(), 20);
        assert_eq!(tags.get(..3), Some(&["Politics".to_owned(), "A B".to_owned(), "Tag 1".to_owned()][..]));
        assert_eq!(left_out, LeftOut { beyond_limit: 7, unusable: 2 });
    }

    #[test]
    fn one_line_fields_lose_their_control_characters_and_excess() {
        assert_eq!(one_line("Title\twith\u{85}controls \n", 200), Some("Title with controls".to_owned()));
        assert_eq!(one_line(&"é".repeat(300), 200).map(|title| title.chars().count()), Some(200));
        assert_eq!(one_line("\u{0}\t", 200), None);
        assert_eq!(lines("a\u{0}b\n\tc\u{9f}"), "ab\n\tc");
    }

    #[test]
    fn slugs_are_percent_decoded_and_put_in_newsroom_form() {
        assert_eq!(decoded_slug("%d9%84%d9%8a%d8%a8%d9%8a%d8%a7"), Some("ليبيا".to_owned()));
        assert_eq!(decoded_slug("hello-world"), Some("hello-world".to_owned()));
        assert_eq!(decoded_slug("hello_world-utf8-%f0%9f%92%ab-test"), Some("hello-world-utf8-test".to_owned()));
        assert_eq!(decoded_slug("Has Spaces"), Some("has-spaces".to_owned()));
        assert_eq!(decoded_slug(&"a".repeat(200)), Some("a".repeat(100)));
        assert_eq!(decoded_slug("1647"), None, "WordPress names untitled posts by their id");
        assert_eq!(decoded_slug("%ff%fe"), None);
        assert_eq!(decoded_slug(""), None);
    }
}

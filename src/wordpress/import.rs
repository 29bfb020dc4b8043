//! The import as a whole: one transaction over the stream of records, the
//! importer's memory of what each WordPress object became, and the errors
//! that stop it.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::library::{Library, Uploads};
use super::report::ImportReport;
use super::wxr::{self, Item, Record, WxrError, WxrReader};
use crate::articles::write::History;
use crate::categories::Tree;
use crate::cli::CliResult;
use crate::cluster;
use crate::config::Config;
use crate::effects::{Effects, Outgoing};
use crate::error::ApiError;
use crate::media::MediaUrls;
use crate::seal::Sealer;
use crate::seed_bench::bar;
use crate::store::{self, AsDieselError, Conn};

/// The fingerprint of an object WordPress hides now (trashed, made private
/// or given a password) that an earlier import had made public: whatever it
/// becomes again differs from it.
pub(super) const WITHDRAWN: &str = "withdrawn";

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    /// Every post's author, instead of one account per WordPress author.
    pub author_email: Option<String>,
    /// A copy of `wp-content/uploads`, whose images come in as media.
    pub uploads: Option<PathBuf>,
    /// Where to write the redirect map from old addresses to new ones.
    pub redirects: Option<PathBuf>,
    pub progress: bool,
}

#[derive(Debug, thiserror::Error)]
pub(super) enum ImportError {
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
    if let Some(redirects) = options.redirects.as_deref().filter(|redirects| redirects.exists()) {
        return Err(format!("--redirects: {} exists; name a new file", redirects.display()).into());
    }
    let pool = store::connect(&config.database, config.database_pool_size, store::COMMAND_TIMEOUT)?;
    store::migrate(&pool)?;
    let sealer = config.jwt_secret.as_ref().map(Sealer::derive).transpose()?;
    let uploads = options.uploads.as_deref().map(|folder| Uploads::open(folder, config)).transpose()?;
    let mut conn = pool.get()?;
    store::prepare_bulk_write(&mut conn)?;
    let progress = if options.progress {
        bar(usize::try_from(size).unwrap_or(usize::MAX), "importing")
    } else {
        ProgressBar::hidden()
    };
    let open = || File::open(path).map_err(|e| ImportError::Refused(format!("{}: {e}", path.display())));
    let outcome = store::write_on(&mut conn, |conn| {
        let media = MediaUrls::new(config.media.public_url.clone());
        let mut importer = Importer::new(conn, options, config.revisions_kept, media, uploads.as_ref())?;
        if uploads.is_some() {
            // The library first, so that every post finds the images it shows.
            progress.set_position(0);
            let mut reader = WxrReader::new(BufReader::new(open()?));
            while let Some(record) =
                reader.next_record().map_err(|error| ImportError::Refused(located(path, &error)))?
            {
                progress.set_position(reader.position());
                if let Record::Item(item) = record
                    && item.post_type == "attachment"
                {
                    importer.attachment_file(&item)?;
                }
            }
        }
        progress.set_position(0);
        let mut reader = WxrReader::new(BufReader::new(open()?));
        loop {
            let record = reader.next_record().map_err(|error| ImportError::Refused(located(path, &error)))?;
            progress.set_position(reader.position());
            match record {
                Some(record) => importer.take(record)?,
                None => break,
            }
        }
        let (report, effects) = importer.finish()?;
        if options.dry_run {
            return Err(ImportError::DryRun(Box::new(report)));
        }
        let mut effects = effects.without_events();
        effects.queue(conn, Outgoing { sealer: sealer.as_ref(), site_name: &config.site_name })?;
        effects.announce(conn, cluster::COMMAND)?;
        Ok(report)
    });
    progress.finish_and_clear();
    match outcome {
        Ok(mut report) => {
            if let Some(redirects) = &options.redirects {
                report.redirects_written = super::redirects::write(&mut conn, config, &report.moved, redirects)?;
            }
            Ok(report)
        }
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

pub(super) fn item_error(item: &Item, problem: impl std::fmt::Display) -> ImportError {
    ImportError::Item {
        title: item.title.clone(),
        id: item.post_id.clone(),
        offset: item.offset,
        problem: problem.to_string(),
    }
}

pub(super) fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.len().to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().iter().take(16).map(|byte| format!("{byte:02x}")).collect()
}

pub(super) struct Importer<'c> {
    pub(super) conn: &'c mut Conn,
    /// What the import changed, announced to running instances once it
    /// has committed.
    pub(super) effects: Effects,
    pub(super) options: &'c ImportOptions,
    /// Changes an import makes are revisions by nobody.
    pub(super) history: History,
    pub(super) report: ImportReport,
    /// Categories are read first and created together, parents first.
    pending_categories: Vec<wxr::Category>,
    pending_authors: Vec<wxr::Author>,
    pub(super) categories: HashMap<String, i32>,
    /// WordPress's catch-all category ("Uncategorized", whatever the site's
    /// language calls it): a post's other categories say more.
    pub(super) catch_all: HashSet<i32>,
    pub(super) authors: HashMap<String, i32>,
    pub(super) tree: Tree,
    pub(super) media: MediaUrls,
    pub(super) uploads: Option<&'c Uploads>,
    pub(super) library: Library,
    /// Attachment URLs by WordPress id.
    pub(super) attachments: HashMap<String, String>,
    /// Articles written now whose cover is a featured image, by attachment id.
    pub(super) covers: Vec<(i32, String)>,
}

impl<'c> Importer<'c> {
    fn new(
        conn: &'c mut Conn,
        options: &'c ImportOptions,
        revisions_kept: u32,
        media: MediaUrls,
        uploads: Option<&'c Uploads>,
    ) -> Result<Self, ImportError> {
        let tree = Tree::load(conn)?;
        let library = Library::load(conn, &media)?;
        Ok(Self {
            conn,
            effects: Effects::new(),
            options,
            history: History { editor: None, kept: revisions_kept },
            report: ImportReport::default(),
            pending_categories: Vec::new(),
            pending_authors: Vec::new(),
            categories: HashMap::new(),
            catch_all: HashSet::new(),
            authors: HashMap::new(),
            tree,
            media,
            uploads,
            library,
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

    fn item(&mut self, item: Item) -> Result<(), ImportError> {
        self.report.skip("comments", item.comments);
        match item.post_type.as_str() {
            "post" => self.post(item),
            "page" => self.page(item),
            "attachment" => self.attachment(&item),
            other => {
                self.report.skip(format!("post type {other}"), 1);
                Ok(())
            }
        }
    }

    fn finish(mut self) -> Result<(ImportReport, Effects), ImportError> {
        self.settle()?;
        self.set_covers()?;
        Ok((self.report, self.effects))
    }
}

//! What an import did, counted by kind and outcome, and what it skipped or
//! left alone, with the reason.

use std::collections::BTreeMap;

use super::wxr::Item;

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
    /// Files attachments name that are not in `--uploads`, as named there.
    pub missing: Vec<String>,
    /// Posts imported and updated (by outcome: `imported`, `updated`), by the
    /// status they have here.
    pub post_statuses: BTreeMap<&'static str, BTreeMap<&'static str, usize>>,
    /// The posts of each skip reason that concerns a post.
    pub skipped_in: BTreeMap<String, SkippedIn>,
    /// Public posts and pages, where WordPress showed them and what they
    /// are here: the redirect map (`--redirects`).
    pub moved: Vec<Moved>,
    /// Addresses written into the redirect map.
    pub redirects_written: usize,
    pub dry_run: bool,
}

/// Posts named per skip reason: enough to look into, not the whole export.
const NAMED_PER_REASON: usize = 10;

/// Which posts a skip reason concerns: how many, and the first
/// [`NAMED_PER_REASON`] by id and title.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SkippedIn {
    pub posts: usize,
    pub named: Vec<String>,
}

/// A public post or page: its WordPress permalink, and what it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub from: String,
    pub to: MovedTo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MovedTo {
    /// An article, by id (its slug is read once the import has committed).
    Article(i32),
    /// A page, by slug.
    Page(String),
}

impl ImportReport {
    pub(super) fn count(&mut self, kind: &'static str, outcome: Outcome) {
        let counts = match outcome {
            Outcome::Imported => &mut self.imported,
            Outcome::Updated => &mut self.updated,
            Outcome::Unchanged => &mut self.unchanged,
            Outcome::Withdrawn => &mut self.withdrawn,
        };
        *counts.entry(kind).or_default() += 1;
    }

    pub(super) fn skip(&mut self, reason: impl Into<String>, count: usize) {
        if count > 0 {
            *self.skipped.entry(reason.into()).or_default() += count;
        }
    }

    /// Like [`ImportReport::skip`], for what a post lost, naming the post.
    pub(super) fn skip_in(&mut self, reason: impl Into<String>, count: usize, post: &Item) {
        if count == 0 {
            return;
        }
        let reason = reason.into();
        let posts = self.skipped_in.entry(reason.clone()).or_default();
        posts.posts += 1;
        if posts.named.len() < NAMED_PER_REASON {
            posts.named.push(format!("post {} {:?}", post.post_id, post.title));
        }
        self.skip(reason, count);
    }

    pub(super) fn leave_alone(&mut self, reason: &str) {
        *self.left_alone.entry(reason.to_owned()).or_default() += 1;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Imported,
    Updated,
    Unchanged,
    Withdrawn,
}

//! What an import did, counted by kind and outcome, and what it skipped or
//! left alone, with the reason.

use std::collections::BTreeMap;

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
    pub dry_run: bool,
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

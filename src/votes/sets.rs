//! A signed-in reader's own votes (`my_vote`), remembered per reader so that
//! reading an article or a page of them needs no database round trip.
//!
//! A reader's votes are loaded whole, once (a few hundred rows for an active
//! reader), and every vote this process commits updates them; of a reader
//! with more than [`MOST_REMEMBERED_PER_READER`], only that they are too many. What is
//! remembered carries the count of committed vote changes of its reader it
//! was read under, and is used only while that count is current; so a load
//! that raced with a vote is read again rather than believed. As with
//! sessions ([`crate::auth::sessions`]), votes committed by other instances
//! on PostgreSQL arrive as announcements and forget their reader here.

use std::collections::HashMap;
use std::sync::Arc;

use moka::sync::Cache;

use crate::generations::Generations;

/// A reader with more votes than this is asked about the articles at hand
/// each time rather than remembered whole.
pub(super) const MOST_REMEMBERED_PER_READER: i64 = 5_000;
/// Votes remembered at most, over all readers (about 16 bytes each).
const CAPACITY: u64 = 400_000;

/// What is remembered of a reader's votes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Known {
    /// Every one of them.
    All(HashMap<i32, i32>),
    /// More than [`MOST_REMEMBERED_PER_READER`]: the database is asked about
    /// the articles at hand, without reading them all again first.
    TooMany,
}

impl Known {
    fn weight(&self) -> u32 {
        match self {
            Self::All(votes) => u32::try_from(votes.len() + 1).unwrap_or(u32::MAX),
            Self::TooMany => 1,
        }
    }
}

pub(super) struct Voted {
    pub(super) known: Known,
    pub(super) changes: u64,
}

pub struct VoteSets {
    pub(super) readers: Cache<i32, Arc<Voted>>,
    pub(super) changes: Generations,
}

impl Default for VoteSets {
    fn default() -> Self {
        Self {
            readers: Cache::builder()
                .max_capacity(CAPACITY)
                .weigher(|_, voted: &Arc<Voted>| voted.known.weight())
                .build(),
            changes: Generations::default(),
        }
    }
}

impl VoteSets {
    pub(super) fn current(&self, reader: i32) -> Option<Arc<Voted>> {
        let voted = self.readers.get(&reader)?;
        (voted.changes == self.changes.current(reader)).then_some(voted)
    }

    /// After a vote of `reader` committed: `vote` is the new one, `None` when withdrawn.
    pub fn voted(&self, reader: i32, article: i32, vote: Option<i32>) {
        let changes = self.changes.advance(reader);
        // Only a set that was current just before this vote can take it in.
        let Some(before) = self.readers.get(&reader).filter(|voted| voted.changes + 1 == changes) else {
            return;
        };
        let known = match &before.known {
            Known::All(votes) => {
                let mut votes = votes.clone();
                match vote {
                    Some(vote) => votes.insert(article, vote),
                    None => votes.remove(&article),
                };
                Known::All(votes)
            }
            // A withdrawal may bring the reader back under the bound; asking
            // about the articles at hand stays right all the same.
            Known::TooMany => Known::TooMany,
        };
        self.readers.insert(reader, Arc::new(Voted { known, changes }));
    }

    /// After `reader`'s votes changed other than one by one (their account was deleted).
    pub fn forget(&self, reader: i32) {
        self.changes.advance(reader);
        self.readers.invalidate(&reader);
    }

    /// After votes may have moved unannounced: no set read before is used.
    pub fn forget_all(&self) {
        self.changes.advance_all();
        self.readers.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remembered(sets: &VoteSets, reader: i32, votes: &[(i32, i32)]) {
        let changes = sets.changes.current(reader);
        sets.readers.insert(reader, Arc::new(Voted { known: Known::All(votes.iter().copied().collect()), changes }));
    }

    #[test]
    fn committed_votes_update_what_is_remembered() {
        let sets = VoteSets::default();
        remembered(&sets, 7, &[(1, 1)]);
        sets.voted(7, 2, Some(-1));
        sets.voted(7, 1, None);
        assert_eq!(sets.current(7).unwrap().known, Known::All(HashMap::from([(2, -1)])));
    }

    #[test]
    fn a_reader_with_too_many_votes_stays_asked_about_after_voting() {
        let sets = VoteSets::default();
        let changes = sets.changes.current(7);
        sets.readers.insert(7, Arc::new(Voted { known: Known::TooMany, changes }));
        sets.voted(7, 2, Some(1));
        sets.voted(7, 2, None);
        assert_eq!(sets.current(7).unwrap().known, Known::TooMany);
    }

    #[test]
    fn a_load_that_raced_with_a_vote_is_not_used() {
        let sets = VoteSets::default();
        let before = sets.changes.current(7);
        sets.voted(7, 2, Some(1));
        sets.readers.insert(7, Arc::new(Voted { known: Known::All(HashMap::new()), changes: before }));
        assert!(sets.current(7).is_none());
        sets.voted(7, 3, Some(1));
        assert!(sets.current(7).is_none(), "a stale set does not take in later votes");
    }

    #[test]
    fn forgetting_drops_the_reader() {
        let sets = VoteSets::default();
        remembered(&sets, 7, &[(1, 1)]);
        sets.forget(7);
        assert!(sets.current(7).is_none());
    }
}

//! What this instance remembers between requests, and which changes clear what.

use std::sync::Arc;

use crate::articles::cache::PublicCache;
use crate::auth::sessions::SessionCache;
use crate::categories::tree::TreeCache;
use crate::votes::sets::VoteSets;

/// A write that makes cached responses wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A vote moved an article's tally: the article alone. Lists show tallies
    /// too, but votes are too frequent to clear them for.
    Vote(i32),
    /// An article was written, edited or deleted: it may enter, leave or move
    /// in any list.
    Article(i32),
    /// A static page was written or deleted: the pages' sitemap lists it.
    Pages,
    /// Something many responses show changed: a category, an author's name.
    Everything,
}

/// What this instance remembers between requests, each part cleared or
/// updated by the effects that make it wrong.
pub struct Caches {
    pub public: PublicCache,
    pub categories: Arc<TreeCache>,
    /// Live sessions, on SQLite only.
    pub sessions: Option<SessionCache>,
    /// Readers' own votes, on SQLite only.
    pub my_votes: Option<VoteSets>,
}

impl Caches {
    /// The caches of a process that sees every write (SQLite) or not.
    pub fn new(sees_every_write: bool) -> Arc<Self> {
        Arc::new(Self {
            public: PublicCache::default(),
            categories: Arc::default(),
            sessions: sees_every_write.then(SessionCache::default),
            my_votes: sees_every_write.then(VoteSets::default),
        })
    }

    /// Clears what `change` made wrong; another instance's changes come here too.
    pub fn clear(&self, change: Change) {
        match change {
            Change::Vote(article) => self.public.forget_article(article),
            Change::Article(article) => self.public.forget_article_and_lists(article),
            Change::Pages => self.public.forget_lists(),
            Change::Everything => {
                self.categories.invalidate();
                self.public.forget_all();
            }
        }
    }
}

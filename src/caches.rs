//! What this instance remembers between requests, and which changes clear what.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

/// What a write changed that every instance must follow: announced to the
/// other instances on PostgreSQL ([`crate::cluster`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum News {
    Changed(Change),
    /// The user's sessions ended or their tokens may now do less.
    SessionsEnded(i32),
    /// The reader's votes moved.
    VotesOf(i32),
}

/// How long what is remembered of sessions and votes is believed after the
/// listener last confirmed that it had heard every announcement: a listener
/// whose connection went silent stops vouching for it within this, and
/// every request then asks the database.
const HEARD_FOR: Duration = Duration::from_millis(100);

/// On PostgreSQL, when this instance last knew that it had heard every other
/// instance's announcements.
struct Hearing {
    since: Instant,
    /// Milliseconds after `since` at which the last confirmation was asked,
    /// at least 1 (0: not hearing).
    confirmed_at: AtomicU64,
}

impl Hearing {
    fn millis(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.since).as_millis()).unwrap_or(u64::MAX)
    }

    fn current(&self) -> bool {
        let confirmed = self.confirmed_at.load(Ordering::SeqCst);
        confirmed > 0 && self.millis(Instant::now()) < confirmed.saturating_add(HEARD_FOR.as_millis() as u64)
    }
}

/// What this instance remembers between requests, each part cleared or
/// updated by the effects that make it wrong.
pub struct Caches {
    pub public: PublicCache,
    pub categories: Arc<TreeCache>,
    sessions: SessionCache,
    my_votes: VoteSets,
    /// `None` on SQLite, where this process sees every write.
    hearing: Option<Hearing>,
}

impl Caches {
    /// The caches of a process that sees every write (SQLite), or of one of
    /// several instances, which believes what it remembers of sessions and
    /// votes only while it hears the others ([`Caches::heard_everything`]).
    pub fn new(sees_every_write: bool) -> Arc<Self> {
        let since = Instant::now();
        Arc::new(Self {
            public: PublicCache::default(),
            categories: Arc::default(),
            sessions: SessionCache::default(),
            my_votes: VoteSets::default(),
            hearing: (!sees_every_write).then(|| Hearing { since, confirmed_at: AtomicU64::new(0) }),
        })
    }

    /// Whether what is remembered of sessions and votes is believed now
    /// (`newsroom_memory_believed` in `/metrics`).
    pub fn believed(&self) -> bool {
        self.hearing.as_ref().is_none_or(Hearing::current)
    }

    /// One of several instances whose listener hears every announcement now
    /// (never a lone SQLite process, which cannot hear a command's writes to
    /// its file).
    pub fn hears_the_others(&self) -> bool {
        self.hearing.as_ref().is_some_and(Hearing::current)
    }

    /// Live sessions, when what is remembered of them can be believed;
    /// `None`: ask the database.
    pub fn sessions(&self) -> Option<&SessionCache> {
        self.believed().then_some(&self.sessions)
    }

    /// Readers' own votes, when what is remembered of them can be believed.
    pub fn my_votes(&self) -> Option<&VoteSets> {
        self.believed().then_some(&self.my_votes)
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

    /// After a committed write that ended sessions of `user_id` here or on
    /// another instance.
    pub fn sessions_ended(&self, user_id: i32) {
        self.sessions.ended(user_id);
    }

    /// After a vote of `reader` committed here.
    pub fn voted(&self, reader: i32, article: i32, vote: Option<i32>) {
        self.my_votes.voted(reader, article, vote);
    }

    /// After `reader`'s votes moved other than by a vote committed here.
    pub fn votes_moved(&self, reader: i32) {
        self.my_votes.forget(reader);
    }

    /// Follows what another instance announced.
    pub fn follow(&self, news: News) {
        match news {
            News::Changed(change) => self.clear(change),
            News::SessionsEnded(user_id) => self.sessions_ended(user_id),
            News::VotesOf(reader) => self.votes_moved(reader),
        }
    }

    /// After announcements may have been missed (the listener connected
    /// again) or could not be read: nothing remembered is believed again.
    pub fn forget_everything(&self) {
        self.clear(Change::Everything);
        self.sessions.forget_all();
        self.my_votes.forget_all();
    }

    /// The listener stopped hearing: from now on every request asks the database.
    pub fn not_hearing(&self) {
        if let Some(hearing) = &self.hearing {
            hearing.confirmed_at.store(0, Ordering::SeqCst);
        }
    }

    /// The listener asked its connection for a round trip at `asked` and
    /// has since read every announcement that arrived before the answer.
    pub fn heard_everything(&self, asked: Instant) {
        if let Some(hearing) = &self.hearing {
            hearing.confirmed_at.store(hearing.millis(asked).max(1), Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_of_several_instances_believes_its_memory_only_while_it_hears() {
        let caches = Caches::new(false);
        assert!(caches.sessions().is_none(), "not before the listener has heard");
        caches.heard_everything(Instant::now());
        assert!(caches.sessions().is_some() && caches.my_votes().is_some());
        caches.not_hearing();
        assert!(caches.sessions().is_none());
        caches.heard_everything(Instant::now());
        std::thread::sleep(HEARD_FOR * 2);
        assert!(caches.my_votes().is_none(), "a confirmation too old vouches for nothing");
    }

    #[test]
    fn a_lone_instance_always_believes_its_memory() {
        let caches = Caches::new(true);
        assert!(caches.sessions().is_some() && caches.my_votes().is_some());
    }
}

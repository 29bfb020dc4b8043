//! A short-lived, in-process cache of what anonymous readers get: single
//! public articles, article lists and "Check Also". News traffic is mostly
//! anonymous readers asking for the same few things at once.
//!
//! Writes take effect at once ([`crate::caches::Change`]): a written, edited
//! or deleted article is dropped with every list, a voted-on article alone,
//! and category or author changes clear everything; on PostgreSQL the other
//! instances do the same when they hear of it. Entries also age out:
//! [`ARTICLE_FRESH`] for articles, [`LIST_FRESH`] for lists (which are not
//! cleared on every vote, or a busy site would never hit), which bounds how
//! long a missed announcement can show. Both are far below the `max-age=60`
//! these responses already carry.
//!
//! One of several instances knows when it has missed nothing: while its
//! listener hears every announcement ([`crate::caches::Caches::hears_the_others`]),
//! an article read when no write had been forgotten since the read began
//! stays fresh for [`KEPT`], since a write to it would have dropped it. A
//! site's hot articles are then read from the database twice a minute
//! instead of every 2 s each. Lists keep their second: a scheduled article
//! enters them when its time comes, with no write to announce it.
//!
//! A stale entry is refreshed by exactly one request while the others keep
//! getting it, so that expiry never sends every waiting client to the
//! database at once; a refresh that has not come within
//! [`REFRESH_GIVEN_UP`] failed, and the next request takes it on.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use crate::http::Tagged;

pub const ARTICLE_FRESH: Duration = Duration::from_secs(2);
pub const LIST_FRESH: Duration = Duration::from_secs(1);
/// Past this age an entry is gone even if no refresh replaced it.
const KEPT: Duration = Duration::from_secs(30);
/// A refresh not done by then is taken to have failed: longer than a read
/// may take (twice `NEWSROOM_DATABASE_TIMEOUT`, 4 s by default) would leave
/// readers on a stale copy after the database is back.
const REFRESH_GIVEN_UP: Duration = Duration::from_secs(5);
const REFRESH_GIVEN_UP_MS: u64 = REFRESH_GIVEN_UP.as_millis() as u64;

/// Bytes of response bodies kept at most: the bound is on memory, not on
/// entries, since an article weighs a hundred times a small list. 12 MiB
/// holds the benchmark's 1,000 hot articles (9.2 MiB of JSON); a page of a
/// list is 2 to 100 KiB.
const ARTICLE_CAPACITY_BYTES: u64 = 12 * 1024 * 1024;
const LIST_CAPACITY_BYTES: u64 = 8 * 1024 * 1024;
/// Slugs never change owner (old slugs stay reserved), so this map needs no expiry.
const SLUG_CAPACITY: u64 = 100_000;

/// A response as anonymous readers get it, with the articles it shows in the
/// order their `"my_vote":null` appears in the body, so that a signed-in
/// reader's votes can be written in ([`super::personal`]).
pub struct Cached {
    pub response: Tagged,
    pub articles: Vec<i32>,
}

struct Entry {
    cached: Arc<Cached>,
    /// When it was stored: the clock of `refresh_claimed_ms`.
    stored: Instant,
    fresh_until: Instant,
    /// Until when it is fresh all the same while every write is heard.
    heard_fresh_until: Instant,
    /// When a caller last took the refresh on, in milliseconds since
    /// `stored` plus one; 0 while nobody has.
    refresh_claimed_ms: AtomicU64,
}

impl Entry {
    fn new(cached: Arc<Cached>, fresh_for: Duration, heard_fresh_for: Duration) -> Arc<Self> {
        let now = Instant::now();
        Arc::new(Self {
            cached,
            stored: now,
            fresh_until: now + fresh_for,
            heard_fresh_until: now + heard_fresh_for.max(fresh_for),
            refresh_claimed_ms: AtomicU64::new(0),
        })
    }

    /// The response, unless it is stale and this caller is the one to refresh
    /// it; `every_write_heard`: whether the instance has missed no write. A
    /// refresh that has not replaced the entry within [`REFRESH_GIVEN_UP`]
    /// failed (a database that is away answers a 503), so the next caller
    /// takes it on: the entry is not left stale until it is evicted.
    fn serve(&self, every_write_heard: bool) -> Option<Arc<Cached>> {
        let now = Instant::now();
        let fresh = now < self.fresh_until || (every_write_heard && now < self.heard_fresh_until);
        if !fresh {
            let now_ms =
                u64::try_from(now.duration_since(self.stored).as_millis()).unwrap_or(u64::MAX).saturating_add(1);
            let claimed = self.refresh_claimed_ms.load(Ordering::Acquire);
            let free = claimed == 0 || now_ms.saturating_sub(claimed) > REFRESH_GIVEN_UP_MS;
            if free
                && self
                    .refresh_claimed_ms
                    .compare_exchange(claimed, now_ms, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
            {
                return None;
            }
        }
        Some(self.cached.clone())
    }
}

/// How many times entries were dropped, taken before a read: an article
/// read meanwhile may already be out of date when it is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forgotten(u64);

fn weight<K>(_: &K, entry: &Arc<Entry>) -> u32 {
    u32::try_from(entry.cached.response.body.len()).unwrap_or(u32::MAX)
}

pub struct PublicCache {
    articles: Cache<i32, Arc<Entry>>,
    slugs: Cache<String, i32>,
    lists: Cache<String, Arc<Entry>>,
    forgotten: AtomicU64,
}

impl Default for PublicCache {
    fn default() -> Self {
        Self {
            articles: Cache::builder().max_capacity(ARTICLE_CAPACITY_BYTES).weigher(weight).time_to_live(KEPT).build(),
            slugs: Cache::builder().max_capacity(SLUG_CAPACITY).build(),
            lists: Cache::builder().max_capacity(LIST_CAPACITY_BYTES).weigher(weight).time_to_live(KEPT).build(),
            forgotten: AtomicU64::new(0),
        }
    }
}

impl PublicCache {
    fn article_id(&self, segment: &str) -> Option<i32> {
        match segment.parse::<i32>() {
            Ok(id) => Some(id),
            Err(_) => self.slugs.get(segment),
        }
    }

    /// The cached article an `{article}` path segment (id or slug) names;
    /// `every_write_heard` as for [`Entry::serve`].
    pub fn article(&self, segment: &str, every_write_heard: bool) -> Option<Arc<Cached>> {
        self.articles.get(&self.article_id(segment)?)?.serve(every_write_heard)
    }

    /// Taken before reading what is to be kept.
    pub fn forgotten(&self) -> Forgotten {
        Forgotten(self.forgotten.load(Ordering::SeqCst))
    }

    /// Keeps an article read since `read_since`: fresh for [`KEPT`] while
    /// every write is heard, unless something was dropped meanwhile (the
    /// write may have come between the read and now).
    pub fn keep_article(&self, segment: &str, id: i32, response: Tagged, read_since: Forgotten) {
        if segment.parse::<i32>().is_err() {
            self.slugs.insert(segment.to_owned(), id);
        }
        let cached = Arc::new(Cached { response, articles: vec![id] });
        if self.forgotten() != read_since {
            self.articles.insert(id, Entry::new(cached, ARTICLE_FRESH, ARTICLE_FRESH));
            return;
        }
        self.articles.insert(id, Entry::new(cached.clone(), ARTICLE_FRESH, KEPT));
        // A write may have dropped the article between the check and the
        // insert, before it was there to drop.
        if self.forgotten() != read_since {
            self.articles.insert(id, Entry::new(cached, ARTICLE_FRESH, ARTICLE_FRESH));
        }
    }

    fn forgetting(&self) {
        self.forgotten.fetch_add(1, Ordering::SeqCst);
    }

    /// After a read found nothing public under `segment` any more.
    pub fn forget_segment(&self, segment: &str) {
        if let Some(id) = self.article_id(segment) {
            self.forgetting();
            self.articles.invalidate(&id);
        }
    }

    /// A list (or a feed) by its path and query.
    pub fn list(&self, key: &str) -> Option<Arc<Cached>> {
        self.lists.get(key)?.serve(false)
    }

    /// `articles`: those whose `my_vote` the response shows, in order; empty
    /// for responses no reader's votes change.
    pub fn keep_list(&self, key: &str, response: Tagged, articles: Vec<i32>) {
        self.lists.insert(key.to_owned(), Entry::new(Arc::new(Cached { response, articles }), LIST_FRESH, LIST_FRESH));
    }

    /// After a vote on an article ([`crate::caches::Change::Vote`]).
    pub fn forget_article(&self, id: i32) {
        self.forgetting();
        self.articles.invalidate(&id);
    }

    /// After an article was written, edited or deleted ([`crate::caches::Change::Article`]).
    pub fn forget_article_and_lists(&self, id: i32) {
        self.forgetting();
        self.articles.invalidate(&id);
        self.lists.invalidate_all();
    }

    /// After a change that shows in lists only ([`crate::caches::Change::Pages`]).
    pub fn forget_lists(&self) {
        self.lists.invalidate_all();
    }

    /// After a change that shows on many articles (a category, an author's name).
    pub fn forget_all(&self) {
        self.forgetting();
        self.articles.invalidate_all();
        self.lists.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tagged(body: &str) -> Tagged {
        Tagged::document(body.as_bytes().to_vec(), "application/json", None)
    }

    fn cached(body: &str) -> Arc<Cached> {
        Arc::new(Cached { response: tagged(body), articles: Vec::new() })
    }

    #[test]
    fn a_stale_entry_is_refreshed_by_one_caller_while_others_get_it() {
        let entry = Entry::new(cached("a"), Duration::ZERO, Duration::ZERO);
        assert!(entry.serve(true).is_none(), "the first caller refreshes");
        assert!(entry.serve(true).is_some(), "the next ones get the stale copy meanwhile");
        let fresh = Entry::new(cached("b"), Duration::from_secs(60), Duration::ZERO);
        assert!(fresh.serve(false).is_some() && fresh.serve(false).is_some());
    }

    #[test]
    fn a_refresh_that_never_came_is_taken_on_by_a_later_caller() {
        // Stored and stale ten seconds ago; `claimed_ms` on the entry's clock.
        let stale = |claimed_ms: u64| {
            let stored = Instant::now() - REFRESH_GIVEN_UP * 2;
            Entry {
                cached: cached("a"),
                stored,
                fresh_until: stored,
                heard_fresh_until: stored,
                refresh_claimed_ms: AtomicU64::new(claimed_ms),
            }
        };
        let under_way = stale(REFRESH_GIVEN_UP_MS * 2 - 1000);
        assert!(under_way.serve(false).is_some(), "claimed a second ago: the stale copy");
        let given_up = stale(1);
        assert!(given_up.serve(false).is_none(), "claimed ten seconds ago: this caller refreshes");
        assert!(given_up.serve(false).is_some(), "and the next one gets the stale copy");
    }

    #[test]
    fn an_article_stays_fresh_past_its_seconds_only_while_every_write_is_heard() {
        let cache = PublicCache::default();
        let read_since = cache.forgotten();
        cache.keep_article("7", 7, tagged("x"), read_since);
        let entry = cache.articles.get(&7).unwrap();
        assert!(entry.heard_fresh_until >= entry.fresh_until + (KEPT - ARTICLE_FRESH));
        let entry = Entry::new(cached("x"), Duration::ZERO, KEPT);
        assert!(entry.serve(true).is_some(), "heard: fresh");
        assert!(entry.serve(false).is_none(), "not heard: refreshed by this caller");
    }

    #[test]
    fn an_article_read_while_something_was_dropped_keeps_only_its_seconds() {
        let cache = PublicCache::default();
        let read_since = cache.forgotten();
        cache.forget_article(7);
        cache.keep_article("7", 7, tagged("old"), read_since);
        let entry = cache.articles.get(&7).unwrap();
        assert_eq!(entry.heard_fresh_until, entry.fresh_until, "the dropping write may be newer than the read");
    }

    #[test]
    fn articles_are_found_by_id_or_slug_and_forgotten_by_either() {
        let cache = PublicCache::default();
        cache.keep_article("a-slug", 7, tagged("x"), cache.forgotten());
        assert!(cache.article("a-slug", false).is_some());
        assert!(cache.article("7", false).is_some());
        cache.forget_segment("a-slug");
        assert!(cache.article("7", false).is_none());
    }
}

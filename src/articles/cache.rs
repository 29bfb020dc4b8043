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
//! A stale entry is refreshed by exactly one request while the others keep
//! getting it, so that expiry never sends every waiting client to the
//! database at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use moka::sync::Cache;

use crate::http::Tagged;

pub const ARTICLE_FRESH: Duration = Duration::from_secs(2);
pub const LIST_FRESH: Duration = Duration::from_secs(1);
/// Past this age an entry is gone even if no refresh replaced it.
const KEPT: Duration = Duration::from_secs(30);

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
    fresh_until: Instant,
    refreshing: AtomicBool,
}

impl Entry {
    fn new(cached: Cached, fresh_for: Duration) -> Arc<Self> {
        Arc::new(Self {
            cached: Arc::new(cached),
            fresh_until: Instant::now() + fresh_for,
            refreshing: AtomicBool::new(false),
        })
    }

    /// The response, unless it is stale and this caller is the one to refresh it.
    fn serve(&self) -> Option<Arc<Cached>> {
        let stale = Instant::now() >= self.fresh_until;
        if stale && !self.refreshing.swap(true, Ordering::AcqRel) {
            return None;
        }
        Some(self.cached.clone())
    }
}

fn weight<K>(_: &K, entry: &Arc<Entry>) -> u32 {
    u32::try_from(entry.cached.response.body.len()).unwrap_or(u32::MAX)
}

pub struct PublicCache {
    articles: Cache<i32, Arc<Entry>>,
    slugs: Cache<String, i32>,
    lists: Cache<String, Arc<Entry>>,
}

impl Default for PublicCache {
    fn default() -> Self {
        Self {
            articles: Cache::builder().max_capacity(ARTICLE_CAPACITY_BYTES).weigher(weight).time_to_live(KEPT).build(),
            slugs: Cache::builder().max_capacity(SLUG_CAPACITY).build(),
            lists: Cache::builder().max_capacity(LIST_CAPACITY_BYTES).weigher(weight).time_to_live(KEPT).build(),
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

    /// The cached article an `{article}` path segment (id or slug) names.
    pub fn article(&self, segment: &str) -> Option<Arc<Cached>> {
        self.articles.get(&self.article_id(segment)?)?.serve()
    }

    pub fn keep_article(&self, segment: &str, id: i32, response: Tagged) {
        if segment.parse::<i32>().is_err() {
            self.slugs.insert(segment.to_owned(), id);
        }
        self.articles.insert(id, Entry::new(Cached { response, articles: vec![id] }, ARTICLE_FRESH));
    }

    /// After a read found nothing public under `segment` any more.
    pub fn forget_segment(&self, segment: &str) {
        if let Some(id) = self.article_id(segment) {
            self.articles.invalidate(&id);
        }
    }

    /// A list (or a feed) by its path and query.
    pub fn list(&self, key: &str) -> Option<Arc<Cached>> {
        self.lists.get(key)?.serve()
    }

    /// `articles`: those whose `my_vote` the response shows, in order; empty
    /// for responses no reader's votes change.
    pub fn keep_list(&self, key: &str, response: Tagged, articles: Vec<i32>) {
        self.lists.insert(key.to_owned(), Entry::new(Cached { response, articles }, LIST_FRESH));
    }

    /// After a vote on an article ([`crate::caches::Change::Vote`]).
    pub fn forget_article(&self, id: i32) {
        self.articles.invalidate(&id);
    }

    /// After an article was written, edited or deleted ([`crate::caches::Change::Article`]).
    pub fn forget_article_and_lists(&self, id: i32) {
        self.articles.invalidate(&id);
        self.lists.invalidate_all();
    }

    /// After a change that shows in lists only ([`crate::caches::Change::Pages`]).
    pub fn forget_lists(&self) {
        self.lists.invalidate_all();
    }

    /// After a change that shows on many articles (a category, an author's name).
    pub fn forget_all(&self) {
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

    #[test]
    fn a_stale_entry_is_refreshed_by_one_caller_while_others_get_it() {
        let cached = |body| Cached { response: tagged(body), articles: Vec::new() };
        let entry = Entry::new(cached("a"), Duration::ZERO);
        assert!(entry.serve().is_none(), "the first caller refreshes");
        assert!(entry.serve().is_some(), "the next ones get the stale copy meanwhile");
        let fresh = Entry::new(cached("b"), Duration::from_secs(60));
        assert!(fresh.serve().is_some() && fresh.serve().is_some());
    }

    #[test]
    fn articles_are_found_by_id_or_slug_and_forgotten_by_either() {
        let cache = PublicCache::default();
        cache.keep_article("a-slug", 7, tagged("x"));
        assert!(cache.article("a-slug").is_some());
        assert!(cache.article("7").is_some());
        cache.forget_segment("a-slug");
        assert!(cache.article("7").is_none());
    }
}

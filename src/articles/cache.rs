//! A short-lived, in-process cache of what anonymous readers get: single
//! public articles, article lists and "Check Also". News traffic is mostly
//! anonymous readers asking for the same few things at once.
//!
//! Writes made through this process take effect at once: an edited, deleted
//! or voted-on article is dropped, and category or author changes clear
//! everything. Writes made by another instance behind the same load balancer
//! show within the time to live: [`ARTICLE_TTL`] for articles, [`LIST_TTL`]
//! for lists (which are not cleared on every vote, or a busy site would never
//! hit). Both are far below the `max-age=60` these responses already carry.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use crate::http::Tagged;

pub const ARTICLE_TTL: Duration = Duration::from_secs(2);
pub const LIST_TTL: Duration = Duration::from_secs(1);

/// Entries kept at most, per kind; each is one response body (a few KB).
const CAPACITY: u64 = 10_000;
/// Slugs never change owner (old slugs stay reserved), so this map needs no expiry.
const SLUG_CAPACITY: u64 = 100_000;

pub struct PublicCache {
    articles: Cache<i32, Arc<Tagged>>,
    slugs: Cache<String, i32>,
    lists: Cache<String, Arc<Tagged>>,
}

impl Default for PublicCache {
    fn default() -> Self {
        Self {
            articles: Cache::builder().max_capacity(CAPACITY).time_to_live(ARTICLE_TTL).build(),
            slugs: Cache::builder().max_capacity(SLUG_CAPACITY).build(),
            lists: Cache::builder().max_capacity(CAPACITY).time_to_live(LIST_TTL).build(),
        }
    }
}

impl PublicCache {
    /// The cached article an `{article}` path segment (id or slug) names.
    pub fn article(&self, segment: &str) -> Option<Arc<Tagged>> {
        let id = match segment.parse::<i32>() {
            Ok(id) => id,
            Err(_) => self.slugs.get(segment)?,
        };
        self.articles.get(&id)
    }

    pub fn keep_article(&self, segment: &str, id: i32, response: Tagged) {
        if segment.parse::<i32>().is_err() {
            self.slugs.insert(segment.to_owned(), id);
        }
        self.articles.insert(id, Arc::new(response));
    }

    /// A list by its path and query.
    pub fn list(&self, key: &str) -> Option<Arc<Tagged>> {
        self.lists.get(key)
    }

    pub fn keep_list(&self, key: &str, response: Tagged) {
        self.lists.insert(key.to_owned(), Arc::new(response));
    }

    /// After an article changed here (edit, delete, vote).
    pub fn forget_article(&self, id: i32) {
        self.articles.invalidate(&id);
    }

    /// After a change that shows on many articles (a category, an author's name).
    pub fn forget_all(&self) {
        self.articles.invalidate_all();
        self.lists.invalidate_all();
    }
}

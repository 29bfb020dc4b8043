//! The category tree ("Home / Politics / Elections"), small enough to read
//! whole and shape in Rust: breadcrumbs, children, descendants, cycle checks.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::store::Conn;
use diesel::QueryResult;
use serde::Serialize;
use utoipa::ToSchema;

use super::db::{self, CategoryRow};
use crate::error::ApiError;

/// Every category, indexed for tree walks.
pub struct Tree {
    rows: HashMap<i32, CategoryRow>,
}

impl Tree {
    /// Reads the whole tree; writes read it in their own transaction.
    pub fn load(conn: &mut Conn) -> QueryResult<Self> {
        Ok(Self::from_rows(db::all(conn)?))
    }

    pub fn from_rows(rows: Vec<CategoryRow>) -> Self {
        Self { rows: rows.into_iter().map(|row| (row.id, row)).collect() }
    }

    /// Every category, in no order.
    pub fn rows(&self) -> impl Iterator<Item = &CategoryRow> {
        self.rows.values()
    }

    pub fn get(&self, id: i32) -> Option<&CategoryRow> {
        self.rows.get(&id)
    }

    pub fn by_slug(&self, slug: &str) -> Option<&CategoryRow> {
        self.rows.values().find(|row| row.slug == slug)
    }

    /// The breadcrumb from the top category down to `id` itself. A cycle
    /// (impossible through the API) stops the walk instead of looping.
    pub fn path(&self, id: i32) -> Vec<Crumb> {
        let mut path = Vec::new();
        let mut next = self.rows.get(&id);
        while let Some(row) = next {
            if path.len() >= self.rows.len() {
                break;
            }
            path.push(Crumb { slug: row.slug.clone(), name: row.name.clone() });
            next = row.parent_id.and_then(|parent| self.rows.get(&parent));
        }
        path.reverse();
        path
    }

    /// `id` and every category below it.
    pub fn with_descendants(&self, id: i32) -> Vec<i32> {
        let mut found = vec![id];
        let mut index = 0;
        while let Some(&current) = found.get(index) {
            let mut children: Vec<i32> =
                self.rows.values().filter(|row| row.parent_id == Some(current)).map(|row| row.id).collect();
            children.sort_unstable();
            found.extend(children.into_iter().filter(|child| !found.contains(child)).collect::<Vec<_>>());
            index += 1;
        }
        found
    }

    /// The categories right below `id`, by name.
    pub fn children(&self, id: i32) -> Vec<&CategoryRow> {
        let mut children: Vec<&CategoryRow> = self.rows.values().filter(|row| row.parent_id == Some(id)).collect();
        children.sort_by(|a, b| a.name.cmp(&b.name));
        children
    }

    /// The id of the parent a client named by slug (422 when unknown).
    pub fn parent_id(&self, slug: &str) -> Result<i32, ApiError> {
        self.by_slug(slug)
            .map(|parent| parent.id)
            .ok_or_else(|| ApiError::invalid_field("parent", "no category has this slug"))
    }

    /// 409 when a category other than `except` has `slug`.
    pub fn ensure_slug_free(&self, slug: &str, except: Option<i32>) -> Result<(), ApiError> {
        match self.by_slug(slug) {
            Some(other) if Some(other.id) != except => {
                Err(ApiError::conflict("slug_taken", "Another category has this slug."))
            }
            _ => Ok(()),
        }
    }

    /// The new parent of `id` when moved below the category `slug`: never
    /// `id` itself or one of its descendants, which would make a cycle.
    pub fn move_below(&self, id: i32, slug: &str) -> Result<i32, ApiError> {
        let parent = self.parent_id(slug)?;
        if self.with_descendants(id).contains(&parent) {
            return Err(ApiError::invalid_field("parent", "a category cannot move below itself"));
        }
        Ok(parent)
    }

    /// The category as articles show it.
    pub fn summary(&self, id: i32) -> Option<CategorySummary> {
        let row = self.rows.get(&id)?;
        Some(CategorySummary { id: row.id, slug: row.slug.clone(), name: row.name.clone(), path: self.path(id) })
    }
}

/// The tree as last read, shared by requests for a few seconds: every article
/// and list shows breadcrumbs, and reading all categories each time was most
/// of their cost. Category writes clear it at once, on every instance
/// ([`crate::cluster`]); [`TREE_TTL`] bounds how long a missed announcement
/// can show.
#[derive(Default)]
pub struct TreeCache {
    cached: Mutex<Option<(Instant, Arc<Tree>)>>,
}

/// How long a cached tree is trusted.
pub const TREE_TTL: Duration = Duration::from_secs(5);

impl TreeCache {
    pub fn tree(&self, conn: &mut Conn) -> QueryResult<Arc<Tree>> {
        let fresh = self
            .cached
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|(at, _)| at.elapsed() < TREE_TTL)
            .map(|(_, tree)| tree.clone());
        if let Some(tree) = fresh {
            return Ok(tree);
        }
        let tree = Arc::new(Tree::load(conn)?);
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), tree.clone()));
        Ok(tree)
    }

    pub fn invalidate(&self) {
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// One step of a breadcrumb.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Crumb {
    #[schema(example = "politics")]
    pub slug: String,
    #[schema(example = "Politics")]
    pub name: String,
}

/// A category as an article shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategorySummary {
    pub id: i32,
    #[schema(example = "elections")]
    pub slug: String,
    #[schema(example = "Elections")]
    pub name: String,
    /// Breadcrumb from the top category down to this one.
    pub path: Vec<Crumb>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time;

    fn row(id: i32, slug: &str, parent_id: Option<i32>) -> CategoryRow {
        let now = time::now();
        CategoryRow {
            id,
            slug: slug.into(),
            name: slug.to_uppercase(),
            description: None,
            parent_id,
            created_at: now,
            updated_at: now,
        }
    }

    fn tree() -> Tree {
        let rows = [row(1, "world", None), row(2, "africa", Some(1)), row(3, "libya", Some(2)), row(4, "sports", None)];
        Tree::from_rows(rows.into())
    }

    #[test]
    fn paths_run_from_the_top() {
        let path: Vec<String> = tree().path(3).into_iter().map(|crumb| crumb.slug).collect();
        assert_eq!(path, ["world", "africa", "libya"]);
    }

    #[test]
    fn descendants_include_the_category_itself() {
        assert_eq!(tree().with_descendants(1), vec![1, 2, 3]);
        assert_eq!(tree().with_descendants(4), vec![4]);
    }

    #[test]
    fn a_category_moves_anywhere_but_below_itself() {
        let tree = tree();
        assert_eq!(tree.move_below(3, "sports").unwrap(), 4);
        assert!(tree.move_below(1, "libya").is_err(), "below its grandchild");
        assert!(tree.move_below(2, "africa").is_err(), "below itself");
        assert!(tree.move_below(2, "nowhere").is_err());
        assert!(tree.ensure_slug_free("africa", Some(2)).is_ok(), "its own slug");
        assert!(tree.ensure_slug_free("africa", None).is_err());
    }

    #[test]
    fn a_cyclic_tree_does_not_loop() {
        let mut cyclic = tree();
        if let Some(world) = cyclic.rows.get_mut(&1) {
            world.parent_id = Some(3);
        }
        assert!(cyclic.path(3).len() <= 4);
    }
}

//! The rules of writing a category, in one place for the API, the demo
//! seeder and the WordPress importer: it is dated when made and when
//! changed, and any change to the tree makes every breadcrumb wrong.

use diesel::QueryResult;

use super::db::{self, CategoryChanges, Contents, NewCategory};
use super::tree::Tree;
use crate::effects::{Change, Effects};
use crate::store::Conn;
use crate::time;
use crate::webhooks::events::{Event, EventKind};

/// A new category, its fields already valid and its slug free.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub parent_id: Option<i32>,
}

/// Creates a category; returns its id.
#[tracing::instrument(level = "debug", skip_all)]
pub fn create(conn: &mut Conn, effects: &mut Effects, draft: Draft<'_>) -> QueryResult<i32> {
    let now = time::now();
    let new = NewCategory {
        slug: draft.slug,
        name: draft.name,
        description: draft.description,
        parent_id: draft.parent_id,
        created_at: now,
        updated_at: now,
    };
    let id = db::insert(conn, &new)?;
    effects.changed(Change::Everything);
    announce(conn, effects, EventKind::CategoryCreated, id)?;
    Ok(id)
}

/// Applies `changes` (a move already checked not to go below itself).
#[tracing::instrument(level = "debug", skip_all, fields(category = id))]
pub fn update(conn: &mut Conn, effects: &mut Effects, id: i32, changes: &CategoryChanges) -> QueryResult<()> {
    db::update(conn, id, changes)?;
    effects.changed(Change::Everything);
    announce(conn, effects, EventKind::CategoryUpdated, id)
}

/// Tells the webhooks of `kind` about the category `id` as articles show it.
fn announce(conn: &mut Conn, effects: &mut Effects, kind: EventKind, id: i32) -> QueryResult<()> {
    if let Some(category) = Tree::load(conn)?.summary(id) {
        effects.event(Event::of(kind, &category));
    }
    Ok(())
}

/// Deletes the category `id` if nothing hangs on it; otherwise what does.
#[tracing::instrument(level = "debug", skip_all, fields(category = id))]
pub fn delete(conn: &mut Conn, effects: &mut Effects, id: i32) -> QueryResult<Result<(), Contents>> {
    match db::contents(conn, id)? {
        Contents { children: 0, articles: 0 } => {
            let slug = Tree::load(conn)?.get(id).map(|category| category.slug.clone());
            db::delete(conn, id)?;
            effects.changed(Change::Everything);
            effects.event(Event::of(EventKind::CategoryDeleted, &serde_json::json!({"id": id, "slug": slug})));
            Ok(Ok(()))
        }
        contents => Ok(Err(contents)),
    }
}

//! Writes that keep the search index, the hot rank and saved articles' names
//! in step with the row.

use diesel::prelude::*;

use super::reads::indexed_text;
use super::rows::{ArticleBody, ArticleChanges, ArticleRow, NewArticle, with_tally};
use crate::articles::{rank, search, slug};
use crate::schema::{article_bodies, article_slugs, article_tags, article_tallies, articles, collection_items, tags};
use crate::store::{Conn, on_backend};
use crate::time;

/// Moves an article to a new slug; the old one keeps resolving.
#[tracing::instrument(level = "debug", skip_all)]
pub fn rename(conn: &mut Conn, id: i32, old_slug: &str) -> QueryResult<()> {
    let former = (article_slugs::slug.eq(old_slug), article_slugs::article_id.eq(id));
    on_backend!(conn, |conn| diesel::insert_into(article_slugs::table)
        .values(former)
        .on_conflict_do_nothing()
        .execute(conn))?;
    Ok(())
}

/// Replaces the tags of an article with `names` (created when new; slugs
/// made from the names, so "Libya" and "libya" are one tag).
#[tracing::instrument(level = "debug", skip_all)]
pub fn set_tags(conn: &mut Conn, article_id: i32, names: &[String]) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id))).execute(conn)?;
    for name in names {
        let tag_slug = slug::slugify(name);
        let tag = (tags::slug.eq(&tag_slug), tags::name.eq(name));
        on_backend!(conn, |conn| diesel::insert_into(tags::table)
            .values(tag)
            .on_conflict(tags::slug)
            .do_nothing()
            .execute(conn))?;
        let tag_id: i32 = tags::table.filter(tags::slug.eq(&tag_slug)).select(tags::id).first(conn)?;
        let link = (article_tags::article_id.eq(article_id), article_tags::tag_id.eq(tag_id));
        on_backend!(conn, |conn| diesel::insert_into(article_tags::table)
            .values(link)
            .on_conflict_do_nothing()
            .execute(conn))?;
    }
    Ok(())
}

/// Inserts an article with its body, indexes it and ranks it; returns its id.
#[tracing::instrument(level = "debug", skip_all)]
pub fn insert(conn: &mut Conn, new: &NewArticle<'_>, body: &ArticleBody) -> QueryResult<i32> {
    let id: i32 = diesel::insert_into(articles::table).values(new).returning(articles::id).get_result(conn)?;
    diesel::insert_into(article_tallies::table).values(article_tallies::article_id.eq(id)).execute(conn)?;
    diesel::insert_into(article_bodies::table)
        .values((
            article_bodies::article_id.eq(id),
            article_bodies::body.eq(&body.body),
            article_bodies::body_html.eq(&body.body_html),
        ))
        .execute(conn)?;
    search::index(conn, id, &search::IndexedText::new(new.title, new.excerpt, &body.body))?;
    rank::refresh_hot_rank(conn, id)?;
    Ok(id)
}

/// Inserts many articles at once, in multi-row statements, with their bodies
/// and search entries; returns their ids in order. Their hot ranks are left
/// to [`super::rank::refresh_all_hot_ranks`], once after the whole load.
#[tracing::instrument(level = "debug", skip_all, fields(articles = articles.len()))]
pub fn insert_many(conn: &mut Conn, articles: &[(NewArticle<'_>, &ArticleBody)]) -> QueryResult<Vec<i32>> {
    let rows: Vec<&NewArticle<'_>> = articles.iter().map(|(new, _)| new).collect();
    let ids: Vec<i32> = on_backend!(conn, |conn| diesel::insert_into(articles::table)
        .values(rows)
        .returning(articles::id)
        .get_results(conn))?;
    let bodies: Vec<_> = ids
        .iter()
        .zip(articles)
        .map(|(id, (_, body))| {
            (
                article_bodies::article_id.eq(*id),
                article_bodies::body.eq(&body.body),
                article_bodies::body_html.eq(&body.body_html),
            )
        })
        .collect();
    on_backend!(conn, |conn| diesel::insert_into(article_bodies::table).values(&bodies).execute(conn))?;
    let tallies: Vec<_> = ids.iter().map(|id| article_tallies::article_id.eq(*id)).collect();
    on_backend!(conn, |conn| diesel::insert_into(article_tallies::table).values(&tallies).execute(conn))?;
    for (id, (new, body)) in ids.iter().zip(articles) {
        search::index(conn, *id, &search::IndexedText::new(new.title, new.excerpt, &body.body))?;
    }
    Ok(ids)
}

/// Tags articles with existing tags, by id: `(article, tag)` pairs.
#[tracing::instrument(level = "debug", skip_all)]
pub fn link_tags(conn: &mut Conn, links: &[(i32, i32)]) -> QueryResult<()> {
    for chunk in links.chunks(10_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(article, tag)| (article_tags::article_id.eq(*article), article_tags::tag_id.eq(*tag)))
            .collect();
        on_backend!(conn, |conn| diesel::insert_into(article_tags::table).values(&rows).execute(conn))?;
    }
    Ok(())
}

/// Marks the going public of article `id` announced, unless another
/// instance already did: true when this call is the one that announces it.
pub fn claim_announcement(conn: &mut Conn, id: i32, now: chrono::NaiveDateTime) -> QueryResult<bool> {
    let claimed = diesel::update(articles::table.find(id).filter(articles::announced_at.is_null()))
        .set(articles::announced_at.eq(now))
        .execute(conn)?;
    Ok(claimed == 1)
}

/// Gives a just-inserted article the slug its id made possible, leaving
/// its times as they were written.
pub fn name_new(conn: &mut Conn, id: i32, slug: &str) -> QueryResult<()> {
    diesel::update(articles::table.find(id)).set(articles::slug.eq(slug)).execute(conn).map(drop)
}

/// Applies changes (and a new body) and keeps the search index in step.
#[tracing::instrument(level = "debug", skip_all)]
pub fn update(conn: &mut Conn, id: i32, changes: &ArticleChanges, new_body: Option<&ArticleBody>) -> QueryResult<()> {
    let (title, excerpt, body) = indexed_text(conn, id)?;
    let text_changes = changes.title.is_some() || changes.excerpt.is_some() || new_body.is_some();
    if text_changes {
        search::unindex(conn, id, &search::IndexedText::new(&title, &excerpt, &body))?;
    }
    diesel::update(articles::table.find(id)).set((changes, articles::updated_at.eq(time::now()))).execute(conn)?;
    if let Some(new_body) = new_body {
        diesel::update(article_bodies::table.find(id)).set(new_body).execute(conn)?;
    }
    if changes.status.is_some() || changes.published_at.is_some() {
        rank::refresh_hot_rank(conn, id)?;
    }
    if text_changes {
        let title = changes.title.as_deref().unwrap_or(&title);
        let excerpt = changes.excerpt.as_deref().unwrap_or(&excerpt);
        let body = new_body.map_or(body.as_str(), |new_body| &new_body.body);
        search::index(conn, id, &search::IndexedText::new(title, excerpt, body))?;
    }
    if changes.title.is_some() || changes.slug.is_some() || changes.status.is_some() || changes.published_at.is_some() {
        remember_public_names(conn, id)?;
    }
    Ok(())
}

/// Collections remember what a saved article was called while the public
/// could read it: after a write that leaves it public, its current title and
/// slug; after one that hides it, nothing changes, so that a later retitle
/// never shows in its owners' tombstones.
fn remember_public_names(conn: &mut Conn, id: i32) -> QueryResult<()> {
    let row = with_tally().filter(articles::id.eq(id)).select(ArticleRow::as_select()).first(conn)?;
    if row.is_public(time::now()) {
        diesel::update(collection_items::table.filter(collection_items::article_id.eq(id)))
            .set((collection_items::saved_title.eq(&row.title), collection_items::saved_slug.eq(&row.slug)))
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes an article for everyone: it leaves lists, search and look-ups.
#[tracing::instrument(level = "debug", skip_all)]
pub fn soft_delete(conn: &mut Conn, id: i32) -> QueryResult<()> {
    let (title, excerpt, body) = indexed_text(conn, id)?;
    search::unindex(conn, id, &search::IndexedText::new(&title, &excerpt, &body))?;
    let now = time::now();
    diesel::update(articles::table.find(id))
        .set((articles::deleted_at.eq(now), articles::updated_at.eq(now)))
        .execute(conn)?;
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(id))).execute(conn)?;
    Ok(())
}

//! Each table, generated and written in bulk transactions.

use std::collections::{HashMap, HashSet};

use crate::store::Conn;
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressState, ProgressStyle};
use rand::RngExt;
use rand::rngs::StdRng;

use super::content::{self, GeneratedArticle, generate};
use crate::articles::db::{self as articles_db, ArticleBody, ArticleStatus, NewArticle};
use crate::cli::CliResult;
use crate::collections::db::{Visibility, name_key};
use crate::schema::{article_tallies, article_votes, articles, categories, collection_items, collections, tags, users};
use crate::store::{self, on_backend};
use crate::users::Role;

/// Items per collection; the number of collections follows from the total.
pub(super) const ITEMS_PER_COLLECTION: usize = 10;

/// One bulk transaction, then a checkpoint. Serving connections leave
/// checkpoints to a timer, which a command does not run: without this the
/// WAL grew to the size of the whole database (13 GB at scale 10), and every
/// page read searched its index, so that seeding slowed down as it went.
pub(super) fn bulk_write<T>(conn: &mut Conn, work: impl FnMut(&mut Conn) -> QueryResult<T>) -> QueryResult<T> {
    let written = store::write_on(conn, work)?;
    store::checkpoint(conn)?;
    Ok(written)
}

pub(crate) fn bar(length: usize, phase: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(length).unwrap_or(u64::MAX));
    // indicatif's own {per_sec} prints four decimals ("5,957.2548/s").
    let rate = |state: &ProgressState, out: &mut dyn std::fmt::Write| {
        let _ = write!(out, "{:.0}/s", state.per_sec());
    };
    if let Ok(style) = ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} {rate} eta {eta}") {
        bar.set_style(style.with_key("rate", rate).progress_chars("=> "));
    }
    bar.set_message(phase);
    bar
}

pub(super) fn seed_users(
    conn: &mut Conn,
    count: usize,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<i32>> {
    let progress = bar(count, "users");
    let mut ids = Vec::with_capacity(count);
    for chunk in (0..count).collect::<Vec<_>>().chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|i| {
                let role = match i {
                    0..10 => Role::Editor,
                    10..100 => Role::Author,
                    _ => Role::Reader,
                };
                let email = format!("bench-{i}@example.com");
                (
                    users::email.eq(email.clone()),
                    users::email_key.eq(email),
                    users::display_name.eq(format!("Reader {i}")),
                    users::password_hash.eq(password_hash.to_owned()),
                    users::role.eq(role),
                    users::created_at.eq(now),
                    users::updated_at.eq(now),
                )
            })
            .collect();
        let inserted: Vec<i32> = bulk_write(&mut *conn, |conn| {
            on_backend!(conn, |conn| diesel::insert_into(users::table)
                .values(&rows)
                .returning(users::id)
                .get_results(conn))
        })?;
        ids.extend(inserted);
        progress.inc(chunk.len() as u64);
    }
    progress.finish();
    Ok(ids)
}

/// A tree three levels deep: a tenth at the top, the rest below.
pub(super) fn seed_categories(conn: &mut Conn, count: usize, now: NaiveDateTime) -> QueryResult<Vec<i32>> {
    let progress = bar(count, "categories");
    let mut ids: Vec<i32> = Vec::with_capacity(count);
    bulk_write(&mut *conn, |conn| {
        for i in 0..count {
            let parent = match i {
                _ if i < count.div_ceil(10) => None,
                _ => ids.get((i * 7919) % (i / 3).max(1)).copied(),
            };
            let id: i32 = diesel::insert_into(categories::table)
                .values((
                    categories::slug.eq(format!("category-{i}")),
                    categories::name.eq(format!("Category {i}")),
                    categories::parent_id.eq(parent),
                    categories::created_at.eq(now),
                    categories::updated_at.eq(now),
                ))
                .returning(categories::id)
                .get_result(conn)?;
            ids.push(id);
            progress.inc(1);
        }
        QueryResult::Ok(())
    })?;
    progress.finish();
    Ok(ids)
}

pub(super) fn seed_tags(conn: &mut Conn, count: usize) -> QueryResult<Vec<i32>> {
    let progress = bar(count, "tags");
    let rows: Vec<_> =
        (0..count).map(|i| (tags::slug.eq(format!("tag-{i}")), tags::name.eq(format!("Tag {i}")))).collect();
    let mut ids = Vec::with_capacity(count);
    for chunk in rows.chunks(5000) {
        let inserted: Vec<i32> = bulk_write(&mut *conn, |conn| {
            on_backend!(conn, |conn| diesel::insert_into(tags::table)
                .values(chunk)
                .returning(tags::id)
                .get_results(conn))
        })?;
        ids.extend(inserted);
        progress.inc(chunk.len() as u64);
    }
    progress.finish();
    Ok(ids)
}

pub(super) fn seed_articles(
    conn: &mut Conn,
    rng: &mut StdRng,
    count: usize,
    category_ids: &[i32],
    tag_ids: &[i32],
    writers: &[i32],
    now: NaiveDateTime,
) -> CliResult<Vec<i32>> {
    const BATCH: usize = 2000;
    let progress = bar(count, "articles");
    let mut ids = Vec::with_capacity(count);
    let mut start = 0;
    while start < count {
        let end = (start + BATCH).min(count);
        let mut batch: Vec<GeneratedArticle> =
            (start..end).map(|i| generate(rng, (i, count), category_ids, tag_ids, writers, now)).collect();
        let texts = content::render(batch.iter_mut().map(|article| std::mem::take(&mut article.markdown)).collect())?;
        let inserted = bulk_write(&mut *conn, |conn| {
            let rows: Vec<(NewArticle<'_>, &ArticleBody)> = batch
                .iter()
                .zip(&texts)
                .map(|(article, text)| {
                    let new = NewArticle {
                        slug: &article.slug,
                        title: &article.title,
                        excerpt: &text.excerpt,
                        status: ArticleStatus::Published,
                        published_at: Some(article.published_at),
                        category_id: Some(article.category_id),
                        author_id: Some(article.author_id),
                        cover_image_url: None,
                        cover_image_id: None,
                        reading_time_minutes: text.reading_time_minutes,
                        created_at: article.published_at,
                        updated_at: article.published_at,
                        submitted_at: None,
                        announced_at: Some(article.published_at),
                    };
                    (new, &text.body)
                })
                .collect();
            let inserted = articles_db::insert_many(conn, &rows)?;
            let links: Vec<(i32, i32)> = inserted
                .iter()
                .zip(&batch)
                .flat_map(|(id, article)| article.tag_ids.iter().map(|tag| (*id, *tag)))
                .collect();
            articles_db::link_tags(conn, &links)?;
            QueryResult::Ok(inserted)
        })?;
        ids.extend(inserted);
        progress.inc((end - start) as u64);
        start = end;
    }
    progress.finish();
    Ok(ids)
}

pub(super) fn seed_votes(
    conn: &mut Conn,
    rng: &mut StdRng,
    count: usize,
    user_ids: &[i32],
    article_ids: &[i32],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let progress = bar(count, "votes");
    let per_user = count.div_ceil(user_ids.len().max(1)).min(article_ids.len());
    let mut tallies: HashMap<i32, (i32, i32)> = HashMap::new();
    let mut written = 0;
    for users in user_ids.chunks(50) {
        let mut rows = Vec::with_capacity(users.len() * per_user);
        for user in users {
            let mut seen = HashSet::with_capacity(per_user);
            while seen.len() < per_user && written + rows.len() < count {
                // Skewed towards recent (high) ids, as readers favour fresh news.
                let pick =
                    article_ids.len() - 1 - (rng.random_range(0.0..1.0f64).powi(3) * article_ids.len() as f64) as usize;
                let Some(&article) = article_ids.get(pick.min(article_ids.len() - 1)) else { break };
                if !seen.insert(article) {
                    continue;
                }
                let value = if rng.random_bool(0.8) { 1 } else { -1 };
                let tally = tallies.entry(article).or_default();
                if value == 1 {
                    tally.0 += 1
                } else {
                    tally.1 += 1
                }
                rows.push((
                    article_votes::user_id.eq(*user),
                    article_votes::article_id.eq(article),
                    article_votes::value.eq(value),
                    article_votes::created_at.eq(now),
                    article_votes::updated_at.eq(now),
                ));
            }
        }
        bulk_write(&mut *conn, |conn| {
            for chunk in rows.chunks(6000) {
                on_backend!(conn, |conn| diesel::insert_into(article_votes::table).values(chunk).execute(conn))?;
            }
            QueryResult::Ok(())
        })?;
        written += rows.len();
        progress.inc(rows.len() as u64);
    }
    progress.finish();
    let tallying = bar(tallies.len(), "tallies");
    let tallies: Vec<(i32, (i32, i32))> = tallies.into_iter().collect();
    for chunk in tallies.chunks(5000) {
        bulk_write(&mut *conn, |conn| {
            for (article, (up, down)) in chunk {
                diesel::update(article_tallies::table.find(article))
                    .set((
                        article_tallies::votes_up.eq(up),
                        article_tallies::votes_down.eq(down),
                        article_tallies::score.eq(up - down),
                    ))
                    .execute(conn)?;
            }
            QueryResult::Ok(())
        })?;
        tallying.inc(chunk.len() as u64);
    }
    tallying.finish();
    Ok(written)
}

pub(super) fn seed_collections(
    conn: &mut Conn,
    rng: &mut StdRng,
    items: usize,
    user_ids: &[i32],
    article_ids: &[i32],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let count = items / ITEMS_PER_COLLECTION;
    let progress = bar(items, "collections");
    let mut written = 0;
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        bulk_write(&mut *conn, |conn| {
            for i in chunk {
                let owner = user_ids.get(rng.random_range(0..user_ids.len().max(1))).copied().unwrap_or(0);
                let name = format!("List {i}");
                let visibility = if i % 3 == 0 { Visibility::Public } else { Visibility::Private };
                let id: i32 = diesel::insert_into(collections::table)
                    .values((
                        collections::owner_id.eq(owner),
                        collections::name_key.eq(name_key(&name)),
                        collections::name.eq(name),
                        collections::visibility.eq(visibility),
                        collections::article_count.eq(ITEMS_PER_COLLECTION as i32),
                        collections::created_at.eq(now),
                        collections::updated_at.eq(now),
                    ))
                    .returning(collections::id)
                    .get_result(conn)?;
                let mut chosen = HashSet::new();
                while chosen.len() < ITEMS_PER_COLLECTION.min(article_ids.len()) {
                    if let Some(article) = article_ids.get(rng.random_range(0..article_ids.len())) {
                        chosen.insert(*article);
                    }
                }
                let rows: Vec<_> = chosen
                    .into_iter()
                    .enumerate()
                    .map(|(offset, article)| {
                        (
                            collection_items::collection_id.eq(id),
                            collection_items::article_id.eq(article),
                            collection_items::added_at.eq(now - Duration::minutes(offset as i64)),
                        )
                    })
                    .collect();
                written +=
                    on_backend!(conn, |conn| diesel::insert_into(collection_items::table).values(&rows).execute(conn))?;
            }
            QueryResult::Ok(())
        })?;
        progress.inc((chunk.len() * ITEMS_PER_COLLECTION) as u64);
    }
    // What each saved article was called when saved: all are public here.
    let saved = articles::table.filter(articles::id.eq(collection_items::article_id));
    diesel::update(collection_items::table)
        .set((
            collection_items::saved_title.eq(saved.select(articles::title).single_value().assume_not_null()),
            collection_items::saved_slug.eq(saved.select(articles::slug).single_value().assume_not_null()),
        ))
        .execute(conn)?;
    progress.finish();
    Ok(written)
}

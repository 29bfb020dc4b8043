//! `newsroom copy-database --from … --to …`: moves a site between SQLite and
//! PostgreSQL (either way) into an empty target database.
//!
//! Both databases are first brought to the current schema. The source is
//! read in one snapshot, so a site that keeps serving during the copy is
//! copied as it was at one moment, and the target is written in one
//! transaction, so a failed copy leaves it empty. Every table is copied with
//! its ids in keyset batches; then the id sequences are set to continue
//! where the source's left off (never below a deleted id), and the search
//! index, whose form differs between the backends, is rebuilt from the
//! copied text; the planner's statistics are refreshed at the end, as after
//! any bulk load. Password hashes, sessions and reset links are rows like any
//! other, so users sign in with the same passwords and stay signed in.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use indicatif::ProgressBar;

use crate::articles::search;
use crate::cli::CliResult;
use crate::config::ConfigError;
use crate::schema::{article_bodies, articles};
use crate::seed_bench::bar;
use crate::store::{self, Conn, Database, SetupError, on_backend};

/// Rows read and written per statement: under both backends' bind limits
/// for the widest table (articles, 16 columns).
const BATCH: i64 = 1000;

/// Tables with an id sequence (AUTOINCREMENT on SQLite, identity on PostgreSQL).
const SEQUENCED: [&str; 10] = [
    "users",
    "media",
    "refresh_tokens",
    "categories",
    "articles",
    "tags",
    "collections",
    "article_revisions",
    "webhooks",
    "deliveries",
];

/// Rows copied per table, in copy order.
#[derive(Debug, Default)]
pub struct CopyReport {
    pub tables: Vec<(&'static str, usize)>,
}

/// Copies one table in keyset batches: `key` are its primary key columns
/// (with the value below every real one, to start from), `columns` the rest.
macro_rules! copy_table {
    ($table:ident, key: [$($k:ident: $kt:ty = $start:expr),+], columns: [$($c:ident: $ct:ty),* $(,)?]) => {
        (stringify!($table), (|from: &mut Conn, to: &mut Conn, progress: &ProgressBar| -> QueryResult<usize> {
            use crate::schema::$table;
            let mut last: ($($kt,)+) = ($($start,)+);
            let mut copied = 0;
            loop {
                let rows: Vec<($($kt,)+ $($ct,)*)> = $table::table
                    .filter(copy_table!(@after $table, last, [$($k),+]))
                    .order(($($table::$k,)+))
                    .limit(BATCH)
                    .select(($($table::$k,)+ $($table::$c,)*))
                    .load(from)?;
                let Some(tail) = rows.last() else { return Ok(copied) };
                let ($($k,)+ ..) = tail.clone();
                last = ($($k,)+);
                let count = rows.len();
                let values: Vec<_> = rows
                    .into_iter()
                    .map(|($($k,)+ $($c,)*)| ($($table::$k.eq($k),)+ $($table::$c.eq($c),)*))
                    .collect();
                on_backend!(to, |to| diesel::insert_into($table::table).values(values).execute(to))?;
                copied += count;
                progress.inc(count as u64);
            }
        }) as CopyFn)
    };
    (@after $table:ident, $last:ident, [$k:ident]) => {
        $table::$k.gt($last.0.clone())
    };
    (@after $table:ident, $last:ident, [$k1:ident, $k2:ident]) => {
        $table::$k1.gt($last.0.clone()).or($table::$k1.eq($last.0.clone()).and($table::$k2.gt($last.1.clone())))
    };
}

type CopyFn = fn(&mut Conn, &mut Conn, &ProgressBar) -> QueryResult<usize>;

/// Every table, parents before children.
fn tables() -> Vec<(&'static str, CopyFn)> {
    type Time = NaiveDateTime;
    vec![
        copy_table!(users, key: [id: i32 = 0], columns: [
            email: String, email_key: String, display_name: String, bio: Option<String>, password_hash: String,
            role: String, disabled: bool, token_version: i32, created_at: Time, updated_at: Time,
        ]),
        // The files stay where they are: the target serves them from the same
        // media store.
        copy_table!(media, key: [id: i32 = 0], columns: [
            content_hash: String, file_key: String, content_type: String, width: i32, height: i32, bytes: i64,
            variants: String, alt: Option<String>, caption: Option<String>, credit: Option<String>,
            uploaded_by: Option<i32>, created_at: Time, updated_at: Time,
        ]),
        // Parents are linked once every category exists (`link_categories`):
        // a category may have been moved below a newer one.
        copy_table!(categories, key: [id: i32 = 0], columns: [
            slug: String, name: String, description: Option<String>, created_at: Time, updated_at: Time,
        ]),
        copy_table!(tags, key: [id: i32 = 0], columns: [slug: String, name: String]),
        copy_table!(articles, key: [id: i32 = 0], columns: [
            slug: String, title: String, excerpt: String, status: String, published_at: Option<Time>,
            category_id: Option<i32>, author_id: Option<i32>, cover_image_url: Option<String>,
            reading_time_minutes: i32, created_at: Time, updated_at: Time, deleted_at: Option<Time>, submitted_at: Option<Time>,
            announced_at: Option<Time>, cover_image_id: Option<i32>,
        ]),
        copy_table!(article_tallies, key: [article_id: i32 = 0], columns: [
            votes_up: i32, votes_down: i32, score: i32, hot_rank: f64,
        ]),
        copy_table!(article_bodies, key: [article_id: i32 = 0], columns: [body: String, body_html: String]),
        copy_table!(article_slugs, key: [slug: String = String::new()], columns: [article_id: i32]),
        copy_table!(article_revisions, key: [id: i32 = 0], columns: [
            article_id: i32, editor_id: Option<i32>, created_at: Time, summary_of_change: String, title: String,
            excerpt: String, body: String, slug: String, category_id: Option<i32>, tags: String,
            cover_image_url: Option<String>,
        ]),
        copy_table!(article_tags, key: [article_id: i32 = 0, tag_id: i32 = 0], columns: []),
        copy_table!(article_votes, key: [user_id: i32 = 0, article_id: i32 = 0], columns: [
            value: i32, created_at: Time, updated_at: Time,
        ]),
        copy_table!(pages, key: [slug: String = String::new()], columns: [
            title: String, body: String, body_html: String, created_at: Time, updated_at: Time,
        ]),
        copy_table!(collections, key: [id: i32 = 0], columns: [
            owner_id: i32, name: String, name_key: String, description: Option<String>, visibility: String,
            article_count: i32, created_at: Time, updated_at: Time,
        ]),
        copy_table!(collection_items, key: [collection_id: i32 = 0, article_id: i32 = 0], columns: [
            added_at: Time, saved_title: String, saved_slug: String,
        ]),
        copy_table!(refresh_tokens, key: [id: i32 = 0], columns: [
            user_id: i32, family_id: String, token_hash: Vec<u8>, created_at: Time, expires_at: Time,
            used_at: Option<Time>, revoked_at: Option<Time>,
        ]),
        copy_table!(password_resets, key: [token_hash: Vec<u8> = Vec::new()], columns: [
            user_id: i32, created_at: Time, expires_at: Time,
        ]),
        copy_table!(attempt_limits, key: [limit_name: String = String::new(), subject: String = String::new()], columns: [
            tat_ms: i64,
        ]),
        copy_table!(job_runs, key: [name: String = String::new()], columns: [started_at_ms: i64]),
        copy_table!(webhooks, key: [id: i32 = 0], columns: [
            url: String, events: String, description: Option<String>, secret: String, enabled: bool,
            failing_since: Option<Time>, created_at: Time, updated_at: Time,
        ]),
        // Mail still waiting is sealed under the JWT secret: the target
        // sends it only if it is served with the same one.
        copy_table!(deliveries, key: [id: i32 = 0], columns: [
            kind: String, webhook_id: Option<i32>, event: String, message_id: String, payload: String,
            status: String, attempts: i32, next_attempt_at: Time, claimed_until: Option<Time>,
            last_status_code: Option<i32>, last_error: Option<String>, created_at: Time, finished_at: Option<Time>,
        ]),
        copy_table!(idempotency_keys, key: [caller: String = String::new(), idempotency_key: String = String::new()], columns: [
            request_hash: Vec<u8>, response_status: Option<i32>, response_headers: Option<String>,
            response_body: Option<Vec<u8>>, created_at: Time,
        ]),
        copy_table!(wordpress_imports, key: [kind: String = String::new(), wordpress_id: String = String::new()], columns: [
            target: String, fingerprint: String,
        ]),
    ]
}

/// Tables newsroom's migrations make that are not copied: the search index,
/// whose form differs by backend (with FTS5's own `articles_fts_*` tables),
/// and the record of applied migrations.
const UNCOPIED: [&str; 3] = ["__diesel_schema_migrations", "articles_fts", "articles_search"];

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The tables and views of the target's schema that newsroom does not make:
/// another application's, which a copy must not write beside.
fn foreign_tables(conn: &mut Conn, copied: &[(&'static str, CopyFn)]) -> QueryResult<Vec<String>> {
    let listing = match conn {
        Conn::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'articles\\_fts\\_%' ESCAPE '\\'"
        }
        Conn::Postgres(_) => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let names: Vec<TableName> = diesel::sql_query(listing).load(conn)?;
    let ours = |name: &str| UNCOPIED.contains(&name) || copied.iter().any(|(table, _)| *table == name);
    let mut foreign: Vec<String> = names.into_iter().map(|table| table.name).filter(|name| !ours(name)).collect();
    foreign.sort();
    Ok(foreign)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// Rows in `table` (one of [`tables`], never client input).
fn count_rows(conn: &mut Conn, table: &str) -> QueryResult<usize> {
    let count = diesel::sql_query(format!("SELECT count(*) AS count FROM {table}")).get_result::<Count>(conn)?.count;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// The database `flag` names, opened: a failure names the flag, not
/// `NEWSROOM_DATABASE_URL`, which the copy does not read.
fn open(database: &Database, flag: &'static str) -> CliResult<store::DbPool> {
    store::connect(database, 1, store::COMMAND_TIMEOUT).map_err(|error| match error {
        SetupError::Open(reason) => ConfigError::new(flag, format!("cannot open the database: {reason}")).into(),
        SetupError::Folder(folder, e) => {
            ConfigError::new(flag, format!("cannot create the database folder {folder}: {e}")).into()
        }
        other => other.into(),
    })
}

/// Copies every table of `from` into `to`, which must hold no rows.
pub fn copy_database(from: &Database, to: &Database, show_progress: bool) -> CliResult<CopyReport> {
    // Opening a SQLite path creates the file: a mistyped source would be
    // copied as an empty site.
    if let Database::Sqlite(path) = from
        && !path.exists()
    {
        return Err(format!("--from: there is no SQLite database at {}", path.display()).into());
    }
    let source = open(from, "--from")?;
    let target = open(to, "--to")?;
    let tables = tables();
    let foreign = foreign_tables(&mut *target.get()?, &tables)?;
    if !foreign.is_empty() {
        return Err(format!(
            "the target database holds tables newsroom does not make ({}); copy into an empty database",
            foreign.join(", ")
        )
        .into());
    }
    store::migrate(&source)?;
    store::migrate(&target)?;
    let (mut from, mut to) = (source.get()?, target.get()?);
    for (name, _) in &tables {
        let rows = count_rows(&mut to, name)?;
        if rows > 0 {
            return Err(
                format!("the target database is not empty ({name} has {rows} rows); copy into an empty one").into()
            );
        }
    }
    read_snapshot(&mut from, |from| {
        let total = tables.iter().map(|(name, _)| count_rows(from, name)).sum::<QueryResult<usize>>()?;
        let progress = if show_progress { bar(total, "copying") } else { ProgressBar::hidden() };
        let report = store::write_on(&mut to, |to| {
            let mut report = CopyReport::default();
            for (name, copy) in &tables {
                progress.set_message(*name);
                report.tables.push((*name, copy(from, to, &progress)?));
            }
            link_categories(from, to)?;
            for table in SEQUENCED {
                continue_sequence(to, table, last_id(from, table)?)?;
            }
            progress.set_message("search index");
            rebuild_search_index(to)?;
            Ok::<_, diesel::result::Error>(report)
        })?;
        progress.set_message("statistics");
        store::settle_after_bulk_load(&mut to)?;
        progress.finish_and_clear();
        Ok(report)
    })
}

/// What differs between `from` and `to` after a copy: row counts per table,
/// and vote tallies in `to` that its votes do not add up to (`newsroom check`).
pub fn check_copy(from: &Database, to: &Database) -> CliResult<Vec<String>> {
    let (mut from, mut to) = (from.establish()?, to.establish()?);
    let mut differences = Vec::new();
    for (name, _) in tables() {
        let (source, target) = (count_rows(&mut from, name)?, count_rows(&mut to, name)?);
        if source != target {
            differences.push(format!("{name}: {source} rows in the source, {target} in the target"));
        }
    }
    for mismatch in crate::votes::db::check_tallies(&mut to)? {
        differences.push(format!(
            "article {}: tally {:?}, votes {:?}",
            mismatch.article_id, mismatch.stored, mismatch.counted
        ));
    }
    Ok(differences)
}

/// Runs `read` in one read-only snapshot of `conn`.
fn read_snapshot<T>(conn: &mut Conn, read: impl FnOnce(&mut Conn) -> CliResult<T>) -> CliResult<T> {
    let begin = match conn {
        Conn::Sqlite(_) => "BEGIN DEFERRED",
        Conn::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    };
    conn.batch_execute(begin)?;
    let outcome = read(conn);
    conn.batch_execute("COMMIT")?;
    outcome
}

fn link_categories(from: &mut Conn, to: &mut Conn) -> QueryResult<()> {
    use crate::schema::categories;
    let links: Vec<(i32, Option<i32>)> = categories::table
        .filter(categories::parent_id.is_not_null())
        .select((categories::id, categories::parent_id))
        .load(from)?;
    for (id, parent) in links {
        diesel::update(categories::table.find(id)).set(categories::parent_id.eq(parent)).execute(to)?;
    }
    Ok(())
}

/// The highest id `table` has handed out, deleted rows included.
fn last_id(conn: &mut Conn, table: &str) -> QueryResult<i64> {
    let last = match conn {
        Conn::Sqlite(conn) => {
            diesel::sql_query("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0) AS count")
                .bind::<Text, _>(table)
                .get_result::<Count>(conn)?
        }
        Conn::Postgres(conn) => diesel::sql_query(
            "SELECT COALESCE((SELECT last_value FROM pg_sequences \
             WHERE format('%I.%I', schemaname, sequencename) = pg_get_serial_sequence($1, 'id')), 0) AS count",
        )
        .bind::<Text, _>(table)
        .get_result::<Count>(conn)?,
    };
    Ok(last.count)
}

/// Makes the next id of `table` follow `last` (or the highest copied id).
fn continue_sequence(conn: &mut Conn, table: &str, last: i64) -> QueryResult<()> {
    let highest = diesel::sql_query(format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS count FROM {table}"))
        .get_result::<Count>(conn)?
        .count;
    let last = last.max(highest);
    if last == 0 {
        return Ok(());
    }
    match conn {
        Conn::Sqlite(conn) => {
            let updated = diesel::sql_query("UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1")
                .bind::<Text, _>(table)
                .bind::<BigInt, _>(last)
                .execute(conn)?;
            if updated == 0 {
                diesel::sql_query("INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)")
                    .bind::<Text, _>(table)
                    .bind::<BigInt, _>(last)
                    .execute(conn)?;
            }
        }
        Conn::Postgres(conn) => {
            diesel::sql_query("SELECT setval(pg_get_serial_sequence($1, 'id'), $2) AS count")
                .bind::<Text, _>(table)
                .bind::<BigInt, _>(last)
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Indexes every article that is not deleted, as writing it would have.
fn rebuild_search_index(conn: &mut Conn) -> QueryResult<()> {
    let mut after = 0;
    loop {
        let batch: Vec<(i32, String, String, String)> = articles::table
            .inner_join(article_bodies::table)
            .filter(articles::deleted_at.is_null())
            .filter(articles::id.gt(after))
            .order(articles::id)
            .limit(BATCH)
            .select((articles::id, articles::title, articles::excerpt, article_bodies::body))
            .load(conn)?;
        let Some(&(last, ..)) = batch.last() else { return Ok(()) };
        for (id, title, excerpt, body) in &batch {
            search::index(conn, *id, &search::IndexedText::new(title, excerpt, body))?;
        }
        after = last;
    }
}

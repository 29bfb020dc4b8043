//! Full-text search, natively on each backend: SQLite's FTS5 table
//! `articles_fts`, PostgreSQL's `articles_search` tsvector with a GIN index.
//!
//! Both are written here, in the caller's transaction, from text normalised
//! in Rust so that Arabic matches with or without diacritics; both answer
//! "every word" queries built from the same terms, and neither ever reads a
//! reader's input as query syntax. Relevance ranks the most recently written
//! matches only, on both.

use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Integer, Text, Timestamp};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::store::{Backend, Conn, on_backend};

diesel::table! {
    /// The FTS5 table (SQLite). `whole_table` is its hidden column named like
    /// the table (the left side of MATCH, and of commands such as 'delete').
    articles_fts (rowid) {
        rowid -> Integer,
        #[sql_name = "articles_fts"]
        whole_table -> Text,
        title -> Text,
        excerpt -> Text,
        body -> Text,
    }
}

/// Longest search text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many terms are searched; the rest are ignored.
const MAX_TERMS: usize = 16;

/// Lowercase-insensitive Arabic normalisation used for indexing and querying:
/// removes harakat, Quranic marks and tatweel; unifies alef forms (أ إ آ ٱ → ا),
/// alef maqsura with yeh (ى → ي) and teh marbuta with heh (ة → ه), as Lucene's
/// Arabic normaliser does. Other scripts pass unchanged (unicode61 folds Latin
/// accents itself; [`fold`] does it for PostgreSQL).
pub fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}'))
        .map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            c => c,
        })
        .collect()
}

/// What FTS5's `remove_diacritics` does and PostgreSQL's `simple`
/// configuration does not: accents come off (é → e), compatibility forms
/// become plain ones.
fn fold(text: &str) -> String {
    text.nfkd().filter(|c| !is_combining_mark(*c)).collect()
}

/// What a reader searches for: the words they typed, normalised; every one
/// must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    terms: Vec<String>,
}

impl Query {
    /// The words of `input`, at most 16. Control characters separate words
    /// too: FTS5 reads a query only up to a NUL, which would cut a quoted
    /// term in two. `None` when nothing searchable is left.
    pub fn parse(input: &str) -> Option<Self> {
        let terms: Vec<String> = normalize(input)
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|term| term.chars().any(char::is_alphanumeric))
            .take(MAX_TERMS)
            .map(str::to_owned)
            .collect();
        (!terms.is_empty()).then_some(Self { terms })
    }

    /// An FTS5 query: each word quoted (so `"`, `*`, `NEAR`, `OR`,
    /// parentheses and column filters are plain text), all required.
    fn fts5(&self) -> String {
        self.terms.iter().map(|term| format!("\"{}\"", term.replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
    }

    /// Text for `plainto_tsquery`, which reads words only and requires them all.
    fn words(&self) -> String {
        fold(&self.terms.join(" "))
    }
}

/// A filter on `articles.id` for the articles matching `query`, for the
/// backend `conn` holds, in any query that reads `articles`.
pub fn matching<QS>(conn: &Conn, query: &Query) -> Box<dyn BoxableExpression<QS, Backend, SqlType = Bool>> {
    match conn {
        Conn::Sqlite(_) => Box::new(
            sql::<Bool>("articles.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ")
                .bind::<Text, _>(query.fts5())
                .sql(")"),
        ),
        Conn::Postgres(_) => Box::new(
            sql::<Bool>(
                "articles.id IN (SELECT article_id FROM articles_search \
                 WHERE document @@ plainto_tsquery('simple', ",
            )
            .bind::<Text, _>(query.words())
            .sql("))"),
        ),
    }
}

#[derive(QueryableByName)]
struct Ranked {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Double)]
    rank: f64,
}

/// Which articles a ranking may return: not deleted, with `status`,
/// published by `due_by` or after `ahead_of` and written by `author` when
/// those are given.
/// Applied before the cap, so that articles the caller may not see (an
/// author's thousand drafts) cannot push those they may out of it.
#[derive(Debug, Clone, Copy)]
pub struct Eligible<'a> {
    pub status: &'a str,
    pub due_by: Option<NaiveDateTime>,
    pub ahead_of: Option<NaiveDateTime>,
    pub author: Option<i32>,
}

/// The `limit` most recently written eligible matches with their rank, lower
/// is better: FTS5's bm25, or PostgreSQL's `ts_rank_cd` negated. Ranking
/// every match of a common word would cost a scan of most of the index per
/// request; both indexes hand out matches newest first (FTS5 walks its
/// doclists in rowid order), each checked against the article's row.
#[tracing::instrument(level = "debug", skip_all)]
pub fn ranked(conn: &mut Conn, query: &Query, eligible: Eligible<'_>, limit: i64) -> QueryResult<Vec<(i32, f64)>> {
    let postgres = matches!(conn, Conn::Postgres(_));
    let mut placeholders = 0;
    let mut next = || {
        placeholders += 1;
        if postgres { format!("${placeholders}") } else { "?".to_owned() }
    };
    let mut sql = if postgres {
        format!(
            "SELECT article_id AS id, -ts_rank_cd(document, query)::float8 AS rank \
             FROM articles_search JOIN articles ON articles.id = article_id, plainto_tsquery('simple', {}) AS query \
             WHERE document @@ query",
            next()
        )
    } else {
        format!(
            "SELECT articles_fts.rowid AS id, articles_fts.rank AS rank \
             FROM articles_fts JOIN articles ON articles.id = articles_fts.rowid \
             WHERE articles_fts MATCH {}",
            next()
        )
    };
    sql.push_str(&format!(" AND articles.deleted_at IS NULL AND articles.status = {}", next()));
    if eligible.due_by.is_some() {
        sql.push_str(&format!(" AND articles.published_at <= {}", next()));
    }
    if eligible.ahead_of.is_some() {
        sql.push_str(&format!(" AND articles.published_at > {}", next()));
    }
    if eligible.author.is_some() {
        sql.push_str(&format!(" AND articles.author_id = {}", next()));
    }
    // Each index's own id column, which it can hand out in order.
    let newest_first = if postgres { "article_id DESC" } else { "articles_fts.rowid DESC" };
    sql.push_str(&format!(" ORDER BY {newest_first} LIMIT {}", next()));
    let terms = if postgres { query.words() } else { query.fts5() };
    let ranked: Vec<Ranked> = on_backend!(conn, |conn| {
        let mut statement =
            diesel::sql_query(&sql).into_boxed().bind::<Text, _>(terms).bind::<Text, _>(eligible.status);
        if let Some(due_by) = eligible.due_by {
            statement = statement.bind::<Timestamp, _>(due_by);
        }
        if let Some(ahead_of) = eligible.ahead_of {
            statement = statement.bind::<Timestamp, _>(ahead_of);
        }
        if let Some(author) = eligible.author {
            statement = statement.bind::<Integer, _>(author);
        }
        statement.bind::<BigInt, _>(limit).load(conn)?
    });
    Ok(ranked.into_iter().map(|row| (row.id, row.rank)).collect())
}

/// The text of an article as the index holds it.
pub struct IndexedText {
    pub title: String,
    pub excerpt: String,
    pub body: String,
}

impl IndexedText {
    pub fn new(title: &str, excerpt: &str, body: &str) -> Self {
        Self { title: normalize(title), excerpt: normalize(excerpt), body: normalize(body) }
    }
}

/// The indexed columns of an article's FTS5 row, as inserted.
type Columns<'a> = (
    diesel::dsl::Eq<articles_fts::rowid, i32>,
    diesel::dsl::Eq<articles_fts::title, &'a str>,
    diesel::dsl::Eq<articles_fts::excerpt, &'a str>,
    diesel::dsl::Eq<articles_fts::body, &'a str>,
);

fn columns(id: i32, text: &IndexedText) -> Columns<'_> {
    (
        articles_fts::rowid.eq(id),
        articles_fts::title.eq(text.title.as_str()),
        articles_fts::excerpt.eq(text.excerpt.as_str()),
        articles_fts::body.eq(text.body.as_str()),
    )
}

/// Adds an article to the index, or replaces its entry (PostgreSQL).
#[tracing::instrument(level = "debug", skip_all, fields(article = id))]
pub fn index(conn: &mut Conn, id: i32, text: &IndexedText) -> QueryResult<()> {
    match conn {
        Conn::Sqlite(conn) => diesel::insert_into(articles_fts::table).values(columns(id, text)).execute(conn)?,
        Conn::Postgres(conn) => diesel::sql_query(
            "INSERT INTO articles_search (article_id, document) VALUES ($1, \
             setweight(to_tsvector('simple', $2), 'A') || setweight(to_tsvector('simple', $3), 'B') \
             || setweight(to_tsvector('simple', $4), 'C')) \
             ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document",
        )
        .bind::<Integer, _>(id)
        .bind::<Text, _>(fold(&text.title))
        .bind::<Text, _>(fold(&text.excerpt))
        .bind::<Text, _>(fold(&text.body))
        .execute(conn)?,
    };
    Ok(())
}

/// Removes an article from the index. External-content FTS5 deletes by
/// replaying the exact text that was indexed, hence `text`.
#[tracing::instrument(level = "debug", skip_all, fields(article = id))]
pub fn unindex(conn: &mut Conn, id: i32, text: &IndexedText) -> QueryResult<()> {
    match conn {
        Conn::Sqlite(conn) => diesel::insert_into(articles_fts::table)
            .values((articles_fts::whole_table.eq("delete"), columns(id, text)))
            .execute(conn)?,
        Conn::Postgres(conn) => diesel::sql_query("DELETE FROM articles_search WHERE article_id = $1")
            .bind::<Integer, _>(id)
            .execute(conn)?,
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts5(input: &str) -> Option<String> {
        Query::parse(input).map(|query| query.fts5())
    }

    #[test]
    fn arabic_diacritics_and_letter_forms_are_normalised() {
        assert_eq!(normalize("كَتَبَ الوَلَدُ الدَّرْسَ"), "كتب الولد الدرس");
        assert_eq!(normalize("الـــعربية"), "العربيه");
        assert_eq!(normalize("أحمد إلى آخر مدرسة"), "احمد الي اخر مدرسه");
        assert_eq!(normalize("Café"), "Café");
    }

    #[test]
    fn latin_accents_fold_for_postgres() {
        assert_eq!(fold("Élections à Café"), "Elections a Cafe");
        assert_eq!(Query::parse("Café  naïve").unwrap().words(), "Cafe naive");
    }

    #[test]
    fn every_term_is_quoted() {
        assert_eq!(fts5("libya elections").as_deref(), Some(r#""libya" "elections""#));
        assert_eq!(
            fts5(r#"say "hi" NEAR(a b) OR * title:x"#).as_deref(),
            Some(r#""say" """hi""" "NEAR(a" "b)" "OR" "title:x""#)
        );
        assert_eq!(fts5("  * ( ) \" - "), None);
        assert_eq!(fts5("ab\u{0}cd\u{1f}e").as_deref(), Some(r#""ab" "cd" "e""#));
        assert_eq!(fts5("").as_deref(), None);
    }

    #[test]
    fn terms_are_capped() {
        let many = "word ".repeat(100);
        assert_eq!(fts5(&many).unwrap().matches("\"word\"").count(), 16);
    }
}

//! Full-text search with SQLite FTS5: the only SQL Diesel cannot express.
//!
//! `articles_fts` is an external-content index over `articles` (see its
//! migration). Rows are written here, in the caller's transaction, from text
//! normalised in Rust so that Arabic matches with or without diacritics.
//! Queries never pass user input to FTS5 as syntax: every term is quoted.

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::sqlite::SqliteConnection;

diesel::table! {
    /// The FTS5 table. `whole_table` is its hidden column named like the
    /// table (the left side of MATCH, and of commands such as 'delete');
    /// `rank` is its hidden bm25 score (lower is better).
    articles_fts (rowid) {
        rowid -> Integer,
        #[sql_name = "articles_fts"]
        whole_table -> Text,
        rank -> Double,
        title -> Text,
        excerpt -> Text,
        body -> Text,
    }
}

use crate::schema::articles;

diesel::allow_tables_to_appear_in_same_query!(articles_fts, articles);

diesel::infix_operator!(Matches, " MATCH ", backend: diesel::sqlite::Sqlite);

/// `column MATCH query`.
pub fn matches<T>(column: T, query: String) -> Matches<T, diesel::dsl::AsExprOf<String, Text>>
where
    T: Expression<SqlType = Text>,
{
    Matches::new(column, query.into_sql::<Text>())
}

/// Longest search text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// At most this many terms are searched; the rest are ignored.
const MAX_TERMS: usize = 16;

/// Lowercase-insensitive Arabic normalisation used for indexing and querying:
/// removes harakat, Quranic marks and tatweel; unifies alef forms (أ إ آ ٱ → ا),
/// alef maqsura with yeh (ى → ي) and teh marbuta with heh (ة → ه), as Lucene's
/// Arabic normaliser does. Other scripts pass unchanged (unicode61 folds Latin
/// accents itself).
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

/// Turns what a reader typed into an FTS5 query: each word quoted (so `"`,
/// `*`, `NEAR`, `OR`, parentheses and column filters are plain text), all
/// required. Control characters separate words too: FTS5 reads a query only
/// up to a NUL, which would cut a quoted term in two. `None` when nothing
/// searchable is left.
pub fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = normalize(input)
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|term| term.chars().any(char::is_alphanumeric))
        .take(MAX_TERMS)
        .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
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

/// The indexed columns of an article's row, as inserted.
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

/// Adds an article to the index.
#[tracing::instrument(level = "debug", skip_all, fields(article = id))]
pub fn index(conn: &mut SqliteConnection, id: i32, text: &IndexedText) -> QueryResult<()> {
    diesel::insert_into(articles_fts::table).values(columns(id, text)).execute(conn)?;
    Ok(())
}

/// Removes an article from the index. External-content FTS5 deletes by
/// replaying the exact text that was indexed, hence `text`.
#[tracing::instrument(level = "debug", skip_all, fields(article = id))]
pub fn unindex(conn: &mut SqliteConnection, id: i32, text: &IndexedText) -> QueryResult<()> {
    diesel::insert_into(articles_fts::table)
        .values((articles_fts::whole_table.eq("delete"), columns(id, text)))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_diacritics_and_letter_forms_are_normalised() {
        assert_eq!(normalize("كَتَبَ الوَلَدُ الدَّرْسَ"), "كتب الولد الدرس");
        assert_eq!(normalize("الـــعربية"), "العربيه");
        assert_eq!(normalize("أحمد إلى آخر مدرسة"), "احمد الي اخر مدرسه");
        assert_eq!(normalize("Café"), "Café");
    }

    #[test]
    fn every_term_is_quoted() {
        assert_eq!(fts_query("libya elections").as_deref(), Some(r#""libya" "elections""#));
        assert_eq!(
            fts_query(r#"say "hi" NEAR(a b) OR * title:x"#).as_deref(),
            Some(r#""say" """hi""" "NEAR(a" "b)" "OR" "title:x""#)
        );
        assert_eq!(fts_query("  * ( ) \" - "), None);
        assert_eq!(fts_query("ab\u{0}cd\u{1f}e").as_deref(), Some(r#""ab" "cd" "e""#));
        assert_eq!(fts_query("").as_deref(), None);
    }

    #[test]
    fn terms_are_capped() {
        let many = "word ".repeat(100);
        assert_eq!(fts_query(&many).unwrap().matches("\"word\"").count(), 16);
    }
}

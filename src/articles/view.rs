//! How articles look to a caller: list items and whole articles, built from
//! rows with a fixed number of queries per page. Collections show saved
//! articles the same way.

use crate::store::Conn;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use super::db::{self, ArticleRow, ArticleStatus, TagRef};
use crate::categories::{CategorySummary, Tree};
use crate::media::{self, MediaResponse, MediaUrls};
use crate::time;
pub use crate::users::AuthorRef;

/// An article's tally of votes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Votes {
    pub up: i32,
    pub down: i32,
    /// `up - down`.
    pub score: i32,
}

/// An article in a list: everything but the body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleListItem {
    pub id: i32,
    /// Unicode slug, never all digits; former slugs keep resolving.
    #[schema(example = "elections-in-libya")]
    pub slug: String,
    #[schema(example = "Elections in Libya")]
    pub title: String,
    /// Given by the writer, or the first paragraph cut at 300 characters.
    pub excerpt: String,
    pub status: ArticleStatus,
    /// When it is (or was) public; in the future for a scheduled article.
    #[schema(required = true)]
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[schema(required = true)]
    pub category: Option<CategorySummary>,
    /// By name.
    pub tags: Vec<TagRef>,
    #[schema(required = true)]
    pub author: Option<AuthorRef>,
    /// The cover's URL: the original of `cover_image` when that is set, else
    /// an image hosted elsewhere.
    #[schema(required = true)]
    pub cover_image_url: Option<String>,
    /// The cover from the media library, with its sizes and alt text.
    #[schema(required = true)]
    pub cover_image: Option<MediaResponse>,
    pub reading_time_minutes: i32,
    pub votes: Votes,
    /// The caller's vote; null when anonymous or not voted.
    #[schema(value_type = Option<Vote>, required = true)]
    pub my_vote: Option<i32>,
}

/// A vote as the document states it: exactly 1 (up) or -1 (down). It only
/// describes; the server reads votes as numbers (`votes::VoteValue`).
pub struct Vote;

impl PartialSchema for Vote {
    fn schema() -> RefOr<Schema> {
        let names = ExtensionsBuilder::new().add("x-enum-varnames", serde_json::json!(["UP", "DOWN"])).build();
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .description(Some("1 (up) or -1 (down)."))
            .enum_values(Some([1, -1]))
            .extensions(Some(names))
            .into()
    }
}

impl ToSchema for Vote {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Vote")
    }
}

/// A whole article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleResponse {
    #[serde(flatten)]
    pub article: ArticleListItem,
    /// Markdown source.
    pub body: String,
    /// The body rendered to HTML and sanitized (no scripts, event handlers or
    /// `javascript:` URLs).
    pub body_html: String,
}

/// Turns rows into list items as `viewer` sees them, with at most five more
/// queries whatever the page size.
pub fn hydrate(
    conn: &mut Conn,
    rows: Vec<ArticleRow>,
    viewer: Option<i32>,
    tree: &Tree,
    media_urls: &MediaUrls,
) -> diesel::QueryResult<Vec<ArticleListItem>> {
    let ids: Vec<i32> = rows.iter().map(|row| row.id).collect();
    let author_ids: Vec<i32> = rows.iter().filter_map(|row| row.author_id).collect();
    let cover_ids: Vec<i32> = rows.iter().filter_map(|row| row.cover_image_id).collect();
    let covers: std::collections::HashMap<i32, MediaResponse> = media::db::find_many(conn, &cover_ids)?
        .into_iter()
        .map(|(row, uploader)| (row.id, MediaResponse::new(row, uploader, media_urls)))
        .collect();
    let mut tags = db::tags_of(conn, &ids)?;
    let my_votes = match viewer {
        Some(viewer) => crate::votes::db::votes_by(conn, viewer, &ids)?,
        None => Default::default(),
    };
    let authors = db::author_names(conn, &author_ids)?;
    let now = time::now();
    Ok(rows
        .into_iter()
        .map(|row| {
            let cover_image = row.cover_image_id.and_then(|id| covers.get(&id).cloned());
            ArticleListItem {
                status: row.shown_status(now),
                id: row.id,
                tags: tags.remove(&row.id).unwrap_or_default(),
                author: row
                    .author_id
                    .and_then(|id| authors.get(&id).map(|name| AuthorRef { id, display_name: name.clone() })),
                category: row.category_id.and_then(|id| tree.summary(id)),
                slug: row.slug,
                title: row.title,
                excerpt: row.excerpt,
                published_at: row.published_at.map(time::utc),
                created_at: time::utc(row.created_at),
                updated_at: time::utc(row.updated_at),
                cover_image_url: cover_image.as_ref().map(|cover| cover.url.clone()).or(row.cover_image_url),
                cover_image,
                reading_time_minutes: row.reading_time_minutes,
                votes: Votes { up: row.tally.votes_up, down: row.tally.votes_down, score: row.tally.score },
                my_vote: my_votes.get(&row.id).copied(),
            }
        })
        .collect())
}

/// The whole article as `viewer` sees it.
pub fn full(
    conn: &mut Conn,
    row: ArticleRow,
    viewer: Option<i32>,
    tree: &Tree,
    media_urls: &MediaUrls,
) -> diesel::QueryResult<ArticleResponse> {
    let body = db::body(conn, row.id)?;
    let article = hydrate(conn, vec![row], viewer, tree, media_urls)?.pop().ok_or(diesel::result::Error::NotFound)?;
    Ok(ArticleResponse { article, body: body.body, body_html: body.body_html })
}

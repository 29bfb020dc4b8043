//! Article rows, their status and visibility, and how a path names one.

use chrono::NaiveDateTime;
use diesel::dsl::{IsNull, LtEq};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::articles::slug;
use crate::schema::{article_bodies, article_tallies, articles};

/// Where an article is in its life.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "snake_case")]
pub enum ArticleStatus {
    /// Being written: visible only to its author and editors.
    Draft,
    /// Submitted for review (by a contributor): editors publish it or send it
    /// back to draft.
    Pending,
    /// Published with a date still ahead: public from `published_at` on, on
    /// its own. Shown and taken, never stored: a scheduled article is stored
    /// as published.
    Scheduled,
    /// Public.
    Published,
    /// Withdrawn from the public; kept for its author and editors.
    Archived,
}

crate::store::text_enum!(ArticleStatus {
    Draft => "draft",
    Pending => "pending",
    Scheduled => "scheduled",
    Published => "published",
    Archived => "archived",
});

impl ArticleStatus {
    /// The status stored for this one.
    pub fn stored(self) -> Self {
        match self {
            Self::Scheduled => Self::Published,
            status => status,
        }
    }
}

/// An article without its body: what lists need.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ArticleRow {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub excerpt: String,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub category_id: Option<i32>,
    pub author_id: Option<i32>,
    pub cover_image_url: Option<String>,
    pub reading_time_minutes: i32,
    #[diesel(embed)]
    pub tally: VoteCounts,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// When it last went to the review queue.
    pub submitted_at: Option<NaiveDateTime>,
    /// When its going public was announced to webhooks; null while that is
    /// still to come (a scheduled article) or it is not public.
    pub announced_at: Option<NaiveDateTime>,
    /// The cover from the media library; `cover_image_url` is then null.
    pub cover_image_id: Option<i32>,
}

/// An article's vote counters, kept in a row of their own (every vote moves
/// them) and read with the article: select an [`ArticleRow`] from
/// [`with_tally`].
#[derive(Debug, Clone, Copy, PartialEq, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = article_tallies, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct VoteCounts {
    pub votes_up: i32,
    pub votes_down: i32,
    pub score: i32,
    pub hot_rank: f64,
}

pub type WithTally = diesel::dsl::InnerJoin<articles::table, article_tallies::table>;

/// The articles with their counters: what an [`ArticleRow`] is read from.
pub fn with_tally() -> WithTally {
    articles::table.inner_join(article_tallies::table)
}

// An article and its counters grouped by both keys (tag matches counted
// per article) may select and order by any column of either.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    articles::id,
    articles::slug,
    articles::title,
    articles::excerpt,
    articles::status,
    articles::published_at,
    articles::category_id,
    articles::author_id,
    articles::cover_image_url,
    articles::reading_time_minutes,
    articles::created_at,
    articles::updated_at,
    articles::deleted_at,
    articles::submitted_at,
    articles::announced_at,
    articles::cover_image_id,
    article_tallies::article_id,
    article_tallies::votes_up,
    article_tallies::votes_down,
    article_tallies::score,
    article_tallies::hot_rank,
);

impl ArticleRow {
    /// Published, due and not deleted: what anonymous readers may see.
    pub fn is_public(&self, now: NaiveDateTime) -> bool {
        self.status == ArticleStatus::Published
            && self.published_at.is_some_and(|at| at <= now)
            && self.deleted_at.is_none()
    }

    /// The status as shown: a published article whose date is still ahead is
    /// scheduled.
    pub fn shown_status(&self, now: NaiveDateTime) -> ArticleStatus {
        match self.status {
            ArticleStatus::Published if self.published_at.is_some_and(|at| at > now) => ArticleStatus::Scheduled,
            status => status,
        }
    }
}

/// The Markdown and its sanitized rendering, kept apart from the article row
/// and loaded only for single articles.
#[derive(Debug, Clone, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = article_bodies, check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ArticleBody {
    pub body: String,
    pub body_html: String,
}

#[derive(Insertable)]
#[diesel(table_name = articles)]
pub struct NewArticle<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub excerpt: &'a str,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub category_id: Option<i32>,
    pub author_id: Option<i32>,
    pub cover_image_url: Option<&'a str>,
    pub reading_time_minutes: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub announced_at: Option<NaiveDateTime>,
    pub cover_image_id: Option<i32>,
}

/// A partial update; `Some(None)` clears a nullable column.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = articles)]
pub struct ArticleChanges {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub excerpt: Option<String>,
    pub status: Option<ArticleStatus>,
    pub published_at: Option<Option<NaiveDateTime>>,
    pub category_id: Option<Option<i32>>,
    pub cover_image_url: Option<Option<String>>,
    pub cover_image_id: Option<Option<i32>>,
    pub reading_time_minutes: Option<i32>,
    pub submitted_at: Option<NaiveDateTime>,
    pub announced_at: Option<Option<NaiveDateTime>>,
}

pub type NotDeleted = IsNull<articles::deleted_at>;
pub type PubliclyVisible = diesel::dsl::And<
    diesel::dsl::And<diesel::dsl::Eq<articles::status, ArticleStatus>, LtEq<articles::published_at, NaiveDateTime>>,
    NotDeleted,
>;

pub fn not_deleted() -> NotDeleted {
    articles::deleted_at.is_null()
}

/// Published, due, and not deleted.
pub fn publicly_visible(now: NaiveDateTime) -> PubliclyVisible {
    articles::status.eq(ArticleStatus::Published).and(articles::published_at.le(now)).and(not_deleted())
}

/// An `{article}` path segment: an id when all ASCII digits, else a slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArticleRef {
    Id(i32),
    Slug(String),
}

impl ArticleRef {
    /// `None` for digits that overflow an id: such an article cannot exist.
    pub fn parse(segment: &str) -> Option<Self> {
        if slug::is_numeric(segment) {
            segment.parse().ok().map(Self::Id)
        } else {
            Some(Self::Slug(segment.to_owned()))
        }
    }
}

/// `web::Path<ArticleRef>` reads an `{article}` segment; one that can name
/// no article fails, which the path configuration answers with a 404.
impl<'de> Deserialize<'de> for ArticleRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let segment = std::borrow::Cow::<str>::deserialize(deserializer)?;
        Self::parse(&segment).ok_or_else(|| serde::de::Error::custom("no article can have this id"))
    }
}

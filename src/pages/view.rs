//! A page as the API shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::db::PageRow;
use crate::time;

/// A static page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageResponse {
    #[schema(example = "privacy-policy")]
    pub slug: String,
    #[schema(example = "Privacy policy")]
    pub title: String,
    /// Markdown source.
    pub body: String,
    /// The body rendered to HTML and sanitized.
    pub body_html: String,
    pub updated_at: DateTime<Utc>,
}

impl From<PageRow> for PageResponse {
    fn from(row: PageRow) -> Self {
        Self {
            slug: row.slug,
            title: row.title,
            body: row.body,
            body_html: row.body_html,
            updated_at: time::utc(row.updated_at),
        }
    }
}

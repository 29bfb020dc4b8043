//! What webhooks announce: an event type and the resource as the API shows it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The events an endpoint may subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum EventKind {
    /// An article became public: written published, or a scheduled one whose time came.
    #[serde(rename = "article.published")]
    ArticlePublished,
    /// A public article changed.
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    /// A public article was withdrawn (back to draft, pending, archived, or rescheduled).
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
    /// A public article was deleted; `data` holds its id and slug.
    #[serde(rename = "article.deleted")]
    ArticleDeleted,
    #[serde(rename = "page.published")]
    PagePublished,
    #[serde(rename = "page.updated")]
    PageUpdated,
    /// `data` holds its slug.
    #[serde(rename = "page.deleted")]
    PageDeleted,
    #[serde(rename = "category.created")]
    CategoryCreated,
    #[serde(rename = "category.updated")]
    CategoryUpdated,
    /// `data` holds its id and slug.
    #[serde(rename = "category.deleted")]
    CategoryDeleted,
    /// Sent by `POST /api/v1/admin/webhooks/{id}/ping` to that endpoint only.
    #[serde(rename = "ping")]
    Ping,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ArticlePublished => "article.published",
            Self::ArticleUpdated => "article.updated",
            Self::ArticleUnpublished => "article.unpublished",
            Self::ArticleDeleted => "article.deleted",
            Self::PagePublished => "page.published",
            Self::PageUpdated => "page.updated",
            Self::PageDeleted => "page.deleted",
            Self::CategoryCreated => "category.created",
            Self::CategoryUpdated => "category.updated",
            Self::CategoryDeleted => "category.deleted",
            Self::Ping => "ping",
        }
    }
}

/// One event: sent to every enabled endpoint that subscribes to its kind,
/// or to one endpoint only (a ping).
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventKind,
    pub data: serde_json::Value,
    pub only: Option<i32>,
}

impl Event {
    /// `data` as the API would answer it; an unserialisable value (none of
    /// ours) becomes null rather than stopping the write.
    pub fn of(kind: EventKind, data: &impl Serialize) -> Self {
        Self { kind, data: serde_json::to_value(data).unwrap_or(serde_json::Value::Null), only: None }
    }

    /// A ping for the endpoint `webhook` alone.
    pub fn ping(webhook: i32) -> Self {
        Self { only: Some(webhook), ..Self::of(EventKind::Ping, &serde_json::json!({"webhook_id": webhook})) }
    }
}

//! Revisions: what an article read like before each change, who changed it
//! and when; listed, read and restored below each article.

pub mod db;
mod routes;

pub use routes::{RevisionResponse, RevisionSummary};

use utoipa_actix_web::service_config::ServiceConfig;

/// Mounted with their full paths ahead of the articles scope, which would
/// otherwise claim every path below `/api/v1/articles`.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(routes::list_revisions).service(routes::get_revision).service(routes::restore_revision);
}

//! "Leave your vote": one up or down vote per reader per article, with exact
//! tallies kept on the article and its "hot" rank refreshed.

pub mod batch;
pub mod cast;
pub mod db;
pub mod mine;
mod routes;
pub mod sets;
mod tally;

pub use tally::{Tally, VoteValue};

use utoipa_actix_web::service_config::ServiceConfig;

/// Mounted with their full paths ahead of the articles scope, which would
/// otherwise claim every path below `/api/v1/articles`.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(routes::put_article_vote).service(routes::delete_article_vote).service(routes::get_article_vote);
}

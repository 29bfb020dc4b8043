//! Articles: the news itself, with slugs, Markdown, search and "Check Also".

pub mod cache;
pub mod db;
pub mod markdown;
mod routes;
pub mod search;
pub mod slug;

pub use routes::{ArticleListItem, ArticleResponse, MAX_BODY_CHARS, SortParam, Votes, hydrate};

use utoipa_actix_web::{scope, service_config::ServiceConfig};

use crate::votes;

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/articles")
            .service(routes::list_articles)
            .service(routes::create_article)
            .service(routes::get_article)
            .service(routes::update_article)
            .service(routes::delete_article)
            .service(routes::related_articles)
            .service(votes::put_article_vote)
            .service(votes::delete_article_vote)
            .service(votes::get_article_vote),
    );
}

//! Articles: the news itself, with slugs, Markdown, search and "Check Also".

pub mod access;
pub mod cache;
pub mod db;
pub mod fields;
mod listing;
pub mod markdown;
pub mod nesting;
mod personal;
pub mod rank;
mod routes;
pub mod search;
pub mod slug;
pub mod view;
pub mod write;

pub use fields::MAX_BODY_CHARS;
pub use listing::SortParam;
pub use view::{ArticleListItem, ArticleResponse, Votes, hydrate};

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/articles")
            .service(listing::list_articles)
            .service(routes::create_article)
            .service(routes::get_article)
            .service(routes::update_article)
            .service(routes::delete_article)
            .service(routes::related_articles),
    );
}

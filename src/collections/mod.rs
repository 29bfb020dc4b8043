//! Collections: readers' named lists of saved articles ("Add to Collection").

pub mod db;
mod items;
mod routes;

pub use routes::list_user_collections;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/collections")
            .service(routes::list_collections)
            .service(routes::create_collection)
            .service(routes::get_collection)
            .service(routes::update_collection)
            .service(routes::delete_collection)
            .service(items::list_collection_articles)
            .service(items::add_collection_article)
            .service(items::remove_collection_article),
    );
}

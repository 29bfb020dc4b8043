//! Categories: a small tree ("Home / Politics / Elections") read whole and
//! shaped in Rust, with breadcrumbs, children, descendants and cycle checks.

pub mod db;
mod routes;
pub mod tree;
pub mod write;

pub use routes::{CategoryDetail, CategoryList, CategoryResponse};
pub use tree::{CategorySummary, Crumb, TREE_TTL, Tree, TreeCache};

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/categories")
            .service(routes::list_categories)
            .service(routes::get_category)
            .service(routes::create_category)
            .service(routes::update_category)
            .service(routes::delete_category),
    );
}

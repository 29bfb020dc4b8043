//! Static pages such as the privacy policy: read by anyone, written by editors.

pub mod db;
mod routes;
pub mod write;

pub use routes::{PageResponse, PageSummary};

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/pages")
            .service(routes::list_pages)
            .service(routes::get_page)
            .service(routes::put_page)
            .service(routes::delete_page),
    );
}

//! Static pages such as the privacy policy: read by anyone, written by editors.

pub mod db;
mod routes;
mod view;
pub mod write;

pub use routes::PageSummary;
pub use view::PageResponse;

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

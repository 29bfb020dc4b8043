//! Webhooks: endpoints that admins register to hear of what is published,
//! changed or deleted, signed as Standard Webhooks do and sent through the
//! delivery queue ([`crate::deliveries`]).

pub mod client;
pub mod db;
pub mod events;
mod routes;

pub use routes::{CreatedWebhook, DeliveryResponse, WebhookResponse};

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/admin/webhooks")
            .service(routes::list_webhooks)
            .service(routes::create_webhook)
            .service(routes::get_webhook)
            .service(routes::update_webhook)
            .service(routes::delete_webhook)
            .service(routes::ping_webhook)
            .service(routes::list_webhook_deliveries),
    );
}

//! Accounts: the caller's own, public profiles, and admin management.

mod admin;
pub mod db;
pub mod fields;
mod routes;
mod view;
pub mod write;

pub use fields::{Bio, DisplayName, Email, Role};
pub use routes::{Account, PublicProfile};
pub use view::AuthorRef;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    // `/me` before `/{id}`, which would otherwise claim it.
    cfg.service(
        scope::scope("/api/v1/users")
            .service(routes::get_me)
            .service(routes::update_me)
            .service(routes::delete_me)
            .service(routes::change_password)
            .service(routes::get_user)
            // Served here: a second `/api/v1/users` scope would never be reached.
            .service(crate::collections::list_user_collections),
    )
    .service(
        scope::scope("/api/v1/admin")
            .service(admin::list_users)
            .service(admin::get_user_as_admin)
            .service(admin::update_user),
    );
}

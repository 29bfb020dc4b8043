//! Authentication: sessions, tokens, passwords and the request extractors.

pub mod extract;
pub mod password;
mod routes;
pub mod throttle;
pub mod tokens;

pub use extract::{AuthUser, MaybeAuthUser};
pub use routes::TokenResponse;

use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/auth")
            .service(routes::register)
            .service(routes::login)
            .service(routes::refresh)
            .service(routes::logout)
            .service(routes::logout_all),
    );
}

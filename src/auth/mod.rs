//! Authentication: sessions, tokens, passwords and the request extractors.

pub mod attempts;
pub mod db;
pub mod extract;
pub mod password;
pub mod rate_limit;
pub mod reset;
mod routes;
pub mod sessions;
pub mod tokens;

pub use extract::{AuthUser, MaybeAuthUser};
pub use routes::TokenResponse;

use actix_web::middleware::from_fn;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(
        scope::scope("/api/v1/auth")
            .wrap(from_fn(rate_limit::limit_by_ip))
            .service(routes::register)
            .service(routes::login)
            .service(routes::refresh)
            .service(routes::logout)
            .service(routes::logout_all)
            .service(reset::forgot_password)
            .service(reset::verify_reset)
            .service(reset::reset_password),
    );
}

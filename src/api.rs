//! The route table: every feature's routes, in the order they are matched.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::{auth, ops, users};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    ops::configure(cfg);
    auth::configure(cfg);
    users::configure(cfg);
}

//! The route table: every feature's routes, in the order they are matched.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::{
    articles, auth, categories, collections, feeds, media, ops, pages, revisions, tags, users, votes, webhooks,
};

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    ops::configure(cfg);
    auth::configure(cfg);
    // Ahead of users' `/api/v1/admin` scope, which would claim its paths.
    webhooks::configure(cfg);
    users::configure(cfg);
    votes::configure(cfg);
    revisions::configure(cfg);
    articles::configure(cfg);
    categories::configure(cfg);
    tags::configure(cfg);
    pages::configure(cfg);
    collections::configure(cfg);
    media::configure(cfg);
    feeds::configure(cfg);
}

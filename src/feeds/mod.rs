//! Distribution: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the 50 newest public
//! articles (the whole site, a category with its sub-categories, a tag, an
//! author), sitemaps and `robots.txt`. Served at the site root as feed
//! readers and crawlers expect, from the same public cache as other anonymous
//! reads, with `ETag`, `Last-Modified` and 304s.
//!
//! Links point at the public site: articles by `NEWSROOM_ARTICLE_URL`, feeds
//! and sitemaps under `NEWSROOM_PUBLIC_URL` (which is expected to route
//! `/feeds/`, `/sitemap.xml`, `/sitemaps/` and `/robots.txt` here).

mod db;
mod links;
mod render;
pub mod responses;
mod routes;
mod sitemaps;

pub use links::{FeedFormat, add_links, alternate_links, page_url, public_url};
pub use render::{JsonFeed, language_of, xml_text};

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(routes::site_feed)
        .service(routes::category_feed)
        .service(routes::tag_feed)
        .service(routes::author_feed)
        .service(sitemaps::sitemap_index)
        .service(sitemaps::article_sitemap)
        .service(sitemaps::page_sitemap)
        .service(sitemaps::category_sitemap)
        .service(sitemaps::news_sitemap)
        .service(sitemaps::robots);
}

//! Sitemaps (sitemaps.org 0.9): an index of files (public articles split at
//! `NEWSROOM_SITEMAP_URLS_PER_FILE`, at most 50,000 as the protocol requires;
//! pages; categories), each URL with `lastmod`; a Google News sitemap of the
//! last 48 hours; and `robots.txt` naming the index.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::links::{encode, page_url, public_url};
use super::routes::cached_document;
use super::{db, language_of, xml_text};
use crate::config::Config;
use crate::error::ApiError;
use crate::http::{self, Tagged};
use crate::state::AppState;
use crate::time;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const IMAGE_NS: &str = "http://www.google.com/schemas/sitemap-image/1.1";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
const XML: &str = "application/xml; charset=utf-8";

/// A Google News sitemap lists what was published in this window, at most
/// [`NEWS_LIMIT`] articles.
const NEWS_WINDOW: chrono::Duration = chrono::Duration::hours(48);
const NEWS_LIMIT: i64 = 1000;

/// A `<loc>` and its `<lastmod>`.
struct Located {
    loc: String,
    lastmod: DateTime<Utc>,
    /// The page's image (an article's cover), for the image extension.
    image: Option<String>,
}

/// Writes a document; writing into a `Vec` cannot fail.
struct Document(Writer<Vec<u8>>);

impl Document {
    fn new() -> Self {
        let mut writer = Writer::new(Vec::new());
        let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        Self(writer)
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for attribute in attributes {
            start.push_attribute(*attribute);
        }
        let _ = self.0.write_event(Event::Start(start));
    }

    fn close(&mut self, name: &str) {
        let _ = self.0.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`, escaped and stripped of what XML forbids.
    fn element(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        let _ = self.0.write_event(Event::Text(BytesText::new(&xml_text(text))));
        self.close(name);
    }

    fn located(&mut self, element: &str, located: &Located) {
        self.open(element, &[]);
        self.element("loc", &located.loc);
        self.element("lastmod", &w3c(located.lastmod));
        if let Some(image) = &located.image {
            self.open("image:image", &[]);
            self.element("image:loc", image);
            self.close("image:image");
        }
        self.close(element);
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

/// The W3C datetime sitemaps use.
fn w3c(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn urlset(urls: &[Located]) -> Tagged {
    let mut document = Document::new();
    document.open("urlset", &[("xmlns", SITEMAP_NS), ("xmlns:image", IMAGE_NS)]);
    for url in urls {
        document.located("url", url);
    }
    document.close("urlset");
    Tagged::document(document.finish(), XML, urls.iter().map(|url| url.lastmod).max())
}

/// Where the public site shows a category.
fn category_url(config: &Config, slug: &str) -> String {
    public_url(config, &format!("/categories/{}", encode(slug)))
}

/// The sitemap index.
///
/// Lists the article sitemaps (`/sitemaps/articles-{n}.xml`, each at most
/// 50,000 URLs), the pages' and the categories' sitemaps, each with the
/// newest `lastmod` it holds.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, response = super::responses::Sitemap),
        (status = 304, response = super::responses::NotModified),
    ),
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let config = state.config.clone();
    let categories = state.caches.categories.clone();
    cached_document(&request, &state, move |conn| {
        let now = time::now();
        let changes = db::public_changes(conn, now)?;
        let pages = db::page_changes(conn)?;
        let tree = categories.tree(conn)?;
        let newest =
            |times: &mut dyn Iterator<Item = NaiveDateTime>| times.max().map_or(DateTime::UNIX_EPOCH, time::utc);
        let mut files: Vec<Located> = changes
            .chunks(config.sitemap_urls_per_file)
            .enumerate()
            .map(|(n, chunk)| Located {
                loc: public_url(&config, &format!("/sitemaps/articles-{}.xml", n + 1)),
                lastmod: newest(&mut chunk.iter().map(|(_, at)| *at)),
                image: None,
            })
            .collect();
        if files.is_empty() {
            files.push(Located {
                loc: public_url(&config, "/sitemaps/articles-1.xml"),
                lastmod: DateTime::UNIX_EPOCH,
                image: None,
            });
        }
        files.push(Located {
            loc: public_url(&config, "/sitemaps/pages.xml"),
            lastmod: newest(&mut pages.iter().map(|(_, at)| *at)),
            image: None,
        });
        files.push(Located {
            loc: public_url(&config, "/sitemaps/categories.xml"),
            lastmod: newest(&mut tree.rows().map(|category| category.updated_at)),
            image: None,
        });
        let mut document = Document::new();
        document.open("sitemapindex", &[("xmlns", SITEMAP_NS)]);
        for file in &files {
            document.located("sitemap", file);
        }
        document.close("sitemapindex");
        Ok(Tagged::document(document.finish(), XML, files.iter().map(|file| file.lastmod).max()))
    })
    .await
}

/// One file of article URLs.
///
/// The `n`-th group of public articles in id order, as many as a sitemap
/// file holds (50,000). Past the last file: 404.
#[utoipa::path(
    tag = "feeds",
    params(("n" = u32, Path, description = "File number, from 1", minimum = 1)),
    responses(
        (status = 200, response = super::responses::Sitemap),
        (status = 304, response = super::responses::NotModified),
        (status = 404, response = crate::error::responses::NotFound),
    ),
)]
#[get("/sitemaps/articles-{n}.xml")]
pub async fn article_sitemap(
    n: web::Path<u32>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let n = i64::from(n.into_inner());
    let config = state.config.clone();
    let media = state.media.urls.clone();
    cached_document(&request, &state, move |conn| {
        let per_file = i64::try_from(config.sitemap_urls_per_file).unwrap_or(50_000);
        if n < 1 {
            return Err(ApiError::NotFound);
        }
        let offset = (n - 1) * per_file;
        let rows = db::public_slugs(conn, time::now(), offset, per_file)?;
        if rows.is_empty() && n > 1 {
            return Err(ApiError::NotFound);
        }
        let cover_columns: Vec<db::CoverColumns> =
            rows.iter().map(|row| (row.id, row.cover_image_url.clone(), row.cover_image_id)).collect();
        let mut covers = db::covers_of(conn, &media, &cover_columns)?;
        let urls: Vec<Located> = rows
            .into_iter()
            .map(|row| Located {
                loc: config.article_url.of(row.id, &row.slug),
                lastmod: time::utc(row.updated_at),
                image: covers.remove(&row.id).map(|cover| cover.url),
            })
            .collect();
        Ok(urlset(&urls))
    })
    .await
}

/// The static pages' sitemap.
///
/// Every page at `{PUBLIC_URL}/{slug}`, with its last change.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, response = super::responses::Sitemap),
        (status = 304, response = super::responses::NotModified),
    ),
)]
#[get("/sitemaps/pages.xml")]
pub async fn page_sitemap(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let config = state.config.clone();
    cached_document(&request, &state, move |conn| {
        let urls: Vec<Located> = db::page_changes(conn)?
            .into_iter()
            .map(|(slug, updated)| Located { loc: page_url(&config, &slug), lastmod: time::utc(updated), image: None })
            .collect();
        Ok(urlset(&urls))
    })
    .await
}

/// The categories' sitemap.
///
/// Every category at `{PUBLIC_URL}/categories/{slug}`, with its last change.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, response = super::responses::Sitemap),
        (status = 304, response = super::responses::NotModified),
    ),
)]
#[get("/sitemaps/categories.xml")]
pub async fn category_sitemap(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let config = state.config.clone();
    let categories = state.caches.categories.clone();
    cached_document(&request, &state, move |conn| {
        let tree = categories.tree(conn)?;
        let urls: Vec<Located> = tree
            .rows()
            .map(|category| Located {
                loc: category_url(&config, &category.slug),
                lastmod: time::utc(category.updated_at),
                image: None,
            })
            .collect();
        Ok(urlset(&urls))
    })
    .await
}

/// The Google News sitemap.
///
/// Articles published in the last 48 hours, newest first, at most 1,000,
/// with the publication's name (`NEWSROOM_SITE_NAME`), each article's
/// language, title and publication date.
#[utoipa::path(
    tag = "feeds",
    responses(
        (status = 200, response = super::responses::Sitemap),
        (status = 304, response = super::responses::NotModified),
    ),
)]
#[get("/sitemaps/news.xml")]
pub async fn news_sitemap(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let config = state.config.clone();
    cached_document(&request, &state, move |conn| {
        let now = time::now();
        let rows = db::published_since(conn, now, now - NEWS_WINDOW, NEWS_LIMIT)?;
        let mut document = Document::new();
        document.open("urlset", &[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)]);
        for row in &rows {
            let published = time::utc(row.published_at.unwrap_or(row.created_at));
            document.open("url", &[]);
            document.element("loc", &config.article_url.of(row.id, &row.slug));
            document.element("lastmod", &w3c(time::utc(row.updated_at)));
            document.open("news:news", &[]);
            document.open("news:publication", &[]);
            document.element("news:name", &config.site_name);
            document.element("news:language", language_of(&format!("{} {}", row.title, row.excerpt)));
            document.close("news:publication");
            document.element("news:publication_date", &w3c(published));
            document.element("news:title", &row.title);
            document.close("news:news");
            document.close("url");
        }
        document.close("urlset");
        let newest = rows.iter().map(|row| time::utc(row.updated_at)).max();
        Ok(Tagged::document(document.finish(), XML, newest))
    })
    .await
}

/// Rules for crawlers, naming the sitemap index.
///
/// Allows everything and gives the sitemap index's public URL.
#[utoipa::path(
    tag = "feeds",
    responses((status = 200, description = "robots.txt", content((String = "text/plain")))),
)]
#[get("/robots.txt")]
pub async fn robots(state: web::Data<AppState>) -> HttpResponse {
    let body = format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", public_url(&state.config, "/sitemap.xml"));
    http::public(HttpResponse::Ok()).content_type("text/plain; charset=utf-8").body(body)
}

//! Feeds, sitemaps and robots.txt, each read back by an independent parser
//! (`feed-rs` for RSS, Atom and JSON Feed; `roxmltree` for sitemaps): what
//! they list, in which order, with which links and dates; escaping; 304s;
//! and that drafts and scheduled articles never appear.

use feed_rs::model::{Feed, FeedType};
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, assert_problem, spawn_app, spawn_app_with};

const FORMATS: [(&str, &str, FeedType); 3] = [
    ("rss.xml", "application/rss+xml; charset=utf-8", FeedType::RSS2),
    ("atom.xml", "application/atom+xml; charset=utf-8", FeedType::Atom),
    ("feed.json", "application/feed+json; charset=utf-8", FeedType::JSON),
];

/// A site with public articles in two categories (one below the other),
/// tags, an Arabic article, a draft and a scheduled article.
struct Site {
    app: TestApp,
    editor: TestUser,
    /// Public, newest first.
    public: Vec<Value>,
}

async fn site_with(extra: &[(&str, &str)]) -> Site {
    let app = spawn_app_with(extra).await;
    let editor = app.user_with_role("editor").await;
    app.create_category(&editor, "world", "World", None).await;
    app.create_category(&editor, "africa", "Africa", Some("world")).await;
    let at = |hours: i64| (chrono::Utc::now() - chrono::Duration::hours(hours)).to_rfc3339();
    let old = app
        .publish(&editor, "Three days ago", json!({"category": "world", "published_at": at(72), "tags": ["Archive"]}))
        .await;
    let arabic = app
        .publish(
            &editor,
            "البرلمان يناقش الميزانية",
            json!({"category": "africa", "published_at": at(2), "body": "## عنوان\n\nنص **المقال**."}),
        )
        .await;
    let escaped = app
        .publish(
            &editor,
            "Tom & Jerry <3 \"quoted\" 🎉",
            json!({"published_at": at(1), "excerpt": "Cats & mice <b>not bold</b>", "tags": ["Cartoons"], "body": "A [link](https://example.com/?a=1&b=2) and `code <x>`."}),
        )
        .await;
    app.create_article(&editor, json!({"title": "A draft", "tags": ["Secret plans"]})).await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    app.publish(&editor, "Scheduled for tomorrow", json!({"published_at": tomorrow, "category": "world"})).await;
    Site { app, editor, public: vec![escaped, arabic, old] }
}

async fn site() -> Site {
    site_with(&[]).await
}

async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    let response = app.get(path, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response
}

async fn feed(app: &TestApp, path: &str, content_type: &str) -> Feed {
    let response = fetch(app, path).await;
    assert_eq!(response.headers()[CONTENT_TYPE], content_type, "{path}");
    assert_eq!(response.headers()["cache-control"], "public, max-age=60", "{path}");
    let body = response.bytes().await.unwrap();
    feed_rs::parser::parse(body.as_ref()).unwrap_or_else(|e| panic!("{path} parses: {e}"))
}

fn titles(feed: &Feed) -> Vec<String> {
    feed.entries.iter().map(|entry| entry.title.as_ref().unwrap().content.clone()).collect()
}

fn article_url(article: &Value) -> String {
    let slug: String = url::form_urlencoded::byte_serialize(article["slug"].as_str().unwrap().as_bytes()).collect();
    format!("https://news.example/articles/{slug}")
}

#[tokio::test]
async fn the_site_feed_lists_public_articles_newest_first_in_every_format() {
    let Site { app, public, .. } = site().await;
    let expected: Vec<&str> = public.iter().map(|article| article["title"].as_str().unwrap()).collect();
    let mut ids_by_format = Vec::new();

    for (file, content_type, kind) in FORMATS {
        let feed = feed(&app, &format!("/feeds/{file}"), content_type).await;

        assert_eq!(feed.feed_type, kind);
        assert_eq!(titles(&feed), expected, "{file}: newest first, escaped text round-trips, no draft or scheduled");
        for (entry, article) in feed.entries.iter().zip(&public) {
            assert_eq!(entry.links[0].href, article_url(article), "{file}");
            let published = chrono::DateTime::parse_from_rfc3339(article["published_at"].as_str().unwrap()).unwrap();
            assert_eq!(entry.published.unwrap().timestamp(), published.timestamp(), "{file}");
            assert!(entry.updated.is_some() || kind == FeedType::RSS2, "{file}");
            assert_eq!(entry.summary.as_ref().unwrap().content, article["excerpt"].as_str().unwrap(), "{file}");
            assert_eq!(entry.authors[0].name.as_deref(), Some("Staff"), "{file}");
        }
        let escaped = &feed.entries[0];
        let html = escaped.content.as_ref().and_then(|content| content.body.clone()).unwrap();
        assert!(html.contains(r#"<a href="https://example.com/?a=1&amp;b=2""#), "{file}: {html}");
        assert!(html.contains("<code>code &lt;x&gt;</code>"), "{file}: {html}");
        let categories: Vec<&str> = escaped.categories.iter().map(|category| category.term.as_str()).collect();
        assert_eq!(categories, ["Cartoons"], "{file}");
        let arabic = &feed.entries[1];
        assert!(arabic.content.as_ref().unwrap().body.as_ref().unwrap().contains("<h2>عنوان</h2>"), "{file}");
        assert_eq!(arabic.categories[0].term, "Africa", "{file}: the category first");
        if kind == FeedType::Atom {
            assert_eq!(arabic.language.as_deref(), Some("ar"), "{file}");
        }
        ids_by_format.push(feed.entries.iter().map(|entry| entry.id.clone()).collect::<Vec<_>>());
    }
    assert!(
        ids_by_format.windows(2).all(|pair| pair[0] == pair[1]),
        "one id per article in every format: {ids_by_format:?}"
    );
    // feed-rs does not read JSON Feed's per-item language.
    let json: Value = fetch(&app, "/feeds/feed.json").await.json().await.unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["items"][1]["language"], "ar");
    assert_eq!(json["items"][0]["language"], "en");
}

#[tokio::test]
async fn rss_names_its_language_author_and_self_link() {
    let Site { app, .. } = site().await;
    let rss = fetch(&app, "/feeds/rss.xml").await.text().await.unwrap();
    let channel = rss::Channel::read_from(rss.as_bytes()).unwrap();

    assert_eq!(channel.atom_ext().unwrap().links()[0].href(), "https://news.example/feeds/rss.xml");
    let arabic = &channel.items()[1];
    assert_eq!(arabic.dublin_core_ext().unwrap().languages(), ["ar"]);
    assert_eq!(arabic.dublin_core_ext().unwrap().creators(), ["Staff"]);
    assert!(!arabic.guid().unwrap().is_permalink());
}

#[tokio::test]
async fn category_tag_and_author_feeds_hold_their_articles() {
    let Site { app, editor, public } = site().await;
    let titles_at = |path: &'static str| {
        let app = &app;
        async move { titles(&feed(app, path, "application/atom+xml; charset=utf-8").await) }
    };

    assert_eq!(
        titles_at("/feeds/categories/world/atom.xml").await,
        ["البرلمان يناقش الميزانية", "Three days ago"],
        "with sub-categories"
    );
    assert_eq!(titles_at("/feeds/categories/africa/atom.xml").await, ["البرلمان يناقش الميزانية"]);
    assert_eq!(titles_at("/feeds/tags/cartoons/atom.xml").await, [public[0]["title"].as_str().unwrap()]);
    let by_author =
        feed(&app, &format!("/feeds/authors/{}/feed.json", editor.id), "application/feed+json; charset=utf-8").await;
    assert_eq!(by_author.entries.len(), 3);
    for missing in [
        "/feeds/categories/nowhere/rss.xml",
        "/feeds/tags/nothing/rss.xml",
        "/feeds/authors/999999/rss.xml",
        "/feeds/podcast.mp3",
    ] {
        assert_problem(app.get(missing, None).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    assert_problem(app.get("/feeds/tags/secret-plans/rss.xml", None).await, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_disabled_author_s_feed_is_gone_like_their_profile() {
    let Site { app, editor, .. } = site().await;
    let admin = app.user_with_role("admin").await;
    let feed_path = format!("/feeds/authors/{}/rss.xml", editor.id);
    assert_eq!(fetch(&app, &feed_path).await.status(), StatusCode::OK, "read once, so that it is cached");

    let disable = json!({"disabled": true});
    let path = format!("/api/v1/admin/users/{}", editor.id);
    assert_eq!(app.send_json(Method::PATCH, &path, admin.token(), &disable).await.status(), StatusCode::OK);

    for path in [feed_path.as_str(), &format!("/feeds/authors/{}/feed.json", editor.id)] {
        let response = app.get(path, None).await;
        let problem = assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
        assert!(!problem.to_string().contains("Staff"), "the display name is not shown: {problem}");
    }
    assert_problem(app.get(&format!("/api/v1/users/{}", editor.id), None).await, StatusCode::NOT_FOUND, "not_found")
        .await;
}

#[tokio::test]
async fn feeds_answer_304_and_follow_writes() {
    let Site { app, editor, .. } = site().await;
    let first = fetch(&app, "/feeds/rss.xml").await;
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
    let modified = first.headers()[LAST_MODIFIED].to_str().unwrap().to_owned();

    let by_etag = app.request(Method::GET, "/feeds/rss.xml", None).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    let by_date =
        app.request(Method::GET, "/feeds/rss.xml", None).header(IF_MODIFIED_SINCE, &modified).send().await.unwrap();
    let older = "Mon, 01 Jan 2001 00:00:00 GMT";
    let stale = app.request(Method::GET, "/feeds/rss.xml", None).header(IF_MODIFIED_SINCE, older).send().await.unwrap();

    assert_eq!(by_etag.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(by_date.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(stale.status(), StatusCode::OK);
    app.publish(&editor, "Breaking", json!({})).await;
    let after = fetch(&app, "/feeds/rss.xml").await;
    assert_ne!(after.headers()[ETAG].to_str().unwrap(), etag, "a new article shows at once");
    let renewed = app.request(Method::GET, "/feeds/rss.xml", None).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(renewed.status(), StatusCode::OK);
    assert!(renewed.text().await.unwrap().contains("<title>Breaking</title>"));
}

#[tokio::test]
async fn article_lists_advertise_their_feeds() {
    let Site { app, .. } = site().await;

    let all = app.get("/api/v1/articles", None).await;
    let filtered = app.get("/api/v1/articles?category=world", None).await;

    let links = all.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        links.contains(r#"<https://news.example/feeds/rss.xml>; rel="alternate"; type="application/rss+xml""#),
        "{links}"
    );
    assert!(links.contains(r#"<https://news.example/feeds/feed.json>; rel="alternate"; type="application/feed+json""#));
    let links = filtered.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        links.contains(
            r#"<https://news.example/feeds/categories/world/atom.xml>; rel="alternate"; type="application/atom+xml""#
        ),
        "{links}"
    );
}

/// The `<loc>`s of a sitemap or sitemap index, checking each has a `<lastmod>`.
fn locations(xml: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(xml).unwrap();
    let root = document.root_element();
    assert_eq!(root.tag_name().namespace(), Some("http://www.sitemaps.org/schemas/sitemap/0.9"));
    root.children()
        .filter(roxmltree::Node::is_element)
        .map(|entry| {
            let child =
                |name: &str| entry.children().find(|node| node.tag_name().name() == name).and_then(|node| node.text());
            let lastmod = child("lastmod").unwrap();
            chrono::DateTime::parse_from_rfc3339(lastmod).unwrap_or_else(|e| panic!("{lastmod}: {e}"));
            child("loc").unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_sitemap_index_splits_articles_and_lists_pages_and_categories() {
    let Site { app, editor, public } = site_with(&[("--sitemap-urls-per-file", "2")]).await;
    let privacy = app
        .send_json(
            Method::PUT,
            "/api/v1/pages/privacy-policy",
            editor.token(),
            &json!({"title": "Privacy", "body": "We keep little."}),
        )
        .await;
    assert_eq!(privacy.status(), StatusCode::CREATED);

    let index = fetch(&app, "/sitemap.xml").await;
    assert_eq!(index.headers()[CONTENT_TYPE], "application/xml; charset=utf-8");
    let files = locations(&index.text().await.unwrap());

    let base = "https://news.example/sitemaps";
    assert_eq!(
        files,
        [
            format!("{base}/articles-1.xml"),
            format!("{base}/articles-2.xml"),
            format!("{base}/pages.xml"),
            format!("{base}/categories.xml")
        ]
    );
    let mut articles = Vec::new();
    for n in [1, 2] {
        articles.extend(locations(&fetch(&app, &format!("/sitemaps/articles-{n}.xml")).await.text().await.unwrap()));
    }
    let mut expected: Vec<String> = public.iter().rev().map(article_url).collect();
    expected.sort();
    articles.sort();
    assert_eq!(articles, expected, "every public article once, no draft, nothing scheduled");
    assert_problem(app.get("/sitemaps/articles-3.xml", None).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_problem(app.get("/sitemaps/articles-0.xml", None).await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        locations(&fetch(&app, "/sitemaps/pages.xml").await.text().await.unwrap()),
        ["https://news.example/privacy-policy"]
    );
    let gone = app.request(Method::DELETE, "/api/v1/pages/privacy-policy", editor.token()).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    let pages = locations(&fetch(&app, "/sitemaps/pages.xml").await.text().await.unwrap());
    assert!(pages.is_empty(), "a page write shows at once: {pages:?}");
    let mut categories = locations(&fetch(&app, "/sitemaps/categories.xml").await.text().await.unwrap());
    categories.sort();
    assert_eq!(categories, ["https://news.example/categories/africa", "https://news.example/categories/world"]);
    let robots = fetch(&app, "/robots.txt").await.text().await.unwrap();
    assert!(robots.contains("Sitemap: https://news.example/sitemap.xml\n"), "{robots}");
}

#[tokio::test]
async fn the_news_sitemap_holds_the_last_48_hours() {
    let Site { app, public, .. } = site_with(&[("--site-name", "The Daily & Co")]).await;

    let xml = fetch(&app, "/sitemaps/news.xml").await.text().await.unwrap();

    let document = roxmltree::Document::parse(&xml).unwrap();
    let news = "http://www.google.com/schemas/sitemap-news/0.9";
    let text = |node: roxmltree::Node, name: &str| {
        node.descendants()
            .find(|n| n.tag_name().name() == name && n.tag_name().namespace() == Some(news))
            .and_then(|n| n.text())
            .unwrap()
            .to_owned()
    };
    let urls: Vec<roxmltree::Node> = document.root_element().children().filter(roxmltree::Node::is_element).collect();
    assert_eq!(urls.len(), 2, "not the article of three days ago, nor the scheduled one");
    for (url, article) in urls.iter().zip(&public) {
        assert_eq!(text(*url, "title"), article["title"].as_str().unwrap());
        assert_eq!(text(*url, "name"), "The Daily & Co");
        let published = chrono::DateTime::parse_from_rfc3339(&text(*url, "publication_date")).unwrap();
        assert_eq!(
            published.timestamp(),
            chrono::DateTime::parse_from_rfc3339(article["published_at"].as_str().unwrap()).unwrap().timestamp()
        );
    }
    assert_eq!(text(urls[0], "language"), "en");
    assert_eq!(text(urls[1], "language"), "ar");
}

#[tokio::test]
async fn an_empty_site_serves_valid_empty_documents() {
    let app = spawn_app().await;
    for (file, content_type, _) in FORMATS {
        assert!(feed(&app, &format!("/feeds/{file}"), content_type).await.entries.is_empty());
    }
    assert_eq!(locations(&fetch(&app, "/sitemap.xml").await.text().await.unwrap()).len(), 3);
    assert!(locations(&fetch(&app, "/sitemaps/articles-1.xml").await.text().await.unwrap()).is_empty());
}

#[tokio::test]
async fn feed_links_are_percent_encoded_and_each_subject_is_named_once() {
    let Site { app, editor, .. } = site().await;
    app.publish(&editor, "Old town walls", json!({"category": "world", "tags": ["التراث", "WORLD"]})).await;
    let home = "https://news.example/tags/%D8%A7%D9%84%D8%AA%D8%B1%D8%A7%D8%AB";

    for (file, content_type, _) in FORMATS {
        let feed = feed(&app, &format!("/feeds/tags/التراث/{file}"), content_type).await;
        assert!(feed.links.iter().any(|link| link.href == home), "{file}: {:?}", feed.links);
        let categories: Vec<&str> = feed.entries[0].categories.iter().map(|category| category.term.as_str()).collect();
        assert_eq!(categories, ["World", "التراث"], "{file}: the category and a tag of its name are one");
    }
    let rss = fetch(&app, "/feeds/categories/world/rss.xml").await.text().await.unwrap();
    assert!(rss.contains("<link>https://news.example/categories/world</link>"), "{rss}");
}

#[tokio::test]
async fn demo_and_imported_articles_keep_their_own_times_in_feeds() {
    let app = spawn_app().await;
    let config = app.config();
    tokio::task::spawn_blocking(move || newsroom::seed::seed_demo(&config).unwrap()).await.unwrap();

    let atom = feed(&app, "/feeds/atom.xml", "application/atom+xml; charset=utf-8").await;
    let updated: std::collections::BTreeSet<_> = atom.entries.iter().map(|entry| entry.updated.unwrap()).collect();
    assert_eq!(updated.len(), atom.entries.len(), "each entry its own <updated>, not the moment of the load");
    for entry in &atom.entries {
        assert_eq!(entry.updated, entry.published, "written when published");
    }
}

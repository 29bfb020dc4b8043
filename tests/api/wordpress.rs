//! `newsroom import-wordpress`: a WordPress export (WXR) becomes a newsroom
//! the API serves; a second import changes nothing; bad files change nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::prelude::*;
use newsroom::schema::{articles, categories, pages, users};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{JWT_SECRET, PASSWORD, TestApp, spawn_app};

pub(crate) fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wordpress/site.xml")
}

pub(crate) fn import(app: &TestApp, file: &Path, flags: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .arg("import-wordpress")
        .arg(file)
        .args(flags)
        .current_dir(app.dir.path())
        .env("NEWSROOM_DATABASE_URL", app.database_url())
        .env("NEWSROOM_JWT_SECRET", JWT_SECRET)
        .env("NEWSROOM_LOG", "warn")
        .output()
        .unwrap()
}

pub(crate) fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn counts(app: &TestApp) -> (i64, i64, i64) {
    let mut conn = app.db();
    (
        articles::table.count().get_result(&mut conn).unwrap(),
        categories::table.count().get_result(&mut conn).unwrap(),
        users::table.count().get_result(&mut conn).unwrap(),
    )
}

/// An article's title, excerpt and last change as stored.
fn stored(app: &TestApp, slug: &str) -> (String, String, chrono::NaiveDateTime) {
    articles::table
        .filter(articles::slug.eq(slug))
        .select((articles::title, articles::excerpt, articles::updated_at))
        .first(&mut app.db())
        .unwrap()
}

fn status(app: &TestApp, slug: &str) -> String {
    articles::table.filter(articles::slug.eq(slug)).select(articles::status).first(&mut app.db()).unwrap()
}

pub(crate) fn page_count(app: &TestApp) -> i64 {
    pages::table.count().get_result(&mut app.db()).unwrap()
}

pub(crate) fn with_file(app: &TestApp, name: &str, text: &str) -> PathBuf {
    let path = app.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn a_wordpress_export_becomes_a_site_the_api_serves() {
    let app = spawn_app().await;

    let report = stdout(&import(&app, &fixture(), &[]));

    assert!(report.contains("imported: 2 authors, 4 categories, 1 pages, 5 posts"), "{report}");
    for skipped in [
        "skipped: 1 attachments (kept only as featured images; --uploads brings their files in)",
        "skipped: 1 comments",
        "skipped: 1 post type nav_menu_item",
        "skipped: 1 post type revision",
        "skipped: 1 posts in the trash",
        "skipped: 1 sticky flags (newsroom has no sticky articles)",
    ] {
        assert!(report.contains(skipped), "{skipped}: {report}");
    }
    let libya = app.get_json("/api/v1/categories/libya", None).await;
    assert_eq!(libya["parent"], "politics");
    assert_eq!(app.get_json("/api/v1/categories/politics", None).await["description"], "Power & policy");

    let article = app.get_json("/api/v1/articles/parliament-sets-the-election-date", None).await;
    let crumbs: Vec<&str> =
        article["category"]["path"].as_array().unwrap().iter().map(|crumb| crumb["slug"].as_str().unwrap()).collect();
    assert_eq!(crumbs, ["news", "politics", "libya"], "the deepest category is the article's");
    let tags: Vec<&str> = article["tags"].as_array().unwrap().iter().map(|tag| tag["name"].as_str().unwrap()).collect();
    assert_eq!(tags, ["Elections", "Politics"]);
    assert_eq!(article["published_at"], "2026-11-20T12:00:00Z", "post_date_gmt");
    assert_eq!(article["excerpt"], "The vote will be held in March.");
    assert_eq!(article["cover_image_url"], "https://libya.example/wp-content/uploads/2026/11/ballot-box.jpg");
    assert_eq!(article["author"]["display_name"], "Amal Saleh");
    let body = article["body"].as_str().unwrap();
    for markdown in [
        "## A date at last",
        "**March**",
        "[commission](https://hnec.example/?a=1&b=2)",
        "- Registration opens in January",
        "> Every vote counts.",
    ] {
        assert!(body.contains(markdown), "{markdown}: {body}");
    }
    assert!(!body.contains("wp:"), "block comments go: {body}");
    let html = article["body_html"].as_str().unwrap();
    assert!(html.contains("<h2>A date at last</h2>") && html.contains("<blockquote>"), "{html}");

    let classic = app.get_json("/api/v1/articles/classic-post", None).await;
    assert_eq!(classic["title"], "Classic post & old habits");
    assert!(classic["body_html"].as_str().unwrap().contains("<p>The second paragraph.</p>"), "{classic}");
    assert_eq!(classic["author"]["display_name"], "Omar");
    let arabic = app.get_json(&format!("/api/v1/articles/{}", encoded("الاقتصاد-ينمو")), None).await;
    assert_eq!(arabic["title"], "الاقتصاد الليبي ينمو");
    assert_eq!(arabic["category"]["slug"], "اقتصاد");

    let public: Vec<i64> = app.ids("/api/v1/articles", None).await;
    assert_eq!(public.len(), 3, "the scheduled post and the draft are not public");
    assert_eq!(app.get("/api/v1/articles/results-night-live", None).await.status(), StatusCode::NOT_FOUND);
    let related = app.get("/api/v1/articles/parliament-sets-the-election-date/related", None).await;
    assert_eq!(related.status(), StatusCode::OK);
    let privacy = app.get_json("/api/v1/pages/privacy-policy", None).await;
    assert_eq!(privacy["body"], "We keep as little about you as we can.");
    assert_eq!(
        app.login("amal@libya.example", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED,
        "no usable password"
    );
    assert_eq!(counts(&app), (5, 4, 2));
}

#[tokio::test]
async fn importing_again_changes_nothing_and_an_updated_export_updates() {
    let app = spawn_app().await;
    stdout(&import(&app, &fixture(), &[]));
    // The import runs in another process, whose writes the server's public
    // cache (shared by signed-in readers too) picks up only as it ages out:
    // what is stored is the thing to compare.
    let before = stored(&app, "classic-post");

    let again = stdout(&import(&app, &fixture(), &[]));

    assert!(!again.contains("imported:"), "no empty lines: {again}");
    assert!(again.contains("unchanged: 2 authors, 4 categories, 1 pages, 5 posts"), "{again}");
    assert_eq!(stored(&app, "classic-post"), before, "not even updated_at moved");
    assert_eq!(counts(&app), (5, 4, 2));

    let edited =
        std::fs::read_to_string(fixture()).unwrap().replace("Classic post &amp; old habits", "Classic post, revised");
    let changed = stdout(&import(&app, &with_file(&app, "edited.xml", &edited), &[]));

    assert!(changed.contains("updated: 1 posts"), "{changed}");
    assert_eq!(stored(&app, "classic-post").0, "Classic post, revised");
    assert_eq!(counts(&app), (5, 4, 2));
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    let app = spawn_app().await;

    let report = stdout(&import(&app, &fixture(), &["--dry-run"]));

    assert!(report.starts_with("dry run: nothing was written"), "{report}");
    assert!(report.contains("imported: 2 authors, 4 categories, 1 pages, 5 posts"), "{report}");
    assert_eq!(counts(&app), (0, 0, 0));
}

#[tokio::test]
async fn every_post_can_go_to_one_existing_account() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;

    stdout(&import(&app, &fixture(), &["--author-email", &editor.email]));

    let article = app.get_json("/api/v1/articles/classic-post", None).await;
    assert_eq!(article["author"]["id"], editor.id);
    assert_eq!(counts(&app).2, 1, "no account was made");
    let unknown = import(&app, &fixture(), &["--author-email", "nobody@example.com"]);
    assert_eq!(unknown.status.code(), Some(1));
}

#[tokio::test]
async fn bad_files_say_what_is_wrong_and_change_nothing() {
    let app = spawn_app().await;
    let site = std::fs::read_to_string(fixture()).unwrap();
    let cut = site.find("<title>Classic post").unwrap();
    let cases = [
        ("page.html", "<html><body>not an export</body></html>".to_owned(), "it starts with <html>, not <rss>"),
        (
            "README.md",
            "# newsroom\n\nThe docs: <http://127.0.0.1:8080/docs>\n".to_owned(),
            "it starts with text, not XML",
        ),
        ("truncated.xml", site.get(..cut).unwrap().to_owned(), "truncated"),
        (
            "future.xml",
            site.replace("<wp:wxr_version>1.2</wp:wxr_version>", "<wp:wxr_version>2.0</wp:wxr_version>"),
            "WXR version 2.0",
        ),
        (
            "date.xml",
            site.replace("<![CDATA[2026-11-21 07:30:00]]>", "<![CDATA[2026-13-45 07:30:00]]>"),
            "item \"Classic post & old habits\" (WordPress id 11): invalid date \"2026-13-45 07:30:00\"",
        ),
        ("broken.xml", site.replace("</wp:post_type>", "</wp:post_typo>"), "not well-formed XML"),
    ];
    for (name, text, expected) in cases {
        let output = import(&app, &with_file(&app, name, &text), &[]);

        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert_eq!(counts(&app), (0, 0, 0), "{name} changed nothing");
    }
    let dated = import(
        &app,
        &with_file(&app, "again.xml", &site.replace("<![CDATA[2026-11-21 07:30:00]]>", "<![CDATA[yesterday]]>")),
        &[],
    );
    let stderr = String::from_utf8_lossy(&dated.stderr);
    let title = site.lines().position(|line| line.contains("<title>Classic post")).unwrap();
    let line =
        site.lines().take(title).collect::<Vec<_>>().iter().rposition(|line| line.contains("<item>")).unwrap() + 1;
    assert!(
        stderr.contains(&format!("line {line}: item")),
        "the message names the line the item starts on, {line}: {stderr}"
    );
}

#[tokio::test]
async fn older_exports_with_other_namespace_uris_are_read() {
    let app = spawn_app().await;
    let older = std::fs::read_to_string(fixture())
        .unwrap()
        .replace("https://wordpress.org/export/1.2/", "http://wordpress.org/export/1.1/")
        .replace("http://wordpress.org/export/1.2/excerpt/", "http://wordpress.org/export/1.1/excerpt/")
        .replace("<wp:wxr_version>1.2</wp:wxr_version>", "<wp:wxr_version>1.1</wp:wxr_version>");

    let report = stdout(&import(&app, &with_file(&app, "older.xml", &older), &[]));

    assert!(report.contains("imported: 2 authors, 4 categories, 1 pages, 5 posts"), "{report}");
    let article: Value = app.get_json("/api/v1/articles/parliament-sets-the-election-date", None).await;
    assert_eq!(
        article["excerpt"], "The vote will be held in March.",
        "the excerpt namespace is read from the document"
    );
}

#[tokio::test]
async fn a_slug_newsroom_already_has_gets_a_suffix() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let ours = app.publish(&editor, "Ours", serde_json::json!({"slug": "classic-post"})).await;

    stdout(&import(&app, &fixture(), &[]));

    assert_eq!(app.get_json("/api/v1/articles/classic-post", None).await["id"], ours["id"]);
    assert_eq!(app.get_json("/api/v1/articles/classic-post-2", None).await["title"], "Classic post & old habits");
}

#[tokio::test]
async fn what_wordpress_hides_is_hidden_here_too_even_after_an_earlier_import() {
    let app = spawn_app().await;
    let site = std::fs::read_to_string(fixture()).unwrap();
    let password = |slug: &str, text: &str| {
        let name = format!("<wp:post_name><![CDATA[{slug}]]></wp:post_name>");
        text.replace(&name, &format!("{name}<wp:post_password><![CDATA[s3cret]]></wp:post_password>"))
    };
    let hidden = password("privacy-policy", &password("classic-post", &site)).replacen(
        "<wp:status><![CDATA[publish]]></wp:status>",
        "<wp:status><![CDATA[trash]]></wp:status>",
        1,
    );
    stdout(&import(&app, &fixture(), &[]));
    assert_eq!(status(&app, "classic-post"), "published");
    assert_eq!(page_count(&app), 1);

    let report = stdout(&import(&app, &with_file(&app, "hidden.xml", &hidden), &[]));

    for line in [
        "updated: 1 posts (1 draft)\n",
        "withdrawn: 1 pages, 1 posts\n",
        "skipped: 1 passwords of password-protected posts (imported as drafts)",
        "skipped: 1 pages protected by a password (newsroom's pages are public)",
        "skipped: 2 posts in the trash",
    ] {
        assert!(report.contains(line), "{line}: {report}");
    }
    for path in [
        "/api/v1/articles/classic-post",
        "/api/v1/articles/parliament-sets-the-election-date",
        "/api/v1/pages/privacy-policy",
    ] {
        assert_eq!(app.get(path, None).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(status(&app, "classic-post"), "draft");
    assert_eq!(status(&app, "parliament-sets-the-election-date"), "draft", "kept, with its votes, as a draft");
    assert_eq!(page_count(&app), 0);

    let again = stdout(&import(&app, &with_file(&app, "hidden-again.xml", &hidden), &[]));

    assert!(!again.contains("updated:") && !again.contains("withdrawn"), "{again}");

    let restored = stdout(&import(&app, &fixture(), &[]));

    assert!(restored.contains("updated: 1 pages, 2 posts (2 published)\n"), "{restored}");
    assert_eq!(status(&app, "classic-post"), "published");
    assert_eq!(status(&app, "parliament-sets-the-election-date"), "published");
    assert_eq!(page_count(&app), 1);
    assert_eq!(counts(&app), (5, 4, 2), "nothing was imported twice");
}

#[tokio::test]
async fn slugs_in_wordpress_form_and_categories_the_export_does_not_list_come_through() {
    let app = spawn_app().await;
    let site = std::fs::read_to_string(fixture())
        .unwrap()
        .replace("<![CDATA[classic-post]]>", "<![CDATA[classic_post-%f0%9f%92%ab-edition]]>")
        .replacen(
            "<category domain=\"category\" nicename=\"news\"><![CDATA[News]]></category>\n\t</item>",
            "<category domain=\"category\" nicename=\"opinion\"><![CDATA[Opinion & comment]]></category>
\t\t<category domain=\"category\" nicename=\"%d8%ba%d9%8a%d8%b1-%d9%85%d8%b5%d9%86%d9%81\"><![CDATA[غير مصنف]]></category>
\t</item>",
            1,
        )
        // An Arabic site's "Uncategorized": WordPress's default category is term 1.
        .replace(
            "\t<wp:tag>",
            "\t<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename><![CDATA[%d8%ba%d9%8a%d8%b1-%d9%85%d8%b5%d9%86%d9%81]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[غير مصنف]]></wp:cat_name></wp:category>\n\t<wp:tag>",
        );
    assert!(site.contains("nicename=\"opinion\""), "the fixture still has the classic post's category line");

    let report = stdout(&import(&app, &with_file(&app, "partial.xml", &site), &[]));

    assert!(report.contains("imported: 2 authors, 6 categories, 1 pages, 5 posts"), "{report}");
    let classic = app.get_json("/api/v1/articles/classic-post-edition", None).await;
    assert_eq!(classic["title"], "Classic post & old habits");
    assert_eq!(classic["category"]["slug"], "opinion", "a real category before the catch-all one");
    assert_eq!(app.get_json("/api/v1/categories/opinion", None).await["name"], "Opinion & comment");
    let again = stdout(&import(&app, &with_file(&app, "partial-again.xml", &site), &[]));
    assert!(again.contains("unchanged: 2 authors, 6 categories, 1 pages, 5 posts"), "{again}");
}

#[tokio::test]
async fn pages_sharing_a_slug_in_wordpress_stay_apart_and_a_renamed_page_moves() {
    let app = spawn_app().await;
    // WordPress keeps page slugs unique among siblings only: a "privacy-policy"
    // below another page is a second page of that slug.
    let archived = "\t<item>
\t\t<title><![CDATA[Privacy Policy (2019)]]></title>
\t\t<content:encoded><![CDATA[<p>What we kept in 2019.</p>]]></content:encoded>
\t\t<wp:post_id>21</wp:post_id>
\t\t<wp:post_date_gmt><![CDATA[2019-05-01 08:00:00]]></wp:post_date_gmt>
\t\t<wp:post_name><![CDATA[privacy-policy]]></wp:post_name>
\t\t<wp:status><![CDATA[publish]]></wp:status>
\t\t<wp:post_parent>99</wp:post_parent>
\t\t<wp:post_type><![CDATA[page]]></wp:post_type>
\t</item>
</channel>";
    let site = std::fs::read_to_string(fixture()).unwrap().replace("</channel>", archived);

    let report = stdout(&import(&app, &with_file(&app, "two-pages.xml", &site), &[]));

    assert!(report.contains("imported: 2 authors, 4 categories, 2 pages, 5 posts"), "{report}");
    let current = app.get_json("/api/v1/pages/privacy-policy", None).await;
    assert_eq!(current["body"], "We keep as little about you as we can.");
    let older = app.get_json("/api/v1/pages/privacy-policy-2", None).await;
    assert_eq!(older["body"], "What we kept in 2019.");
    let again = stdout(&import(&app, &with_file(&app, "two-pages-again.xml", &site), &[]));
    assert!(again.contains("unchanged: 2 authors, 4 categories, 2 pages, 5 posts"), "{again}");

    let renamed = site.replace("<![CDATA[privacy-policy]]></wp:post_name>\n\t\t<wp:status><![CDATA[publish]]></wp:status>\n\t\t<wp:post_parent>", "<![CDATA[privacy-2019]]></wp:post_name>\n\t\t<wp:status><![CDATA[publish]]></wp:status>\n\t\t<wp:post_parent>");
    let moved = stdout(&import(&app, &with_file(&app, "renamed.xml", &renamed), &[]));

    assert!(moved.contains("updated: 1 pages\n"), "{moved}");
    assert_eq!(page_count(&app), 2, "the page moved to its new slug, none was left behind");
    assert_eq!(app.get_json("/api/v1/pages/privacy-2019", None).await["body"], "What we kept in 2019.");
}

#[tokio::test]
async fn a_later_export_that_does_not_list_the_categories_keeps_their_tree() {
    let app = spawn_app().await;
    stdout(&import(&app, &fixture(), &[]));
    // The second file of a split export: the same posts, no category list.
    let site = std::fs::read_to_string(fixture()).unwrap();
    let without: String = site.lines().filter(|line| !line.contains("<wp:category>")).collect::<Vec<_>>().join("\n");
    assert_ne!(without.len(), site.len());

    let report = stdout(&import(&app, &with_file(&app, "second-file.xml", &without), &[]));

    assert!(!report.contains("imported:") && !report.contains("updated:"), "{report}");
    let libya = app.get_json("/api/v1/categories/libya", None).await;
    assert_eq!(libya["parent"], "politics");
    assert_eq!(app.get_json("/api/v1/categories/politics", None).await["description"], "Power & policy");
    assert_eq!(counts(&app), (5, 4, 2));
}

#[tokio::test]
async fn what_newsroom_cannot_hold_is_fitted_so_that_a_client_can_send_it_back() {
    let app = spawn_app().await;
    let tags: String = (1..=25)
        .map(|n| format!("<category domain=\"post_tag\" nicename=\"t{n}\"><![CDATA[Topic {n}]]></category>"))
        .chain(["<category domain=\"post_tag\" nicename=\"bang\"><![CDATA[!!!]]></category>".to_owned()])
        .collect();
    let site = std::fs::read_to_string(fixture())
        .unwrap()
        .replace("<title>Classic post &amp; old habits</title>", "<title>Classic post\t&amp; old\u{85}habits</title>")
        .replacen(
            "<category domain=\"category\" nicename=\"news\"><![CDATA[News]]></category>\n\t</item>",
            &format!("<category domain=\"category\" nicename=\"news\"><![CDATA[News]]></category>{tags}\n\t</item>"),
            1,
        );

    let report = stdout(&import(&app, &with_file(&app, "crowded.xml", &site), &[]));

    assert!(report.contains("skipped: 5 tags beyond the 20 a post may have"), "{report}");
    assert!(report.contains("skipped: 1 tags without a letter or digit"), "{report}");
    let path = "/api/v1/articles/classic-post";
    let article = app.get_json(path, None).await;
    assert_eq!(article["title"], "Classic post & old habits");
    assert_eq!(article["tags"].as_array().unwrap().len(), 20);
    let editor = app.user_with_role("editor").await;
    let tag_names: Vec<&str> =
        article["tags"].as_array().unwrap().iter().map(|tag| tag["name"].as_str().unwrap()).collect();
    let sent_back = serde_json::json!({"title": article["title"], "body": article["body"], "tags": tag_names});
    let response = app.send_json(reqwest::Method::PATCH, path, editor.token(), &sent_back).await;
    assert_eq!(response.status(), StatusCode::OK, "what the API serves, it takes back");
}

#[tokio::test]
async fn a_featured_image_listed_in_an_earlier_file_of_a_split_export_is_the_cover() {
    let app = spawn_app().await;
    let site = std::fs::read_to_string(fixture()).unwrap();
    let item = |text: &str, title: &str| {
        let at = text.find(title).unwrap();
        let start = text.get(..at).unwrap().rfind("\t<item>").unwrap();
        let end = at + text.get(at..).unwrap().find("</item>\n").unwrap() + "</item>\n".len();
        (start, end)
    };
    let (start, end) = item(&site, "<title><![CDATA[Parliament sets the election date]]></title>");
    let first = format!("{}{}", site.get(..start).unwrap(), site.get(end..).unwrap());
    let (start, end) = item(&site, "<title><![CDATA[ballot-box]]></title>");
    let second = format!("{}{}", site.get(..start).unwrap(), site.get(end..).unwrap());

    stdout(&import(&app, &with_file(&app, "site-1.xml", &first), &[]));
    stdout(&import(&app, &with_file(&app, "site-2.xml", &second), &[]));

    let article = app.get_json("/api/v1/articles/parliament-sets-the-election-date", None).await;
    assert_eq!(article["cover_image_url"], "https://libya.example/wp-content/uploads/2026/11/ballot-box.jpg");
}

#[tokio::test]
async fn a_slug_changed_in_wordpress_moves_the_article_and_the_old_one_still_resolves() {
    let app = spawn_app().await;
    stdout(&import(&app, &fixture(), &[]));
    let renamed = std::fs::read_to_string(fixture())
        .unwrap()
        .replace("<![CDATA[classic-post]]></wp:post_name>", "<![CDATA[classic-post-revisited]]></wp:post_name>");

    let report = stdout(&import(&app, &with_file(&app, "renamed.xml", &renamed), &[]));

    assert!(report.contains("updated: 1 posts (1 published)\n"), "{report}");
    let moved = app.get_json("/api/v1/articles/classic-post-revisited", None).await;
    assert_eq!(moved["title"], "Classic post & old habits");
    let by_old_slug = app.get_json("/api/v1/articles/classic-post", None).await;
    assert_eq!(by_old_slug["id"], moved["id"], "links to the WordPress URL keep working");
    assert_eq!(counts(&app), (5, 4, 2));
}

#[tokio::test]
async fn the_report_says_what_stays_behind_names_skipped_posts_and_maps_old_links_to_new() {
    let app = spawn_app().await;
    let map = app.dir.path().join("redirects.map");

    let output = import(&app, &fixture(), &["--redirects", map.to_str().unwrap()]);

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("importing ") && stderr.contains("comments, menus and other post types stay behind"));
    let report = stdout(&output);
    assert!(report.contains("5 posts (3 published, 1 scheduled, 1 draft)"), "{report}");
    assert!(
        report.contains(r#"skipped: 1 sticky flags (newsroom has no sticky articles), in 1 post: post 10 "Parliament sets the election date""#),
        "{report}"
    );
    assert!(report.contains("redirects: 3 old addresses mapped in"), "{report}");
    let written = std::fs::read_to_string(&map).unwrap();
    assert!(
        written.contains(r#""/2026/11/parliament-sets-the-election-date/" "http://localhost:8080/articles/parliament-sets-the-election-date";"#),
        "{written}"
    );
    let entries: Vec<&str> = written.lines().filter(|line| !line.starts_with('#')).collect();
    assert_eq!(entries.len(), 3, "public posts and pages only: {written}");

    let again = import(&app, &fixture(), &["--redirects", map.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "an existing map is never overwritten");
}

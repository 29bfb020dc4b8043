//! `newsroom import-wordpress` changes only what an import made, never
//! makes a category its own ancestor, and stays within bounded memory and
//! time whatever a post holds.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::helpers::{JWT_SECRET, TestApp, spawn_app};
use crate::wordpress::{counts, fixture, import, page_count, stdout, with_file};

/// The fixture with the categories' list replaced by `categories` lines.
fn with_categories(categories: &[&str]) -> String {
    let site = std::fs::read_to_string(fixture()).unwrap();
    let kept: Vec<&str> = site.lines().filter(|line| !line.contains("<wp:category>")).collect();
    kept.join("\n").replace("<wp:tag>", &format!("{}\n\t<wp:tag>", categories.join("\n\t")))
}

fn category(slug: &str, parent: &str, name: &str) -> String {
    format!(
        "<wp:category><wp:term_id>9{}</wp:term_id><wp:category_nicename><![CDATA[{slug}]]></wp:category_nicename>\
         <wp:category_parent><![CDATA[{parent}]]></wp:category_parent><wp:cat_name><![CDATA[{name}]]></wp:cat_name></wp:category>",
        slug.len()
    )
}

#[tokio::test]
async fn categories_newsroom_had_are_used_as_they_are_and_never_made_a_loop() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    app.create_category(&editor, "world", "World", None).await;
    app.create_category(&editor, "politics", "Politics here", Some("world")).await;
    // WordPress has them the other way round: world below politics.
    let reversed =
        with_categories(&[&category("politics", "", "Politics there"), &category("world", "politics", "World")]);

    let report = stdout(&import(&app, &with_file(&app, "reversed.xml", &reversed), &[]));

    assert!(report.contains("left alone: 2 categories newsroom had already"), "{report}");
    let politics = app.get_json("/api/v1/categories/politics", None).await;
    assert_eq!((politics["name"].as_str(), politics["parent"].as_str()), (Some("Politics here"), Some("world")));
    assert_eq!(app.get_json("/api/v1/categories/world", None).await["parent"], serde_json::Value::Null);
    let article = app.get_json("/api/v1/articles/parliament-sets-the-election-date", None).await;
    let crumbs: Vec<&str> =
        article["category"]["path"].as_array().unwrap().iter().map(|crumb| crumb["slug"].as_str().unwrap()).collect();
    assert_eq!(crumbs, ["world", "politics"], "filed under newsroom's category, breadcrumb unchanged");

    let renamed = reversed.replace("Politics there", "Politics renamed");
    let again = stdout(&import(&app, &with_file(&app, "renamed.xml", &renamed), &[]));
    assert!(again.contains("left alone: 2 categories"), "{again}");
    assert_eq!(app.get_json("/api/v1/categories/politics", None).await["name"], "Politics here");
}

#[tokio::test]
async fn a_category_an_import_made_is_never_moved_below_itself() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    stdout(&import(&app, &fixture(), &[]));
    // Since the import, newsroom's editors filed a category of their own
    // below libya (news > politics > libya > world)…
    app.create_category(&editor, "world", "World", Some("libya")).await;
    // …and WordPress now puts news below world.
    let site = std::fs::read_to_string(fixture()).unwrap().replace(
        "<wp:category_nicename><![CDATA[news]]></wp:category_nicename><wp:category_parent><![CDATA[]]>",
        "<wp:category_nicename><![CDATA[news]]></wp:category_nicename><wp:category_parent><![CDATA[world]]>",
    );
    let site = site.replace("<wp:tag>", &format!("{}\n\t<wp:tag>", category("world", "", "World")));

    let report = stdout(&import(&app, &with_file(&app, "loop.xml", &site), &[]));

    assert!(report.contains("left alone: 1 category moves that would have put a category below itself"), "{report}");
    assert_eq!(app.get_json("/api/v1/categories/news", None).await["parent"], serde_json::Value::Null);
    let article = app.get_json("/api/v1/articles/parliament-sets-the-election-date", None).await;
    assert_eq!(article["category"]["path"].as_array().unwrap().len(), 3, "news > politics > libya");
}

#[tokio::test]
async fn a_page_newsroom_had_is_never_replaced() {
    let app = spawn_app().await;
    let editor = app.user_with_role("editor").await;
    let ours = json!({"title": "Our privacy policy", "body": "Ours, written here."});
    let response = app.send_json(reqwest::Method::PUT, "/api/v1/pages/privacy-policy", editor.token(), &ours).await;
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);

    let report = stdout(&import(&app, &fixture(), &[]));

    assert!(report.contains("left alone: 1 pages newsroom had already"), "{report}");
    assert_eq!(app.get_json("/api/v1/pages/privacy-policy", None).await["body"], "Ours, written here.");
    let imported = app.get_json("/api/v1/pages/privacy-policy-2", None).await;
    assert_eq!(imported["body"], "We keep as little about you as we can.");
    let again = stdout(&import(&app, &fixture(), &[]));
    assert!(again.contains("unchanged: 2 authors, 4 categories, 1 pages, 5 posts"), "{again}");
    assert_eq!(app.get_json("/api/v1/pages/privacy-policy", None).await["body"], "Ours, written here.");
    assert_eq!(page_count(&app), 2);
}

/// The fixture with one more published post whose content is `content`.
fn with_post(content: &str) -> String {
    let post = format!(
        "<item><title>Hostile</title><dc:creator>amal</dc:creator><content:encoded><![CDATA[{content}]]></content:encoded>\
         <wp:post_id>77</wp:post_id><wp:post_date_gmt>2026-11-01 10:00:00</wp:post_date_gmt>\
         <wp:post_name>hostile</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>\n</channel>"
    );
    std::fs::read_to_string(fixture()).unwrap().replace("</channel>", &post)
}

#[tokio::test]
async fn posts_nested_too_deeply_or_too_long_are_skipped_and_reported() {
    let app = spawn_app().await;
    let cases = [
        ("<b>".repeat(100_000), "skipped: 1 posts whose body nests HTML more than 100 elements deep"),
        (format!("<p>{}</p>", "word ".repeat(50_000)), "skipped: 1 posts whose body is over the 200000 characters"),
        ("x".repeat(5 << 20), "skipped: 1 posts whose body is over the 200000 characters"),
    ];
    for (n, (content, reason)) in cases.into_iter().enumerate() {
        let output = import(&app, &with_file(&app, &format!("hostile-{n}.xml"), &with_post(&content)), &[]);

        let report = stdout(&output);
        assert!(report.contains(reason), "{reason}: {report}");
        assert_eq!(app.get("/api/v1/articles/hostile", None).await.status(), reqwest::StatusCode::NOT_FOUND);
    }
    assert_eq!(counts(&app).0, 5, "the other posts came in");
}

/// Runs an import and reads its peak memory (VmHWM) while it runs.
fn import_with_peak(app: &TestApp, file: &std::path::Path) -> (std::process::Output, u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsroom"))
        .arg("import-wordpress")
        .arg(file)
        .current_dir(app.dir.path())
        .env("NEWSROOM_DATABASE_URL", app.database_url())
        .env("NEWSROOM_JWT_SECRET", JWT_SECRET)
        .env("NEWSROOM_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(line) = status.lines().find(|line| line.starts_with("VmHWM:"))
        {
            peak_kib = line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).unwrap_or(peak_kib);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    (child.wait_with_output().unwrap(), peak_kib)
}

#[tokio::test]
async fn one_huge_text_is_refused_in_bounded_memory() {
    let app = spawn_app().await;
    let path = app.dir.path().join("huge.xml");
    let site = with_post("HUGE");
    let (head, tail) = site.split_once("HUGE").unwrap();
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(head.as_bytes()).unwrap();
    let block = vec![b'y'; 1 << 20];
    for _ in 0..256 {
        file.write_all(&block).unwrap();
    }
    file.write_all(tail.as_bytes()).unwrap();
    drop(file);

    let (output, peak_kib) = import_with_peak(&app, &path);

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("longer than 64 MiB") && stderr.contains("line "), "{stderr}");
    assert!(peak_kib < 300 * 1024, "peak memory {} MiB for a 256 MiB text", peak_kib / 1024);
    assert_eq!(counts(&app).0, 0, "nothing imported");
}

//! `import-wordpress --uploads DIR`: a site's images come into the media
//! library, covers and bodies point to them, what is missing or unsafe is
//! reported, and an import again stores nothing twice.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::prelude::*;
use newsroom::schema::media;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};
use crate::wordpress::{import, stdout};

const EXPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wordpress/media.xml");
const MEDIA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/media");

/// A copy of the site's `wp-content/uploads` as the export names it: the
/// photo, two files that are no images, one file missing, and a file beside
/// the folder that an attachment names with `..`.
fn uploads(app: &TestApp) -> PathBuf {
    let root = app.dir.path().join("wordpress");
    let uploads = root.join("uploads");
    std::fs::create_dir_all(uploads.join("2026/11")).unwrap();
    let copy = |fixture: &str, to: &Path| std::fs::copy(Path::new(MEDIA).join(fixture), to).unwrap();
    copy("gps.jpg", &uploads.join("2026/11/harbour.jpg"));
    copy("not-an-image.png", &uploads.join("2026/11/chart.png"));
    std::fs::write(uploads.join("2026/11/minutes.pdf"), b"%PDF-1.7\n%%EOF\n").unwrap();
    copy("photo.png", &root.join("secret.jpg"));
    uploads
}

fn import_with_uploads(app: &TestApp, uploads: &Path) -> String {
    let store = app.media_folder().display().to_string();
    let flags =
        ["--uploads", uploads.to_str().unwrap(), "--media-store", &store, "--public-url", "https://news.example"];
    stdout(&import(app, Path::new(EXPORT), &flags))
}

fn stored_files(app: &TestApp) -> usize {
    walk(&app.media_folder())
}

fn walk(folder: &Path) -> usize {
    std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| if entry.path().is_dir() { walk(&entry.path()) } else { 1 })
        .sum()
}

#[tokio::test]
async fn a_sites_images_come_into_the_library_once() {
    let app = spawn_app().await;
    let uploads = uploads(&app);

    let report = import_with_uploads(&app, &uploads);

    assert!(report.contains("imported: 1 authors, 1 images, 1 posts"), "{report}");
    for line in [
        "missing from --uploads: 2026/09/gone.jpg",
        "missing from --uploads: ../secret.jpg",
        "skipped: 2 attachment files that are no image newsroom takes (not a JPEG, PNG, WebP or GIF image)",
        "skipped: 1 links in bodies to files not among --uploads (left as they were)",
    ] {
        assert!(report.contains(line), "{line}: {report}");
    }
    let article = app.get_json("/api/v1/articles/the-harbour-reopens", None).await;
    let cover = &article["cover_image"];
    assert_eq!(cover["alt"], "The harbour at dawn");
    assert_eq!(cover["caption"], "Tripoli, this morning");
    assert_eq!((cover["width"].as_i64(), cover["height"].as_i64()), (Some(800), Some(1200)), "turned upright");
    assert_eq!(cover["uploaded_by"], Value::Null);
    assert_eq!(article["cover_image_url"], cover["url"]);
    let url = cover["url"].as_str().unwrap();
    let body = article["body"].as_str().unwrap();
    assert!(body.contains(&format!("![The harbour at dawn]({url})")), "the resized copy's link: {body}");
    assert!(!body.contains("uploads/2026/11/harbour"), "{body}");
    assert!(body.contains("https://harbour.example/wp-content/uploads/2026/10/lost.jpg"), "left as it was: {body}");
    let html = article["body_html"].as_str().unwrap();
    assert!(html.contains("width=\"800\" height=\"1200\"") && html.contains("srcset=\""), "{html}");
    let served = app.get(url.strip_prefix("https://news.example").unwrap(), None).await;
    assert_eq!(served.status(), StatusCode::OK);
    let bytes = served.bytes().await.unwrap();
    assert!(!bytes.windows(4).any(|window| window == b"Exif"), "no metadata");

    let files = stored_files(&app);
    let again = import_with_uploads(&app, &uploads);
    assert!(again.contains("unchanged: 1 authors, 1 images, 1 posts"), "{again}");
    assert!(!again.contains("imported:"), "no empty lines: {again}");
    let rows: i64 = media::table.count().get_result(&mut app.db()).unwrap();
    assert_eq!(rows, 1);
    assert_eq!(stored_files(&app), files);
}

#[tokio::test]
async fn a_dry_run_stores_nothing_and_a_later_import_links_what_came_in() {
    let app = spawn_app().await;
    let uploads = uploads(&app);
    let store = app.media_folder().display().to_string();

    let dry = ["--dry-run", "--uploads", uploads.to_str().unwrap(), "--media-store", &store];
    let report = stdout(&import(&app, Path::new(EXPORT), &dry));
    assert!(report.contains("1 images"), "{report}");
    assert_eq!(stored_files(&app), 0);
    assert_eq!(media::table.count().get_result::<i64>(&mut app.db()).unwrap(), 0);

    // Without the files, the cover stays on the old site.
    stdout(&import(&app, Path::new(EXPORT), &[]));
    let article = app.get_json("/api/v1/articles/the-harbour-reopens", None).await;
    assert_eq!(article["cover_image"], Value::Null);
    assert_eq!(article["cover_image_url"], "https://harbour.example/wp-content/uploads/2026/11/harbour.jpg");

    let report = import_with_uploads(&app, &uploads);
    assert!(report.contains("updated: 1 posts"), "{report}");
    // The import is another process: on SQLite the server, which hears
    // nothing of it, may serve the article read above for up to 2 s.
    let path = "/api/v1/articles/the-harbour-reopens";
    app.get_json_until(path, Duration::from_secs(3), |article| article["cover_image"] != Value::Null).await;
    let article = app.get_json(path, None).await;
    assert_eq!(article["cover_image"]["alt"], "The harbour at dawn");
    assert!(article["body"].as_str().unwrap().contains(article["cover_image"]["url"].as_str().unwrap()));

    // The library stays linked by an import without the folder.
    let report = stdout(&import(&app, Path::new(EXPORT), &["--public-url", "https://news.example"]));
    assert!(report.contains("unchanged: 1 authors, 1 posts"), "{report}");
}

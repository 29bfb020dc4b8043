//! The media library: what is stored is an upright image without metadata,
//! whatever was sent; covers reach articles, feeds and sitemaps; an image
//! in use stays; each role does what it may.

use std::path::{Path, PathBuf};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with, spawn_instances_with};
use crate::receivers::S3Server;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/media");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap()
}

/// What the camera wrote into `gps.jpg` and must never be served.
const SECRETS: [&[u8]; 4] = [b"Exif", b"SERIAL-123456789", b"FixtureCam", b"GPS"];

fn leaks(bytes: &[u8]) -> Vec<String> {
    SECRETS
        .iter()
        .filter(|secret| bytes.windows(secret.len()).any(|window| window == **secret))
        .map(|secret| String::from_utf8_lossy(secret).into_owned())
        .collect()
}

/// Every file under `folder`.
fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() { folders.push(path) } else { files.push(path) }
        }
    }
    files
}

/// The path of a media URL on the app (`https://news.example/media/…`).
fn path_of(url: &Value) -> String {
    url.as_str().unwrap().strip_prefix("https://news.example").unwrap().to_owned()
}

async fn upload_photo(app: &TestApp, token: &str) -> Value {
    let response =
        app.upload(Some(token), "holiday.jpg", "image/jpeg", &fixture("gps.jpg"), &[("alt", "A harbour")]).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_upload_is_stored_upright_without_metadata_in_every_size() {
    let app = spawn_app().await;
    let contributor = app.user_with_role("contributor").await;
    let response = app
        .upload(
            Some(&contributor.access_token),
            "holiday.jpg",
            "image/jpeg",
            &fixture("gps.jpg"),
            &[("alt", "A harbour at dawn"), ("caption", "Tripoli, this morning"), ("credit", "Amal Haddad")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let media: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/api/v1/media/{}", media["id"]));
    // Orientation 6: the 1200x800 sensor image is shown 800 wide, 1200 high.
    assert_eq!((media["width"].as_i64(), media["height"].as_i64()), (Some(800), Some(1200)));
    assert_eq!(media["content_type"], "image/jpeg");
    assert_eq!(media["alt"], "A harbour at dawn");
    assert_eq!(media["caption"], "Tripoli, this morning");
    assert_eq!(media["credit"], "Amal Haddad");
    assert_eq!(media["uploaded_by"]["id"], contributor.id);
    let variants = media["variants"].as_array().unwrap();
    let sizes: Vec<(i64, i64, &str)> = variants
        .iter()
        .map(|v| (v["width"].as_i64().unwrap(), v["height"].as_i64().unwrap(), v["content_type"].as_str().unwrap()))
        .collect();
    // Never wider than the original; in its format and in WebP.
    for width in [320, 640] {
        let height = width * 1200 / 800;
        assert!(sizes.contains(&(width, height, "image/jpeg")), "{sizes:?}");
        assert!(sizes.contains(&(width, height, "image/webp")), "{sizes:?}");
    }
    assert!(sizes.iter().all(|(width, _, _)| *width <= 800), "{sizes:?}");

    let urls: Vec<&Value> = std::iter::once(&media["url"]).chain(variants.iter().map(|v| &v["url"])).collect();
    for url in &urls {
        let served = app.get(&path_of(url), None).await;
        assert_eq!(served.status(), StatusCode::OK, "{url}");
        assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
        let etag = served.headers()["etag"].to_str().unwrap().to_owned();
        let content_type = served.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type == "image/jpeg" || content_type == "image/webp", "{content_type}");
        let bytes = served.bytes().await.unwrap();
        assert_eq!(leaks(&bytes), Vec::<String>::new(), "{url} carries metadata");
        let again = app.request(Method::GET, &path_of(url), None).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert!(again.bytes().await.unwrap().is_empty());
    }
    // Nothing in the store carries what the camera wrote, either.
    let stored = files_under(&app.media_folder());
    assert_eq!(stored.len(), urls.len(), "{stored:?}");
    for file in stored {
        assert_eq!(leaks(&std::fs::read(&file).unwrap()), Vec::<String>::new(), "{file:?}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(app.media_folder()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    let read = app.get_json(&location, Some(&contributor.access_token)).await;
    assert_eq!(read["url"], media["url"]);
    assert_eq!(read["variants"], media["variants"]);
}

#[tokio::test]
async fn the_type_is_read_from_the_bytes_and_anything_else_is_refused() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let token = Some(author.access_token.as_str());
    // A PNG called a JPEG is a PNG.
    let png = app.upload(token, "photo.jpg", "image/jpeg", &fixture("photo.png"), &[]).await;
    assert_eq!(png.status(), StatusCode::CREATED);
    let png: Value = png.json().await.unwrap();
    assert_eq!(png["content_type"], "image/png");
    assert!(png["url"].as_str().unwrap().ends_with(".png"));
    let stored = files_under(&app.media_folder()).len();

    for (name, declared, fixture_name) in [
        ("page.png", "image/png", "not-an-image.png"),
        ("drawing.jpg", "image/jpeg", "drawing.jpg"),
        ("drawing.svg", "image/svg+xml", "drawing.jpg"),
    ] {
        let refused = app.upload(token, name, declared, &fixture(fixture_name), &[]).await;
        assert_problem(refused, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    }
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
    let refused = app.upload(token, "scan.jpg", "image/jpeg", pdf, &[]).await;
    assert_problem(refused, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    // A part the form does not have, or one said twice, is not guessed at.
    for parts in [[("credit", "AFP"), ("credit", "Reuters")], [("alt", "A square"), ("title", "Square")]] {
        let refused = app.upload(token, "photo.png", "image/png", &fixture("photo.png"), &parts).await;
        assert_problem(refused, StatusCode::BAD_REQUEST, "unknown_field").await;
    }

    // Nothing refused was stored or described.
    assert_eq!(files_under(&app.media_folder()).len(), stored);
    let listed = app.get_json("/api/v1/media", token).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

/// The largest the process has been, in KiB.
fn peak_memory_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn bombs_and_broken_images_are_422_and_never_decoded() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let token = Some(author.access_token.as_str());
    let before = peak_memory_kib();
    // 50,000 x 50,000 pixels in under 5 KB: 10 GB once decoded.
    let bomb = app.upload(token, "bomb.png", "image/png", &fixture("bomb.png"), &[]).await;
    let body = assert_problem(bomb, StatusCode::UNPROCESSABLE_ENTITY, "too_many_pixels").await;
    assert!(body["detail"].as_str().unwrap().contains("50000"), "{body}");
    // The suite's other tests share this process; a decoded bomb would
    // need a hundred times more.
    let grown_mib = peak_memory_kib().saturating_sub(before) / 1024;
    assert!(grown_mib < 100, "peak memory grew by {grown_mib} MiB");

    let photo = fixture("gps.jpg");
    let truncated = app.upload(token, "cut.jpg", "image/jpeg", &photo[..photo.len() / 2], &[]).await;
    assert_problem(truncated, StatusCode::UNPROCESSABLE_ENTITY, "malformed_image").await;
    let mut corrupt = fixture("photo.png");
    let middle = corrupt.len() / 2;
    corrupt[middle..middle + 64].fill(0xAB);
    let corrupt = app.upload(token, "bad.png", "image/png", &corrupt, &[]).await;
    assert_problem(corrupt, StatusCode::UNPROCESSABLE_ENTITY, "malformed_image").await;

    let empty = app.upload(token, "empty.jpg", "image/jpeg", b"", &[]).await;
    assert_problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(files_under(&app.media_folder()).is_empty());
    let listed = app.get_json("/api/v1/media", token).await;
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn uploads_over_the_size_limit_are_413() {
    let app = spawn_app_with(&[("--media-max-bytes", "100000")]).await;
    let author = app.user_with_role("author").await;
    let token = Some(author.access_token.as_str());
    let big = app.upload(token, "holiday.jpg", "image/jpeg", &fixture("gps.jpg"), &[]).await;
    assert_problem(big, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let small = app.upload(token, "photo.png", "image/png", &fixture("photo.png"), &[]).await;
    assert_eq!(small.status(), StatusCode::CREATED);
    assert_eq!(files_under(&app.media_folder()).iter().filter(|file| file.ends_with("original.jpg")).count(), 0);
}

#[tokio::test]
async fn each_role_does_what_it_may_with_the_library() {
    let app = spawn_app().await;
    let reader = app.register_user().await;
    let contributor = app.user_with_role("contributor").await;
    let other = app.user_with_role("author").await;
    let editor = app.user_with_role("editor").await;

    let anonymous = app.upload(None, "photo.png", "image/png", &fixture("photo.png"), &[]).await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let by_reader = app.upload(Some(&reader.access_token), "photo.png", "image/png", &fixture("photo.png"), &[]).await;
    assert_problem(by_reader, StatusCode::FORBIDDEN, "forbidden").await;
    let listed = app.request(Method::GET, "/api/v1/media", Some(&reader.access_token)).send().await.unwrap();
    assert_problem(listed, StatusCode::FORBIDDEN, "forbidden").await;

    let mine = upload_photo(&app, &contributor.access_token).await;
    let theirs = app.upload(Some(&other.access_token), "photo.png", "image/png", &fixture("photo.png"), &[]).await;
    let theirs: Value = theirs.json().await.unwrap();
    let (mine_path, theirs_path) = (format!("/api/v1/media/{}", mine["id"]), format!("/api/v1/media/{}", theirs["id"]));

    // Contributors and authors list their own; editors all.
    assert_eq!(app.ids("/api/v1/media", Some(&contributor.access_token)).await, [mine["id"].as_i64().unwrap()]);
    assert_eq!(
        app.ids("/api/v1/media", Some(&editor.access_token)).await,
        [theirs["id"].as_i64().unwrap(), mine["id"].as_i64().unwrap()]
    );

    let by_other =
        app.send_json(Method::PATCH, &mine_path, Some(&other.access_token), &json!({"alt": "Mine now"})).await;
    assert_problem(by_other, StatusCode::FORBIDDEN, "forbidden").await;
    let deleted_by_other = app.request(Method::DELETE, &mine_path, Some(&other.access_token)).send().await.unwrap();
    assert_problem(deleted_by_other, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(app.get_json(&mine_path, Some(&editor.access_token)).await["alt"], "A harbour");

    let own =
        app.send_json(Method::PATCH, &mine_path, Some(&contributor.access_token), &json!({"caption": "Dawn"})).await;
    assert_eq!(own.status(), StatusCode::OK);
    let edited: Value = own.json().await.unwrap();
    assert_eq!((edited["alt"].as_str(), edited["caption"].as_str()), (Some("A harbour"), Some("Dawn")));
    let cleared = app.send_json(Method::PATCH, &mine_path, Some(&editor.access_token), &json!({"alt": null})).await;
    assert_eq!(cleared.status(), StatusCode::OK);
    assert_eq!(cleared.json::<Value>().await.unwrap()["alt"], Value::Null);
    let unknown = app.send_json(Method::PATCH, &mine_path, Some(&editor.access_token), &json!({"url": "x"})).await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);

    let by_editor = app.request(Method::DELETE, &theirs_path, Some(&editor.access_token)).send().await.unwrap();
    assert_eq!(by_editor.status(), StatusCode::NO_CONTENT);
    let gone = app.request(Method::GET, &theirs_path, Some(&editor.access_token)).send().await.unwrap();
    assert_problem(gone, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(app.get(&path_of(&theirs["url"]), None).await.status(), StatusCode::NOT_FOUND);
    let missing = app.request(Method::DELETE, "/api/v1/media/999999", Some(&editor.access_token)).send().await.unwrap();
    assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn the_same_bytes_are_stored_once_and_their_files_go_with_the_last_row() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let token = Some(author.access_token.as_str());
    let first = upload_photo(&app, &author.access_token).await;
    let stored = files_under(&app.media_folder()).len();
    let second = app.upload(token, "again.jpg", "image/jpeg", &fixture("gps.jpg"), &[("alt", "Another alt")]).await;
    let second: Value = second.json().await.unwrap();
    assert_ne!(first["id"], second["id"]);
    assert_eq!(first["url"], second["url"]);
    assert_eq!(second["alt"], "Another alt");
    assert_eq!(files_under(&app.media_folder()).len(), stored);

    let deleted = app.request(Method::DELETE, &format!("/api/v1/media/{}", first["id"]), token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path_of(&second["url"]), None).await.status(), StatusCode::OK);
    let deleted = app.request(Method::DELETE, &format!("/api/v1/media/{}", second["id"]), token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path_of(&second["url"]), None).await.status(), StatusCode::NOT_FOUND);
    assert!(files_under(&app.media_folder()).is_empty());
}

#[tokio::test]
async fn a_cover_from_the_library_reaches_articles_feeds_and_sitemaps() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let token = Some(author.access_token.as_str());
    let media = upload_photo(&app, &author.access_token).await;

    let unknown = app
        .send_json(
            Method::POST,
            "/api/v1/articles",
            token,
            &json!({"title": "T", "body": "B", "cover_image_id": 99999}),
        )
        .await;
    let body = assert_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "cover_image_id");
    let both = app
        .send_json(Method::POST, "/api/v1/articles", token, &json!({
            "title": "T", "body": "B", "cover_image_id": media["id"], "cover_image_url": "https://cdn.example/a.jpg",
        }))
        .await;
    assert_problem(both, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(app.get_json("/api/v1/articles?status=draft", token).await["items"], json!([]));

    // An integer as JSON Schema has them: 7.0 is 7.
    let id_as_float = media["id"].as_f64().unwrap();
    let article = app.publish(&author, "Harbour at dawn", json!({"cover_image_id": id_as_float})).await;
    assert_eq!(article["cover_image"]["id"], media["id"]);
    assert_eq!(article["cover_image"]["alt"], "A harbour");
    assert_eq!(article["cover_image"]["variants"], media["variants"]);
    assert_eq!(article["cover_image_url"], media["url"]);
    let listed = app.get_json("/api/v1/articles", None).await;
    assert_eq!(listed["items"][0]["cover_image"]["url"], media["url"]);

    // The cover's words are the library's, kept up to date in articles.
    let path = format!("/api/v1/articles/{}", article["id"]);
    let media_path = format!("/api/v1/media/{}", media["id"]);
    app.send_json(Method::PATCH, &media_path, token, &json!({"alt": "The harbour of Tripoli"})).await;
    assert_eq!(app.get_json(&path, None).await["cover_image"]["alt"], "The harbour of Tripoli");

    let url = media["url"].as_str().unwrap();
    let bytes = media["bytes"].as_i64().unwrap();
    let rss = app.get("/feeds/rss.xml", None).await.text().await.unwrap();
    assert!(rss.contains(&format!("<enclosure url=\"{url}\" length=\"{bytes}\" type=\"image/jpeg\"")), "{rss}");
    let atom = app.get("/feeds/atom.xml", None).await.text().await.unwrap();
    let atom = roxmltree::Document::parse(&atom).unwrap();
    let enclosure = atom.descendants().find(|node| node.attribute("rel") == Some("enclosure")).expect("enclosure link");
    assert_eq!(enclosure.attribute("href"), Some(url));
    assert_eq!(enclosure.attribute("type"), Some("image/jpeg"));
    assert_eq!(enclosure.attribute("length"), Some(bytes.to_string().as_str()));
    let feed = app.get_json("/feeds/feed.json", None).await;
    assert_eq!(feed["items"][0]["image"], url);
    let sitemap = app.get("/sitemaps/articles-1.xml", None).await.text().await.unwrap();
    let sitemap = roxmltree::Document::parse(&sitemap).unwrap();
    let image = sitemap
        .descendants()
        .find(|node| node.tag_name().name() == "loc" && node.parent().is_some_and(|p| p.tag_name().name() == "image"));
    assert_eq!(image.and_then(|node| node.text()), Some(url));

    // A cover hosted elsewhere replaces it; a restore brings it back.
    let hosted = app
        .send_json(Method::PATCH, &path, token, &json!({"cover_image_url": "https://cdn.example/harbour.jpg"}))
        .await;
    let hosted: Value = hosted.json().await.unwrap();
    assert_eq!(hosted["cover_image"], Value::Null);
    assert_eq!(hosted["cover_image_url"], "https://cdn.example/harbour.jpg");
    let feed = app.get_json("/feeds/feed.json", None).await;
    assert_eq!(feed["items"][0]["image"], "https://cdn.example/harbour.jpg");
    let revisions = app.get_json(&format!("{path}/revisions"), token).await;
    let revision = &revisions["items"][0];
    assert_eq!(revision["summary_of_change"], "changed cover");
    let restored =
        app.request(Method::POST, &format!("{path}/revisions/{}/restore", revision["id"]), token).send().await.unwrap();
    assert_eq!(restored.status(), StatusCode::OK);
    let restored: Value = restored.json().await.unwrap();
    assert_eq!(restored["cover_image"]["id"], media["id"]);
    let removed = app.send_json(Method::PATCH, &path, token, &json!({"cover_image_id": null})).await;
    let removed: Value = removed.json().await.unwrap();
    assert_eq!((removed["cover_image"].clone(), removed["cover_image_url"].clone()), (Value::Null, Value::Null));
}

#[tokio::test]
async fn an_image_in_use_cannot_be_deleted_and_bodies_describe_it() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let editor = app.user_with_role("editor").await;
    let token = Some(author.access_token.as_str());
    let media = upload_photo(&app, &author.access_token).await;
    let url = media["url"].as_str().unwrap();

    let covered = app.publish(&author, "Covered", json!({"cover_image_id": media["id"]})).await;
    let media_path = format!("/api/v1/media/{}", media["id"]);
    let refused = app.request(Method::DELETE, &media_path, Some(&editor.access_token)).send().await.unwrap();
    let body = assert_problem(refused, StatusCode::CONFLICT, "media_in_use").await;
    assert!(body["detail"].as_str().unwrap().contains(&format!("article {}", covered["id"])), "{body}");

    // In a body, an image of the library gets its sizes.
    let shown =
        app.publish(&author, "Shown", json!({"body": format!("Before.\n\n![The harbour]({url})\n\nAfter.")})).await;
    let html = shown["body_html"].as_str().unwrap();
    assert!(html.contains("width=\"800\" height=\"1200\""), "{html}");
    assert!(html.contains("loading=\"lazy\""), "{html}");
    assert!(html.contains(&format!("{url} 800w")), "{html}");
    assert!(html.contains(" 320w"), "{html}");
    assert!(html.contains("alt=\"The harbour\""), "{html}");
    // Other images are left as they are.
    let elsewhere = app.publish(&author, "Elsewhere", json!({"body": "![x](https://cdn.example/x.jpg)"})).await;
    assert!(!elsewhere["body_html"].as_str().unwrap().contains("srcset"));

    app.send_json(
        Method::PATCH,
        &format!("/api/v1/articles/{}", covered["id"]),
        token,
        &json!({"cover_image_id": null}),
    )
    .await;
    let refused = app.request(Method::DELETE, &media_path, Some(&editor.access_token)).send().await.unwrap();
    let body = assert_problem(refused, StatusCode::CONFLICT, "media_in_use").await;
    assert!(body["detail"].as_str().unwrap().contains(&format!("article {}", shown["id"])), "{body}");
    assert_eq!(app.get(&path_of(&media["url"]), None).await.status(), StatusCode::OK);

    app.send_json(Method::PATCH, &format!("/api/v1/articles/{}", shown["id"]), token, &json!({"body": "No image."}))
        .await;
    let deleted = app.request(Method::DELETE, &media_path, Some(&editor.access_token)).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&path_of(&media["url"]), None).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn instances_share_an_s3_bucket() {
    let s3 = S3Server::started().await;
    let (store, endpoint) = (format!("s3://{}/site", s3.bucket), s3.endpoint());
    let instances = spawn_instances_with(
        2,
        &[
            ("--media-store", &store),
            ("--aws-endpoint-url", &endpoint),
            ("--aws-region", "us-east-1"),
            ("--aws-access-key-id", "newsroom-test"),
            ("--aws-secret-access-key", "newsroom-test-secret"),
        ],
    )
    .await;
    let (first, second) = (&instances[0], &instances[1]);
    let author = first.user_with_role("author").await;
    let media = upload_photo(first, &author.access_token).await;
    let key = path_of(&media["url"]).strip_prefix("/media/").unwrap().to_owned();

    // The other instance serves what the first stored; the bucket holds it,
    // without what the camera wrote, and nothing was kept on local disk.
    let served = second.get(&path_of(&media["url"]), None).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(leaks(&served.bytes().await.unwrap()), Vec::<String>::new());
    for variant in media["variants"].as_array().unwrap() {
        let key = path_of(&variant["url"]).strip_prefix("/media/").unwrap().to_owned();
        let object = s3.object(&format!("site/{key}")).unwrap_or_else(|| panic!("{key} is in the bucket"));
        assert_eq!(leaks(&object), Vec::<String>::new(), "{key}");
    }
    assert!(files_under(&first.media_folder()).is_empty());

    // The same bytes through the other instance are the same files.
    let again = second
        .upload(Some(&author.access_token), "again.jpg", "image/jpeg", &fixture("gps.jpg"), &[])
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(again["url"], media["url"]);
    for id in [&media["id"], &again["id"]] {
        let deleted =
            second.request(Method::DELETE, &format!("/api/v1/media/{id}"), Some(&author.access_token)).send().await;
        assert_eq!(deleted.unwrap().status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(first.get(&path_of(&media["url"]), None).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(s3.object(&format!("site/{key}")), None);
}

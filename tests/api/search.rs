//! Search sees only what the caller may see, before anything is cut.

use newsroom::articles::db::ArticleStatus;
use newsroom::articles::write::{self, Draft, Text};
use newsroom::categories::Tree;
use newsroom::effects::Effects;
use newsroom::error::ApiError;
use newsroom::media::MediaUrls;
use newsroom::store;
use serde_json::json;

use crate::helpers::{TestApp, TestUser, spawn_app};

/// `count` drafts by `author` that contain `word`, written as the API writes
/// them, in one transaction.
async fn drafts_containing(app: &TestApp, author: &TestUser, word: &str, count: usize) {
    let mut conn = app.db();
    let (author_id, word) = (i32::try_from(author.id).unwrap(), word.to_owned());
    tokio::task::spawn_blocking(move || {
        store::write_on(&mut conn, |conn| {
            let tree = Tree::load(conn)?;
            // Drafts show no image: where media files are served does not matter.
            let media = MediaUrls::new("http://localhost/media/".parse().unwrap());
            // Drafts: nothing anyone else is served changes.
            let mut effects = Effects::new();
            for n in 0..count {
                let draft = Draft {
                    title: format!("Draft {n} about the {word}"),
                    text: Text::new(format!("The {word} again, draft {n}."))?,
                    excerpt: None,
                    slug: None,
                    category: None,
                    tags: Vec::new(),
                    status: ArticleStatus::Draft,
                    published_at: None,
                    cover: None,
                    author_id: Some(author_id),
                    written_at: None,
                };
                write::create(conn, &mut effects, &tree, &media, draft)?;
            }
            Ok::<_, ApiError>(())
        })
    })
    .await
    .unwrap()
    .unwrap();
}

#[tokio::test]
async fn a_flood_of_drafts_cannot_hide_public_matches() {
    let app = spawn_app().await;
    let author = app.user_with_role("author").await;
    let editor = app.user_with_role("editor").await;
    let public = app.publish(&author, "The zebra crossing", json!({"body": "A zebra crossed the road."})).await;
    let public_id = public["id"].as_i64().unwrap();

    drafts_containing(&app, &author, "zebra", 1_001).await;

    for path in ["/api/v1/articles?q=zebra", "/api/v1/articles?q=zebra&sort=relevance"] {
        assert_eq!(app.ids(path, None).await, vec![public_id], "{path} for everyone");
    }
    let reader = app.register_user().await;
    assert_eq!(app.ids("/api/v1/articles?q=zebra", reader.token()).await, vec![public_id], "for a signed-in reader");
    let staff_published = "/api/v1/articles?q=zebra&status=published&sort=relevance";
    assert_eq!(app.ids(staff_published, editor.token()).await, vec![public_id], "for an editor");
    let own_drafts = app.ids("/api/v1/articles?q=zebra&status=draft&sort=relevance&limit=100", author.token()).await;
    assert_eq!(own_drafts.len(), 100, "the author still finds their drafts");
    assert!(!own_drafts.contains(&public_id));
}

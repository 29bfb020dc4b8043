//! What the server writes to disk (the SQLite database, its WAL, the mail
//! outbox with its reset links) is readable by its owner only.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::helpers::{TestDatabase, spawn_app_with};
use crate::password_reset::forgot;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[tokio::test]
async fn data_and_mail_are_readable_by_their_owner_only() {
    let dir = tempfile::TempDir::new().unwrap();
    let outbox = dir.path().join("mail/outbox");
    let database = TestDatabase::create(&dir);
    let sqlite = dir.path().join("data/site/newsroom.db");
    let database_url = match &database {
        TestDatabase::Sqlite(_) => sqlite.display().to_string(),
        TestDatabase::Postgres { url, .. } => url.clone(),
    };
    let app =
        spawn_app_with(&[("--database-url", &database_url), ("--mail-outbox", &outbox.display().to_string())]).await;
    let user = app.register_user().await;
    forgot(&app, &user.email).await;

    assert_eq!(mode(&outbox), 0o700, "the outbox holds reset links");
    assert_eq!(mode(&dir.path().join("mail")), 0o700);
    if let TestDatabase::Sqlite(_) = database {
        for folder in ["data", "data/site"] {
            assert_eq!(mode(&dir.path().join(folder)), 0o700, "{folder}");
        }
        for file in ["newsroom.db", "newsroom.db-wal", "newsroom.db-shm"] {
            assert_eq!(mode(&dir.path().join("data/site").join(file)), 0o600, "{file}");
        }
    }
}

//! What only the SQLite backend has: its file and its write-ahead log.

use crate::cli::Site;
use crate::helpers::TestDatabase;

#[test]
fn migrate_empties_a_wal_left_behind() {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, SqliteConnection};

    let site = Site::new();
    let TestDatabase::Sqlite(path) = &site.database else { panic!("run in the SQLite suite only") };
    assert!(site.newsroom().arg("migrate").output().unwrap().status.success());
    // An open connection keeps SQLite from folding the WAL away on close, as
    // a crashed writer would.
    let mut holder = SqliteConnection::establish(path).unwrap();
    holder
        .batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
             CREATE TABLE filler (x BLOB);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO filler SELECT randomblob(4000) FROM n;",
        )
        .unwrap();
    let wal = std::path::PathBuf::from(format!("{path}-wal"));
    assert!(std::fs::metadata(&wal).unwrap().len() > 2_000_000, "the WAL holds the writes");

    assert!(site.newsroom().arg("migrate").output().unwrap().status.success());

    assert_eq!(std::fs::metadata(&wal).unwrap().len(), 0, "checkpointed into the database and truncated");
    drop(holder);
}

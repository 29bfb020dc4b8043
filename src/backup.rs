//! `newsroom backup FILE`: a consistent copy of a live SQLite site, taken
//! while it serves (`VACUUM INTO` reads one snapshot; writers carry on).
//! PostgreSQL has its own tools for this, which the message names.

use std::path::Path;
use std::time::Instant;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::cli::CliResult;
use crate::config::Config;
use crate::private;
use crate::store::{self, Conn, Database};

/// What a backup wrote.
pub struct BackupReport {
    pub bytes: u64,
    pub seconds: f64,
}

/// Writes the database into `target`, a file that must not exist yet; it is
/// created readable by its owner only, as the database is.
pub fn backup(config: &Config, target: &Path) -> CliResult<BackupReport> {
    let Database::Sqlite(source) = &config.database else {
        return Err("on PostgreSQL, back up with its own tools: \
                    pg_dump --format=custom --file=FILE \"$NEWSROOM_DATABASE_URL\" (restore with pg_restore)"
            .into());
    };
    if !source.exists() {
        return Err(format!("there is no SQLite database at {}", source.display()).into());
    }
    let started = Instant::now();
    private::create_file(target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let copied = copy_into(&config.database, target);
    if let Err(error) = copied {
        // An empty or partial file must not pass for a backup.
        let _ = std::fs::remove_file(target);
        return Err(error);
    }
    Ok(BackupReport { bytes: std::fs::metadata(target)?.len(), seconds: started.elapsed().as_secs_f64() })
}

fn copy_into(database: &Database, target: &Path) -> CliResult<()> {
    let pool = store::connect(database, 1, store::COMMAND_TIMEOUT)?;
    let mut conn = pool.get()?;
    let target = target.to_str().ok_or("the backup's path must be UTF-8")?;
    let Conn::Sqlite(sqlite) = &mut *conn else {
        return Err("not a SQLite database".into());
    };
    diesel::sql_query("VACUUM INTO ?").bind::<Text, _>(target).execute(sqlite)?;
    Ok(())
}

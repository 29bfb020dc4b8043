//! Files and folders that hold data or secrets (the database and its WAL,
//! the JWT secret, the mail outbox with its reset links) are created
//! readable by their owner only: folders 0700, files 0600. SQLite creates
//! the WAL and shared-memory files with the database file's own mode.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Creates `folder` and any missing parents, each mode 0700; an existing
/// folder is left as it is.
pub fn create_folder(folder: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(folder)
}

/// Creates the file `path`, mode 0600, failing if it exists.
pub fn create_file(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

/// Creates the empty file `path` (mode 0600) unless it exists, so that
/// whatever opens it next (SQLite) finds it with the owner's mode only.
pub fn ensure_file(path: &Path) -> io::Result<()> {
    match create_file(path) {
        Err(error) if error.kind() != io::ErrorKind::AlreadyExists => Err(error),
        _ => Ok(()),
    }
}

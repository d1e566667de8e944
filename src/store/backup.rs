//! Online backup: a consistent copy of the live database, taken while the
//! daemon keeps running.
//!
//! SQLite's backup API copies the database page by page inside one read
//! transaction. In WAL mode a reader never blocks the writer, so the copy
//! is taken in a single step: it sees one consistent snapshot and the
//! daemon's refreshes go on meanwhile (a copy taken in several steps would
//! restart whenever another connection writes between steps, which a busy
//! daemon does all the time).
//!
//! The copy is written beside its destination under a temporary name,
//! switched to a self-contained rollback journal (no `-wal` file to carry
//! along), checked with `PRAGMA quick_check`, and only then renamed into
//! place, so a `PATH` that exists is always a whole, valid database.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::{Store, StoreError};

/// What a finished backup holds.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub articles: u64,
    pub sources: u64,
}

impl Store {
    /// Copies the database to `dest`. Refuses to overwrite an existing file
    /// unless `overwrite`.
    pub fn backup_to(&self, dest: &Path, overwrite: bool) -> Result<BackupReport, StoreError> {
        let fail = |reason: String| StoreError::Backup {
            path: dest.to_path_buf(),
            reason,
        };
        if dest.exists() && !overwrite {
            return Err(fail(
                "the file exists; choose another name or pass --force".into(),
            ));
        }
        let name = dest
            .file_name()
            .ok_or_else(|| fail("not a file name".into()))?
            .to_string_lossy()
            .into_owned();
        let tmp = dest.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let result = self.copy_to(&tmp);
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                remove_db_files(&tmp);
                return Err(e);
            }
        };
        std::fs::rename(&tmp, dest).map_err(|e| {
            remove_db_files(&tmp);
            fail(format!("cannot move the finished copy into place: {e}"))
        })?;
        Ok(BackupReport {
            path: dest.to_path_buf(),
            ..report
        })
    }

    fn copy_to(&self, tmp: &Path) -> Result<BackupReport, StoreError> {
        let fail = |reason: String| StoreError::Backup {
            path: tmp.to_path_buf(),
            reason,
        };
        let mut dst = Connection::open(tmp).map_err(|e| fail(e.to_string()))?;
        {
            let src = self.conn();
            let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
            // -1: every page in one step (see the module doc).
            backup.step(-1)?;
        }
        // The copy carries the source's WAL flag in its header; a backup
        // should be one file that `sqlite3 PATH` or a restore opens as is.
        dst.pragma_update(None, "journal_mode", "DELETE")?;
        let check: String = dst.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if check != "ok" {
            return Err(fail(format!(
                "the copy failed its integrity check: {check}"
            )));
        }
        let count = |sql: &str| dst.query_row(sql, [], |r| r.get::<_, i64>(0));
        let articles = count("SELECT count(*) FROM articles")? as u64;
        let sources = count("SELECT count(*) FROM sources")? as u64;
        drop(dst);
        let bytes = std::fs::metadata(tmp).map(|m| m.len()).unwrap_or(0);
        Ok(BackupReport {
            path: tmp.to_path_buf(),
            bytes,
            articles,
            sources,
        })
    }
}

fn remove_db_files(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-journal", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

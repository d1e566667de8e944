//! One daemon per database: an exclusive lock on a file beside it.
//!
//! Two daemons on one database would poll every source twice and race each
//! other's refreshes. SQLite's own locking keeps the file consistent but
//! cannot say "someone else is already running", so `run` takes an
//! advisory `flock(2)` on `<database>.lock` and holds it until it exits;
//! the kernel releases it when the process dies, however it dies, so a
//! crash never leaves a stale lock. The other commands (`fetch`, `search`,
//! `stats`, `backup`) never take it: SQLite's WAL mode lets them read and
//! write beside a running daemon.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another feedsieve daemon{} is already running on {db}; stop it first \
         (systemctl stop feedsieve), or give this one another [store] path",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Busy { db: PathBuf, pid: Option<u32> },
    #[error("cannot lock {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Held while the daemon runs; dropping it releases the lock.
#[derive(Debug)]
pub struct DaemonLock {
    _file: File,
    path: PathBuf,
}

impl DaemonLock {
    /// The lock file of the database at `db`.
    pub fn path_for(db: &Path) -> PathBuf {
        let mut name = db.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        db.with_file_name(name)
    }

    /// Takes the lock of the database at `db`, or says who holds it.
    pub fn acquire(db: &Path) -> Result<DaemonLock, LockError> {
        let path = Self::path_for(db);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        // Not truncated on open: until the lock is ours, the file holds
        // the running daemon's pid, which the error message reports.
        let opened = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path);
        // On a filesystem remounted read-only (a failing disk) or in a
        // folder the daemon may no longer write, the lock file an earlier
        // run left can still be locked: flock(2) needs no write access. The
        // daemon then serves what the database holds and retries writing
        // (`Store::ensure_writable`); only the pid goes unrecorded.
        let (mut file, writable) = match opened {
            Ok(file) => (file, true),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                match File::open(&path) {
                    Ok(file) => (file, false),
                    Err(_) => return Err(io(e)),
                }
            }
            Err(e) => return Err(io(e)),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                return Err(LockError::Busy {
                    db: db.to_path_buf(),
                    pid: text.trim().parse().ok(),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // The pid is only for people and the message above; the lock itself
        // is the flock, not the file's content.
        if writable {
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            writeln!(file, "{}", std::process::id()).map_err(io)?;
        }
        Ok(DaemonLock { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state/feedsieve.db");
        let first = DaemonLock::acquire(&db).unwrap();
        assert_eq!(first.path(), dir.path().join("state/feedsieve.db.lock"));
        match DaemonLock::acquire(&db) {
            Err(LockError::Busy { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            other => panic!("expected Busy, got {other:?}"),
        }
        // Another database is not affected.
        DaemonLock::acquire(&dir.path().join("other.db")).unwrap();
        drop(first);
        DaemonLock::acquire(&db).unwrap();
    }
}

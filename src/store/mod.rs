//! The store: the only module that speaks SQL.
//!
//! Everything the daemon remembers — sources and their fetch state, articles,
//! topic matches — lives in one SQLite file, behind the small API of
//! [`Store`]. Callers pass and receive the plain structs of `crate::model`;
//! no SQL, row or `rusqlite` type leaves this module, so another engine could
//! sit here later.
//!
//! Each method is synchronous and short. Async callers run them with
//! `tokio::task::spawn_blocking`: SQLite calls block, and a blocked runtime
//! thread would stall the HTTP server.

mod articles;
mod migrate;
mod published;
mod sources;
mod stories;
mod topics;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

pub use articles::SavedCounts;
pub use published::{FeedItems, FeedPage, ItemCursor};
pub use sources::{MOVE_CONFIRMATIONS, SourceState, SourceStatus};

/// Errors of the store. All of them concern the one database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create the database folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than this feedsieve knows ({known}); \
         use a newer feedsieve or restore a backup"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("migration {name} failed: {source}")]
    Migration {
        name: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("no source named {0:?} in the database")]
    UnknownSource(String),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A handle to the database. Cheap to clone; clones share one connection.
///
/// One connection behind a mutex is enough while every statement is short:
/// SQLite serialises writers anyway, and the lock is held only inside a
/// method, never across an `.await` (methods are synchronous).
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        // WAL lets readers (the HTTP server, `feedsieve stats`) work while a
        // refresh writes; NORMAL sync is durable across process crashes in
        // WAL mode and only risks the last transaction on power loss.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        migrate::run(&mut conn, path)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing database read-only, without migrating it: for
    /// commands that promise to change nothing (`feedsieve explain`,
    /// `feedsieve topics test`). Fails when the file does not exist.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A poisoned lock means a panic happened mid-method; the connection
        // itself is still valid (SQLite rolled back any open transaction when
        // the statement was dropped), so keep using it.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Answers whether the database can be read, for /healthz.
    pub fn check(&self) -> Result<(), StoreError> {
        self.conn()
            .query_row("SELECT count(*) FROM sources", [], |_| Ok(()))?;
        Ok(())
    }
}

/// Current time as Unix seconds, the store's time unit.
fn unix(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

fn from_unix(s: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(s, 0).unwrap_or_default()
}

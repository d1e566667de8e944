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
mod backup;
mod lock;
mod migrate;
mod published;
mod retention;
mod search;
mod sources;
mod stories;
mod topics;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::Connection;

pub use articles::SavedCounts;
pub use backup::BackupReport;
pub use lock::{DaemonLock, LockError};
pub use published::{FeedItems, FeedPage, ItemCursor};
pub use retention::{PruneReport, TOMBSTONE_GRACE, VacuumMode};
pub use search::{IndexState, SearchHit, SearchOrder};
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
    #[error("cannot back up to {path}: {reason}")]
    Backup { path: PathBuf, reason: String },
    #[error("no source named {0:?} in the database")]
    UnknownSource(String),
    #[error(
        "database {path} is read-only (its file, folder or filesystem cannot be written): \
         serving what it holds, retrying at each refresh"
    )]
    ReadOnly { path: PathBuf },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// Whether the database could be read but not written: the daemon
    /// keeps serving and retries, instead of stopping.
    pub fn is_read_only(&self) -> bool {
        match self {
            StoreError::ReadOnly { .. } => true,
            StoreError::Sqlite(e) | StoreError::Migration { source: e, .. } => {
                e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly)
            }
            _ => false,
        }
    }
}

/// A connection to `path` with the per-connection settings. Read-only
/// when SQLite could only open the file for reading.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    match connect_normally(path) {
        // On a read-only filesystem SQLite cannot create the WAL index
        // (`-shm`) beside a database that was shut down cleanly, and
        // opening fails outright ("unable to open database file"). Opened
        // immutable — SQLite's mode for read-only media — it still serves.
        Err(e) if path.exists() && !can_write(path) => connect_immutable(path).map_err(|_| e),
        result => result,
    }
}

/// Whether the file can be opened for writing (it is not truncated).
fn can_write(path: &Path) -> bool {
    std::fs::OpenOptions::new().write(true).open(path).is_ok()
}

fn connect_immutable(path: &Path) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let uri = std::path::absolute(path)
        .ok()
        .and_then(|p| url::Url::from_file_path(p).ok())
        .ok_or_else(|| open_err(rusqlite::Error::InvalidPath(path.to_path_buf())))?;
    let conn = Connection::open_with_flags(
        format!("{uri}?immutable=1"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
            | rusqlite::OpenFlags::SQLITE_OPEN_URI
            | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(open_err)?;
    Ok(conn)
}

fn connect_normally(path: &Path) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(open_err)?;
    // Must be set before the first table exists to take effect: a new
    // database can then give pruned space back a little at a time
    // (`reclaim_space`). Existing databases keep their mode until
    // `enable_incremental_vacuum` rewrites them.
    let empty: bool = conn
        .query_row("SELECT count(*) = 0 FROM sqlite_schema", [], |r| r.get(0))
        .map_err(open_err)?;
    if empty {
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")
            .map_err(open_err)?;
    }
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
    Ok(conn)
}

fn is_read_only(conn: &Connection) -> bool {
    // Only fails for an unknown schema name; "main" always exists.
    conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
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
        let mut conn = connect(path)?;
        migrate::run(&mut conn, path)?;
        if is_read_only(&conn) {
            tracing::error!(
                path = %path.display(),
                "the database is read-only: serving what it holds; writing is retried at each refresh"
            );
        } else {
            // A read-only database cannot start the rebuild; it starts when
            // the database is writable again (`ensure_writable`).
            search::start_rebuild_if_stale(&mut conn)?;
        }
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
        })
    }

    /// Succeeds when the database can be written, reopening it if it was
    /// opened read-only and has become writable since.
    ///
    /// SQLite opens a file it may not write (permissions, a read-only
    /// mount) read-only without a word, and that connection stays
    /// read-only for good, so retrying a refresh would never store
    /// anything even after the file is fixed. Each refresh asks here first:
    /// a fresh connection is cheap next to a fetch.
    pub fn ensure_writable(&self) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let on_file = conn.path().is_some_and(|p| !p.is_empty());
        if on_file && !is_read_only(&conn) {
            return Ok(());
        }
        let read_only = || StoreError::ReadOnly {
            path: self.path.clone(),
        };
        // Still not writable: keep serving from the connection we have.
        if on_file
            && std::fs::OpenOptions::new()
                .write(true)
                .open(&self.path)
                .is_err()
        {
            return Err(read_only());
        }
        // SQLite shares one wal-index (-shm) mapping per file among the
        // connections of a process, and it stays read-only while the old
        // connection holds it: a new connection opened beside the old one
        // is read-only too. So the old one is closed first. (An in-memory
        // placeholder stands in meanwhile; `on_file` above notices it if
        // reconnecting fails.)
        drop(std::mem::replace(&mut *conn, Connection::open_in_memory()?));
        *conn = connect(&self.path)?;
        if is_read_only(&conn) {
            return Err(read_only());
        }
        search::start_rebuild_if_stale(&mut conn)?;
        tracing::info!(path = %self.path.display(), "the database is writable again");
        Ok(())
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

/// The database file as a whole, for `feedsieve stats`.
#[derive(Debug, Clone)]
pub struct DatabaseStats {
    pub schema_version: i64,
    /// Pages in use times the page size (the WAL file not included).
    pub bytes: u64,
    /// Space held by free pages, not yet returned to the file system.
    pub free_bytes: u64,
    pub articles: u64,
    pub tombstones: u64,
    pub vacuum: VacuumMode,
    pub search_index: IndexState,
}

impl Store {
    /// Sizes and counts of the whole database.
    pub fn database_stats(&self) -> Result<DatabaseStats, StoreError> {
        let vacuum = self.vacuum_mode()?;
        let search_index = self.search_index_state()?;
        let conn = self.conn();
        let n = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0));
        let page_size = n("PRAGMA page_size")? as u64;
        Ok(DatabaseStats {
            schema_version: n("PRAGMA user_version")?,
            bytes: n("PRAGMA page_count")? as u64 * page_size,
            free_bytes: n("PRAGMA freelist_count")? as u64 * page_size,
            articles: n("SELECT count(*) FROM articles")? as u64,
            tombstones: n("SELECT count(*) FROM tombstones")? as u64,
            vacuum,
            search_index,
        })
    }
}

/// Current time as Unix seconds, the store's time unit.
fn unix(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

fn from_unix(s: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(s, 0).unwrap_or_default()
}

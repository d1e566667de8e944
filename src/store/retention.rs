//! Retention: deleting old articles, remembering what was deleted, and
//! giving the space back.
//!
//! In: the `[store]` policy (`keep`, `max_per_source`) and the time. Out:
//! how much was pruned. A pruned article leaves a tombstone (its source and
//! entry key) so the "seen before?" check keeps treating it as known and a
//! feed that still lists it does not bring it back, scraped anew, only to
//! be pruned again. Tombstones whose entry has left its feed for
//! [`TOMBSTONE_GRACE`] are dropped: they protect nothing any more.
//!
//! Space: a fresh database is created with `auto_vacuum = INCREMENTAL`, so
//! freed pages can be returned to the file system a few at a time
//! ([`Store::reclaim_space`]). A database created before that setting
//! needs one full `VACUUM` to switch ([`Store::enable_incremental_vacuum`]).

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{Store, StoreError, unix};
use crate::config::StoreConfig;

/// How long a tombstone outlives the last time its entry was seen in the
/// source's feed. Feeds list their newest 10–100 entries; one gone from
/// the feed for a month is not coming back, and if it did, it would be
/// pruned again by the same rule that pruned it first.
pub const TOMBSTONE_GRACE: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// Articles deleted per transaction, so a first prune of a large database
/// does not hold the write lock (and the refreshes waiting on it) for long.
const PRUNE_BATCH: i64 = 500;

/// What one prune did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Articles deleted (each leaving a tombstone).
    pub articles: usize,
    /// Tombstones dropped after their grace period.
    pub tombstones_dropped: usize,
}

/// SQLite's `auto_vacuum` setting of a database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VacuumMode {
    None,
    Full,
    Incremental,
}

impl Store {
    /// Deletes the articles `policy` no longer keeps, leaving tombstones,
    /// and drops expired tombstones.
    pub fn prune(
        &self,
        policy: &StoreConfig,
        now: DateTime<Utc>,
    ) -> Result<PruneReport, StoreError> {
        let mut report = PruneReport::default();
        if let Some(keep) = policy.keep {
            let cutoff = now - chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
            report.articles += self.prune_where(
                "SELECT id FROM articles WHERE published_at < ?1 LIMIT ?2",
                unix(cutoff),
                now,
            )?;
        }
        if let Some(max) = policy.max_per_source {
            report.articles += self.prune_where(
                "SELECT id FROM (
                     SELECT id, row_number() OVER (
                         PARTITION BY source_id ORDER BY published_at DESC, id DESC) AS n
                     FROM articles)
                 WHERE n > ?1 LIMIT ?2",
                max as i64,
                now,
            )?;
        }
        if report.articles > 0 {
            // A story whose every article was pruned is an empty row.
            self.conn().execute(
                "DELETE FROM stories
                 WHERE NOT EXISTS (SELECT 1 FROM articles WHERE story_id = stories.id)",
                [],
            )?;
        }
        let grace = chrono::Duration::from_std(TOMBSTONE_GRACE).unwrap_or(chrono::Duration::MAX);
        report.tombstones_dropped = self.conn().execute(
            "DELETE FROM tombstones WHERE seen_at < ?1",
            [unix(now - grace)],
        )?;
        if report.articles > 0 || report.tombstones_dropped > 0 {
            tracing::info!(
                articles = report.articles,
                tombstones_dropped = report.tombstones_dropped,
                "pruned old articles"
            );
        }
        Ok(report)
    }

    /// Deletes, batch by batch, the articles `select` (taking the parameter
    /// and a limit) returns, each leaving a tombstone.
    fn prune_where(
        &self,
        select: &str,
        param: i64,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let mut conn = self.conn();
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let ids: Vec<i64> = {
                let mut stmt = tx.prepare_cached(select)?;
                let rows = stmt.query_map(params![param, PRUNE_BATCH], |r| r.get(0))?;
                rows.collect::<Result<_, _>>()?
            };
            if ids.is_empty() {
                return Ok(total);
            }
            {
                let mut bury = tx.prepare_cached(
                    "INSERT INTO tombstones (source_id, entry_key, pruned_at, seen_at)
                     SELECT source_id, entry_key, ?2, ?2 FROM articles WHERE id = ?1
                     ON CONFLICT (source_id, entry_key) DO NOTHING",
                )?;
                // Topic matches go by ON DELETE CASCADE, the search index
                // row by the articles_unindex trigger.
                let mut delete = tx.prepare_cached("DELETE FROM articles WHERE id = ?1")?;
                for id in &ids {
                    bury.execute(params![id, unix(now)])?;
                    delete.execute([id])?;
                }
            }
            tx.commit()?;
            total += ids.len();
        }
    }

    /// Returns up to `max_pages` free pages to the file system (all of them
    /// when `None`). Does nothing (returns 0) unless the database is in
    /// incremental auto-vacuum mode. Returns the pages freed.
    pub fn reclaim_space(&self, max_pages: Option<u32>) -> Result<u64, StoreError> {
        let conn = self.conn();
        if vacuum_mode(&conn)? != VacuumMode::Incremental {
            return Ok(0);
        }
        let before: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
        // SQLite's program for this pragma frees one page per step (it
        // yields an empty row after each), so it must be stepped to the
        // end; `execute_batch` would step once and free a single page.
        let sql = match max_pages {
            Some(n) => format!("PRAGMA incremental_vacuum({n})"),
            None => "PRAGMA incremental_vacuum".to_string(),
        };
        {
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            while rows.next()?.is_some() {}
        }
        let after: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
        Ok(before.saturating_sub(after) as u64)
    }

    /// The database's auto-vacuum mode.
    pub fn vacuum_mode(&self) -> Result<VacuumMode, StoreError> {
        Ok(vacuum_mode(&self.conn())?)
    }

    /// Switches a database created without incremental auto-vacuum to it.
    /// SQLite can only change the mode of a database with tables by
    /// rewriting it with `VACUUM`, which needs free disk space about the
    /// size of the database and takes time in proportion to it; it runs on
    /// a connection of its own so the store's other users (the HTTP
    /// server's reads) are not queued behind it. Does nothing when the mode
    /// is already incremental. Returns whether it converted.
    pub fn enable_incremental_vacuum(&self) -> Result<bool, StoreError> {
        if self.vacuum_mode()? == VacuumMode::Incremental {
            return Ok(false);
        }
        let conn = open_plain(&self.path)?;
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
        conn.execute_batch("VACUUM")?;
        Ok(vacuum_mode(&conn)? == VacuumMode::Incremental)
    }
}

fn vacuum_mode(conn: &Connection) -> rusqlite::Result<VacuumMode> {
    // The pragma answers from the header as this connection last read it,
    // without a transaction; a read first makes it see a conversion done
    // by another connection (`enable_incremental_vacuum`'s).
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(()))?;
    let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
    Ok(match mode {
        1 => VacuumMode::Full,
        2 => VacuumMode::Incremental,
        _ => VacuumMode::None,
    })
}

fn open_plain(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(conn)
}

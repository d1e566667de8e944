//! Schema migrations: the SQL files in `migrations/`, applied in order.
//!
//! The applied version is SQLite's `PRAGMA user_version`, so the schema's
//! state lives in the file it describes. Each migration runs in its own
//! transaction with the version bump, so a crash mid-migration leaves the
//! previous version intact and the next start retries it.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Every migration, in order. Versions are the files' numbers; gaps are
/// allowed (a number may be reserved by work not yet landed).
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "0001_init",
        include_str!("../../migrations/0001_init.sql"),
    ),
    (
        2,
        "0002_fetch_state",
        include_str!("../../migrations/0002_fetch_state.sql"),
    ),
    (
        4,
        "0004_stories",
        include_str!("../../migrations/0004_stories.sql"),
    ),
    (
        5,
        "0005_topic_evidence",
        include_str!("../../migrations/0005_topic_evidence.sql"),
    ),
];

pub(super) fn run(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: current,
            known,
        });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .and_then(|()| tx.pragma_update(None, "user_version", version))
            .map_err(|source| StoreError::Migration { name, source })?;
        tx.commit()?;
        tracing::info!(migration = name, "applied database migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_versions_are_strictly_increasing() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].0 < w[1].0));
        for (v, name, _) in MIGRATIONS {
            assert!(name.starts_with(&format!("{v:04}_")), "{name}");
        }
    }

    #[test]
    fn migrating_twice_is_a_no_op_and_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        run(&mut conn, &path).unwrap();
        run(&mut conn, &path).unwrap();
        conn.pragma_update(None, "user_version", 9999).unwrap();
        let e = run(&mut conn, &path).unwrap_err();
        assert!(matches!(e, StoreError::NewerSchema { found: 9999, .. }));
    }
}

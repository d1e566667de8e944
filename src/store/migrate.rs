//! Schema migrations: the SQL files in `migrations/`, applied in order.
//!
//! `PRAGMA user_version` holds the highest version applied, so the
//! schema's state lives in the file it describes and an older feedsieve
//! refuses a newer database. Which migrations were applied is recorded
//! one by one in `schema_migrations`: numbers are reserved per piece of
//! work and land in any order (0007 may land before 0006), so "every
//! version up to user_version" is not enough to know what a database has.
//! Each migration runs in its own transaction with its record, so a crash
//! mid-migration leaves the previous state and the next start retries it.

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
        4,
        "0004_stories",
        include_str!("../../migrations/0004_stories.sql"),
    ),
    (
        5,
        "0005_topic_evidence",
        include_str!("../../migrations/0005_topic_evidence.sql"),
    ),
    (
        7,
        "0007_retention_search",
        include_str!("../../migrations/0007_retention_search.sql"),
    ),
];

pub(super) fn run(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    run_list(conn, path, MIGRATIONS)
}

fn run_list(
    conn: &mut Connection,
    path: &Path,
    migrations: &[(i64, &'static str, &str)],
) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = migrations.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: current,
            known,
        });
    }
    {
        let tx = conn.transaction()?;
        let exists: bool = tx.query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'schema_migrations'",
            [],
            |r| r.get(0),
        )?;
        if !exists {
            tx.execute_batch(
                "CREATE TABLE schema_migrations (
                     version    INTEGER PRIMARY KEY,
                     applied_at INTEGER NOT NULL
                 )",
            )?;
            // A database from before this table was migrated strictly in
            // order: everything up to its user_version is applied.
            for &(version, _, _) in migrations.iter().filter(|m| m.0 <= current) {
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, unixepoch())",
                    [version],
                )?;
            }
        }
        tx.commit()?;
    }
    for &(version, name, sql) in migrations {
        let tx = conn.transaction()?;
        let applied: bool = tx.query_row(
            "SELECT count(*) > 0 FROM schema_migrations WHERE version = ?1",
            [version],
            |r| r.get(0),
        )?;
        if applied {
            continue;
        }
        tx.execute_batch(sql)
            .and_then(|()| {
                tx.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, unixepoch())",
                    [version],
                )
            })
            .and_then(|_| tx.pragma_update(None, "user_version", version.max(current)))
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

    #[test]
    fn a_migration_that_lands_after_a_higher_one_is_still_applied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        let first: &[(i64, &str, &str)] = &[
            (1, "0001_a", "CREATE TABLE a (x);"),
            (7, "0007_c", "CREATE TABLE c (x);"),
        ];
        run_list(&mut conn, &path, first).unwrap();
        // 0006 was reserved by work that landed later.
        let later: &[(i64, &str, &str)] = &[
            (1, "0001_a", "CREATE TABLE a (x);"),
            (6, "0006_b", "CREATE TABLE b (x);"),
            (7, "0007_c", "CREATE TABLE c (x);"),
        ];
        run_list(&mut conn, &path, later).unwrap();
        conn.execute("INSERT INTO b VALUES (1)", []).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 7);
        // Running again applies nothing twice.
        run_list(&mut conn, &path, later).unwrap();
    }

    #[test]
    fn a_database_from_before_the_record_counts_as_migrated_up_to_its_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE a (x); PRAGMA user_version = 1;")
            .unwrap();
        let list: &[(i64, &str, &str)] = &[
            (1, "0001_a", "CREATE TABLE a (x);"),
            (2, "0002_b", "CREATE TABLE b (x);"),
        ];
        // 0001 is not run again (it would fail: table a exists); 0002 is.
        run_list(&mut conn, &path, list).unwrap();
        conn.execute("INSERT INTO b VALUES (1)", []).unwrap();
    }
}

//! Schema migrations: the SQL files in `migrations/`, applied in order.
//!
//! The applied migrations are listed in the `schema_migrations` table, so
//! the schema's state lives in the file it describes. Each migration runs in
//! its own transaction with its row, so a crash mid-migration leaves the
//! previous state intact and the next start retries it.

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
    (
        6,
        "0006_publish",
        include_str!("../../migrations/0006_publish.sql"),
    ),
    (
        7,
        "0007_retention_search",
        include_str!("../../migrations/0007_retention_search.sql"),
    ),
];

pub(super) fn run(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    // Which migrations a database has is recorded one row per migration,
    // not as a single high-water mark: migrations are written on parallel
    // branches under reserved numbers, and a database made from a branch
    // that had 0005 but not yet 0002 must still receive 0002 later.
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )?;
    // A database made before migrations were recorded one by one holds
    // only `user_version`, the newest migration it had: count every
    // migration up to that one as applied.
    let recorded: i64 =
        conn.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))?;
    let legacy: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if recorded == 0 && legacy > 0 {
        for &(version, name, _) in MIGRATIONS.iter().filter(|m| m.0 <= legacy) {
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at)
                 VALUES (?1, ?2, strftime('%s', 'now'))",
                rusqlite::params![version, name],
            )?;
        }
    }
    let applied: Vec<i64> = conn
        .prepare("SELECT version FROM schema_migrations")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if let Some(&unknown) = applied
        .iter()
        .find(|v| !MIGRATIONS.iter().any(|m| m.0 == **v))
    {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: unknown,
            known,
        });
    }
    for &(version, name, sql) in MIGRATIONS.iter().filter(|m| !applied.contains(&m.0)) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .and_then(|()| {
                tx.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at)
                     VALUES (?1, ?2, strftime('%s', 'now'))",
                    rusqlite::params![version, name],
                )
            })
            // user_version mirrors the newest migration, for `sqlite3` users.
            .and_then(|_| tx.pragma_update(None, "user_version", version.max(known_applied(&tx)?)))
            .map_err(|source| StoreError::Migration { name, source })?;
        tx.commit()?;
        tracing::info!(migration = name, "applied database migration");
    }
    Ok(())
}

fn known_applied(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
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
        conn.execute(
            "INSERT INTO schema_migrations VALUES (9999, '9999_future', 0)",
            [],
        )
        .unwrap();
        let e = run(&mut conn, &path).unwrap_err();
        assert!(matches!(e, StoreError::NewerSchema { found: 9999, .. }));
    }

    #[test]
    fn a_migration_missing_from_the_record_is_applied_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        run(&mut conn, &path).unwrap();
        // Pretend the database was made without the second migration.
        let (version, _, _) = MIGRATIONS[1];
        conn.execute(
            "DELETE FROM schema_migrations WHERE version = ?1",
            [version],
        )
        .unwrap();
        let missing: i64 = conn
            .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(missing as usize, MIGRATIONS.len() - 1);
        // Re-running it on a schema that has it fails loudly rather than
        // silently skipping: the runner really tries to apply it.
        assert!(matches!(
            run(&mut conn, &path),
            Err(StoreError::Migration { .. })
        ));
    }

    #[test]
    fn a_database_that_only_has_user_version_keeps_its_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut conn = Connection::open(&path).unwrap();
        // As the first runner left it: the first migration and user_version.
        conn.execute_batch(MIGRATIONS[0].2).unwrap();
        conn.pragma_update(None, "user_version", MIGRATIONS[0].0)
            .unwrap();
        run(&mut conn, &path).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n as usize, MIGRATIONS.len());
    }
}

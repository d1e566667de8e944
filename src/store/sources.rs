//! Sources and their fetch state.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError, from_unix, unix};
use crate::config::SourceConfig;
use crate::model::{SourceId, Validators};

/// What a refresh needs to know about a source before fetching it.
#[derive(Debug, Clone)]
pub struct SourceState {
    pub id: SourceId,
    pub validators: Validators,
    /// Consecutive failures so far, for the backoff.
    pub error_count: u32,
}

/// A source's status, for the index page and `stats`.
#[derive(Debug, Clone)]
pub struct SourceStatus {
    pub name: String,
    pub url: String,
    pub enabled: bool,
    pub last_fetch: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub error_count: u32,
    pub next_fetch: Option<DateTime<Utc>>,
    pub articles: u64,
    pub extraction_failures: u64,
}

impl Store {
    /// Makes the stored sources match the configured ones: new names are
    /// added, changed URLs updated, and names no longer configured disabled
    /// (their articles stay; removing a line from the config must not erase
    /// history).
    pub fn sync_sources(&self, sources: &[SourceConfig]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute("UPDATE sources SET enabled = 0", [])?;
        {
            let mut upsert = tx.prepare(
                "INSERT INTO sources (name, url, enabled, republish) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET
                     enabled = excluded.enabled,
                     republish = excluded.republish,
                     -- A new URL is a new feed: its validators are not ours.
                     etag = CASE WHEN url = excluded.url THEN etag END,
                     last_modified = CASE WHEN url = excluded.url THEN last_modified END,
                     url = excluded.url",
            )?;
            for s in sources {
                upsert.execute(params![
                    s.name,
                    s.url.as_str(),
                    s.enabled,
                    s.republish.as_str()
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The id and validators of the source named `name`.
    pub fn source_state(&self, name: &str) -> Result<SourceState, StoreError> {
        self.conn()
            .query_row(
                "SELECT id, etag, last_modified, error_count FROM sources WHERE name = ?1",
                [name],
                |r| {
                    Ok(SourceState {
                        id: SourceId(r.get(0)?),
                        validators: Validators {
                            etag: r.get(1)?,
                            last_modified: r.get(2)?,
                        },
                        error_count: r.get(3)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::UnknownSource(name.to_string()))
    }

    /// Records a 304: the feed is unchanged, nothing new to store.
    pub fn record_not_modified(
        &self,
        id: SourceId,
        now: DateTime<Utc>,
        next: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sources SET last_fetch_at = ?2, last_success_at = ?2,
                 last_status = 'not_modified', last_error = NULL, error_count = 0,
                 next_fetch_at = ?3
             WHERE id = ?1",
            params![id.0, unix(now), unix(next)],
        )?;
        Ok(())
    }

    /// Records a failed refresh. Nothing already stored is touched.
    pub fn record_error(
        &self,
        id: SourceId,
        now: DateTime<Utc>,
        next: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sources SET last_fetch_at = ?2, last_status = 'error', last_error = ?3,
                 error_count = error_count + 1, next_fetch_at = ?4
             WHERE id = ?1",
            params![id.0, unix(now), error, unix(next)],
        )?;
        Ok(())
    }

    /// Every source, configured or not, with its counts.
    pub fn source_statuses(&self) -> Result<Vec<SourceStatus>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT s.name, s.url, s.enabled, s.last_fetch_at, s.last_success_at,
                    s.last_status, s.last_error, s.error_count, s.next_fetch_at,
                    (SELECT count(*) FROM articles a WHERE a.source_id = s.id),
                    (SELECT count(*) FROM articles a
                      WHERE a.source_id = s.id AND a.extraction = 'failed')
             FROM sources s ORDER BY s.enabled DESC, s.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SourceStatus {
                name: r.get(0)?,
                url: r.get(1)?,
                enabled: r.get(2)?,
                last_fetch: r.get::<_, Option<i64>>(3)?.map(from_unix),
                last_success: r.get::<_, Option<i64>>(4)?.map(from_unix),
                last_status: r.get(5)?,
                last_error: r.get(6)?,
                error_count: r.get(7)?,
                next_fetch: r.get::<_, Option<i64>>(8)?.map(from_unix),
                articles: r.get::<_, i64>(9)? as u64,
                extraction_failures: r.get::<_, i64>(10)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

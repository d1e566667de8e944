//! Sources and their fetch state.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use url::Url;

use super::{Store, StoreError, from_unix, unix};
use crate::config::SourceConfig;
use crate::model::{SourceId, SourcePoll, Validators};

/// How many failures in a row make a source go back from its `fetch_url`
/// (a moved or discovered address) to its configured `url`: the page may
/// now link to another feed, or the old address redirect somewhere new.
pub const FETCH_URL_FAILURES: u32 = 3;

/// How many polls in a row must see the same permanent redirect before the
/// stored address follows it. One 301 can be a misconfigured server for an
/// afternoon (it happens during site migrations); three in a row is a move.
pub const MOVE_CONFIRMATIONS: u32 = 3;

/// What a refresh needs to know about a source before fetching it.
#[derive(Debug, Clone)]
pub struct SourceState {
    pub id: SourceId,
    pub validators: Validators,
    /// Consecutive failures so far, for the backoff.
    pub error_count: u32,
    /// Where to fetch the feed when it is not the configured URL (it moved
    /// permanently, or was discovered on the configured HTML page).
    pub fetch_url: Option<Url>,
    /// The feed answered 410 Gone; it is not polled until its URL changes.
    pub gone: bool,
    /// The interval chosen at the last successful poll.
    pub interval: Option<Duration>,
    /// The feed document's own polling hint from the last full fetch.
    pub feed_hint: Option<Duration>,
    /// When the last failure asked to wait until (backoff or Retry-After);
    /// `None` unless the source is currently failing.
    pub retry_not_before: Option<DateTime<Utc>>,
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
    /// The address actually polled, when it differs from `url`, and why
    /// ("moved" or "discovered").
    pub fetch_url: Option<String>,
    pub fetch_url_reason: Option<String>,
    /// The current adaptive polling interval.
    pub interval: Option<Duration>,
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
                     -- A new URL is a new feed: its validators, its moves and
                     -- its 410 are not ours. (SET expressions see the old row,
                     -- so `url` here is the stored one.)
                     etag = CASE WHEN url = excluded.url THEN etag END,
                     last_modified = CASE WHEN url = excluded.url THEN last_modified END,
                     fetch_url = CASE WHEN url = excluded.url THEN fetch_url END,
                     fetch_url_reason = CASE WHEN url = excluded.url THEN fetch_url_reason END,
                     moved_to = CASE WHEN url = excluded.url THEN moved_to END,
                     moved_count = CASE WHEN url = excluded.url THEN moved_count ELSE 0 END,
                     gone_at = CASE WHEN url = excluded.url THEN gone_at END,
                     last_status = CASE
                         WHEN url <> excluded.url AND last_status = 'gone' THEN NULL
                         ELSE last_status END,
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
                "SELECT id, etag, last_modified, error_count, fetch_url, gone_at,
                        interval_secs, feed_hint_secs, last_status, next_fetch_at
                 FROM sources WHERE name = ?1",
                [name],
                |r| {
                    let failing = r.get::<_, Option<String>>(8)?.as_deref() == Some("error");
                    Ok(SourceState {
                        id: SourceId(r.get(0)?),
                        validators: Validators {
                            etag: r.get(1)?,
                            last_modified: r.get(2)?,
                        },
                        error_count: r.get(3)?,
                        fetch_url: r
                            .get::<_, Option<String>>(4)?
                            .and_then(|u| Url::parse(&u).ok()),
                        gone: r.get::<_, Option<i64>>(5)?.is_some(),
                        interval: r.get::<_, Option<i64>>(6)?.map(seconds),
                        feed_hint: r.get::<_, Option<i64>>(7)?.map(seconds),
                        retry_not_before: r
                            .get::<_, Option<i64>>(9)?
                            .filter(|_| failing)
                            .map(from_unix),
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
        poll: &SourcePoll,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE sources SET last_fetch_at = ?2, last_success_at = ?2,
                 last_status = 'not_modified', last_error = NULL, error_count = 0,
                 next_fetch_at = ?3
             WHERE id = ?1",
            params![id.0, unix(now), unix(next)],
        )?;
        record_poll(&tx, id, poll)?;
        tx.commit()?;
        Ok(())
    }

    /// Records a 410 Gone: the source stops being polled, with `message`
    /// as its visible status, until its configured URL changes.
    pub fn record_gone(
        &self,
        id: SourceId,
        now: DateTime<Utc>,
        message: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sources SET last_fetch_at = ?2, last_status = 'gone', last_error = ?3,
                 gone_at = ?2, next_fetch_at = NULL
             WHERE id = ?1",
            params![id.0, unix(now), message],
        )?;
        Ok(())
    }

    /// Records a failed refresh. Nothing already stored is touched, except
    /// that after [`FETCH_URL_FAILURES`] failures in a row a moved or
    /// discovered address is dropped for the configured one.
    pub fn record_error(
        &self,
        id: SourceId,
        now: DateTime<Utc>,
        next: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sources SET last_fetch_at = ?2, last_status = 'error', last_error = ?3,
                 error_count = error_count + 1, next_fetch_at = ?4,
                 fetch_url = CASE WHEN error_count + 1 >= ?5 THEN NULL ELSE fetch_url END,
                 fetch_url_reason =
                     CASE WHEN error_count + 1 >= ?5 THEN NULL ELSE fetch_url_reason END
             WHERE id = ?1",
            params![id.0, unix(now), error, unix(next), FETCH_URL_FAILURES],
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
                      WHERE a.source_id = s.id AND a.extraction = 'failed'),
                    s.fetch_url, s.fetch_url_reason, s.interval_secs
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
                fetch_url: r.get(11)?,
                fetch_url_reason: r.get(12)?,
                interval: r.get::<_, Option<i64>>(13)?.map(seconds),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Stores what a successful poll learned about the source itself: its
/// interval and feed hint, and where its feed lives. Runs inside the
/// refresh's transaction.
pub(super) fn record_poll(
    tx: &Transaction<'_>,
    id: SourceId,
    poll: &SourcePoll,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE sources SET interval_secs = ?2,
             feed_hint_secs = coalesce(?3, feed_hint_secs)
         WHERE id = ?1",
        params![id.0, secs(poll.interval), poll.feed_hint.map(secs)],
    )?;
    if let Some(found) = &poll.discovered {
        // The configured URL is a page; the feed it names is polled from now
        // on (and this is never a redirect to confirm).
        tx.execute(
            "UPDATE sources SET fetch_url = ?2, fetch_url_reason = 'discovered',
                 moved_to = NULL, moved_count = 0
             WHERE id = ?1",
            params![id.0, found.as_str()],
        )?;
        return Ok(());
    }
    match &poll.moved_to {
        None => {
            tx.execute(
                "UPDATE sources SET moved_to = NULL, moved_count = 0 WHERE id = ?1",
                [id.0],
            )?;
        }
        Some(target) => {
            tx.execute(
                "UPDATE sources SET
                     moved_count = CASE WHEN moved_to = ?2 THEN moved_count + 1 ELSE 1 END,
                     moved_to = ?2
                 WHERE id = ?1",
                params![id.0, target.as_str()],
            )?;
            tx.execute(
                "UPDATE sources SET fetch_url = moved_to, fetch_url_reason = 'moved',
                     moved_to = NULL, moved_count = 0
                 WHERE id = ?1 AND moved_count >= ?2",
                params![id.0, MOVE_CONFIRMATIONS],
            )?;
        }
    }
    Ok(())
}

fn seconds(s: i64) -> Duration {
    Duration::from_secs(u64::try_from(s).unwrap_or(0))
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

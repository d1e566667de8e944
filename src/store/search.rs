//! The full-text index of articles and searches over it.
//!
//! The index (`article_search`, FTS5, migration 0007) holds the stems of
//! each article's title and text as `crate::search` produces them; it is
//! filled at insert by `save_refresh` and emptied by a trigger when an
//! article is deleted. When the analysis changes (`search::ANALYZER`), or
//! when an existing database gains the index, the index is rebuilt in
//! small batches by [`Store::reindex_search_step`], so neither the daemon's
//! HTTP server nor its refreshes wait long for the store while it runs.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{Store, StoreError, from_unix};
use crate::search;

/// Articles indexed per rebuild step: small enough that one step holds the
/// store for well under a second.
pub const REINDEX_BATCH: usize = 200;

/// One article found by a search.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub id: crate::model::ArticleId,
    pub source: String,
    pub url: Option<String>,
    pub title: String,
    pub text: String,
    pub published: DateTime<Utc>,
}

/// How a search orders its hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchOrder {
    /// Best match first (BM25, title words weigh more than text words).
    Relevance,
    /// Newest first.
    Newest,
}

/// Whether the index covers every article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    Complete,
    /// A rebuild is under way: `remaining` articles are not indexed yet.
    Rebuilding {
        remaining: u64,
    },
}

/// Indexes one article; `save_refresh` calls this inside its transaction.
pub(super) fn index_article(
    conn: &Connection,
    id: i64,
    terms: &crate::model::SearchTerms,
) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO article_search (rowid, title, body) VALUES (?1, ?2, ?3)")?
        .execute(params![id, terms.title, terms.text])?;
    Ok(())
}

fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM store_meta WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO store_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Starts a rebuild when the index was built by another analysis (or never
/// built): empties it and records which articles need indexing. Cheap;
/// called by `Store::open`.
pub(super) fn start_rebuild_if_stale(conn: &mut Connection) -> rusqlite::Result<()> {
    if meta(conn, "search_analyzer")?.as_deref() == Some(search::ANALYZER) {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Checked again under the write lock: another process may have started
    // the same rebuild since.
    if meta(&tx, "search_analyzer")?.as_deref() != Some(search::ANALYZER) {
        tx.execute(
            "INSERT INTO article_search (article_search) VALUES ('delete-all')",
            [],
        )?;
        let last: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM articles", [], |r| {
            r.get(0)
        })?;
        set_meta(&tx, "search_analyzer", search::ANALYZER)?;
        if last > 0 {
            set_meta(&tx, "search_reindex_upto", "0")?;
            set_meta(&tx, "search_reindex_last", &last.to_string())?;
            tracing::info!(
                analyzer = search::ANALYZER,
                articles = last,
                "search index will be rebuilt"
            );
        }
    }
    tx.commit()
}

/// The rebuild's progress: articles with ids in (upto, last] are not
/// indexed yet. `None` when no rebuild is under way.
fn rebuild_range(conn: &Connection) -> rusqlite::Result<Option<(i64, i64)>> {
    let upto = meta(conn, "search_reindex_upto")?.and_then(|v| v.parse().ok());
    let last = meta(conn, "search_reindex_last")?.and_then(|v| v.parse().ok());
    Ok(upto.zip(last))
}

impl Store {
    /// Whether searches see every article.
    pub fn search_index_state(&self) -> Result<IndexState, StoreError> {
        let conn = self.conn();
        Ok(match rebuild_range(&conn)? {
            None => IndexState::Complete,
            Some((upto, last)) => IndexState::Rebuilding {
                remaining: conn.query_row(
                    "SELECT count(*) FROM articles WHERE id > ?1 AND id <= ?2",
                    params![upto, last],
                    |r| r.get::<_, i64>(0),
                )? as u64,
            },
        })
    }

    /// Indexes the next batch of a rebuild. Returns the state after it;
    /// call until it is `Complete`. Several processes may call this at
    /// once (the daemon and `feedsieve search`): a batch is written only if
    /// no one else wrote it first.
    pub fn reindex_search_step(&self) -> Result<IndexState, StoreError> {
        // Read the batch, then stem it without holding the store: stemming
        // a few hundred articles is the slow part.
        let batch = {
            let conn = self.conn();
            let Some((upto, last)) = rebuild_range(&conn)? else {
                return Ok(IndexState::Complete);
            };
            let mut stmt = conn.prepare_cached(
                "SELECT id, title, text, duplicate_of IS NOT NULL FROM articles
                 WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![upto, last, REINDEX_BATCH as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, bool>(3)?,
                ))
            })?;
            let rows: Vec<_> = rows.collect::<Result<_, _>>()?;
            (upto, last, rows)
        };
        let (upto, last, rows) = batch;
        let last_read = rows.last().map(|r| r.0);
        // A copy of a page already stored (`duplicate_of`) is never shown,
        // so it is not searched either: `save_refresh` skips it too.
        let stems: Vec<(i64, String, String)> = rows
            .iter()
            .filter(|(_, _, _, copy)| !copy)
            .map(|(id, title, text, _)| {
                (*id, search::index_terms(title), search::index_terms(text))
            })
            .collect();
        {
            let mut conn = self.conn();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if rebuild_range(&tx)? == Some((upto, last)) {
                let new_upto = last_read.unwrap_or(last);
                for (id, title, body) in &stems {
                    // Deleted since it was read: its index row must not
                    // come back.
                    let exists = tx
                        .prepare_cached("SELECT 1 FROM articles WHERE id = ?1")?
                        .exists([id])?;
                    if exists {
                        tx.prepare_cached(
                            "INSERT INTO article_search (rowid, title, body) VALUES (?1, ?2, ?3)",
                        )?
                        .execute(params![id, title, body])?;
                    }
                }
                if new_upto >= last {
                    tx.execute(
                        "DELETE FROM store_meta
                         WHERE key IN ('search_reindex_upto', 'search_reindex_last')",
                        [],
                    )?;
                    tracing::info!(analyzer = search::ANALYZER, "search index rebuilt");
                } else {
                    set_meta(&tx, "search_reindex_upto", &new_upto.to_string())?;
                }
            }
            tx.commit()?;
        }
        self.search_index_state()
    }

    /// Articles matching `query`, at most `limit`, optionally of one source.
    pub fn search(
        &self,
        query: &search::Query,
        source: Option<&str>,
        order: SearchOrder,
        limit: usize,
    ) -> Result<Vec<SearchHit>, StoreError> {
        // The 20 hits are chosen first from the index alone (or, newest
        // first, by walking the date index from the top and checking each
        // id against the matches; SQLite's planner otherwise looks up and
        // sorts every match), and only those rows are read: joining every match to its article
        // before the LIMIT read every matching text and took 60-130 ms for
        // a common word in 20,000 articles (BENCHMARKS.md, "Search").
        // bm25 weights per column (title, body): a word in the title says
        // more about what an article is about than one in its text.
        let (hits, order_by) = match order {
            SearchOrder::Relevance => (
                "SELECT rowid AS id, bm25(article_search, 4.0, 1.0) AS score
                 FROM article_search
                 WHERE article_search MATCH ?1
                   AND (?2 IS NULL OR rowid IN (
                       SELECT id FROM articles
                       WHERE source_id = (SELECT id FROM sources WHERE name = ?2)))
                 ORDER BY score, rowid DESC
                 LIMIT ?3",
                "hits.score, a.id DESC",
            ),
            SearchOrder::Newest => (
                "SELECT id, 0.0 AS score FROM articles INDEXED BY articles_by_published
                 WHERE id IN (SELECT rowid FROM article_search WHERE article_search MATCH ?1)
                   AND (?2 IS NULL OR source_id = (SELECT id FROM sources WHERE name = ?2))
                 ORDER BY published_at DESC, id DESC
                 LIMIT ?3",
                "a.published_at DESC, a.id DESC",
            ),
        };
        let sql = format!(
            "WITH hits AS ({hits})
             SELECT a.id, s.name, a.url, a.title, a.text, a.published_at
             FROM hits
             JOIN articles a ON a.id = hits.id
             JOIN sources s ON s.id = a.source_id
             ORDER BY {order_by}"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![query.fts_expression(), source, limit as i64], |r| {
            Ok(SearchHit {
                id: crate::model::ArticleId(r.get(0)?),
                source: r.get(1)?,
                url: r.get(2)?,
                title: r.get(3)?,
                text: r.get(4)?,
                published: from_unix(r.get(5)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

//! Topic matches over the archive: re-classification when topics change,
//! the record of which topic definition produced the stored matches, and
//! the look-ups behind `feedsieve explain` and `feedsieve topics test`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params, params_from_iter};

use super::{Store, StoreError, from_unix, unix};
use crate::model::{ArchivedArticle, ArticleId, MatchEvidence, TopicMatch};

/// The JSON columns of a stored match: its terms (a JSON array, what the
/// output feeds read as categories) and its evidence.
pub(super) fn match_json(m: &TopicMatch) -> (String, Option<String>) {
    // Serializing plain strings and numbers cannot fail; the fallbacks are
    // never taken.
    let terms = serde_json::to_string(&m.terms).unwrap_or_else(|_| "[]".into());
    let evidence = serde_json::to_string(&m.evidence).ok();
    (terms, evidence)
}

const ARCHIVED_COLUMNS: &str =
    "a.id, s.name, a.url, a.title, a.text, a.lang, a.published_at FROM articles a
     JOIN sources s ON s.id = a.source_id";

fn archived(r: &rusqlite::Row) -> rusqlite::Result<ArchivedArticle> {
    Ok(ArchivedArticle {
        id: ArticleId(r.get(0)?),
        source_name: r.get(1)?,
        url: r.get(2)?,
        title: r.get(3)?,
        text: r.get(4)?,
        lang: r.get(5)?,
        published: from_unix(r.get(6)?),
    })
}

impl Store {
    /// Per topic slug, the fingerprint of the definition its stored matches
    /// were computed with.
    pub fn topic_fingerprints(&self) -> Result<HashMap<String, String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT topic, fingerprint FROM topic_state")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Up to `limit` archived articles with ids above `after`, in id order:
    /// the archive in pages, for re-classification and dry runs.
    pub fn archived_articles(
        &self,
        after: Option<ArticleId>,
        limit: usize,
    ) -> Result<Vec<ArchivedArticle>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ARCHIVED_COLUMNS} WHERE a.id > ?1 ORDER BY a.id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![after.map_or(0, |a| a.0), limit as i64], archived)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The `limit` most recently published archived articles.
    pub fn recent_archived_articles(
        &self,
        limit: usize,
    ) -> Result<Vec<ArchivedArticle>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ARCHIVED_COLUMNS} ORDER BY a.published_at DESC, a.id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map(params![limit as i64], archived)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// An archived article by row id (all digits) or by URL (as fetched or
    /// canonical).
    pub fn find_article(&self, url_or_id: &str) -> Result<Option<ArchivedArticle>, StoreError> {
        let conn = self.conn();
        let key = url_or_id.trim();
        if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            let mut stmt =
                conn.prepare_cached(&format!("SELECT {ARCHIVED_COLUMNS} WHERE a.id = ?1"))?;
            return Ok(stmt
                .query_row(params![key.parse::<i64>().unwrap_or(-1)], archived)
                .optional()?);
        }
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ARCHIVED_COLUMNS} WHERE a.url = ?1 OR a.canonical_url = ?1
             ORDER BY a.id DESC LIMIT 1"
        ))?;
        Ok(stmt.query_row(params![key], archived).optional()?)
    }

    /// The stored match of `slug` for one article, if any. Matches stored
    /// before migration 0005 have empty evidence.
    pub fn stored_match(
        &self,
        slug: &str,
        article: ArticleId,
    ) -> Result<Option<TopicMatch>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT score, terms, evidence FROM topic_matches WHERE topic = ?1 AND article_id = ?2",
        )?;
        Ok(stmt
            .query_row(params![slug, article.0], |r| {
                let terms: String = r.get(1)?;
                let evidence: Option<String> = r.get(2)?;
                Ok(TopicMatch {
                    slug: slug.to_string(),
                    score: r.get(0)?,
                    terms: serde_json::from_str(&terms).unwrap_or_default(),
                    evidence: evidence
                        .and_then(|e| serde_json::from_str::<MatchEvidence>(&e).ok())
                        .unwrap_or_default(),
                })
            })
            .optional()?)
    }

    /// Ids of the articles `slug` matched, as stored.
    pub fn topic_article_ids(&self, slug: &str) -> Result<HashSet<ArticleId>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT article_id FROM topic_matches WHERE topic = ?1")?;
        let rows = stmt.query_map(params![slug], |r| Ok(ArticleId(r.get(0)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Replaces, for the topics in `slugs` and the articles of `batch`, the
    /// stored matches with the given ones, in one transaction.
    pub fn replace_topic_matches(
        &self,
        slugs: &[&str],
        batch: &[(ArticleId, Vec<TopicMatch>)],
    ) -> Result<usize, StoreError> {
        if slugs.is_empty() {
            return Ok(0);
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut inserted = 0;
        {
            let placeholders = vec!["?"; slugs.len()].join(", ");
            let mut delete = tx.prepare(&format!(
                "DELETE FROM topic_matches WHERE article_id = ? AND topic IN ({placeholders})"
            ))?;
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO topic_matches (topic, article_id, score, terms, evidence)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (id, matches) in batch {
                let args = std::iter::once(rusqlite::types::Value::Integer(id.0)).chain(
                    slugs
                        .iter()
                        .map(|s| rusqlite::types::Value::Text(s.to_string())),
                );
                delete.execute(params_from_iter(args))?;
                for m in matches.iter().filter(|m| slugs.contains(&m.slug.as_str())) {
                    let (terms, evidence) = match_json(m);
                    insert.execute(params![m.slug, id.0, m.score, terms, evidence])?;
                    inserted += 1;
                }
            }
        }
        tx.commit()?;
        Ok(inserted)
    }

    /// Records that the topics in `done` (slug, fingerprint) now have
    /// matches computed with that definition, and forgets every topic not
    /// in `configured`: its matches and its state. One transaction.
    /// Returns how many matches of removed topics were deleted.
    pub fn finish_reclassification(
        &self,
        done: &[(&str, &str)],
        configured: &[&str],
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for (slug, fingerprint) in done {
            tx.execute(
                "INSERT INTO topic_state (topic, fingerprint, classified_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (topic) DO UPDATE SET fingerprint = ?2, classified_at = ?3",
                params![slug, fingerprint, unix(now)],
            )?;
        }
        let stored: Vec<String> = {
            let mut stmt =
                tx.prepare("SELECT topic FROM topic_matches UNION SELECT topic FROM topic_state")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut removed = 0;
        for slug in stored.iter().filter(|s| !configured.contains(&s.as_str())) {
            removed += tx.execute("DELETE FROM topic_matches WHERE topic = ?1", params![slug])?;
            tx.execute("DELETE FROM topic_state WHERE topic = ?1", params![slug])?;
        }
        tx.commit()?;
        Ok(removed)
    }
}

//! Articles and their topic matches.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, StoreError, stories, unix};
use crate::model::{
    ArticleId, ExtractionStatus, NewArticle, SourceId, SourcePoll, StoryId, Validators,
};

/// What one refresh added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedCounts {
    /// Articles stored for the first time.
    pub new: usize,
    /// Articles skipped because their entry key was already stored.
    pub known: usize,
    /// Topic matches recorded.
    pub matches: usize,
    /// New topic matches per topic.
    pub topics: BTreeMap<String, usize>,
    /// The topics whose published feeds changed: those of every story that
    /// gained an article. A reprint that matches no topic still changes
    /// the "also reported by" list of its story in the story's topics.
    pub changed_topics: BTreeSet<String>,
}

impl Store {
    /// The subset of `keys` already stored for `source`, or stored once and
    /// pruned since (a tombstone): the cheap "seen this entry?" check that
    /// runs before any page is scraped. A tombstone found here is marked
    /// as still listed by the feed, which keeps it from expiring (see
    /// `retention`).
    pub fn known_entry_keys(
        &self,
        source: SourceId,
        keys: &[&str],
    ) -> Result<HashSet<String>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT 1 FROM articles WHERE source_id = ?1 AND entry_key = ?2")?;
        let mut tombstone = conn.prepare_cached(
            "UPDATE tombstones SET seen_at = unixepoch() WHERE source_id = ?1 AND entry_key = ?2",
        )?;
        let mut known = HashSet::new();
        for key in keys {
            if stmt.exists(params![source.0, key])?
                || tombstone.execute(params![source.0, key])? > 0
            {
                known.insert((*key).to_string());
            }
        }
        Ok(known)
    }

    /// Stores the outcome of one successful refresh in one transaction: the
    /// source's new validators and status, the new articles with the story
    /// each belongs to (`NewArticle::story`), their topic matches. Either
    /// all of it is stored or none, so a crash mid-refresh leaves the
    /// previous state and the next refresh redoes the work.
    ///
    /// Also returns the id given to each stored article, by its index in
    /// `articles`.
    pub fn save_refresh(
        &self,
        source: SourceId,
        now: DateTime<Utc>,
        next: DateTime<Utc>,
        validators: &Validators,
        poll: &SourcePoll,
        articles: &[NewArticle],
    ) -> Result<(SavedCounts, Vec<(usize, ArticleId)>), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut counts = SavedCounts::default();
        let mut stored: Vec<Option<(ArticleId, StoryId)>> = Vec::with_capacity(articles.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO articles (source_id, entry_key, url, canonical_url, title, author,
                     summary, html, text, lang, published_at, updated_at, fetched_at,
                     extraction, extraction_error, text_hash, fingerprint, duplicate_of)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                     ?16, ?17, ?18)
                 ON CONFLICT (source_id, entry_key) DO NOTHING",
            )?;
            let mut matched = tx.prepare_cached(
                "INSERT OR REPLACE INTO topic_matches (topic, article_id, score, terms, evidence)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for a in articles {
                let (extraction, error) = match &a.extraction {
                    ExtractionStatus::NotRequested => ("feed", None),
                    ExtractionStatus::Extracted => ("extracted", None),
                    ExtractionStatus::Failed(e) => ("failed", Some(e.as_str())),
                };
                let updated = a.entry.updated.unwrap_or(a.published).max(a.published);
                let (story, copy_of) = stories::resolve_link(&tx, a.story, &stored)?;
                let inserted = insert.execute(params![
                    source.0,
                    a.entry.key,
                    a.entry.url.as_ref().map(|u| u.as_str()),
                    a.canonical_url,
                    a.title,
                    a.author,
                    a.entry.summary_html,
                    a.html,
                    a.text,
                    a.lang,
                    unix(a.published),
                    unix(updated),
                    unix(now),
                    extraction,
                    error,
                    &a.text_hash[..],
                    a.fingerprint,
                    copy_of.map(|c| c.0),
                ])?;
                if inserted == 0 {
                    counts.known += 1;
                    stored.push(None);
                    continue;
                }
                counts.new += 1;
                let id = tx.last_insert_rowid();
                // The story row is made only once the article is known to
                // be new, so a conflicting entry leaves no empty story.
                let story = match story {
                    Some(s) => s,
                    None => stories::new_story(&tx, now)?,
                };
                tx.execute(
                    "UPDATE articles SET story_id = ?2 WHERE id = ?1",
                    params![id, story.0],
                )?;
                stored.push(Some((ArticleId(id), story)));
                if copy_of.is_some() {
                    // A copy of a page already stored is never shown, so
                    // it matches no topic either, nor is it searched.
                    continue;
                }
                super::search::index_article(&tx, id, &a.search_terms)?;
                for m in &a.matches {
                    let (terms, evidence) = super::topics::match_json(m);
                    matched.execute(params![m.slug, id, m.score, terms, evidence])?;
                    counts.matches += 1;
                    *counts.topics.entry(m.slug.clone()).or_default() += 1;
                }
            }
        }
        tx.execute(
            "UPDATE sources SET etag = ?2, last_modified = ?3, last_fetch_at = ?4,
                 last_success_at = ?4, last_status = 'ok', last_error = NULL,
                 error_count = 0, next_fetch_at = ?5
             WHERE id = ?1",
            params![
                source.0,
                validators.etag,
                validators.last_modified,
                unix(now),
                unix(next)
            ],
        )?;
        super::sources::record_poll(&tx, source, poll)?;
        {
            let touched: BTreeSet<i64> = stored.iter().flatten().map(|(_, s)| s.0).collect();
            let mut topics_of = tx.prepare_cached(
                "SELECT DISTINCT m.topic FROM articles a
                 JOIN topic_matches m ON m.article_id = a.id
                 WHERE a.story_id = ?1",
            )?;
            for story in touched {
                for topic in topics_of.query_map([story], |r| r.get::<_, String>(0))? {
                    counts.changed_topics.insert(topic?);
                }
            }
        }
        tx.commit()?;
        let ids = stored
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|(id, _)| (i, id)))
            .collect();
        Ok((counts, ids))
    }

    /// Number of matched articles per topic slug.
    pub fn topic_counts(&self) -> Result<HashMap<String, u64>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT topic, count(*) FROM topic_matches GROUP BY topic")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

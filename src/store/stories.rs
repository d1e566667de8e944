//! Stories: which articles tell the same story, and the look-ups `dedupe`
//! needs (same page seen? same text stored? fingerprints to rebuild the
//! near-duplicate index from).
//!
//! The decisions are `dedupe`'s; this file only answers questions and
//! writes what was decided, inside the refresh's transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};

use super::published::{FeedItems, ItemCursor};
use super::{Store, StoreError, from_unix, unix};
use crate::model::{
    AlsoReported, ArticleId, ExactCopies, Republish, SourceId, StoredFingerprint, StoredItem,
    StoryId, StoryLink,
};

impl Store {
    /// For each canonical URL, the earliest stored article of `source` at
    /// that URL: the same page listed again under another GUID.
    pub fn articles_at_urls(
        &self,
        source: SourceId,
        urls: &[&str],
    ) -> Result<HashMap<String, ArticleId>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM articles WHERE source_id = ?1 AND canonical_url = ?2
             ORDER BY id LIMIT 1",
        )?;
        let mut found = HashMap::new();
        for url in urls {
            if let Some(id) = stmt
                .query_row(params![source.0, url], |r| r.get(0))
                .optional()?
            {
                found.insert((*url).to_string(), ArticleId(id));
            }
        }
        Ok(found)
    }

    /// Stored articles published since `since` whose normalized text has
    /// one of `hashes`, earliest first, copies of a copy left out.
    pub fn exact_copies(
        &self,
        hashes: &[[u8; 32]],
        since: DateTime<Utc>,
    ) -> Result<ExactCopies, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, source_id FROM articles
             WHERE text_hash = ?1 AND published_at >= ?2 AND duplicate_of IS NULL
             ORDER BY published_at, id LIMIT 16",
        )?;
        let mut found = ExactCopies::new();
        for hash in hashes {
            let rows = stmt.query_map(params![&hash[..], unix(since)], |r| {
                Ok((ArticleId(r.get(0)?), SourceId(r.get(1)?)))
            })?;
            for row in rows {
                found.entry(*hash).or_default().push(row?);
            }
        }
        Ok(found)
    }

    /// Fingerprints of articles published since `since`, in insertion
    /// order: what the near-duplicate index is rebuilt from at start-up.
    pub fn fingerprints_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<StoredFingerprint>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, published_at, fingerprint FROM articles
             WHERE fingerprint IS NOT NULL AND duplicate_of IS NULL AND published_at >= ?1
             ORDER BY id",
        )?;
        let rows = stmt.query_map(params![unix(since)], |r| {
            Ok((ArticleId(r.get(0)?), from_unix(r.get(1)?), r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The texts of `articles`, to re-make fingerprints stored with other
    /// parameters.
    pub fn article_texts(
        &self,
        articles: &[ArticleId],
    ) -> Result<Vec<(ArticleId, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT text FROM articles WHERE id = ?1")?;
        let mut out = Vec::with_capacity(articles.len());
        for a in articles {
            if let Some(text) = stmt.query_row(params![a.0], |r| r.get(0)).optional()? {
                out.push((*a, text));
            }
        }
        Ok(out)
    }

    /// Replaces an article's stored fingerprint.
    pub fn set_fingerprint(
        &self,
        article: ArticleId,
        bytes: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE articles SET fingerprint = ?2 WHERE id = ?1",
            params![article.0, bytes],
        )?;
        Ok(())
    }

    /// Up to `limit` stories of a feed (those with an article matched by
    /// the topic, or all), newest first, starting after `before`; each as
    /// its representative with the other copies listed, and with its place
    /// in the feed (the cursor of the next page starts after it). The
    /// representative is the copy from the first source in `prefer` that
    /// has one, else the earliest published.
    pub(super) fn story_items(
        &self,
        which: FeedItems<'_>,
        before: Option<ItemCursor>,
        limit: usize,
        prefer: &[String],
    ) -> Result<Vec<(ItemCursor, StoredItem)>, StoreError> {
        let conn = self.conn();
        let (after_time, after_story) =
            before.map_or((i64::MAX, i64::MAX), |c| (unix(c.published), c.story.0));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let slug = match which {
            FeedItems::Topic(slug) => Some(slug),
            FeedItems::All => None,
        };
        // A story's place in the feed is its first appearance, so a late
        // reprint does not move it back to the top. Pages are cut by
        // (first appearance, story id), both fixed once a story exists.
        let place =
            |r: &rusqlite::Row<'_>| -> rusqlite::Result<(i64, i64)> { Ok((r.get(0)?, r.get(1)?)) };
        let stories: Vec<(i64, i64)> = match slug {
            Some(slug) => {
                let mut stmt = conn.prepare_cached(
                    "SELECT a.story_id, min(a.published_at) AS first
                     FROM topic_matches m JOIN articles a ON a.id = m.article_id
                     WHERE m.topic = ?1 AND a.duplicate_of IS NULL AND a.story_id IS NOT NULL
                     GROUP BY a.story_id
                     HAVING (first, a.story_id) < (?2, ?3)
                     ORDER BY first DESC, a.story_id DESC LIMIT ?4",
                )?;
                let rows = stmt.query_map(params![slug, after_time, after_story, limit], place)?;
                rows.collect::<Result<_, _>>()?
            }
            None => {
                let mut stmt = conn.prepare_cached(
                    "SELECT story_id, min(published_at) AS first FROM articles
                     WHERE duplicate_of IS NULL AND story_id IS NOT NULL
                     GROUP BY story_id
                     HAVING (first, story_id) < (?1, ?2)
                     ORDER BY first DESC, story_id DESC LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![after_time, after_story, limit], place)?;
                rows.collect::<Result<_, _>>()?
            }
        };
        // Categories: the terms of the feed's topic, or of every topic in
        // the feed of everything.
        let mut members = conn.prepare_cached(
            "SELECT a.id, s.name, s.url, a.url, a.title, a.author, a.html, a.text,
                    a.published_at, a.updated_at,
                    (SELECT json_group_array(DISTINCT j.value)
                       FROM topic_matches m, json_each(m.terms) j
                      WHERE m.article_id = a.id AND (?2 IS NULL OR m.topic = ?2)),
                    s.republish, a.lang, a.fetched_at
             FROM articles a JOIN sources s ON s.id = a.source_id
             WHERE a.story_id = ?1 AND a.duplicate_of IS NULL
             ORDER BY a.published_at, a.id",
        )?;
        let mut items = Vec::with_capacity(stories.len());
        for (story, first) in stories {
            let rows = members.query_map(params![story, slug], |r| {
                let terms: Option<String> = r.get(10)?;
                let republish: String = r.get(11)?;
                Ok(StoredItem {
                    story: StoryId(story),
                    id: ArticleId(r.get(0)?),
                    source_name: r.get(1)?,
                    source_url: r.get(2)?,
                    // The schema's CHECK admits only the three names.
                    republish: Republish::from_name(&republish).unwrap_or_default(),
                    url: r.get(3)?,
                    title: r.get(4)?,
                    author: r.get(5)?,
                    html: r.get(6)?,
                    text: r.get(7)?,
                    lang: r.get(12)?,
                    published: from_unix(r.get(8)?),
                    updated: from_unix(r.get(9)?),
                    stored: from_unix(r.get(13)?),
                    terms: terms
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or_default(),
                    also: Vec::new(),
                })
            })?;
            let mut copies: Vec<StoredItem> = rows.collect::<Result<_, _>>()?;
            if copies.is_empty() {
                continue;
            }
            let rank = |c: &StoredItem| {
                prefer
                    .iter()
                    .position(|p| *p == c.source_name)
                    .unwrap_or(usize::MAX)
            };
            // `min_by_key` keeps the first of equals: the earliest.
            let best = copies
                .iter()
                .enumerate()
                .min_by_key(|(_, c)| rank(c))
                .map_or(0, |(i, _)| i);
            let mut item = copies.remove(best);
            item.updated = copies
                .iter()
                .map(|c| c.updated)
                .fold(item.updated, DateTime::max);
            item.stored = copies
                .iter()
                .map(|c| c.stored)
                .fold(item.stored, DateTime::max);
            for c in &copies {
                for t in &c.terms {
                    if !item.terms.contains(t) {
                        item.terms.push(t.clone());
                    }
                }
            }
            item.terms.sort();
            item.also = copies
                .into_iter()
                .map(|c| AlsoReported {
                    url: c.url,
                    source: c.source_name,
                    title: c.title,
                })
                .collect();
            let cursor = ItemCursor {
                published: from_unix(first),
                story: StoryId(story),
            };
            items.push((cursor, item));
        }
        Ok(items)
    }
}

/// The story and copy-of values for one new article, given its link and
/// what was stored before it in the same batch (`batch[i]` = the id and
/// story of the batch's i-th article, if it was stored). `None` for the
/// story means "a new story".
pub(super) fn resolve_link(
    tx: &Transaction<'_>,
    link: StoryLink,
    batch: &[Option<(ArticleId, StoryId)>],
) -> Result<(Option<StoryId>, Option<ArticleId>), StoreError> {
    let story_of = |a: ArticleId| -> Result<Option<StoryId>, StoreError> {
        Ok(tx
            .query_row(
                "SELECT story_id FROM articles WHERE id = ?1",
                params![a.0],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten()
            .map(StoryId))
    };
    let earlier = |i: usize| batch.get(i).copied().flatten();
    Ok(match link {
        StoryLink::New => (None, None),
        StoryLink::Joins(a) => (story_of(a)?, None),
        StoryLink::JoinsBatch(i) => (earlier(i).map(|(_, s)| s), None),
        StoryLink::CopyOf(a) => match story_of(a)? {
            Some(s) => (Some(s), Some(a)),
            None => (None, None),
        },
        StoryLink::CopyOfBatch(i) => match earlier(i) {
            Some((a, s)) => (Some(s), Some(a)),
            None => (None, None),
        },
    })
}

pub(super) fn new_story(tx: &Transaction<'_>, now: DateTime<Utc>) -> Result<StoryId, StoreError> {
    tx.execute(
        "INSERT INTO stories (created_at) VALUES (?1)",
        params![unix(now)],
    )?;
    Ok(StoryId(tx.last_insert_rowid()))
}

//! What the publisher reads: pages of a feed's items, one item, newest
//! first. Read-only; the feeds are rendered from these rows and cached by
//! `publish`, so these queries run once per change of a feed, not once per
//! request.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, StoreError, from_unix, unix};
use crate::model::{ArticleId, Republish, StoredItem};

/// Which items a feed document shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedItems<'a> {
    /// The articles matched by the topic with this slug.
    Topic(&'a str),
    /// Every stored article.
    All,
}

/// A position in a feed, newest first: a page that starts "before" a
/// cursor holds the items older than that item. Keyset paging on
/// (published, id) keeps pages stable while new items arrive at the top,
/// which offset paging would shift (RFC 5005 §3: a page's content should
/// not depend on when it is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ItemCursor {
    pub published: DateTime<Utc>,
    pub id: ArticleId,
}

/// The columns every item query selects, in the order `item_row` reads.
const ITEM_COLUMNS: &str = "a.id, s.name, s.url, s.republish, a.url, a.title, a.author, a.html,
     a.text, a.lang, a.published_at, a.updated_at";

impl Store {
    /// Up to `limit` items of a feed, newest first, starting after
    /// `before` (the first page when `None`).
    pub fn feed_items(
        &self,
        which: FeedItems<'_>,
        before: Option<ItemCursor>,
        limit: usize,
    ) -> Result<Vec<StoredItem>, StoreError> {
        let (published, id) = before.map_or((i64::MAX, i64::MAX), |c| (unix(c.published), c.id.0));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let conn = self.conn();
        match which {
            FeedItems::Topic(slug) => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {ITEM_COLUMNS}, m.terms
                     FROM topic_matches m
                     JOIN articles a ON a.id = m.article_id
                     JOIN sources s ON s.id = a.source_id
                     WHERE m.topic = ?1 AND (a.published_at, a.id) < (?2, ?3)
                     ORDER BY a.published_at DESC, a.id DESC
                     LIMIT ?4"
                ))?;
                let rows = stmt.query_map(params![slug, published, id, limit], item_row)?;
                Ok(rows.collect::<Result<_, _>>()?)
            }
            FeedItems::All => {
                // An article in the feed of everything carries the terms of
                // every topic it matched.
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT {ITEM_COLUMNS},
                        (SELECT json_group_array(DISTINCT j.value)
                           FROM topic_matches m, json_each(m.terms) j
                          WHERE m.article_id = a.id)
                     FROM articles a
                     JOIN sources s ON s.id = a.source_id
                     WHERE (a.published_at, a.id) < (?1, ?2)
                     ORDER BY a.published_at DESC, a.id DESC
                     LIMIT ?3"
                ))?;
                let rows = stmt.query_map(params![published, id, limit], item_row)?;
                Ok(rows.collect::<Result<_, _>>()?)
            }
        }
    }

    /// The newest `limit` articles of all sources, newest first.
    pub fn recent_items(&self, limit: usize) -> Result<Vec<StoredItem>, StoreError> {
        self.feed_items(FeedItems::All, None, limit)
    }

    /// One stored article, by id.
    pub fn item(&self, id: ArticleId) -> Result<Option<StoredItem>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS}, '[]'
             FROM articles a
             JOIN sources s ON s.id = a.source_id
             WHERE a.id = ?1"
        ))?;
        let mut rows = stmt.query_map(params![id.0], item_row)?;
        Ok(rows.next().transpose()?)
    }
}

fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredItem> {
    let republish: String = r.get(3)?;
    let terms: Option<String> = r.get(12)?;
    let mut terms: Vec<String> = terms
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    terms.sort();
    terms.dedup();
    Ok(StoredItem {
        id: ArticleId(r.get(0)?),
        source_name: r.get(1)?,
        source_url: r.get(2)?,
        // The schema's CHECK admits only the three names.
        republish: Republish::from_name(&republish).unwrap_or_default(),
        url: r.get(4)?,
        title: r.get(5)?,
        author: r.get(6)?,
        html: r.get(7)?,
        text: r.get(8)?,
        lang: r.get(9)?,
        published: from_unix(r.get(10)?),
        updated: from_unix(r.get(11)?),
        terms,
        related: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceConfig;
    use crate::model::{Entry, ExtractionStatus, NewArticle, TopicMatch, Validators};

    fn article(key: &str, published: i64, topics: &[(&str, &[&str])]) -> NewArticle {
        NewArticle {
            entry: Entry {
                key: key.to_string(),
                url: None,
                title: key.to_string(),
                author: None,
                summary_html: None,
                content_html: None,
                published: None,
                updated: None,
            },
            canonical_url: None,
            title: key.to_string(),
            text: String::new(),
            html: String::new(),
            author: None,
            published: from_unix(published),
            lang: None,
            extraction: ExtractionStatus::NotRequested,
            matches: topics
                .iter()
                .map(|(slug, terms)| TopicMatch {
                    slug: slug.to_string(),
                    score: 1.0,
                    terms: terms.iter().map(|t| t.to_string()).collect(),
                })
                .collect(),
        }
    }

    fn store_with(articles: &[NewArticle], republish: Republish) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        store
            .sync_sources(&[SourceConfig {
                name: "S".into(),
                url: url::Url::parse("https://s.example/rss").unwrap(),
                full_text: false,
                interval: std::time::Duration::from_secs(60),
                enabled: true,
                republish,
            }])
            .unwrap();
        let id = store.source_state("S").unwrap().id;
        let now = from_unix(10_000);
        store
            .save_refresh(id, now, now, &Validators::default(), articles)
            .unwrap();
        (dir, store)
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats_even_with_equal_dates() {
        // Three items share a second: the id breaks the tie.
        let articles: Vec<NewArticle> = [100, 200, 200, 200, 300]
            .iter()
            .enumerate()
            .map(|(i, p)| article(&format!("k{i}"), *p, &[("t", &["w"])]))
            .collect();
        let (_dir, store) = store_with(&articles, Republish::Full);
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = store.feed_items(FeedItems::Topic("t"), before, 2).unwrap();
            if page.is_empty() {
                break;
            }
            let last = page.last().unwrap();
            before = Some(ItemCursor {
                published: last.published,
                id: last.id,
            });
            seen.extend(page.into_iter().map(|i| i.title));
        }
        assert_eq!(seen, ["k4", "k3", "k2", "k1", "k0"]);
    }

    #[test]
    fn the_feed_of_everything_carries_the_terms_of_every_matched_topic() {
        let (_dir, store) = store_with(
            &[
                article(
                    "a",
                    100,
                    &[("t", &["peace", "talks"]), ("u", &["talks", "un"])],
                ),
                article("b", 50, &[]),
            ],
            Republish::Excerpt,
        );
        let all = store.feed_items(FeedItems::All, None, 10).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].terms, ["peace", "talks", "un"]);
        assert!(all[1].terms.is_empty());
        assert_eq!(all[0].republish, Republish::Excerpt);
        let topic = store.feed_items(FeedItems::Topic("u"), None, 10).unwrap();
        assert_eq!(topic.len(), 1);
        assert_eq!(topic[0].terms, ["talks", "un"]);
        assert_eq!(store.item(all[1].id).unwrap().unwrap().title, "b");
    }
}

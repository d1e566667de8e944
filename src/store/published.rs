//! What the publisher reads: pages of a feed's items (one per story, see
//! `stories::story_items`), newest first, and single articles. Read-only;
//! the feeds are rendered from these and cached by `publish`, so these
//! queries run once per change of a feed, not once per request.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{Store, StoreError, from_unix};
use crate::model::{ArticleId, Republish, StoredItem, StoryId};

/// Which items a feed document shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedItems<'a> {
    /// The articles matched by the topic with this slug.
    Topic(&'a str),
    /// Every stored article.
    All,
}

/// A position in a feed, newest first: a page that starts "before" a
/// cursor holds the stories that appeared before that one. Keyset paging on
/// (first appearance, story id) keeps pages stable while new stories arrive
/// at the top, which offset paging would shift (RFC 5005 §3: a page's
/// content should not depend on when it is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ItemCursor {
    /// When the story first appeared (its earliest article).
    pub published: DateTime<Utc>,
    pub story: StoryId,
}

/// One page of a feed.
#[derive(Debug, Clone)]
pub struct FeedPage {
    pub items: Vec<StoredItem>,
    /// Where the next (older) page starts, when there is one.
    pub next: Option<ItemCursor>,
}

impl Store {
    /// Up to `limit` items (one per story) of a feed, newest first,
    /// starting after `before` (the first page when `None`); `prefer`
    /// orders the sources whose copy represents a story.
    pub fn feed_page(
        &self,
        which: FeedItems<'_>,
        before: Option<ItemCursor>,
        limit: usize,
        prefer: &[String],
    ) -> Result<FeedPage, StoreError> {
        // One more than asked tells whether a next page exists.
        let mut items = self.story_items(which, before, limit.saturating_add(1), prefer)?;
        let more = items.len() > limit;
        items.truncate(limit);
        Ok(FeedPage {
            next: items.last().map(|(c, _)| *c).filter(|_| more),
            items: items.into_iter().map(|(_, item)| item).collect(),
        })
    }

    /// The newest `limit` stories matched by topic `slug`, newest first.
    pub fn topic_items(
        &self,
        slug: &str,
        limit: usize,
        prefer: &[String],
    ) -> Result<Vec<StoredItem>, StoreError> {
        Ok(self
            .feed_page(FeedItems::Topic(slug), None, limit, prefer)?
            .items)
    }

    /// The newest `limit` stories of all sources, newest first.
    pub fn recent_items(
        &self,
        limit: usize,
        prefer: &[String],
    ) -> Result<Vec<StoredItem>, StoreError> {
        Ok(self.feed_page(FeedItems::All, None, limit, prefer)?.items)
    }

    /// One stored article, by id, on its own (without its story's copies).
    pub fn item(&self, id: ArticleId) -> Result<Option<StoredItem>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT a.id, s.name, s.url, s.republish, a.url, a.title, a.author, a.html,
                    a.text, a.lang, a.published_at, a.updated_at, coalesce(a.story_id, 0),
                    a.fetched_at
             FROM articles a
             JOIN sources s ON s.id = a.source_id
             WHERE a.id = ?1",
        )?;
        let mut rows = stmt.query_map(params![id.0], |r| {
            let republish: String = r.get(3)?;
            Ok(StoredItem {
                story: StoryId(r.get(12)?),
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
                stored: from_unix(r.get(13)?),
                terms: Vec::new(),
                also: Vec::new(),
            })
        })?;
        Ok(rows.next().transpose()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceConfig;
    use crate::model::{
        Entry, ExtractionStatus, NewArticle, SourcePoll, StoryLink, TopicMatch, Validators,
    };

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
            search_terms: crate::search::article_terms(key, ""),
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
                    evidence: Default::default(),
                })
                .collect(),
            text_hash: [0; 32],
            fingerprint: None,
            story: StoryLink::New,
        }
    }

    fn poll() -> SourcePoll {
        SourcePoll {
            interval: std::time::Duration::from_secs(60),
            feed_hint: None,
            moved_to: None,
            discovered: None,
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
                min_interval: std::time::Duration::from_secs(60),
                max_interval: std::time::Duration::from_secs(60),
                encoding: None,
                utc_offset: chrono::FixedOffset::east_opt(0).unwrap(),
                enabled: true,
                category: None,
                republish,
                rules: Default::default(),
            }])
            .unwrap();
        let id = store.source_state("S").unwrap().id;
        let now = from_unix(10_000);
        store
            .save_refresh(id, now, now, &Validators::default(), &poll(), articles)
            .unwrap();
        (dir, store)
    }

    #[test]
    fn pages_follow_each_other_without_gaps_or_repeats_even_with_equal_dates() {
        // Three items share a second: the story id breaks the tie.
        let articles: Vec<NewArticle> = [100, 200, 200, 200, 300]
            .iter()
            .enumerate()
            .map(|(i, p)| article(&format!("k{i}"), *p, &[("t", &["w"])]))
            .collect();
        let (_dir, store) = store_with(&articles, Republish::Full);
        let mut seen = Vec::new();
        let mut before = None;
        let mut pages = 0;
        loop {
            let page = store
                .feed_page(FeedItems::Topic("t"), before, 2, &[])
                .unwrap();
            pages += 1;
            seen.extend(page.items.into_iter().map(|i| i.title));
            match page.next {
                Some(next) => before = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, ["k4", "k3", "k2", "k1", "k0"]);
        assert_eq!(pages, 3);
        let all = store.feed_page(FeedItems::All, None, 5, &[]).unwrap();
        assert_eq!((all.items.len(), all.next), (5, None));
    }

    #[test]
    fn a_reprint_that_matches_no_topic_still_changes_the_feeds_of_its_story() {
        let (_dir, store) = store_with(&[article("a", 100, &[("t", &["w"])])], Republish::Full);
        let original = store.recent_items(1, &[]).unwrap()[0].id;
        let source = store.source_state("S").unwrap().id;
        let mut reprint = article("b", 200, &[]);
        reprint.story = StoryLink::Joins(original);
        let now = from_unix(20_000);
        let (saved, _) = store
            .save_refresh(
                source,
                now,
                now,
                &Validators::default(),
                &poll(),
                &[reprint],
            )
            .unwrap();
        assert!(saved.topics.is_empty(), "no new match");
        assert_eq!(saved.changed_topics.into_iter().collect::<Vec<_>>(), ["t"]);
        let items = store.topic_items("t", 10, &[]).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].also[0].title, "b");
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
        let all = store.recent_items(10, &[]).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].terms, ["peace", "talks", "un"]);
        assert!(all[1].terms.is_empty());
        assert_eq!(all[0].republish, Republish::Excerpt);
        let topic = store.topic_items("u", 10, &[]).unwrap();
        assert_eq!(topic.len(), 1);
        assert_eq!(topic[0].terms, ["talks", "un"]);
        let b = store.item(all[1].id).unwrap().unwrap();
        assert_eq!((b.title.as_str(), b.republish), ("b", Republish::Excerpt));
    }
}

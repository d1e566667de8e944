//! Topics over the archive: re-classification when topic definitions
//! change, and dry runs of a topic that change nothing.
//!
//! In: the [`Store`] and the compiled topics. Out: recomputed topic matches
//! in the store ([`reclassify_changed`]) or a report ([`dry_run`]). It reads
//! and writes only through `store` and decides only through `topics`; it
//! never fetches. The archive is the retention window: what the store keeps
//! is what gets re-classified.
//!
//! A topic's stored matches carry the fingerprint of the definition that
//! made them (`topics::Topic::fingerprint`), so at start-up only topics whose
//! query, thresholds, mode or examples changed are recomputed, and a topic
//! removed from the config loses its matches.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::model::{ArchivedArticle, ArticleId, TopicMatch};
use crate::store::{Store, StoreError};
use crate::topics::{self, AnalyzedDocument, Document, ExampleSource, ExampleText, Topic};

/// Articles read and classified per store round trip: small enough that a
/// page of texts stays a few megabytes, large enough that SQLite's per
/// transaction cost is negligible.
const PAGE: usize = 500;

/// What [`reclassify_changed`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReclassifyReport {
    /// Topics whose matches were recomputed.
    pub topics: Vec<String>,
    /// Archived articles classified.
    pub articles: usize,
    /// Matches stored for those topics.
    pub matches: usize,
    /// Matches deleted because their topic is no longer configured.
    pub removed: usize,
}

fn document(a: &ArchivedArticle) -> Document<'_> {
    Document {
        title: &a.title,
        text: &a.text,
        source: &a.source_name,
        lang: a.lang.as_deref(),
    }
}

/// Completes the topics' example profiles with what only the archive has:
/// the articles behind URL examples, and a sample of recent articles for
/// word statistics (IDF). A URL example not in the archive is logged and
/// skipped. Topics without examples are returned unchanged.
pub fn prepare_topics(store: &Store, topics: &[Topic]) -> Result<Vec<Topic>, StoreError> {
    let mut out = topics.to_vec();
    if out.iter().all(|t| t.example_sources.is_empty()) {
        return Ok(out);
    }
    let background: Vec<AnalyzedDocument> = store
        .recent_archived_articles(topics::BACKGROUND_ARTICLES)?
        .iter()
        .map(|a| AnalyzedDocument::new(&document(a)))
        .collect();
    for topic in out.iter_mut().filter(|t| !t.example_sources.is_empty()) {
        let mut from_archive = Vec::new();
        for source in &topic.example_sources {
            let ExampleSource::Url(url) = source else {
                continue;
            };
            match store.find_article(url.as_str())? {
                Some(a) => from_archive.push(ExampleText {
                    origin: url.to_string(),
                    title: a.title,
                    text: a.text,
                }),
                None => tracing::warn!(
                    topic = %topic.slug,
                    example = %url,
                    "example URL is not in the archive; skipped until it is fetched"
                ),
            }
        }
        if let Err(e) = topic.build_profile(&from_archive, &background) {
            tracing::warn!(topic = %topic.slug, error = %e, "topic has no usable examples");
        }
    }
    Ok(out)
}

/// Recomputes the stored matches of every topic whose definition changed
/// since its matches were stored (or that has none yet), over the whole
/// archive, and drops the matches of topics no longer configured.
pub fn reclassify_changed(
    store: &Store,
    topics: &[Topic],
    now: DateTime<Utc>,
) -> Result<ReclassifyReport, StoreError> {
    let stored = store.topic_fingerprints()?;
    let changed: Vec<(&Topic, String)> = topics
        .iter()
        .map(|t| (t, t.fingerprint()))
        .filter(|(t, fp)| stored.get(&t.slug) != Some(fp))
        .collect();
    let mut report = ReclassifyReport {
        topics: changed.iter().map(|(t, _)| t.slug.clone()).collect(),
        ..ReclassifyReport::default()
    };
    let slugs: Vec<&str> = changed.iter().map(|(t, _)| t.slug.as_str()).collect();
    if !changed.is_empty() {
        let to_run: Vec<Topic> = changed.iter().map(|(t, _)| (*t).clone()).collect();
        let mut after: Option<ArticleId> = None;
        loop {
            let page = store.archived_articles(after, PAGE)?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.id);
            let batch: Vec<(ArticleId, Vec<TopicMatch>)> = page
                .iter()
                .map(|a| (a.id, topics::classify(&document(a), &to_run)))
                .collect();
            report.articles += batch.len();
            report.matches += store.replace_topic_matches(&slugs, &batch)?;
        }
    }
    let done: Vec<(&str, &str)> = changed
        .iter()
        .map(|(t, fp)| (t.slug.as_str(), fp.as_str()))
        .collect();
    let configured: Vec<&str> = topics.iter().map(|t| t.slug.as_str()).collect();
    report.removed = store.finish_reclassification(&done, &configured, now)?;
    Ok(report)
}

/// One article of a dry run.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub id: ArticleId,
    pub title: String,
    pub source: String,
    pub url: Option<String>,
    pub published: DateTime<Utc>,
    /// The match the topic would make now (`None` for an article it would
    /// no longer match).
    pub matched: Option<TopicMatch>,
}

/// What a topic would match in the archive, compared with what is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DryRun {
    /// Archived articles looked at.
    pub articles: usize,
    /// Articles the topic matches now.
    pub matched: usize,
    /// Articles stored as matching it.
    pub stored: usize,
    /// Newest first: articles it matches now, up to the sample size.
    pub samples: Vec<Sample>,
    /// Articles it would newly match (not stored as matches), newest first.
    pub added: Vec<Sample>,
    /// Articles stored as matches that it would no longer match.
    pub removed: Vec<Sample>,
    /// Total counts of the two lists above (they hold samples only).
    pub added_count: usize,
    pub removed_count: usize,
}

/// Runs `topic` over the whole archive without storing anything.
pub fn dry_run(store: &Store, topic: &Topic, samples: usize) -> Result<DryRun, StoreError> {
    let stored: HashSet<ArticleId> = store.topic_article_ids(&topic.slug)?;
    let mut run = DryRun {
        stored: stored.len(),
        ..DryRun::default()
    };
    let one = std::slice::from_ref(topic);
    let mut after: Option<ArticleId> = None;
    loop {
        let page = store.archived_articles(after, PAGE)?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some(last.id);
        for a in page {
            run.articles += 1;
            let matched = topics::classify(&document(&a), one).pop();
            let was = stored.contains(&a.id);
            let sample = |matched: Option<TopicMatch>| Sample {
                id: a.id,
                title: a.title.clone(),
                source: a.source_name.clone(),
                url: a.url.clone(),
                published: a.published,
                matched,
            };
            match (&matched, was) {
                (Some(_), false) => {
                    run.added_count += 1;
                    keep_newest(&mut run.added, sample(matched.clone()), samples);
                }
                (None, true) => {
                    run.removed_count += 1;
                    keep_newest(&mut run.removed, sample(None), samples);
                }
                _ => {}
            }
            if matched.is_some() {
                run.matched += 1;
                keep_newest(&mut run.samples, sample(matched), samples);
            }
        }
    }
    Ok(run)
}

/// Inserts `s` keeping `list` the `limit` newest samples, newest first.
fn keep_newest(list: &mut Vec<Sample>, s: Sample, limit: usize) {
    let at = list
        .iter()
        .position(|x| (x.published, x.id) < (s.published, s.id))
        .unwrap_or(list.len());
    if at < limit {
        list.insert(at, s);
        list.truncate(limit);
    }
}

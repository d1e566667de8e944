//! Runs ONE source through the whole pipeline. Read this first.
//!
//! fetch → parse → "seen before?" (entry key, canonical URL) → fetch pages →
//! extract → classify → "same story?" (text hash, fingerprint) → store, one
//! stage per line, each called module-qualified. A refresh never fails
//! loudly: whatever goes wrong becomes the source's recorded status and a
//! log line, and the other sources are not affected. Everything a refresh
//! learns is stored in one transaction at the end.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use tracing::{Instrument, field::Empty};

use crate::config::SourceConfig;
use crate::dedupe;
use crate::extract;
use crate::fetch::{self, FeedResponse, Fetcher};
use crate::model::{Entry, ExtractionStatus, NewArticle, SourceId, StoryLink};
use crate::parse;
use crate::schedule;
use crate::store::{SavedCounts, Store, StoreError};
use crate::topics::{self, Topic};

/// Pages fetched at once for one source. Low, because all of them go to
/// the same site.
const PAGES_AT_ONCE: usize = 2;

/// What every refresh needs, built once at start-up.
#[derive(Clone)]
pub struct Pipeline {
    pub fetcher: Fetcher,
    pub store: Store,
    pub topics: Arc<Vec<Topic>>,
    /// The near-duplicate index, shared by all refreshes.
    pub stories: Arc<dedupe::Stories>,
}

/// How one refresh ended.
#[derive(Debug, Clone)]
pub struct RefreshReport {
    pub source: String,
    pub outcome: Outcome,
    /// When the source should be polled next.
    pub next: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    /// 304: nothing changed.
    NotModified,
    /// The feed was read; `saved` says what was new.
    Updated {
        entries: usize,
        saved: SavedCounts,
        extraction_failures: usize,
    },
    /// The refresh failed; the message names the source's problem.
    Failed { error: String, transient: bool },
}

#[derive(Debug, thiserror::Error)]
enum RefreshError {
    #[error(transparent)]
    Fetch(#[from] fetch::FetchError),
    #[error(transparent)]
    Parse(#[from] parse::ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl RefreshError {
    fn is_transient(&self) -> bool {
        match self {
            RefreshError::Fetch(e) => e.is_transient(),
            RefreshError::Parse(_) => false,
            RefreshError::Store(_) | RefreshError::Task(_) => true,
        }
    }
}

/// Refreshes `source` and records the outcome in the store.
pub async fn refresh_source(p: &Pipeline, source: &SourceConfig) -> RefreshReport {
    let span = tracing::info_span!(
        "refresh",
        source = %source.name,
        source.url = %source.url,
        new = Empty,
    );
    async move {
        let now = Utc::now();
        let state = {
            let store = p.store.clone();
            let name = source.name.clone();
            tokio::task::spawn_blocking(move || store.source_state(&name)).await
        };
        let state = match state {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return failed(source, now, e.to_string(), true),
            Err(e) => return failed(source, now, e.to_string(), true),
        };
        match run(p, source, state.id, &state.validators, now).await {
            Ok((outcome, next)) => {
                if let Outcome::Updated { saved, .. } = &outcome {
                    tracing::Span::current().record("new", saved.new);
                }
                tracing::info!(outcome = ?outcome_name(&outcome), "source refreshed");
                RefreshReport {
                    source: source.name.clone(),
                    outcome,
                    next,
                }
            }
            Err(e) => {
                let failures = state.error_count + 1;
                let next = schedule::next_after_failure(now, source.interval, failures, jitter());
                let message = e.to_string();
                tracing::warn!(error = %message, failures, "source refresh failed");
                let store = p.store.clone();
                let recorded = {
                    let message = message.clone();
                    tokio::task::spawn_blocking(move || {
                        store.record_error(state.id, now, next, &message)
                    })
                    .await
                };
                match recorded {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::error!(error = %e, "cannot record the refresh failure"),
                    Err(e) => tracing::error!(error = %e, "cannot record the refresh failure"),
                }
                RefreshReport {
                    source: source.name.clone(),
                    outcome: Outcome::Failed {
                        error: message,
                        transient: e.is_transient(),
                    },
                    next,
                }
            }
        }
    }
    .instrument(span)
    .await
}

async fn run(
    p: &Pipeline,
    source: &SourceConfig,
    id: SourceId,
    validators: &crate::model::Validators,
    now: DateTime<Utc>,
) -> Result<(Outcome, DateTime<Utc>), RefreshError> {
    let next = schedule::next_after_success(now, source.interval, jitter());

    let fetched = match p.fetcher.feed(&source.url, validators).await? {
        FeedResponse::NotModified => {
            let store = p.store.clone();
            tokio::task::spawn_blocking(move || store.record_not_modified(id, now, next)).await??;
            return Ok((Outcome::NotModified, next));
        }
        FeedResponse::Fetched(f) => f,
    };

    let feed = {
        let (body, url) = (fetched.body.clone(), fetched.url.clone());
        tokio::task::spawn_blocking(move || parse::entries(&body, &url)).await??
    };
    let entries_seen = feed.entries.len();

    let fresh = {
        let store = p.store.clone();
        let entries = feed.entries;
        tokio::task::spawn_blocking(
            move || -> Result<Vec<(Entry, Option<StoryLink>)>, StoreError> {
                let keys: Vec<&str> = entries.iter().map(|e| e.key.as_str()).collect();
                let known = store.known_entry_keys(id, &keys)?;
                let mut seen = std::collections::HashSet::new();
                let fresh: Vec<Entry> = entries
                    .into_iter()
                    .filter(|e| !known.contains(&e.key) && seen.insert(e.key.clone()))
                    .collect();
                // The same page listed again under another GUID is known by its
                // canonical URL: it is recorded (so its entry is not looked at
                // again) but not scraped.
                let urls: Vec<Option<String>> = fresh
                    .iter()
                    .map(|e| e.url.as_ref().map(dedupe::canonical_url))
                    .collect();
                let at_urls = store.articles_at_urls(
                    id,
                    &urls
                        .iter()
                        .flatten()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                )?;
                Ok(fresh
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let copy = urls[i].as_ref().and_then(|u| {
                            at_urls.get(u).map(|a| StoryLink::CopyOf(*a)).or_else(|| {
                                urls[..i]
                                    .iter()
                                    .position(|v| v.as_ref() == Some(u))
                                    .map(StoryLink::CopyOfBatch)
                            })
                        });
                        (e, copy)
                    })
                    .collect())
            },
        )
        .await??
    };

    let mut articles: Vec<NewArticle> = stream::iter(fresh)
        .map(|(entry, copy)| {
            // One span per article: its log lines (a page that would not
            // load, an extraction that failed) name the entry they concern.
            let span = tracing::info_span!(
                "article",
                entry.key = %entry.key,
                article.url = entry.url.as_ref().map_or("", |u| u.as_str()),
            );
            article(p, source, entry, copy, now).instrument(span)
        })
        .buffered(PAGES_AT_ONCE)
        .collect()
        .await;
    let extraction_failures = articles
        .iter()
        .filter(|a| matches!(a.extraction, ExtractionStatus::Failed(_)))
        .count();

    let saved = {
        let (store, stories) = (p.store.clone(), p.stories.clone());
        let validators = fetched.validators;
        tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            // Held from the story decision until the articles are indexed,
            // so two outlets' copies saved at once cannot both start a story.
            let mut index = stories.lock();
            let batch: Vec<dedupe::NewText> =
                articles.iter().map(|a| new_text(a, &index)).collect();
            let window = index.rule().window;
            let since = articles.iter().map(|a| a.published).min().unwrap_or(now) - window;
            let hashes: Vec<[u8; 32]> = articles.iter().map(|a| a.text_hash).collect();
            let exact = store.exact_copies(&hashes, since)?;
            let links = dedupe::link_batch(&index, id, &batch, &exact);
            for (a, link) in articles.iter_mut().zip(links) {
                a.story = link;
            }
            let (saved, stored) = store.save_refresh(id, now, next, &validators, &articles)?;
            for (i, article) in stored {
                let is_copy = matches!(
                    articles[i].story,
                    StoryLink::CopyOf(_) | StoryLink::CopyOfBatch(_)
                );
                if let (Some(fp), false) = (&batch[i].fingerprint, is_copy)
                    && let Err(e) = index.insert(article, articles[i].published, fp)
                {
                    tracing::error!(error = %e, "cannot index the article's fingerprint");
                }
            }
            stories.prune_if_due(&mut index, now);
            Ok(saved)
        })
        .await??
    };
    Ok((
        Outcome::Updated {
            entries: entries_seen,
            saved,
            extraction_failures,
        },
        next,
    ))
}

/// What the story decision needs of an article; the fingerprint is only
/// kept for texts long enough to be matched on it.
fn new_text(a: &NewArticle, index: &dedupe::NearDupIndex) -> dedupe::NewText {
    let fingerprint = a.fingerprint.as_ref().and_then(|bytes| {
        dedupe::Fingerprint::from_bytes(0, bytes)
            .ok()
            .filter(|fp| fp.params == index.params())
    });
    dedupe::NewText {
        published: a.published,
        text_hash: a.text_hash,
        fingerprint,
        decided: match a.story {
            StoryLink::New => None,
            link => Some(link),
        },
    }
}

/// Turns one new entry into an article: its page's main text when the
/// source asks for full text, else (or when that fails) the feed's content.
/// A `copy` (the same page as a stored article) is not scraped.
async fn article(
    p: &Pipeline,
    source: &SourceConfig,
    entry: Entry,
    copy: Option<StoryLink>,
    now: DateTime<Utc>,
) -> NewArticle {
    let feed_html = entry
        .content_html
        .clone()
        .or_else(|| entry.summary_html.clone())
        .unwrap_or_default();
    let base = entry.url.clone().unwrap_or_else(|| source.url.clone());

    let extracted = match (&entry.url, source.full_text && copy.is_none()) {
        (Some(url), true) => Some(page_article(p, url).await),
        (None, true) => Some(Err("the entry has no link to fetch".to_string())),
        (_, false) => None,
    };

    let (html, text, status, page) = {
        let feed_html = feed_html.clone();
        let base = base.clone();
        let fallback = move || {
            let html = extract::sanitize(&feed_html, Some(&base));
            let text = extract::html_to_text(&html);
            (html, text)
        };
        match extracted {
            None => {
                let (h, t) = fallback();
                (h, t, ExtractionStatus::NotRequested, None)
            }
            Some(Ok(a)) => {
                let (h, t) = fallback();
                // A page whose "main text" is shorter than the feed's own
                // content was not understood (a paywall stub, a cookie wall).
                if a.text.chars().count() < t.chars().count() {
                    let reason = "extracted text is shorter than the feed's content".to_string();
                    (h, t, ExtractionStatus::Failed(reason), Some(a))
                } else {
                    (
                        a.html.clone(),
                        a.text.clone(),
                        ExtractionStatus::Extracted,
                        Some(a),
                    )
                }
            }
            Some(Err(reason)) => {
                let (h, t) = fallback();
                (h, t, ExtractionStatus::Failed(reason), None)
            }
        }
    };
    if let ExtractionStatus::Failed(reason) = &status {
        tracing::warn!(url = %base, error = %reason, "full text not extracted; using the feed's content");
    }

    let title = if entry.title.trim().is_empty() {
        page.as_ref()
            .and_then(|a| a.title.clone())
            .unwrap_or_else(|| "(untitled)".to_string())
    } else {
        entry.title.clone()
    };
    // Dates from feeds are often wrong; one in the future would pin an item
    // to the top of every reader for days.
    let published = entry.published.unwrap_or(now).min(now);
    let lang = page.as_ref().and_then(|a| a.lang.clone());
    let matches = topics::classify(
        &topics::Document {
            title: &title,
            text: &text,
            source: &source.name,
            lang: lang.as_deref(),
        },
        &p.topics,
    );
    // Fingerprinting is CPU work of a few hundred microseconds (BENCHMARKS.md).
    let fingerprint = {
        let fp = dedupe::fingerprint(&text, dedupe::FingerprintParams::DEFAULT);
        let min_words = p.stories.rule().min_words;
        (fp.words >= min_words).then(|| fp.to_bytes())
    };
    NewArticle {
        text_hash: dedupe::text_hash(&text).0,
        fingerprint,
        story: copy.unwrap_or(StoryLink::New),
        canonical_url: entry.url.as_ref().map(dedupe::canonical_url),
        author: entry
            .author
            .clone()
            .or_else(|| page.as_ref().and_then(|a| a.author.clone())),
        title,
        text,
        html,
        published,
        lang,
        extraction: status,
        matches,
        entry,
    }
}

/// Fetches and extracts one page; the error is a message for the log and
/// the article's status, never fatal to the feed.
async fn page_article(p: &Pipeline, url: &url::Url) -> Result<crate::model::Article, String> {
    let page = p.fetcher.page(url).await.map_err(|e| e.to_string())?;
    tokio::task::spawn_blocking(move || {
        extract::article(&page.html, &page.url, &extract::Rules::none()).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

fn failed(
    source: &SourceConfig,
    now: DateTime<Utc>,
    error: String,
    transient: bool,
) -> RefreshReport {
    tracing::error!(source = %source.name, error = %error, "cannot refresh source");
    RefreshReport {
        source: source.name.clone(),
        outcome: Outcome::Failed { error, transient },
        next: schedule::next_after_failure(now, source.interval, 1, jitter()),
    }
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::NotModified => "not_modified",
        Outcome::Updated { .. } => "updated",
        Outcome::Failed { .. } => "failed",
    }
}

fn jitter() -> f64 {
    rand::random_range(-1.0..=1.0)
}

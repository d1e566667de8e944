//! Runs ONE source through the whole pipeline. Read this first.
//!
//! fetch → parse → "seen before?" (entry key, canonical URL) → fetch pages →
//! extract → classify → "same story?" (text hash, fingerprint) → store, one
//! stage per line, each called module-qualified. A refresh never fails
//! loudly: whatever goes wrong becomes the source's recorded status and a
//! log line, and the other sources are not affected. Everything a refresh
//! learns is stored in one transaction at the end.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use tracing::{Instrument, field::Empty};

use crate::config::SourceConfig;
use crate::cpu::{CpuPool, Panicked};
use crate::dedupe;
use crate::extract;
use crate::fetch::{self, FeedResponse, Fetcher, charset::DecidedBy};
use crate::metrics::{FetchKind, FetchOutcome, Metrics};
use crate::model::{Entry, ExtractionStatus, NewArticle, SourcePoll, StoryLink};
use crate::parse;
use crate::publish::Publisher;
use crate::schedule::{self, adaptive, backoff};
use crate::store::{SavedCounts, SourceState, Store, StoreError};
use crate::topics::{self, Topic};

/// Pages fetched at once for one source. Low, because all of them go to
/// the same site.
const PAGES_AT_ONCE: usize = 2;

/// Extracted text shorter than this is not an article. News briefs of two
/// sentences run to 120-200 characters; what remains of a page whose
/// extraction failed (a consent wall, a "please enable JavaScript" notice,
/// a photo caption, a byline) is usually a single short line.
const MIN_ARTICLE_CHARS: usize = 100;

/// What every refresh needs, built once at start-up.
#[derive(Clone)]
pub struct Pipeline {
    pub fetcher: Fetcher,
    pub store: Store,
    pub topics: Arc<Vec<Topic>>,
    /// The near-duplicate index, shared by all refreshes.
    pub stories: Arc<dedupe::Stories>,
    /// The most entries taken from one feed per pass (`fetch.max_items`).
    pub max_items: usize,
    /// The longest wait between attempts at a failing source
    /// (`fetch.max_backoff`).
    pub max_backoff: std::time::Duration,
    /// Counters for /metrics.
    pub metrics: Metrics,
    /// Told when topics get new items (cache invalidation, WebSub).
    pub publisher: Publisher,
    /// Where each article's CPU work (parse, extract, classify,
    /// fingerprint) runs: see [`crate::cpu`].
    pub cpu: CpuPool,
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
    /// The feed answered 410 Gone: it is not polled again until its URL is
    /// changed in the configuration.
    Gone { error: String },
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
    #[error(transparent)]
    Cpu(#[from] Panicked),
}

impl RefreshError {
    fn is_transient(&self) -> bool {
        match self {
            RefreshError::Fetch(e) => e.is_transient(),
            // The same entries would panic the same way at once.
            RefreshError::Parse(_) | RefreshError::Cpu(_) => false,
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
            // A read-only database is retried here, before any fetching
            // whose result could not be stored.
            tokio::task::spawn_blocking(move || {
                store.ensure_writable()?;
                store.source_state(&name)
            })
            .await
        };
        let state = match state {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return failed(p, source, now, e.to_string(), true),
            Err(e) => return failed(p, source, now, e.to_string(), true),
        };
        if state.gone {
            return RefreshReport {
                source: source.name.clone(),
                outcome: Outcome::Gone {
                    error: "the feed answered 410 Gone; change its url to poll it again".into(),
                },
                next: now
                    + chrono::TimeDelta::from_std(p.max_backoff)
                        .unwrap_or(chrono::TimeDelta::days(1)),
            };
        }
        match run(p, source, &state, now).await {
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
            Err(RefreshError::Fetch(e)) if e.is_gone() => {
                let message = e.to_string();
                tracing::warn!(error = %message, "source is gone; polling stopped");
                let store = p.store.clone();
                let recorded = {
                    let message = message.clone();
                    tokio::task::spawn_blocking(move || store.record_gone(state.id, now, &message))
                        .await
                };
                log_record_failure(recorded);
                RefreshReport {
                    source: source.name.clone(),
                    outcome: Outcome::Gone { error: message },
                    next: now
                        + chrono::TimeDelta::from_std(p.max_backoff)
                            .unwrap_or(chrono::TimeDelta::days(1)),
                }
            }
            Err(e) => {
                let failures = state.error_count + 1;
                let retry_after = match &e {
                    RefreshError::Fetch(f) => f.retry_after(),
                    _ => None,
                };
                let next = schedule::next_after_failure(
                    now,
                    source.interval,
                    failures,
                    retry_after,
                    p.max_backoff,
                    backoff::random_jitter(),
                );
                let message = e.to_string();
                tracing::warn!(error = %message, failures, next = %next, "source refresh failed");
                let store = p.store.clone();
                let recorded = {
                    let message = message.clone();
                    tokio::task::spawn_blocking(move || {
                        store.record_error(state.id, now, next, &message)
                    })
                    .await
                };
                log_record_failure(recorded);
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
    state: &SourceState,
    now: DateTime<Utc>,
) -> Result<(Outcome, DateTime<Utc>), RefreshError> {
    let id = state.id;
    let bounds = adaptive::Bounds::new(source.min_interval, source.max_interval);
    // Where the feed lives now: it may have moved, or been found on a page.
    let url = state.fetch_url.as_ref().unwrap_or(&source.url);

    let started = Instant::now();
    let response = p
        .fetcher
        .feed(url, &state.validators, source.encoding)
        .await;
    let (outcome, bytes) = match &response {
        Ok(FeedResponse::NotModified { .. }) => (FetchOutcome::NotModified, 0),
        Ok(FeedResponse::Fetched(f)) => (FetchOutcome::Ok, f.text.text.len()),
        Err(_) => (FetchOutcome::Error, 0),
    };
    p.metrics
        .fetched(FetchKind::Feed, outcome, bytes as u64, started.elapsed());
    let fetched = match response? {
        FeedResponse::NotModified {
            freshness,
            moved_to,
        } => {
            let hints = adaptive::PublisherHints {
                ttl: state.feed_hint,
                max_age: freshness,
                ..adaptive::PublisherHints::default()
            };
            let pace = state.interval.unwrap_or(source.interval);
            let interval = adaptive::interval(bounds, pace, &hints, None);
            let next = schedule::next_after_success(now, interval, jitter());
            let poll = SourcePoll {
                interval,
                feed_hint: None,
                moved_to,
                discovered: None,
            };
            let store = p.store.clone();
            tokio::task::spawn_blocking(move || store.record_not_modified(id, now, next, &poll))
                .await??;
            return Ok((Outcome::NotModified, next));
        }
        FeedResponse::Fetched(f) => f,
    };
    if let Some(found) = &fetched.discovered {
        tracing::info!(page = %url, feed = %found, "the source's URL is a page; polling the feed it links to");
    }
    if let DecidedBy::Detected {
        ignored_label: Some(label),
    } = fetched.text.decided_by
    {
        tracing::warn!(
            declared = label.name(),
            read_as = fetched.text.charset.name(),
            "the feed's declared charset does not match its bytes"
        );
    }

    let options = parse::Options {
        max_items: p.max_items,
        utc_offset: source.utc_offset,
    };
    let feed = {
        let url = fetched.url.clone();
        let text = fetched.text.text.clone();
        tokio::task::spawn_blocking(move || parse::entries(&text, &url, &options)).await??
    };
    if feed.entries_in_document > feed.entries.len() {
        tracing::warn!(
            entries = feed.entries_in_document,
            kept = feed.entries.len(),
            "feed has more entries than fetch.max_items; the newest are kept"
        );
    }
    if !feed.unparsed_dates.is_empty() {
        tracing::warn!(
            examples = ?feed.unparsed_dates,
            "dates not understood; those entries are dated when first seen"
        );
    }
    let dates: Vec<DateTime<Utc>> = feed.entries.iter().filter_map(|e| e.published).collect();
    let hints = adaptive::PublisherHints {
        ttl: feed.ttl,
        update_period: feed.update_period,
        max_age: fetched.freshness,
        expires_in: None,
    };
    let interval = adaptive::interval(
        bounds,
        source.interval,
        &hints,
        adaptive::activity_from_dates(&dates, now),
    );
    let next = schedule::next_after_success(now, interval, jitter());
    let poll = SourcePoll {
        interval,
        feed_hint: feed.ttl.max(feed.update_period),
        moved_to: fetched.moved_to.clone(),
        discovered: fetched.discovered.clone(),
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
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
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
            let (saved, stored) =
                store.save_refresh(id, now, next, &validators, &poll, &articles)?;
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
    p.metrics.refreshed(
        saved.new,
        entries_seen.saturating_sub(saved.new),
        extraction_failures,
        saved.topics.iter().map(|(t, n)| (t.as_str(), *n)),
    );
    if saved.new > 0 {
        p.publisher
            .topics_changed(saved.changed_topics.iter().map(String::as_str))
            .await;
    }
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
///
/// The page is fetched here; everything after is CPU work and runs on
/// [`Pipeline::cpu`], never on the threads that serve HTTP.
async fn article(
    p: &Pipeline,
    source: &SourceConfig,
    entry: Entry,
    copy: Option<StoryLink>,
    now: DateTime<Utc>,
) -> Result<NewArticle, Panicked> {
    let page = match (&entry.url, source.full_text && copy.is_none()) {
        (Some(url), true) => Some(fetch_page(p, url, source).await),
        (None, true) => Some(Err("the entry has no link to fetch".to_string())),
        (_, false) => None,
    };
    let work = ArticleWork {
        topics: Arc::clone(&p.topics),
        source_url: source.url.clone(),
        source_name: source.name.clone(),
        rules: Arc::clone(&source.rules),
        min_words: p.stories.rule().min_words,
    };
    p.cpu.run(move || work.build(entry, copy, page, now)).await
}

/// What building an article needs besides the entry and its page, owned so
/// that it can move to a blocking thread.
struct ArticleWork {
    topics: Arc<Vec<Topic>>,
    source_url: url::Url,
    source_name: String,
    rules: Arc<extract::Rules>,
    min_words: u32,
}

impl ArticleWork {
    fn build(
        self,
        entry: Entry,
        copy: Option<StoryLink>,
        page: Option<Result<fetch::Page, String>>,
        now: DateTime<Utc>,
    ) -> NewArticle {
        let feed_html = entry
            .content_html
            .as_deref()
            .or(entry.summary_html.as_deref())
            .unwrap_or_default();
        let base = entry.url.clone().unwrap_or_else(|| self.source_url.clone());
        let extracted = page.map(|page| {
            let page = page?;
            // An extractor bug on one hostile page must cost that article
            // its full text, not the refresh of its whole feed.
            std::panic::catch_unwind(|| extract::article(&page.html, &page.url, &self.rules))
                .map_err(|_| "extraction panicked".to_string())?
                .map_err(|e| e.to_string())
        });
        let fallback = || {
            let html = extract::sanitize(feed_html, Some(&base));
            let text = extract::html_to_text(&html);
            (html, text)
        };
        let (html, text, status, page) = match extracted {
            None => {
                let (h, t) = fallback();
                (h, t, ExtractionStatus::NotRequested, None)
            }
            Some(Ok(a)) => {
                let (h, t) = fallback();
                // A page whose "main text" is shorter than the feed's own
                // content, or than any real article, was not understood (a
                // paywall stub, a cookie wall, a page built by scripts).
                let chars = a.text.chars().count();
                if chars < t.chars().count() {
                    let reason = "extracted text is shorter than the feed's content".to_string();
                    (h, t, ExtractionStatus::Failed(reason), Some(a))
                } else if chars < MIN_ARTICLE_CHARS {
                    let reason = format!(
                        "extracted text is too short ({chars} characters, fewer than {MIN_ARTICLE_CHARS})"
                    );
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
        // Dates from feeds are often wrong; one in the future would pin an
        // item to the top of every reader for days (hostile/odd-dates-ru.xml
        // has 2101).
        if let Some(date) = entry
            .published
            .filter(|d| *d > now + chrono::TimeDelta::hours(1))
        {
            tracing::warn!(url = %base, date = %date, "entry dated in the future; dated now instead");
        }
        let published = crate::parse::dates::clamp_future(
            entry.published.unwrap_or(now),
            now,
            chrono::TimeDelta::zero(),
        );
        let lang = page.as_ref().and_then(|a| a.lang.clone());
        // One analysis serves topics and the search index.
        let analyzed = topics::AnalyzedDocument::new(&topics::Document {
            title: &title,
            text: &text,
            source: &self.source_name,
            lang: lang.as_deref(),
        });
        let matches = topics::classify_analyzed(&analyzed, &self.topics);
        let search_terms = crate::search::analyzed_terms(&analyzed);
        // The page's declared language, else the one detected for topics:
        // stored, it becomes the output feeds' xml:lang and JSON Feed
        // `language`, which readers use for hyphenation and fonts.
        let lang = lang.or_else(|| analyzed.lang().map(str::to_string));
        drop(analyzed);
        // The exact-copy hash and the fingerprint read the same normalized
        // text; normalizing is most of the cost of both (BENCHMARKS.md,
        // "End-to-end ingest"), so it is done once.
        let normalized = dedupe::normalize(&text);
        let fingerprint = {
            let fp =
                dedupe::fingerprint_normalized(&normalized, dedupe::FingerprintParams::DEFAULT);
            (fp.words >= self.min_words).then(|| fp.to_bytes())
        };
        NewArticle {
            search_terms,
            text_hash: dedupe::text_hash_normalized(&normalized).0,
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
}

/// Fetches one article page; the error is a message for the log and the
/// article's status, never fatal to the feed.
async fn fetch_page(
    p: &Pipeline,
    url: &url::Url,
    source: &SourceConfig,
) -> Result<fetch::Page, String> {
    let started = Instant::now();
    let page = p.fetcher.page(url, source.encoding).await;
    let (outcome, bytes) = match &page {
        Ok(page) => (FetchOutcome::Ok, page.html.len()),
        Err(_) => (FetchOutcome::Error, 0),
    };
    p.metrics
        .fetched(FetchKind::Page, outcome, bytes as u64, started.elapsed());
    page.map_err(|e| e.to_string())
}

fn failed(
    p: &Pipeline,
    source: &SourceConfig,
    now: DateTime<Utc>,
    error: String,
    transient: bool,
) -> RefreshReport {
    tracing::error!(source = %source.name, error = %error, "cannot refresh source");
    RefreshReport {
        source: source.name.clone(),
        outcome: Outcome::Failed { error, transient },
        next: schedule::next_after_failure(
            now,
            source.interval,
            1,
            None,
            p.max_backoff,
            backoff::random_jitter(),
        ),
    }
}

fn log_record_failure(recorded: Result<Result<(), StoreError>, tokio::task::JoinError>) {
    match recorded {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "cannot record the refresh outcome"),
        Err(e) => tracing::error!(error = %e, "cannot record the refresh outcome"),
    }
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::NotModified => "not_modified",
        Outcome::Updated { .. } => "updated",
        Outcome::Failed { .. } => "failed",
        Outcome::Gone { .. } => "gone",
    }
}

fn jitter() -> f64 {
    rand::random_range(-1.0..=1.0)
}

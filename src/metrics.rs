//! The daemon's counters, served by `publish` at `/metrics` in Prometheus
//! text format (version 0.0.4).
//!
//! In: one call per event from the pipeline (`refresh`, the daemon) and
//! from the feed cache. Out: the text exposition. Recording is a few atomic
//! adds (prometheus-client's counters and histograms), cheap enough to
//! call on every fetch; nothing here does I/O. The one gauge that depends on
//! the store — seconds since each source's last success — is computed at
//! scrape time from the statuses the caller passes in, because the store,
//! not this process's memory, knows about successes before a restart.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

use crate::store::SourceStatus;

/// The media type of the exposition.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// What was fetched.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum FetchKind {
    /// A source's feed document.
    Feed,
    /// An article's page, for its full text.
    Page,
}

/// How a fetch ended, at the HTTP level.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum FetchOutcome {
    /// A 2xx response read in full.
    Ok,
    /// 304: unchanged since the last fetch.
    NotModified,
    /// No usable response: a network error, timeout, non-2xx status or an
    /// oversized body.
    Error,
}

/// Whether an entry read from a feed was new.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum EntryStatus {
    New,
    /// Already stored from an earlier fetch of the same source.
    Duplicate,
}

/// Whether a feed request was answered from the rendered-feed cache.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum CacheResult {
    Hit,
    /// The feed was read from the store and rendered.
    Miss,
}

impl FetchKind {
    fn label(self) -> &'static str {
        match self {
            FetchKind::Feed => "feed",
            FetchKind::Page => "page",
        }
    }
}

impl FetchOutcome {
    fn label(self) -> &'static str {
        match self {
            FetchOutcome::Ok => "ok",
            FetchOutcome::NotModified => "not_modified",
            FetchOutcome::Error => "error",
        }
    }
}

impl EntryStatus {
    fn label(self) -> &'static str {
        match self {
            EntryStatus::New => "new",
            EntryStatus::Duplicate => "duplicate",
        }
    }
}

impl CacheResult {
    fn label(self) -> &'static str {
        match self {
            CacheResult::Hit => "hit",
            CacheResult::Miss => "miss",
        }
    }
}

// Label values are the enums' snake_case names, as Prometheus convention
// has them.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FetchLabels {
    kind: &'static str,
    outcome: &'static str,
}

impl FetchLabels {
    fn of(kind: FetchKind, outcome: FetchOutcome) -> FetchLabels {
        FetchLabels {
            kind: kind.label(),
            outcome: outcome.label(),
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

impl KindLabels {
    fn of(kind: FetchKind) -> KindLabels {
        KindLabels { kind: kind.label() }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EntryLabels {
    status: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TopicLabels {
    topic: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    result: &'static str,
}

/// Upper bounds of the fetch latency buckets, in seconds: from a fast
/// loopback answer to the 20 s default timeout.
const LATENCY_BUCKETS: [f64; 11] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0];

/// A handle to the counters. Cheap to clone; clones share them.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    fetches: Family<FetchLabels, Counter>,
    fetch_bytes: Family<KindLabels, Counter>,
    fetch_seconds: Family<KindLabels, Histogram>,
    entries: Family<EntryLabels, Counter>,
    extraction_failures: Counter,
    topic_matches: Family<TopicLabels, Counter>,
    since_success: Family<SourceLabels, Gauge<f64, AtomicU64>>,
    feed_requests: Family<CacheLabels, Counter>,
    /// Serialises scrapes: each one rewrites `since_success`.
    scrape: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("feedsieve");
        let fetches = Family::<FetchLabels, Counter>::default();
        registry.register(
            "fetches",
            "HTTP fetches of feeds and article pages, by outcome",
            fetches.clone(),
        );
        let fetch_bytes = Family::<KindLabels, Counter>::default();
        registry.register(
            "fetch_bytes",
            "Body bytes received (feeds: as received; pages: decoded text)",
            fetch_bytes.clone(),
        );
        let fetch_seconds = Family::<KindLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(LATENCY_BUCKETS)) as fn() -> Histogram,
        );
        registry.register(
            "fetch_duration_seconds",
            "Time from sending a request to having read its body",
            fetch_seconds.clone(),
        );
        let entries = Family::<EntryLabels, Counter>::default();
        registry.register(
            "entries",
            "Feed entries read, new or already stored",
            entries.clone(),
        );
        let extraction_failures = Counter::default();
        registry.register(
            "extraction_failures",
            "New articles whose page could not be fetched or extracted (the feed's content was kept)",
            extraction_failures.clone(),
        );
        let topic_matches = Family::<TopicLabels, Counter>::default();
        registry.register(
            "topic_matches",
            "New articles matched by each topic",
            topic_matches.clone(),
        );
        let since_success = Family::<SourceLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "source_seconds_since_success",
            "Seconds since each enabled source was last fetched successfully (absent: never)",
            since_success.clone(),
        );
        let feed_requests = Family::<CacheLabels, Counter>::default();
        registry.register(
            "feed_requests",
            "Feed documents requested, answered from the rendered cache (hit) or rendered (miss)",
            feed_requests.clone(),
        );
        // Families only print the label sets they have seen; creating the
        // fixed ones now makes a fresh daemon expose zeros instead of
        // nothing, so rate() and alerts work from the first scrape.
        for kind in [FetchKind::Feed, FetchKind::Page] {
            for outcome in [
                FetchOutcome::Ok,
                FetchOutcome::NotModified,
                FetchOutcome::Error,
            ] {
                let _ = fetches.get_or_create(&FetchLabels::of(kind, outcome));
            }
            let _ = fetch_bytes.get_or_create(&KindLabels::of(kind));
            let _ = fetch_seconds.get_or_create(&KindLabels::of(kind));
        }
        for status in [EntryStatus::New, EntryStatus::Duplicate] {
            let _ = entries.get_or_create(&EntryLabels {
                status: status.label(),
            });
        }
        for result in [CacheResult::Hit, CacheResult::Miss] {
            let _ = feed_requests.get_or_create(&CacheLabels {
                result: result.label(),
            });
        }
        Metrics {
            inner: Arc::new(Inner {
                registry,
                fetches,
                fetch_bytes,
                fetch_seconds,
                entries,
                extraction_failures,
                topic_matches,
                since_success,
                feed_requests,
                scrape: Mutex::new(()),
            }),
        }
    }

    /// Records one HTTP fetch: its outcome, body size and duration.
    pub fn fetched(&self, kind: FetchKind, outcome: FetchOutcome, bytes: u64, took: Duration) {
        let m = &self.inner;
        m.fetches
            .get_or_create(&FetchLabels::of(kind, outcome))
            .inc();
        m.fetch_bytes
            .get_or_create(&KindLabels::of(kind))
            .inc_by(bytes);
        m.fetch_seconds
            .get_or_create(&KindLabels::of(kind))
            .observe(took.as_secs_f64());
    }

    /// Records what one refresh read and stored: entries new and already
    /// known, extraction failures, and new matches per topic.
    pub fn refreshed<'a>(
        &self,
        new: usize,
        duplicate: usize,
        extraction_failures: usize,
        matches: impl IntoIterator<Item = (&'a str, usize)>,
    ) {
        let m = &self.inner;
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        m.entries
            .get_or_create(&EntryLabels {
                status: EntryStatus::New.label(),
            })
            .inc_by(count(new));
        m.entries
            .get_or_create(&EntryLabels {
                status: EntryStatus::Duplicate.label(),
            })
            .inc_by(count(duplicate));
        m.extraction_failures.inc_by(count(extraction_failures));
        for (topic, n) in matches {
            m.topic_matches
                .get_or_create(&TopicLabels {
                    topic: topic.to_string(),
                })
                .inc_by(count(n));
        }
    }

    /// Records one feed request answered by the publisher.
    pub fn feed_request(&self, result: CacheResult) {
        self.inner
            .feed_requests
            .get_or_create(&CacheLabels {
                result: result.label(),
            })
            .inc();
    }

    /// The exposition, with the per-source gauge computed from `sources`
    /// at `now`.
    pub fn encode(&self, sources: &[SourceStatus], now: DateTime<Utc>) -> String {
        let m = &self.inner;
        // A poisoned lock only means another scrape panicked; the gauge is
        // rewritten below anyway.
        let _scrape = m.scrape.lock().unwrap_or_else(|e| e.into_inner());
        m.since_success.clear();
        for s in sources.iter().filter(|s| s.enabled) {
            if let Some(t) = s.last_success {
                let age = (now - t).num_milliseconds().max(0) as f64 / 1000.0;
                m.since_success
                    .get_or_create(&SourceLabels {
                        source: s.name.clone(),
                    })
                    .set(age);
            }
        }
        let mut out = String::with_capacity(4096);
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::prometheus_text::encode(&mut out, &m.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(text: &'a str, series: &str) -> Option<&'a str> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
    }

    #[test]
    fn a_fresh_registry_exposes_zeros_for_every_fixed_series() {
        let text = Metrics::new().encode(&[], Utc::now());
        assert_eq!(
            sample(
                &text,
                r#"feedsieve_fetches_total{kind="feed",outcome="error"}"#
            ),
            Some("0")
        );
        assert_eq!(
            sample(&text, r#"feedsieve_entries_total{status="duplicate"}"#),
            Some("0")
        );
        assert!(text.contains("# TYPE feedsieve_fetch_duration_seconds histogram"));
    }

    #[test]
    fn recorded_events_show_up_with_their_labels() {
        let m = Metrics::new();
        m.fetched(
            FetchKind::Feed,
            FetchOutcome::Ok,
            1234,
            Duration::from_millis(70),
        );
        m.refreshed(3, 2, 1, [("mediation", 2)]);
        let t0 = Utc::now();
        let sources = [SourceStatus {
            name: "Kaz\"pravda".into(),
            url: "https://k.example/rss".into(),
            enabled: true,
            last_fetch: Some(t0),
            last_success: Some(t0 - chrono::TimeDelta::seconds(90)),
            last_status: Some("ok".into()),
            last_error: None,
            error_count: 0,
            next_fetch: None,
            fetch_url: None,
            fetch_url_reason: None,
            interval: None,
            articles: 0,
            extraction_failures: 0,
        }];
        let text = m.encode(&sources, t0);
        assert_eq!(
            sample(
                &text,
                r#"feedsieve_fetches_total{kind="feed",outcome="ok"}"#
            ),
            Some("1")
        );
        assert_eq!(
            sample(&text, r#"feedsieve_fetch_bytes_total{kind="feed"}"#),
            Some("1234")
        );
        assert_eq!(
            sample(
                &text,
                r#"feedsieve_fetch_duration_seconds_bucket{kind="feed",le="0.1"}"#
            ),
            Some("1")
        );
        assert_eq!(
            sample(
                &text,
                r#"feedsieve_fetch_duration_seconds_bucket{kind="feed",le="0.05"}"#
            ),
            Some("0")
        );
        assert_eq!(
            sample(&text, r#"feedsieve_entries_total{status="new"}"#),
            Some("3")
        );
        assert_eq!(
            sample(&text, r#"feedsieve_topic_matches_total{topic="mediation"}"#),
            Some("2")
        );
        assert_eq!(
            sample(&text, "feedsieve_extraction_failures_total"),
            Some("1")
        );
        // Label values are escaped by the encoder.
        assert_eq!(
            sample(
                &text,
                r#"feedsieve_source_seconds_since_success{source="Kaz\"pravda"}"#
            ),
            Some("90.0")
        );
    }
}

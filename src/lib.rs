//! feedsieve: turns many noisy news feeds into clean, deduplicated topic
//! feeds.
//!
//! The stages, in pipeline order (`refresh` runs one source through them):

/// The TOML configuration, checked once into domain types.
pub mod config;
/// The low-priority threads that do each article's CPU work.
pub mod cpu;
/// The scheduler and server, run until a signal.
pub mod daemon;
/// Canonical URLs, text hashes, near-duplicate fingerprints and their
/// index: "seen this page?" and "same story?".
pub mod dedupe;
/// Page HTML → main text, sanitized HTML and metadata.
pub mod extract;
/// Outbound HTTP: feeds and article pages, with limits and charsets.
pub mod fetch;
/// Where log lines go and in what form (text or JSON, journald-aware).
pub mod logging;
/// Counters for /metrics, recorded by the pipeline and the publisher.
pub mod metrics;
/// The plain data passed between stages.
pub mod model;
/// OPML subscription lists: import from feed readers, export of sources.
pub mod opml;
/// Feed bytes → entries (feed-rs), with stable entry keys.
pub mod parse;
/// Output feeds and the HTTP server.
pub mod publish;
/// Topics over the archive: re-classification and dry runs.
pub mod reclassify;
/// One source through the whole pipeline.
pub mod refresh;
/// When each source is due (pure).
pub mod schedule;
/// Operators' search over stored articles: index terms and query syntax.
pub mod search;
/// SQLite: the only module that speaks SQL.
pub mod store;
/// Text analysis shared by topics, search and dedupe: normalization,
/// tokenization, stemming, language detection.
pub mod text;
/// Topic queries, scoring, topic-by-example profiles and explanations.
pub mod topics;

//! feedsieve: turns many noisy news feeds into clean, deduplicated topic feeds.

pub mod model;
/// Text analysis shared by topics, search and dedupe: normalization,
/// tokenization, stemming, language detection.
pub mod text;
/// Topic queries, scoring, topic-by-example profiles and explanations.
pub mod topics;

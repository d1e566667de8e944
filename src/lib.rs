//! feedsieve: turns many noisy news feeds into clean, deduplicated topic feeds.

/// Canonical URLs, text hashes, near-duplicate fingerprints and their index.
pub mod dedupe;
pub mod model;

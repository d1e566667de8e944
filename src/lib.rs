//! feedsieve: turns many noisy news feeds into clean, deduplicated topic feeds.

/// Article HTML -> clean text, sanitized HTML and metadata.
pub mod extract;
pub mod model;

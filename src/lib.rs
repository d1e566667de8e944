//! feedsieve: turns many noisy news feeds into clean, deduplicated topic feeds.

pub mod model;

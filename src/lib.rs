//! feedsieve: turns many noisy news feeds into clean, deduplicated topic feeds.

pub mod fetch;
pub mod model;
pub mod parse;
pub mod schedule;

//! The configuration file exactly as written: one struct per TOML table.
//!
//! Every struct denies unknown fields, so a misspelt key is an error that
//! names the key and its line instead of a setting silently ignored. Values
//! that need checking beyond their TOML type (URLs, durations, queries) are
//! kept as [`Spanned`] strings here and checked in `config::resolve`, which
//! can then point at the line of the offending value.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub store: StoreTable,
    #[serde(default)]
    pub server: ServerTable,
    #[serde(default)]
    pub fetch: FetchTable,
    #[serde(default)]
    pub log: LogTable,
    #[serde(default)]
    pub dedupe: DedupeTable,
    #[serde(default)]
    pub source: Vec<SourceTable>,
    #[serde(default)]
    pub topic: Vec<TopicTable>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StoreTable {
    pub path: Option<Spanned<String>>,
    pub keep: Option<Spanned<String>>,
    pub max_per_source: Option<Spanned<u32>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LogTable {
    pub level: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ServerTable {
    pub listen: Option<Spanned<String>>,
    pub base_url: Option<Spanned<String>>,
    pub websub_hub: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FetchTable {
    pub interval: Option<Spanned<String>>,
    pub min_interval: Option<Spanned<String>>,
    pub max_interval: Option<Spanned<String>>,
    pub max_backoff: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub connect_timeout: Option<Spanned<String>>,
    pub concurrency: Option<Spanned<u32>>,
    pub connections: Option<Spanned<u32>>,
    pub per_host: Option<Spanned<u32>>,
    pub host_delay: Option<Spanned<String>>,
    pub max_body: Option<Spanned<String>>,
    pub max_redirects: Option<Spanned<u32>>,
    pub max_items: Option<Spanned<u32>>,
    pub user_agent: Option<String>,
    pub contact: Option<Spanned<String>>,
    pub allow_private_networks: Option<bool>,
    pub allow_private_origins: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DedupeTable {
    pub threshold: Option<Spanned<f64>>,
    pub window: Option<Spanned<String>>,
    pub min_words: Option<Spanned<u32>>,
    pub min_shared: Option<Spanned<u32>>,
    pub prefer: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceTable {
    pub name: Spanned<String>,
    pub url: Spanned<String>,
    pub full_text: Option<bool>,
    pub interval: Option<Spanned<String>>,
    pub min_interval: Option<Spanned<String>>,
    pub max_interval: Option<Spanned<String>>,
    pub encoding: Option<Spanned<String>>,
    pub utc_offset: Option<Spanned<String>>,
    pub enabled: Option<bool>,
    pub category: Option<String>,
    pub content_selector: Option<Spanned<String>>,
    pub strip_selectors: Option<Vec<Spanned<String>>>,
    pub republish: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicTable {
    pub slug: Spanned<String>,
    pub title: String,
    /// Optional when `examples` define the topic.
    pub query: Option<Spanned<String>>,
    /// A query match counts only at this score or above.
    pub min_score: Option<Spanned<f64>>,
    /// Paths (plain text or saved HTML) or URLs of archived articles.
    pub examples: Option<Vec<Spanned<String>>>,
    pub min_similarity: Option<Spanned<f64>>,
    /// "query" | "examples" | "either" | "both".
    #[serde(rename = "match")]
    pub match_mode: Option<Spanned<String>>,
}

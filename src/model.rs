//! The plain data passed between pipeline stages.
//!
//! Every stage takes and returns these structs and nothing richer: `parse`
//! produces [`Entry`] values, `extract` produces an [`Article`], `topics`
//! produces [`TopicMatch`] values, `store` persists them and hands
//! [`StoredItem`] values to `publish`. Keeping them free of behaviour (no I/O,
//! no SQL, no HTTP) is what lets each stage be tested on its own and lets the
//! store be swapped for another engine later.

use chrono::{DateTime, Utc};
use url::Url;

/// Row id of a source in the store. Sources are identified by their
/// configured `name`, which is stable across restarts; the id is the store's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub i64);

/// Row id of a stored article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArticleId(pub i64);

/// Row id of a story: one news event, told by one or more articles. Output
/// feeds use it as the item id, so a story keeps its id when it gains a
/// reprint or a new representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoryId(pub i64);

/// Which story a new article belongs to, as `dedupe` decided before it is
/// stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoryLink {
    /// Nothing like it is stored: it starts a new story.
    New,
    /// The same story as a stored article (a reprint, or an exact copy on
    /// another outlet).
    Joins(ArticleId),
    /// The same story as the article at this index of the same batch.
    JoinsBatch(usize),
    /// The same page as a stored article of the same source (listed again
    /// under another GUID): kept only so its entry is not fetched again,
    /// never shown.
    CopyOf(ArticleId),
    /// The same page as the article at this index of the same batch.
    CopyOfBatch(usize),
}

/// Stored articles (and their sources) with a given normalized-text hash,
/// earliest first: the exact copies of a new text.
pub type ExactCopies = std::collections::HashMap<[u8; 32], Vec<(ArticleId, SourceId)>>;

/// A stored near-duplicate fingerprint: the article, its publication time
/// and the fingerprint's byte form.
pub type StoredFingerprint = (ArticleId, DateTime<Utc>, Vec<u8>);

/// Another outlet's copy of a story, listed under the representative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlsoReported {
    pub url: Option<String>,
    pub source: String,
    pub title: String,
}

/// HTTP validators remembered per source for conditional GET (RFC 9110 §13).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What one successful poll learned about its source, besides entries:
/// passed from `refresh` to `store`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcePoll {
    /// The polling interval chosen for the source (adaptive).
    pub interval: std::time::Duration,
    /// The feed document's own "not more often than" (RSS `ttl`,
    /// `sy:updatePeriod`); `None` keeps the stored one (a 304 has no
    /// document).
    pub feed_hint: Option<std::time::Duration>,
    /// Where a chain of permanent redirects (301/308) led on this poll.
    pub moved_to: Option<Url>,
    /// The feed found on the HTML page the source's URL pointed to.
    pub discovered: Option<Url>,
}

/// One item of a feed, as `parse` understood it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Stable key of this entry within its source: the GUID / Atom id when the
    /// feed has one, else the canonical link, else a hash of title and date.
    /// Never feed-rs's generated id, which is random for id-less feeds.
    pub key: String,
    /// The article's address, resolved against xml:base / the feed URL.
    pub url: Option<Url>,
    pub title: String,
    pub author: Option<String>,
    /// The feed's own summary / description, as (unsanitized) HTML.
    pub summary_html: Option<String>,
    /// The feed's own full content (content:encoded, Atom content), as
    /// (unsanitized) HTML.
    pub content_html: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
}

/// The main content of an article page, as `extract` found it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Article {
    pub title: Option<String>,
    /// Clean text: paragraphs separated by one blank line.
    pub text: String,
    /// Sanitized HTML of the content (safe to republish as is).
    pub html: String,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub lead_image: Option<Url>,
    /// ISO 639-1 code when known ("ru", "kk", "en").
    pub lang: Option<String>,
}

/// A topic that an article matched, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicMatch {
    pub slug: String,
    pub score: f64,
    /// The query terms that matched, for explanations and output categories.
    pub terms: Vec<String>,
    /// What matched where: stored with the match so a reader of the archive
    /// can see why without re-running the topic.
    pub evidence: MatchEvidence,
}

/// The evidence behind a [`TopicMatch`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MatchEvidence {
    /// The query terms that made the query match.
    pub terms: Vec<TermEvidence>,
    /// Cosine similarity to the topic's examples, when they were consulted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// Words shared with the examples, strongest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_words: Vec<String>,
}

/// One query term of a match: where it occurred, as which words, and what
/// it added to the score.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TermEvidence {
    /// The term as written in the query.
    pub term: String,
    /// "title", "lead", "text" or "source".
    pub zones: Vec<String>,
    /// The article's words that matched (folded), e.g. "переговорах".
    pub forms: Vec<String>,
    pub contribution: f64,
}

/// An article ready to be stored: the feed entry, what was made of it, and
/// which topics it matched.
#[derive(Debug, Clone)]
pub struct NewArticle {
    pub entry: Entry,
    /// Canonical form of `entry.url`, the key for "same page seen before?".
    pub canonical_url: Option<String>,
    pub title: String,
    pub text: String,
    pub html: String,
    pub author: Option<String>,
    pub published: DateTime<Utc>,
    pub lang: Option<String>,
    pub extraction: ExtractionStatus,
    pub matches: Vec<TopicMatch>,
    /// SHA-256 of the normalized text (`dedupe::text_hash`).
    pub text_hash: [u8; 32],
    /// Near-duplicate fingerprint in its stored byte form, when the text
    /// is long enough to have a useful one.
    pub fingerprint: Option<Vec<u8>>,
    pub story: StoryLink,
    /// What the search index holds for this article
    /// (`search::article_terms`): computed with the rest of the article's
    /// CPU work, not inside the store's transaction, where it held the
    /// store (and every request for a topic feed) for a second analysis
    /// of the text.
    pub search_terms: SearchTerms,
}

/// The stems of an article's title and text, as the search index holds
/// them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchTerms {
    pub title: String,
    pub text: String,
}

/// Where an article's stored content came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractionStatus {
    /// `full_text` is off for this source: the feed's own content is used.
    NotRequested,
    /// The page was fetched and its main content extracted.
    Extracted,
    /// The page could not be fetched or extracted; the feed's content is
    /// used and the reason is kept.
    Failed(String),
}

/// How much of a source's articles may be republished (`republish` in the
/// config). Some outlets allow only quotation with a link back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Republish {
    /// The whole sanitized article.
    #[default]
    Full,
    /// A plain-text excerpt and a link to the original.
    Excerpt,
    /// The title and a link to the original only.
    Link,
}

impl Republish {
    /// The name used in the config file and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Republish::Full => "full",
            Republish::Excerpt => "excerpt",
            Republish::Link => "link",
        }
    }

    pub fn from_name(name: &str) -> Option<Republish> {
        match name {
            "full" => Some(Republish::Full),
            "excerpt" => Some(Republish::Excerpt),
            "link" => Some(Republish::Link),
            _ => None,
        }
    }
}

/// A stored story as the publisher sees it: its representative article,
/// and the other outlets' copies.
#[derive(Debug, Clone)]
pub struct StoredItem {
    pub story: StoryId,
    /// The representative article.
    pub id: ArticleId,
    pub source_name: String,
    /// The source's feed address.
    pub source_url: String,
    /// What of this source may be republished.
    pub republish: Republish,
    pub url: Option<String>,
    pub title: String,
    pub author: Option<String>,
    /// Sanitized HTML of the full content.
    pub html: String,
    pub text: String,
    /// ISO 639-1 code when known.
    pub lang: Option<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// When this store last took in a copy of the story: the time the
    /// published item last changed here, whatever its own dates say.
    pub stored: DateTime<Utc>,
    /// The topic query terms that matched, published as categories.
    pub terms: Vec<String>,
    /// The story's other copies, earliest first.
    pub also: Vec<AlsoReported>,
}

/// A stored article as classification sees it: enough to re-run topics
/// over the archive or explain a decision.
#[derive(Debug, Clone)]
pub struct ArchivedArticle {
    pub id: ArticleId,
    pub source_name: String,
    pub url: Option<String>,
    pub title: String,
    /// The stored (extracted) text.
    pub text: String,
    pub lang: Option<String>,
    pub published: DateTime<Utc>,
}

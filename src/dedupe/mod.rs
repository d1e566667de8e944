//! Dedupe: "seen this page before?" and "same story as another outlet's?".
//!
//! Owns canonical URLs ([`canonical_url`]), the normalized-text hash for
//! exact copies ([`text_hash`]), near-duplicate fingerprints of extracted
//! text ([`fingerprint`]) and the in-memory index that finds the stored
//! article a new text is a light edit of ([`NearDupIndex`]).
//!
//! In: URLs, extracted text, fingerprints loaded from the store. Out:
//! strings, hashes, fingerprints (with a byte form the store keeps as a
//! BLOB) and match verdicts. This module never speaks SQL, never touches
//! the network and never decides what a story's representative is shown
//! as; the store persists, `refresh` calls the two checks at the right
//! moments (the cheap URL/hash check before scraping, the near-duplicate
//! check after extraction).

mod canonical;
mod fingerprint;
mod index;
mod stories;
mod text;

#[cfg(test)]
mod fixtures_test;

pub use canonical::canonical_url;
pub use fingerprint::{
    Fingerprint, FingerprintParams, containment_from_jaccard, estimate_jaccard, fingerprint,
    fingerprint_normalized, shingle_set,
};
pub use index::{MatchRule, Measure, NearDupIndex, NearMatch, Similarity};
pub use stories::{NewText, Stories, link_batch};
pub use text::{TextHash, normalize, text_hash, text_hash_normalized};

/// What can go wrong in dedupe. Every variant names the article concerned;
/// none is fatal to a refresh: the article is then treated as its own story.
#[derive(Debug, thiserror::Error)]
pub enum DedupeError {
    /// A stored fingerprint BLOB could not be read. Re-make it from the
    /// stored text.
    #[error("stored fingerprint of article {article} is unreadable: {reason}")]
    BadFingerprint { article: i64, reason: &'static str },
    /// A fingerprint was made with other parameters than the index uses
    /// (after an upgrade that changed them). Re-make it from the stored text.
    #[error("fingerprint of article {article} was made with {found}, the index uses {expected}")]
    OtherParams {
        article: i64,
        found: FingerprintParams,
        expected: FingerprintParams,
    },
    /// The index holds 2³² articles; prune it.
    #[error("near-duplicate index is full; article {article} was not indexed")]
    Full { article: i64 },
}

//! The in-memory near-duplicate index: "which stored article is this text a
//! light edit of?".
//!
//! In: fingerprints with the article id and publication time they belong to.
//! Out: the best-matching article within the time window, above the
//! threshold. The index is never persisted; at start-up it is rebuilt from
//! the fingerprints the store keeps ([`NearDupIndex::from_fingerprints`]).
//! It knows nothing about stories, sources or SQL.
//!
//! Layout, chosen for memory (target: < 200 MB at 1,000,000 articles,
//! measured in BENCHMARKS.md): per article one slot holding the article id
//! (4 bytes), the publication minute (4), the shingle count (2) and the
//! packed sketch (64); per LSH band one entry of 6 bytes (see
//! [`BandTable`]). A hash map per band would cost about 16 bytes per entry
//! (key, value, control byte, load-factor slack). New entries go first to
//! a small B-tree per band that is merged into the arrays when it reaches
//! [`RECENT_CAP`], so an insert costs amortized `len / RECENT_CAP` moves.
//!
//! Lookup cost is bounded independently of the archive size: at most
//! [`MAX_BUCKET_SCAN`] entries per band are examined, so a band key shared by
//! thousands of articles (an outlet's boilerplate footer that is longer than
//! the text) cannot make a lookup linear.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};

use super::fingerprint::{FingerprintParams, containment_from_jaccard, estimate_jaccard};
use super::{DedupeError, Fingerprint};
use crate::model::ArticleId;

/// Entries held per band in the B-tree before merging into the arrays.
/// At 1,000,000 articles a merge rewrites 6 MB per band; with 16,384
/// pending entries that is ≈ 60 moves per insert per band, and the B-trees
/// cost at most ≈ 18 bands × 16,384 × ~14 bytes ≈ 4 MB.
const RECENT_CAP: usize = 16_384;

/// At most this many articles sharing one band key are compared (the most
/// recently inserted ones). Real reprints share several bands, so a capped
/// bucket loses at most one of their chances. Measured (BENCHMARKS.md):
/// 256 → 64 left precision and recall unchanged and cut p99 lookup time at
/// a million articles from 156 µs to 65 µs; the crowded buckets are those
/// of outlets' boilerplate footers.
const MAX_BUCKET_SCAN: usize = 64;

/// How similarity is measured between two texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Jaccard similarity of the shingle sets.
    Jaccard,
    /// Share of the smaller text's shingles found in the larger one: a
    /// reprint that drops half the paragraphs is still fully contained.
    Containment,
}

/// When two texts are the same story.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchRule {
    pub measure: Measure,
    /// Minimum similarity, 0..=1.
    pub threshold: f64,
    /// Articles published further apart than this are never the same story.
    pub window: TimeDelta,
    /// Texts with fewer words are never matched on their fingerprint alone.
    pub min_words: u32,
    /// Two texts must share at least this many shingles (estimated), so that
    /// a short item that is mostly its outlet's boilerplate footer does not
    /// match another one with the same footer.
    pub min_shared: u32,
}

impl MatchRule {
    /// The measured default (BENCHMARKS.md, "Dedupe").
    pub const DEFAULT: MatchRule = MatchRule {
        measure: Measure::Jaccard,
        threshold: 0.25,
        window: TimeDelta::days(7),
        min_words: 40,
        min_shared: 30,
    };
}

/// The similarity of a candidate pair, both measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub jaccard: f64,
    pub containment: f64,
    /// Estimated number of shared shingles.
    pub shared: f64,
}

impl Similarity {
    pub fn of(a: &Fingerprint, b: &Fingerprint) -> Similarity {
        let jaccard = estimate_jaccard(&a.sketch, &b.sketch, a.params.sketch_bits);
        Similarity::from_jaccard(jaccard, a.shingles, b.shingles)
    }

    fn from_jaccard(jaccard: f64, a: u32, b: u32) -> Similarity {
        Similarity {
            jaccard,
            containment: containment_from_jaccard(jaccard, a, b),
            shared: jaccard * (f64::from(a) + f64::from(b)) / (1.0 + jaccard),
        }
    }

    pub fn get(&self, measure: Measure) -> f64 {
        match measure {
            Measure::Jaccard => self.jaccard,
            Measure::Containment => self.containment,
        }
    }
}

/// A stored article that a new text duplicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearMatch {
    pub article: ArticleId,
    pub similarity: Similarity,
}

/// Buckets of the directory on a band key's high bits.
const DIRECTORY_BITS: u32 = 16;

/// One LSH band: which slots have which key.
///
/// Entries `(key, slot)` are kept sorted by key then slot, in three arrays:
/// `offsets[h]..offsets[h + 1]` are the entries whose key has high bits
/// `h`, `low` holds the key's low 16 bits and `slots` the slot. That is 6
/// bytes per entry (plus a fixed 256 KB directory) instead of 8 for a
/// sorted `key << 32 | slot` array, which is what lets 18 bands fit the
/// memory budget (BENCHMARKS.md).
#[derive(Debug)]
struct BandTable {
    offsets: Vec<u32>,
    low: Vec<u16>,
    slots: Vec<u32>,
    /// Recent inserts (`key << 32 | slot`) not yet merged.
    recent: BTreeSet<u64>,
}

impl Default for BandTable {
    fn default() -> BandTable {
        BandTable {
            offsets: vec![0; (1 << DIRECTORY_BITS) + 1],
            low: Vec::new(),
            slots: Vec::new(),
            recent: BTreeSet::new(),
        }
    }
}

impl BandTable {
    fn insert(&mut self, key: u32, slot: u32) {
        self.recent.insert(u64::from(key) << 32 | u64::from(slot));
        if self.recent.len() >= RECENT_CAP {
            self.merge();
        }
    }

    /// Merged entries as `key << 32 | slot`, in order.
    fn entries(&self) -> impl Iterator<Item = u64> + '_ {
        self.offsets
            .windows(2)
            .enumerate()
            .flat_map(move |(high, w)| {
                (w[0] as usize..w[1] as usize).map(move |i| {
                    let key = (high as u64) << 16 | u64::from(self.low[i]);
                    key << 32 | u64::from(self.slots[i])
                })
            })
    }

    /// Arrays (offsets, low key bits, slots) for sorted `key << 32 | slot`
    /// entries.
    fn build(len: usize, sorted: impl Iterator<Item = u64>) -> (Vec<u32>, Vec<u16>, Vec<u32>) {
        let mut offsets = vec![0u32; (1 << DIRECTORY_BITS) + 1];
        let mut low = Vec::with_capacity(len);
        let mut slots = Vec::with_capacity(len);
        for e in sorted {
            let key = (e >> 32) as u32;
            offsets[(key >> 16) as usize + 1] += 1;
            low.push(key as u16);
            slots.push(e as u32);
        }
        for h in 1..offsets.len() {
            offsets[h] += offsets[h - 1];
        }
        (offsets, low, slots)
    }

    /// Moves the recent entries into the arrays: one O(n) pass, done every
    /// `RECENT_CAP` inserts.
    fn merge(&mut self) {
        if self.recent.is_empty() {
            return;
        }
        let recent = std::mem::take(&mut self.recent);
        let len = self.slots.len() + recent.len();
        let (offsets, low, slots) = {
            let mut old = self.entries().peekable();
            let mut new = recent.into_iter().peekable();
            let merged = std::iter::from_fn(|| match (old.peek(), new.peek()) {
                (Some(a), Some(b)) if a <= b => old.next(),
                (Some(_), Some(_)) | (None, Some(_)) => new.next(),
                (Some(_), None) => old.next(),
                (None, None) => None,
            });
            BandTable::build(len, merged)
        };
        (self.offsets, self.low, self.slots) = (offsets, low, slots);
    }

    /// Slots with `key`, most recent first, at most `MAX_BUCKET_SCAN`.
    fn slots(&self, key: u32, out: &mut Vec<u32>) {
        let high = (key >> 16) as usize;
        let (start, end) = (self.offsets[high] as usize, self.offsets[high + 1] as usize);
        let lows = &self.low[start..end];
        let from = start + lows.partition_point(|l| *l < key as u16);
        let to = start + lows.partition_point(|l| *l <= key as u16);
        let lo = u64::from(key) << 32;
        let hi = lo | u64::from(u32::MAX);
        // Slots grow with insertion order, so the newest are at the end;
        // `recent` holds newer slots than the arrays.
        let from_recent = self.recent.range(lo..=hi).rev().map(|e| *e as u32);
        let from_arrays = self.slots[from..to].iter().rev().copied();
        out.extend(from_recent.chain(from_arrays).take(MAX_BUCKET_SCAN));
    }

    /// Keeps the entries whose slot `remap` keeps, renumbered. Renumbering
    /// preserves the order of survivors, so the arrays stay sorted.
    fn retain_remapped(&mut self, remap: &[u32]) {
        self.merge();
        let (offsets, low, slots) = {
            let kept = self
                .entries()
                .filter(|e| remap[*e as u32 as usize] != u32::MAX)
                .map(|e| (e & !u64::from(u32::MAX)) | u64::from(remap[e as u32 as usize]));
            BandTable::build(self.slots.len(), kept)
        };
        (self.offsets, self.low, self.slots) = (offsets, low, slots);
        self.low.shrink_to_fit();
        self.slots.shrink_to_fit();
    }

    fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.low.capacity() * 2 + self.slots.capacity() * 4
    }
}

/// The near-duplicate index. See the module documentation.
#[derive(Debug)]
pub struct NearDupIndex {
    params: FingerprintParams,
    rule: MatchRule,
    /// Article ids, stored in 32 bits: 4 bytes per article saved, and a
    /// SQLite rowid passes 2³² only after billions of inserts (then
    /// [`DedupeError::Full`]).
    articles: Vec<u32>,
    /// Publication time, minutes since the Unix epoch (covers ±4,000 years).
    minutes: Vec<i32>,
    /// Distinct shingles, saturating at 65,535: beyond that the estimate of
    /// shared shingles only has to clear `min_shared`, which it does.
    shingles: Vec<u16>,
    /// `sketch_len` bytes per slot.
    sketches: Vec<u8>,
    bands: Vec<BandTable>,
}

fn minutes(t: DateTime<Utc>) -> i32 {
    let m = t.timestamp().div_euclid(60);
    i32::try_from(m).unwrap_or(if m < 0 { i32::MIN } else { i32::MAX })
}

/// Grows `v` by 1/64 instead of doubling: at a million articles doubling
/// can leave 90 MB allocated and unused. glibc `realloc` moves large blocks
/// with `mremap`, so frequent exact growth does not copy.
fn reserve_gently<T>(v: &mut Vec<T>, per_item: usize) {
    if v.len() + per_item > v.capacity() {
        v.reserve_exact((v.len() / 64).max(1024 * per_item));
    }
}

impl NearDupIndex {
    pub fn new(params: FingerprintParams, rule: MatchRule) -> NearDupIndex {
        NearDupIndex {
            params,
            rule,
            articles: Vec::new(),
            minutes: Vec::new(),
            shingles: Vec::new(),
            sketches: Vec::new(),
            bands: (0..params.bands).map(|_| BandTable::default()).collect(),
        }
    }

    /// Rebuilds the index from stored fingerprints (start-up). Fingerprints
    /// made with other parameters are returned as errors, so the caller can
    /// re-make them from the stored text; the others are indexed.
    pub fn from_fingerprints(
        params: FingerprintParams,
        rule: MatchRule,
        stored: impl IntoIterator<Item = (ArticleId, DateTime<Utc>, Fingerprint)>,
    ) -> (NearDupIndex, Vec<DedupeError>) {
        let mut index = NearDupIndex::new(params, rule);
        let mut errors = Vec::new();
        // Band keys are collected and each band built in one sort, instead
        // of through the B-trees: start-up at a million articles then costs
        // one sort per band rather than sixty merges.
        let mut keys: Vec<u32> = Vec::new();
        for (article, published, fp) in stored {
            match index.push_slot(article, published, &fp) {
                Ok(true) => keys.extend_from_slice(&fp.bands),
                Ok(false) => {}
                Err(e) => errors.push(e),
            }
        }
        let bands = params.bands as usize;
        for (b, band) in index.bands.iter_mut().enumerate() {
            let mut entries: Vec<u64> = keys
                .iter()
                .skip(b)
                .step_by(bands.max(1))
                .enumerate()
                .map(|(slot, key)| u64::from(*key) << 32 | slot as u64)
                .collect();
            entries.sort_unstable();
            let (offsets, low, slots) = BandTable::build(entries.len(), entries.into_iter());
            (band.offsets, band.low, band.slots) = (offsets, low, slots);
        }
        (index, errors)
    }

    pub fn params(&self) -> FingerprintParams {
        self.params
    }

    pub fn rule(&self) -> MatchRule {
        self.rule
    }

    pub fn len(&self) -> usize {
        self.articles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    fn check_params(&self, article: ArticleId, fp: &Fingerprint) -> Result<(), DedupeError> {
        if fp.params != self.params || fp.sketch.len() != self.params.sketch_bytes() {
            return Err(DedupeError::OtherParams {
                article: article.0,
                found: fp.params,
                expected: self.params,
            });
        }
        Ok(())
    }

    /// Adds an article. Texts shorter than `min_words` are not added: they
    /// are never matched on their fingerprint, so indexing them would only
    /// cost memory.
    pub fn insert(
        &mut self,
        article: ArticleId,
        published: DateTime<Utc>,
        fp: &Fingerprint,
    ) -> Result<(), DedupeError> {
        if self.push_slot(article, published, fp)? {
            // `push_slot` checked that the slot number fits in u32.
            let slot = (self.articles.len() - 1) as u32;
            for (band, key) in self.bands.iter_mut().zip(&fp.bands) {
                band.insert(*key, slot);
            }
        }
        Ok(())
    }

    /// Stores the per-article data in a new slot; `false` when the text is
    /// too short to index.
    fn push_slot(
        &mut self,
        article: ArticleId,
        published: DateTime<Utc>,
        fp: &Fingerprint,
    ) -> Result<bool, DedupeError> {
        self.check_params(article, fp)?;
        if fp.words < self.rule.min_words {
            return Ok(false);
        }
        let (Ok(_), Ok(id)) = (u32::try_from(self.articles.len()), u32::try_from(article.0)) else {
            return Err(DedupeError::Full { article: article.0 });
        };
        reserve_gently(&mut self.articles, 1);
        reserve_gently(&mut self.minutes, 1);
        reserve_gently(&mut self.shingles, 1);
        reserve_gently(&mut self.sketches, fp.sketch.len());
        self.articles.push(id);
        self.minutes.push(minutes(published));
        self.shingles
            .push(u16::try_from(fp.shingles).unwrap_or(u16::MAX));
        self.sketches.extend_from_slice(&fp.sketch);
        Ok(true)
    }

    /// The stored article that `fp` (published at `published`) is most
    /// similar to, if any is within the window and above the threshold.
    pub fn best_match(
        &self,
        fp: &Fingerprint,
        published: DateTime<Utc>,
    ) -> Result<Option<NearMatch>, DedupeError> {
        self.check_params(ArticleId(0), fp)?;
        if fp.words < self.rule.min_words {
            return Ok(None);
        }
        let mut candidates = Vec::with_capacity(64);
        for (band, key) in self.bands.iter().zip(&fp.bands) {
            band.slots(*key, &mut candidates);
        }
        candidates.sort_unstable();
        candidates.dedup();

        let now = i64::from(minutes(published));
        let window = self.rule.window.num_minutes();
        let stride = self.params.sketch_bytes();
        let mut best: Option<(f64, NearMatch)> = None;
        for slot in candidates {
            let s = slot as usize;
            if (i64::from(self.minutes[s]) - now).abs() > window {
                continue;
            }
            let jaccard = estimate_jaccard(
                &fp.sketch,
                &self.sketches[s * stride..(s + 1) * stride],
                self.params.sketch_bits,
            );
            let similarity =
                Similarity::from_jaccard(jaccard, fp.shingles, u32::from(self.shingles[s]));
            let score = similarity.get(self.rule.measure);
            if score >= self.rule.threshold
                && similarity.shared >= f64::from(self.rule.min_shared)
                && best.as_ref().is_none_or(|(b, _)| score > *b)
            {
                best = Some((
                    score,
                    NearMatch {
                        article: ArticleId(i64::from(self.articles[s])),
                        similarity,
                    },
                ));
            }
        }
        Ok(best.map(|(_, m)| m))
    }

    /// How many stored articles share a band with `fp` (before the window
    /// and similarity checks): the work a lookup does.
    pub fn candidates(&self, fp: &Fingerprint) -> usize {
        let mut candidates = Vec::new();
        for (band, key) in self.bands.iter().zip(&fp.bands) {
            band.slots(*key, &mut candidates);
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.len()
    }

    /// Drops articles published before `cutoff`: they can no longer match
    /// anything new within the window. Slots are renumbered; cost O(n).
    pub fn retain_published_since(&mut self, cutoff: DateTime<Utc>) {
        let cutoff = minutes(cutoff);
        let stride = self.params.sketch_bytes();
        let mut remap = vec![u32::MAX; self.articles.len()];
        let mut next = 0u32;
        for (slot, m) in self.minutes.iter().enumerate() {
            if *m >= cutoff {
                remap[slot] = next;
                next += 1;
            }
        }
        let keep = |slot: usize| remap[slot] != u32::MAX;
        let mut w = 0;
        for r in 0..self.articles.len() {
            if keep(r) {
                self.articles[w] = self.articles[r];
                self.minutes[w] = self.minutes[r];
                self.shingles[w] = self.shingles[r];
                self.sketches
                    .copy_within(r * stride..(r + 1) * stride, w * stride);
                w += 1;
            }
        }
        self.articles.truncate(w);
        self.minutes.truncate(w);
        self.shingles.truncate(w);
        self.sketches.truncate(w * stride);
        for band in &mut self.bands {
            band.retain_remapped(&remap);
        }
    }

    /// Bytes the index holds on the heap, excluding the B-tree buffers
    /// (bounded by [`RECENT_CAP`]); the benchmark measures the real total
    /// with a counting allocator.
    pub fn heap_bytes(&self) -> usize {
        self.articles.capacity() * 4
            + self.minutes.capacity() * 4
            + self.shingles.capacity() * 2
            + self.sketches.capacity()
            + self.bands.iter().map(BandTable::heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedupe::fingerprint;

    const P: FingerprintParams = FingerprintParams::DEFAULT;

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2025, 3, day, hour, 0, 0)
            .single()
            .expect("valid date")
    }

    /// Deterministic filler: `n` words drawn from a 3,000-word vocabulary.
    fn text(n: usize, seed: u64) -> String {
        let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                format!("слово{}", x % 3000)
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn an_identical_text_is_found_and_an_unrelated_one_is_not() {
        let mut index = NearDupIndex::new(P, MatchRule::DEFAULT);
        let a = text(300, 1);
        index
            .insert(ArticleId(1), t(1, 10), &fingerprint(&a, P))
            .expect("insert");
        index
            .insert(ArticleId(2), t(1, 11), &fingerprint(&text(300, 2), P))
            .expect("insert");
        let found = index
            .best_match(&fingerprint(&a, P), t(1, 12))
            .expect("lookup");
        assert_eq!(found.map(|m| m.article), Some(ArticleId(1)));
        let none = index
            .best_match(&fingerprint(&text(300, 3), P), t(1, 12))
            .expect("lookup");
        assert_eq!(none, None);
    }

    #[test]
    fn a_copy_published_outside_the_window_is_not_a_match() {
        let mut index = NearDupIndex::new(P, MatchRule::DEFAULT);
        let a = text(300, 1);
        index
            .insert(ArticleId(1), t(1, 10), &fingerprint(&a, P))
            .expect("insert");
        assert!(
            index
                .best_match(&fingerprint(&a, P), t(8, 9))
                .expect("lookup")
                .is_some()
        );
        assert!(
            index
                .best_match(&fingerprint(&a, P), t(8, 11))
                .expect("lookup")
                .is_none()
        );
    }

    #[test]
    fn short_texts_are_neither_indexed_nor_matched() {
        let mut index = NearDupIndex::new(P, MatchRule::DEFAULT);
        let short = text(20, 1);
        index
            .insert(ArticleId(1), t(1, 10), &fingerprint(&short, P))
            .expect("insert");
        assert!(index.is_empty());
        let long = text(300, 1);
        index
            .insert(ArticleId(2), t(1, 10), &fingerprint(&long, P))
            .expect("insert");
        assert_eq!(
            index
                .best_match(&fingerprint(&short, P), t(1, 11))
                .expect("lookup"),
            None
        );
    }

    #[test]
    fn the_most_similar_of_several_candidates_wins() {
        let mut index = NearDupIndex::new(P, MatchRule::DEFAULT);
        let base: Vec<String> = text(400, 9).split(' ').map(str::to_owned).collect();
        let half = format!("{} {}", base[..200].join(" "), text(200, 10));
        let most = format!("{} {}", base[..360].join(" "), text(40, 11));
        index
            .insert(ArticleId(1), t(1, 10), &fingerprint(&half, P))
            .expect("insert");
        index
            .insert(ArticleId(2), t(1, 10), &fingerprint(&most, P))
            .expect("insert");
        let found = index
            .best_match(&fingerprint(&base.join(" "), P), t(1, 11))
            .expect("lookup");
        assert_eq!(found.map(|m| m.article), Some(ArticleId(2)));
    }

    #[test]
    fn a_fingerprint_made_with_other_parameters_is_refused() {
        let mut index = NearDupIndex::new(P, MatchRule::DEFAULT);
        let other = FingerprintParams {
            shingle_words: 4,
            ..P
        };
        let err = index
            .insert(ArticleId(7), t(1, 1), &fingerprint(&text(100, 1), other))
            .expect_err("other params");
        assert!(matches!(err, DedupeError::OtherParams { article: 7, .. }));
    }

    #[test]
    fn matches_survive_merging_the_recent_buffer_and_pruning() {
        let mut index = NearDupIndex::new(P, MatchRule::DEFAULT);
        // Enough inserts to force merges of every band's B-tree.
        let n = RECENT_CAP + 100;
        let fps: Vec<Fingerprint> = (0..n as u64)
            .map(|i| fingerprint(&text(60, i), P))
            .collect();
        for (i, fp) in fps.iter().enumerate() {
            let day = if i < n / 2 { 1 } else { 20 };
            index
                .insert(ArticleId(i as i64), t(day, 0), fp)
                .expect("insert");
        }
        assert_eq!(index.len(), n);
        for i in [0usize, 1, n / 2 - 1, n / 2, n - 1] {
            let day = if i < n / 2 { 1 } else { 20 };
            let found = index.best_match(&fps[i], t(day, 1)).expect("lookup");
            assert_eq!(
                found.map(|m| m.article),
                Some(ArticleId(i as i64)),
                "article {i}"
            );
        }
        index.retain_published_since(t(10, 0));
        assert_eq!(index.len(), n - n / 2);
        assert_eq!(index.best_match(&fps[0], t(1, 1)).expect("lookup"), None);
        let found = index.best_match(&fps[n - 1], t(20, 1)).expect("lookup");
        assert_eq!(found.map(|m| m.article), Some(ArticleId(n as i64 - 1)));
    }

    #[test]
    fn an_index_rebuilt_from_stored_bytes_answers_like_the_original() {
        let texts: Vec<String> = (0..50).map(|i| text(120, i)).collect();
        let stored: Vec<(ArticleId, DateTime<Utc>, Vec<u8>)> = texts
            .iter()
            .enumerate()
            .map(|(i, s)| (ArticleId(i as i64), t(2, 0), fingerprint(s, P).to_bytes()))
            .collect();
        let decoded = stored.into_iter().map(|(a, when, bytes)| {
            (
                a,
                when,
                Fingerprint::from_bytes(a.0, &bytes).expect("decodes"),
            )
        });
        let (index, errors) = NearDupIndex::from_fingerprints(P, MatchRule::DEFAULT, decoded);
        assert!(errors.is_empty());
        assert_eq!(index.len(), 50);
        let found = index
            .best_match(&fingerprint(&texts[17], P), t(2, 5))
            .expect("lookup");
        assert_eq!(found.map(|m| m.article), Some(ArticleId(17)));
    }
}

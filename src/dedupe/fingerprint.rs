//! Near-duplicate fingerprints: MinHash over word shingles.
//!
//! A text becomes the set of its `k`-word shingles (after [`normalize`]); the
//! Jaccard similarity of two such sets is what "the same story, lightly
//! edited" means here. A fingerprint keeps two small MinHash sketches of that
//! set (Broder 1997):
//!
//! - `sketch`: `sketch_len` independent minima, of which only the low 8 bits
//!   are kept ("b-bit minwise hashing", Li & König 2010). Two sketches agree
//!   in a position with probability `J + (1 − J)/256`, so comparing them
//!   estimates `J` from 1 byte per hash instead of 4–8.
//! - `bands`: `bands` keys, each a hash of `rows` further minima. Two texts
//!   share a band key with probability `J^rows`; the index looks up texts
//!   that share at least one band (LSH banding, Indyk & Motwani 1998).
//!
//! Why these and not SimHash, and why these parameter values: measured on a
//! generated corpus of reprints and near-misses, see BENCHMARKS.md "Dedupe"
//! and `examples/dedupe_bench.rs`.
//!
//! Fingerprints are persisted by the store as BLOBs ([`Fingerprint::to_bytes`])
//! so the in-memory index can be rebuilt at start-up without re-reading
//! texts. The hash functions are therefore part of the on-disk format: they
//! are written out here (FNV-1a, the MurmurHash3 finalizer, multiply-add with
//! constants from a fixed SplitMix64 stream) instead of taken from a crate
//! whose output may change between versions, and a test pins their values.

use super::DedupeError;
use super::text::normalize;

/// The parameters a fingerprint was made with. Fingerprints made with
/// different parameters cannot be compared; a stored one whose parameters
/// differ from the running ones is re-made from the stored text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FingerprintParams {
    /// Words per shingle.
    pub shingle_words: u8,
    /// Number of minima used to estimate similarity.
    pub sketch_len: u16,
    /// Bits kept of each minimum: 1, 2, 4 or 8.
    pub sketch_bits: u8,
    /// Number of LSH bands.
    pub bands: u8,
    /// Minima hashed together into one band key.
    pub rows: u8,
}

impl FingerprintParams {
    /// The measured choice (BENCHMARKS.md, "Dedupe"): 3-word shingles; 256
    /// 2-bit minima (64 bytes) estimate Jaccard within ±0.04 (one standard
    /// deviation at J = 0.3), better than 64 8-bit minima in the same bytes
    /// (±0.06); 18 bands of 2 rows find a pair at J = 0.3 with probability
    /// 1 − (1 − 0.3²)¹⁸ ≈ 0.82 and at J = 0.5 ≈ 0.99, an unrelated pair at
    /// J = 0.02 with ≈ 0.007.
    pub const DEFAULT: FingerprintParams = FingerprintParams {
        shingle_words: 3,
        sketch_len: 256,
        sketch_bits: 2,
        bands: 18,
        rows: 2,
    };

    /// Bytes of the packed sketch.
    pub fn sketch_bytes(&self) -> usize {
        (self.sketch_len as usize * self.sketch_bits as usize).div_ceil(8)
    }

    fn valid_bits(&self) -> bool {
        matches!(self.sketch_bits, 1 | 2 | 4 | 8)
    }

    fn hash_count(&self) -> usize {
        self.sketch_len as usize + self.bands as usize * self.rows as usize
    }
}

impl std::fmt::Display for FingerprintParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "k={} sketch={}x{}bit bands={}x{}",
            self.shingle_words, self.sketch_len, self.sketch_bits, self.bands, self.rows
        )
    }
}

/// The near-duplicate fingerprint of one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub params: FingerprintParams,
    /// Number of words in the normalized text.
    pub words: u32,
    /// Number of distinct shingles: the size of the set the sketch stands
    /// for, needed to turn a Jaccard estimate into a containment estimate.
    pub shingles: u32,
    /// The low `sketch_bits` bits of `sketch_len` independent minima,
    /// packed low bits first.
    pub sketch: Vec<u8>,
    /// `bands` LSH keys.
    pub bands: Vec<u32>,
}

/// Version of the byte layout written by [`Fingerprint::to_bytes`].
const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + 1 + 2 + 1 + 1 + 1 + 4 + 4;

/// MurmurHash3's 64-bit finalizer: a bijection that mixes every input bit
/// into every output bit.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// FNV-1a over the word's UTF-8 bytes, finalized.
fn word_hash(word: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    fmix64(h)
}

/// The `i`-th output of SplitMix64 seeded with a fixed constant: the
/// multipliers and offsets of the MinHash functions.
fn splitmix64(i: u64) -> u64 {
    fmix64(0x5eed_f00d_dead_beef_u64.wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
}

/// Distinct shingle hashes of a normalized text, sorted.
fn shingle_hashes(words: &[&str], k: usize) -> Vec<u64> {
    let hashes: Vec<u64> = words.iter().map(|w| word_hash(w)).collect();
    let k = k.max(1);
    // Order-sensitive combination of the words' hashes.
    let shingle = |win: &[u64]| {
        win.iter().fold(0u64, |h, w| {
            fmix64(h.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ w)
        })
    };
    let mut shingles: Vec<u64> = if hashes.is_empty() {
        Vec::new()
    } else if hashes.len() < k {
        // A text shorter than one shingle is one (short) shingle; the index
        // never matches it on its fingerprint anyway (see `min_words`).
        vec![shingle(&hashes)]
    } else {
        hashes.windows(k).map(shingle).collect()
    };
    shingles.sort_unstable();
    shingles.dedup();
    shingles
}

/// The distinct `shingle_words`-word shingles of an already [`normalize`]d
/// text, as sorted 64-bit hashes: the set a fingerprint summarizes.
pub fn shingle_set(normalized: &str, shingle_words: u8) -> Vec<u64> {
    let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
    shingle_hashes(&words, shingle_words as usize)
}

/// Fingerprint of an already [`normalize`]d text.
pub fn fingerprint_normalized(normalized: &str, params: FingerprintParams) -> Fingerprint {
    let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
    let shingles = shingle_hashes(&words, params.shingle_words as usize);

    // Multiply-add hashing `a·x + b` (wrapping) with odd `a`: a bijection of
    // u64, so each function is a permutation of the (already mixed) shingle
    // hashes, and the minimum is a MinHash sample.
    let n = params.hash_count();
    let mul: Vec<u64> = (0..n as u64).map(|i| splitmix64(2 * i) | 1).collect();
    let add: Vec<u64> = (0..n as u64).map(|i| splitmix64(2 * i + 1)).collect();
    let mut mins = vec![u64::MAX; n];
    min_hashes(&shingles, &mul, &add, &mut mins);

    let sketch_len = params.sketch_len as usize;
    let bits = params.sketch_bits.clamp(1, 8) as usize;
    let mask = ((1u16 << bits) - 1) as u8;
    let mut sketch = vec![0u8; params.sketch_bytes()];
    for (i, m) in mins[..sketch_len].iter().enumerate() {
        let bit = i * bits;
        sketch[bit / 8] |= (fmix64(*m) as u8 & mask) << (bit % 8);
    }
    let rows = params.rows.max(1) as usize;
    let bands = mins[sketch_len..]
        .chunks(rows)
        .take(params.bands as usize)
        .map(|band| (band.iter().fold(0, |h, m| fmix64(h ^ m)) >> 32) as u32)
        .collect();
    Fingerprint {
        params,
        words: u32::try_from(words.len()).unwrap_or(u32::MAX),
        shingles: u32::try_from(shingles.len()).unwrap_or(u32::MAX),
        sketch,
        bands,
    }
}

/// `mins[i]` = the least `mul[i]·x + add[i]` (wrapping) over the shingle
/// hashes `x`: one multiply-add per shingle and hash function, 292 functions
/// with the default parameters. That loop was the largest single entry of
/// the ingest profile (BENCHMARKS.md, "End-to-end ingest"); it vectorizes
/// across the hash functions, but 64-bit lane multiplies and unsigned
/// minimums exist only in AVX-512, so a copy built for it is chosen at run
/// time where the CPU has it. Both copies compute the same thing.
fn min_hashes(shingles: &[u64], mul: &[u64], add: &[u64], mins: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512dq")
    {
        // SAFETY: the function is compiled for exactly the two features
        // just detected on this CPU.
        unsafe { min_hashes_avx512(shingles, mul, add, mins) };
        return;
    }
    min_hashes_portable(shingles, mul, add, mins);
}

#[inline(always)]
fn min_hashes_portable(shingles: &[u64], mul: &[u64], add: &[u64], mins: &mut [u64]) {
    for &x in shingles {
        for ((m, a), b) in mins.iter_mut().zip(mul).zip(add) {
            *m = (*m).min(a.wrapping_mul(x).wrapping_add(*b));
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn min_hashes_avx512(shingles: &[u64], mul: &[u64], add: &[u64], mins: &mut [u64]) {
    min_hashes_portable(shingles, mul, add, mins);
}

/// Fingerprint of a raw text (normalizes it first).
pub fn fingerprint(text: &str, params: FingerprintParams) -> Fingerprint {
    fingerprint_normalized(&normalize(text), params)
}

impl Fingerprint {
    /// The byte form the store keeps: a version byte, the parameters, the
    /// word and shingle counts (little-endian), the sketch, the band keys.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.sketch.len() + 4 * self.bands.len());
        out.push(FORMAT_VERSION);
        out.push(self.params.shingle_words);
        out.extend_from_slice(&self.params.sketch_len.to_le_bytes());
        out.push(self.params.sketch_bits);
        out.push(self.params.bands);
        out.push(self.params.rows);
        out.extend_from_slice(&self.words.to_le_bytes());
        out.extend_from_slice(&self.shingles.to_le_bytes());
        out.extend_from_slice(&self.sketch);
        for b in &self.bands {
            out.extend_from_slice(&b.to_le_bytes());
        }
        out
    }

    /// Reads what [`to_bytes`](Self::to_bytes) wrote. `article` is only used
    /// to say which stored row was bad.
    pub fn from_bytes(article: i64, bytes: &[u8]) -> Result<Fingerprint, DedupeError> {
        let bad = |reason: &'static str| DedupeError::BadFingerprint { article, reason };
        if bytes.len() < HEADER_LEN {
            return Err(bad("shorter than its header"));
        }
        if bytes[0] != FORMAT_VERSION {
            return Err(bad("unknown format version"));
        }
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let params = FingerprintParams {
            shingle_words: bytes[1],
            sketch_len: u16::from_le_bytes([bytes[2], bytes[3]]),
            sketch_bits: bytes[4],
            bands: bytes[5],
            rows: bytes[6],
        };
        if !params.valid_bits() {
            return Err(bad("sketch bits not 1, 2, 4 or 8"));
        }
        let words = u32_at(7);
        let shingles = u32_at(11);
        let sketch_end = HEADER_LEN + params.sketch_bytes();
        if bytes.len() != sketch_end + 4 * params.bands as usize {
            return Err(bad("length does not match its parameters"));
        }
        let sketch = bytes[HEADER_LEN..sketch_end].to_vec();
        let bands = (0..params.bands as usize)
            .map(|i| u32_at(sketch_end + 4 * i))
            .collect();
        Ok(Fingerprint {
            params,
            words,
            shingles,
            sketch,
            bands,
        })
    }
}

/// Jaccard similarity estimated from two b-bit sketches of equal length
/// (`bits` per minimum): positions agree with probability
/// `m = J + (1 − J)/2^bits`, solved for `J`.
pub fn estimate_jaccard(a: &[u8], b: &[u8], bits: u8) -> f64 {
    if a.is_empty() || a.len() != b.len() || !matches!(bits, 1 | 2 | 4 | 8) {
        return 0.0;
    }
    // A group differs when any of its bits differ: OR the XOR down onto
    // each group's lowest bit, keep only those bits, count them.
    let low_bits: u64 = match bits {
        1 => u64::MAX,
        2 => 0x5555_5555_5555_5555,
        4 => 0x1111_1111_1111_1111,
        _ => 0x0101_0101_0101_0101,
    };
    let mut differ = 0u32;
    for (x, y) in a.chunks(8).zip(b.chunks(8)) {
        let mut wx = [0u8; 8];
        let mut wy = [0u8; 8];
        wx[..x.len()].copy_from_slice(x);
        wy[..y.len()].copy_from_slice(y);
        let d = u64::from_le_bytes(wx) ^ u64::from_le_bytes(wy);
        let folded = (1..bits).fold(d, |acc, s| acc | d >> s);
        differ += (folded & low_bits).count_ones();
    }
    let groups = (a.len() * 8 / bits as usize) as f64;
    let agree = 1.0 - f64::from(differ) / groups;
    let chance = 1.0 / f64::from(1u32 << bits);
    ((agree - chance) / (1.0 - chance)).clamp(0.0, 1.0)
}

/// Containment of the smaller shingle set in the larger one, from a
/// Jaccard estimate and the two set sizes: `|A∩B| = J(|A|+|B|)/(1+J)`.
pub fn containment_from_jaccard(jaccard: f64, a: u32, b: u32) -> f64 {
    let smaller = a.min(b);
    if smaller == 0 {
        return 0.0;
    }
    let inter = jaccard * (f64::from(a) + f64::from(b)) / (1.0 + jaccard);
    (inter / f64::from(smaller)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_min_hashes_chosen_for_this_cpu_equal_the_portable_ones() {
        let shingles: Vec<u64> = (0..1000).map(|i| splitmix64(1_000_000 + i)).collect();
        let mul: Vec<u64> = (0..292).map(|i| splitmix64(2 * i) | 1).collect();
        let add: Vec<u64> = (0..292).map(|i| splitmix64(2 * i + 1)).collect();
        let (mut chosen, mut portable) = (vec![u64::MAX; 292], vec![u64::MAX; 292]);
        min_hashes(&shingles, &mul, &add, &mut chosen);
        min_hashes_portable(&shingles, &mul, &add, &mut portable);
        assert_eq!(chosen, portable);
        assert!(chosen.iter().all(|&m| m != u64::MAX));
    }

    const P: FingerprintParams = FingerprintParams::DEFAULT;

    fn words(n: usize, seed: u64) -> Vec<String> {
        (0..n)
            .map(|i| format!("w{}", splitmix64(seed * 100_000 + i as u64) % 5000))
            .collect()
    }

    #[test]
    fn the_hash_functions_are_pinned_because_fingerprints_are_stored() {
        // If this fails, stored fingerprints no longer match new ones: bump
        // FORMAT_VERSION so they are re-made from stored text.
        assert_eq!(word_hash("астана"), 0xa7e3_440b_6e6e_c7c2);
        let fp = fingerprint("Астана — столица Казахстана с 1997 года.", P);
        assert_eq!(&fp.sketch[..4], &[33, 28, 157, 255]);
        assert_eq!(fp.bands[0], 0x24d2_48c8);
    }

    #[test]
    fn a_fingerprint_survives_its_byte_form() {
        let fp = fingerprint("one two three four five six seven", P);
        let bytes = fp.to_bytes();
        assert_eq!(
            bytes.len(),
            HEADER_LEN + P.sketch_bytes() + 4 * P.bands as usize
        );
        assert_eq!(Fingerprint::from_bytes(1, &bytes).expect("decodes"), fp);
    }

    #[test]
    fn truncated_or_foreign_bytes_are_rejected_with_the_article_named() {
        let bytes = fingerprint("one two three four", P).to_bytes();
        let err = Fingerprint::from_bytes(42, &bytes[..bytes.len() - 1]).expect_err("truncated");
        assert!(err.to_string().contains("42"), "{err}");
        let mut other = bytes.clone();
        other[0] = 99;
        assert!(Fingerprint::from_bytes(42, &other).is_err());
        assert!(Fingerprint::from_bytes(42, &[]).is_err());
    }

    #[test]
    fn identical_texts_have_identical_fingerprints() {
        let a = fingerprint("Токаев провёл встречу с делегацией.", P);
        let b = fingerprint("токаев провел встречу с делегацией", P);
        assert_eq!(a, b);
        assert_eq!(a.words, 5);
        assert_eq!(a.shingles, 3);
    }

    #[test]
    fn the_jaccard_estimate_tracks_the_true_overlap() {
        // 600 shared words plus 200 and 200 own words: about 596 shared
        // shingles out of ~1000 in the union.
        let shared = words(600, 1);
        let mut a = shared.clone();
        a.extend(words(200, 2));
        let mut b = words(200, 3);
        b.extend(shared);
        let fa = fingerprint(&a.join(" "), P);
        let fb = fingerprint(&b.join(" "), P);
        let j = estimate_jaccard(&fa.sketch, &fb.sketch, P.sketch_bits);
        assert!((j - 0.6).abs() < 0.2, "estimate {j}");
        let unrelated = fingerprint(&words(800, 4).join(" "), P);
        assert!(estimate_jaccard(&fa.sketch, &unrelated.sketch, P.sketch_bits) < 0.1);
    }

    #[test]
    fn containment_is_one_when_the_smaller_set_is_inside_the_larger() {
        // |A| = 100 inside |B| = 300: J = 1/3.
        assert!((containment_from_jaccard(1.0 / 3.0, 100, 300) - 1.0).abs() < 1e-9);
        assert!((containment_from_jaccard(0.0, 100, 300)).abs() < 1e-9);
        assert_eq!(containment_from_jaccard(0.5, 0, 300), 0.0);
    }
}

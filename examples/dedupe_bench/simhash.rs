//! SimHash (Charikar 2002), the candidate that lost: 64-bit fingerprints of
//! the same word shingles, compared by Hamming distance.
//!
//! Manku, Jain & Das Sarma (WWW 2007) make it sublinear with permuted
//! tables, but only for small distances (they use k = 3 of 64 bits: 4–20
//! tables). Here it is scanned by brute force, which gives SimHash its best
//! possible recall at each distance: if even that is too low for light-edit
//! reprints, no table layout can help.

/// MurmurHash3 finalizer (same as the library's; a private copy here
/// because the library does not export its hash internals).
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// SimHash of a set of (already well-mixed) shingle hashes, unweighted.
pub fn simhash(shingles: &[u64]) -> u64 {
    let mut counts = [0i32; 64];
    for &s in shingles {
        let h = fmix64(s);
        for (bit, c) in counts.iter_mut().enumerate() {
            *c += if h >> bit & 1 == 1 { 1 } else { -1 };
        }
    }
    counts.iter().enumerate().fold(
        0u64,
        |acc, (bit, c)| if *c > 0 { acc | 1 << bit } else { acc },
    )
}

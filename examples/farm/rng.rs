//! A tiny deterministic random generator, so the same seed builds the same
//! farm on every machine and every version of the `rand` crate.
//!
//! SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, passes BigCrush,
//! and any (seed, stream) pair gives an independent-looking sequence, which
//! is what lets item (feed 17, item 3) be generated alone, on request.

pub struct Rng(u64);

impl Rng {
    /// A generator for one named stream of the farm (a feed, an item, a
    /// story), independent of the order in which streams are generated.
    pub fn new(seed: u64, stream: &[u64]) -> Rng {
        let mut r = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
        // Each stream word is hashed into the state through the output
        // function, so (1, 0) and (0, 1) give unrelated states.
        for s in stream {
            r.0 ^= s.wrapping_mul(0xD1B5_4A32_D192_ED03);
            r.0 = r.next_u64();
        }
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0); the modulo bias is irrelevant at these
    /// sizes.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

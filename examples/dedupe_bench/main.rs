//! Dedupe benchmark: which near-duplicate method, with which parameters, and
//! what it costs at 1,000,000 articles.
//!
//!     cargo run --release --example dedupe_bench            # everything
//!     cargo run --release --example dedupe_bench -- --quality  # corpus only
//!     cargo run --release --example dedupe_bench -- --scale 200000
//!
//! Part 1 (quality) generates a corpus with known stories (see `corpus.rs`)
//! and runs each candidate the way the daemon will: articles arrive in
//! publication order, each is matched against the earlier ones within the
//! window and joins the story of its best match, or starts a new one. Pair
//! precision and recall are then counted over all pairs of articles.
//! Candidates: exact shingle-set similarity by brute force (the ceiling any
//! sketch can reach), SimHash by brute force (SimHash's ceiling), and the
//! library's MinHash + LSH index at several parameter sets and thresholds.
//!
//! Part 2 (scale) fills the library's index with N fingerprints (default
//! 1,000,000) of generated articles, 30% of them light reprints, and times
//! lookup+insert per article as the index grows, lookups alone at full size,
//! and the index's heap use as counted by the global allocator. Anchors in
//! the same run: a brute-force scan of all N sketches for one query, and
//! the size of the raw fingerprints.

mod corpus;
mod simhash;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use corpus::{Doc, Kind, Mix};
use feedsieve::dedupe::{
    Fingerprint, FingerprintParams, MatchRule, Measure, NearDupIndex, estimate_jaccard,
    fingerprint_normalized, normalize, shingle_set,
};
use feedsieve::model::ArticleId;

/// Counts live heap bytes, so the index's memory is measured, not guessed.
struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn when(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_740_000_000 + minute * 60, 0).expect("in range")
}

// ------------------------------------------------------------ evaluation

#[derive(Default)]
struct Outcome {
    precision: f64,
    recall_light: f64,
    recall_heavy: f64,
    near_miss_merged: usize,
    near_miss_pairs: usize,
    short_merged: usize,
    predicted_pairs: u64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Pair precision/recall of a clustering (`cluster[i]` for `docs[i]`).
fn evaluate(docs: &[Doc], cluster: &[usize]) -> Outcome {
    let mut story_kind: HashMap<u32, (bool, bool)> = HashMap::new(); // (has heavy, short)
    for d in docs {
        let e = story_kind.entry(d.story).or_default();
        e.0 |= d.kind == Kind::Heavy;
        e.1 |= d.short;
    }
    let mut by_story: HashMap<u32, u64> = HashMap::new();
    let mut by_cluster: HashMap<usize, u64> = HashMap::new();
    let mut by_both: HashMap<(u32, usize), u64> = HashMap::new();
    for (d, c) in docs.iter().zip(cluster) {
        *by_story.entry(d.story).or_default() += 1;
        *by_cluster.entry(*c).or_default() += 1;
        *by_both.entry((d.story, *c)).or_default() += 1;
    }
    let predicted: u64 = by_cluster.values().map(|n| pairs(*n)).sum();
    let tp: u64 = by_both.values().map(|n| pairs(*n)).sum();
    let (mut light_true, mut light_tp, mut heavy_true, mut heavy_tp) = (0u64, 0u64, 0u64, 0u64);
    for (story, n) in &by_story {
        let (heavy, short) = story_kind[story];
        if short {
            continue;
        }
        if heavy {
            heavy_true += pairs(*n);
        } else {
            light_true += pairs(*n);
        }
    }
    for ((story, _), n) in &by_both {
        let (heavy, short) = story_kind[story];
        if short {
            continue;
        }
        if heavy {
            heavy_tp += pairs(*n);
        } else {
            light_tp += pairs(*n);
        }
    }
    // Near-miss pairs whose two sides ended up in one cluster.
    let mut sides: HashMap<u32, Vec<(u32, usize)>> = HashMap::new();
    for (d, c) in docs.iter().zip(cluster) {
        if let Some(nm) = d.near_miss {
            sides.entry(nm).or_default().push((d.story, *c));
        }
    }
    let near_miss_merged = sides
        .values()
        .filter(|v| {
            v.iter()
                .any(|(s1, c1)| v.iter().any(|(s2, c2)| s1 != s2 && c1 == c2))
        })
        .count();
    let mut short_clusters: HashMap<usize, u64> = HashMap::new();
    for (d, c) in docs.iter().zip(cluster) {
        if d.short {
            *short_clusters.entry(*c).or_default() += 1;
        }
    }
    let short_merged = docs
        .iter()
        .zip(cluster)
        .filter(|(d, c)| d.short && by_cluster[*c] > 1)
        .count();
    Outcome {
        precision: if predicted == 0 {
            1.0
        } else {
            tp as f64 / predicted as f64
        },
        recall_light: light_tp as f64 / light_true.max(1) as f64,
        recall_heavy: heavy_tp as f64 / heavy_true.max(1) as f64,
        near_miss_merged,
        near_miss_pairs: sides.len(),
        short_merged,
        predicted_pairs: predicted,
    }
}

/// Online clustering in publication order: each document joins the
/// cluster of the earlier document `find` returns, or starts its own.
fn cluster_online(docs: &[Doc], mut find: impl FnMut(usize) -> Option<usize>) -> Vec<usize> {
    let mut cluster = Vec::with_capacity(docs.len());
    for i in 0..docs.len() {
        let c = match find(i) {
            Some(j) => cluster[j],
            None => i,
        };
        cluster.push(c);
    }
    cluster
}

fn row(name: &str, o: &Outcome, extra: &str) {
    println!(
        "| {name} | {:.4} | {:.4} | {:.4} | {}/{} | {} | {} | {extra} |",
        o.precision,
        o.recall_light,
        o.recall_heavy,
        o.near_miss_merged,
        o.near_miss_pairs,
        o.short_merged,
        o.predicted_pairs
    );
}

/// Exact similarity of every pair that shares a shingle, by pair type:
/// where reprints and non-reprints overlap, no threshold can separate them.
fn distributions(docs: &[Doc], words: &[u32], sets: &[Vec<u64>], overlaps: &[Vec<(usize, u32)>]) {
    let mut by_type: HashMap<&'static str, Vec<(f64, f64, u32)>> = HashMap::new();
    for (i, row) in overlaps.iter().enumerate() {
        for &(j, inter) in row {
            let (a, b) = (&docs[i], &docs[j]);
            let kind = if a.story == b.story {
                if a.kind == Kind::Heavy || b.kind == Kind::Heavy {
                    "same story, heavy edit"
                } else {
                    "same story, light edits"
                }
            } else if a.near_miss.is_some() && a.near_miss == b.near_miss {
                "near-miss (same event, other report)"
            } else if words[i] < 80 || words[j] < 80 {
                "unrelated, one under 80 words"
            } else {
                "unrelated, both 80+ words"
            };
            let (x, y, n) = (sets[i].len() as f64, sets[j].len() as f64, f64::from(inter));
            by_type
                .entry(kind)
                .or_default()
                .push((n / (x + y - n), n / x.min(y), inter));
        }
    }
    println!(
        "Exact similarity (k=3) of pairs within the window that share at least one shingle, both texts ≥ 40 words:\n"
    );
    println!(
        "| pair type | pairs | Jaccard p1 | p50 | p99 | max | containment p1 | p50 | p99 | max | shared shingles p1 | p50 | p99 | max |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut kinds: Vec<_> = by_type.into_iter().collect();
    kinds.sort_by_key(|(k, _)| *k);
    for (kind, v) in kinds {
        let q = |mut xs: Vec<f64>| {
            xs.sort_by(f64::total_cmp);
            let at = |p: f64| xs[((xs.len() - 1) as f64 * p).round() as usize];
            format!(
                "{:.2} | {:.2} | {:.2} | {:.2}",
                at(0.01),
                at(0.5),
                at(0.99),
                at(1.0)
            )
        };
        println!(
            "| {kind} | {} | {} | {} | {} |",
            v.len(),
            q(v.iter().map(|t| t.0).collect()),
            q(v.iter().map(|t| t.1).collect()),
            q(v.iter().map(|t| f64::from(t.2)).collect()).replace(".00", "")
        );
    }
    println!();
}

fn quality() {
    let mix = Mix {
        light_stories: 1500,
        heavy_stories: 200,
        near_miss_pairs: 300,
        briefs: 300,
        singles: 3000,
        days: 60,
    };
    let docs = corpus::generate(0x00fe_ed51_e7e0, &mix);
    let normalized: Vec<String> = docs.iter().map(|d| normalize(&d.text)).collect();
    let words: Vec<u32> = normalized
        .iter()
        .map(|n| n.split(' ').count() as u32)
        .collect();
    let stories = docs.iter().map(|d| d.story).max().map_or(0, |s| s + 1);
    println!(
        "Corpus: {} articles in {} stories ({} light-edit stories, {} heavy, {} near-miss pairs, {} short briefs, {} unrelated), {} days; median {} words.\n",
        docs.len(),
        stories,
        mix.light_stories,
        mix.heavy_stories,
        mix.near_miss_pairs,
        mix.briefs,
        mix.singles,
        mix.days,
        {
            let mut w = words.clone();
            w.sort_unstable();
            w[w.len() / 2]
        }
    );
    let window = TimeDelta::days(7).num_minutes();
    let min_words = MatchRule::DEFAULT.min_words;
    println!(
        "| method | precision | recall (light) | recall (heavy) | near-miss pairs merged | short briefs merged | predicted pairs | notes |"
    );
    println!("|---|---|---|---|---|---|---|---|");

    // --- exact similarity, brute force over shingle sets (the ceiling).
    for k in [2u8, 3, 4, 5] {
        let sets: Vec<Vec<u64>> = normalized.iter().map(|n| shingle_set(n, k)).collect();
        let mut postings: HashMap<u64, Vec<u32>> = HashMap::new();
        for (i, s) in sets.iter().enumerate() {
            for h in s {
                postings.entry(*h).or_default().push(i as u32);
            }
        }
        // Overlap counts with every earlier doc in the window.
        let overlaps: Vec<Vec<(usize, u32)>> = (0..docs.len())
            .map(|i| {
                let mut counts: HashMap<usize, u32> = HashMap::new();
                if words[i] >= min_words {
                    for h in &sets[i] {
                        for &j in &postings[h] {
                            let j = j as usize;
                            if j < i
                                && words[j] >= min_words
                                && docs[i].minute - docs[j].minute <= window
                            {
                                *counts.entry(j).or_default() += 1;
                            }
                        }
                    }
                }
                counts.into_iter().collect()
            })
            .collect();
        if k == 3 {
            distributions(&docs, &words, &sets, &overlaps);
        }
        for measure in [Measure::Jaccard, Measure::Containment] {
            let thresholds: &[f64] = match measure {
                Measure::Jaccard => &[0.2, 0.25, 0.3, 0.4],
                Measure::Containment if k == 3 => &[0.5, 0.6, 0.7],
                Measure::Containment => &[],
            };
            for &th in thresholds {
                let cl = cluster_online(&docs, |i| {
                    overlaps[i]
                        .iter()
                        .map(|&(j, inter)| {
                            let (a, b) = (sets[i].len() as f64, sets[j].len() as f64);
                            let inter = f64::from(inter);
                            let s = match measure {
                                Measure::Jaccard => inter / (a + b - inter),
                                Measure::Containment => inter / a.min(b),
                            };
                            (s, j)
                        })
                        .filter(|(s, _)| *s >= th)
                        .max_by(|x, y| x.0.total_cmp(&y.0))
                        .map(|(_, j)| j)
                });
                row(
                    &format!("exact {measure:?} ≥ {th}, k={k} (brute force)"),
                    &evaluate(&docs, &cl),
                    "",
                );
            }
        }
    }

    // --- SimHash, brute force by Hamming distance (SimHash's ceiling).
    let sets: Vec<Vec<u64>> = normalized.iter().map(|n| shingle_set(n, 3)).collect();
    let sims: Vec<u64> = sets.iter().map(|s| simhash::simhash(s)).collect();
    for d in [3u32, 6, 10, 14, 18] {
        let cl = cluster_online(&docs, |i| {
            if words[i] < min_words {
                return None;
            }
            (0..i)
                .rev()
                .take_while(|&j| docs[i].minute - docs[j].minute <= window)
                .filter(|&j| words[j] >= min_words)
                .map(|j| ((sims[i] ^ sims[j]).count_ones(), j))
                .filter(|(h, _)| *h <= d)
                .min()
                .map(|(_, j)| j)
        });
        let note = if d <= 3 {
            "indexable with permuted tables"
        } else {
            "too wide for permuted tables"
        };
        row(
            &format!("SimHash-64 Hamming ≤ {d}, k=3 (brute force)"),
            &evaluate(&docs, &cl),
            note,
        );
    }

    // --- the library's MinHash + LSH index.
    let p = |k, len, bits, bands, rows| FingerprintParams {
        shingle_words: k,
        sketch_len: len,
        sketch_bits: bits,
        bands,
        rows,
    };
    // Sketches of 64 bytes each (8-bit x 64 … 1-bit x 512), then band layouts.
    let param_sets = [
        p(3, 64, 8, 14, 2),
        p(3, 128, 4, 14, 2),
        p(3, 256, 2, 14, 2),
        p(3, 512, 1, 14, 2),
        p(3, 256, 2, 10, 2),
        p(3, 256, 2, 16, 2),
        p(3, 256, 2, 18, 2),
        p(3, 256, 2, 20, 2),
        p(3, 256, 2, 20, 3),
        p(3, 192, 2, 18, 2),
        p(2, 256, 2, 18, 2),
        p(4, 256, 2, 18, 2),
        p(5, 256, 2, 18, 2),
    ];
    let rules: Vec<(Measure, f64, u32)> = vec![
        (Measure::Jaccard, 0.22, 30),
        (Measure::Jaccard, 0.25, 0),
        (Measure::Jaccard, 0.25, 30),
        (Measure::Jaccard, 0.3, 30),
        (Measure::Containment, 0.6, 30),
    ];
    for params in param_sets {
        let fps: Vec<Fingerprint> = normalized
            .iter()
            .map(|n| fingerprint_normalized(n, params))
            .collect();
        for &(measure, threshold, min_shared) in &rules {
            let rule = MatchRule {
                measure,
                threshold,
                min_shared,
                ..MatchRule::DEFAULT
            };
            let mut index = NearDupIndex::new(params, rule);
            let mut candidates = 0usize;
            let cl = cluster_online(&docs, |i| {
                let t = when(docs[i].minute);
                let found = index.best_match(&fps[i], t).expect("same params");
                candidates += index.candidates(&fps[i]);
                index
                    .insert(ArticleId(i as i64), t, &fps[i])
                    .expect("same params");
                found.map(|m| m.article.0 as usize)
            });
            let marker = if params == FingerprintParams::DEFAULT && rule == MatchRule::DEFAULT {
                "**default**; "
            } else {
                ""
            };
            row(
                &format!("MinHash+LSH {measure:?} ≥ {threshold}, shared ≥ {min_shared}, {params}"),
                &evaluate(&docs, &cl),
                &format!(
                    "{marker}{:.1} candidates/lookup",
                    candidates as f64 / docs.len() as f64
                ),
            );
        }
    }
    println!();
}

// ----------------------------------------------------------------- scale

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn stats(label: &str, mut d: Vec<Duration>) {
    d.sort_unstable();
    let mean = d.iter().sum::<Duration>() / d.len() as u32;
    println!(
        "| {label} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
        d.len(),
        mean.as_secs_f64() * 1e6,
        percentile(&d, 0.5).as_secs_f64() * 1e6,
        percentile(&d, 0.99).as_secs_f64() * 1e6,
        d[d.len() - 1].as_secs_f64() * 1e6
    );
}

fn scale(n: usize) {
    let params = FingerprintParams::DEFAULT;
    let rule = MatchRule::DEFAULT;
    println!(
        "Scale: {n} articles, {params}, {:?} ≥ {}, window {} days.\n",
        rule.measure,
        rule.threshold,
        rule.window.num_days()
    );

    // Fingerprint cost, single thread, on a sample.
    let mut sample = corpus::Stream::new(7);
    let texts: Vec<String> = (0..5000).map(|_| sample.next_doc().0).collect();
    let start = Instant::now();
    let mut total_words = 0u64;
    for t in &texts {
        total_words += u64::from(feedsieve::dedupe::fingerprint(t, params).words);
    }
    let per = start.elapsed() / texts.len() as u32;
    println!(
        "Normalize + fingerprint: {:.1} µs per article (mean {} words), single thread.\n",
        per.as_secs_f64() * 1e6,
        total_words / texts.len() as u64
    );

    // Generate and fingerprint N articles on two threads.
    let start = Instant::now();
    let halves: Vec<Vec<(Fingerprint, bool)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2u64)
            .map(|t| {
                s.spawn(move || {
                    let mut stream = corpus::Stream::new(1000 + t);
                    (0..n / 2)
                        .map(|_| {
                            let (text, reprint) = stream.next_doc();
                            (feedsieve::dedupe::fingerprint(&text, params), reprint)
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("generator thread"))
            .collect()
    });
    // Interleave the two streams so reprints stay near their originals.
    let mut fps = Vec::with_capacity(n);
    let (a, b) = (&halves[0], &halves[1]);
    for i in 0..a.len().max(b.len()) {
        fps.extend(a.get(i).cloned());
        fps.extend(b.get(i).cloned());
    }
    drop(halves);
    eprintln!(
        "generated {} fingerprints in {:.0?}",
        fps.len(),
        start.elapsed()
    );

    // All articles fall inside one window: the worst case for lookups.
    let span = rule.window.num_minutes() - 1;
    let t_of = |i: usize| when((i as i64 * span) / n as i64);

    let before = LIVE.load(Ordering::Relaxed);
    let mut index = NearDupIndex::new(params, rule);
    let mut at_100k = Vec::new();
    let mut at_full = Vec::new();
    let mut found_reprints = 0usize;
    let mut reprints = 0usize;
    let start = Instant::now();
    for (i, (fp, reprint)) in fps.iter().enumerate() {
        let t0 = Instant::now();
        let found = index.best_match(fp, t_of(i)).expect("same params");
        index
            .insert(ArticleId(i as i64), t_of(i), fp)
            .expect("same params");
        let dt = t0.elapsed();
        if (90_000..100_000).contains(&i) {
            at_100k.push(dt);
        }
        if i + 100_000 >= n {
            at_full.push(dt);
        }
        if *reprint {
            reprints += 1;
            found_reprints += usize::from(found.is_some());
        }
    }
    let build = start.elapsed();
    let index_bytes = LIVE.load(Ordering::Relaxed) - before;

    println!("| operation | samples | mean µs | p50 µs | p99 µs | max µs |");
    println!("|---|---|---|---|---|---|");
    if !at_100k.is_empty() {
        stats("lookup + insert, index at 90–100k", at_100k);
    }
    stats(
        &format!(
            "lookup + insert, last 100k (index at {}–{}k)",
            (n - 100_000) / 1000,
            n / 1000
        ),
        at_full,
    );

    // Lookups alone against the full index: new articles and reprints.
    let mut stream = corpus::Stream::new(99);
    let queries: Vec<Fingerprint> = (0..20_000)
        .map(|_| feedsieve::dedupe::fingerprint(&stream.next_doc().0, params))
        .collect();
    let mut lookups = Vec::with_capacity(queries.len());
    let t_end = t_of(n - 1);
    for q in &queries {
        let t0 = Instant::now();
        let found = index.best_match(q, t_end).expect("same params");
        lookups.push(t0.elapsed());
        std::hint::black_box(found);
    }
    stats(
        &format!("lookup only, index at {}k (20k fresh queries)", n / 1000),
        lookups,
    );

    // Anchor: what a lookup costs without an index — compare with every sketch.
    let sketches: Vec<u8> = fps
        .iter()
        .flat_map(|(f, _)| f.sketch.iter().copied())
        .collect();
    let scans: Vec<Duration> = queries[..20]
        .iter()
        .map(|q| {
            let t0 = Instant::now();
            let best = sketches
                .chunks_exact(params.sketch_bytes())
                .map(|s| estimate_jaccard(&q.sketch, s, params.sketch_bits))
                .fold(0.0f64, f64::max);
            std::hint::black_box(best);
            t0.elapsed()
        })
        .collect();
    stats(
        &format!(
            "anchor: brute-force scan of {}k sketches, one query",
            n / 1000
        ),
        scans,
    );

    let raw = fps.len() * (params.sketch_bytes() + 4 * params.bands as usize);
    println!();
    println!(
        "Index heap at {n} articles: {:.1} MB (counting allocator); per article {:.0} bytes.",
        index_bytes as f64 / 1e6,
        index_bytes as f64 / n as f64
    );
    println!(
        "Anchor: the raw fingerprints alone (sketch + band keys) are {:.1} MB.",
        raw as f64 / 1e6
    );
    println!(
        "Build: {:.1} s for {n} lookup+insert; light reprints in the stream found: {found_reprints}/{reprints} ({:.4}).",
        build.as_secs_f64(),
        found_reprints as f64 / reprints.max(1) as f64
    );
    drop(index);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let only_quality = args.iter().any(|a| a == "--quality");
    let only_scale = args.iter().any(|a| a == "--scale-only");
    let n = args
        .iter()
        .position(|a| a == "--scale")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse::<usize>().expect("--scale takes a number"))
        .unwrap_or(1_000_000);
    if !only_scale {
        quality();
    }
    if !only_quality {
        scale(n);
    }
}

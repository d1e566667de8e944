//! Benchmark: classifying one article against 100 topics (target < 1 ms).
//!
//!     cargo run --release --example topics_bench [-- --config config/feedsieve.toml]
//!
//! The article is ~700 words of news text (texts of the labeled set in
//! tests/fixtures/topics joined into one long article, the length of a
//! typical Kazinform/Tengrinews piece). The 100 topics are the shipped
//! "mediation" query (read from the config file) plus 99 generated queries of mixed shapes — word lists,
//! prefixes, phrases with proximity, AND/NOT, field scopes — drawn
//! deterministically from the set's vocabulary, so about as many terms hit
//! as in real use. Anchors measured in the same run: lower-casing and
//! whitespace-splitting the article (the skeleton's per-topic work) and
//! whatlang detection alone. Figures are CPU time per article (see
//! `cpu_ticks`), with wall time beside them.

// Only the loader is used here; the scoring half serves topics_eval.
#[allow(dead_code)]
#[path = "../tests/it/support/labeled_set.rs"]
mod labeled_set;

use std::hint::black_box;
use std::time::Instant;

use anyhow::{Context, Result};
use feedsieve::text;
use feedsieve::topics::{self, AnalyzedDocument, Document, Query, Topic};

fn main() -> Result<()> {
    let docs = labeled_set::load().map_err(anyhow::Error::msg)?;
    let mut body = String::new();
    for d in docs.iter().filter(|d| d.lang() == "ru") {
        if body.split_whitespace().count() > 700 {
            break;
        }
        body.push_str(&d.text);
        body.push_str("\n\n");
    }
    let title = docs[0].title.clone();
    let words = body.split_whitespace().count();
    let doc = Document {
        title: &title,
        text: &body,
        source: "Kazinform",
        lang: None,
    };

    let mut config = "config/feedsieve.toml".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => config = args.next().context("--config needs a path")?,
            other => anyhow::bail!("unknown argument {other:?}"),
        }
    }
    let topics = build_topics(&docs, &config)?;
    let total_terms: usize = topics
        .iter()
        .filter_map(|t| t.query.as_ref())
        .map(|q| q.term_labels().count())
        .sum();
    let matches = topics::classify(&doc, &topics);
    println!(
        "article: {words} words, {} chars; {} topics with {total_terms} terms; {} topics match",
        body.chars().count(),
        topics.len(),
        matches.len()
    );

    let analysed = AnalyzedDocument::new(&doc);
    report("classify (analyse once + 100 topics)", || {
        black_box(topics::classify(black_box(&doc), &topics));
    });
    report("  of which: analyse the article", || {
        black_box(AnalyzedDocument::new(black_box(&doc)));
    });
    let doc_ru = Document {
        lang: Some("ru"),
        ..doc
    };
    report("  analyse, language given (no detection)", || {
        black_box(AnalyzedDocument::new(black_box(&doc_ru)));
    });
    report("  of which: evaluate 100 topics", || {
        black_box(topics::classify_analyzed(black_box(&analysed), &topics));
    });
    report("anchor: lowercase + split_whitespace", || {
        let lower = black_box(&body).to_lowercase();
        black_box(lower.split_whitespace().count());
    });
    report("anchor: whatlang detect on 1000 chars", || {
        let sample: String = body.chars().take(1000).collect();
        black_box(whatlang::detect_lang(&sample));
    });
    report("anchor: text::analyze (no index)", || {
        black_box(text::analyze(black_box(&body)));
    });
    Ok(())
}

/// CPU time (user + system) of this process, in clock ticks, from
/// /proc/self/stat. CPU time rather than wall time, because the machines
/// this runs on are shared and a loaded machine stretches wall time several
/// times over.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the ")" that closes the command name; utime and stime are
    // fields 14 and 15 of the whole line.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<u64>().ok());
    match (field(11), field(12)) {
        (Some(user), Some(system)) => user + system,
        _ => panic!("cannot read CPU time from /proc/self/stat: {stat:?}"),
    }
}

/// Ticks per second of /proc/self/stat (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// Runs `f` until it has used at least this many ticks of CPU time, so that
/// the 10 ms tick granularity is under 2 % of the measurement.
const MIN_TICKS: u64 = 60;

fn report(name: &str, mut f: impl FnMut()) {
    for _ in 0..20 {
        f();
    }
    let wall = Instant::now();
    let start = cpu_ticks();
    let mut n = 0u64;
    while cpu_ticks() - start < MIN_TICKS {
        for _ in 0..20 {
            f();
        }
        n += 20;
    }
    let cpu = (cpu_ticks() - start) as f64 / TICKS_PER_SECOND / n as f64;
    let wall = wall.elapsed().as_secs_f64() / n as f64;
    println!(
        "{name:<42} {:>8.1} µs CPU per article ({:.1} µs wall, {n} runs)",
        cpu * 1e6,
        wall * 1e6
    );
}

fn build_topics(docs: &[labeled_set::LabeledDoc], config: &str) -> Result<Vec<Topic>> {
    let mediation = std::fs::read_to_string(config)
        .ok()
        .and_then(|c| c.parse::<toml::Table>().ok())
        .and_then(|t| {
            t.get("topic")?.as_array()?.iter().find_map(|t| {
                (t.get("slug")?.as_str()? == "mediation")
                    .then(|| t.get("query")?.as_str().map(str::to_string))?
            })
        })
        .with_context(|| format!("{config} has no mediation topic"))?;
    let mut topics = vec![Topic::new(
        "mediation",
        "mediation",
        Query::parse(&mediation).map_err(|e| anyhow::anyhow!("{e}"))?,
    )];

    // Vocabulary: distinct lower-case words of 5+ letters, in set order.
    let mut vocab: Vec<String> = Vec::new();
    for d in docs {
        for w in text::split_words(&format!("{} {}", d.title, d.text)) {
            let w = text::fold(w.text);
            if w.chars().count() >= 5 && w.chars().all(char::is_alphabetic) && !vocab.contains(&w) {
                vocab.push(w);
            }
        }
    }
    // A small deterministic generator (xorshift) picks words.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut pick = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for i in 1..100 {
        let mut w = |k: usize| -> Vec<String> {
            (0..k).map(|_| vocab[pick(vocab.len())].clone()).collect()
        };
        let prefix = |s: &str| format!("{}*", s.chars().take(5).collect::<String>());
        let q = match i % 5 {
            0 => w(8).join(" "),
            1 => {
                let a = w(6);
                format!(
                    "{} {} \"{} {}\"~2 {}",
                    a[0],
                    prefix(&a[1]),
                    a[2],
                    a[3],
                    prefix(&a[4])
                )
            }
            2 => {
                let a = w(7);
                format!(
                    "({} OR {} OR {}) AND ({} OR {}) NOT ({} OR {})",
                    a[0],
                    prefix(&a[1]),
                    a[2],
                    a[3],
                    prefix(&a[4]),
                    a[5],
                    a[6]
                )
            }
            3 => {
                let a = w(5);
                format!(
                    "title:({} OR {})^2 text:\"{} {}\"~3 {}",
                    a[0],
                    a[1],
                    a[2],
                    a[3],
                    prefix(&a[4])
                )
            }
            _ => {
                let a = w(12);
                format!(
                    "\"{} {}\" OR ({} AND {}) OR {} {} {} {} {} {} lang:ru",
                    a[0],
                    a[1],
                    a[2],
                    a[3],
                    prefix(&a[4]),
                    a[5],
                    a[6],
                    prefix(&a[7]),
                    a[8],
                    a[9]
                )
            }
        };
        let query = Query::parse(&q).map_err(|e| anyhow::anyhow!("generated query {q:?}: {e}"))?;
        topics.push(Topic::new(format!("t{i}"), format!("t{i}"), query));
    }
    Ok(topics)
}

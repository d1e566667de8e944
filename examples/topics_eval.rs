//! Precision and recall of a topic on the labeled set in
//! tests/fixtures/topics (written for this project: on-topic "regional
//! conflict mediation" news in Russian, Kazakh and English, and traps).
//!
//!     cargo run --release --example topics_eval
//!     cargo run --release --example topics_eval -- --config config/feedsieve.toml --topic mediation --verbose
//!     cargo run --release --example topics_eval -- --query 'переговоры посредничество'
//!
//! The query is read from the config file's `[[topic]]` with the given slug
//! (so the numbers are those of the shipped topic), or given with --query.
//! A second table measures topic-by-example: a profile built from five
//! on-topic texts, evaluated on the other texts at several min_similarity
//! values. Numbers are recorded in BENCHMARKS.md.

#[path = "../tests/it/support/labeled_set.rs"]
mod labeled_set;

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use feedsieve::topics::{self, AnalyzedDocument, Document, MatchMode, Profile, Query, Topic};
use labeled_set::{LabeledDoc, Scores};

/// Examples for the topic-by-example measurement: three Russian, one
/// Kazakh, one English on-topic text (held out from its evaluation).
const EXAMPLE_IDS: [&str; 5] = ["ru-on-01", "ru-on-07", "ru-on-11", "kk-on-01", "en-on-02"];

fn main() -> Result<()> {
    let mut config = "config/feedsieve.toml".to_string();
    let mut slug = "mediation".to_string();
    let mut query_src: Option<String> = None;
    let mut verbose = false;
    let mut example_ids: Vec<String> = EXAMPLE_IDS.iter().map(|s| s.to_string()).collect();
    let mut background_from_set = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => config = args.next().context("--config needs a path")?,
            "--topic" => slug = args.next().context("--topic needs a slug")?,
            "--query" => query_src = Some(args.next().context("--query needs a query")?),
            "--verbose" | "-v" => verbose = true,
            "--examples" => {
                example_ids = args
                    .next()
                    .context("--examples needs ids, comma-separated")?
                    .split(',')
                    .map(str::to_string)
                    .collect()
            }
            "--no-background" => background_from_set = false,
            other => bail!("unknown argument {other:?}"),
        }
    }
    let (query_src, min_score) = match query_src {
        Some(q) => (q, None),
        None => topic_from_config(&config, &slug)?,
    };
    let query = Query::parse(&query_src).map_err(|e| anyhow::anyhow!("query: {e}"))?;
    let mut topic = Topic::new(&slug, &slug, query);
    topic.min_score = min_score;

    let docs = labeled_set::load().map_err(anyhow::Error::msg)?;
    let analyzed: Vec<AnalyzedDocument> = docs
        .iter()
        .map(|d| AnalyzedDocument::new(&document(d)))
        .collect();

    println!(
        "labeled set: {} texts ({} on-topic)",
        docs.len(),
        docs.iter().filter(|d| d.on_topic()).count()
    );
    println!("\nquery topic \"{slug}\" (min_score {min_score:?})");
    let mut total = Scores::default();
    let mut by_lang: BTreeMap<&str, Scores> = BTreeMap::new();
    let mut misses = Vec::new();
    for (d, a) in docs.iter().zip(&analyzed) {
        let matched = topic.matches(a).is_some();
        total.add(d.on_topic(), matched);
        by_lang
            .entry(d.lang())
            .or_default()
            .add(d.on_topic(), matched);
        if matched != d.on_topic() {
            misses.push((d, a));
        }
    }
    print_row("all", &total);
    for (lang, s) in &by_lang {
        print_row(lang, s);
    }
    for (d, a) in &misses {
        let kind = if d.on_topic() {
            "missed (false negative)"
        } else {
            "false positive"
        };
        println!(
            "  {kind}: {} {:?}{}",
            d.id,
            d.title,
            d.trap
                .as_deref()
                .map(|t| format!(" [trap: {t}]"))
                .unwrap_or_default()
        );
        if verbose {
            println!("{}", topics::explain_analyzed(a, &topic));
        }
    }

    // Topic by example.
    let example_docs: Vec<AnalyzedDocument> = example_ids
        .iter()
        .map(|id| {
            let d = docs
                .iter()
                .find(|d| d.id == *id)
                .with_context(|| format!("example {id} not in the set"))?;
            Ok(AnalyzedDocument::new(&document(d)))
        })
        .collect::<Result<_>>()?;
    let background: &[AnalyzedDocument] = if background_from_set { &analyzed } else { &[] };
    let profile = Profile::build(&example_docs, background).context("profile")?;
    println!(
        "\nexamples profile from {example_ids:?} (IDF over {}), evaluated on the other {} texts",
        if background_from_set {
            "the whole set"
        } else {
            "the examples only"
        },
        docs.len() - example_ids.len()
    );
    let mut by_example = topic.clone();
    by_example.query = None;
    by_example.examples = Some(profile);
    by_example.match_mode = MatchMode::Examples;
    for threshold in [0.05, 0.08, 0.10, 0.12, 0.15, 0.20, 0.25] {
        by_example.min_similarity = threshold;
        let mut s = Scores::default();
        for (d, a) in docs.iter().zip(&analyzed) {
            if example_ids.contains(&d.id) {
                continue;
            }
            s.add(d.on_topic(), by_example.matches(a).is_some());
        }
        print_row(&format!("min_similarity {threshold:.2}"), &s);
    }
    Ok(())
}

fn document(d: &LabeledDoc) -> Document<'_> {
    Document {
        title: &d.title,
        text: &d.text,
        source: &d.source,
        lang: None,
    }
}

fn print_row(name: &str, s: &Scores) {
    println!(
        "  {name:<22} precision {:.3}  recall {:.3}  (tp {} fp {} fn {} tn {})",
        s.precision(),
        s.recall(),
        s.true_positives,
        s.false_positives,
        s.false_negatives,
        s.true_negatives
    );
}

/// The query and min_score of the `[[topic]]` with `slug` in a config file.
fn topic_from_config(path: &str, slug: &str) -> Result<(String, Option<f64>)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let value: toml::Table = toml::from_str(&text).with_context(|| format!("parsing {path}"))?;
    let topics = value
        .get("topic")
        .and_then(|t| t.as_array())
        .with_context(|| format!("{path}: no [[topic]]"))?;
    for t in topics {
        if t.get("slug").and_then(|s| s.as_str()) == Some(slug) {
            let query = t
                .get("query")
                .and_then(|q| q.as_str())
                .with_context(|| format!("{path}: topic {slug} has no query"))?;
            let min_score = t
                .get("min_score")
                .and_then(|m| m.as_float().or_else(|| m.as_integer().map(|i| i as f64)));
            return Ok((query.to_string(), min_score));
        }
    }
    bail!("{path}: no topic with slug {slug:?}")
}

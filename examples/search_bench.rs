//! Benchmark: the search index — how fast it is (re)built, what it costs in
//! disk space, and how fast `feedsieve search` answers.
//!
//!     cargo run --release --example search_bench [-- ARTICLES]
//!
//! A database of ARTICLES articles (default 20000) is made with the real
//! schema (`Store::open`) from the texts of the labeled set in
//! tests/fixtures/topics (92 short news texts, Russian, Kazakh, English),
//! each article one of those texts plus a numbered sentence, so no two are
//! identical. Then:
//!
//! - rebuild: the index is emptied and rebuilt through
//!   `Store::reindex_search_step`, as after an upgrade (articles/s);
//! - size: the database before and after the index is built;
//! - queries: `Store::search` for Russian word forms, a phrase, a prefix
//!   and an exclusion, 20 hits, best match first and newest first (median
//!   of 50 runs each);
//! - finding every match: counting the articles with any form of
//!   «переговоры» through the index, against the anchor measured in the
//!   same run, the query a database without an index runs:
//!   `text LIKE '%переговор%'`, a scan of every text (which also misses
//!   forms whose stem differs and finds the substring inside other words).

#[allow(dead_code)]
#[path = "../tests/it/support/labeled_set.rs"]
mod labeled_set;

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use feedsieve::search::Query;
use feedsieve::store::{IndexState, SearchOrder, Store};

/// Labeled texts per benchmark article.
const PER_ARTICLE: usize = 12;

fn main() -> Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()
        .context("ARTICLES must be a number")?
        .unwrap_or(20_000);
    let docs = labeled_set::load().map_err(anyhow::Error::msg)?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let words: usize = docs.iter().map(|d| d.text.split_whitespace().count()).sum();
    println!(
        "{n} articles of {PER_ARTICLE} texts each, from {} texts ({} words per article on average)",
        docs.len(),
        words * PER_ARTICLE / docs.len()
    );

    {
        let _schema = Store::open(&path)?;
        let mut conn = rusqlite::Connection::open(&path)?;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO sources (id, name, url) VALUES (1, 'Bench', 'https://bench.example/rss')",
            [],
        )?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO articles (source_id, entry_key, title, html, text, published_at,
                     updated_at, fetched_at, extraction)
                 VALUES (1, ?1, ?2, '', ?3, ?4, ?4, ?4, 'feed')",
            )?;
            for i in 0..n {
                // PER_ARTICLE consecutive texts make one article of about
                // the length of a Kazinform or Tengrinews piece.
                let d = &docs[i % docs.len()];
                let mut text = String::new();
                for k in 0..PER_ARTICLE {
                    text.push_str(&docs[(i + k) % docs.len()].text);
                    text.push_str("\n\n");
                }
                text.push_str(&format!("Сообщение номер {i}."));
                insert.execute(rusqlite::params![
                    format!("k{i}"),
                    d.title,
                    text,
                    1_700_000_000 + i as i64
                ])?;
            }
        }
        // Articles inserted behind the store's back: have the next open
        // treat the index as stale and rebuild it, as after an upgrade.
        tx.execute(
            "UPDATE store_meta SET value = 'bench-old' WHERE key = 'search_analyzer'",
            [],
        )?;
        tx.commit()?;
    }
    let size = |store: &Store| -> Result<u64> { Ok(store.database_stats()?.bytes) };

    let store = Store::open(&path)?;
    let before = size(&store)?;
    let started = Instant::now();
    let mut steps = 0;
    while store.reindex_search_step()? != IndexState::Complete {
        steps += 1;
    }
    let rebuild = started.elapsed();
    let after = size(&store)?;
    println!(
        "rebuild: {:.2} s for {n} articles in {steps} steps = {:.0} articles/s",
        rebuild.as_secs_f64(),
        n as f64 / rebuild.as_secs_f64()
    );
    println!(
        "size: {:.1} MiB without the index, {:.1} MiB with it (+{:.0}%)",
        mib(before),
        mib(after),
        (after as f64 / before as f64 - 1.0) * 100.0
    );

    println!("queries: median of 50 runs, 20 hits, best match first / newest first");
    for q in [
        "переговоры",
        "переговорах",
        "\"мирные переговоры\"",
        "посредни*",
        "переговоры -футбол",
    ] {
        let query = Query::parse(q)?;
        let hits = store
            .search(&query, None, SearchOrder::Relevance, 20)?
            .len();
        let best = median(50, || {
            store
                .search(&query, None, SearchOrder::Relevance, 20)
                .map(drop)
        })?;
        let newest = median(50, || {
            store
                .search(&query, None, SearchOrder::Newest, 20)
                .map(drop)
        })?;
        println!(
            "  {q:<24} {:>8.2} ms / {:>8.2} ms  ({hits} hits)",
            ms(best),
            ms(newest)
        );
    }

    // Finding every match: the index against a scan of every text.
    let conn = rusqlite::Connection::open(&path)?;
    let count = |sql: &str| -> Result<(i64, Duration)> {
        let mut stmt = conn.prepare(sql)?;
        let n = stmt.query_row([], |r| r.get::<_, i64>(0))?;
        let t = median(50, || stmt.query_row([], |r| r.get::<_, i64>(0)).map(drop))?;
        Ok((n, t))
    };
    let (indexed, t_index) =
        count("SELECT count(*) FROM article_search WHERE article_search MATCH '\"переговор\"'")?;
    let (scanned, t_scan) = count("SELECT count(*) FROM articles WHERE text LIKE '%переговор%'")?;
    println!("counting every match of «переговоры» (median of 50):");
    println!(
        "  index, any form:                 {:>8.2} ms  ({indexed} articles)",
        ms(t_index)
    );
    println!(
        "  anchor: LIKE '%переговор%' scan  {:>8.2} ms  ({scanned} articles contain the substring)",
        ms(t_scan)
    );
    Ok(())
}

fn median<E>(runs: usize, mut f: impl FnMut() -> Result<(), E>) -> Result<Duration>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok(times[runs / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

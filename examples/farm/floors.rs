//! The hardware's floors: what the libraries feedsieve is built on cost per
//! article, each measured alone, single-threaded, on the farm's own bytes.
//!
//! Runs in a child process (`farm floors …`) so that the reqwest floor's CPU
//! time is the client's alone: the farm serving the pages is the parent.
//! Each floor is the least any Rust pipeline of this shape pays per article:
//!
//! - feed-rs: parsing the feed documents, divided by their items;
//! - html5ever: building the DOM of a page (`scraper::Html::parse_document`,
//!   what feedsieve's extraction starts from), after decoding it;
//! - reqwest: fetching a page over loopback HTTP/1.1 with keep-alive,
//!   16 at a time on one thread, body read into memory;
//! - SQLite: inserting the article row (its text and HTML, ~6 + 7 KB) into
//!   a table shaped like feedsieve's, one transaction per feed's items, WAL,
//!   `synchronous = NORMAL` — as feedsieve's store does.
//!
//! Their sum is the CPU floor of "fetch, parse, store" per article; its
//! inverse is the most articles per second one core could ingest without
//! extraction, dedupe or classification, which the end-to-end number is
//! compared with.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use crate::farm::{Charset, Farm, Spec};
use crate::measure::self_cpu;

/// Cost of one floor.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Floor {
    pub name: String,
    /// Articles the measurement covered.
    pub articles: usize,
    pub cpu_ms_per_article: f64,
    pub wall_ms_per_article: f64,
}

/// Times `f` (which handles `articles` articles), repeating it until at
/// least half a second of CPU has been spent, to rise above timer noise.
fn floor(name: &str, articles: usize, mut f: impl FnMut()) -> Floor {
    let (cpu0, wall0) = (self_cpu(), Instant::now());
    let mut reps = 0;
    while reps == 0 || self_cpu() - cpu0 < Duration::from_millis(500) {
        f();
        reps += 1;
    }
    let n = (articles * reps) as f64;
    Floor {
        name: name.to_string(),
        articles: articles * reps,
        cpu_ms_per_article: (self_cpu() - cpu0).as_secs_f64() * 1e3 / n,
        wall_ms_per_article: wall0.elapsed().as_secs_f64() * 1e3 / n,
    }
}

/// Measures the four floors over the farm of `spec` served on `port`.
pub fn run(spec: Spec, port: u16, sample: usize) -> anyhow::Result<Vec<Floor>> {
    let farm = Farm::new(spec, port);
    let items = farm.spec.items;
    let feeds: Vec<_> = farm.outlets.iter().map(|o| farm.feed(o)).collect();
    // A sample of pages spread over every outlet: enough for a stable mean.
    let per_outlet = (sample / farm.outlets.len()).clamp(1, items);
    let mut pages = Vec::new();
    let mut urls = Vec::new();
    for o in &farm.outlets {
        for j in 0..per_outlet {
            pages.push((farm.page(o, j), o.charset));
            urls.push(o.page_url(j));
        }
    }
    let mut out = Vec::new();

    out.push(floor("feed-rs parse", feeds.len() * items, || {
        for f in &feeds {
            let parsed = feed_rs::parser::parse(f.as_ref());
            std::hint::black_box(parsed.map(|p| p.entries.len()).unwrap_or(0));
        }
    }));

    let decoded: Vec<String> = pages.iter().map(|(b, c)| decode(b, *c)).collect();
    out.push(floor("charset decode", pages.len(), || {
        for (b, c) in &pages {
            std::hint::black_box(decode(b, *c).len());
        }
    }));
    out.push(floor("html5ever parse", decoded.len(), || {
        for html in &decoded {
            let doc = scraper::Html::parse_document(html);
            std::hint::black_box(doc.tree.nodes().count());
        }
    }));

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder().build()?;
    out.push(floor("reqwest fetch", urls.len(), || {
        rt.block_on(async {
            let bodies = futures_util::stream::iter(&urls)
                .map(|u| {
                    let client = &client;
                    async move {
                        match client.get(u.as_str()).send().await {
                            Ok(r) => r.bytes().await.map(|b| b.len()).unwrap_or(0),
                            Err(_) => 0,
                        }
                    }
                })
                .buffer_unordered(16)
                .collect::<Vec<_>>()
                .await;
            std::hint::black_box(bodies);
        });
    }));

    let dir = tempfile::tempdir()?;
    let rows: Vec<(String, String)> = farm
        .outlets
        .iter()
        .take(4)
        .flat_map(|o| (0..items).map(move |j| (o, j)))
        .map(|(o, j)| {
            let a = farm.article(o, j);
            let text = a.paragraphs.join("\n\n");
            let html = a
                .paragraphs
                .iter()
                .map(|p| format!("<p>{p}</p>"))
                .collect::<String>();
            (text, html)
        })
        .collect();
    let db = sqlite_floor_db(&dir.path().join("floor.db"))?;
    let mut next_key = 0u64;
    out.push(floor("SQLite batched insert", farm.total_items(), || {
        if let Err(e) = sqlite_insert(&db, &rows, items, farm.total_items(), &mut next_key) {
            eprintln!("sqlite floor: {e}");
        }
    }));
    Ok(out)
}

fn decode(body: &[u8], charset: Charset) -> String {
    match charset {
        Charset::Utf8 => String::from_utf8_lossy(body).into_owned(),
        Charset::Cp1251Declared | Charset::Cp1251InDocument => encoding_rs::WINDOWS_1251
            .decode_without_bom_handling(body)
            .0
            .into_owned(),
    }
}

fn sqlite_floor_db(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    let db = rusqlite::Connection::open(path)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "NORMAL")?;
    // The shape of feedsieve's articles table (migrations/0001_init.sql):
    // the same columns, the same unique key and indexes.
    db.execute_batch(
        "CREATE TABLE articles (
             id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, entry_key TEXT NOT NULL,
             url TEXT, canonical_url TEXT, title TEXT NOT NULL, author TEXT, summary TEXT,
             html TEXT NOT NULL, text TEXT NOT NULL, lang TEXT, published_at INTEGER NOT NULL,
             updated_at INTEGER NOT NULL, fetched_at INTEGER NOT NULL, extraction TEXT NOT NULL,
             extraction_error TEXT, UNIQUE (source_id, entry_key));
         CREATE INDEX articles_by_published ON articles (published_at DESC, id DESC);
         CREATE INDEX articles_by_canonical_url ON articles (canonical_url);",
    )?;
    Ok(db)
}

fn sqlite_insert(
    db: &rusqlite::Connection,
    rows: &[(String, String)],
    batch: usize,
    total: usize,
    next_key: &mut u64,
) -> rusqlite::Result<()> {
    let mut done = 0;
    while done < total {
        let tx = db.unchecked_transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO articles (source_id, entry_key, url, canonical_url, title, author,
                     summary, html, text, lang, published_at, updated_at, fetched_at, extraction)
                 VALUES (?1, ?2, ?3, ?3, ?4, 'Author', ?5, ?6, ?7, 'ru', ?8, ?8, ?8, 'extracted')
                 ON CONFLICT (source_id, entry_key) DO NOTHING",
            )?;
            for _ in 0..batch.min(total - done) {
                let k = *next_key;
                *next_key += 1;
                let (text, html) = &rows[k as usize % rows.len()];
                let url = format!("http://127.1.0.1/news/{k}.html");
                insert.execute(rusqlite::params![
                    (k / batch as u64) as i64,
                    format!("key-{k}"),
                    url,
                    format!("Title {k}"),
                    &text[..text.floor_char_boundary(300)],
                    html,
                    text,
                    1_740_000_000 + k as i64,
                ])?;
                done += 1;
            }
        }
        tx.commit()?;
    }
    Ok(())
}

//! What compressing a feed document costs, per coding: the reason feeds
//! are compressed once per document (`publish::rendered`) instead of once
//! per response by a middleware.
//!
//!     ROUNDS=0 bench/serve.sh    # writes target/bench/serve-feed.atom
//!     cargo run --release --example serve_compress -- target/bench/serve-feed.atom

use std::time::Instant;

use feedsieve::publish::{Coding, Rendered};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: serve_compress FEED_FILE"))?;
    let body = std::fs::read(&path)?;
    println!("{path}: {} bytes", body.len());
    for (name, coding, rounds) in [
        ("gzip (level 6)", Coding::Gzip, 50),
        ("brotli (quality 6)", Coding::Brotli, 50),
    ] {
        let mut size = 0;
        let started = Instant::now();
        for _ in 0..rounds {
            // A fresh document each time: `encode` keeps its first result.
            let doc = Rendered::new(body.clone(), "application/atom+xml", chrono::Utc::now());
            size = doc.encode(coding).len();
        }
        let each = started.elapsed().as_secs_f64() / f64::from(rounds);
        println!(
            "{name}: {size} bytes, {:.1} ms per document, at most {:.0} compressions/s per core",
            each * 1000.0,
            1.0 / each
        );
    }
    Ok(())
}

//! Extraction benchmark: runs `feedsieve::extract::article` over the pages of
//! `../shared/bench/extraction` (ScrapingHub's and Readability's test sets),
//! writes one `<page_id>.txt` per page for that folder's `score.py`, and
//! times it against a bare `scraper::Html::parse_document` of the same pages
//! in the same run (the anchor the targets are stated against).
//!
//! ```sh
//! cargo run --release --example extract_bench -- /work/shared/bench/extraction
//! cargo run --release --example extract_bench --features bench-anchors -- /work/shared/bench/extraction
//! ```
//!
//! Options: `--out DIR` (default `target/extract-bench`), `--repeat N`
//! (timing rounds, default 5), `--set NAME`, `--only ID` (one page, by id
//! or its first characters: prints
//! how its content was chosen and its text), `--no-score` (skip score.py).
//!
//! Timing: the extractors run one after the other on each page, round after
//! round, on one thread. A page's time is its fastest round, in wall time
//! and in thread CPU time; CPU time leaves out the waits for a core that
//! dominate wall-clock noise when other work shares the machine. Reported:
//! the mean over pages, and the ratio to the bare parse of the same pages.
//! With the `bench-anchors` feature, dom_smoothie (a Rust port of
//! Readability.js) runs in the same loop as a second anchor.
//!
//! Pages are decoded as the README of the benchmark requires: every file is
//! stored as UTF-8 (some declare gbk in a `<meta>` but are not), so a BOM is
//! honoured and everything else is read as UTF-8; charset sniffing belongs
//! to feedsieve's fetch stage, which this does not measure.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use feedsieve::extract;
use url::Url;

struct Page {
    set: String,
    id: String,
    url: Url,
    html: String,
}

struct Args {
    bench: PathBuf,
    out: PathBuf,
    repeat: usize,
    set: Option<String>,
    only: Option<String>,
    score: bool,
}

fn parse_args() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let mut a = Args {
        bench: PathBuf::new(),
        out: PathBuf::from("target/extract-bench"),
        repeat: 5,
        set: None,
        only: None,
        score: true,
    };
    let mut bench = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => a.out = args.next().context("--out DIR")?.into(),
            "--repeat" => a.repeat = args.next().context("--repeat N")?.parse()?,
            "--set" => a.set = Some(args.next().context("--set NAME")?),
            "--only" => a.only = Some(args.next().context("--only ID")?),
            "--no-score" => a.score = false,
            s if s.starts_with("--") => bail!("unknown option {s}"),
            s => bench = Some(PathBuf::from(s)),
        }
    }
    a.bench = bench.context("usage: extract_bench BENCH_DIR [--out DIR] [--repeat N] [--set NAME] [--only ID] [--no-score]")?;
    a.repeat = a.repeat.max(1);
    Ok(a)
}

fn load(bench: &Path, set: Option<&str>, only: Option<&str>) -> Result<Vec<Page>> {
    let manifest = fs::read_to_string(bench.join("manifest.tsv")).context("manifest.tsv")?;
    let mut lines = manifest.lines();
    let head: Vec<&str> = lines
        .next()
        .context("empty manifest")?
        .split('\t')
        .collect();
    let col = |name: &str| {
        head.iter()
            .position(|h| *h == name)
            .context(name.to_string())
    };
    let (c_set, c_id, c_html, c_url) = (col("set")?, col("id")?, col("html")?, col("url")?);
    let mut pages = Vec::new();
    for line in lines {
        let f: Vec<&str> = line.split('\t').collect();
        if set.is_some_and(|s| s != f[c_set]) || only.is_some_and(|o| !f[c_id].starts_with(o)) {
            continue;
        }
        let path = bench.join(f[c_html]);
        let mut bytes = fs::read(&path).with_context(|| path.display().to_string())?;
        if f[c_html].ends_with(".gz") {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out)?;
            bytes = out;
        }
        let (html, _, _) = encoding_rs::UTF_8.decode(&bytes);
        // Readability's test pages have no URL; they were written for
        // http://fakehost/test/page.html.
        let url = Url::parse(f.get(c_url).copied().unwrap_or(""))
            .or_else(|_| Url::parse("http://fakehost/test/page.html"))?;
        pages.push(Page {
            set: f[c_set].to_string(),
            id: f[c_id].to_string(),
            url,
            html: html.into_owned(),
        });
    }
    Ok(pages)
}

/// CPU time this thread has used. Unlike wall time it does not grow while
/// the thread waits for a core, which on a shared 2-core machine is most of
/// the noise in wall-clock numbers.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer;
    // CLOCK_THREAD_CPUTIME_ID exists on every Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// What one extractor produced and how fast, per page.
struct Run {
    name: &'static str,
    /// Fastest wall time and fastest thread CPU time over the rounds.
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
    text: Vec<String>,
}

impl Run {
    fn new(name: &'static str, n: usize) -> Run {
        Run {
            name,
            wall: vec![Duration::MAX; n],
            cpu: vec![Duration::MAX; n],
            text: vec![String::new(); n],
        }
    }
    fn time(&mut self, i: usize, f: impl FnOnce() -> Option<String>) {
        let (t, c) = (Instant::now(), thread_cpu_time());
        let out = f();
        let (dt, dc) = (t.elapsed(), thread_cpu_time() - c);
        self.wall[i] = self.wall[i].min(dt);
        self.cpu[i] = self.cpu[i].min(dc);
        if let Some(s) = out {
            self.text[i] = s;
        }
    }
}

#[cfg(feature = "bench-anchors")]
fn dom_smoothie(html: &str, url: &Url) -> String {
    let Ok(mut r) = dom_smoothie::Readability::new(html, Some(url.as_str()), None) else {
        return String::new();
    };
    r.parse()
        .map(|a| a.text_content.to_string())
        .unwrap_or_default()
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let pages = load(&args.bench, args.set.as_deref(), args.only.as_deref())?;
    if pages.is_empty() {
        bail!("no pages");
    }
    let n = pages.len();
    let rules = extract::Rules::none();
    let mut parse = Run::new("bare scraper::Html::parse_document", n);
    let mut ours = Run::new("feedsieve extract::article", n);
    #[cfg(feature = "bench-anchors")]
    let mut smoothie = Run::new("dom_smoothie 0.19 (Readability.js port)", n);
    for _ in 0..args.repeat {
        for (i, p) in pages.iter().enumerate() {
            parse.time(i, || {
                let doc = scraper::Html::parse_document(&p.html);
                drop(std::hint::black_box(doc));
                None
            });
            ours.time(i, || {
                let a = extract::article(&p.html, &p.url, &rules);
                Some(a.map(|a| a.text).unwrap_or_default())
            });
            #[cfg(feature = "bench-anchors")]
            smoothie.time(i, || Some(dom_smoothie(&p.html, &p.url)));
        }
    }
    if let Some(only) = &args.only {
        println!(
            "{}\n{}",
            only,
            extract::explain(&pages[0].html, &pages[0].url)
        );
        println!("---\n{}", ours.text[0]);
        if let Ok(a) = extract::article(&pages[0].html, &pages[0].url, &rules) {
            println!(
                "---\ntitle: {:?}\nauthor: {:?}\npublished: {:?}\nlead_image: {:?}\nlang: {:?}\nhtml bytes: {}",
                a.title,
                a.author,
                a.published,
                a.lead_image.map(|u| u.to_string()),
                a.lang,
                a.html.len()
            );
        }
        return Ok(());
    }

    #[allow(unused_mut)]
    let mut runs = vec![&parse, &ours];
    #[cfg(feature = "bench-anchors")]
    runs.push(&smoothie);
    let sets: Vec<String> = {
        let mut s: Vec<String> = pages.iter().map(|p| p.set.clone()).collect();
        s.dedup();
        s
    };
    println!(
        "{} pages, {} rounds; per page the fastest round, parse included",
        n, args.repeat
    );
    println!(
        "{:<42}{:>12}{:>10}{:>9}{:>10}{:>9}",
        "", "set", "wall ms", "× parse", "cpu ms", "× parse"
    );
    for set in sets.iter().map(Some).chain([None]) {
        let idx: Vec<usize> = (0..n)
            .filter(|&i| set.is_none_or(|s| *s == pages[i].set))
            .collect();
        let mean = |d: &[Duration]| {
            idx.iter().map(|&i| d[i].as_secs_f64()).sum::<f64>() * 1e3 / idx.len() as f64
        };
        let (base_wall, base_cpu) = (mean(&parse.wall), mean(&parse.cpu));
        for r in &runs {
            let (w, c) = (mean(&r.wall), mean(&r.cpu));
            println!(
                "{:<42}{:>12}{:>10.3}{:>9.2}{:>10.3}{:>9.2}",
                r.name,
                set.map(String::as_str).unwrap_or("all"),
                w,
                w / base_wall,
                c,
                c / base_cpu
            );
        }
    }

    #[allow(unused_mut)]
    let mut scored = vec![("feedsieve", &ours)];
    #[cfg(feature = "bench-anchors")]
    scored.push(("dom_smoothie", &smoothie));
    for (dir, run) in scored {
        let out = args.out.join(dir);
        fs::create_dir_all(&out)?;
        for (i, p) in pages.iter().enumerate() {
            fs::write(out.join(format!("{}.txt", p.id)), &run.text[i])?;
        }
        if args.score {
            for set in &sets {
                println!("\n{} on {set}:", run.name);
                let status = Command::new("python3")
                    .arg(args.bench.join("score.py"))
                    .args(["--set", set, "--pred"])
                    .arg(&out)
                    .status()
                    .context("running python3 score.py")?;
                if !status.success() {
                    bail!("score.py failed");
                }
            }
        }
    }
    Ok(())
}

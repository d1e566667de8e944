//! Runs the shared input corpus through fetch + parse, and the hostile
//! server's live cases through whole refreshes. Needs `../shared` (the
//! corpus) and python3; it is a harness for CORPUS.md, not a test.
//!
//!     cargo run --release --example corpus -- [../shared/corpus] [results.tsv]
//!
//! 1. Starts `hostile/gen/hostile-server.py` on loopback (with its canary).
//! 2. Every file listed in EXPECTED.tsv is fetched from the server's
//!    `/static/` route by the real `Fetcher` (guard on, only the server's
//!    origin exempt), decoded, and parsed by `parse::entries`; its entry
//!    count and title are compared with feedparser's. One line per file goes
//!    to `results.tsv`.
//! 3. The live hostile endpoints (bombs, slow and endless bodies, redirect
//!    loops, SSRF canary feed, 100 000-item feeds…) become sources of one
//!    temporary daemon, next to a well-behaved source, and one `fetch` pass
//!    runs over all of them. Each outcome is printed; the canary's hit count
//!    must be 0 and the well-behaved source must succeed.
//!
//! Peak memory is the process's VmHWM (Linux), read after each phase.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use feedsieve::config::Config;
use feedsieve::fetch::charset::{self, DocumentKind, Hints};
use feedsieve::fetch::{FeedResponse, Fetcher};
use feedsieve::model::Validators;
use feedsieve::parse;
use feedsieve::refresh::Outcome;
use url::Url;

struct Server {
    child: Child,
    base: String,
    canary_port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only the child this harness started.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(corpus: &Path) -> anyhow::Result<Server> {
    let canary_port = free_port()?;
    let mut child = Command::new("python3")
        .arg(corpus.join("hostile/gen/hostile-server.py"))
        .args(["--port", "0", "--canary-port", &canary_port.to_string()])
        .args(["--max-seconds", "1200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start hostile-server.py")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let base = line
        .split_whitespace()
        .nth(1)
        .filter(|_| line.starts_with("READY"))
        .with_context(|| format!("unexpected first line {line:?}"))?
        .to_string();
    Ok(Server {
        child,
        base,
        canary_port,
    })
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn config_text(server: &Server, extra: &str) -> String {
    let origin = server.base.trim_start_matches("http://");
    format!(
        "[fetch]\ntimeout = \"10s\"\nhost_delay = \"0s\"\nper_host = 8\nconnections = 16\n\
         concurrency = 16\nallow_private_origins = [\"{origin}\"]\n{extra}\n"
    )
}

struct Expected {
    entries: usize,
    title: String,
    bozo: bool,
}

fn expected(corpus: &Path) -> anyhow::Result<BTreeMap<String, Expected>> {
    let text = std::fs::read_to_string(corpus.join("EXPECTED.tsv"))?;
    let mut rows = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 4 {
            continue;
        }
        rows.insert(
            cols[0].to_string(),
            Expected {
                bozo: cols[1] == "1",
                entries: cols[2].parse()?,
                title: cols[3].to_string(),
            },
        );
    }
    Ok(rows)
}

fn normalise(title: &str) -> String {
    title.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let corpus = PathBuf::from(args.next().unwrap_or_else(|| "../shared/corpus".into()));
    let results_path = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/corpus-results.tsv".into()),
    );
    let server = start_server(&corpus)?;
    println!(
        "hostile server {} canary port {}",
        server.base, server.canary_port
    );

    // Phase 1: the static corpus through Fetcher + parse.
    // The item cap is raised so that counts compare with feedparser's,
    // which has none; the daemon's default is 500.
    let config = Config::from_str(
        &config_text(&server, "max_items = 100000"),
        Path::new("corpus.toml"),
    )?;
    let fetcher = Fetcher::new(&config.fetch)?;
    let options = parse::Options {
        max_items: config.fetch.max_items,
        utc_offset: chrono::Offset::fix(&chrono::Utc),
    };
    let rows = expected(&corpus)?;
    let mut out = String::from(
        "file\texpected\tgot\tsame_count\tsame_title\tcharset\tdecided_by\tms\tresult\n",
    );
    let (mut same, mut total, mut titles_same, mut titled) = (0, 0, 0, 0);
    let started = Instant::now();
    for (file, want) in &rows {
        let url = Url::parse(&format!("{}/static/{file}", server.base))?;
        let t = Instant::now();
        let (got, title, charset, decided, result) =
            match fetcher.feed(&url, &Validators::default(), None).await {
                Ok(FeedResponse::Fetched(feed)) => {
                    let charset = feed.text.charset.name().to_string();
                    let decided = format!("{:?}", feed.text.decided_by);
                    match parse::entries(&feed.text.text, &feed.url, &options) {
                        Ok(parsed) => (
                            parsed.entries.len(),
                            parsed.title.unwrap_or_default(),
                            charset,
                            decided,
                            "ok".to_string(),
                        ),
                        Err(e) => (
                            0,
                            String::new(),
                            charset,
                            decided,
                            format!("parse error: {e}"),
                        ),
                    }
                }
                Ok(FeedResponse::NotModified { .. }) => {
                    (0, String::new(), String::new(), String::new(), "304".into())
                }
                Err(e) => (
                    0,
                    String::new(),
                    String::new(),
                    String::new(),
                    format!("fetch error: {e}"),
                ),
            };
        let ms = t.elapsed().as_millis();
        total += 1;
        let same_count = got == want.entries;
        same += usize::from(same_count);
        let same_title = normalise(&title) == normalise(&want.title);
        if !want.bozo && !want.title.is_empty() {
            titled += 1;
            titles_same += usize::from(same_title);
        }
        let result = result.replace(['\t', '\n'], " ");
        let title = normalise(&title).replace('\t', " ");
        out.push_str(&format!(
            "{file}\t{}\t{got}\t{same_count}\t{same_title}\t{charset}\t{decided}\t{ms}\t{result}\t{title}\n",
            want.entries
        ));
    }
    std::fs::write(&results_path, &out)?;
    println!(
        "static corpus: {same}/{total} files give feedparser's entry count; \
         {titles_same}/{titled} bozo=0 titles equal; {:.1} s; peak RSS {:.0} MiB; details in {}",
        started.elapsed().as_secs_f64(),
        peak_rss_mib(),
        results_path.display()
    );

    // Phase 1b: decode + parse time against feed-rs alone on the same
    // bytes (the anchor), in process, no HTTP; each file five times.
    let (mut ours, mut anchor) = (Duration::ZERO, Duration::ZERO);
    let mut anchor_panics = std::collections::BTreeSet::new();
    // feed-rs alone panics on some raw inputs (that is one of the findings);
    // keep the default hook from printing a backtrace for each.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for file in rows.keys() {
        let bytes = std::fs::read(corpus.join(file))?;
        let url = Url::parse(&format!("{}/static/{file}", server.base))?;
        for _ in 0..5 {
            let t = Instant::now();
            let decoded = charset::decode(&bytes, DocumentKind::Feed, &Hints::default());
            let _ = std::hint::black_box(parse::entries(&decoded.text, &url, &options));
            ours += t.elapsed();
            let t = Instant::now();
            let raw = std::panic::catch_unwind(|| feed_rs::parser::parse(bytes.as_slice()).is_ok());
            anchor += t.elapsed();
            if raw.is_err() {
                anchor_panics.insert(file.clone());
            }
        }
    }
    std::panic::set_hook(hook);
    println!("feed-rs alone panicked on: {anchor_panics:?}");
    println!(
        "decode + parse of all {} files ×5: feedsieve {:.0} ms, feed-rs alone (anchor) {:.0} ms",
        rows.len(),
        ours.as_secs_f64() * 1000.0,
        anchor.as_secs_f64() * 1000.0
    );

    // Phase 2: live hostile endpoints as sources of one daemon pass.
    // The server builds each gzip bomb once (10 GiB takes it a minute or
    // more) before it answers; build them now, so the pass measures
    // feedsieve's cap and not the server's compressor against the timeout.
    let warm = reqwest::Client::builder()
        .no_gzip()
        .timeout(std::time::Duration::from_secs(600))
        .build()?;
    for size in ["1G", "10G"] {
        let t = Instant::now();
        let response = warm
            .get(format!("{}/gzip-bomb.rss?size={size}", server.base))
            .send()
            .await?;
        println!(
            "gzip bomb {size}: {} compressed bytes, built by the server in {:.0} s",
            response.content_length().unwrap_or(0),
            t.elapsed().as_secs_f64()
        );
    }
    let dir = tempfile::tempdir()?;
    let live = [
        ("gzip-bomb-1G", "/gzip-bomb.rss?size=1G", false),
        ("gzip-bomb-10G", "/gzip-bomb.rss?size=10G", false),
        ("slow", "/slow.rss", false),
        ("stall", "/stall", false),
        ("endless", "/endless.rss", false),
        ("huge-length", "/huge-length.rss", false),
        (
            "many-items-rss",
            "/many-items.rss?n=100000&dup-every=0",
            false,
        ),
        (
            "many-items-atom",
            "/many-items.atom?n=100000&dup-every=0",
            false,
        ),
        (
            "many-items-json",
            "/many-items.json?n=100000&dup-every=0",
            false,
        ),
        (
            "many-items-dups",
            "/many-items.rss?n=20000&dup-every=3",
            false,
        ),
        ("redirect-loop", "/redirect-loop", false),
        ("redirect-chain-30", "/redirect-chain?n=30", false),
        ("redirect-to-canary", "/redirect-to-canary", false),
        ("redirect-to-file", "/redirect-to-file", false),
        ("ssrf-canary", "/ssrf-canary.rss", true),
        ("cp1251-as-utf8", "/cp1251-as-utf8.rss", false),
        ("wrong-type", "/wrong-type.rss", false),
        ("html-instead", "/html-instead.rss", false),
        (
            "billion-laughs",
            "/static/hostile/billion-laughs.xml",
            false,
        ),
        (
            "quadratic-blowup",
            "/static/hostile/quadratic-blowup.xml",
            false,
        ),
        ("xxe-file", "/static/hostile/xxe-file.xml", false),
        ("xxe-network", "/static/hostile/xxe-network.xml", false),
        (
            "deep-nesting-xml",
            "/static/hostile/deep-nesting-10k.xml",
            false,
        ),
        (
            "deep-nesting-json",
            "/static/hostile/deep-nesting-10k.json",
            false,
        ),
        (
            "deep-html-nesting",
            "/static/hostile/deep-html-nesting-10k.xml",
            false,
        ),
        ("invalid-utf8", "/static/hostile/invalid-utf8.xml", false),
        ("odd-dates-ru", "/static/hostile/odd-dates-ru.xml", false),
        (
            "odd-dates-ru-cp1251",
            "/static/hostile/odd-dates-ru-cp1251.xml",
            false,
        ),
        ("xss-rss", "/static/hostile/xss.rss", false),
        ("xss-atom", "/static/hostile/xss.atom", false),
        ("xss-json", "/static/hostile/xss.json", false),
        (
            "well-behaved",
            "/static/feeds/miniflux/parser/encoding_WINDOWS-1251.xml",
            false,
        ),
    ];
    let mut text = config_text(&server, "max_items = 500\nmax_redirects = 10");
    text.push_str(&format!(
        "[store]\npath = \"{}\"\n",
        dir.path().join("corpus.db").display()
    ));
    for (name, route, full_text) in &live {
        text.push_str(&format!(
            "[[source]]\nname = \"{name}\"\nurl = \"{}{route}\"\nfull_text = {full_text}\n",
            server.base
        ));
    }
    let path = dir.path().join("feedsieve.toml");
    std::fs::write(&path, &text)?;
    let config = Config::load(&path)?;
    let pipeline = feedsieve::daemon::pipeline(&config)?;
    let started = Instant::now();
    let mut reports = feedsieve::daemon::fetch_all(&pipeline, &config).await;
    let elapsed = started.elapsed();
    reports.sort_by(|a, b| a.source.cmp(&b.source));
    for r in &reports {
        let line = match &r.outcome {
            Outcome::NotModified => "not modified".to_string(),
            Outcome::Updated {
                entries,
                saved,
                extraction_failures,
            } => format!(
                "ok: {entries} entries, {} new, {extraction_failures} extraction failures",
                saved.new
            ),
            Outcome::Failed { error, .. } => format!("FAILED: {error}"),
            Outcome::Gone { error } => format!("GONE: {error}"),
        };
        println!("  {:<22} {line}", r.source);
    }
    let well = reports
        .iter()
        .find(|r| r.source == "well-behaved")
        .context("the well-behaved source has a report")?;
    if !matches!(well.outcome, Outcome::Updated { .. }) {
        bail!("the well-behaved source did not succeed next to the hostile ones");
    }
    let hits: serde_json::Value = serde_json::from_slice(
        &reqwest::get(format!("{}/canary-hits", server.base))
            .await?
            .bytes()
            .await?,
    )?;
    println!(
        "live hostile pass: {} sources in {:.1} s; canary hits: {}; peak RSS {:.0} MiB",
        reports.len(),
        elapsed.as_secs_f64(),
        hits["hits"],
        peak_rss_mib()
    );
    if hits["hits"] != 0 {
        bail!("the canary was contacted: {hits}");
    }
    Ok(())
}

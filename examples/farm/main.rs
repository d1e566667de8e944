//! The end-to-end ingest benchmark: a generated feed farm on loopback,
//! feedsieve's real binary over it, the Python pipeline a user would
//! otherwise write over the same farm, and the hardware's floors.
//!
//! ```text
//! cargo build --release && cargo run --release --example farm
//! cargo run --release --example farm -- --feeds 50 --items 10 --phases feedsieve,python
//! ```
//!
//! Phases (all by default, in this order):
//! - `floors`: feed-rs, html5ever, reqwest and SQLite alone ([`floors`]);
//! - `feedsieve`: `feedsieve fetch` over the farm, fresh database: articles
//!   per second (wall clock, process start to exit), CPU per article, peak
//!   RSS — of the feedsieve process only ([`measure`]);
//! - `python`: `bench/baseline.py` over the same farm, measured the same
//!   way, and the ratio;
//! - `latency`: `feedsieve run` ingesting the farm into a fresh database
//!   while a client requests `/feeds/<topic>.atom` at a fixed rate;
//! - `cycle`: a second farm of `--cycle-feeds` outlets, ingested once, then
//!   a second `feedsieve fetch` in which every feed answers 304.
//!
//! Results go to stdout and to `<out>/results.json`. See the "End-to-end
//! ingest" section of BENCHMARKS.md for the method and the numbers.

mod farm;
mod floors;
mod measure;
mod page;
mod rng;
mod server;
mod text;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use crate::farm::{Outlet, Spec};
use crate::measure::{Latencies, Usage};

#[derive(Parser)]
#[command(about = "End-to-end ingest benchmark over a local feed farm")]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand)]
enum Sub {
    /// Measures the floors over a farm served by a parent process (used by
    /// the `floors` phase; prints JSON).
    #[command(hide = true)]
    Floors {
        #[command(flatten)]
        farm: FarmArgs,
        #[arg(long)]
        port: u16,
        #[arg(long, default_value_t = 1000)]
        sample: usize,
    },
    /// Runs a command and writes its wait4 usage to a file (used to start
    /// every measured command from a small process; see `measure`).
    #[command(hide = true)]
    Measure {
        #[arg(long)]
        report: PathBuf,
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Serves the farm until Ctrl-C, with a feedsieve config and a baseline
    /// manifest for it in `<out>/serve/`: for profiling and trying things.
    Serve {
        #[command(flatten)]
        run: RunArgs,
    },
}

#[derive(Args, Clone)]
struct FarmArgs {
    /// Outlets (feeds) in the farm.
    #[arg(long, default_value_t = 200)]
    feeds: usize,
    /// Items per feed.
    #[arg(long, default_value_t = 20)]
    items: usize,
    /// Seed of the generated content.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Share of items that are reprints of a story another outlet carries.
    #[arg(long, default_value_t = 0.15)]
    reprints: f64,
    /// The farm's "now" in Unix seconds (items are dated before it); the
    /// clock's current minute by default.
    #[arg(long)]
    epoch: Option<i64>,
}

impl FarmArgs {
    fn spec(&self) -> Spec {
        Spec {
            seed: self.seed,
            feeds: self.feeds,
            items: self.items,
            reprint_share: self.reprints,
            epoch: self
                .epoch
                .unwrap_or_else(|| chrono::Utc::now().timestamp() / 60 * 60),
        }
    }
}

#[derive(Args, Clone)]
struct RunArgs {
    #[command(flatten)]
    farm: FarmArgs,
    /// Phases to run, comma-separated: floors, feedsieve, python, latency, cycle.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "floors,feedsieve,python,latency,cycle"
    )]
    phases: Vec<String>,
    /// `fetch.concurrency` in feedsieve's config (the shipped default is 8).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Extra `key = value` lines for the config's [fetch] table (politeness
    /// limits, for instance); repeatable.
    #[arg(long = "fetch-config")]
    fetch_config: Vec<String>,
    /// The feedsieve binary; by default `cargo build --release` builds it
    /// next to this example.
    #[arg(long)]
    feedsieve: Option<PathBuf>,
    /// Python interpreter with the baseline's dependencies; by default a
    /// venv in bench/.venv, created on first use.
    #[arg(long)]
    python: Option<PathBuf>,
    /// Runs of the feedsieve and python phases, alternating; the best of
    /// each is compared (the machine is shared, and noise only slows).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// Threads of the Python baseline (1 = the straightforward loop).
    #[arg(long, default_value_t = 1)]
    python_workers: usize,
    /// Requests per second on topic feeds during the latency phase.
    #[arg(long, default_value_t = 20.0)]
    latency_rate: f64,
    /// Accept-Encoding of the topic-feed client: gzip (what Go's HTTP
    /// client, hence Miniflux, sends), br (gzip, deflate and br, as
    /// NetNewsWire's URLSession does) or identity.
    #[arg(long, default_value = "gzip")]
    latency_encoding: String,
    /// Outlets of the poll-cycle farm.
    #[arg(long, default_value_t = 10_000)]
    cycle_feeds: usize,
    /// Items per feed of the poll-cycle farm.
    #[arg(long, default_value_t = 2)]
    cycle_items: usize,
    /// Where configs, databases, logs and results.json go.
    #[arg(long, default_value = "target/farm")]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Sub::Floors { farm, port, sample }) => {
            let floors = floors::run(farm.spec(), port, sample)?;
            println!("{}", serde_json::to_string(&floors)?);
            Ok(())
        }
        Some(Sub::Measure { report, command }) => {
            let code = measure::helper(&report, &command)?;
            std::process::exit(code)
        }
        Some(Sub::Serve { run }) => runtime()?.block_on(serve(run)),
        None => runtime()?.block_on(self::run(cli.run)),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

async fn serve(args: RunArgs) -> anyhow::Result<()> {
    let farm = server::start(args.farm.spec()).await?;
    let dir = phase_dir(&std::path::absolute(&args.out)?, "serve")?;
    let config = write_config(&dir, &farm.served.farm.outlets, free_port()?, "30m", &args)?;
    let manifest = manifest(&farm, &dir)?;
    println!(
        "serving {} feeds × {} items on 127.1.x.y:{}\n  feedsieve --config {} fetch\n  \
         bench/.venv/bin/python bench/baseline.py {} {}/baseline.db\nCtrl-C stops.",
        args.farm.feeds,
        args.farm.items,
        farm.port,
        config.display(),
        manifest.display(),
        dir.display()
    );
    tokio::signal::ctrl_c().await?;
    println!("farm answered {}", farm.served.counters.snapshot());
    Ok(())
}

/// The baseline's input: the farm's feed URLs and topics.
fn manifest(farm: &server::Running, dir: &Path) -> anyhow::Result<PathBuf> {
    let manifest = json!({
        "feeds": farm.served.farm.outlets.iter().map(Outlet::feed_url).collect::<Vec<_>>(),
        "topics": text::TOPICS.iter().map(|t| json!({"slug": t.slug, "query": t.query})).collect::<Vec<_>>(),
    });
    let path = dir.join("manifest.json");
    std::fs::write(&path, manifest.to_string())?;
    Ok(path)
}

async fn run(args: RunArgs) -> anyhow::Result<()> {
    let phases: Vec<&str> = args.phases.iter().map(String::as_str).collect();
    for p in &phases {
        if !["floors", "feedsieve", "python", "latency", "cycle"].contains(p) {
            bail!("unknown phase {p:?}");
        }
    }
    std::fs::create_dir_all(&args.out)?;
    let out = std::path::absolute(&args.out)?;
    let needs_binary = phases
        .iter()
        .any(|p| ["feedsieve", "latency", "cycle"].contains(p));
    let feedsieve = match (&args.feedsieve, needs_binary) {
        (Some(p), _) => p.clone(),
        (None, true) => build_feedsieve()?,
        (None, false) => PathBuf::new(),
    };
    let mut results = serde_json::Map::new();
    results.insert(
        "machine".into(),
        json!({
            "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            "load_before": load_average(),
        }),
    );

    let spec = args.farm.spec();
    let t = Instant::now();
    let farm = server::start(spec.clone()).await?;
    let pages_mb = page_megabytes(&farm.served);
    let (reprints, stories) = farm.served.farm.reprint_stats();
    println!(
        "farm: {} feeds × {} items on 127.1.x.y:{} ({} articles, {pages_mb:.0} MB of pages; \
         {reprints} reprints of {stories} stories), rendered in {:.1}s",
        spec.feeds,
        spec.items,
        farm.port,
        spec.feeds * spec.items,
        t.elapsed().as_secs_f64()
    );
    results.insert(
        "farm".into(),
        json!({"feeds": spec.feeds, "items": spec.items, "seed": spec.seed,
               "reprint_share": spec.reprint_share, "pages_mb": pages_mb,
               "reprint_items": reprints, "reprinted_stories": stories}),
    );

    if phases.contains(&"floors") {
        let r = phase_floors(&args, spec.epoch, farm.port, &out).await?;
        results.insert("floors".into(), r);
    }
    // feedsieve and Python alternate, so that both see the same share of
    // whatever else the machine is doing; the best run of each is compared.
    let (mut fs_runs, mut py_runs) = (Vec::new(), Vec::new());
    for _ in 0..args.repeat {
        if phases.contains(&"feedsieve") {
            fs_runs.push(phase_feedsieve(&args, &farm, &feedsieve, &out).await?);
        }
        if phases.contains(&"python") {
            py_runs.push(phase_python(&args, &farm, &out).await?);
        }
    }
    let fs_best = best(&fs_runs);
    let py_best = best(&py_runs);
    if let (Some(fs), Some(py)) = (&fs_best, &py_best) {
        let rate = |v: &Value| v["articles_per_s"].as_f64().unwrap_or(0.0);
        let cpu = |v: &Value| v["cpu_ms_per_article"].as_f64().unwrap_or(0.0);
        let ratio = rate(fs) / rate(py).max(1e-9);
        let cpu_ratio = cpu(py) / cpu(fs).max(1e-9);
        println!(
            "ratio (best of {}): feedsieve ingests {ratio:.1}× the articles/s of the Python pipeline \
             ({:.1} vs {:.1}); CPU per article {cpu_ratio:.1}× less ({:.2} vs {:.2} ms)",
            args.repeat,
            rate(fs),
            rate(py),
            cpu(fs),
            cpu(py)
        );
        results.insert("ratio".into(), json!(ratio));
        results.insert("cpu_ratio".into(), json!(cpu_ratio));
    }
    if let Some(b) = fs_best {
        results.insert("feedsieve".into(), json!({"best": b, "runs": fs_runs}));
    }
    if let Some(b) = py_best {
        results.insert("python".into(), json!({"best": b, "runs": py_runs}));
    }
    if phases.contains(&"latency") {
        let r = phase_latency(&args, &farm, &feedsieve, &out).await?;
        results.insert("latency".into(), r);
    }
    drop(farm);
    if phases.contains(&"cycle") {
        let r = phase_cycle(&args, &feedsieve, &out).await?;
        results.insert("cycle".into(), r);
    }
    results.insert("load_after".into(), json!(load_average()));
    results.insert("commit".into(), json!(git_commit()));
    let targets = check_targets(&results);
    results.insert("targets".into(), targets);
    let path = out.join("results.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&Value::Object(results))?,
    )?;
    println!("results: {}", path.display());
    Ok(())
}

/// The issue's targets against this run's numbers; prints a line each.
fn check_targets(r: &serde_json::Map<String, Value>) -> Value {
    let get = |path: &[&str]| {
        let mut v = r.get(path[0])?;
        for k in &path[1..] {
            v = v.get(*k)?;
        }
        v.as_f64()
    };
    let mut out = serde_json::Map::new();
    let mut check = |name: &str, value: Option<f64>, limit: f64, at_least: bool| {
        let Some(v) = value else { return };
        let met = if at_least { v >= limit } else { v <= limit };
        println!(
            "  target {name}: {v:.1} ({} {limit}) {}",
            if at_least { "≥" } else { "≤" },
            if met { "met" } else { "NOT MET" }
        );
        out.insert(
            name.to_string(),
            json!({"value": v, "limit": limit, "met": met}),
        );
    };
    println!("targets:");
    check("ingest ratio to Python (×)", get(&["ratio"]), 12.0, true);
    let fetch_rss = get(&["feedsieve", "best", "peak_rss_mb"]);
    let daemon_rss = get(&["latency", "daemon", "peak_rss_mb"]);
    check(
        "peak RSS while ingesting the farm, MB",
        match (fetch_rss, daemon_rss) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        },
        100.0,
        false,
    );
    let cycle_rss = match (
        get(&["cycle", "first", "peak_rss_mb"]),
        get(&["cycle", "second", "peak_rss_mb"]),
    ) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    check(
        "peak RSS with the cycle farm's feeds, MB",
        cycle_rss,
        150.0,
        false,
    );
    check(
        "all-304 poll cycle, s",
        get(&["cycle", "second", "wall_s"]),
        10.0,
        false,
    );
    check(
        "p99 topic feed latency while ingesting, ms",
        get(&["latency", "latency", "p99_ms"]),
        50.0,
        false,
    );
    Value::Object(out)
}

fn git_commit() -> String {
    Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The run with the most articles per second.
fn best(runs: &[Value]) -> Option<Value> {
    runs.iter()
        .max_by(|a, b| {
            let r = |v: &Value| v["articles_per_s"].as_f64().unwrap_or(0.0);
            r(a).total_cmp(&r(b))
        })
        .cloned()
}

fn page_megabytes(s: &server::Served) -> f64 {
    let f = &s.farm;
    let sample = f.outlets.len().min(50);
    let bytes: usize = (0..sample).map(|o| s.page_bytes(o, 0).len()).sum();
    bytes as f64 / sample.max(1) as f64 * f.total_items() as f64 / 1e6
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Builds the release binary (a no-op when it is up to date) and returns
/// its path, next to this example's own executable.
fn build_feedsieve() -> anyhow::Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "--bin", "feedsieve"])
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build --release --bin feedsieve failed");
    }
    let exe = std::env::current_exe()?;
    // target/release/examples/farm → target/release/feedsieve
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("feedsieve"))
        .context("cannot locate target/release")?;
    if !bin.exists() {
        bail!("{} not found; pass --feedsieve", bin.display());
    }
    Ok(bin)
}

/// A fresh directory for one phase.
fn phase_dir(out: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let dir = out.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Writes feedsieve's config for `outlets`: every outlet a full-text
/// source, the farm's ten topics, the server on `listen`.
fn write_config(
    dir: &Path,
    outlets: &[Outlet],
    listen: SocketAddr,
    interval: &str,
    args: &RunArgs,
) -> anyhow::Result<PathBuf> {
    use std::fmt::Write;
    let mut t = String::new();
    let _ = write!(
        t,
        "# Generated by the farm benchmark (examples/farm).\n\
         [store]\npath = \"feedsieve.db\"\n\n\
         [server]\nlisten = \"{listen}\"\nbase_url = \"http://{listen}\"\n\n\
         [fetch]\ninterval = \"{interval}\"\nmin_interval = \"{interval}\"\n\
         timeout = \"20s\"\nconcurrency = {}\n\
         user_agent = \"feedsieve-bench\"\n\
         # The farm is on loopback; real sources are not.\n\
         allow_private_networks = true\n\
         # Politeness is a policy, not a cost: with the shipped 1 s between two\n\
         # requests to one host, an outlet's 20 pages take 20 s whatever the\n\
         # pipeline does, and the run would measure the delay. The limits on\n\
         # connections (per host and in all) stay as shipped.\n\
         host_delay = \"0s\"\n",
        args.concurrency
    );
    for line in &args.fetch_config {
        let _ = writeln!(t, "{line}");
    }
    for o in outlets {
        let _ = write!(
            t,
            "\n[[source]]\nname = \"{}\"\nurl = \"{}\"\nfull_text = true\n",
            o.name,
            o.feed_url()
        );
    }
    for topic in text::TOPICS {
        let _ = write!(
            t,
            "\n[[topic]]\nslug = \"{}\"\ntitle = \"{}\"\nquery = \"{}\"\n",
            topic.slug, topic.title, topic.query
        );
    }
    let path = dir.join("feedsieve.toml");
    std::fs::write(&path, t)?;
    Ok(path)
}

/// What feedsieve stored, read back from its database.
fn stored(db: &Path) -> anyhow::Result<Value> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    c.busy_timeout(Duration::from_secs(5))?;
    let (articles, extracted, failed): (i64, i64, i64) = c.query_row(
        "SELECT count(*), coalesce(sum(extraction = 'extracted'), 0),
                coalesce(sum(extraction = 'failed'), 0) FROM articles",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let matches: i64 = c.query_row("SELECT count(*) FROM topic_matches", [], |r| r.get(0))?;
    let sources_failed: i64 = c.query_row(
        "SELECT count(*) FROM sources WHERE last_status = 'error'",
        [],
        |r| r.get(0),
    )?;
    Ok(
        json!({"articles": articles, "extracted": extracted, "extraction_failed": failed,
              "topic_matches": matches, "sources_failed": sources_failed}),
    )
}

fn article_count(db: &Path) -> Option<i64> {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .ok()?;
    c.busy_timeout(Duration::from_secs(1)).ok()?;
    c.query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .ok()
}

fn usage_json(u: &Usage, articles: f64) -> Value {
    json!({
        "wall_s": u.wall_s, "user_s": u.user_s, "sys_s": u.sys_s,
        "peak_rss_mb": u.peak_rss_mb, "exit_code": u.exit_code,
        "articles_per_s": if u.wall_s > 0.0 { articles / u.wall_s } else { 0.0 },
        "cpu_ms_per_article": if articles > 0.0 { u.cpu_s() * 1e3 / articles } else { 0.0 },
    })
}

fn print_usage(label: &str, u: &Usage, articles: f64) {
    println!(
        "  {label:<28} {articles:>6.0} articles in {:>6.2}s = {:>7.1} articles/s | CPU {:>5.2} ms/article \
         (user {:.2}s sys {:.2}s) | peak RSS {:>6.1} MB | exit {}",
        u.wall_s,
        articles / u.wall_s.max(1e-9),
        u.cpu_s() * 1e3 / articles.max(1.0),
        u.user_s,
        u.sys_s,
        u.peak_rss_mb,
        u.exit_code
    );
}

async fn phase_floors(
    args: &RunArgs,
    spec_epoch: i64,
    port: u16,
    out: &Path,
) -> anyhow::Result<Value> {
    let dir = phase_dir(out, "floors")?;
    let f = &args.farm;
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args([
        "floors",
        "--feeds",
        &f.feeds.to_string(),
        "--items",
        &f.items.to_string(),
        "--seed",
        &f.seed.to_string(),
        "--reprints",
        &f.reprints.to_string(),
        "--epoch",
        &spec_epoch.to_string(),
        "--port",
        &port.to_string(),
    ]);
    let log = dir.join("floors.log");
    let child = measure::spawn(&mut cmd, &log)?;
    let usage = child.wait_async().await?;
    let text = std::fs::read_to_string(&log)?;
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('['))
        .with_context(|| {
            format!(
                "floors printed no result (exit {}): {text}",
                usage.exit_code
            )
        })?;
    let floors: Vec<floors::Floor> = serde_json::from_str(line)?;
    println!("floors (one thread, CPU per article):");
    let mut sum = 0.0;
    for fl in &floors {
        println!(
            "  {:<24} {:>8.4} ms  (wall {:.4} ms, {} articles)",
            fl.name, fl.cpu_ms_per_article, fl.wall_ms_per_article, fl.articles
        );
        sum += fl.cpu_ms_per_article;
    }
    println!(
        "  {:<24} {:>8.4} ms  = {:.0} articles/s per core",
        "sum",
        sum,
        1e3 / sum
    );
    Ok(json!({"floors": floors, "sum_cpu_ms_per_article": sum,
              "articles_per_s_per_core": 1e3 / sum, "peak_rss_mb": usage.peak_rss_mb}))
}

async fn phase_feedsieve(
    args: &RunArgs,
    farm: &server::Running,
    bin: &Path,
    out: &Path,
) -> anyhow::Result<Value> {
    let dir = phase_dir(out, "feedsieve")?;
    let config = write_config(
        &dir,
        &farm.served.farm.outlets,
        "127.0.0.1:0".parse()?,
        "30m",
        args,
    )?;
    farm.served.counters.reset();
    let cpu0 = measure::self_cpu();
    let child = measure::spawn(
        Command::new(bin).arg("--config").arg(&config).arg("fetch"),
        &dir.join("feedsieve.log"),
    )?;
    let usage = child.wait_async().await?;
    let farm_cpu = (measure::self_cpu() - cpu0).as_secs_f64();
    let db = stored(&dir.join("feedsieve.db"))?;
    let articles = db["articles"].as_f64().unwrap_or(0.0);
    println!(
        "feedsieve fetch (concurrency {}, farm CPU {farm_cpu:.2}s):",
        args.concurrency
    );
    print_usage("feedsieve", &usage, articles);
    println!("  stored: {db}");
    let mut r = usage_json(&usage, articles);
    r["stored"] = db;
    r["farm"] = farm.served.counters.snapshot();
    r["farm_cpu_s"] = json!(farm_cpu);
    Ok(r)
}

/// The interpreter with the baseline's dependencies, creating bench/.venv
/// on first use.
fn python(args: &RunArgs) -> anyhow::Result<PathBuf> {
    if let Some(p) = &args.python {
        return Ok(p.clone());
    }
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench");
    let py = bench.join(".venv/bin/python");
    if !py.exists() {
        println!("creating bench/.venv for the Python baseline …");
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(bench.join(".venv"))
            .status()?
            .success()
            && Command::new(&py)
                .args(["-m", "pip", "install", "--quiet", "-r"])
                .arg(bench.join("requirements.txt"))
                .status()?
                .success();
        if !ok {
            bail!("cannot set up bench/.venv; pass --python");
        }
    }
    Ok(py)
}

async fn phase_python(args: &RunArgs, farm: &server::Running, out: &Path) -> anyhow::Result<Value> {
    let dir = phase_dir(out, "python")?;
    let py = python(args)?;
    let manifest_path = manifest(farm, &dir)?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/baseline.py");
    farm.served.counters.reset();
    let cpu0 = measure::self_cpu();
    let log = dir.join("python.log");
    let child = measure::spawn(
        Command::new(&py)
            .arg(&script)
            .arg(&manifest_path)
            .arg(dir.join("baseline.db"))
            .args(["--workers", &args.python_workers.to_string()]),
        &log,
    )?;
    let usage = child.wait_async().await?;
    let farm_cpu = (measure::self_cpu() - cpu0).as_secs_f64();
    let text = std::fs::read_to_string(&log)?;
    let report: Value = text
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .with_context(|| format!("the baseline printed no result: {}", log.display()))?;
    let articles = report["articles"].as_f64().unwrap_or(0.0);
    println!(
        "python baseline ({} worker(s), farm CPU {farm_cpu:.2}s):",
        args.python_workers
    );
    print_usage("python", &usage, articles);
    println!("  stored: {report}");
    let mut r = usage_json(&usage, articles);
    r["stored"] = report;
    r["workers"] = json!(args.python_workers);
    r["farm"] = farm.served.counters.snapshot();
    r["farm_cpu_s"] = json!(farm_cpu);
    Ok(r)
}

fn free_port() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?)
}

async fn phase_latency(
    args: &RunArgs,
    farm: &server::Running,
    bin: &Path,
    out: &Path,
) -> anyhow::Result<Value> {
    let dir = phase_dir(out, "daemon")?;
    let listen = free_port()?;
    // A short interval makes every source due within two seconds of
    // start-up (the scheduler spreads first polls over one interval); later
    // polls are 304s.
    let config = write_config(&dir, &farm.served.farm.outlets, listen, "2s", args)?;
    let db = dir.join("feedsieve.db");
    let expected = farm.served.farm.total_items() as i64;
    farm.served.counters.reset();
    let child = measure::spawn(
        Command::new(bin).arg("--config").arg(&config).arg("run"),
        &dir.join("feedsieve.log"),
    )?;
    let started = Instant::now();
    let (gzip, br) = match args.latency_encoding.as_str() {
        "gzip" => (true, false),
        "br" => (true, true),
        "identity" => (false, false),
        other => bail!("--latency-encoding {other:?}: use gzip, br or identity"),
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .gzip(gzip)
        .deflate(br)
        .brotli(br)
        .build()?;
    let base = format!("http://{listen}");
    // Wait for the server.
    loop {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            child.terminate();
            bail!("feedsieve run did not answer /healthz within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Option<f64>>();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hammer = {
        let (client, stop, base) = (client.clone(), stop.clone(), base.clone());
        let period = Duration::from_secs_f64(1.0 / args.latency_rate);
        tokio::spawn(async move {
            // Fixed arrival rate: a slow response does not delay the next
            // request (no coordinated omission).
            let mut tick = tokio::time::interval(period);
            let mut n = 0usize;
            while !stop.load(Relaxed) {
                tick.tick().await;
                let slug = text::TOPICS[n % text::TOPICS.len()].slug;
                n += 1;
                let (client, tx) = (client.clone(), tx.clone());
                let url = format!("{base}/feeds/{slug}.atom");
                tokio::spawn(async move {
                    let t = Instant::now();
                    let ok = match client.get(&url).send().await {
                        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                        _ => false,
                    };
                    let _ = tx.send(ok.then(|| t.elapsed().as_secs_f64() * 1e3));
                });
            }
        })
    };

    // Ingest is done when every page was served and the article count has
    // not moved for a second (or everything expected is stored).
    let mut last = (0i64, Instant::now());
    let mut done_at = started;
    let deadline = Duration::from_secs(600);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let n = article_count(&db).unwrap_or(last.0);
        if n != last.0 {
            last = (n, Instant::now());
            done_at = Instant::now();
        }
        let pages_served = farm.served.counters.pages_ok.load(Relaxed) as i64;
        if n >= expected
            || (pages_served >= expected && last.1.elapsed() > Duration::from_secs(1))
            || started.elapsed() > deadline
        {
            break;
        }
    }
    stop.store(true, Relaxed);
    let _ = hammer.await;
    let rss_now = child.pid().and_then(measure::rss_mb);
    child.terminate();
    let usage = child.wait_async().await?;
    let mut ms = Vec::new();
    let mut errors = 0;
    rx.close();
    while let Some(r) = rx.recv().await {
        match r {
            Some(v) => ms.push(v),
            None => errors += 1,
        }
    }
    let lat = Latencies::of(ms, errors);
    let stored = stored(&db)?;
    let ingest_s = (done_at - started).as_secs_f64();
    let articles = stored["articles"].as_f64().unwrap_or(0.0);
    println!(
        "feedsieve run, {:.0} req/s on /feeds/<topic>.atom ({}) while ingesting:",
        args.latency_rate, args.latency_encoding
    );
    println!(
        "  ingest {articles:.0} articles in {ingest_s:.2}s ({:.1} articles/s, sources start over 2 s) | \
         peak RSS {:.1} MB (at end {:.1} MB)",
        articles / ingest_s.max(1e-9),
        usage.peak_rss_mb,
        rss_now.unwrap_or(0.0)
    );
    println!(
        "  topic feed latency: {} requests, {} errors, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lat.requests, lat.errors, lat.p50_ms, lat.p90_ms, lat.p99_ms, lat.max_ms
    );
    Ok(
        json!({"latency": lat, "ingest_s": ingest_s, "stored": stored,
              "daemon": usage_json(&usage, articles), "rate": args.latency_rate}),
    )
}

async fn phase_cycle(args: &RunArgs, bin: &Path, out: &Path) -> anyhow::Result<Value> {
    let spec = Spec {
        seed: args.farm.seed + 1000,
        feeds: args.cycle_feeds,
        items: args.cycle_items,
        reprint_share: args.farm.reprints,
        epoch: args.farm.spec().epoch,
    };
    let t = Instant::now();
    let farm = server::start(spec.clone()).await?;
    println!(
        "poll-cycle farm: {} feeds × {} items, bound and rendered in {:.1}s",
        spec.feeds,
        spec.items,
        t.elapsed().as_secs_f64()
    );
    let dir = phase_dir(out, "cycle")?;
    let config = write_config(
        &dir,
        &farm.served.farm.outlets,
        "127.0.0.1:0".parse()?,
        "30m",
        args,
    )?;
    let run_fetch = |log: &str| -> anyhow::Result<measure::Child> {
        measure::spawn(
            Command::new(bin).arg("--config").arg(&config).arg("fetch"),
            &dir.join(log),
        )
    };
    let first = run_fetch("first.log")?.wait_async().await?;
    let first_farm = farm.served.counters.snapshot();
    let db = stored(&dir.join("feedsieve.db"))?;
    let articles = db["articles"].as_f64().unwrap_or(0.0);
    println!("  first pass (ingest):");
    print_usage("feedsieve", &first, articles);
    farm.served.counters.reset();
    let second = run_fetch("second.log")?.wait_async().await?;
    let second_farm = farm.served.counters.snapshot();
    println!(
        "  second pass: {} feeds in {:.2}s | CPU {:.2}s | peak RSS {:.1} MB | farm answered {second_farm}",
        spec.feeds,
        second.wall_s,
        second.cpu_s(),
        second.peak_rss_mb
    );
    Ok(json!({"feeds": spec.feeds, "items": spec.items,
              "first": usage_json(&first, articles), "first_farm": first_farm, "stored": db,
              "second": usage_json(&second, 0.0), "second_farm": second_farm}))
}

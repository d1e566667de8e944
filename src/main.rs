//! The `feedsieve` command line: parse arguments, set up logging, call into
//! the library, print results. No pipeline logic lives here.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use feedsieve::config::{self, Config};
use feedsieve::daemon;
use feedsieve::fetch::charset::{self, DocumentKind, Hints};
use feedsieve::logging;
use feedsieve::opml;
use feedsieve::reclassify;
use feedsieve::refresh::{Outcome, RefreshReport};
use feedsieve::search;
use feedsieve::store::{IndexState, SearchOrder, Store};
use feedsieve::topics::{self, Query, Topic};
use feedsieve::{extract, fetch};

#[derive(Parser)]
#[command(
    name = "feedsieve",
    version,
    about = "Clean, deduplicated topic feeds from noisy news feeds"
)]
struct Cli {
    /// The configuration file.
    #[arg(long, global = true, default_value = config::DEFAULT_PATH, env = "FEEDSIEVE_CONFIG")]
    config: PathBuf,
    /// How log lines are written to stderr.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "text",
        env = "FEEDSIEVE_LOG_FORMAT"
    )]
    log_format: logging::Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: poll sources on schedule and serve topic feeds until
    /// SIGINT or SIGTERM; SIGHUP reloads the configuration.
    Run,
    /// Refresh every enabled source once (fetch, scrape, store, classify),
    /// then exit. Exits non-zero only when the pass cannot run at all.
    Fetch,
    /// Check the configuration, print a summary, exit non-zero on any error.
    Check,
    /// Search stored articles. Words are matched in any grammatical form;
    /// "a phrase", prefix*, -excluded and OR are understood.
    Search {
        /// The query (several words are all required); after the options.
        #[arg(required = true, allow_hyphen_values = true)]
        query: Vec<String>,
        /// Only articles of the source with this name.
        #[arg(long)]
        source: Option<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Newest first instead of best match first.
        #[arg(long)]
        newest: bool,
    },
    /// Per source: entries, errors, last fetch, extraction failures; per
    /// topic: matches; and the database's size.
    Stats {
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Copy the database to PATH while the daemon keeps running.
    Backup {
        path: PathBuf,
        /// Replace PATH if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Add the feeds of an OPML file (from Miniflux, FreshRSS, Feedly,
    /// NetNewsWire, …) to the configuration file, keeping its comments.
    ImportOpml {
        file: PathBuf,
        /// Show what would be added without changing the file.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the configured sources as OPML, for a feed reader.
    ExportOpml {
        /// Write here instead of to standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print why an archived article does or does not match a topic.
    Explain {
        /// The topic's slug.
        #[arg(long)]
        topic: String,
        /// The article's id or URL (as fetched or canonical).
        article: String,
    },
    /// Work with topics over the archive.
    Topics {
        #[command(subcommand)]
        command: TopicsCommand,
    },
    /// Extract the article from a saved page or a URL and print what would
    /// be stored. Reads the configuration only to fetch a URL.
    Extract(ExtractArgs),
}

#[derive(clap::Args)]
struct ExtractArgs {
    /// text: paragraphs separated by blank lines; html: the sanitized HTML;
    /// json: every field of the article.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The page's address, to resolve a saved page's links against.
    #[arg(long)]
    url: Option<url::Url>,
    /// Try a source's `content_selector` rule.
    #[arg(long)]
    content_selector: Option<String>,
    /// Try a source's `strip_selectors` rule (repeat for several).
    #[arg(long = "strip-selector")]
    strip_selectors: Vec<String>,
    /// Also print, on stderr, how the content was chosen.
    #[arg(long)]
    explain: bool,
    /// A saved HTML file, or an http(s) URL to fetch.
    page: String,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Text,
    Html,
    Json,
}

#[derive(Subcommand)]
enum TopicsCommand {
    /// Dry-run a topic over the archive: how many articles it matches, what
    /// would change against the stored matches, and samples. Changes
    /// nothing. Test an edited config with --config, or a query with --query.
    Test {
        /// The topic's slug (a new slug needs --query).
        #[arg(long)]
        topic: String,
        /// Use this query instead of the configured one.
        #[arg(long)]
        query: Option<String>,
        /// How many sample articles to list per group.
        #[arg(long, default_value_t = 10)]
        samples: usize,
    },
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Print the whole chain: "cannot open database …: unable to open
            // database file" tells a user what to fix; the head alone may not.
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // `extract` works on a saved page without any configuration file.
    let command = match cli.command {
        Command::Extract(args) => {
            logging::init(cli.log_format, config::DEFAULT_LOG_LEVEL, true);
            return extract_page(&cli.config, args);
        }
        other => other,
    };
    let config = Config::load(&cli.config)?;
    // The daemon logs at the configured level. The one-shot commands print
    // their results on stdout and log only what needs attention; RUST_LOG
    // overrides both.
    let quiet = !matches!(command, Command::Run);
    let log = logging::init(cli.log_format, &config.log.level, quiet);
    match command {
        Command::Explain { topic, article } => explain(&config, &topic, &article),
        Command::Topics {
            command:
                TopicsCommand::Test {
                    topic,
                    query,
                    samples,
                },
        } => topics_test(&config, &topic, query.as_deref(), samples),
        Command::Check => {
            print_summary(&config);
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract(args) => extract_page(&cli.config, args),
        Command::Run => {
            runtime()?.block_on(daemon::run(&config, log))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch => {
            runtime()?.block_on(fetch(&config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            query,
            source,
            limit,
            newest,
        } => {
            // The query takes words starting with '-' (exclusions), so
            // clap hands it whatever follows, options included.
            if let Some(option) = query.iter().find(|w| w.starts_with("--")) {
                bail!(
                    "{option:?} is in the query: options go before it \
                     (feedsieve search [OPTIONS] QUERY…)"
                );
            }
            search(&config, &query.join(" "), source.as_deref(), limit, newest)
        }
        Command::Stats { json } => stats(&config, json),
        Command::Backup { path, force } => {
            let store = existing_store(&config)?;
            let r = store.backup_to(&path, force)?;
            println!(
                "backed up {} articles of {} sources to {} ({})",
                r.articles,
                r.sources,
                r.path.display(),
                size(r.bytes)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::ImportOpml { file, dry_run } => import_opml(&config, &file, dry_run),
        Command::ExportOpml { output } => {
            let text = export_opml(&config);
            match output {
                Some(path) => write_atomically(&path, &text)?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The configured topic `slug`, with its profile completed from the
/// archive (URL examples, word statistics).
fn archive_topic(config: &Config, store: &Store, slug: &str) -> anyhow::Result<Option<Topic>> {
    let Some(topic) = config.topics.iter().find(|t| t.slug == slug) else {
        return Ok(None);
    };
    let prepared = reclassify::prepare_topics(store, std::slice::from_ref(topic))?;
    Ok(prepared.into_iter().next())
}

fn unknown_topic(config: &Config, slug: &str) -> anyhow::Error {
    let known: Vec<&str> = config.topics.iter().map(|t| t.slug.as_str()).collect();
    anyhow::anyhow!(
        "no topic {slug:?} in {} (topics: {})",
        config.path.display(),
        known.join(", ")
    )
}

fn explain(config: &Config, slug: &str, article: &str) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(&config.store.path)?;
    let topic = archive_topic(config, &store, slug)?.ok_or_else(|| unknown_topic(config, slug))?;
    let a = store
        .find_article(article)?
        .with_context(|| format!("no archived article with id or URL {article:?}"))?;
    println!("article {}: {}", a.id.0, a.title);
    if let Some(url) = &a.url {
        println!("  {url}");
    }
    println!(
        "  source {}, published {}",
        a.source_name,
        a.published.format("%Y-%m-%d %H:%M UTC")
    );
    let e = topics::explain(
        &topics::Document {
            title: &a.title,
            text: &a.text,
            source: &a.source_name,
            lang: a.lang.as_deref(),
        },
        &topic,
    );
    print!("{e}");
    match store.stored_match(slug, a.id) {
        Ok(Some(m)) => println!("stored: matched, score {:.1}, terms {:?}", m.score, m.terms),
        Ok(None) => println!("stored: not matched"),
        // A database from before migration 0005 has no evidence column; the
        // explanation above does not need it.
        Err(err) => println!("stored: unknown ({err})"),
    }
    Ok(ExitCode::SUCCESS)
}

fn topics_test(
    config: &Config,
    slug: &str,
    query: Option<&str>,
    samples: usize,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(&config.store.path)?;
    let parsed = query
        .map(|q| Query::parse(q).map_err(|e| anyhow::anyhow!("--query: {e}")))
        .transpose()?;
    let topic = match (archive_topic(config, &store, slug)?, parsed) {
        (Some(mut t), Some(q)) => {
            t.query = Some(q);
            t
        }
        (Some(t), None) => t,
        (None, Some(q)) => Topic::new(slug, slug, q),
        (None, None) => return Err(unknown_topic(config, slug)),
    };
    topic.validate()?;
    let run = reclassify::dry_run(&store, &topic, samples)?;
    println!(
        "topic {slug} (match = \"{}\"{}): dry run, nothing is changed",
        topic.match_mode,
        topic
            .query
            .as_ref()
            .map(|q| format!(
                ", query: {}",
                q.as_str().split_whitespace().collect::<Vec<_>>().join(" ")
            ))
            .unwrap_or_default()
    );
    println!(
        "archive: {} articles; matches now: {}; stored matches: {} (+{} new, -{} no longer)",
        run.articles, run.matched, run.stored, run.added_count, run.removed_count
    );
    print_samples("matches, newest first", &run.samples);
    print_samples("would newly match", &run.added);
    print_samples("would no longer match", &run.removed);
    Ok(ExitCode::SUCCESS)
}

fn print_samples(heading: &str, samples: &[reclassify::Sample]) {
    if samples.is_empty() {
        return;
    }
    println!("{heading}:");
    for s in samples {
        let why = match &s.matched {
            Some(m) => format!("  [score {:.1}: {}]", m.score, m.terms.join(", ")),
            None => String::new(),
        };
        println!(
            "  {} #{} {} — {}{why}",
            s.published.format("%Y-%m-%d"),
            s.id.0,
            s.source,
            s.title
        );
    }
}

/// `feedsieve extract`: one page through `extract`, as `refresh` would run
/// it, printed instead of stored.
fn extract_page(config_path: &std::path::Path, args: ExtractArgs) -> anyhow::Result<ExitCode> {
    let rules = extract::Rules::new(args.content_selector.as_deref(), &args.strip_selectors)?;
    let (html, url) = match url::Url::parse(&args.page) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            // The fetch settings (user agent, timeout, private-address guard)
            // come from the configuration when there is one.
            let config = if config_path.exists() {
                Config::load(config_path)?
            } else {
                Config::from_str("", config_path)?
            };
            let fetcher = fetch::Fetcher::new(&config.fetch)?;
            let page = runtime()?.block_on(fetcher.page(&url, None))?;
            (page.html, args.url.unwrap_or(page.url))
        }
        _ => {
            let path = std::path::Path::new(&args.page);
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let url = match args.url {
                Some(u) => u,
                None => url::Url::from_file_path(std::path::absolute(path)?)
                    .map_err(|()| anyhow::anyhow!("cannot make a URL of {}", path.display()))?,
            };
            // A saved page has no HTTP header: its <meta> charset, a BOM or
            // detection decide, as `fetch` decides for a page without one.
            let tld = url.host_str().and_then(|h| h.rsplit('.').next());
            let hints = Hints {
                override_charset: None,
                content_type: None,
                tld,
            };
            (
                charset::decode(&bytes, DocumentKind::Page, &hints).text,
                url,
            )
        }
    };
    if args.explain {
        eprint!("{}", extract::explain(&html, &url));
    }
    let a = extract::article(&html, &url, &rules)?;
    match args.format {
        Format::Text => println!("{}", a.text),
        Format::Html => println!("{}", a.html),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "url": url.as_str(),
                "title": a.title,
                "author": a.author,
                "published": a.published.map(|d| d.to_rfc3339()),
                "lead_image": a.lead_image.map(|u| u.to_string()),
                "lang": a.lang,
                "text": a.text,
                "html": a.html,
            }))?
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn print_summary(config: &Config) {
    let enabled = config.enabled_sources().count();
    println!("config {} is valid", config.path.display());
    println!(
        "  sources:  {} ({enabled} enabled, {} with full text)",
        config.sources.len(),
        config.enabled_sources().filter(|s| s.full_text).count()
    );
    println!(
        "  topics:   {} ({})",
        config.topics.len(),
        config
            .topics
            .iter()
            .map(|t| t.slug.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("  database: {}", config.store.path.display());
    println!(
        "  server:   {} (public URL {})",
        config.server.listen, config.server.base_url
    );
}

/// `feedsieve fetch`: one pass, a progress bar on a terminal and a line per
/// source otherwise, then the store's upkeep (installations run by cron
/// instead of the daemon prune too).
async fn fetch(config: &Config) -> anyhow::Result<()> {
    let pipeline = daemon::pipeline(config)?;
    let total = config.enabled_sources().count() as u64;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} sources  {wide_msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    logging::write_around(bar.clone());
    let mut failed = 0;
    daemon::fetch_each(&pipeline, config, |r| {
        if matches!(r.outcome, Outcome::Failed { .. } | Outcome::Gone { .. }) {
            failed += 1;
        }
        let line = report_line(&r);
        match &bar {
            Some(bar) => {
                bar.suspend(|| println!("{line}"));
                bar.set_message(r.source.clone());
                bar.inc(1);
            }
            None => println!("{line}"),
        }
    })
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    logging::write_around(None);
    println!("{total} sources refreshed, {failed} failed");

    match daemon::maintain(&pipeline.store, &config.store).await {
        Ok(pruned) if pruned.articles > 0 => {
            println!("retention: {} old articles pruned", pruned.articles)
        }
        Ok(_) => {}
        // The pass itself worked; upkeep runs again next time.
        Err(e) => tracing::warn!(error = %e, "store maintenance failed"),
    }
    Ok(())
}

fn report_line(r: &RefreshReport) -> String {
    match &r.outcome {
        Outcome::NotModified => format!("{}: not modified", r.source),
        Outcome::Updated {
            entries,
            saved,
            extraction_failures,
        } => format!(
            "{}: {entries} entries, {} new, {} topic matches, {extraction_failures} extraction failures",
            r.source, saved.new, saved.matches
        ),
        Outcome::Failed { error, .. } => format!("{}: FAILED: {error}", r.source),
        Outcome::Gone { error } => format!("{}: GONE: {error}", r.source),
    }
}

/// The store of an existing database: the read-side commands must not
/// create an empty one where the user expected theirs.
fn existing_store(config: &Config) -> anyhow::Result<Store> {
    let path = &config.store.path;
    if !path.exists() {
        bail!(
            "no database at {}: start the daemon or run `feedsieve fetch` first \
             (or check [store] path in {})",
            path.display(),
            config.path.display()
        );
    }
    Ok(Store::open(path)?)
}

fn search(
    config: &Config,
    query: &str,
    source: Option<&str>,
    limit: usize,
    newest: bool,
) -> anyhow::Result<ExitCode> {
    let query = search::Query::parse(query)?;
    let store = existing_store(config)?;
    // After an upgrade the index is rebuilt in the background by the
    // daemon; a search cannot wait for the next batch, so it helps.
    let mut told = false;
    while let IndexState::Rebuilding { remaining } = store.reindex_search_step()? {
        if !told {
            eprintln!("building the search index ({remaining} articles to go)…");
            told = true;
        }
    }
    let order = if newest {
        SearchOrder::Newest
    } else {
        SearchOrder::Relevance
    };
    let hits = store.search(&query, source, order, limit)?;
    if hits.is_empty() {
        println!("no articles found");
        return Ok(ExitCode::from(1));
    }
    for h in &hits {
        println!(
            "{}  {}  {}",
            h.published.format("%Y-%m-%d"),
            h.source,
            h.title
        );
        if let Some(url) = &h.url {
            println!("            {url}");
        }
        let excerpt = search::excerpt(&h.text, &query, 200);
        if !excerpt.is_empty() {
            println!("            {excerpt}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn stats(config: &Config, json: bool) -> anyhow::Result<ExitCode> {
    let store = existing_store(config)?;
    let db = store.database_stats()?;
    let sources = store.source_statuses()?;
    let counts = store.topic_counts()?;
    // Configured topics first (with 0 when nothing matched yet), then
    // slugs only the database still has (topics removed from the config).
    let mut topics: Vec<(String, u64, bool)> = config
        .topics
        .iter()
        .map(|t| {
            (
                t.slug.clone(),
                counts.get(&t.slug).copied().unwrap_or(0),
                true,
            )
        })
        .collect();
    let mut stale: Vec<_> = counts
        .iter()
        .filter(|(slug, _)| !config.topics.iter().any(|t| &t.slug == *slug))
        .map(|(slug, n)| (slug.clone(), *n, false))
        .collect();
    stale.sort();
    topics.extend(stale);

    let index = match db.search_index {
        IndexState::Complete => "complete".to_string(),
        IndexState::Rebuilding { remaining } => format!("rebuilding, {remaining} articles to go"),
    };
    if json {
        let value = serde_json::json!({
            "database": {
                "path": config.store.path,
                "schema_version": db.schema_version,
                "bytes": db.bytes,
                "free_bytes": db.free_bytes,
                "articles": db.articles,
                "tombstones": db.tombstones,
                "vacuum": format!("{:?}", db.vacuum).to_lowercase(),
                "search_index": index,
            },
            "sources": sources.iter().map(|s| serde_json::json!({
                "name": s.name,
                "url": s.url,
                "enabled": s.enabled,
                "entries": s.articles,
                "errors": s.error_count,
                "last_status": s.last_status,
                "last_error": s.last_error,
                "last_fetch": s.last_fetch.map(|t| t.to_rfc3339()),
                "last_success": s.last_success.map(|t| t.to_rfc3339()),
                "next_fetch": s.next_fetch.map(|t| t.to_rfc3339()),
                "extraction_failures": s.extraction_failures,
            })).collect::<Vec<_>>(),
            "topics": topics.iter().map(|(slug, n, configured)| serde_json::json!({
                "slug": slug, "matches": n, "configured": configured,
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }

    println!("database {}", config.store.path.display());
    println!(
        "  {} ({} free), schema {}, {} articles, {} tombstones, search index {index}",
        size(db.bytes),
        size(db.free_bytes),
        db.schema_version,
        db.articles,
        db.tombstones
    );
    println!();
    let width = sources
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .max("SOURCE".len());
    println!(
        "{:<width$}  {:<12}  {:>7}  {:>6}  {:>10}  LAST FETCH",
        "SOURCE", "STATUS", "ENTRIES", "ERRORS", "EXTR.FAIL"
    );
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or("never".to_string(), |t| {
            t.format("%Y-%m-%d %H:%M UTC").to_string()
        })
    };
    for s in &sources {
        let status = if s.enabled {
            s.last_status.as_deref().unwrap_or("not yet")
        } else {
            "disabled"
        };
        println!(
            "{:<width$}  {:<12}  {:>7}  {:>6}  {:>10}  {}",
            s.name,
            status,
            s.articles,
            s.error_count,
            s.extraction_failures,
            time(s.last_fetch)
        );
        if let (true, Some(e)) = (s.last_status.as_deref() == Some("error"), &s.last_error) {
            println!("{:<width$}  last error: {e}", "");
        }
    }
    println!();
    let width = topics
        .iter()
        .map(|t| t.0.chars().count())
        .max()
        .unwrap_or(0)
        .max("TOPIC".len());
    println!("{:<width$}  {:>7}", "TOPIC", "MATCHES");
    for (slug, n, configured) in &topics {
        let note = if *configured {
            ""
        } else {
            "  (not in the config)"
        };
        println!("{slug:<width$}  {n:>7}{note}");
    }
    Ok(ExitCode::SUCCESS)
}

fn import_opml(config: &Config, file: &Path, dry_run: bool) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc = opml::parse(&bytes).with_context(|| format!("cannot read {}", file.display()))?;
    let origin = match &doc.title {
        Some(t) => format!("{} (\"{t}\")", file.display()),
        None => file.display().to_string(),
    };
    let text = std::fs::read_to_string(&config.path)
        .with_context(|| format!("cannot read {}", config.path.display()))?;
    let (new_text, report) =
        config::edit::add_sources(&text, &config.path, &doc.subscriptions, &origin)?;
    for why in &doc.skipped {
        println!("skipped: {why}");
    }
    for url in &report.already_configured {
        println!("already configured: {url}");
    }
    for (name, url) in &report.added {
        println!(
            "{}: {name} <{url}>",
            if dry_run { "would add" } else { "added" }
        );
    }
    if dry_run || report.added.is_empty() {
        println!(
            "{} new sources; {} unchanged",
            report.added.len(),
            config.path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    write_atomically(&config.path, &new_text)?;
    println!(
        "{} sources added to {}; reload the daemon to poll them \
         (systemctl reload feedsieve, or kill -HUP its pid)",
        report.added.len(),
        config.path.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn export_opml(config: &Config) -> String {
    let subscriptions: Vec<opml::Subscription> = config
        .sources
        .iter()
        .map(|s| opml::Subscription {
            title: s.name.clone(),
            feed_url: s.url.clone(),
            site_url: None,
            category: s.category.clone(),
            full_text: Some(s.full_text),
            enabled: (!s.enabled).then_some(false),
            interval: (s.interval != config.fetch.interval).then_some(s.interval),
        })
        .collect();
    opml::render("feedsieve sources", &subscriptions, chrono::Utc::now())
}

/// Replaces `path` with `text` so that a reader (the daemon reloading, a
/// crash) sees the old file or the new one, never half of it. The new file
/// keeps the old one's permissions.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?
        .to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}", path.display())
    })
}

fn size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{:.0} KiB", bytes as f64 / 1024.0)
    }
}

/// Two glibc malloc arenas per core, not eight. glibc gives each thread
/// that allocates under contention its own arena, and each keeps the memory
/// it freed: the daemon's fetch, CPU and blocking threads grew an ingest of
/// 4,000 articles to 105 MB resident; with two arenas per core it stayed at
/// 80 MB, 6% slower (with one per core, contention on the arenas' locks
/// cost 40%; BENCHMARKS.md, "End-to-end ingest"). An explicit
/// `MALLOC_ARENA_MAX` in the environment still wins. Must run before the
/// first thread starts.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let arenas = i32::try_from(2 * feedsieve::cpu::threads()).unwrap_or(i32::MAX);
        // SAFETY: mallopt only sets a tunable of the allocator; it is
        // called before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

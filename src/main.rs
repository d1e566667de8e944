//! The `feedsieve` command line: parse arguments, set up logging, call into
//! the library. No pipeline logic lives here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use feedsieve::config::{self, Config};
use feedsieve::daemon;
use feedsieve::fetch::charset::{self, DocumentKind, Hints};
use feedsieve::reclassify;
use feedsieve::refresh::Outcome;
use feedsieve::store::Store;
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: poll sources on schedule and serve topic feeds until
    /// SIGINT or SIGTERM.
    Run,
    /// Refresh every enabled source once (fetch, scrape, store, classify),
    /// then exit. Exits non-zero only when the pass cannot run at all.
    Fetch,
    /// Check the configuration, print a summary, exit non-zero on any error.
    Check,
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
    let cli = Cli::parse();
    init_logging();
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
    match cli.command {
        Command::Explain { topic, article } => {
            let config = Config::load(&cli.config)?;
            explain(&config, &topic, &article)
        }
        Command::Topics {
            command:
                TopicsCommand::Test {
                    topic,
                    query,
                    samples,
                },
        } => {
            let config = Config::load(&cli.config)?;
            topics_test(&config, &topic, query.as_deref(), samples)
        }
        Command::Check => {
            let config = Config::load(&cli.config)?;
            print_summary(&config);
            Ok(ExitCode::SUCCESS)
        }
        Command::Extract(args) => extract_page(&cli.config, args),
        Command::Run => {
            let config = Config::load(&cli.config)?;
            runtime()?.block_on(daemon::run(&config))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch => {
            let config = Config::load(&cli.config)?;
            runtime()?.block_on(async {
                let pipeline = daemon::pipeline(&config)?;
                let mut reports = daemon::fetch_all(&pipeline, &config).await;
                reports.sort_by(|a, b| a.source.cmp(&b.source));
                for r in &reports {
                    match &r.outcome {
                        Outcome::NotModified => println!("{}: not modified", r.source),
                        Outcome::Updated {
                            entries,
                            saved,
                            extraction_failures,
                        } => println!(
                            "{}: {entries} entries, {} new, {} topic matches, {extraction_failures} extraction failures",
                            r.source, saved.new, saved.matches
                        ),
                        Outcome::Failed { error, .. } => println!("{}: FAILED: {error}", r.source),
                        Outcome::Gone { error } => println!("{}: GONE: {error}", r.source),
                    }
                }
                let failed = reports
                    .iter()
                    .filter(|r| matches!(r.outcome, Outcome::Failed { .. } | Outcome::Gone { .. }))
                    .count();
                println!("{} sources refreshed, {failed} failed", reports.len());
                anyhow::Ok(())
            })?;
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

/// Logs go to stderr; `RUST_LOG` overrides the default level. Colours only
/// on a terminal, so journald and files get plain text.
fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

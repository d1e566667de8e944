//! The `feedsieve` command line: parse arguments, set up logging, call into
//! the library. No pipeline logic lives here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use feedsieve::config::{self, Config};
use feedsieve::refresh::Outcome;
use feedsieve::{daemon, extract, fetch};

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
                    }
                }
                let failed = reports
                    .iter()
                    .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
                    .count();
                println!("{} sources refreshed, {failed} failed", reports.len());
                anyhow::Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
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
            let page = runtime()?.block_on(fetcher.page(&url))?;
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
            (fetch::decode_html(&bytes, None), url)
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

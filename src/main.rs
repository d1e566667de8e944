//! The `feedsieve` command line: parse arguments, set up logging, call into
//! the library. No pipeline logic lives here.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use feedsieve::config::{self, Config};
use feedsieve::daemon;
use feedsieve::refresh::Outcome;

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

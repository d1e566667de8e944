//! Log output: where `tracing` events go and in what form.
//!
//! In: the output format chosen on the command line, the level from the
//! config's `[log] level`, and the environment (`RUST_LOG`, whether stderr
//! is a terminal or journald). Out: the global subscriber, and a
//! [`LevelHandle`] the daemon uses to apply a new `[log] level` on reload.
//! Never decides *what* is logged; the stages do, with fixed messages and
//! data in fields.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, reload};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One readable line per event, with its spans' fields.
    Text,
    /// One JSON object per line, with the current span and the span list,
    /// for log shippers.
    Json,
}

/// The progress bar on the terminal, if one is drawn: log lines are
/// written "through" it (the bar is cleared, the line written, the bar
/// redrawn) instead of tearing it. Global because the subscriber writing
/// the lines is global too (`tracing` has one per process).
static PROGRESS: Mutex<Option<indicatif::ProgressBar>> = Mutex::new(None);

/// Routes log lines around `bar` while it is drawn; `None` when it is gone.
pub fn write_around(bar: Option<indicatif::ProgressBar>) {
    *PROGRESS.lock().unwrap_or_else(|e| e.into_inner()) = bar;
}

/// Standard error, written around the progress bar when there is one.
struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = PROGRESS.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match bar {
            Some(bar) => bar.suspend(|| std::io::stderr().write(buf)),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Changes the level of the installed subscriber.
#[derive(Clone)]
pub struct LevelHandle {
    handle: Option<reload::Handle<EnvFilter, Registry>>,
}

impl LevelHandle {
    /// A handle that changes nothing, for a daemon started without
    /// [`init`] (the integration tests).
    pub fn none() -> LevelHandle {
        LevelHandle { handle: None }
    }

    /// Applies `level` (already checked by `config`). Does nothing when
    /// `RUST_LOG` is set: the environment overrides the file, also after a
    /// reload.
    pub fn set(&self, level: &str) {
        let Some(handle) = &self.handle else { return };
        if rust_log().is_some() {
            return;
        }
        match EnvFilter::builder().parse(level) {
            Ok(filter) => {
                if let Err(e) = handle.reload(filter) {
                    tracing::warn!(error = %e, "cannot change the log level");
                }
            }
            Err(e) => tracing::warn!(error = %e, level, "cannot change the log level"),
        }
    }
}

/// Installs the global subscriber: events to stderr, filtered by `RUST_LOG`
/// when set, else by `level`.
///
/// `quiet`: print only warnings and errors, for commands whose results are
/// their output (`fetch`, `search`, …). Their spans stay enabled at
/// `level`, so a warning still says which source and article it concerns
/// (an `EnvFilter` of "warn" would disable the info-level spans and lose
/// that). `RUST_LOG` turns quiet off: whoever sets it wants those lines.
pub fn init(format: Format, level: &str, quiet: bool) -> LevelHandle {
    let filter = match rust_log() {
        Some(env) => EnvFilter::builder().parse_lossy(env),
        None => EnvFilter::builder().parse_lossy(level),
    };
    let (filter, handle) = reload::Layer::new(filter);
    // journald and log files must not receive colour escape codes.
    let ansi = std::io::stderr().is_terminal();
    // journald stamps every line itself; a second timestamp in the message
    // only makes `journalctl` output wider.
    let timestamps = !stderr_is_journal();
    let output = match format {
        Format::Text => {
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(|| Stderr)
                .with_ansi(ansi);
            if timestamps {
                layer.boxed()
            } else {
                layer.without_time().boxed()
            }
        }
        Format::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(|| Stderr)
            .boxed(),
    };
    let quiet = quiet && rust_log().is_none();
    let output = output
        .with_filter(tracing_subscriber::filter::filter_fn(move |meta| {
            !quiet || meta.is_span() || *meta.level() <= tracing::Level::WARN
        }))
        .boxed();
    // `try_init` fails only when a subscriber is already installed, which
    // happens solely when a caller inits twice; the first one stays.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(output)
        .try_init();
    LevelHandle {
        handle: Some(handle),
    }
}

fn rust_log() -> Option<String> {
    std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
}

/// Whether stderr is the journal stream systemd connected, as
/// `sd_journal_stream_fd(3)` and systemd.exec(5) ("$JOURNAL_STREAM")
/// describe it: the variable holds the device and inode of that stream, and
/// matching them against stderr tells a service's own stderr from an
/// inherited variable in a child whose stderr was redirected.
fn stderr_is_journal() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(value) = std::env::var("JOURNAL_STREAM") else {
        return false;
    };
    let Some((dev, ino)) = value.split_once(':') else {
        return false;
    };
    let Ok(meta) = std::fs::metadata("/proc/self/fd/2") else {
        return false;
    };
    dev.parse() == Ok(meta.dev()) && ino.parse() == Ok(meta.ino())
}

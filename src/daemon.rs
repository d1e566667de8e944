//! The long-running service: the scheduler that polls each source at its
//! interval, and the HTTP server, until SIGINT or SIGTERM.
//!
//! Each enabled source gets its own task that sleeps until the source is
//! due, waits for one of `fetch.concurrency` permits, and runs
//! `refresh::refresh_source`. A slow or failing source therefore only ever
//! delays itself. When to poll next is decided by `schedule` (pure); this
//! module only waits.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::config::{Config, SourceConfig};
use crate::dedupe;
use crate::fetch::Fetcher;
use crate::metrics::Metrics;
use crate::model::ArticleId;
use crate::publish::{self, AppState, Publisher};
use crate::reclassify;
use crate::refresh::{self, Pipeline, RefreshReport};
use crate::schedule;
use crate::store::Store;

/// Opens the store (applying migrations), registers the configured sources
/// and builds the shared HTTP client: everything a refresh needs.
pub fn pipeline(config: &Config) -> anyhow::Result<Pipeline> {
    let store = Store::open(&config.store.path)?;
    // A read-only database (a restore with the wrong owner, a filesystem
    // remounted read-only) still holds feeds worth serving: start, say so,
    // and let each refresh retry writing (`Store::ensure_writable`).
    tolerate_read_only(store.sync_sources(&config.sources))
        .with_context(|| format!("cannot register sources in {}", config.store.path.display()))?;
    let fetcher = Fetcher::new(&config.fetch)?;
    // Topics changed since the archive was classified (or were added or
    // removed) are re-run over the archive before anything new arrives, so
    // the feeds reflect the current config. Unchanged topics cost nothing.
    let topics = reclassify::prepare_topics(&store, &config.topics)
        .context("cannot build the topics' example profiles")?;
    let started = std::time::Instant::now();
    let report = tolerate_read_only(reclassify::reclassify_changed(&store, &topics, Utc::now()))
        .context("cannot re-classify the archive")?
        .unwrap_or_default();
    if !report.topics.is_empty() || report.removed > 0 {
        tracing::info!(
            topics = ?report.topics,
            articles = report.articles,
            matches = report.matches,
            removed = report.removed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "topics re-classified over the archive"
        );
    }
    let stories = Arc::new(stories(&store, &config.dedupe)?);
    Ok(Pipeline {
        fetcher,
        store,
        topics: Arc::new(topics),
        stories,
        max_items: config.fetch.max_items,
        max_backoff: config.fetch.max_backoff,
        metrics: Metrics::new(),
        publisher: Publisher::new(config)?,
    })
}

/// `result`, except that a read-only database is logged and becomes
/// `None`: start-up work that writes is skipped rather than fatal.
fn tolerate_read_only<T>(
    result: Result<T, crate::store::StoreError>,
) -> Result<Option<T>, crate::store::StoreError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_read_only() => {
            tracing::error!(error = %e, "start-up work skipped: the database is read-only");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Rebuilds the near-duplicate index from the fingerprints stored for the
/// last window (older articles cannot match anything new). Fingerprints
/// the index cannot use (made by another version) are re-made from the
/// stored text and stored again.
fn stories(store: &Store, config: &crate::config::DedupeConfig) -> anyhow::Result<dedupe::Stories> {
    let params = dedupe::FingerprintParams::DEFAULT;
    let rule = config.rule;
    let since = Utc::now() - rule.window;
    let stored = store
        .fingerprints_since(since)
        .context("cannot read stored fingerprints")?;
    let count = stored.len();
    let (stories, stale) = dedupe::Stories::rebuild(params, rule, stored);
    if !stale.is_empty() {
        let ids: Vec<ArticleId> = stale.iter().map(|(a, _, _)| *a).collect();
        let published: std::collections::HashMap<ArticleId, _> =
            stale.iter().map(|(a, when, _)| (*a, *when)).collect();
        let mut index = stories.lock();
        for (article, text) in store.article_texts(&ids)? {
            let fp = dedupe::fingerprint(&text, params);
            let keep = fp.words >= rule.min_words;
            store.set_fingerprint(article, keep.then(|| fp.to_bytes()).as_deref())?;
            if keep && let Some(when) = published.get(&article) {
                index.insert(article, *when, &fp)?;
            }
        }
        tracing::info!(count = stale.len(), "re-made stored fingerprints");
    }
    tracing::info!(articles = count, "near-duplicate index rebuilt");
    Ok(stories)
}

/// One pass over every enabled source, at most `fetch.concurrency` at a
/// time; returns when all are done. Used by `feedsieve fetch` and tests.
pub async fn fetch_all(pipeline: &Pipeline, config: &Config) -> Vec<RefreshReport> {
    let permits = Arc::new(Semaphore::new(config.fetch.concurrency));
    let mut set = JoinSet::new();
    for source in config.enabled_sources() {
        let (p, permits, source) = (pipeline.clone(), permits.clone(), source.clone());
        set.spawn(async move {
            let _permit = permits.acquire_owned().await;
            refresh::refresh_source(&p, &source).await
        });
    }
    let mut reports = Vec::new();
    while let Some(r) = set.join_next().await {
        match r {
            Ok(report) => reports.push(report),
            Err(e) => tracing::error!(error = %e, "refresh task failed"),
        }
    }
    reports
}

/// A running daemon: scheduler and HTTP server.
pub struct Daemon {
    /// The address the HTTP server listens on (useful with port 0).
    pub addr: SocketAddr,
    pub pipeline: Pipeline,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl Daemon {
    /// Starts the server and the scheduler. Fails when the store cannot be
    /// opened or the listen address cannot be bound.
    pub async fn start(config: &Config) -> anyhow::Result<Daemon> {
        let pipeline = pipeline(config)?;
        let listener = tokio::net::TcpListener::bind(config.server.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.server.listen))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();

        let state = AppState::new(
            pipeline.store.clone(),
            pipeline.publisher.clone(),
            pipeline.metrics.clone(),
            config,
        );
        let mut server_stop = stopped.clone();
        tasks.spawn(async move {
            let shutdown = async move {
                let _ = server_stop.wait_for(|s| *s).await;
            };
            if let Err(e) = publish::serve(listener, state, shutdown).await {
                tracing::error!(error = %e, "HTTP server failed");
            }
        });

        let permits = Arc::new(Semaphore::new(config.fetch.concurrency));
        for source in config.enabled_sources().cloned() {
            tasks.spawn(poll_forever(
                pipeline.clone(),
                source,
                permits.clone(),
                stopped.clone(),
            ));
        }
        tracing::info!(
            listen = %addr,
            sources = config.enabled_sources().count(),
            topics = config.topics.len(),
            "feedsieve started"
        );
        Ok(Daemon {
            addr,
            pipeline,
            stop,
            tasks,
        })
    }

    /// Asks every task to stop; in-flight refreshes are dropped at an await
    /// point, which is safe because a refresh stores all it learned in one
    /// transaction at its very end.
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }

    /// Waits until every task has stopped.
    pub async fn wait(mut self) {
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Runs the daemon until SIGINT or SIGTERM.
pub async fn run(config: &Config) -> anyhow::Result<()> {
    let daemon = Daemon::start(config).await?;
    wait_for_signal().await?;
    tracing::info!("stopping");
    daemon.shutdown();
    daemon.wait().await;
    Ok(())
}

async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
    Ok(())
}

async fn poll_forever(
    pipeline: Pipeline,
    source: SourceConfig,
    permits: Arc<Semaphore>,
    mut stopped: watch::Receiver<bool>,
) {
    let store = pipeline.store.clone();
    let name = source.name.clone();
    let not_before = match tokio::task::spawn_blocking(move || store.source_state(&name)).await {
        Ok(Ok(state)) => state.retry_not_before,
        // The refresh reads the state again and records any problem.
        _ => None,
    };
    let mut due = schedule::first_poll(Utc::now(), source.interval, rand::random(), not_before);
    loop {
        let wait = (due - Utc::now()).to_std().unwrap_or_default();
        let work = async {
            tokio::time::sleep(wait).await;
            let _permit = permits.acquire().await;
            refresh::refresh_source(&pipeline, &source).await
        };
        tokio::select! {
            report = work => {
                if let refresh::Outcome::Gone { .. } = report.outcome {
                    // 410 Gone: the source stays listed with its status, but
                    // is not polled until its URL changes (a restart with the
                    // new config starts a new task).
                    return;
                }
                due = report.next;
            }
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}

//! The long-running service: the scheduler that polls each source at its
//! interval, and the HTTP server, until SIGINT or SIGTERM; SIGHUP reloads
//! the configuration.
//!
//! Each enabled source gets its own task that sleeps until the source is
//! due, waits for one of `fetch.concurrency` permits, and runs
//! `refresh::refresh_source`. A slow or failing source therefore only ever
//! delays itself. When to poll next is decided by `schedule` (pure); this
//! module only waits.
//!
//! Around that: one daemon per database ([`DaemonLock`]), the service
//! manager kept informed (`systemd`: readiness, status, watchdog), and the
//! store kept in shape (`maintenance`: retention, search index, vacuum).
//!
//! A reload swaps what can change in place — the sources' tasks (only
//! those whose configuration changed are restarted), the topics (for new
//! refreshes and for the HTTP server), the fetch settings, retention and
//! the log level — and keeps what cannot (the database path and the listen
//! address need a restart, and say so). A config that does not load is
//! rejected as a whole: the running one stays.

mod maintenance;
mod systemd;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::{AbortHandle, JoinSet};

use crate::config::{Config, SourceConfig, StoreConfig};
use crate::cpu::{self, CpuPool};
use crate::dedupe;
use crate::fetch::Fetcher;
use crate::logging::LevelHandle;
use crate::metrics::Metrics;
use crate::model::ArticleId;
use crate::publish::{self, AppState, Publisher, TopicInfo};
use crate::reclassify;
use crate::refresh::{self, Pipeline, RefreshReport};
use crate::schedule;
use crate::store::{DaemonLock, Store};
use crate::topics::Topic;

pub use maintenance::{MaintenanceError, maintain};

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
    let topics = topics_over_archive(&store, &config.topics)?;
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
        cpu: CpuPool::new(cpu::threads()).context("cannot start the CPU worker threads")?,
    })
}

/// Prepares `topics` for classification and brings the archive's matches
/// up to date with them. Blocking: store work.
fn topics_over_archive(store: &Store, topics: &[Topic]) -> anyhow::Result<Vec<Topic>> {
    // Topics changed since the archive was classified (or were added or
    // removed) are re-run over the archive before anything new arrives, so
    // the feeds reflect the current config. Unchanged topics cost nothing.
    let topics = reclassify::prepare_topics(store, topics)
        .context("cannot build the topics' example profiles")?;
    let started = std::time::Instant::now();
    let report = tolerate_read_only(reclassify::reclassify_changed(store, &topics, Utc::now()))
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
    Ok(topics)
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
    let mut reports = Vec::new();
    fetch_each(pipeline, config, |r| reports.push(r)).await;
    reports
}

/// [`fetch_all`], handing each report to `done` as its source finishes
/// (for progress output).
pub async fn fetch_each(pipeline: &Pipeline, config: &Config, mut done: impl FnMut(RefreshReport)) {
    let permits = Arc::new(Semaphore::new(config.fetch.concurrency));
    let mut set = JoinSet::new();
    let mut finished = |r: Result<RefreshReport, tokio::task::JoinError>| match r {
        Ok(report) => done(report),
        Err(e) => tracing::error!(error = %e, "refresh task failed"),
    };
    for source in config.enabled_sources() {
        // A source's task is made once it may run, so a pass over 10,000
        // sources holds `concurrency` refreshes, not 10,000 waiting tasks.
        // `acquire_owned` fails only on a closed semaphore; this one is not.
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        while let Some(r) = set.try_join_next() {
            finished(r);
        }
        let (p, source) = (pipeline.clone(), source.clone());
        set.spawn(async move {
            let _permit = permit;
            refresh::refresh_source(&p, &source).await
        });
    }
    while let Some(r) = set.join_next().await {
        finished(r);
    }
}

/// What a reload can swap while the daemon runs; every source task reads
/// the current value before each refresh.
#[derive(Clone)]
struct Live {
    pipeline: Pipeline,
    permits: Arc<Semaphore>,
    retention: StoreConfig,
}

/// A source's polling task.
struct Poller {
    source: SourceConfig,
    task: AbortHandle,
}

/// A running daemon: scheduler, HTTP server, maintenance.
pub struct Daemon {
    /// The address the HTTP server listens on (useful with port 0).
    pub addr: SocketAddr,
    config: Config,
    live: watch::Sender<Live>,
    topics: watch::Sender<Arc<Vec<TopicInfo>>>,
    pollers: HashMap<String, Poller>,
    refreshed: mpsc::UnboundedSender<()>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    _lock: DaemonLock,
}

/// What a reload changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadSummary {
    pub sources_added: Vec<String>,
    pub sources_removed: Vec<String>,
    pub sources_changed: Vec<String>,
    pub topics: usize,
    /// Keys whose new value needs a restart; their old value stays.
    pub restart_needed: Vec<&'static str>,
}

impl fmt::Display for ReloadSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} source(s) added, {} removed, {} changed; {} topic(s)",
            self.sources_added.len(),
            self.sources_removed.len(),
            self.sources_changed.len(),
            self.topics
        )
    }
}

impl Daemon {
    /// Takes the database's lock, opens the store (migrations included),
    /// binds the listen address and starts every task. Fails when another
    /// daemon holds the database, or the store cannot be opened, or the
    /// address cannot be bound.
    pub async fn start(config: &Config) -> anyhow::Result<Daemon> {
        let lock = DaemonLock::acquire(&config.store.path)?;
        let pipeline = pipeline(config)?;
        let listener = tokio::net::TcpListener::bind(config.server.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.server.listen))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();

        let (state, topics) = AppState::live(
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

        let (live, live_rx) = watch::channel(Live {
            pipeline: pipeline.clone(),
            permits: Arc::new(Semaphore::new(config.fetch.concurrency)),
            retention: config.store.clone(),
        });
        let (refreshed, refreshed_rx) = mpsc::unbounded_channel();
        tasks.spawn(systemd::report_status(
            pipeline.store.clone(),
            addr,
            refreshed_rx,
            stopped.clone(),
        ));
        if let Some(every) = systemd::watchdog_interval() {
            tasks.spawn(systemd::watchdog(
                pipeline.store.clone(),
                every,
                stopped.clone(),
            ));
        }
        tasks.spawn(maintenance::run(live_rx, stopped.clone()));

        let mut daemon = Daemon {
            addr,
            config: config.clone(),
            live,
            topics,
            pollers: HashMap::new(),
            refreshed,
            stop,
            tasks,
            _lock: lock,
        };
        for source in config.enabled_sources().cloned() {
            daemon.spawn_poller(source);
        }
        tracing::info!(
            listen = %addr,
            sources = config.enabled_sources().count(),
            topics = config.topics.len(),
            "feedsieve started"
        );
        Ok(daemon)
    }

    /// The store the daemon writes.
    pub fn store(&self) -> Store {
        self.live.borrow().pipeline.store.clone()
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn spawn_poller(&mut self, source: SourceConfig) {
        let task = self.tasks.spawn(poll_forever(
            self.live.subscribe(),
            source.clone(),
            self.refreshed.clone(),
            self.stop.subscribe(),
        ));
        self.pollers
            .insert(source.name.clone(), Poller { source, task });
    }

    /// Applies `new` in place (see the module doc for what can change):
    /// registers its sources, re-classifies the archive for topics that
    /// changed, then swaps. On error the running configuration stays.
    pub async fn reload(&mut self, mut new: Config) -> anyhow::Result<ReloadSummary> {
        let old = &self.config;
        let mut summary = ReloadSummary {
            topics: new.topics.len(),
            ..ReloadSummary::default()
        };
        // The database and the listening socket are held for the daemon's
        // life: changing them means a restart. The rest of the file applies.
        if new.store.path != old.store.path {
            summary.restart_needed.push("store.path");
            new.store.path = old.store.path.clone();
        }
        if new.server != old.server {
            summary.restart_needed.push("server");
            new.server = old.server.clone();
        }
        // The near-duplicate index and the HTTP server's preferred sources
        // are built from [dedupe] at start-up.
        if new.dedupe != old.dedupe {
            summary.restart_needed.push("dedupe");
            new.dedupe = old.dedupe.clone();
        }

        let current = self.live.borrow().clone();
        let fetcher = if new.fetch != old.fetch {
            Fetcher::new(&new.fetch)?
        } else {
            current.pipeline.fetcher.clone()
        };
        let store = current.pipeline.store.clone();
        let topics = {
            let (store, sources, topics) = (store.clone(), new.sources.clone(), new.topics.clone());
            tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<Topic>> {
                store
                    .sync_sources(&sources)
                    .context("cannot register the sources in the database")?;
                topics_over_archive(&store, &topics)
            })
            .await??
        };
        // Nothing can fail from here on.
        let permits = if new.fetch.concurrency != old.fetch.concurrency {
            // Refreshes under way finish with their old permits; the new
            // limit governs every refresh that starts after the reload.
            Arc::new(Semaphore::new(new.fetch.concurrency))
        } else {
            current.permits.clone()
        };
        self.live.send_replace(Live {
            pipeline: Pipeline {
                fetcher,
                store,
                topics: Arc::new(topics),
                stories: current.pipeline.stories.clone(),
                max_items: new.fetch.max_items,
                max_backoff: new.fetch.max_backoff,
                metrics: current.pipeline.metrics.clone(),
                publisher: current.pipeline.publisher.clone(),
                cpu: current.pipeline.cpu.clone(),
            },
            permits,
            retention: new.store.clone(),
        });
        self.topics
            .send_replace(Arc::new(publish::topic_infos(&new)));
        // Topics, their matches and sources' republishing policies may all
        // have changed: no rendered feed can be trusted.
        current.pipeline.publisher.everything_changed();

        // Sources: stop the tasks of removed, disabled or changed sources,
        // start tasks for new and changed ones; the others keep their
        // schedule.
        let wanted: HashMap<&str, &SourceConfig> = new
            .enabled_sources()
            .map(|s| (s.name.as_str(), s))
            .collect();
        let running: Vec<String> = self.pollers.keys().cloned().collect();
        for name in running {
            match wanted.get(name.as_str()) {
                Some(s) if **s == self.pollers[&name].source => {}
                Some(_) => {
                    if let Some(p) = self.pollers.remove(&name) {
                        p.task.abort();
                    }
                    summary.sources_changed.push(name);
                }
                None => {
                    if let Some(p) = self.pollers.remove(&name) {
                        p.task.abort();
                    }
                    summary.sources_removed.push(name);
                }
            }
        }
        for source in new.enabled_sources() {
            if !self.pollers.contains_key(&source.name) {
                if !summary.sources_changed.contains(&source.name) {
                    summary.sources_added.push(source.name.clone());
                }
                self.spawn_poller(source.clone());
            }
        }
        // Reap the aborted tasks so a long-lived daemon reloaded often does
        // not keep their handles.
        while self.tasks.try_join_next().is_some() {}

        self.config = new;
        Ok(summary)
    }

    /// Reads the config file again and applies it; on any error (the file
    /// does not load, the new fetch settings are unusable) the running
    /// configuration stays.
    pub async fn reload_from_file(&mut self) -> anyhow::Result<ReloadSummary> {
        let new = Config::load(&self.config.path)?;
        self.reload(new).await
    }

    /// Asks every task to stop; in-flight refreshes are dropped at an await
    /// point, which is safe because a refresh stores all it learned in one
    /// transaction at its very end.
    pub fn shutdown(&self) {
        let _ = self.stop.send(true);
    }

    /// Waits until every task has stopped.
    pub async fn wait(mut self) {
        for p in self.pollers.values() {
            p.task.abort();
        }
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Runs the daemon until SIGINT or SIGTERM, reloading on SIGHUP, and keeps
/// the service manager informed.
pub async fn run(config: &Config, log: LevelHandle) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    // Installed before start-up so a SIGHUP sent early is not fatal (its
    // default action ends the process).
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    let mut hup = signal(SignalKind::hangup()).context("cannot watch SIGHUP")?;

    let mut daemon = Daemon::start(config).await?;
    systemd::ready(daemon.addr, daemon.config());
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                systemd::reloading();
                match daemon.reload_from_file().await {
                    Ok(summary) => {
                        log.set(&daemon.config().log.level);
                        for key in &summary.restart_needed {
                            tracing::warn!(key, "changed setting takes effect after a restart");
                        }
                        tracing::info!(
                            sources.added = ?summary.sources_added,
                            sources.removed = ?summary.sources_removed,
                            sources.changed = ?summary.sources_changed,
                            topics = summary.topics,
                            "configuration reloaded"
                        );
                        systemd::reloaded(&format!("reloaded: {summary}"));
                    }
                    Err(e) => {
                        // One line: journald makes each line its own entry.
                        let message = format!("{e:#}").replace("\n  ", "; ").replace('\n', "; ");
                        tracing::error!(
                            error = %message,
                            "configuration not reloaded; the running one stays"
                        );
                        systemd::reloaded(&format!(
                            "reload failed, running the previous configuration: {message}"
                        ));
                    }
                }
            }
        }
    }
    tracing::info!("stopping");
    systemd::stopping();
    daemon.shutdown();
    daemon.wait().await;
    Ok(())
}

async fn poll_forever(
    live: watch::Receiver<Live>,
    source: SourceConfig,
    refreshed: mpsc::UnboundedSender<()>,
    mut stopped: watch::Receiver<bool>,
) {
    let store = live.borrow().pipeline.store.clone();
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
            // The pipeline and limit in force when the refresh starts: a
            // reload in between applies to this refresh.
            let Live {
                pipeline, permits, ..
            } = live.borrow().clone();
            let _permit = permits.acquire().await;
            // Boxed, so that a source waiting for its turn (most of them,
            // most of the time) holds a small task and not room for a whole
            // refresh's state: unboxed, the 10,000 waiting tasks of the
            // farm benchmark's cycle took tens of MB (BENCHMARKS.md,
            // "End-to-end ingest").
            Box::pin(refresh::refresh_source(&pipeline, &source)).await
        };
        tokio::select! {
            report = work => {
                if let refresh::Outcome::Gone { .. } = report.outcome {
                    // 410 Gone: the source stays listed with its status, but
                    // is not polled until its URL changes (a reload or a
                    // restart with the new URL starts a new task).
                    let _ = refreshed.send(());
                    return;
                }
                due = report.next;
                let _ = refreshed.send(());
            }
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}

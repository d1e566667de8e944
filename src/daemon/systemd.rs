//! Telling the service manager how the daemon is doing, over the
//! `sd_notify(3)` protocol: `READY=1` once migrations ran and the socket
//! is bound, `RELOADING=1`/`READY=1` around a reload, `STOPPING=1`, a
//! one-line `STATUS=` that `systemctl status` shows, and watchdog pings.
//!
//! Every message is a no-op when `$NOTIFY_SOCKET` is not set (not started
//! by systemd, or a unit that is not `Type=notify`), so the daemon runs the
//! same from a terminal. A message that cannot be sent is logged and
//! otherwise ignored: losing a status line must never stop the service.

use std::net::SocketAddr;
use std::time::Duration;

use sd_notify::NotifyState;
use tokio::sync::{mpsc, watch};

use crate::config::Config;
use crate::store::Store;

/// How often the status line is refreshed when no refresh finishes, and
/// the least time between two updates when many do.
const STATUS_EVERY: Duration = Duration::from_secs(60);
const STATUS_AT_MOST_EVERY: Duration = Duration::from_secs(5);

fn notify(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

/// Start-up is complete: the database is migrated and the socket bound.
pub(super) fn ready(addr: SocketAddr, config: &Config) {
    let status = format!(
        "listening on {addr}; {} sources, {} topics",
        config.enabled_sources().count(),
        config.topics.len()
    );
    notify(&[NotifyState::Ready, NotifyState::Status(&status)]);
}

/// A reload has started. systemd 253+ wants the monotonic time with it to
/// tell this reload from an earlier one; older versions ignore it.
pub(super) fn reloading() {
    let mut states = vec![NotifyState::Reloading];
    if let Ok(now) = NotifyState::monotonic_usec_now() {
        states.push(now);
    }
    notify(&states);
}

/// A reload is over (applied or rejected; `status` says which).
pub(super) fn reloaded(status: &str) {
    notify(&[NotifyState::Ready, NotifyState::Status(status)]);
}

pub(super) fn stopping() {
    notify(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

/// How often to ping the watchdog, when the unit sets `WatchdogSec=`: half
/// the timeout, as sd_watchdog_enabled(3) recommends, so one late ping is
/// not fatal.
pub(super) fn watchdog_interval() -> Option<Duration> {
    sd_notify::watchdog_enabled().map(|timeout| timeout / 2)
}

/// Pings the watchdog while the daemon can still do its work: the runtime
/// schedules this task, and the store answers a query within the interval.
/// A daemon whose database is stuck (a lock never released, a hung disk)
/// stops pinging and is restarted by systemd.
pub(super) async fn watchdog(store: Store, every: Duration, mut stopped: watch::Receiver<bool>) {
    loop {
        let s = store.clone();
        let check = tokio::time::timeout(every, tokio::task::spawn_blocking(move || s.check()));
        match check.await {
            Ok(Ok(Ok(()))) => notify(&[NotifyState::Watchdog]),
            Ok(Ok(Err(e))) => tracing::error!(error = %e, "watchdog: the database does not answer"),
            Ok(Err(e)) => tracing::error!(error = %e, "watchdog: the database check failed"),
            Err(_) => tracing::error!("watchdog: the database did not answer in time"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}

/// Keeps `STATUS=` current: after refreshes finish (at most every few
/// seconds) and once a minute.
pub(super) async fn report_status(
    store: Store,
    addr: SocketAddr,
    mut refreshed: mpsc::UnboundedReceiver<()>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            r = refreshed.recv() => if r.is_none() { return },
            _ = tokio::time::sleep(STATUS_EVERY) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let s = store.clone();
        match tokio::task::spawn_blocking(move || s.source_statuses()).await {
            Ok(Ok(sources)) => {
                let enabled: Vec<_> = sources.iter().filter(|s| s.enabled).collect();
                let failing = enabled
                    .iter()
                    .filter(|s| s.last_status.as_deref() == Some("error"))
                    .count();
                let articles: u64 = sources.iter().map(|s| s.articles).sum();
                let last = enabled.iter().filter_map(|s| s.last_fetch).max();
                let status = format!(
                    "listening on {addr}; {} sources ({failing} failing), {articles} articles; last refresh {}",
                    enabled.len(),
                    last.map_or("never".to_string(), |t| t
                        .format("%Y-%m-%d %H:%M:%S UTC")
                        .to_string())
                );
                notify(&[NotifyState::Status(&status)]);
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot read the status for the service manager")
            }
            Err(e) => tracing::warn!(error = %e, "cannot read the status for the service manager"),
        }
        tokio::select! {
            _ = tokio::time::sleep(STATUS_AT_MOST_EVERY) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        while refreshed.try_recv().is_ok() {}
    }
}

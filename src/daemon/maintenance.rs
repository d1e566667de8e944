//! Keeping the store in shape while the daemon runs: finishing a search
//! index rebuild, pruning by the retention policy, giving freed space back.
//!
//! Runs once at start-up, after every reload (the policy may have changed)
//! and then every [`EVERY`]. Each piece is a short store call run off the
//! async threads, so the HTTP server and the refreshes interleave with it.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use super::Live;
use crate::config::StoreConfig;
use crate::store::{IndexState, PruneReport, Store, StoreError};

/// How often retention runs. Articles expire by the day; an hour's delay
/// in deleting one costs nothing, and each run scans every source's
/// articles for `max_per_source`.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

/// Free pages returned to the file system per store call, so one call holds
/// the store for a few milliseconds rather than the whole reclaim.
const RECLAIM_PAGES: u32 = 1024;

pub(super) async fn run(mut live: watch::Receiver<Live>, mut stopped: watch::Receiver<bool>) {
    // A database created before incremental vacuum existed is switched
    // once; after that, freed pages can be returned a few at a time.
    let store = live.borrow().pipeline.store.clone();
    let converted = tokio::select! {
        r = blocking(move || store.enable_incremental_vacuum()) => r,
        _ = stopped.wait_for(|s| *s) => return,
    };
    match converted {
        Ok(true) => tracing::info!("database switched to incremental vacuum (one-time rewrite)"),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "cannot switch the database to incremental vacuum"),
    }
    loop {
        let (store, policy) = {
            let l = live.borrow_and_update();
            (l.pipeline.store.clone(), l.retention.clone())
        };
        tokio::select! {
            r = maintain(&store, &policy) => {
                if let Err(e) = r {
                    tracing::error!(error = %e, "store maintenance failed");
                }
            }
            _ = stopped.wait_for(|s| *s) => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            r = live.changed() => if r.is_err() { return },
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}

/// One round of upkeep: completes a search index rebuild, prunes what
/// `policy` no longer keeps, and returns the freed space. Also run at the
/// end of `feedsieve fetch`, for installations without a daemon.
pub async fn maintain(
    store: &Store,
    policy: &StoreConfig,
) -> Result<PruneReport, MaintenanceError> {
    loop {
        let s = store.clone();
        if blocking(move || s.reindex_search_step()).await? == IndexState::Complete {
            break;
        }
    }
    let report = {
        let (s, policy) = (store.clone(), policy.clone());
        blocking(move || s.prune(&policy, Utc::now())).await?
    };
    let mut freed = 0;
    loop {
        let s = store.clone();
        let n = blocking(move || s.reclaim_space(Some(RECLAIM_PAGES))).await?;
        freed += n;
        if n < u64::from(RECLAIM_PAGES) {
            break;
        }
    }
    if freed > 0 {
        tracing::info!(
            pages = freed,
            "returned free database pages to the file system"
        );
    }
    Ok(report)
}

/// Why a round of upkeep stopped.
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("store task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Runs a store call on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, MaintenanceError> {
    Ok(tokio::task::spawn_blocking(f).await??)
}

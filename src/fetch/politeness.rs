//! Politeness: how many requests feedsieve runs at once, per host and in all.
//!
//! In: the limits from `[fetch]` (a global concurrency, a per-host
//! concurrency, a minimum delay between two request starts to one host).
//! Out: a [`Permit`] per request, held until the response body has been read.
//! Feeds and article pages share one [`Limiter`], so scraping twenty new
//! articles from one outlet never opens twenty connections to it at once.
//! Never does I/O; only waits.
//!
//! Why per host and spaced: news sites rate-limit scrapers (HTTP 429, or a
//! silent ban of the IP), and a refresh that finds 30 new entries would
//! otherwise fetch 30 pages from one server in the same second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Host slots kept around after their last request; past this many, idle
/// ones are dropped so that one-off article hosts do not accumulate for the
/// life of the daemon.
const IDLE_HOSTS_KEPT: usize = 1024;

/// The shared gate every outbound request passes.
#[derive(Debug)]
pub struct Limiter {
    global: Arc<Semaphore>,
    per_host: usize,
    min_delay: Duration,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

#[derive(Debug)]
struct HostSlot {
    permits: Arc<Semaphore>,
    /// The earliest instant the next request to this host may start.
    next_start: Mutex<Instant>,
}

/// Permission to run one request. Dropping it frees the slots.
#[derive(Debug)]
pub struct Permit {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl Limiter {
    /// At most `global` requests at once, `per_host` of them to one host,
    /// and starts to one host at least `min_delay` apart. Zero limits are
    /// raised to one (a zero would deadlock every fetch).
    pub fn new(global: usize, per_host: usize, min_delay: Duration) -> Self {
        Self {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            min_delay,
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until a request to `host` may start, and returns the permit
    /// that must be held while it runs.
    ///
    /// The host slot is taken before the global one: a request waiting for
    /// its host must not hold a global slot that requests to other hosts
    /// could use.
    pub async fn acquire(&self, host: &str) -> Permit {
        let slot = self.slot(host);
        let host_permit = acquire_owned(&slot.permits).await;
        let start = {
            let mut next_start = slot
                .next_start
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let start = (*next_start).max(Instant::now());
            *next_start = start + self.min_delay;
            start
        };
        tokio::time::sleep_until(start).await;
        let global_permit = acquire_owned(&self.global).await;
        Permit {
            _host: host_permit,
            _global: global_permit,
        }
    }

    fn slot(&self, host: &str) -> Arc<HostSlot> {
        let key = host.to_ascii_lowercase();
        // A poisoned map only means another task panicked while holding the
        // lock; the map itself is always in a consistent state.
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        if hosts.len() > IDLE_HOSTS_KEPT {
            let now = Instant::now();
            hosts.retain(|_, slot| {
                let in_use = slot.permits.available_permits() < self.per_host;
                let waiting = *slot
                    .next_start
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    > now;
                in_use || waiting
            });
        }
        let slot = hosts.entry(key).or_insert_with(|| {
            Arc::new(HostSlot {
                permits: Arc::new(Semaphore::new(self.per_host)),
                next_start: Mutex::new(Instant::now()),
            })
        });
        Arc::clone(slot)
    }
}

async fn acquire_owned(semaphore: &Arc<Semaphore>) -> OwnedSemaphorePermit {
    // `acquire_owned` fails only on a closed semaphore, and nothing in this
    // module (the only owner of these semaphores) ever calls `close()`.
    match Arc::clone(semaphore).acquire_owned().await {
        Ok(permit) => permit,
        Err(closed) => unreachable!("politeness semaphores are never closed: {closed}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll};

    /// Polls a future once without waiting: `Some` when it completed.
    fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Option<F::Output> {
        let waker = std::task::Waker::noop();
        match future.poll(&mut Context::from_waker(waker)) {
            Poll::Ready(output) => Some(output),
            Poll::Pending => None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_third_request_to_one_host_waits_until_one_of_two_finishes() {
        let limiter = Limiter::new(8, 2, Duration::ZERO);
        let first = limiter.acquire("kazpravda.kz").await;
        let _second = limiter.acquire("KAZPRAVDA.kz").await;
        let mut third = pin!(limiter.acquire("kazpravda.kz"));
        assert!(poll_once(third.as_mut()).is_none(), "two are running");
        let _other_host = limiter.acquire("tengrinews.kz").await;
        drop(first);
        assert!(poll_once(third.as_mut()).is_some(), "a slot was freed");
    }

    #[tokio::test(start_paused = true)]
    async fn the_global_limit_caps_requests_across_hosts() {
        let limiter = Limiter::new(2, 2, Duration::ZERO);
        let a = limiter.acquire("a.example").await;
        let _b = limiter.acquire("b.example").await;
        let mut c = pin!(limiter.acquire("c.example"));
        assert!(poll_once(c.as_mut()).is_none());
        drop(a);
        assert!(poll_once(c.as_mut()).is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn starts_to_one_host_are_spaced_by_the_minimum_delay_but_other_hosts_are_not() {
        let delay = Duration::from_millis(1500);
        let limiter = Limiter::new(8, 4, delay);
        let t0 = Instant::now();
        let _a = limiter.acquire("zakon.kz").await;
        let _b = limiter.acquire("zakon.kz").await;
        let t_b = Instant::now();
        let _c = limiter.acquire("zakon.kz").await;
        let t_c = Instant::now();
        let _other = limiter.acquire("inform.kz").await;
        let t_other = Instant::now();
        assert_eq!(t_b - t0, delay);
        assert_eq!(t_c - t0, delay * 2);
        assert_eq!(t_other, t_c, "another host does not wait for zakon.kz");
    }

    #[tokio::test(start_paused = true)]
    async fn idle_hosts_are_forgotten_once_many_have_been_seen() {
        let limiter = Limiter::new(8, 2, Duration::ZERO);
        for i in 0..(IDLE_HOSTS_KEPT + 10) {
            drop(limiter.acquire(&format!("host{i}.example")).await);
        }
        let held = limiter.acquire("busy.example").await;
        drop(limiter.acquire("one-more.example").await);
        let hosts = limiter.hosts.lock().expect("not poisoned");
        assert!(
            hosts.len() < IDLE_HOSTS_KEPT / 2,
            "{} host slots kept",
            hosts.len()
        );
        assert!(hosts.contains_key("busy.example"), "a host in use is kept");
        drop(hosts);
        drop(held);
    }
}

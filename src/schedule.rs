//! When each source is due: pure functions of times and counts.
//!
//! Nothing here sleeps, reads a clock or touches the network; the daemon's
//! scheduler asks these functions and then waits. That keeps the policy
//! testable without waiting for real time to pass.

pub mod adaptive;
pub mod backoff;

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The next poll after a success: one interval later, spread by up to ±10%
/// (`jitter` in [-1, 1]) so sources configured together do not stay in
/// lock-step and hit the network in bursts.
pub fn next_after_success(now: DateTime<Utc>, interval: Duration, jitter: f64) -> DateTime<Utc> {
    now + spread(interval, jitter)
}

/// The next poll after `failures` consecutive failures: exponential backoff
/// from the source's interval with jitter, never longer than `ceiling`,
/// and never sooner than a server's `Retry-After` (see [`backoff`]).
/// `jitter` is a fraction in [0, 1).
pub fn next_after_failure(
    now: DateTime<Utc>,
    interval: Duration,
    failures: u32,
    retry_after: Option<Duration>,
    ceiling: Duration,
    jitter: f64,
) -> DateTime<Utc> {
    backoff::Backoff {
        base: interval,
        ceiling,
    }
    .next_attempt(now, failures, retry_after, jitter)
}

/// The first poll after start-up: somewhere in the first interval (at most
/// a minute away), so a restart does not fetch every source at once, but a
/// fresh install still shows items quickly. A source that was backing off
/// before the restart (`not_before`: its stored next attempt while failing,
/// which may come from a server's Retry-After) keeps waiting: restarting the
/// daemon must not hammer a server that asked for a pause.
pub fn first_poll(
    now: DateTime<Utc>,
    interval: Duration,
    unit: f64,
    not_before: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    let window = interval.min(Duration::from_secs(60));
    let soon = now + window.mul_f64(unit.clamp(0.0, 1.0));
    not_before.map_or(soon, |t| soon.max(t))
}

fn spread(d: Duration, jitter: f64) -> chrono::Duration {
    let d = d.mul_f64(1.0 + 0.1 * jitter.clamp(-1.0, 1.0));
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn success_waits_one_interval_within_ten_percent() {
        let i = Duration::from_secs(1000);
        assert_eq!(
            (next_after_success(t0(), i, 0.0) - t0()).num_seconds(),
            1000
        );
        assert_eq!(
            (next_after_success(t0(), i, 1.0) - t0()).num_seconds(),
            1100
        );
        assert_eq!(
            (next_after_success(t0(), i, -1.0) - t0()).num_seconds(),
            900
        );
    }

    #[test]
    fn failures_back_off_exponentially_up_to_a_day() {
        let i = Duration::from_secs(600);
        let day = backoff::DEFAULT_CEILING;
        let wait = |n, j| (next_after_failure(t0(), i, n, None, day, j) - t0()).num_seconds();
        assert_eq!(wait(1, 0.0), 300);
        assert_eq!(wait(2, 0.0), 600);
        assert_eq!(wait(3, 0.0), 1200);
        assert_eq!(wait(3, 0.5), 1800);
        assert_eq!(wait(50, 0.0), 43_200);
        assert!(wait(50, 0.999) <= 86_400);
    }

    #[test]
    fn a_retry_after_longer_than_the_backoff_is_honoured() {
        let i = Duration::from_secs(600);
        let day = backoff::DEFAULT_CEILING;
        let asked = Some(Duration::from_secs(7200));
        assert_eq!(
            (next_after_failure(t0(), i, 1, asked, day, 0.0) - t0()).num_seconds(),
            7200
        );
    }

    #[test]
    fn first_poll_is_within_a_minute() {
        let i = Duration::from_secs(3600);
        assert_eq!((first_poll(t0(), i, 1.0, None) - t0()).num_seconds(), 60);
        assert_eq!((first_poll(t0(), i, 0.0, None) - t0()).num_seconds(), 0);
    }

    #[test]
    fn a_source_backing_off_before_a_restart_keeps_waiting() {
        let i = Duration::from_secs(3600);
        let asked = t0() + chrono::Duration::hours(2);
        assert_eq!(first_poll(t0(), i, 0.5, Some(asked)), asked);
        let past = t0() - chrono::Duration::hours(2);
        assert_eq!(
            (first_poll(t0(), i, 0.5, Some(past)) - t0()).num_seconds(),
            30
        );
    }
}

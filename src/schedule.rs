//! When each source is due: pure functions of times and counts.
//!
//! Nothing here sleeps, reads a clock or touches the network; the daemon's
//! scheduler asks these functions and then waits. That keeps the policy
//! testable without waiting for real time to pass.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Longest wait after repeated failures. A source is never given up on for
/// good: a site that is down for a week is polled again once a day.
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 60 * 60);

/// The next poll after a success: one interval later, spread by up to ±10%
/// (`jitter` in [-1, 1]) so sources configured together do not stay in
/// lock-step and hit the network in bursts.
pub fn next_after_success(now: DateTime<Utc>, interval: Duration, jitter: f64) -> DateTime<Utc> {
    now + spread(interval, jitter)
}

/// The next poll after `failures` consecutive failures: the interval
/// doubled per failure beyond the first, capped at [`MAX_BACKOFF`].
pub fn next_after_failure(
    now: DateTime<Utc>,
    interval: Duration,
    failures: u32,
    jitter: f64,
) -> DateTime<Utc> {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    let wait = interval.saturating_mul(factor).min(MAX_BACKOFF);
    now + spread(wait, jitter)
}

/// The first poll after start-up: somewhere in the first interval (at most
/// a minute away), so a restart does not fetch every source at once, but a
/// fresh install still shows items quickly.
pub fn first_poll(now: DateTime<Utc>, interval: Duration, unit: f64) -> DateTime<Utc> {
    let window = interval.min(Duration::from_secs(60));
    now + window.mul_f64(unit.clamp(0.0, 1.0))
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
        let wait = |n| (next_after_failure(t0(), i, n, 0.0) - t0()).num_seconds();
        assert_eq!(wait(1), 600);
        assert_eq!(wait(2), 1200);
        assert_eq!(wait(3), 2400);
        assert_eq!(wait(50), 86_400);
    }

    #[test]
    fn first_poll_is_within_a_minute() {
        let i = Duration::from_secs(3600);
        assert_eq!((first_poll(t0(), i, 1.0) - t0()).num_seconds(), 60);
        assert_eq!((first_poll(t0(), i, 0.0) - t0()).num_seconds(), 0);
    }
}

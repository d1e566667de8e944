//! When to try a failing source again.
//!
//! Pure: takes the failure count, "now", a `Retry-After` value and a jitter
//! fraction, returns a delay or an instant. The random jitter is drawn by
//! the caller ([`random_jitter`]) so that every computation here is
//! reproducible in a test.
//!
//! Rules (issue "fetching that survives the real web"):
//! - failures back off exponentially from `base` (the source's own
//!   interval, so a failing source is never polled *more* often than a
//!   healthy one), with jitter, up to `ceiling` (24 h by default);
//! - a source is never given up on for good: at the ceiling it is still
//!   tried once or twice a day, and the first success resets the count;
//! - 429 and 503 responses may say when to come back (`Retry-After`, RFC
//!   9110 §10.2.3, seconds or an HTTP date); that is honoured, capped at the
//!   ceiling so that one odd header cannot silence a source for a year.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

/// The default ceiling for failure backoff.
pub const DEFAULT_CEILING: Duration = Duration::from_secs(24 * 60 * 60);

/// Exponential backoff with "equal jitter": after `n` consecutive failures
/// the delay is drawn from `[d/2, d)` where `d = min(base·2ⁿ⁻¹, ceiling)`.
/// Half the delay is fixed so a failing source always waits a while; the
/// random half spreads the retries of sources that failed together (one
/// outage at a hosting provider takes down several outlets at once), see
/// the AWS Architecture Blog's "Exponential Backoff And Jitter" (2015).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub ceiling: Duration,
}

impl Backoff {
    /// Backoff starting from `base` (normally the source's poll interval)
    /// with the default 24 h ceiling.
    pub fn from_base(base: Duration) -> Self {
        Self {
            base,
            ceiling: DEFAULT_CEILING,
        }
    }

    /// The delay before the next attempt after `consecutive_failures`
    /// failures in a row (0 is treated as 1). `jitter` is a fraction in
    /// `[0, 1)`; values outside are clamped.
    pub fn delay(&self, consecutive_failures: u32, jitter: f64) -> Duration {
        let exponent = consecutive_failures.saturating_sub(1).min(32);
        let full = self
            .base
            .checked_mul(1u32 << exponent.min(31))
            .unwrap_or(self.ceiling)
            .min(self.ceiling);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        full / 2 + (full / 2).mul_f64(jitter)
    }

    /// When to try again after a failure, honouring a server's
    /// `Retry-After` when it asks for more than the backoff would wait.
    pub fn next_attempt(
        &self,
        now: DateTime<Utc>,
        consecutive_failures: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> DateTime<Utc> {
        let backoff = self.delay(consecutive_failures, jitter);
        let delay = retry_after.map_or(backoff, |asked| asked.min(self.ceiling).max(backoff));
        now + chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::MAX / 2)
    }
}

/// A jitter fraction in `[0, 1)` from the thread's random generator.
pub fn random_jitter() -> f64 {
    rand::random::<f64>()
}

/// How long a `Retry-After` header value asks to wait, measured from `now`:
/// delay-seconds (`120`) or an HTTP date (`Fri, 31 Dec 2027 23:59:59 GMT`,
/// also the obsolete RFC 850 and asctime forms). A date in the past means
/// "now" (zero). `None` when the value is neither.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than fit in u64 is still "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let now = SystemTime::from(now);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn delays_double_per_failure_and_stay_between_half_and_full() {
        let backoff = Backoff::from_base(30 * MINUTE);
        assert_eq!(backoff.delay(1, 0.0), 15 * MINUTE);
        let almost_full = backoff.delay(1, 0.999_999);
        assert!(almost_full < 30 * MINUTE && almost_full > 30 * MINUTE - Duration::from_millis(1));
        assert_eq!(backoff.delay(2, 0.0), 30 * MINUTE);
        assert_eq!(backoff.delay(3, 0.5), 90 * MINUTE);
        assert_eq!(backoff.delay(0, 0.0), backoff.delay(1, 0.0));
    }

    #[test]
    fn delays_stop_growing_at_the_ceiling_and_never_give_up() {
        let backoff = Backoff::from_base(30 * MINUTE);
        for failures in [7, 8, 50, 1000, u32::MAX] {
            assert_eq!(backoff.delay(failures, 0.0), 12 * HOUR, "{failures}");
            assert!(backoff.delay(failures, 1.0) <= 24 * HOUR, "{failures}");
        }
        let huge = Backoff {
            base: Duration::from_secs(u64::MAX / 2),
            ceiling: DEFAULT_CEILING,
        };
        assert_eq!(huge.delay(40, 1.0), DEFAULT_CEILING);
    }

    #[test]
    fn bad_jitter_values_are_clamped() {
        let backoff = Backoff::from_base(HOUR);
        assert_eq!(backoff.delay(1, -3.0), 30 * MINUTE);
        assert_eq!(backoff.delay(1, 7.0), HOUR);
        assert_eq!(backoff.delay(1, f64::NAN), 30 * MINUTE);
        let jitter = random_jitter();
        assert!((0.0..1.0).contains(&jitter));
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("120", now()), Some(2 * MINUTE));
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Wed, 01 May 2024 12:30:00 GMT", now()),
            Some(30 * MINUTE)
        );
        assert_eq!(
            parse_retry_after("Wednesday, 01-May-24 13:00:00 GMT", now()),
            Some(HOUR)
        );
        assert_eq!(
            parse_retry_after("Wed May  1 14:00:00 2024", now()),
            Some(2 * HOUR)
        );
        assert_eq!(
            parse_retry_after("Tue, 30 Apr 2024 12:00:00 GMT", now()),
            Some(Duration::ZERO),
            "a past date means now"
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now()),
            Some(Duration::from_secs(u64::MAX))
        );
        for bad in ["", "soon", "-5", "1.5", "12 minutes"] {
            assert_eq!(parse_retry_after(bad, now()), None, "{bad:?}");
        }
    }

    #[test]
    fn next_attempt_honours_retry_after_but_not_beyond_the_ceiling() {
        let backoff = Backoff::from_base(10 * MINUTE);
        assert_eq!(
            backoff.next_attempt(now(), 1, None, 0.0),
            now() + chrono::TimeDelta::minutes(5)
        );
        assert_eq!(
            backoff.next_attempt(now(), 1, Some(2 * HOUR), 0.0),
            now() + chrono::TimeDelta::hours(2),
            "the server asked for longer than the backoff"
        );
        assert_eq!(
            backoff.next_attempt(now(), 1, Some(Duration::ZERO), 0.0),
            now() + chrono::TimeDelta::minutes(5),
            "Retry-After: 0 does not make a failing source hammer the server"
        );
        assert_eq!(
            backoff.next_attempt(now(), 1, Some(400 * HOUR), 0.0),
            now() + chrono::TimeDelta::hours(24)
        );
    }
}

//! How often to poll a healthy source: the adaptive interval.
//!
//! Pure: takes what the publisher said (RSS `<ttl>`, `sy:updatePeriod` /
//! `sy:updateFrequency`, `Cache-Control: max-age`, `Expires`) and what was
//! observed (new entries in a recent window), returns an interval between the
//! source's `min_interval` and `max_interval`.
//!
//! The observed rate sets the pace: a feed that gained `n` entries in the
//! last `window` is polled every `window / n` (miniflux's "entry frequency"
//! scheduler, `internal/model/feed.go` ScheduleNextCheck, does the same with
//! a one-week window), so a wire service posting every ten minutes is polled
//! at `min_interval` and a weekly column at `max_interval`. The publisher's
//! hints are lower bounds: they say "nothing new before then", and polling
//! faster than that only costs both sides. The bounds win over both.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

/// The per-source limits (`min_interval`, `max_interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub min: Duration,
    pub max: Duration,
}

impl Bounds {
    /// Bounds with `min <= max` guaranteed (a swapped pair is reordered;
    /// config validation should have refused it already).
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min: min.min(max),
            max: max.max(min),
        }
    }

    fn clamp(self, interval: Duration) -> Duration {
        interval.clamp(self.min, self.max)
    }
}

/// What the publisher said about how often to come back. Each is optional.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublisherHints {
    /// RSS 2.0 `<ttl>` (minutes).
    pub ttl: Option<Duration>,
    /// RSS 1.0 Syndication module (`sy:updatePeriod` / `sy:updateFrequency`).
    pub update_period: Option<Duration>,
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
    /// Time from now until the response's `Expires`.
    pub expires_in: Option<Duration>,
}

impl PublisherHints {
    /// The longest of the hints: the publisher's "nothing new before then".
    fn lower_bound(&self) -> Option<Duration> {
        [self.ttl, self.update_period, self.max_age, self.expires_in]
            .into_iter()
            .flatten()
            .max()
    }
}

/// New entries seen in a recent window of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    pub new_entries: u32,
    pub window: Duration,
}

/// How far back entry dates count towards the observed rate.
pub const ACTIVITY_WINDOW: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The posting rate a feed document shows: its entries dated within the
/// last [`ACTIVITY_WINDOW`], over the time since the oldest of them.
///
/// Read from the document rather than from stored history, so that a new
/// source has a rate from its first fetch: a feed listing 50 items from the
/// last two days posts every hour, whatever we have stored. Fewer than three
/// recent entries give too short a span to trust, so they are spread over
/// the whole window. A document whose entries are all older than the window
/// shows no activity (poll rarely); one with no dates at all says nothing
/// (`None`: keep the configured pace). Future dates count as now.
pub fn activity_from_dates(dates: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<Activity> {
    if dates.is_empty() {
        return None;
    }
    let window = chrono::TimeDelta::from_std(ACTIVITY_WINDOW).unwrap_or(chrono::TimeDelta::MAX);
    let since = now - window;
    let recent: Vec<DateTime<Utc>> = dates
        .iter()
        .map(|d| (*d).min(now))
        .filter(|d| *d > since)
        .collect();
    let new_entries = u32::try_from(recent.len()).unwrap_or(u32::MAX);
    let span = match recent.iter().min() {
        Some(oldest) if recent.len() >= 3 => (now - *oldest).to_std().unwrap_or(ACTIVITY_WINDOW),
        _ => ACTIVITY_WINDOW,
    };
    Some(Activity {
        new_entries,
        window: span,
    })
}

/// The interval until the next poll of a source that just succeeded.
///
/// Without `activity` (a new source, no history yet) the pace is `fallback`
/// (the source's configured `interval`); a window with no new entries means
/// `bounds.max`.
pub fn interval(
    bounds: Bounds,
    fallback: Duration,
    hints: &PublisherHints,
    activity: Option<Activity>,
) -> Duration {
    let paced = match activity {
        None => fallback,
        Some(Activity { window, .. }) if window.is_zero() => fallback,
        Some(Activity { new_entries: 0, .. }) => bounds.max,
        Some(Activity {
            new_entries,
            window,
        }) => window / new_entries,
    };
    let interval = match hints.lower_bound() {
        Some(floor) => paced.max(floor),
        None => paced,
    };
    bounds.clamp(interval)
}

/// RSS 2.0 `<ttl>`: "number of minutes that indicates how long a channel
/// can be cached before refreshing from the source". Zero means no hint.
pub fn ttl_minutes(text: &str) -> Option<Duration> {
    let minutes: u64 = text.trim().parse().ok()?;
    (minutes > 0).then(|| Duration::from_secs(minutes.saturating_mul(60)))
}

/// The RSS 1.0 Syndication module's period divided by its frequency
/// (`hourly` and `2` mean every 30 minutes). An unknown period is no hint;
/// a missing or invalid frequency is 1, as the module specifies.
pub fn syndication_period(period: &str, frequency: Option<&str>) -> Option<Duration> {
    const HOUR: u64 = 3600;
    let seconds = match period.trim().to_ascii_lowercase().as_str() {
        "hourly" => HOUR,
        "daily" => 24 * HOUR,
        "weekly" => 7 * 24 * HOUR,
        "monthly" => 30 * 24 * HOUR,
        "yearly" => 365 * 24 * HOUR,
        _ => return None,
    };
    let frequency = frequency
        .and_then(|f| f.trim().parse::<u32>().ok())
        .filter(|f| *f > 0)
        .unwrap_or(1);
    Some(Duration::from_secs(seconds) / frequency)
}

/// `max-age` from a `Cache-Control` header (RFC 9111 §5.2.2.1). `no-cache`
/// and `no-store` mean no hint (they say "revalidate", not "come back
/// later"), as does `max-age=0`.
pub fn cache_control_max_age(header: &str) -> Option<Duration> {
    let mut max_age = None;
    for directive in header.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        if directive == "no-cache" || directive == "no-store" {
            return None;
        }
        if let Some(value) = directive.strip_prefix("max-age=") {
            max_age = value.trim_matches('"').parse::<u64>().ok();
        }
    }
    max_age.filter(|s| *s > 0).map(Duration::from_secs)
}

/// Time until an `Expires` header's date (RFC 9111 §5.3), measured from the
/// response's `Date` when present (so a server with a wrong clock still
/// gives the intended lifetime) or from `now`. A past or invalid date is no
/// hint.
pub fn expires_in(expires: &str, date: Option<&str>, now: DateTime<Utc>) -> Option<Duration> {
    let expires = httpdate::parse_http_date(expires.trim()).ok()?;
    let origin = date
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .unwrap_or_else(|| SystemTime::from(now));
    expires.duration_since(origin).ok().filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);
    const DAY: Duration = Duration::from_secs(24 * 3600);

    fn bounds() -> Bounds {
        Bounds::new(10 * MINUTE, 12 * HOUR)
    }

    fn week(new_entries: u32) -> Option<Activity> {
        Some(Activity {
            new_entries,
            window: 7 * DAY,
        })
    }

    #[test]
    fn busy_feeds_are_polled_at_the_minimum_and_quiet_ones_at_the_maximum() {
        let none = PublisherHints::default();
        assert_eq!(
            interval(bounds(), 30 * MINUTE, &none, week(5000)),
            10 * MINUTE
        );
        assert_eq!(interval(bounds(), 30 * MINUTE, &none, week(0)), 12 * HOUR);
        assert_eq!(interval(bounds(), 30 * MINUTE, &none, week(1)), 12 * HOUR);
        assert_eq!(interval(bounds(), 30 * MINUTE, &none, week(168)), HOUR);
    }

    #[test]
    fn without_history_the_configured_interval_is_used() {
        let none = PublisherHints::default();
        assert_eq!(interval(bounds(), 30 * MINUTE, &none, None), 30 * MINUTE);
        let empty_window = Some(Activity {
            new_entries: 3,
            window: Duration::ZERO,
        });
        assert_eq!(
            interval(bounds(), 30 * MINUTE, &none, empty_window),
            30 * MINUTE
        );
        assert_eq!(
            interval(bounds(), MINUTE, &none, None),
            10 * MINUTE,
            "still clamped"
        );
    }

    #[test]
    fn publisher_hints_slow_polling_down_but_never_past_the_maximum() {
        let ttl = PublisherHints {
            ttl: Some(2 * HOUR),
            ..PublisherHints::default()
        };
        assert_eq!(interval(bounds(), 30 * MINUTE, &ttl, week(5000)), 2 * HOUR);
        let all = PublisherHints {
            ttl: Some(HOUR),
            update_period: Some(3 * HOUR),
            max_age: Some(5 * MINUTE),
            expires_in: Some(2 * DAY),
        };
        assert_eq!(interval(bounds(), 30 * MINUTE, &all, week(5000)), 12 * HOUR);
        let short = PublisherHints {
            max_age: Some(MINUTE),
            ..PublisherHints::default()
        };
        assert_eq!(
            interval(bounds(), 30 * MINUTE, &short, week(168)),
            HOUR,
            "a short hint changes nothing"
        );
    }

    #[test]
    fn activity_is_read_from_the_documents_entry_dates() {
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        let hours_ago = |h: i64| now - chrono::TimeDelta::hours(h);
        let busy: Vec<_> = (0..48).map(hours_ago).collect();
        assert_eq!(
            activity_from_dates(&busy, now),
            Some(Activity {
                new_entries: 48,
                window: 47 * HOUR
            })
        );
        let stale: Vec<_> = (0..5).map(|i| hours_ago(24 * 30 + i)).collect();
        assert_eq!(
            activity_from_dates(&stale, now),
            Some(Activity {
                new_entries: 0,
                window: ACTIVITY_WINDOW
            })
        );
        assert_eq!(
            activity_from_dates(&[hours_ago(1)], now),
            Some(Activity {
                new_entries: 1,
                window: ACTIVITY_WINDOW
            }),
            "one recent entry is spread over the window"
        );
        assert_eq!(activity_from_dates(&[], now), None);
        let future = [
            now + chrono::TimeDelta::days(300),
            hours_ago(1),
            hours_ago(2),
        ];
        assert_eq!(
            activity_from_dates(&future, now),
            Some(Activity {
                new_entries: 3,
                window: 2 * HOUR
            })
        );
    }

    #[test]
    fn swapped_bounds_are_reordered() {
        let b = Bounds::new(12 * HOUR, 10 * MINUTE);
        assert_eq!((b.min, b.max), (10 * MINUTE, 12 * HOUR));
    }

    #[test]
    fn ttl_and_syndication_hints_parse() {
        assert_eq!(ttl_minutes(" 60 "), Some(HOUR));
        assert_eq!(ttl_minutes("0"), None);
        assert_eq!(ttl_minutes("soon"), None);
        assert_eq!(syndication_period("hourly", Some("2")), Some(30 * MINUTE));
        assert_eq!(syndication_period("Daily", None), Some(DAY));
        assert_eq!(syndication_period("weekly", Some("0")), Some(7 * DAY));
        assert_eq!(syndication_period("weekly", Some("x")), Some(7 * DAY));
        assert_eq!(syndication_period("fortnightly", Some("1")), None);
    }

    #[test]
    fn cache_control_and_expires_hints_parse() {
        assert_eq!(
            cache_control_max_age("public, max-age=1800"),
            Some(30 * MINUTE)
        );
        assert_eq!(
            cache_control_max_age("Max-Age=\"600\", must-revalidate"),
            Some(10 * MINUTE)
        );
        assert_eq!(cache_control_max_age("max-age=0"), None);
        assert_eq!(cache_control_max_age("no-cache, max-age=600"), None);
        assert_eq!(cache_control_max_age("private"), None);
        let now = DateTime::parse_from_rfc3339("2024-05-01T12:00:00Z")
            .expect("valid")
            .with_timezone(&Utc);
        assert_eq!(
            expires_in("Wed, 01 May 2024 13:00:00 GMT", None, now),
            Some(HOUR)
        );
        assert_eq!(
            expires_in(
                "Wed, 01 May 2024 13:00:00 GMT",
                Some("Wed, 01 May 2024 12:30:00 GMT"),
                now
            ),
            Some(30 * MINUTE),
            "measured from the server's Date"
        );
        assert_eq!(expires_in("Wed, 01 May 2024 11:00:00 GMT", None, now), None);
        assert_eq!(expires_in("0", None, now), None);
        assert_eq!(expires_in("-1", None, now), None);
    }
}

//! When each source is due (pure: takes times, returns times).
//!
//! [`backoff`]: when to retry a failing source (exponential with jitter,
//! `Retry-After`). [`adaptive`]: how often to poll a healthy one (between
//! `min_interval` and `max_interval`, from publisher hints and the observed
//! rate of new entries).

pub mod adaptive;
pub mod backoff;

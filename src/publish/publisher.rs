//! What the rest of the daemon tells the publisher: "these topics have new
//! items". One [`Publisher`] is built at start-up; the refresh path calls
//! [`Publisher::topics_changed`] after each commit that added items, and
//! the HTTP server reads the same cache.
//!
//! A change does two things: the cached documents of the changed feeds
//! (and of the feed of everything) are dropped, so the next request renders
//! the new items; and, when `server.websub_hub` is set, the hub is pinged
//! for each changed feed so subscribers hear of it at once instead of at
//! their next poll.

use std::sync::Arc;

use futures_util::{StreamExt, stream};
use url::Url;

use super::cache::FeedCache;
use super::feeds::Format;
use super::{ALL_SLUG, feed_url};
use crate::config::Config;
use crate::fetch::FetchError;
use crate::fetch::websub::HubPinger;

/// Rendered documents kept in memory. A 50-item feed is ~150 KB; this
/// holds every format of a few dozen topics plus the pages readers ask for.
pub const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Hub pings sent at once after a change.
const PINGS_AT_ONCE: usize = 4;

/// A handle to the publisher's cache and hub. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Publisher {
    cache: FeedCache,
    hub: Option<Arc<HubPinger>>,
    base_url: Url,
}

impl Publisher {
    /// The publisher for `config`'s public address and hub.
    pub fn new(config: &Config) -> Result<Publisher, FetchError> {
        let hub = match &config.server.websub_hub {
            Some(url) => Some(Arc::new(HubPinger::new(
                url.clone(),
                &config.fetch.user_agent,
                config.fetch.timeout,
            )?)),
            None => None,
        };
        Ok(Publisher {
            cache: FeedCache::new(CACHE_BYTES),
            hub,
            base_url: config.server.base_url.clone(),
        })
    }

    /// The rendered-feed cache the server reads.
    pub fn cache(&self) -> &FeedCache {
        &self.cache
    }

    /// The WebSub hub advertised in every feed.
    pub fn hub(&self) -> Option<&Url> {
        self.hub.as_deref().map(HubPinger::hub)
    }

    /// The topics `slugs` got new items (committed to the store): drop
    /// their rendered feeds and the feed of everything, then ping the hub
    /// for each of their feed URLs. Returns when the hub has answered every
    /// ping; a failed ping is logged and otherwise ignored — subscribers
    /// still get the items at their next poll.
    pub async fn topics_changed<'a>(&self, slugs: impl IntoIterator<Item = &'a str>) {
        let slugs: Vec<&str> = slugs.into_iter().chain(std::iter::once(ALL_SLUG)).collect();
        self.cache.invalidate(slugs.iter().copied());
        let Some(hub) = &self.hub else {
            return;
        };
        let topics: Vec<Url> = slugs
            .iter()
            .flat_map(|slug| {
                [Format::Atom, Format::Rss, Format::Json]
                    .into_iter()
                    .filter_map(|f| feed_url(&self.base_url, slug, f))
            })
            .collect();
        stream::iter(topics)
            .for_each_concurrent(PINGS_AT_ONCE, |topic| async move {
                match hub.publish(&topic).await {
                    Ok(()) => tracing::debug!(topic = %topic, "hub notified"),
                    Err(e) => {
                        tracing::warn!(topic = %topic, error = %e, "cannot notify the WebSub hub")
                    }
                }
            })
            .await;
    }

    /// Everything may have changed (the configuration was reloaded:
    /// republishing policies, topics): drop every rendered feed.
    pub fn everything_changed(&self) {
        self.cache.clear();
    }
}

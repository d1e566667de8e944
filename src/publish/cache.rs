//! The rendered-feed cache: each feed document (topic, format, page, limit)
//! is read from the store and rendered once, then served from memory until
//! its topic gets new items.
//!
//! In: a [`FeedKey`] and a way to render it; invalidations by topic slug
//! from the refresh path (through `publish::Publisher`). Out: a shared
//! [`Rendered`]. A hit takes a read lock and clones two `Arc`s — no SQL, no
//! rendering, no allocation of the body.
//!
//! Each key has a slot holding a `tokio::sync::OnceCell`: concurrent
//! requests for a missing document wait for one render instead of each
//! running their own (hundreds of readers polling right after a change).
//! Invalidation removes the slots, so a render that started before the
//! change completes only for the requests already waiting on it; every
//! later request finds no slot and renders the new state.
//!
//! Memory is bounded: past [`FeedCache::new`]'s byte budget the least
//! recently used documents are dropped. Keys include free parameters
//! (`?limit=`, page cursors), so without a bound a crawler could fill the
//! memory with pages.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use tokio::sync::OnceCell;

use super::feeds::Format;
use super::rendered::Rendered;
use crate::metrics::CacheResult;
use crate::store::ItemCursor;

/// One feed document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedKey {
    pub slug: String,
    pub format: Format,
    pub limit: usize,
    /// The page: items older than this (the first page when `None`).
    pub before: Option<ItemCursor>,
}

struct Slot {
    cell: Arc<OnceCell<Arc<Rendered>>>,
    /// The cache clock at the last hit, for LRU eviction.
    last_used: AtomicU64,
}

/// A handle to the cache. Cheap to clone; clones share it.
#[derive(Clone)]
pub struct FeedCache {
    inner: Arc<Inner>,
}

struct Inner {
    slots: RwLock<HashMap<FeedKey, Slot>>,
    budget: usize,
    clock: AtomicU64,
    /// Per topic slug, the second its documents last changed: strictly
    /// increasing, see [`FeedCache::changed_at`].
    changed: std::sync::Mutex<HashMap<String, i64>>,
}

impl std::fmt::Debug for FeedCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedCache")
            .field("documents", &self.read().len())
            .field("budget", &self.inner.budget)
            .finish()
    }
}

impl FeedCache {
    /// A cache holding at most about `budget` bytes of documents.
    pub fn new(budget: usize) -> FeedCache {
        FeedCache {
            inner: Arc::new(Inner {
                slots: RwLock::new(HashMap::new()),
                budget,
                clock: AtomicU64::new(0),
                changed: std::sync::Mutex::new(HashMap::new()),
            }),
        }
    }

    // The locks are only held inside these synchronous methods, never
    // across an await, and no code under them can panic mid-update; a
    // poisoned lock therefore still guards a consistent map.
    fn read(&self) -> RwLockReadGuard<'_, HashMap<FeedKey, Slot>> {
        self.inner.slots.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<FeedKey, Slot>> {
        self.inner.slots.write().unwrap_or_else(|e| e.into_inner())
    }

    fn tick(&self) -> u64 {
        self.inner.clock.fetch_add(1, Ordering::Relaxed)
    }

    /// The document for `key`: from memory, or made by `render` (once, even
    /// when many requests ask at the same time). A failed render is not
    /// cached; the next request tries again.
    pub async fn get_or_render<F, Fut, E>(
        &self,
        key: &FeedKey,
        render: F,
    ) -> Result<(Arc<Rendered>, CacheResult), E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Rendered, E>>,
    {
        let cell = {
            let slots = self.read();
            match slots.get(key) {
                Some(slot) => {
                    slot.last_used.store(self.tick(), Ordering::Relaxed);
                    if let Some(r) = slot.cell.get() {
                        return Ok((r.clone(), CacheResult::Hit));
                    }
                    slot.cell.clone()
                }
                None => {
                    drop(slots);
                    let now = self.tick();
                    self.write()
                        .entry(key.clone())
                        .or_insert_with(|| Slot {
                            cell: Arc::new(OnceCell::new()),
                            last_used: AtomicU64::new(now),
                        })
                        .cell
                        .clone()
                }
            }
        };
        let mut rendered_here = false;
        let r = cell
            .get_or_try_init(|| {
                rendered_here = true;
                async { render().await.map(Arc::new) }
            })
            .await?
            .clone();
        if rendered_here {
            self.evict();
            Ok((r, CacheResult::Miss))
        } else {
            Ok((r, CacheResult::Hit))
        }
    }

    /// Forgets every document of the feeds of `slugs`.
    pub fn invalidate<'a>(&self, slugs: impl IntoIterator<Item = &'a str>) {
        let slugs: Vec<&str> = slugs.into_iter().collect();
        if slugs.is_empty() {
            return;
        }
        {
            let now = chrono::Utc::now().timestamp();
            let mut changed = self.inner.changed.lock().unwrap_or_else(|e| e.into_inner());
            for slug in &slugs {
                let at = changed.entry((*slug).to_string()).or_insert(i64::MIN);
                *at = now.max(at.saturating_add(1));
            }
        }
        self.write()
            .retain(|key, _| !slugs.contains(&key.slug.as_str()));
    }

    /// When the documents of `slug` last changed, in whole seconds, if they
    /// changed since start-up. HTTP dates have one-second resolution, so a
    /// topic that changes twice within a second would keep its
    /// Last-Modified and an If-Modified-Since client would miss the second
    /// change; each change is therefore dated at least one second after the
    /// previous one (a burst of changes may run a second or two ahead of
    /// the clock, never more than it has changes).
    pub fn changed_at(&self, slug: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        let changed = self.inner.changed.lock().unwrap_or_else(|e| e.into_inner());
        changed
            .get(slug)
            .and_then(|s| chrono::DateTime::from_timestamp(*s, 0))
    }

    /// Forgets every document (the configuration changed).
    pub fn clear(&self) {
        self.write().clear();
    }

    /// Number of documents held (rendered or being rendered).
    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops least recently used documents until the rest fit the budget.
    /// Runs after each render, so its scan of the map is paid only when a
    /// document was just built, never on a hit.
    fn evict(&self) {
        let mut slots = self.write();
        let mut held: Vec<(u64, usize, FeedKey)> = slots
            .iter()
            .filter_map(|(k, s)| {
                let size = s.cell.get()?.size();
                Some((s.last_used.load(Ordering::Relaxed), size, k.clone()))
            })
            .collect();
        let mut total: usize = held.iter().map(|h| h.1).sum();
        if total <= self.inner.budget {
            return;
        }
        held.sort_unstable_by_key(|h| h.0);
        for (_, size, key) in held {
            if total <= self.inner.budget {
                break;
            }
            slots.remove(&key);
            total -= size;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn each_change_of_a_topic_is_dated_after_the_previous_one() {
        let cache = FeedCache::new(1024);
        assert_eq!(cache.changed_at("t"), None);
        cache.invalidate(["t"]);
        let first = cache.changed_at("t").unwrap();
        // Within the same second, the next change is still a later date.
        cache.invalidate(["t", "u"]);
        let second = cache.changed_at("t").unwrap();
        assert!(second > first, "{first} then {second}");
        assert!(cache.changed_at("u").unwrap() <= second);
    }

    fn key(slug: &str, limit: usize) -> FeedKey {
        FeedKey {
            slug: slug.into(),
            format: Format::Atom,
            limit,
            before: None,
        }
    }

    fn doc(bytes: usize) -> Rendered {
        Rendered::new(vec![b'x'; bytes], "application/atom+xml", Utc::now())
    }

    async fn get(cache: &FeedCache, k: &FeedKey, renders: &AtomicUsize) -> CacheResult {
        let (_, result) = cache
            .get_or_render(k, || async {
                renders.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(doc(100))
            })
            .await
            .unwrap();
        result
    }

    #[tokio::test]
    async fn a_document_is_rendered_once_until_its_topic_is_invalidated() {
        let cache = FeedCache::new(1 << 20);
        let renders = AtomicUsize::new(0);
        let (a, b) = (key("a", 50), key("b", 50));
        assert_eq!(get(&cache, &a, &renders).await, CacheResult::Miss);
        assert_eq!(get(&cache, &a, &renders).await, CacheResult::Hit);
        assert_eq!(get(&cache, &b, &renders).await, CacheResult::Miss);
        assert_eq!(renders.load(Ordering::SeqCst), 2);

        cache.invalidate(["a"]);
        assert_eq!(get(&cache, &b, &renders).await, CacheResult::Hit);
        assert_eq!(get(&cache, &a, &renders).await, CacheResult::Miss);
        assert_eq!(renders.load(Ordering::SeqCst), 3);

        cache.clear();
        assert!(cache.is_empty());
    }

    #[tokio::test]
    async fn concurrent_requests_for_a_missing_document_share_one_render() {
        let cache = FeedCache::new(1 << 20);
        let renders = AtomicUsize::new(0);
        let k = key("a", 50);
        let (gate, opened) = tokio::sync::oneshot::channel::<()>();
        let counter = &renders;
        let first = cache.get_or_render(&k, || async move {
            counter.fetch_add(1, Ordering::SeqCst);
            // Holds the render open until the second request is waiting.
            let _ = opened.await;
            Ok::<_, ()>(doc(10))
        });
        let second = async {
            tokio::task::yield_now().await;
            get(&cache, &k, &renders).await
        };
        let release = async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            let _ = gate.send(());
        };
        let (first, second, ()) = tokio::join!(first, second, release);
        assert_eq!(first.unwrap().1, CacheResult::Miss);
        assert_eq!(second, CacheResult::Hit);
        assert_eq!(renders.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_render_is_retried_by_the_next_request() {
        let cache = FeedCache::new(1 << 20);
        let k = key("a", 50);
        let failed = cache
            .get_or_render(&k, || async { Err::<Rendered, _>("database locked") })
            .await;
        assert_eq!(failed.err(), Some("database locked"));
        let renders = AtomicUsize::new(0);
        assert_eq!(get(&cache, &k, &renders).await, CacheResult::Miss);
    }

    #[tokio::test]
    async fn past_the_budget_the_least_recently_used_documents_go() {
        // Room for two 100-byte documents.
        let cache = FeedCache::new(250);
        let renders = AtomicUsize::new(0);
        let (a, b, c) = (key("a", 1), key("a", 2), key("a", 3));
        get(&cache, &a, &renders).await;
        get(&cache, &b, &renders).await;
        // `a` is used again, so `b` is the least recently used.
        assert_eq!(get(&cache, &a, &renders).await, CacheResult::Hit);
        get(&cache, &c, &renders).await;
        assert_eq!(cache.len(), 2);
        assert_eq!(get(&cache, &a, &renders).await, CacheResult::Hit);
        assert_eq!(get(&cache, &c, &renders).await, CacheResult::Hit);
        assert_eq!(get(&cache, &b, &renders).await, CacheResult::Miss);
    }
}

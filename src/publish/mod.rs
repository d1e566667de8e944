//! The HTTP server: topic feeds, OPML, the index page, health and metrics.
//!
//! In: requests from feed readers, people and Prometheus; the store's items;
//! "topics changed" signals through [`Publisher`]. Out: feeds rendered from
//! the store (`feeds`), cached as bytes (`cache`, `rendered`) and served
//! with validators, compression and paging; the status page (`index`); the
//! subscription list (`opml`). The only module that serves HTTP; it reads
//! the store and never writes it.
//!
//! Routes:
//! - `/feeds/{slug}.atom|rss|json[?limit=N][&before=CURSOR]` — a topic, or
//!   `all`; RFC 5005 paging through `rel="next"` links.
//! - `/opml`, `/`, `/items/{id}`, `/healthz`, `/metrics`.

mod cache;
mod feeds;
mod index;
mod opml;
mod publisher;
mod rendered;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tower_http::compression::CompressionLayer;
use url::Url;

pub use cache::{FeedCache, FeedKey};
pub use feeds::{FeedMeta, Format, ItemView, excerpt, render};
pub use publisher::{CACHE_BYTES, Publisher};
pub use rendered::{Coding, Rendered, negotiate};

use crate::metrics::Metrics;
use crate::model::{ArticleId, StoryId};
use crate::store::{FeedItems, FeedPage, ItemCursor, Store, StoreError};

/// Items per feed document unless `?limit=` asks otherwise.
pub const FEED_ITEMS: usize = 50;

/// The most items one document may hold (`?limit=` above it is lowered).
pub const MAX_FEED_ITEMS: usize = 500;

/// The slug of the feed of every stored story, whatever its topic.
pub const ALL_SLUG: &str = "all";

/// How long /healthz waits for the database before answering 503: a
/// database locked longer than this is unhealthy.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);

/// A topic as the server lists it.
#[derive(Debug, Clone)]
pub struct TopicInfo {
    pub slug: String,
    pub title: String,
}

/// The topics the server lists. The daemon replaces them when a reload
/// changes the config; each request reads the current list once.
pub type LiveTopics = watch::Receiver<Arc<Vec<TopicInfo>>>;

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub topics: LiveTopics,
    /// Public address of the daemon, for self links.
    pub base_url: Url,
    pub publisher: Publisher,
    pub metrics: Metrics,
    /// Sources whose copy represents a story, best first (`[dedupe]`).
    pub prefer: Arc<Vec<String>>,
}

impl AppState {
    /// The state for `config`'s topics and public address, serving from
    /// `store` through `publisher`'s cache; the topics are fixed for the
    /// server's life.
    pub fn new(
        store: Store,
        publisher: Publisher,
        metrics: Metrics,
        config: &crate::config::Config,
    ) -> AppState {
        Self::live(store, publisher, metrics, config).0
    }

    /// The state, and the sender through which a reload replaces the
    /// topics (see [`topic_infos`]).
    pub fn live(
        store: Store,
        publisher: Publisher,
        metrics: Metrics,
        config: &crate::config::Config,
    ) -> (AppState, watch::Sender<Arc<Vec<TopicInfo>>>) {
        let (tx, topics) = watch::channel(Arc::new(topic_infos(config)));
        let state = AppState {
            store,
            topics,
            base_url: config.server.base_url.clone(),
            publisher,
            metrics,
            prefer: Arc::new(config.dedupe.prefer.clone()),
        };
        (state, tx)
    }

    /// The title of the feed `slug`, or `None` when there is no such feed.
    fn feed_title(&self, slug: &str) -> Option<String> {
        if slug == ALL_SLUG {
            return Some("All stories".to_string());
        }
        self.topics
            .borrow()
            .iter()
            .find(|t| t.slug == slug)
            .map(|t| t.title.clone())
    }
}

/// The address of feed `slug` in `format` (its first page).
pub fn feed_url(base: &Url, slug: &str, format: Format) -> Option<Url> {
    base.join(&format!("feeds/{slug}.{}", format.extension()))
        .ok()
}

/// The topics of `config`, as the server lists them.
pub fn topic_infos(config: &crate::config::Config) -> Vec<TopicInfo> {
    config
        .topics
        .iter()
        .map(|t| TopicInfo {
            slug: t.slug.clone(),
            title: t.title.clone(),
        })
        .collect()
}

pub fn router(state: AppState) -> Router {
    // Feeds carry their own precompressed bodies (see `rendered`); the
    // other pages are made per request and compressed by tower-http.
    let pages = Router::new()
        .route("/", get(index_page))
        .route("/opml", get(opml_list))
        .route("/items/{id}", get(item_page))
        .route("/metrics", get(metrics))
        .layer(CompressionLayer::new());
    Router::new()
        .route("/feeds/{file}", get(feed))
        .route("/healthz", get(healthz))
        .merge(pages)
        .with_state(state)
}

/// Serves `router(state)` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, String> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

async fn healthz(State(state): State<AppState>) -> Response {
    let store = state.store.clone();
    match tokio::time::timeout(HEALTH_TIMEOUT, blocking(move || store.check())).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n").into_response(),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "database: no answer within 5 s\n",
        )
            .into_response(),
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let store = state.store.clone();
    match blocking(move || store.source_statuses()).await {
        Ok(sources) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
            )],
            state.metrics.encode(&sources, Utc::now()),
        )
            .into_response(),
        Err(e) => server_error(e),
    }
}

async fn index_page(State(state): State<AppState>) -> Response {
    let (store, prefer) = (state.store.clone(), state.prefer.clone());
    let data = blocking(move || {
        Ok((
            store.source_statuses()?,
            store.topic_counts()?,
            store.recent_items(20, &prefer)?,
        ))
    })
    .await;
    let topics = state.topics.borrow().clone();
    match data {
        Ok((sources, counts, recent)) => Html(index::render(
            &topics,
            &counts,
            &sources,
            &recent,
            Utc::now(),
        ))
        .into_response(),
        Err(e) => server_error(e),
    }
}

async fn opml_list(State(state): State<AppState>) -> Response {
    let topics = state.topics.borrow().clone();
    let body = opml::render(&topics, &state.base_url);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(opml::CONTENT_TYPE),
        )],
        body,
    )
        .into_response()
}

/// An item's own page, the link of items whose feed gave no usable link.
async fn item_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return not_found();
    };
    let store = state.store.clone();
    match blocking(move || store.item(ArticleId(id))).await {
        Ok(Some(item)) => Html(index::render_item(&item, &state.base_url)).into_response(),
        Ok(None) => not_found(),
        Err(e) => server_error(e),
    }
}

fn server_error(message: String) -> Response {
    tracing::error!(error = %message, "cannot answer request");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, format!("{message}\n")).into_response()
}

/// The paging parameters of a feed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Page {
    limit: usize,
    before: Option<ItemCursor>,
}

impl Page {
    /// Reads `limit` and `before` from a query string; other parameters
    /// (cache busters some readers add) are ignored.
    fn from_query(query: Option<&str>) -> Result<Page, String> {
        let mut page = Page {
            limit: FEED_ITEMS,
            before: None,
        };
        let (mut limit_seen, mut before_seen) = (false, false);
        for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match &*k {
                "limit" if !limit_seen => {
                    limit_seen = true;
                    page.limit = match v.parse::<usize>() {
                        Ok(0) | Err(_) => {
                            return Err(format!(
                                "limit must be a number from 1 to {MAX_FEED_ITEMS}, not {v:?}"
                            ));
                        }
                        // Larger numbers are usual in readers' "give me
                        // everything" settings; lowering beats refusing.
                        Ok(n) => n.min(MAX_FEED_ITEMS),
                    };
                }
                "before" if !before_seen => {
                    before_seen = true;
                    page.before =
                        Some(parse_cursor(&v).ok_or_else(|| format!("invalid page cursor {v:?}"))?);
                }
                _ => {}
            }
        }
        Ok(page)
    }

    /// The query string that asks for this page, empty for the default.
    fn query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if self.limit != FEED_ITEMS {
            q.append_pair("limit", &self.limit.to_string());
        }
        if let Some(c) = self.before {
            q.append_pair("before", &format_cursor(c));
        }
        q.finish()
    }
}

/// A cursor as it appears in a URL: the story's first appearance in Unix
/// seconds and its id, `1767225600_42`.
fn format_cursor(c: ItemCursor) -> String {
    format!("{}_{}", c.published.timestamp(), c.story.0)
}

fn parse_cursor(s: &str) -> Option<ItemCursor> {
    let (t, id) = s.split_once('_')?;
    Some(ItemCursor {
        published: DateTime::from_timestamp(t.parse().ok()?, 0)?,
        story: StoryId(id.parse().ok()?),
    })
}

fn with_query(url: &Url, query: &str) -> Url {
    let mut url = url.clone();
    url.set_query(Some(query).filter(|q| !q.is_empty()));
    url
}

async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some((slug, format)) = file
        .rsplit_once('.')
        .and_then(|(slug, ext)| Some((slug, Format::from_extension(ext)?)))
    else {
        return not_found();
    };
    let Some(title) = state.feed_title(slug) else {
        return not_found();
    };
    let page = match Page::from_query(query.as_deref()) {
        Ok(p) => p,
        Err(message) => return bad_request(message),
    };
    let key = FeedKey {
        slug: slug.to_string(),
        format,
        limit: page.limit,
        before: page.before,
    };
    let rendered = state
        .publisher
        .cache()
        .get_or_render(&key, || render_feed(&state, &key, page, title))
        .await;
    let (doc, result) = match rendered {
        Ok(r) => r,
        Err(e) => return server_error(e),
    };
    state.metrics.feed_request(result);

    let coding = negotiate(
        headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok()),
    );
    if doc.not_modified(&headers) {
        return doc.response(coding, true, bytes::Bytes::new());
    }
    let body = match doc.encoded(coding) {
        Some(body) => body,
        None => {
            let doc = doc.clone();
            match tokio::task::spawn_blocking(move || doc.encode(coding)).await {
                Ok(body) => body,
                Err(e) => return server_error(e.to_string()),
            }
        }
    };
    doc.response(coding, false, body)
}

/// Reads one page of a feed from the store and renders it, off the async
/// threads (a 500-item page is a few MB of XML).
async fn render_feed(
    state: &AppState,
    key: &FeedKey,
    page: Page,
    title: String,
) -> Result<Rendered, String> {
    let Some(id) = feed_url(&state.base_url, &key.slug, key.format) else {
        return Err(format!("cannot make a feed URL for {:?}", key.slug));
    };
    let store = state.store.clone();
    let slug = key.slug.clone();
    let format = key.format;
    let hub = state.publisher.hub().cloned();
    let base_url = state.base_url.clone();
    let prefer = state.prefer.clone();
    let changed_at = state.publisher.cache().changed_at(&key.slug);
    blocking(move || {
        let which = if slug == ALL_SLUG {
            FeedItems::All
        } else {
            FeedItems::Topic(&slug)
        };
        let FeedPage { items, next } = store.feed_page(which, page.before, page.limit, &prefer)?;
        let next = next.map(|cursor| Page {
            limit: page.limit,
            before: Some(cursor),
        });
        let updated = items
            .iter()
            .map(|i| i.updated)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH);
        // Last-Modified is when the document last changed here: a story
        // taken in today with an old date (a late feed, a backdated entry)
        // is a change that If-Modified-Since clients must not miss.
        let modified = items
            .iter()
            .map(|i| i.stored)
            .max()
            .map_or(updated, |stored| stored.max(updated))
            // Feeds' own dates can lie about the future; RFC 9110 §8.8.2.1
            // forbids a Last-Modified later than the response.
            .min(Utc::now())
            // Two changes within one second still differ (see `changed_at`).
            .max(changed_at.unwrap_or(DateTime::UNIX_EPOCH));
        let first = Page {
            limit: page.limit,
            before: None,
        };
        let meta = FeedMeta {
            description: format!("{title} — a feedsieve topic"),
            title,
            self_url: with_query(&id, &page.query()),
            first_url: with_query(&id, &first.query()),
            next_url: next.map(|n| with_query(&id, &n.query())),
            id: id.to_string(),
            home_url: base_url.clone(),
            hub,
            id_authority: base_url.host_str().unwrap_or("localhost").to_string(),
            updated,
        };
        let body = render(format, &meta, &items);
        Ok(Rendered::new(body, format.content_type(), modified))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_parameters_are_checked_and_round_trip() {
        assert_eq!(
            Page::from_query(None),
            Ok(Page {
                limit: FEED_ITEMS,
                before: None
            })
        );
        let p = Page::from_query(Some("limit=10&before=1767225600_42&_=123")).unwrap();
        assert_eq!(p.limit, 10);
        assert_eq!(p.before.unwrap().story, StoryId(42));
        assert_eq!(Page::from_query(Some(&p.query())), Ok(p));
        assert_eq!(Page::from_query(Some("limit=100000")).unwrap().limit, 500);
        assert!(Page::from_query(Some("limit=0")).is_err());
        assert!(Page::from_query(Some("limit=ten")).is_err());
        assert!(Page::from_query(Some("before=yesterday")).is_err());
        assert_eq!(
            Page {
                limit: FEED_ITEMS,
                before: None
            }
            .query(),
            ""
        );
    }
}

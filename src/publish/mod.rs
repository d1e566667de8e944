//! The HTTP server: topic feeds, the index page and the health check.
//!
//! In: requests from feed readers and people. Out: feeds rendered from the
//! store's items (`feeds`), the status page (`index`). The only module that
//! serves HTTP; it reads the store and never writes it.

mod feeds;
mod index;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use url::Url;

pub use feeds::{FeedMeta, Format, excerpt, render};

use crate::store::Store;

/// Items per feed document.
pub const FEED_ITEMS: usize = 50;

/// The slug of the feed of every stored story, whatever its topic.
pub const ALL_SLUG: &str = "all";

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
    /// Sources whose copy represents a story, best first (`[dedupe]`).
    pub prefer: Arc<Vec<String>>,
}

impl AppState {
    /// The state for `config`'s topics and public address, fixed for the
    /// server's life.
    pub fn new(store: Store, config: &crate::config::Config) -> AppState {
        Self::live(store, config).0
    }

    /// The state, and the sender through which a reload replaces the
    /// topics (see [`topic_infos`]).
    pub fn live(
        store: Store,
        config: &crate::config::Config,
    ) -> (AppState, watch::Sender<Arc<Vec<TopicInfo>>>) {
        let (tx, topics) = watch::channel(Arc::new(topic_infos(config)));
        let state = AppState {
            store,
            topics,
            base_url: config.server.base_url.clone(),
            prefer: Arc::new(config.dedupe.prefer.clone()),
        };
        (state, tx)
    }
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
    Router::new()
        .route("/", get(index_page))
        .route("/healthz", get(healthz))
        .route("/feeds/{file}", get(feed))
        .route("/items/{id}", get(item_page))
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

async fn healthz(State(state): State<AppState>) -> Response {
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.check()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok\n").into_response(),
        Ok(Err(e)) => (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")).into_response(),
    }
}

async fn index_page(State(state): State<AppState>) -> Response {
    let (store, prefer) = (state.store.clone(), state.prefer.clone());
    let data = tokio::task::spawn_blocking(move || -> Result<_, crate::store::StoreError> {
        Ok((
            store.source_statuses()?,
            store.topic_counts()?,
            store.recent_items(20, &prefer)?,
        ))
    })
    .await;
    let topics = state.topics.borrow().clone();
    match data {
        Ok(Ok((sources, counts, recent))) => Html(index::render(
            &topics,
            &counts,
            &sources,
            &recent,
            Utc::now(),
        ))
        .into_response(),
        Ok(Err(e)) => server_error(e.to_string()),
        Err(e) => server_error(e.to_string()),
    }
}

/// An item's own page, the link of items whose feed gave no usable link.
async fn item_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return not_found();
    };
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || store.item(crate::model::ArticleId(id))).await {
        Ok(Ok(Some(item))) => Html(index::render_item(&item)).into_response(),
        Ok(Ok(None)) => not_found(),
        Ok(Err(e)) => server_error(e.to_string()),
        Err(e) => server_error(e.to_string()),
    }
}

fn server_error(message: String) -> Response {
    tracing::error!(error = %message, "cannot answer request");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
}

async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((slug, format)) = file
        .rsplit_once('.')
        .and_then(|(slug, ext)| Some((slug.to_string(), Format::from_extension(ext)?)))
    else {
        return not_found();
    };
    let title = if slug == ALL_SLUG {
        "All stories".to_string()
    } else {
        match state.topics.borrow().iter().find(|t| t.slug == slug) {
            Some(t) => t.title.clone(),
            None => return not_found(),
        }
    };
    let (store, prefer) = (state.store.clone(), state.prefer.clone());
    let items = {
        let slug = slug.clone();
        tokio::task::spawn_blocking(move || {
            if slug == ALL_SLUG {
                store.recent_items(FEED_ITEMS, &prefer)
            } else {
                store.topic_items(&slug, FEED_ITEMS, &prefer)
            }
        })
        .await
    };
    let items = match items {
        Ok(Ok(items)) => items,
        Ok(Err(e)) => return server_error(e.to_string()),
        Err(e) => return server_error(e.to_string()),
    };
    let updated = items
        .iter()
        .map(|i| i.updated)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let Ok(self_url) = state.base_url.join(&format!("feeds/{file}")) else {
        return not_found();
    };
    let meta = FeedMeta {
        description: format!("{title} — a feedsieve topic"),
        title,
        self_url,
        home_url: state.base_url.clone(),
        id_authority: state.base_url.host_str().unwrap_or("localhost").to_string(),
        updated,
    };
    let body = render(format, &meta, &items);
    conditional(&headers, body, format.content_type(), updated)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// Answers with `body`, or 304 when the client's validators still match.
/// The ETag is a hash of the body, so it changes exactly when the bytes do.
fn conditional(
    headers: &HeaderMap,
    body: Vec<u8>,
    content_type: &'static str,
    modified: DateTime<Utc>,
) -> Response {
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let last_modified = http_date(modified);
    let not_modified = match headers.get(header::IF_NONE_MATCH) {
        // RFC 9110 §13.1.2: weak comparison; If-None-Match wins over
        // If-Modified-Since when both are present.
        Some(inm) => inm.to_str().is_ok_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == etag || t == "*")
        }),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|since| modified.timestamp() <= since.timestamp()),
    };
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = body.into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        h.insert(header::LAST_MODIFIED, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
}

/// An IMF-fixdate (RFC 9110 §5.6.7), the only form HTTP dates should take.
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

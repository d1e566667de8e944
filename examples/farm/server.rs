//! Serves a farm on loopback, answering from memory.
//!
//! Outlets are reached at their own addresses (127.1.x.y), all on one port.
//! One listener on the wildcard address receives them all: a listener per
//! address would take one file descriptor per outlet, and with 10,000
//! outlets plus one kept-alive connection each the process would pass the
//! machine's limit of 20,000 open files (accept then fails, and the server
//! backs off for a second at a time). The wildcard listener answers only
//! loopback peers, so the farm is never served to the network.
//!
//! Fairness: the farm runs in the harness process, so its CPU time is never
//! counted as feedsieve's or Python's (each runs as a child process and is
//! measured with `wait4`). It does share the machine's two cores with them,
//! so it is made cheap: feed documents are rendered before the clock
//! starts, pages too unless there are too many to keep in memory
//! (`PAGE_CACHE_LIMIT`), bodies are sent as they are (no compression), and
//! handlers do no I/O. Every response is counted, so a run can prove what
//! was fetched (every page once; a second pass only 304s).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::farm::{Charset, Farm, Format};

/// Pages kept rendered in memory at most (about 58 KB each, so ~700 MB);
/// past it pages are rendered on request, which costs the farm ~0.2 ms of
/// CPU per page.
const PAGE_CACHE_LIMIT: usize = 12_000;

/// What the farm has answered.
#[derive(Debug, Default)]
pub struct Counters {
    pub feeds_ok: AtomicU64,
    pub feeds_not_modified: AtomicU64,
    pub pages_ok: AtomicU64,
    pub not_found: AtomicU64,
    pub bytes: AtomicU64,
}

impl Counters {
    pub fn reset(&self) {
        for c in [
            &self.feeds_ok,
            &self.feeds_not_modified,
            &self.pages_ok,
            &self.not_found,
            &self.bytes,
        ] {
            c.store(0, Relaxed);
        }
    }

    pub fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "feeds_ok": self.feeds_ok.load(Relaxed),
            "feeds_not_modified": self.feeds_not_modified.load(Relaxed),
            "pages_ok": self.pages_ok.load(Relaxed),
            "not_found": self.not_found.load(Relaxed),
            "bytes": self.bytes.load(Relaxed),
        })
    }
}

pub struct Served {
    pub farm: Farm,
    feeds: Vec<Bytes>,
    pages: Option<Vec<Vec<Bytes>>>,
    pub counters: Counters,
}

/// A farm being served.
pub struct Running {
    pub served: Arc<Served>,
    pub port: u16,
}

/// Binds the farm's port, renders the farm and starts serving it.
pub async fn start(spec: crate::farm::Spec) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind((std::net::Ipv4Addr::UNSPECIFIED, 0)).await?;
    let port = listener.local_addr()?.port();
    let farm = Farm::new(spec, port);
    let served = tokio::task::spawn_blocking(move || render(farm)).await?;
    let served = Arc::new(served);
    let app = Router::new().fallback(answer).with_state(served.clone());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(LoopbackOnly(listener), app).await {
            eprintln!("farm server failed: {e}");
        }
    });
    Ok(Running { served, port })
}

/// A listener that drops connections from anywhere but loopback.
struct LoopbackOnly(tokio::net::TcpListener);

impl axum::serve::Listener for LoopbackOnly {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.0.accept().await {
                Ok((io, peer)) if peer.ip().is_loopback() => {
                    // Small responses (304s) must not wait for Nagle.
                    let _ = io.set_nodelay(true);
                    return (io, peer);
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("farm accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

fn render(farm: Farm) -> Served {
    let feeds = par_map(&farm, |o| farm.feed(o));
    let pages = (farm.total_items() <= PAGE_CACHE_LIMIT).then(|| {
        par_map(&farm, |o| {
            (0..farm.spec.items).map(|j| farm.page(o, j)).collect()
        })
    });
    Served {
        farm,
        feeds,
        pages,
        counters: Counters::default(),
    }
}

/// `f` over every outlet, on all cores (rendering 4,000 pages takes a few
/// seconds on one).
fn par_map<T: Send>(farm: &Farm, f: impl Fn(&crate::farm::Outlet) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = farm.outlets.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = farm
            .outlets
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<T>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

impl Served {
    /// Total bytes of all pages (rendering them when they are not cached).
    pub fn page_bytes(&self, outlet: usize, item: usize) -> Bytes {
        match &self.pages {
            Some(p) => p[outlet][item].clone(),
            None => self.farm.page(&self.farm.outlets[outlet], item),
        }
    }

    pub fn feed_bytes(&self, outlet: usize) -> Bytes {
        self.feeds[outlet].clone()
    }
}

/// Paths: `/o{n}/rss.xml`, `/o{n}/atom.xml`, `/o{n}/news/{j}.html`.
async fn answer(State(s): State<Arc<Served>>, req: Request) -> Response {
    let path = req.uri().path();
    let Some((outlet, rest)) = path
        .strip_prefix("/o")
        .and_then(|p| p.split_once('/'))
        .and_then(|(n, rest)| Some((n.parse::<usize>().ok()?, rest)))
        .filter(|(n, _)| *n < s.farm.outlets.len())
    else {
        return not_found(&s);
    };
    let o = &s.farm.outlets[outlet];
    if rest == "rss.xml" || rest == "atom.xml" {
        let etag = o.etag(s.farm.spec.seed);
        let unchanged = req
            .headers()
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == etag.as_bytes());
        if unchanged {
            s.counters.feeds_not_modified.fetch_add(1, Relaxed);
            return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
        }
        let kind = match o.format {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
        };
        let body = s.feed_bytes(outlet);
        s.counters.feeds_ok.fetch_add(1, Relaxed);
        s.counters.bytes.fetch_add(body.len() as u64, Relaxed);
        let modified = s
            .farm
            .epoch()
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        return respond(body, content_type(kind, o.charset), Some((etag, modified)));
    }
    let item = rest
        .strip_prefix("news/")
        .and_then(|r| r.strip_suffix(".html"))
        .and_then(|j| j.parse::<usize>().ok())
        .filter(|j| *j < s.farm.spec.items);
    match item {
        Some(j) => {
            let body = s.page_bytes(outlet, j);
            s.counters.pages_ok.fetch_add(1, Relaxed);
            s.counters.bytes.fetch_add(body.len() as u64, Relaxed);
            respond(body, content_type("text/html", o.charset), None)
        }
        None => not_found(&s),
    }
}

fn content_type(kind: &str, charset: Charset) -> String {
    match charset {
        Charset::Utf8 => format!("{kind}; charset=utf-8"),
        Charset::Cp1251Declared => format!("{kind}; charset=windows-1251"),
        Charset::Cp1251InDocument => kind.to_string(),
    }
}

fn respond(body: Bytes, content_type: String, validators: Option<(String, String)>) -> Response {
    let mut r = Response::new(Body::from(body));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Some((etag, modified)) = validators {
        for (name, value) in [(header::ETAG, etag), (header::LAST_MODIFIED, modified)] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
    }
    r
}

fn not_found(s: &Served) -> Response {
    s.counters.not_found.fetch_add(1, Relaxed);
    StatusCode::NOT_FOUND.into_response()
}

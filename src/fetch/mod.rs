//! All outbound HTTP: feeds and article pages.
//!
//! In: a URL (and, for feeds, the validators from the last fetch and the
//! source's encoding override). Out: the response decoded to UTF-8 text, the
//! final URL, what the response said about caching and moving, the new
//! validators — or a [`FetchError`] naming the URL. This module never parses
//! feeds or extracts articles, and never touches the store. One [`Fetcher`]
//! (one connection pool, one politeness limiter) is built at start-up and
//! shared by every refresh.
//!
//! Every request, and every redirect hop, goes through the same steps:
//! the address guard ([`guard`]) checks the URL and, inside DNS resolution,
//! every address; the politeness limiter ([`politeness`]) waits for a slot
//! on the host; the body is read with a cap counted after decompression
//! ([`body`]); the whole exchange, redirects and body included, has one
//! deadline; the bytes are decoded by us ([`charset`]). Redirects are
//! followed here rather than by reqwest, so that each hop gets the guard and
//! the limiter, and so that a permanent move (301/308) can be reported to
//! the caller, which updates the stored URL once the move is seen
//! consistently.

pub mod body;
pub mod charset;
pub mod discover;
pub mod guard;
pub mod politeness;
pub mod websub;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use crate::config::FetchConfig;
use crate::model::Validators;
use crate::schedule::{adaptive, backoff};
use charset::{Charset, Decoded, DocumentKind, Hints};
use guard::{AddressPolicy, GuardedResolver, Refused};
use politeness::Limiter;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("{url}: {refused}")]
    Refused {
        url: Url,
        #[source]
        refused: Box<Refused>,
    },
    #[error("{url}: request failed: {}", describe(.source))]
    Request {
        url: Url,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: timed out after {}", humantime::format_duration(*.after))]
    Timeout { url: Url, after: Duration },
    #[error("{url}: HTTP {status}{}", retry_note(*.retry_after))]
    Status {
        url: Url,
        status: StatusCode,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    #[error(
        "{url}: HTTP 410 Gone: the publisher removed this feed; polling stopped \
         (change the source's url to resume)"
    )]
    Gone { url: Url },
    #[error("{url}: more than {max} redirects")]
    TooManyRedirects { url: Url, max: usize },
    #[error("{url}: redirect with an unusable Location {location:?}")]
    BadRedirect { url: Url, location: String },
    #[error("{url}: response too large: limit {}", body::human_bytes(*.limit))]
    TooLarge { url: Url, limit: u64 },
    #[error(
        "{url}: an HTML page that links to no feed (no <link rel=\"alternate\"> to RSS, Atom or JSON Feed)"
    )]
    NotAFeed { url: Url },
    #[error("{url}: internal error: {message}")]
    Internal { url: Url, message: String },
}

impl FetchError {
    /// Whether retrying later may help (a timeout, a 5xx, a 429) as opposed
    /// to a problem that needs a person (a 404, a refused address). Either
    /// way the source is retried with backoff; this only decides how the
    /// failure is reported.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Request { .. } | FetchError::Timeout { .. } => true,
            FetchError::Status { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
            FetchError::Client(_)
            | FetchError::Refused { .. }
            | FetchError::Gone { .. }
            | FetchError::TooManyRedirects { .. }
            | FetchError::BadRedirect { .. }
            | FetchError::TooLarge { .. }
            | FetchError::NotAFeed { .. }
            | FetchError::Internal { .. } => false,
        }
    }

    /// How long the server asked us to wait (429/503 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The feed is gone for good (HTTP 410): stop polling it.
    pub fn is_gone(&self) -> bool {
        matches!(self, FetchError::Gone { .. })
    }
}

fn retry_note(retry_after: Option<Duration>) -> String {
    retry_after.map_or(String::new(), |d| {
        format!(" (Retry-After: {})", humantime::format_duration(d))
    })
}

/// reqwest's Display of an error omits its cause ("error sending request");
/// the cause is what a user needs ("connection refused", "timed out").
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else {
        e.to_string()
    };
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cause = c.source();
    }
    s
}

/// The answer to a conditional feed request.
#[derive(Debug)]
pub enum FeedResponse {
    /// 304: unchanged since the validators were issued.
    NotModified {
        /// `Cache-Control: max-age` / `Expires` of the 304.
        freshness: Option<Duration>,
        /// Where a chain of permanent redirects at the start led.
        moved_to: Option<Url>,
    },
    /// Boxed: a decoded document is much larger than a 304's two fields.
    Fetched(Box<FetchedFeed>),
}

/// A feed document read in full and decoded.
#[derive(Debug)]
pub struct FetchedFeed {
    /// The URL after redirects, against which relative links resolve.
    pub url: Url,
    /// The document as UTF-8, and how its charset was found.
    pub text: Decoded,
    pub validators: Validators,
    /// `Cache-Control: max-age` / `Expires`: the publisher's "not before".
    pub freshness: Option<Duration>,
    /// Where a chain of permanent redirects (301/308) at the start of the
    /// request led: the address to use from now on, if this keeps happening.
    pub moved_to: Option<Url>,
    /// The requested URL was an HTML page; this is the feed it links to,
    /// which was fetched instead.
    pub discovered: Option<Url>,
}

/// An article page, decoded.
#[derive(Debug)]
pub struct Page {
    /// The URL after redirects, against which the page's links resolve.
    pub url: Url,
    pub html: String,
}

/// A response with status 200–299 or 304, body read.
struct Response {
    url: Url,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    moved_to: Option<Url>,
}

impl Response {
    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn freshness(&self) -> Option<Duration> {
        let max_age = self
            .header(header::CACHE_CONTROL)
            .and_then(adaptive::cache_control_max_age);
        let expires = self
            .header(header::EXPIRES)
            .and_then(|e| adaptive::expires_in(e, self.header(header::DATE), Utc::now()));
        max_age.into_iter().chain(expires).max()
    }

    fn decode(&self, kind: DocumentKind, encoding: Option<Charset>) -> Decoded {
        let tld = match self.url.host() {
            Some(url::Host::Domain(name)) => name.rsplit('.').next(),
            _ => None,
        };
        let tld = tld.map(str::to_ascii_lowercase);
        charset::decode(
            &self.body,
            kind,
            &Hints {
                override_charset: encoding,
                content_type: self.header(header::CONTENT_TYPE),
                tld: tld.as_deref(),
            },
        )
    }
}

/// The shared HTTP client, its limits, the address guard and the
/// politeness limiter.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    policy: Arc<AddressPolicy>,
    limiter: Arc<Limiter>,
    timeout: Duration,
    max_body: u64,
    max_redirects: usize,
}

const FEED_ACCEPT: &str = "application/atom+xml, application/rss+xml, application/feed+json, \
     application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";
/// How long an idle connection is kept for reuse beyond the politeness
/// delay (see `Fetcher::new`).
const IDLE_CONNECTION_KEPT: Duration = Duration::from_secs(1);

const PAGE_ACCEPT: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

impl Fetcher {
    pub fn new(config: &FetchConfig) -> Result<Fetcher, FetchError> {
        let policy = Arc::new(config.address_policy.clone());
        let client = reqwest::Client::builder()
            .user_agent(&config.user_agent)
            .connect_timeout(config.connect_timeout)
            // Redirects are followed by `get`, hop by hop, through the guard.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver::new(Arc::clone(&policy))))
            // A proxy would resolve names itself, out of the guard's reach.
            .no_proxy()
            // An idle connection holds a file descriptor and its buffers
            // (20–70 KB). Reuse pays within one refresh: its pages, from one
            // host, `host_delay` apart. A host's next poll is minutes away,
            // after servers have closed the connection anyway. Kept for the
            // client's default 90 s, a pass over 10,000 sources held them
            // all: 1.3 GB and the 20,000-descriptor limit reached
            // (BENCHMARKS.md, "End-to-end ingest").
            .pool_idle_timeout(config.host_delay + IDLE_CONNECTION_KEPT)
            .pool_max_idle_per_host(config.per_host)
            .build()
            .map_err(FetchError::Client)?;
        Ok(Fetcher {
            client,
            policy,
            limiter: Arc::new(Limiter::new(
                config.connections,
                config.per_host,
                config.host_delay,
            )),
            timeout: config.timeout,
            max_body: config.max_body,
            max_redirects: config.max_redirects,
        })
    }

    /// Fetches a feed, conditionally when `validators` are known, and
    /// decodes it (in `encoding` when the source sets one). When `url` turns
    /// out to be an HTML page, the feed it links to is fetched instead and
    /// reported in [`FetchedFeed::discovered`].
    pub async fn feed(
        &self,
        url: &Url,
        validators: &Validators,
        encoding: Option<Charset>,
    ) -> Result<FeedResponse, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(FEED_ACCEPT));
        // A feed poll is one request to its host per interval, and most
        // answers are 304s that nothing follows: its connection is not worth
        // keeping. Kept, a pass over 10,000 unchanged feeds held thousands
        // of idle connections at once (68 → 238 MB, BENCHMARKS.md,
        // "End-to-end ingest"). Pages, fetched in runs from one host, keep
        // theirs.
        headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        if let Some(v) = validators
            .etag
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::IF_NONE_MATCH, v);
        }
        if let Some(v) = validators
            .last_modified
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::IF_MODIFIED_SINCE, v);
        }
        let response = self.get(url, headers).await?;
        if response.status == StatusCode::NOT_MODIFIED {
            return Ok(FeedResponse::NotModified {
                freshness: response.freshness(),
                moved_to: response.moved_to,
            });
        }
        if !discover::looks_like_html(response.header(header::CONTENT_TYPE), &response.body) {
            return Ok(FeedResponse::Fetched(Box::new(feed_from(
                response, encoding, None,
            ))));
        }
        let page = response.decode(DocumentKind::Page, encoding);
        let page_url = response.url.clone();
        let links =
            tokio::task::spawn_blocking(move || discover::feed_links(&page.text, &page_url))
                .await
                .map_err(|e| FetchError::Internal {
                    url: url.clone(),
                    message: e.to_string(),
                })?;
        let Some(feed_url) = links.into_iter().next() else {
            return Err(FetchError::NotAFeed {
                url: response.url.clone(),
            });
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(FEED_ACCEPT));
        let found = self.get(&feed_url, headers).await?;
        if discover::looks_like_html(found.header(header::CONTENT_TYPE), &found.body) {
            // One level of discovery only: a feed link to another page is
            // a broken site, not a reason to crawl it.
            return Err(FetchError::NotAFeed { url: found.url });
        }
        let discovered = found.moved_to.clone().unwrap_or_else(|| feed_url.clone());
        Ok(FeedResponse::Fetched(Box::new(feed_from(
            found,
            encoding,
            Some(discovered),
        ))))
    }

    /// Fetches an article page and decodes it to text (in `encoding` when
    /// the source sets one).
    pub async fn page(&self, url: &Url, encoding: Option<Charset>) -> Result<Page, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(PAGE_ACCEPT));
        let response = self.get(url, headers).await?;
        if response.status == StatusCode::NOT_MODIFIED {
            // Nothing conditional was asked; a 304 here is a broken server.
            return Err(FetchError::Status {
                url: url.clone(),
                status: response.status,
                retry_after: None,
            });
        }
        let html = response.decode(DocumentKind::Page, encoding).text;
        Ok(Page {
            url: response.url,
            html,
        })
    }

    /// GET `url`, following redirects hop by hop through the guard and the
    /// politeness limiter, with one deadline for the whole exchange.
    ///
    /// The deadline starts when the first request is sent, not while it
    /// waits for a slot on its host: a refresh that queues twenty article
    /// pages behind `fetch.per_host` must not see the last ones time out
    /// before they were ever sent.
    async fn get(&self, url: &Url, headers: HeaderMap) -> Result<Response, FetchError> {
        let mut current = url.clone();
        let mut moved_to = None;
        let mut only_permanent_so_far = true;
        let mut deadline = None;
        for _ in 0..=self.max_redirects {
            // Named by the URL asked for; the refused hop is in `refused`.
            self.policy
                .check_url(&current)
                .map_err(|refused| FetchError::Refused {
                    url: url.clone(),
                    refused: Box::new(refused),
                })?;
            let host = current.host_str().unwrap_or_default().to_owned();
            let _permit = self.limiter.acquire(&host).await;
            let deadline =
                *deadline.get_or_insert_with(|| tokio::time::Instant::now() + self.timeout);
            let hop = tokio::time::timeout_at(deadline, self.hop(url, &current, &headers))
                .await
                .unwrap_or_else(|_| {
                    Err(FetchError::Timeout {
                        url: url.clone(),
                        after: self.timeout,
                    })
                })?;
            match hop {
                Hop::Redirect { to, permanent } => {
                    only_permanent_so_far &= permanent;
                    if only_permanent_so_far {
                        moved_to = Some(to.clone());
                    }
                    current = to;
                }
                Hop::Done {
                    status,
                    headers,
                    body,
                } => {
                    return Ok(Response {
                        url: current,
                        status,
                        headers,
                        body,
                        moved_to,
                    });
                }
            }
        }
        Err(FetchError::TooManyRedirects {
            url: url.clone(),
            max: self.max_redirects,
        })
    }

    /// One request of an exchange: a redirect to follow, or a final answer
    /// read in full (2xx, 304); anything else is an error.
    async fn hop(
        &self,
        asked: &Url,
        current: &Url,
        headers: &HeaderMap,
    ) -> Result<Hop, FetchError> {
        let response = self
            .client
            .get(current.clone())
            .headers(headers.clone())
            .send()
            .await
            .map_err(|source| request_error(asked, current, source))?;
        let status = response.status();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let to = current
                .join(location.trim())
                .map_err(|_| FetchError::BadRedirect {
                    url: current.clone(),
                    location: location.clone(),
                })?;
            let permanent = matches!(
                status,
                StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
            );
            return Ok(Hop::Redirect { to, permanent });
        }
        if status == StatusCode::GONE {
            return Err(FetchError::Gone {
                url: current.clone(),
            });
        }
        if !(status.is_success() || status == StatusCode::NOT_MODIFIED) {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| backoff::parse_retry_after(v, Utc::now()));
            return Err(FetchError::Status {
                url: current.clone(),
                status,
                retry_after,
            });
        }
        let headers = response.headers().clone();
        let body = body::read_capped(response, self.max_body)
            .await
            .map_err(|e| match e {
                body::BodyError::TooLarge { limit } => FetchError::TooLarge {
                    url: current.clone(),
                    limit,
                },
                body::BodyError::Read(source) => request_error(asked, current, source),
            })?;
        Ok(Hop::Done {
            status,
            headers,
            body,
        })
    }
}

/// What one request of an exchange ended with.
enum Hop {
    Redirect {
        to: Url,
        permanent: bool,
    },
    Done {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
}

fn feed_from(
    response: Response,
    encoding: Option<Charset>,
    discovered: Option<Url>,
) -> FetchedFeed {
    let text = response.decode(DocumentKind::Feed, encoding);
    let freshness = response.freshness();
    let validators = Validators {
        etag: response.header(header::ETAG).map(str::to_owned),
        last_modified: response.header(header::LAST_MODIFIED).map(str::to_owned),
    };
    FetchedFeed {
        url: response.url,
        text,
        validators,
        freshness,
        moved_to: response.moved_to,
        discovered,
    }
}

/// A reqwest error on `hop` (a redirect target of `asked`, or `asked`
/// itself), or the guard's refusal when that is what it carries (a name
/// that resolved only to private addresses).
fn request_error(asked: &Url, hop: &Url, source: reqwest::Error) -> FetchError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&source);
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<Refused>() {
            return FetchError::Refused {
                url: asked.clone(),
                refused: Box::new(refused.clone()),
            };
        }
        cause = current.source();
    }
    FetchError::Request {
        url: hop.clone(),
        source,
    }
}

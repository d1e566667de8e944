//! All outbound HTTP: feeds and article pages.
//!
//! In: a URL (and, for feeds, the validators from the last fetch). Out: the
//! response body as bytes or decoded text, the final URL after redirects and
//! the new validators — or a [`FetchError`] naming the URL. This module
//! never parses feeds or HTML beyond finding a charset, and never touches the
//! store. One [`Fetcher`] (one connection pool) is built at start-up and
//! shared by every refresh.

pub mod websub;

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, redirect};
use url::Url;

use crate::config::FetchConfig;
use crate::model::Validators;

/// The most bytes read from one response, feed or page. Real feeds are
/// rarely above 1 MiB; anything past 10 MiB is a broken or hostile server.
pub const MAX_BODY: usize = 10 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("{url}: request failed: {}", describe(.source))]
    Request {
        url: Url,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: HTTP {status}")]
    Status { url: Url, status: StatusCode },
    #[error("{url}: response too large: limit {} MiB", .limit / (1024 * 1024))]
    TooLarge { url: Url, limit: usize },
}

impl FetchError {
    /// Whether retrying later may help (a timeout, a 5xx) as opposed to a
    /// problem that needs a person (a 404, a 410).
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Client(_) | FetchError::TooLarge { .. } => false,
            FetchError::Request { .. } => true,
            FetchError::Status { status, .. } => {
                status.is_server_error() || *status == StatusCode::TOO_MANY_REQUESTS
            }
        }
    }
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
    NotModified,
    Fetched(Fetched),
}

/// A 2xx response read in full.
#[derive(Debug)]
pub struct Fetched {
    /// The URL after redirects, against which relative links resolve.
    pub url: Url,
    pub content_type: Option<String>,
    pub body: Bytes,
    pub validators: Validators,
}

/// The shared HTTP client and its limits.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    pub fn new(config: &FetchConfig) -> Result<Fetcher, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(&config.user_agent)
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .redirect(redirect::Policy::limited(10))
            .build()
            .map_err(FetchError::Client)?;
        Ok(Fetcher { client })
    }

    /// Fetches a feed, conditionally when `validators` are known.
    pub async fn feed(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<FeedResponse, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/atom+xml, application/rss+xml, application/feed+json, \
                 application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5",
            ),
        );
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
        match self.get(url, headers).await? {
            None => Ok(FeedResponse::NotModified),
            Some(f) => Ok(FeedResponse::Fetched(f)),
        }
    }

    /// Fetches an article page and decodes it to text.
    pub async fn page(&self, url: &Url) -> Result<Page, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html, application/xhtml+xml;q=0.9, */*;q=0.5"),
        );
        let fetched = self
            .get(url, headers)
            .await?
            .ok_or_else(|| FetchError::Status {
                url: url.clone(),
                status: StatusCode::NOT_MODIFIED,
            })?;
        let html = decode_html(&fetched.body, fetched.content_type.as_deref());
        Ok(Page {
            url: fetched.url,
            html,
        })
    }

    /// GET with a body cap enforced while streaming. `None` on 304.
    async fn get(&self, url: &Url, headers: HeaderMap) -> Result<Option<Fetched>, FetchError> {
        let request_err = |source| FetchError::Request {
            url: url.clone(),
            source,
        };
        let response = self
            .client
            .get(url.clone())
            .headers(headers)
            .send()
            .await
            .map_err(request_err)?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.clone(),
                status,
            });
        }
        let final_url = response.url().clone();
        let header_str = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header_str(header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_str(header::ETAG),
            last_modified: header_str(header::LAST_MODIFIED),
        };
        let too_large = || FetchError::TooLarge {
            url: url.clone(),
            limit: MAX_BODY,
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY as u64)
        {
            return Err(too_large());
        }
        let mut body = BytesMut::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(request_err)?;
            if body.len() + chunk.len() > MAX_BODY {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some(Fetched {
            url: final_url,
            content_type,
            body: body.freeze(),
            validators,
        }))
    }
}

/// An article page, decoded.
#[derive(Debug)]
pub struct Page {
    /// The URL after redirects, against which the page's links resolve.
    pub url: Url,
    pub html: String,
}

/// Decodes an HTML page: a BOM, then the HTTP charset, then the bytes'
/// validity as UTF-8, then detection (chardetng), which reads Cyrillic
/// windows-1251 and koi8-r pages correctly.
pub fn decode_html(body: &[u8], content_type: Option<&str>) -> String {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(body) {
        return enc
            .decode_without_bom_handling(&body[bom_len..])
            .0
            .into_owned();
    }
    let declared = content_type
        .and_then(|ct| {
            ct.split(';')
                .filter_map(|p| p.trim().split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
        })
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
    if let Some(enc) = declared {
        return enc.decode_without_bom_handling(body).0.into_owned();
    }
    if let Ok(s) = std::str::from_utf8(body) {
        return s.to_string();
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(body, true);
    let enc = detector.guess(None, chardetng::Utf8Detection::Allow);
    enc.decode_without_bom_handling(body).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1251_pages_are_decoded_from_the_http_charset_or_by_detection() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("<p>Новости Казахстана и мира</p>");
        assert_eq!(
            decode_html(&bytes, Some("text/html; charset=windows-1251")),
            "<p>Новости Казахстана и мира</p>"
        );
        assert_eq!(
            decode_html(&bytes, None),
            "<p>Новости Казахстана и мира</p>"
        );
    }

    #[test]
    fn a_bom_wins_over_the_declared_charset() {
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice("Астана".as_bytes());
        assert_eq!(
            decode_html(&bytes, Some("text/html; charset=koi8-r")),
            "Астана"
        );
    }
}

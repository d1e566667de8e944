//! A rendered feed document ready to be served again and again: its bytes,
//! their compressed forms, and the HTTP validators, all computed once, so
//! answering a request is a header comparison and a reference-counted
//! copy of the body.
//!
//! Content-coding is done here, once per document and coding, not per
//! response by a compression middleware: gzip at level 6 of the 230 KB
//! 50-item benchmark feed took 29 ms of CPU on the reference machine
//! (`examples/serve_compress.rs`), which would cap a core at a few dozen
//! gzip responses per second, where serving the stored bytes ran at about
//! 20 000 (BENCHMARKS.md, "Serving feeds"). The compressed forms are made
//! on first demand: most documents (old pages, odd limits) are never asked
//! for in brotli.

use std::io::Write;
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// How long readers and proxies may reuse a feed without asking: short,
/// because a feed changes whenever a source brings news, and asking again
/// is a cheap 304 (RFC 9111 §5.2.2.1).
const CACHE_CONTROL: &str = "public, max-age=60";

/// A content-coding the server can answer in (RFC 9110 §8.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// The suffix that tells this coding's ETag from the others': a
    /// compressed body is a different representation, so its strong ETag
    /// must differ (RFC 9110 §8.8.3).
    fn etag_suffix(self) -> &'static str {
        match self {
            Coding::Identity => "",
            Coding::Gzip => "-gzip",
            Coding::Brotli => "-br",
        }
    }

    fn index(self) -> usize {
        match self {
            Coding::Identity => 0,
            Coding::Gzip => 1,
            Coding::Brotli => 2,
        }
    }
}

/// Picks the coding for a request's `Accept-Encoding` (RFC 9110 §12.5.3):
/// the acceptable one with the highest weight, brotli before gzip before
/// identity on a tie (smallest first). No header means identity.
pub fn negotiate(accept_encoding: Option<&str>) -> Coding {
    let Some(header) = accept_encoding else {
        return Coding::Identity;
    };
    let (mut br, mut gzip, mut identity, mut any) = (None, None, None, None);
    for part in header.split(',') {
        let mut fields = part.split(';');
        let name = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = fields
            .filter_map(|f| f.trim().split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok())
            .unwrap_or(0.0);
        match name.as_str() {
            "br" => br = Some(q),
            "gzip" | "x-gzip" => gzip = Some(q),
            "identity" => identity = Some(q),
            "*" => any = Some(q),
            _ => {}
        }
    }
    let br = br.or(any).unwrap_or(0.0);
    let gzip = gzip.or(any).unwrap_or(0.0);
    // Identity is acceptable unless excluded by name or by "*;q=0", but
    // when not named it has no weight of its own (RFC 9110 §12.5.3): any
    // listed coding wins over it.
    let identity = identity
        .or(any.filter(|q| *q == 0.0))
        .unwrap_or(f32::MIN_POSITIVE);
    let best = [
        (Coding::Brotli, br),
        (Coding::Gzip, gzip),
        (Coding::Identity, identity),
    ]
    .into_iter()
    .filter(|(_, q)| *q > 0.0)
    .fold(None::<(Coding, f32)>, |best, (c, q)| match best {
        Some((_, bq)) if bq >= q => best,
        _ => Some((c, q)),
    });
    // Nothing acceptable: RFC 9110 allows ignoring the header, which is
    // better for a feed reader than a 406.
    best.map_or(Coding::Identity, |(c, _)| c)
}

/// One rendered feed document.
#[derive(Debug)]
pub struct Rendered {
    identity: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    /// Hex of the body's hash: the ETag's base.
    hash: String,
    /// The ETag header of each coding, in [`Coding::index`] order.
    etags: [HeaderValue; 3],
    last_modified: HeaderValue,
    /// Last-Modified in Unix seconds, for If-Modified-Since.
    modified: i64,
    content_type: HeaderValue,
}

impl Rendered {
    /// Wraps `body`, served as `content_type`, whose newest item changed at
    /// `modified`.
    pub fn new(body: Vec<u8>, content_type: &'static str, modified: DateTime<Utc>) -> Rendered {
        let hash = hex::encode(&Sha256::digest(&body)[..16]);
        let etag = |c: Coding| {
            // Hex digits and a fixed suffix are always a valid header value.
            HeaderValue::from_str(&format!("\"{hash}{}\"", c.etag_suffix()))
                .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
        };
        let etags = [
            etag(Coding::Identity),
            etag(Coding::Gzip),
            etag(Coding::Brotli),
        ];
        let last_modified = HeaderValue::from_str(&http_date(modified))
            .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
        Rendered {
            identity: Bytes::from(body),
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            hash,
            etags,
            last_modified,
            modified: modified.timestamp(),
            content_type: HeaderValue::from_static(content_type),
        }
    }

    /// The uncompressed body.
    pub fn body(&self) -> &Bytes {
        &self.identity
    }

    /// Bytes held, compressed forms included, for the cache's budget.
    pub fn size(&self) -> usize {
        self.identity.len()
            + self.gzip.get().map_or(0, Bytes::len)
            + self.brotli.get().map_or(0, Bytes::len)
    }

    /// The body in `coding`, if it is already made.
    pub fn encoded(&self, coding: Coding) -> Option<Bytes> {
        match coding {
            Coding::Identity => Some(self.identity.clone()),
            Coding::Gzip => self.gzip.get().cloned(),
            Coding::Brotli => self.brotli.get().cloned(),
        }
    }

    /// The body in `coding`, compressing it on first use. CPU-bound: call
    /// it off the async threads when [`Rendered::encoded`] says it is not
    /// made yet.
    pub fn encode(&self, coding: Coding) -> Bytes {
        match coding {
            Coding::Identity => self.identity.clone(),
            Coding::Gzip => self.gzip.get_or_init(|| gzip(&self.identity)).clone(),
            Coding::Brotli => self.brotli.get_or_init(|| brotli(&self.identity)).clone(),
        }
    }

    /// Whether the request's validators still match this document
    /// (RFC 9110 §13.1.2, §13.1.3). If-None-Match wins over
    /// If-Modified-Since when both are present. Any coding's ETag matches:
    /// the client holds this very document, in whatever coding it got it.
    pub fn not_modified(&self, request: &HeaderMap) -> bool {
        match request.get(header::IF_NONE_MATCH) {
            Some(inm) => inm
                .to_str()
                .is_ok_and(|v| v.split(',').any(|tag| self.matches(tag.trim()))),
            None => request
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
                .is_some_and(|since| self.modified <= since.timestamp()),
        }
    }

    fn matches(&self, tag: &str) -> bool {
        if tag == "*" {
            return true;
        }
        // Weak comparison: W/ is ignored.
        let tag = tag.trim_start_matches("W/");
        let Some(opaque) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
            return false;
        };
        let base = opaque
            .strip_suffix(Coding::Gzip.etag_suffix())
            .or_else(|| opaque.strip_suffix(Coding::Brotli.etag_suffix()))
            .unwrap_or(opaque);
        base == self.hash
    }

    /// The response: 304 when `not_modified`, else `body` in `coding`.
    /// Both carry the validators and caching headers.
    pub fn response(&self, coding: Coding, not_modified: bool, body: Bytes) -> Response {
        let mut response = if not_modified {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let mut r = Response::new(Body::from(body));
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, self.content_type.clone());
            match coding {
                Coding::Identity => {}
                Coding::Gzip => {
                    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                }
                Coding::Brotli => {
                    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
                }
            }
            r
        };
        let h = response.headers_mut();
        h.insert(header::ETAG, self.etags[coding.index()].clone());
        h.insert(header::LAST_MODIFIED, self.last_modified.clone());
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response
    }
}

/// An IMF-fixdate (RFC 9110 §5.6.7), the only form HTTP dates should take.
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// gzip at flate2's default level (6): the usual size/speed balance.
/// gzip level 3, zlib-rs's: on the farm benchmark's 600 KB topic feed it
/// takes 4 ms where level 6 (the default) took 10 ms and miniz_oxide's
/// level 6 20 ms, for a body 27% larger than level 6's. While sources bring
/// news a topic feed is rendered again every few seconds, and the first
/// reader to ask waits for the compression: it was most of the 88 ms p99 of
/// topic-feed requests during an ingest (BENCHMARKS.md, "End-to-end
/// ingest").
const GZIP_LEVEL: u32 = 3;

fn gzip(data: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::new(GZIP_LEVEL),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    Bytes::from(encoder.finish().unwrap_or_default())
}

/// Brotli at quality 6 with a 4 MiB window: within a few percent of the
/// maximum (11) on feed XML at a small fraction of its CPU time.
fn brotli(data: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(data.len() / 4);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        lgwin: 22,
        ..Default::default()
    };
    // Reading from a slice and writing to a Vec cannot fail.
    let _ = brotli::enc::BrotliCompress(&mut &data[..], &mut out, &params);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn accept_encoding_picks_the_heaviest_acceptable_coding() {
        assert_eq!(negotiate(None), Coding::Identity);
        assert_eq!(negotiate(Some("")), Coding::Identity);
        assert_eq!(negotiate(Some("gzip, deflate")), Coding::Gzip);
        assert_eq!(negotiate(Some("gzip, deflate, br")), Coding::Brotli);
        assert_eq!(negotiate(Some("br;q=0.5, gzip;q=0.8")), Coding::Gzip);
        assert_eq!(negotiate(Some("br;q=0, gzip;q=0")), Coding::Identity);
        assert_eq!(negotiate(Some("*")), Coding::Brotli);
        assert_eq!(negotiate(Some("deflate")), Coding::Identity);
        assert_eq!(negotiate(Some("GZIP;Q=1.0")), Coding::Gzip);
        assert_eq!(negotiate(Some("gzip;q=0.5, identity")), Coding::Identity);
        assert_eq!(negotiate(Some("gzip;q=0.1, identity;q=0")), Coding::Gzip);
    }

    #[test]
    fn compressed_forms_decode_to_the_body_and_have_their_own_etags() {
        let body = "<feed>Новости</feed>".repeat(500).into_bytes();
        let r = Rendered::new(body.clone(), "application/atom+xml", Utc::now());
        assert!(r.encoded(Coding::Gzip).is_none());
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&r.encode(Coding::Gzip)[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let mut out = Vec::new();
        brotli::Decompressor::new(&r.encode(Coding::Brotli)[..], 4096)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, body);
        assert!(r.size() < body.len() * 2);
        let etags: std::collections::HashSet<_> = r.etags.iter().collect();
        assert_eq!(etags.len(), 3);
    }

    #[test]
    fn validators_of_any_coding_match_and_others_do_not() {
        let t = DateTime::from_timestamp(1_767_225_600, 0).unwrap();
        let r = Rendered::new(b"x".to_vec(), "application/atom+xml", t);
        let with = |name, value: &str| {
            let mut h = HeaderMap::new();
            h.insert(name, HeaderValue::from_str(value).unwrap());
            h
        };
        for tag in &r.etags {
            let tag = tag.to_str().unwrap();
            assert!(r.not_modified(&with(header::IF_NONE_MATCH, tag)), "{tag}");
            let weak = format!("\"other\", W/{tag}");
            assert!(
                r.not_modified(&with(header::IF_NONE_MATCH, &weak)),
                "{weak}"
            );
        }
        assert!(r.not_modified(&with(header::IF_NONE_MATCH, "*")));
        assert!(!r.not_modified(&with(header::IF_NONE_MATCH, "\"stale\"")));
        assert!(!r.not_modified(&with(header::IF_NONE_MATCH, &r.hash)));
        let lm = http_date(t);
        assert_eq!(lm, "Thu, 01 Jan 2026 00:00:00 GMT");
        assert!(r.not_modified(&with(header::IF_MODIFIED_SINCE, &lm)));
        let earlier = http_date(t - chrono::TimeDelta::seconds(1));
        assert!(!r.not_modified(&with(header::IF_MODIFIED_SINCE, &earlier)));
        // If-None-Match wins: a stale ETag with a fresh date is a 200.
        let mut both = with(header::IF_NONE_MATCH, "\"stale\"");
        both.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_str(&lm).unwrap(),
        );
        assert!(!r.not_modified(&both));
    }
}

//! Feed bytes → entries, wrapping feed-rs.
//!
//! In: the body of a feed response and the URL it came from. Out: the
//! feed's title and its entries as plain [`Entry`] values with a stable
//! per-source key and absolute links. Never fetches anything (feed-rs does
//! not resolve external entities) and never decides what is new: that is the
//! store's "seen before?" check.

mod compat;
pub mod dates;
pub mod dtd;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, Utc};
use feed_rs::model;
use sha2::{Digest, Sha256};
use url::Url;

use crate::dedupe;
use crate::fetch::charset;
use crate::model::Entry;
use crate::schedule::adaptive;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("{url}: not a feed: {reason}")]
    Invalid { url: Url, reason: String },
    #[error("{url}: {source}")]
    Dtd {
        url: Url,
        #[source]
        source: dtd::DtdRefused,
    },
}

/// How one source's feeds are read.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The most entries taken from one document; the newest are kept.
    pub max_items: usize,
    /// The offset of dates written without a zone.
    pub utc_offset: FixedOffset,
}

/// How many repairs one document may need (a feed with bare `&` and no RSS
/// version needs two).
const MAX_REPAIRS: usize = 3;

/// How many unparseable date texts are kept as examples for the log.
const DATE_SAMPLES: usize = 3;

/// A parsed feed.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub entries: Vec<Entry>,
    /// Entries in the document, before the `max_items` cap.
    pub entries_in_document: usize,
    /// RSS `<ttl>`.
    pub ttl: Option<Duration>,
    /// RSS 1.0 `sy:updatePeriod` / `sy:updateFrequency`.
    pub update_period: Option<Duration>,
    /// Date texts that could not be read (a few examples; the entries keep
    /// a fallback date).
    pub unparsed_dates: Vec<String>,
}

/// Parses RSS 0.9x/1.0/2.0, Atom or JSON Feed text (already decoded to
/// UTF-8 by `fetch::charset`) fetched from `url`.
pub fn entries(text: &str, url: &Url, options: &Options) -> Result<ParsedFeed, ParseError> {
    // feed-rs would decode again by the declaration's encoding.
    let text = compat::without_declarations(charset::without_xml_declaration(text));
    let text: &str = &text;
    dtd::refuse_entity_declarations(text).map_err(|source| ParseError::Dtd {
        url: url.clone(),
        source,
    })?;
    let unparsed = Arc::new(Mutex::new(Vec::new()));
    // Shapes real publishers serve that feed-rs refuses are repaired and
    // parsed again (see `compat`); only after a failure or an empty result,
    // so well-formed feeds pay nothing, and at most a few times.
    let mut repaired: Option<String> = None;
    let mut repairs = 0;
    // A document that parsed without entries, kept in case its repair
    // fails: an empty feed is a better answer than an error then.
    let mut empty: Option<model::Feed> = None;
    let feed = loop {
        let current = repaired.as_deref().unwrap_or(text);
        unparsed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        let next = match parse_with(current, url, options, &unparsed) {
            Ok(feed) if feed.entries.is_empty() && repairs < MAX_REPAIRS && empty.is_none() => {
                match compat::repair_empty(current) {
                    Some(next) => {
                        empty = Some(feed);
                        next
                    }
                    None => break feed,
                }
            }
            Ok(feed) => break feed,
            Err(error) => match compat::repair(current, &error).filter(|_| repairs < MAX_REPAIRS) {
                Some(next) => next,
                None => match empty {
                    Some(feed) => break feed,
                    None => {
                        return Err(ParseError::Invalid {
                            url: url.clone(),
                            reason: error.to_string(),
                        });
                    }
                },
            },
        };
        repaired = Some(next);
        repairs += 1;
    };
    let entries_in_document = feed.entries.len();
    let ttl = feed
        .ttl
        .and_then(|minutes| adaptive::ttl_minutes(&minutes.to_string()));
    let update_period = syndication_hint(text);
    let title = feed.title.map(|t| plain(&t));
    let entries = newest(feed.entries, options.max_items)
        .into_iter()
        .map(|e| convert(e, url))
        .collect();
    let unparsed_dates =
        std::mem::take(&mut *unparsed.lock().unwrap_or_else(PoisonError::into_inner));
    Ok(ParsedFeed {
        title,
        entries,
        entries_in_document,
        ttl,
        update_period,
        unparsed_dates,
    })
}

fn parse_with(
    text: &str,
    url: &Url,
    options: &Options,
    unparsed: &Arc<Mutex<Vec<String>>>,
) -> Result<model::Feed, feed_rs::parser::ParseFeedError> {
    let dates = dates::DateParser::new(options.utc_offset);
    let unparsed = Arc::clone(unparsed);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url.as_str()))
        // feed-rs invents an id (random for some formats) when an entry has
        // none; an empty id tells `entry_key` to fall back to the link.
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(move |text| {
            let parsed = dates.parse(text);
            if parsed.is_none() && !text.trim().is_empty() {
                let mut samples = unparsed.lock().unwrap_or_else(PoisonError::into_inner);
                if samples.len() < DATE_SAMPLES {
                    samples.push(text.trim().chars().take(80).collect());
                }
            }
            parsed
        })
        .build();
    // Last line of defence: a panic inside feed-rs or quick-xml on some
    // input nobody has tried yet becomes this feed's parse error instead of
    // an aborted refresh task. (The known one, a late encoding declaration,
    // is removed before parsing: see `compat::without_declarations`.)
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parser.parse(text.as_bytes())
    }))
    .unwrap_or_else(|_| {
        Err(feed_rs::parser::ParseFeedError::IoError(
            std::io::Error::other("the XML parser failed on this document"),
        ))
    })
}

/// The `max_items` newest entries, in document order. Entries without a
/// date count as newest: a feed that dates nothing is read in its own order,
/// which is newest first by convention.
fn newest(mut entries: Vec<model::Entry>, max_items: usize) -> Vec<model::Entry> {
    if entries.len() <= max_items {
        return entries;
    }
    let mut order: Vec<(usize, Option<DateTime<Utc>>)> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (i, e.published.or(e.updated)))
        .collect();
    // Newest first, undated before dated, then document order.
    order.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.cmp(&x).then(a.0.cmp(&b.0)),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
    let mut keep: Vec<usize> = order.into_iter().take(max_items).map(|(i, _)| i).collect();
    keep.sort_unstable();
    let mut kept = Vec::with_capacity(keep.len());
    let mut next = keep.into_iter().peekable();
    for (i, entry) in entries.drain(..).enumerate() {
        if next.peek() == Some(&i) {
            kept.push(entry);
            next.next();
        }
    }
    kept
}

/// `sy:updatePeriod` / `sy:updateFrequency` (RSS 1.0 Syndication module,
/// used by WordPress feeds), which feed-rs does not read. Looked up by local
/// name in the document's first 16 KiB, where the channel's metadata is.
fn syndication_hint(text: &str) -> Option<Duration> {
    let head = &text[..text.floor_char_boundary(16 * 1024)];
    let element = |local: &str| {
        let open = head.find(&format!(":{local}>"))?;
        let rest = &head[open + local.len() + 2..];
        Some(rest[..rest.find('<')?].trim().to_string())
    };
    let period = element("updatePeriod")?;
    adaptive::syndication_period(&period, element("updateFrequency").as_deref())
}

fn convert(e: model::Entry, feed_url: &Url) -> Entry {
    let base = e
        .base
        .as_deref()
        .and_then(|b| feed_url.join(b).ok())
        .unwrap_or_else(|| feed_url.clone());
    let link = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or_else(|| e.links.first())
        .and_then(|l| base.join(l.href.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    let title = e.title.as_ref().map(plain).unwrap_or_default();
    let key = entry_key(&e.id, link.as_ref(), &title, e.published.or(e.updated));
    Entry {
        key,
        title,
        author: e
            .authors
            .first()
            .and_then(|p| p.name.as_deref())
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        summary_html: e.summary.map(|t| t.content),
        content_html: e.content.and_then(|c| c.body),
        published: e.published.or(e.updated),
        updated: e.updated,
        url: link,
    }
}

/// The stable key of an entry within its source: its GUID / id, else its
/// canonical link, else a hash of title and date. Prefixes keep the three
/// kinds from colliding.
fn entry_key(
    id: &str,
    link: Option<&Url>,
    title: &str,
    date: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    let id = id.trim();
    if !id.is_empty() {
        return format!("id:{id}");
    }
    if let Some(link) = link {
        return format!("url:{}", dedupe::canonical_url(link));
    }
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    h.update([0]);
    if let Some(d) = date {
        h.update(d.to_rfc3339().as_bytes());
    }
    format!("hash:{}", hex::encode(&h.finalize()[..16]))
}

/// A feed text as plain text: titles may be declared HTML ("&lt;b&gt;").
fn plain(t: &model::Text) -> String {
    let s = if t.content_type.subty() == "html" || t.content_type.subty() == "xhtml" {
        crate::extract::html_to_text(&t.content)
    } else {
        t.content.clone()
    };
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://news.example.kz/rss/").unwrap()
    }

    fn options() -> Options {
        Options {
            max_items: 500,
            utc_offset: chrono::Offset::fix(&Utc),
        }
    }

    fn entries(text: &[u8], url: &Url) -> Result<ParsedFeed, ParseError> {
        super::entries(std::str::from_utf8(text).unwrap(), url, &options())
    }

    #[test]
    fn one_unreadable_date_does_not_cost_the_feed_its_other_items() {
        // The date parser runs inside feed-rs; a panic there was caught as
        // "the XML parser failed on this document" and lost every item.
        let xml = r#"<rss version="2.0"><channel><title>T</title>
            <item><title>a</title><guid>a</guid><pubDate>Fri, 10 Aug 2018 23:43:00 +2ƿ7</pubDate></item>
            <item><title>b</title><guid>b</guid><pubDate>Fri, 10 Aug 2018 23:43:00 GMT</pubDate></item>
            </channel></rss>"#;
        let f = entries(xml.as_bytes(), &url()).unwrap();
        assert_eq!(f.entries.len(), 2);
        assert_eq!(f.unparsed_dates.len(), 1, "{:?}", f.unparsed_dates);
    }

    #[test]
    fn rss_items_keep_guids_and_resolve_relative_links() {
        let xml = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
            <item><title>Первая</title><link>/a/1?utm_source=x</link><guid>g-1</guid>
              <pubDate>Fri, 10 Aug 2018 23:43:00 GMT</pubDate><description>&lt;p&gt;Кратко&lt;/p&gt;</description></item>
            <item><title>Вторая</title><link>https://news.example.kz/a/2</link></item>
            </channel></rss>"#;
        let f = entries(xml.as_bytes(), &url()).unwrap();
        assert_eq!(f.title.as_deref(), Some("T"));
        assert_eq!(f.entries[0].key, "id:g-1");
        assert_eq!(
            f.entries[0].url.as_ref().unwrap().as_str(),
            "https://news.example.kz/a/1?utm_source=x"
        );
        assert_eq!(f.entries[0].summary_html.as_deref(), Some("<p>Кратко</p>"));
        assert!(f.entries[0].published.is_some());
        // No GUID: the key is the canonical link, identical on every parse.
        assert_eq!(f.entries[1].key, "url:https://news.example.kz/a/2");
    }

    #[test]
    fn entries_without_id_or_link_get_the_same_key_on_every_parse() {
        let xml = r#"<rss version="2.0"><channel><title>T</title>
            <item><title>Только заголовок</title></item></channel></rss>"#;
        let a = entries(xml.as_bytes(), &url()).unwrap();
        let b = entries(xml.as_bytes(), &url()).unwrap();
        assert!(a.entries[0].key.starts_with("hash:"));
        assert_eq!(a.entries[0].key, b.entries[0].key);
    }

    #[test]
    fn a_declaration_after_a_comment_neither_garbles_nor_panics() {
        let long = "x".repeat(20_000);
        for text in [
            "<!-- c -->\n<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss version=\"2.0\"><channel><title>Новости</title></channel></rss>".to_string(),
            format!("<!-- {long} -->\n<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss version=\"2.0\"><channel><title>Новости</title></channel></rss>"),
            format!("<rss version=\"2.0\"><channel><title>Новости</title><!-- {long} --><?xml version=\"1.0\" encoding=\"utf-16\"?></channel></rss>"),
        ] {
            let feed = super::entries(&text, &url(), &options()).unwrap();
            assert_eq!(feed.title.as_deref(), Some("Новости"));
        }
    }

    #[test]
    fn garbage_is_an_error_naming_the_url() {
        let e = entries(b"<html><body>Not Found</body></html>", &url()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("https://news.example.kz/rss/: not a feed"),
            "{e}"
        );
    }
}

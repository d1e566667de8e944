//! Feed bytes → entries, wrapping feed-rs.
//!
//! In: the body of a feed response and the URL it came from. Out: the
//! feed's title and its entries as plain [`Entry`] values with a stable
//! per-source key and absolute links. Never fetches anything (feed-rs does
//! not resolve external entities) and never decides what is new: that is the
//! store's "seen before?" check.

use feed_rs::model;
use sha2::{Digest, Sha256};
use url::Url;

use crate::dedupe;
use crate::model::Entry;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("{url}: not a feed: {reason}")]
    Invalid { url: Url, reason: String },
}

/// A parsed feed.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub entries: Vec<Entry>,
}

/// Parses RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes fetched from `url`.
pub fn entries(body: &[u8], url: &Url) -> Result<ParsedFeed, ParseError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url.as_str()))
        // feed-rs invents an id (random for some formats) when an entry has
        // none; an empty id tells `entry_key` to fall back to the link.
        .id_generator(|_, _, _| String::new())
        .build();
    let feed = parser.parse(body).map_err(|e| ParseError::Invalid {
        url: url.clone(),
        reason: e.to_string(),
    })?;
    let entries = feed.entries.into_iter().map(|e| convert(e, url)).collect();
    Ok(ParsedFeed {
        title: feed.title.map(|t| plain(&t)),
        entries,
    })
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
    fn garbage_is_an_error_naming_the_url() {
        let e = entries(b"<html><body>Not Found</body></html>", &url()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("https://news.example.kz/rss/: not a feed"),
            "{e}"
        );
    }
}

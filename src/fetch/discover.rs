//! Feed discovery: the feeds an HTML page links to.
//!
//! In: a decoded HTML page and the URL it was fetched from. Out: the feed
//! URLs its `<link rel="alternate" type="application/rss+xml|atom+xml|
//! feed+json|json">` elements name, absolute, in document order, RSS/Atom
//! before JSON. A user who configures `https://kazpravda.kz/` instead of the
//! feed's address gets the feed (the RSS Autodiscovery convention, RSS
//! Advisory Board 2006; WHATWG HTML §4.6.7.1 "alternate" with a feed type).
//! Never does I/O; the caller fetches the result (through the guard, like
//! every URL taken from untrusted input).

use scraper::{Html, Selector};
use url::Url;

/// Whether a response is an HTML page rather than a feed, from its
/// `Content-Type` and, when that is missing or generic, its first bytes.
/// Feeds served as `text/html` exist, so a page must also look like HTML.
pub fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    let essence = content_type
        .and_then(|ct| ct.split(';').next())
        .map(|ct| ct.trim().to_ascii_lowercase());
    let labelled_html = matches!(
        essence.as_deref(),
        Some("text/html" | "application/xhtml+xml")
    );
    let head = &body[..body.len().min(1024)];
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF))
        .map_or(&head[..0], |p| &head[p..]);
    let lower: Vec<u8> = start.iter().take(256).map(u8::to_ascii_lowercase).collect();
    let starts_like_html = lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html");
    let feed_root = [b"<rss".as_slice(), b"<feed", b"<rdf:rdf", b"<?xml", b"{"]
        .iter()
        .any(|root| lower.starts_with(root));
    starts_like_html || (labelled_html && !feed_root)
}

/// The feeds `html` (fetched from `page_url`) declares, best first.
///
/// `<base href>` is honoured for relative links (HTML §4.2.3). Links that do
/// not resolve to http(s) URLs are dropped.
pub fn feed_links(html: &str, page_url: &Url) -> Vec<Url> {
    let document = Html::parse_document(html);
    let base = Selector::parse("base[href]")
        .ok()
        .and_then(|selector| {
            document
                .select(&selector)
                .next()
                .and_then(|base| base.value().attr("href"))
                .and_then(|href| page_url.join(href.trim()).ok())
        })
        .unwrap_or_else(|| page_url.clone());
    let Ok(selector) = Selector::parse("link[href]") else {
        return Vec::new();
    };
    let mut xml_feeds = Vec::new();
    let mut json_feeds = Vec::new();
    for link in document.select(&selector) {
        let element = link.value();
        let is_alternate = element.attr("rel").is_some_and(|rel| {
            rel.split_ascii_whitespace()
                .any(|r| r.eq_ignore_ascii_case("alternate"))
        });
        if !is_alternate {
            continue;
        }
        let kind = element.attr("type").map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        let is_xml = match kind.as_deref() {
            Some("application/rss+xml" | "application/atom+xml" | "application/rdf+xml") => true,
            Some("application/feed+json" | "application/json") => false,
            _ => continue,
        };
        let Some(href) = element.attr("href") else {
            continue;
        };
        let Ok(url) = base.join(href.trim()) else {
            continue;
        };
        let seen = xml_feeds.contains(&url) || json_feeds.contains(&url);
        if matches!(url.scheme(), "http" | "https") && !seen {
            if is_xml {
                xml_feeds.push(url);
            } else {
                json_feeds.push(url);
            }
        }
    }
    xml_feeds.extend(json_feeds);
    xml_feeds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("https://news.example.kz/ru/politics/").expect("valid")
    }

    #[test]
    fn alternate_feed_links_are_found_resolved_and_ordered() {
        let html = r#"<!doctype html><html><head>
            <link rel="stylesheet" href="/s.css">
            <link rel="alternate" hreflang="kk" href="/kz/">
            <link rel="alternate" type="application/feed+json" href="/feed.json">
            <link rel="alternate" type="application/rss+xml" title="Новости" href="rss.xml">
            <link rel="Alternate" type="application/atom+xml; charset=utf-8" href="https://news.example.kz/atom">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link rel="alternate" type="application/rss+xml" href="rss.xml">
            </head><body></body></html>"#;
        let found: Vec<String> = feed_links(html, &page())
            .iter()
            .map(Url::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "https://news.example.kz/ru/politics/rss.xml",
                "https://news.example.kz/atom",
                "https://news.example.kz/feed.json",
            ]
        );
    }

    #[test]
    fn base_href_is_honoured_and_pages_without_feeds_give_nothing() {
        let html = r#"<html><head><base href="https://cdn.example.kz/x/">
            <link rel="alternate" type="application/rss+xml" href="feed"></head></html>"#;
        assert_eq!(
            feed_links(html, &page()),
            [Url::parse("https://cdn.example.kz/x/feed").expect("valid")]
        );
        assert!(feed_links("<html><head><title>x</title></head></html>", &page()).is_empty());
        assert!(feed_links("", &page()).is_empty());
    }

    #[test]
    fn html_pages_are_told_apart_from_feeds() {
        assert!(looks_like_html(
            Some("text/html; charset=utf-8"),
            b"<!DOCTYPE html><html>"
        ));
        assert!(looks_like_html(None, b"\n  <html lang=\"ru\"><head>"));
        assert!(looks_like_html(
            Some("application/octet-stream"),
            b"<!doctype HTML>"
        ));
        assert!(!looks_like_html(
            Some("text/html"),
            b"<?xml version=\"1.0\"?><rss version=\"2.0\">"
        ));
        assert!(!looks_like_html(
            Some("text/html"),
            b"<rss version=\"2.0\">"
        ));
        assert!(!looks_like_html(
            Some("application/rss+xml"),
            b"<?xml version=\"1.0\"?><rss>"
        ));
        assert!(!looks_like_html(
            None,
            b"{\"version\": \"https://jsonfeed.org/version/1.1\"}"
        ));
        assert!(!looks_like_html(
            Some("text/xml"),
            b"<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        ));
    }
}

//! OPML subscription lists: reading the ones feed readers export, writing
//! feedsieve's sources as one.
//!
//! In: the bytes of an OPML file (OPML 1.0, 1.1 or 2.0 as Miniflux,
//! FreshRSS, Feedly, NetNewsWire and others write it). Out: the
//! [`Subscription`]s in it, in document order; or, the other way, an OPML
//! 2.0 document for a list of subscriptions. Pure: no file or network I/O,
//! and no knowledge of the config file (`config::edit` adds imported
//! sources to it).
//!
//! What readers agree on (opml.org/spec2): a feed is an `<outline>` with an
//! `xmlUrl`; its name is in `title` or `text`; folders are outlines without
//! `xmlUrl` that contain others. Where they differ:
//! - Feedly lists a feed once per folder it is in: the same `xmlUrl` twice.
//! - Miniflux marks settings in its own namespace (`miniflux:crawler`
//!   = fetch full text, `miniflux:disabled`); FreshRSS has
//!   `frss:cssFullContent` (a selector for the full text).
//! - Go's encoder (Miniflux) escapes quotes as `&#34;`; NetNewsWire writes
//!   `description=""` and `version="RSS"`; Feedly writes OPML 1.0.
//!
//! feedsieve's own export adds `feedsieve:*` attributes (full text,
//! enabled, interval) in its namespace, which readers ignore, so an export
//! imported again gives the same sources.

use std::fmt::Write;
use std::time::Duration;

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use url::Url;

/// The namespace of feedsieve's own outline attributes.
pub const NAMESPACE: &str = "https://github.com/feedsieve/feedsieve/opml";
const MINIFLUX: &str = "https://miniflux.app/opml";
const FRESHRSS: &str = "https://freshrss.org/opml";

/// One feed of a subscription list.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// The name the reader showed for it.
    pub title: String,
    pub feed_url: Url,
    /// The site's address, when given.
    pub site_url: Option<Url>,
    /// The folder it is in; nested folders are joined with " / ".
    pub category: Option<String>,
    /// Whether to fetch each entry's page for its full text, when the file
    /// says (Miniflux's crawler, FreshRSS's full-content selector,
    /// feedsieve's own attribute).
    pub full_text: Option<bool>,
    /// `Some(false)` when the reader had the feed disabled.
    pub enabled: Option<bool>,
    /// feedsieve's own polling interval, from its own export.
    pub interval: Option<Duration>,
}

/// What a subscription list held, beyond its feeds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub title: Option<String>,
    pub subscriptions: Vec<Subscription>,
    /// Outlines that looked like feeds but could not be used, with why.
    pub skipped: Vec<String>,
}

/// An OPML file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    #[error("not well-formed XML at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("not an OPML document: the root element is <{0}>, not <opml>")]
    NotOpml(String),
}

/// Reads an OPML document. Feeds listed more than once (Feedly: once per
/// folder) are kept once, in their first folder.
pub fn parse(bytes: &[u8]) -> Result<Document, OpmlError> {
    let mut reader = NsReader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut doc = Document::default();
    // The folder names of the open outlines (None for an open feed
    // outline, which some files give children).
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut root_seen = false;
    let mut in_title = false;
    let mut seen_urls = std::collections::HashSet::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| OpmlError::Xml {
                position: reader.buffer_position(),
                message: e.to_string(),
            })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = e.local_name().as_ref().to_string();
                if !root_seen {
                    root_seen = true;
                    if name != "opml" {
                        return Err(OpmlError::NotOpml(name));
                    }
                    continue;
                }
                match name.as_str() {
                    "title" if folders.is_empty() && !empty => in_title = true,
                    "outline" => {
                        let outline = read_outline(&reader, e);
                        let folder = match outline {
                            Outline::Feed(mut sub) => {
                                let path: Vec<&str> =
                                    folders.iter().flatten().map(String::as_str).collect();
                                if !path.is_empty() {
                                    sub.category = Some(path.join(" / "));
                                }
                                if seen_urls.insert(sub.feed_url.clone()) {
                                    doc.subscriptions.push(*sub);
                                }
                                None
                            }
                            // A folder without a name groups nothing.
                            Outline::Folder(name) => (!name.is_empty()).then_some(name),
                            Outline::Unusable(why) => {
                                doc.skipped.push(why);
                                None
                            }
                        };
                        if !empty {
                            folders.push(folder);
                        }
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => {
                if e.local_name().as_ref() == "outline" {
                    folders.pop();
                }
                in_title = false;
            }
            Event::Text(ref t) if in_title => {
                doc.title
                    .get_or_insert_with(String::new)
                    .push_str(&t.xml10_content());
            }
            Event::GeneralRef(ref r) if in_title => {
                // An entity in the title (`&amp;`, `&#34;`).
                let title = doc.title.get_or_insert_with(String::new);
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    title.push(c);
                } else if let Some(c) =
                    quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                {
                    title.push_str(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err(OpmlError::NotOpml(String::new()));
    }
    doc.title = doc
        .title
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    Ok(doc)
}

enum Outline {
    Feed(Box<Subscription>),
    Folder(String),
    Unusable(String),
}

fn read_outline<R>(reader: &NsReader<R>, e: &BytesStart) -> Outline {
    let mut title = None;
    let mut text = None;
    let mut xml_url = None;
    let mut html_url = None;
    let mut full_text = None;
    let mut enabled = None;
    let mut interval = None;
    for attr in e.attributes().flatten() {
        let Ok(value) = attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) else {
            continue;
        };
        let value = value.trim().to_string();
        let (ns, local) = reader.resolver().resolve_attribute(attr.key);
        let local = local.as_ref().to_string();
        match ns {
            ResolveResult::Unbound => match local.as_str() {
                "title" => title = Some(value),
                "text" => text = Some(value),
                "xmlUrl" | "xmlurl" => xml_url = Some(value),
                "htmlUrl" | "htmlurl" => html_url = Some(value),
                _ => {}
            },
            ResolveResult::Bound(ns) => match (ns.as_ref(), local.as_str()) {
                (n, "crawler") if n == MINIFLUX => full_text = Some(value == "true"),
                (n, "disabled") if n == MINIFLUX => enabled = Some(value != "true"),
                (n, "cssFullContent") if n == FRESHRSS => {
                    full_text = Some(!value.is_empty());
                }
                (n, "fullText") if n == NAMESPACE => full_text = Some(value == "true"),
                (n, "enabled") if n == NAMESPACE => enabled = Some(value == "true"),
                (n, "interval") if n == NAMESPACE => {
                    interval = humantime::parse_duration(&value).ok();
                }
                _ => {}
            },
            ResolveResult::Unknown(_) => {}
        }
    }
    let name = [&title, &text]
        .into_iter()
        .flatten()
        .find(|s| !s.is_empty())
        .cloned();
    let Some(xml_url) = xml_url.filter(|u| !u.is_empty()) else {
        return match name {
            Some(n) => Outline::Folder(n),
            None => Outline::Folder(String::new()),
        };
    };
    let feed_url = match Url::parse(&xml_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => u,
        Ok(u) => {
            return Outline::Unusable(format!(
                "{xml_url}: only http and https feeds can be polled, not {}",
                u.scheme()
            ));
        }
        Err(e) => return Outline::Unusable(format!("{xml_url:?}: not a URL ({e})")),
    };
    let site_url = html_url.and_then(|u| Url::parse(&u).ok());
    let title = name
        .or_else(|| {
            site_url
                .as_ref()
                .and_then(|u| u.host_str().map(str::to_string))
        })
        .or_else(|| feed_url.host_str().map(str::to_string))
        .unwrap_or_else(|| feed_url.to_string());
    Outline::Feed(Box::new(Subscription {
        title,
        feed_url,
        site_url,
        category: None,
        full_text,
        enabled,
        interval,
    }))
}

/// Writes `subscriptions` as an OPML 2.0 document titled `title`, in the
/// order given, in folders by category.
pub fn render(
    title: &str,
    subscriptions: &[Subscription],
    created: chrono::DateTime<chrono::Utc>,
) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<opml version=\"2.0\" xmlns:feedsieve=\"{NAMESPACE}\">"
    );
    out.push_str("  <head>\n");
    let _ = writeln!(out, "    <title>{}</title>", escape(title));
    // RFC 822 dates, as OPML 2.0 asks for dateCreated.
    let _ = writeln!(
        out,
        "    <dateCreated>{}</dateCreated>",
        created.to_rfc2822()
    );
    out.push_str("  </head>\n  <body>\n");
    // Consecutive subscriptions of one category share a folder. The order
    // of the list is kept exactly (it is the config's order); a category
    // that comes back later gets a second folder of the same name, which
    // readers merge on import.
    for run in subscriptions.chunk_by(|a, b| a.category == b.category) {
        let category = run[0].category.as_deref();
        let indent = match category {
            Some(c) => {
                let c = escape(c);
                let _ = writeln!(out, "    <outline text=\"{c}\" title=\"{c}\">");
                "      "
            }
            None => "    ",
        };
        for s in run {
            let t = escape(&s.title);
            let _ = write!(
                out,
                "{indent}<outline type=\"rss\" text=\"{t}\" title=\"{t}\" xmlUrl=\"{}\"",
                escape(s.feed_url.as_str())
            );
            if let Some(site) = &s.site_url {
                let _ = write!(out, " htmlUrl=\"{}\"", escape(site.as_str()));
            }
            if let Some(f) = s.full_text {
                let _ = write!(out, " feedsieve:fullText=\"{f}\"");
            }
            if let Some(e) = s.enabled {
                let _ = write!(out, " feedsieve:enabled=\"{e}\"");
            }
            if let Some(i) = s.interval {
                let _ = write!(
                    out,
                    " feedsieve:interval=\"{}\"",
                    humantime::format_duration(i)
                );
            }
            out.push_str("/>\n");
        }
        if category.is_some() {
            out.push_str("    </outline>\n");
        }
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// Escapes text for an XML attribute or element.
fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(title: &str, url: &str, category: Option<&str>) -> Subscription {
        Subscription {
            title: title.into(),
            feed_url: Url::parse(url).unwrap(),
            site_url: None,
            category: category.map(str::to_string),
            full_text: None,
            enabled: None,
            interval: None,
        }
    }

    #[test]
    fn a_rendered_list_parses_back_to_the_same_subscriptions() {
        let mut a = sub(
            "Kazpravda \"KP\" & Co <1>",
            "https://kazpravda.kz/rss/?a=1&b=2",
            Some("Казахстан"),
        );
        a.full_text = Some(true);
        a.interval = Some(Duration::from_secs(900));
        let mut b = sub("Tengrinews", "https://tengrinews.kz/news.rss", None);
        b.enabled = Some(false);
        b.site_url = Some(Url::parse("https://tengrinews.kz/").unwrap());
        let c = sub(
            "Astana Times",
            "https://astanatimes.com/feed/",
            Some("Казахстан"),
        );
        let subs = vec![a, b, c];
        let text = render("feedsieve", &subs, chrono::Utc::now());
        let doc = parse(text.as_bytes()).unwrap();
        assert_eq!(doc.title.as_deref(), Some("feedsieve"));
        // In order, though a and c are in one category with b between.
        assert_eq!(doc.subscriptions, subs);
        assert!(doc.skipped.is_empty());
    }

    #[test]
    fn a_feed_listed_in_two_folders_is_kept_once_in_the_first() {
        let text = br#"<opml version="1.0"><body>
            <outline text="A"><outline text="X" xmlUrl="https://x.example/rss"/></outline>
            <outline text="B"><outline text="X" xmlUrl="https://x.example/rss"/></outline>
        </body></opml>"#;
        let doc = parse(text).unwrap();
        assert_eq!(doc.subscriptions.len(), 1);
        assert_eq!(doc.subscriptions[0].category.as_deref(), Some("A"));
    }

    #[test]
    fn nested_folders_join_and_unusable_feeds_are_reported() {
        let text = br#"<opml version="2.0"><body>
            <outline text="News"><outline title="Asia">
              <outline xmlUrl="https://y.example/feed" htmlUrl="https://y.example/"/>
              <outline text="Gopher" xmlUrl="gopher://old.example/feed"/>
            </outline></outline>
        </body></opml>"#;
        let doc = parse(text).unwrap();
        assert_eq!(
            doc.subscriptions[0].category.as_deref(),
            Some("News / Asia")
        );
        // No title or text: the site's host names it.
        assert_eq!(doc.subscriptions[0].title, "y.example");
        assert_eq!(doc.skipped.len(), 1);
        assert!(doc.skipped[0].contains("gopher"), "{:?}", doc.skipped);

        // A folder outline without a name does not make an empty category.
        let text = br#"<opml version="2.0"><body><outline>
            <outline text="Z" xmlUrl="https://z.example/rss"/></outline></body></opml>"#;
        assert_eq!(parse(text).unwrap().subscriptions[0].category, None);
    }

    #[test]
    fn other_documents_are_refused() {
        assert!(matches!(
            parse(b"<rss version=\"2.0\"></rss>"),
            Err(OpmlError::NotOpml(n)) if n == "rss"
        ));
        assert!(parse(b"<opml><body><outline></body></opml>").is_err());
    }
}

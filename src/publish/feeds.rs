//! Rendering stored items as Atom 1.0, RSS 2.0 and JSON Feed 1.1.
//!
//! Pure: items in, bytes out. The XML formats are written by the maintained
//! `atom_syndication` and `rss` crates (escaping is theirs, not ours); JSON
//! Feed is a handful of serde structs following jsonfeed.org/version/1.1.
//! What an item carries follows its source's republishing policy
//! ([`Republish`]), decided once in [`ItemView::of`] for all three formats.

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use super::index::escape;
use crate::model::{AlsoReported, Republish, StoredItem};

/// What every format needs to know about the feed as a whole.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    pub title: String,
    pub description: String,
    /// The feed's permanent id: its address without paging parameters, the
    /// same on every page (RFC 5005 §3: pages are one logical feed).
    pub id: String,
    /// The URL this very document is served at (self link).
    pub self_url: Url,
    /// The daemon's index page.
    pub home_url: Url,
    /// The first page of this feed (RFC 5005 `rel="first"`).
    pub first_url: Url,
    /// The next, older page, when there is one (RFC 5005 `rel="next"`).
    pub next_url: Option<Url>,
    /// The WebSub hub readers may subscribe through.
    pub hub: Option<Url>,
    /// Stable id prefix for this installation (see [`item_id`]).
    pub id_authority: String,
    /// The newest change among the items (or the start of time when empty).
    pub updated: DateTime<Utc>,
}

/// The three output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Atom,
    Rss,
    Json,
}

impl Format {
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "atom" => Some(Format::Atom),
            "rss" => Some(Format::Rss),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Atom => "atom",
            Format::Rss => "rss",
            Format::Json => "json",
        }
    }

    /// The media type readers expect; the charset matches the XML
    /// declaration written below (RFC 7303 gives the HTTP one precedence).
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

/// A stable, globally unique id for an item: a tag URI (RFC 4151) made of
/// the installation's host and the item's story id. One item is one story,
/// so the id does not change when the story gains a reprint or another
/// copy becomes its representative: readers never show a story twice.
pub fn item_id(meta: &FeedMeta, item: &StoredItem) -> String {
    format!("tag:{},2026:story-{}", meta.id_authority, item.story.0)
}

/// Where an item links to: the original article, or — when the feed gave
/// no usable link (none, or a `javascript:` one that was dropped) — the
/// item's page on this server, because readers need a link to open.
pub fn item_link(home_url: &Url, item: &StoredItem) -> String {
    match item.url.as_deref().filter(|u| is_web_url(u)) {
        Some(u) => u.to_string(),
        None => home_url
            .join(&format!("items/{}", item.id.0))
            .map_or_else(|_| home_url.to_string(), |u| u.to_string()),
    }
}

/// Only http(s) addresses are ever put in an `href` we write: anything
/// else (`javascript:`, `data:`) could run in a reader.
fn is_web_url(u: &str) -> bool {
    Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

/// Characters of plain text in an item's summary.
const SUMMARY_CHARS: usize = 400;

/// An item as all three formats show it, after its source's policy.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemView {
    /// The link to the article (see [`item_link`]).
    pub link: String,
    /// The content as HTML; never empty, since readers show an empty item
    /// as broken.
    pub content_html: String,
    /// A plain-text summary, when the policy allows one and there is text.
    pub summary: Option<String>,
}

impl ItemView {
    /// The view of `item` served by the daemon at `home_url`.
    pub fn of(home_url: &Url, item: &StoredItem) -> ItemView {
        let link = item_link(home_url, item);
        let excerpt = Some(excerpt(&item.text, SUMMARY_CHARS)).filter(|e| !e.is_empty());
        let source = escape(&item.source_name);
        let read_at = |what: &str| {
            format!(
                "<p><a href=\"{}\">{what} at {source}</a></p>",
                escape(&link)
            )
        };
        let mut content_html = match item.republish {
            Republish::Full if !item.html.trim().is_empty() => item.html.clone(),
            // An entry with only an enclosure, say, has no text.
            Republish::Full => format!("<p>{}</p>", escape(&item.title)),
            Republish::Excerpt => match &excerpt {
                Some(e) => format!("<p>{}</p>{}", escape(e), read_at("Read the full article")),
                None => read_at("Read the article"),
            },
            Republish::Link => read_at("Read the article"),
        };
        content_html.push_str(&also_footer(&item.also));
        ItemView {
            link,
            content_html,
            summary: match item.republish {
                Republish::Full | Republish::Excerpt => excerpt,
                Republish::Link => None,
            },
        }
    }
}

/// The story's other copies as links, for readers that show only the
/// content (RSS and JSON Feed have no standard element for related links).
/// A copy without a web address is listed as text.
fn also_footer(also: &[AlsoReported]) -> String {
    let links: Vec<String> = also
        .iter()
        .map(|a| {
            let label = escape(&format!("{}: {}", a.source, a.title));
            match a.url.as_deref().filter(|u| is_web_url(u)) {
                Some(u) => format!("<a href=\"{}\">{label}</a>", escape(u)),
                None => label,
            }
        })
        .collect();
    if links.is_empty() {
        String::new()
    } else {
        format!("<p>Also reported by: {}</p>", links.join("; "))
    }
}

pub fn render(format: Format, meta: &FeedMeta, items: &[StoredItem]) -> Vec<u8> {
    match format {
        Format::Atom => atom(meta, items),
        Format::Rss => rss(meta, items),
        Format::Json => json(meta, items),
    }
}

fn rfc3339(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn atom(meta: &FeedMeta, items: &[StoredItem]) -> Vec<u8> {
    use atom_syndication as a;
    let link = |href: &str, rel: &str, mime: Option<&str>| a::Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime.map(str::to_string),
        ..Default::default()
    };
    let entries = items
        .iter()
        .map(|it| {
            let view = ItemView::of(&meta.home_url, it);
            let mut links = vec![link(&view.link, "alternate", Some("text/html"))];
            // RFC 4287 §4.2.7.2: rel="related" is "a resource related to
            // the entry" — the other outlets' copies of the story.
            links.extend(it.also.iter().filter_map(|r| {
                let url = r.url.as_deref().filter(|u| is_web_url(u))?;
                Some(a::Link {
                    title: Some(format!("{}: {}", r.source, r.title)),
                    ..link(url, "related", Some("text/html"))
                })
            }));
            a::Entry {
                id: item_id(meta, it),
                title: a::Text::plain(it.title.clone()),
                updated: it.updated.fixed_offset(),
                published: Some(it.published.fixed_offset()),
                authors: vec![a::Person {
                    name: it.author.clone().unwrap_or_else(|| it.source_name.clone()),
                    ..Default::default()
                }],
                links,
                categories: it
                    .terms
                    .iter()
                    .map(|t| a::Category {
                        term: t.clone(),
                        ..Default::default()
                    })
                    .collect(),
                summary: view.summary.map(a::Text::plain),
                content: Some(a::Content {
                    value: Some(view.content_html),
                    content_type: Some("html".to_string()),
                    lang: it.lang.clone(),
                    ..Default::default()
                }),
                // RFC 4287 §4.2.11: where a copied entry came from. The
                // source's feed URL is its id and self link.
                source: Some(a::Source {
                    title: a::Text::plain(it.source_name.clone()),
                    id: it.source_url.clone(),
                    updated: it.updated.fixed_offset(),
                    links: vec![link(&it.source_url, "self", None)],
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let mut links = vec![
        link(meta.self_url.as_str(), "self", Some("application/atom+xml")),
        link(meta.home_url.as_str(), "alternate", Some("text/html")),
        link(
            meta.first_url.as_str(),
            "first",
            Some("application/atom+xml"),
        ),
    ];
    if let Some(next) = &meta.next_url {
        links.push(link(next.as_str(), "next", Some("application/atom+xml")));
    }
    if let Some(hub) = &meta.hub {
        links.push(link(hub.as_str(), "hub", None));
    }
    let feed = a::Feed {
        title: a::Text::plain(meta.title.clone()),
        subtitle: Some(a::Text::plain(meta.description.clone())),
        id: meta.id.clone(),
        updated: meta.updated.fixed_offset(),
        authors: vec![a::Person {
            name: "feedsieve".to_string(),
            uri: Some(meta.home_url.to_string()),
            ..Default::default()
        }],
        links,
        generator: Some(a::Generator {
            value: "feedsieve".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
            ..Default::default()
        }),
        entries,
        ..Default::default()
    };
    let mut out = XML_DECLARATION.as_bytes().to_vec();
    let config = a::WriteConfig {
        write_document_declaration: false,
        indent_size: None,
    };
    // Writing to a Vec cannot fail; an error here would be a bug in the
    // writer, and an empty body would then fail loudly in every reader.
    match feed.write_with_config(&mut out, config) {
        Ok(_) => out,
        Err(e) => {
            tracing::error!(error = %e, "cannot write Atom feed");
            Vec::new()
        }
    }
}

fn rss(meta: &FeedMeta, items: &[StoredItem]) -> Vec<u8> {
    use rss::extension::Extension;
    use rss::extension::atom::{AtomExtension, Link};
    use rss::extension::dublincore::DublinCoreExtension;
    let items: Vec<rss::Item> = items
        .iter()
        .map(|it| {
            let view = ItemView::of(&meta.home_url, it);
            // RSS 2.0 has no "updated"; dcterms:modified is what feedparser
            // and others read as the item's update time.
            let mut extensions = rss::extension::ExtensionMap::new();
            extensions.entry("dcterms".to_string()).or_default().insert(
                "modified".to_string(),
                vec![Extension {
                    name: "dcterms:modified".to_string(),
                    value: Some(rfc3339(it.updated)),
                    ..Default::default()
                }],
            );
            rss::Item {
                title: Some(it.title.clone()),
                link: Some(view.link),
                // RSS readers treat <description> as HTML: the plain-text
                // summary must be escaped, or a text saying "<script>" in
                // words becomes a script.
                description: view.summary.as_deref().map(escape),
                guid: Some(rss::Guid {
                    value: item_id(meta, it),
                    permalink: false,
                }),
                pub_date: Some(it.published.to_rfc2822()),
                content: Some(view.content_html),
                source: Some(rss::Source {
                    url: it.source_url.clone(),
                    title: Some(it.source_name.clone()),
                }),
                categories: it
                    .terms
                    .iter()
                    .map(|t| rss::Category {
                        name: t.clone(),
                        domain: None,
                    })
                    .collect(),
                dublin_core_ext: it.author.as_ref().map(|a| DublinCoreExtension {
                    creators: vec![a.clone()],
                    ..Default::default()
                }),
                extensions,
                ..Default::default()
            }
        })
        .collect();
    let mut namespaces = std::collections::BTreeMap::new();
    for (prefix, uri) in [
        ("atom", "http://www.w3.org/2005/Atom"),
        ("content", "http://purl.org/rss/1.0/modules/content/"),
        ("dc", "http://purl.org/dc/elements/1.1/"),
        ("dcterms", "http://purl.org/dc/terms/"),
    ] {
        namespaces.insert(prefix.to_string(), uri.to_string());
    }
    let atom_link = |href: &Url, rel: &str, mime: Option<&str>| Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: mime.map(str::to_string),
        ..Default::default()
    };
    let mut links = vec![
        atom_link(&meta.self_url, "self", Some("application/rss+xml")),
        atom_link(&meta.first_url, "first", Some("application/rss+xml")),
    ];
    if let Some(next) = &meta.next_url {
        links.push(atom_link(next, "next", Some("application/rss+xml")));
    }
    if let Some(hub) = &meta.hub {
        links.push(atom_link(hub, "hub", None));
    }
    let channel = rss::Channel {
        title: meta.title.clone(),
        link: meta.home_url.to_string(),
        description: meta.description.clone(),
        last_build_date: Some(meta.updated.to_rfc2822()),
        generator: Some(format!("feedsieve {}", env!("CARGO_PKG_VERSION"))),
        atom_ext: Some(AtomExtension { links }),
        namespaces,
        items,
        ..Default::default()
    };
    // The rss crate writes its own declaration, with encoding="utf-8".
    let mut out = Vec::new();
    match channel.write_to(&mut out) {
        Ok(_) => out,
        Err(e) => {
            tracing::error!(error = %e, "cannot write RSS feed");
            Vec::new()
        }
    }
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    description: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<JsonHub<'a>>,
    authors: Vec<JsonAuthor>,
    items: Vec<JsonItem>,
}

#[derive(Serialize)]
struct JsonHub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
}

#[derive(Serialize)]
struct JsonItem {
    id: String,
    url: String,
    title: String,
    content_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    /// JSON Feed 1.1 extensions start with an underscore and are objects.
    _feedsieve: JsonExtension,
}

#[derive(Serialize)]
struct JsonExtension {
    source: JsonSource,
    also_reported_by: Vec<JsonRelated>,
}

#[derive(Serialize)]
struct JsonSource {
    title: String,
    feed_url: String,
}

#[derive(Serialize)]
struct JsonRelated {
    /// `null` for a copy without a web address.
    url: Option<String>,
    source: String,
    title: String,
}

fn json(meta: &FeedMeta, items: &[StoredItem]) -> Vec<u8> {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &meta.title,
        description: &meta.description,
        home_page_url: meta.home_url.as_str(),
        feed_url: meta.self_url.as_str(),
        next_url: meta.next_url.as_ref().map(Url::as_str),
        hubs: meta
            .hub
            .iter()
            .map(|h| JsonHub {
                kind: "WebSub",
                url: h.as_str(),
            })
            .collect(),
        authors: vec![JsonAuthor {
            name: "feedsieve".to_string(),
        }],
        items: items
            .iter()
            .map(|it| {
                let view = ItemView::of(&meta.home_url, it);
                JsonItem {
                    id: item_id(meta, it),
                    url: view.link,
                    title: it.title.clone(),
                    content_html: view.content_html,
                    summary: view.summary,
                    date_published: rfc3339(it.published),
                    date_modified: rfc3339(it.updated),
                    authors: it
                        .author
                        .iter()
                        .map(|a| JsonAuthor { name: a.clone() })
                        .collect(),
                    tags: it.terms.clone(),
                    language: it.lang.clone(),
                    _feedsieve: JsonExtension {
                        source: JsonSource {
                            title: it.source_name.clone(),
                            feed_url: it.source_url.clone(),
                        },
                        also_reported_by: it
                            .also
                            .iter()
                            .map(|r| JsonRelated {
                                url: r.url.clone().filter(|u| is_web_url(u)),
                                source: r.source.clone(),
                                title: r.title.clone(),
                            })
                            .collect(),
                    },
                }
            })
            .collect(),
    };
    // Serializing plain structs of strings cannot fail. Compact, not
    // pretty: feeds are read by programs, and indentation is ~10% of the
    // bytes of a 50-item feed.
    serde_json::to_vec(&feed).unwrap_or_default()
}

/// The first `max` characters of `text`, cut at a word boundary.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ArticleId, StoryId};

    fn meta() -> FeedMeta {
        let u = |s: &str| Url::parse(s).unwrap();
        FeedMeta {
            title: "T".into(),
            description: "D".into(),
            id: "http://h.test/feeds/t.atom".into(),
            self_url: u("http://h.test/feeds/t.atom?limit=1"),
            home_url: u("http://h.test/"),
            first_url: u("http://h.test/feeds/t.atom?limit=1"),
            next_url: Some(u("http://h.test/feeds/t.atom?limit=1&before=5_7")),
            hub: Some(u("http://hub.test/")),
            id_authority: "h.test".into(),
            updated: DateTime::UNIX_EPOCH,
        }
    }

    fn item(text: &str, html: &str, url: Option<&str>) -> StoredItem {
        StoredItem {
            story: StoryId(3),
            id: ArticleId(7),
            source_name: "S".into(),
            source_url: "http://s.test/rss".into(),
            republish: Republish::Full,
            url: url.map(str::to_string),
            title: "Title".into(),
            author: None,
            html: html.into(),
            text: text.into(),
            lang: Some("ru".into()),
            published: DateTime::UNIX_EPOCH,
            updated: DateTime::from_timestamp(3600, 0).unwrap(),
            stored: DateTime::from_timestamp(7200, 0).unwrap(),
            terms: vec!["переговор".into()],
            also: vec![],
        }
    }

    fn json_items(meta: &FeedMeta, items: &[StoredItem]) -> Vec<serde_json::Value> {
        let v: serde_json::Value =
            serde_json::from_slice(&render(Format::Json, meta, items)).unwrap();
        v["items"].as_array().unwrap().clone()
    }

    #[test]
    fn rss_descriptions_carry_plain_text_escaped_as_html() {
        let out = render(
            Format::Rss,
            &meta(),
            &[item("<script>alert(1)</script> in words", "<p>x</p>", None)],
        );
        let channel = rss::Channel::read_from(&out[..]).unwrap();
        assert_eq!(
            channel.items[0].description.as_deref(),
            Some("&lt;script&gt;alert(1)&lt;/script&gt; in words")
        );
    }

    #[test]
    fn items_without_link_or_content_still_have_both() {
        let items = json_items(&meta(), &[item("", "", None)]);
        assert_eq!(items[0]["url"], "http://h.test/items/7");
        assert_eq!(items[0]["content_html"], "<p>Title</p>");
    }

    #[test]
    fn links_that_are_not_web_addresses_are_never_written() {
        let items = json_items(
            &meta(),
            &[item("", "<p>x</p>", Some("javascript:alert(1)"))],
        );
        assert_eq!(items[0]["url"], "http://h.test/items/7");
    }

    #[test]
    fn excerpt_and_link_policies_withhold_the_full_text() {
        let long = "слово ".repeat(200);
        let full_html = "<p>FULL TEXT</p>";
        let mut excerpt_item = item(&long, full_html, Some("https://o.test/a"));
        excerpt_item.republish = Republish::Excerpt;
        let mut link_item = excerpt_item.clone();
        link_item.republish = Republish::Link;
        for format in [Format::Atom, Format::Rss, Format::Json] {
            let out = render(format, &meta(), &[excerpt_item.clone(), link_item.clone()]);
            let feed = feed_rs::parser::parse(&out[..]).unwrap();
            let content = |i: usize| {
                feed.entries[i]
                    .content
                    .as_ref()
                    .and_then(|c| c.body.clone())
                    .unwrap_or_default()
            };
            for i in 0..2 {
                assert!(
                    !content(i).contains("FULL TEXT"),
                    "{format:?}: {}",
                    content(i)
                );
                assert!(
                    content(i).contains("href=\"https://o.test/a\""),
                    "{format:?}"
                );
            }
            assert!(content(0).contains("слово слово"), "{format:?}");
            assert!(content(0).chars().count() < 600, "{format:?}");
            assert!(!content(1).contains("слово"), "{format:?}");
            // Only the excerpt policy gives a summary.
            let summary = |i: usize| feed.entries[i].summary.as_ref().map(|t| t.content.clone());
            assert!(summary(0).is_some_and(|s| s.ends_with('…')), "{format:?}");
            assert_eq!(summary(1), None, "{format:?}");
        }
    }

    #[test]
    fn full_items_carry_content_summary_dates_categories_and_source() {
        let it = item(
            "Текст статьи.",
            "<p>Текст <b>статьи</b>.</p>",
            Some("https://o.test/a"),
        );
        let out = render(Format::Atom, &meta(), std::slice::from_ref(&it));
        let feed = atom_syndication::Feed::read_from(&out[..]).unwrap();
        let e = &feed.entries[0];
        assert_eq!(e.id, "tag:h.test,2026:story-3");
        assert_eq!(
            e.content.as_ref().unwrap().value.as_deref(),
            Some(it.html.as_str())
        );
        assert_eq!(e.content.as_ref().unwrap().lang.as_deref(), Some("ru"));
        assert_eq!(e.summary.as_ref().unwrap().value, "Текст статьи.");
        assert_eq!(e.published.unwrap().timestamp(), 0);
        assert_eq!(e.updated.timestamp(), 3600);
        assert_eq!(e.categories[0].term, "переговор");
        assert_eq!(e.authors[0].name, "S");
        let source = e.source.as_ref().unwrap();
        assert_eq!(
            (source.id.as_str(), source.title.value.as_str()),
            ("http://s.test/rss", "S")
        );

        let rels: Vec<(&str, &str)> = feed
            .links
            .iter()
            .map(|l| (l.rel.as_str(), l.href.as_str()))
            .collect();
        assert!(rels.contains(&("self", "http://h.test/feeds/t.atom?limit=1")));
        assert!(rels.contains(&("next", "http://h.test/feeds/t.atom?limit=1&before=5_7")));
        assert!(rels.contains(&("first", "http://h.test/feeds/t.atom?limit=1")));
        assert!(rels.contains(&("hub", "http://hub.test/")));
        assert_eq!(feed.id, "http://h.test/feeds/t.atom");

        let rss = rss::Channel::read_from(&render(Format::Rss, &meta(), &[it])[..]).unwrap();
        let ri = &rss.items[0];
        assert_eq!(ri.source.as_ref().unwrap().url, "http://s.test/rss");
        assert_eq!(ri.categories[0].name, "переговор");
        assert_eq!(
            ri.extensions["dcterms"]["modified"][0].value.as_deref(),
            Some("1970-01-01T01:00:00Z")
        );
        let rels: Vec<&str> = rss
            .atom_ext
            .as_ref()
            .unwrap()
            .links
            .iter()
            .map(|l| l.rel.as_str())
            .collect();
        assert_eq!(rels, ["self", "first", "next", "hub"]);
    }

    #[test]
    fn also_reported_by_links_appear_in_every_format() {
        let mut it = item("t", "<p>x</p>", Some("https://o.test/a"));
        it.also = vec![
            AlsoReported {
                url: Some("https://other.test/b".into()),
                source: "Other <Outlet>".into(),
                title: "Same story".into(),
            },
            AlsoReported {
                url: Some("javascript:alert(1)".into()),
                source: "Evil".into(),
                title: "x".into(),
            },
            AlsoReported {
                url: None,
                source: "Radio".into(),
                title: "On air".into(),
            },
        ];
        let atom = atom_syndication::Feed::read_from(
            &render(Format::Atom, &meta(), std::slice::from_ref(&it))[..],
        )
        .unwrap();
        let related: Vec<&str> = atom.entries[0]
            .links
            .iter()
            .filter(|l| l.rel == "related")
            .map(|l| l.href.as_str())
            .collect();
        assert_eq!(related, ["https://other.test/b"]);

        let items = json_items(&meta(), std::slice::from_ref(&it));
        let also = &items[0]["_feedsieve"]["also_reported_by"];
        assert_eq!(also.as_array().unwrap().len(), 3);
        assert_eq!(also[0]["source"], "Other <Outlet>");
        assert_eq!(
            also[1]["url"],
            serde_json::Value::Null,
            "no javascript: URL"
        );
        assert_eq!(also[2]["title"], "On air");
        let html = items[0]["content_html"].as_str().unwrap();
        assert!(
            html.contains("Also reported by: <a href=\"https://other.test/b\""),
            "{html}"
        );
        assert!(
            html.contains("Other &lt;Outlet&gt;: Same story") && !html.contains("javascript"),
            "{html}"
        );
        assert!(html.contains("; Radio: On air</p>"), "{html}");

        let rss = rss::Channel::read_from(&render(Format::Rss, &meta(), &[it])[..]).unwrap();
        assert!(
            rss.items[0]
                .content
                .as_deref()
                .unwrap()
                .contains("https://other.test/b")
        );
    }

    #[test]
    fn excerpts_cut_at_a_word_boundary() {
        assert_eq!(excerpt("один два три", 100), "один два три");
        assert_eq!(excerpt("один два три", 9), "один два…");
    }
}

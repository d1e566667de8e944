//! Rendering stored items as Atom 1.0, RSS 2.0 and JSON Feed 1.1.
//!
//! Pure: items in, bytes out. The XML formats are written by the maintained
//! `atom_syndication` and `rss` crates (escaping is theirs, not ours); JSON
//! Feed is a handful of serde structs following jsonfeed.org/version/1.1.

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::model::StoredItem;

/// What every format needs to know about the feed as a whole.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    pub title: String,
    pub description: String,
    /// The URL this very document is served at (self link).
    pub self_url: Url,
    /// The daemon's index page.
    pub home_url: Url,
    /// Stable id prefix for this installation (see [`item_id`]).
    pub id_authority: String,
    /// The newest change among the items (or the start of time when empty).
    pub updated: DateTime<Utc>,
}

/// The three output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
pub fn item_link(meta: &FeedMeta, item: &StoredItem) -> String {
    match &item.url {
        Some(u) => u.clone(),
        None => meta
            .home_url
            .join(&format!("items/{}", item.id.0))
            .map_or_else(|_| meta.home_url.to_string(), |u| u.to_string()),
    }
}

/// The item's content; never empty, since readers show an empty item as
/// broken (an entry with only an enclosure, say, has no text).
fn item_html(item: &StoredItem) -> String {
    if item.html.trim().is_empty() {
        format!("<p>{}</p>", super::index::escape(&item.title))
    } else {
        item.html.clone()
    }
}

/// The content with an "Also reported by" footer listing the story's other
/// copies: RSS and JSON Feed have no standard element for related links,
/// and every reader shows the content.
fn item_html_with_footer(item: &StoredItem) -> String {
    let mut html = item_html(item);
    if !item.also.is_empty() {
        let links: Vec<String> = item
            .also
            .iter()
            .map(|a| {
                let label = format!("{}: {}", a.source, a.title);
                match &a.url {
                    Some(u) => format!(
                        "<a href=\"{}\">{}</a>",
                        super::index::escape(u),
                        super::index::escape(&label)
                    ),
                    None => super::index::escape(&label),
                }
            })
            .collect();
        html.push_str(&format!("\n<p>Also reported by: {}</p>", links.join("; ")));
    }
    html
}

pub fn render(format: Format, meta: &FeedMeta, items: &[StoredItem]) -> Vec<u8> {
    match format {
        Format::Atom => atom(meta, items),
        Format::Rss => rss(meta, items),
        Format::Json => json(meta, items),
    }
}

fn atom(meta: &FeedMeta, items: &[StoredItem]) -> Vec<u8> {
    use atom_syndication as a;
    let link = |href: &str, rel: &str, mime: &str| a::Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: Some(mime.to_string()),
        ..Default::default()
    };
    let entries = items
        .iter()
        .map(|it| {
            let mut links = vec![link(&item_link(meta, it), "alternate", "text/html")];
            // RFC 4287 §4.2.7.2: rel="related" is "a resource related to
            // the entry" — the other outlets' copies of the story.
            links.extend(it.also.iter().filter_map(|a| {
                Some(a::Link {
                    href: a.url.clone()?,
                    rel: "related".to_string(),
                    mime_type: Some("text/html".to_string()),
                    title: Some(format!("{}: {}", a.source, a.title)),
                    ..Default::default()
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
                content: Some(a::Content {
                    value: Some(item_html(it)),
                    content_type: Some("html".to_string()),
                    ..Default::default()
                }),
                ..Default::default()
            }
        })
        .collect();
    let feed = a::Feed {
        title: a::Text::plain(meta.title.clone()),
        subtitle: Some(a::Text::plain(meta.description.clone())),
        id: meta.self_url.to_string(),
        updated: meta.updated.fixed_offset(),
        authors: vec![a::Person {
            name: "feedsieve".to_string(),
            uri: Some(meta.home_url.to_string()),
            ..Default::default()
        }],
        links: vec![
            link(meta.self_url.as_str(), "self", "application/atom+xml"),
            link(meta.home_url.as_str(), "alternate", "text/html"),
        ],
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
    use rss::extension::atom::{AtomExtension, Link};
    use rss::extension::dublincore::DublinCoreExtension;
    let items: Vec<rss::Item> = items
        .iter()
        .map(|it| rss::Item {
            title: Some(it.title.clone()),
            link: Some(item_link(meta, it)),
            // RSS readers treat <description> as HTML: the plain-text
            // excerpt must be escaped, or a text saying "<script>" in
            // words becomes a script.
            description: Some(super::index::escape(&excerpt(&it.text, 400))),
            guid: Some(rss::Guid {
                value: item_id(meta, it),
                permalink: false,
            }),
            pub_date: Some(it.published.to_rfc2822()),
            content: Some(item_html_with_footer(it)),
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
            ..Default::default()
        })
        .collect();
    let mut namespaces = std::collections::BTreeMap::new();
    namespaces.insert(
        "atom".to_string(),
        "http://www.w3.org/2005/Atom".to_string(),
    );
    namespaces.insert(
        "content".to_string(),
        "http://purl.org/rss/1.0/modules/content/".to_string(),
    );
    namespaces.insert(
        "dc".to_string(),
        "http://purl.org/dc/elements/1.1/".to_string(),
    );
    let channel = rss::Channel {
        title: meta.title.clone(),
        link: meta.home_url.to_string(),
        description: meta.description.clone(),
        last_build_date: Some(meta.updated.to_rfc2822()),
        generator: Some(format!("feedsieve {}", env!("CARGO_PKG_VERSION"))),
        atom_ext: Some(AtomExtension {
            links: vec![Link {
                href: meta.self_url.to_string(),
                rel: "self".to_string(),
                mime_type: Some("application/rss+xml".to_string()),
                ..Default::default()
            }],
        }),
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
    authors: Vec<JsonAuthor>,
    items: Vec<JsonItem>,
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
    summary: String,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<JsonAuthor>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    /// JSON Feed 1.1 extension (keys starting with "_"): the story's other
    /// copies, for readers and scripts that want them as data.
    #[serde(rename = "_feedsieve", skip_serializing_if = "Option::is_none")]
    feedsieve: Option<JsonExtension>,
}

#[derive(Serialize)]
struct JsonExtension {
    also_reported_by: Vec<JsonAlso>,
}

#[derive(Serialize)]
struct JsonAlso {
    url: Option<String>,
    source: String,
    title: String,
}

fn json(meta: &FeedMeta, items: &[StoredItem]) -> Vec<u8> {
    let rfc3339 = |d: DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &meta.title,
        description: &meta.description,
        home_page_url: meta.home_url.as_str(),
        feed_url: meta.self_url.as_str(),
        authors: vec![JsonAuthor {
            name: "feedsieve".to_string(),
        }],
        items: items
            .iter()
            .map(|it| JsonItem {
                id: item_id(meta, it),
                url: item_link(meta, it),
                title: it.title.clone(),
                content_html: item_html_with_footer(it),
                summary: excerpt(&it.text, 400),
                date_published: rfc3339(it.published),
                date_modified: rfc3339(it.updated),
                authors: it
                    .author
                    .iter()
                    .map(|a| JsonAuthor { name: a.clone() })
                    .collect(),
                tags: it.terms.clone(),
                feedsieve: (!it.also.is_empty()).then(|| JsonExtension {
                    also_reported_by: it
                        .also
                        .iter()
                        .map(|a| JsonAlso {
                            url: a.url.clone(),
                            source: a.source.clone(),
                            title: a.title.clone(),
                        })
                        .collect(),
                }),
            })
            .collect(),
    };
    // Serializing plain structs of strings cannot fail.
    serde_json::to_vec_pretty(&feed).unwrap_or_default()
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

    fn meta() -> FeedMeta {
        FeedMeta {
            title: "T".into(),
            description: "D".into(),
            self_url: Url::parse("http://h.test/feeds/t.rss").unwrap(),
            home_url: Url::parse("http://h.test/").unwrap(),
            id_authority: "h.test".into(),
            updated: DateTime::UNIX_EPOCH,
        }
    }

    fn item(text: &str, html: &str, url: Option<&str>) -> StoredItem {
        StoredItem {
            story: crate::model::StoryId(3),
            id: crate::model::ArticleId(7),
            source_name: "S".into(),
            source_url: "http://s.test/rss".into(),
            url: url.map(str::to_string),
            title: "Title".into(),
            author: None,
            html: html.into(),
            text: text.into(),
            published: DateTime::UNIX_EPOCH,
            updated: DateTime::UNIX_EPOCH,
            terms: vec![],
            also: vec![],
        }
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
        let out = render(Format::Json, &meta(), &[item("", "", None)]);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["items"][0]["url"], "http://h.test/items/7");
        assert_eq!(v["items"][0]["content_html"], "<p>Title</p>");
    }

    #[test]
    fn excerpts_cut_at_a_word_boundary() {
        assert_eq!(excerpt("один два три", 100), "один два три");
        assert_eq!(excerpt("один два три", 9), "один два…");
    }
}

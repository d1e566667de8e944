//! Article extraction: from a page's HTML to the article on it — clean text,
//! sanitized HTML and what the page says about itself.
//!
//! In: page HTML already decoded to UTF-8 (`fetch` owns charsets), the page
//! URL, and a source's [`Rules`]. Out: a [`crate::model::Article`]. Also the
//! sanitizer ([`sanitize`]) and text renderer ([`html_to_text`]) for the HTML
//! that feeds carry themselves, so feed content and scraped pages go through
//! one allow-list.
//!
//! `extract` never touches the network and holds no state between calls.
//! `scraper::Html` is not `Send`, so callers run [`article`] inside
//! `spawn_blocking`, never across an `.await`.
//!
//! Inside: [`dom`] flattens the parsed tree, [`content`] scores it and picks
//! the content, [`text`] and [`markup`] render that as text and HTML,
//! [`meta`] reads title, author, date, image and language, [`hints`] reads
//! class and id names.

mod content;
mod dom;
mod hints;
mod lines;
mod markup;
mod meta;
mod text;

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

use crate::model::Article;

use dom::{Dom, Tag};

/// What can go wrong extracting one page. Each error names the page (or the
/// rule) it concerns so the caller can log and count it per source.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// A source's `content_selector` or `strip_selectors` entry is not valid
    /// CSS. Found when the config is loaded, not per page.
    #[error("invalid CSS selector {selector:?}: {reason}")]
    BadSelector { selector: String, reason: String },
    /// The page has no text that reads like an article.
    #[error("no article text found on {url}")]
    NoContent { url: Url },
    /// The source's `content_selector` matched nothing on this page.
    #[error("content_selector {selector:?} matched nothing on {url}")]
    SelectorMissed { selector: String, url: Url },
}

/// A source's extraction overrides, compiled once when the config loads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    content: Option<(String, Selector)>,
    strip: Vec<Selector>,
}

impl Rules {
    /// Compiles a source's `content_selector` (where the article is) and
    /// `strip_selectors` (what to remove from it, or from the page when the
    /// article is found automatically).
    pub fn new(
        content_selector: Option<&str>,
        strip_selectors: &[String],
    ) -> Result<Rules, ExtractError> {
        let compile = |s: &str| {
            Selector::parse(s).map_err(|e| ExtractError::BadSelector {
                selector: s.to_string(),
                reason: e.to_string(),
            })
        };
        let content = match content_selector {
            Some(s) => Some((s.to_string(), compile(s)?)),
            None => None,
        };
        let strip = strip_selectors
            .iter()
            .map(|s| compile(s))
            .collect::<Result<_, _>>()?;
        Ok(Rules { content, strip })
    }

    /// No overrides: the article is found automatically.
    pub fn none() -> Rules {
        Rules::default()
    }

    /// Checks one selector, for reporting each bad one where it is written.
    pub fn check_selector(selector: &str) -> Result<(), ExtractError> {
        Rules::new(Some(selector), &[]).map(|_| ())
    }
}

/// Extracts the article from a page.
pub fn article(html: &str, url: &Url, rules: &Rules) -> Result<Article, ExtractError> {
    let doc = Html::parse_document(html);
    let dom = Dom::new(&doc);
    let base = base_url(&dom, url);
    let mut excluded = vec![false; dom.len()];
    if !rules.strip.is_empty() {
        for (i, n) in dom.nodes.iter().enumerate() {
            if let Some(el) = n.element_ref()
                && rules.strip.iter().any(|s| s.matches(&el))
            {
                excluded[i] = true;
            }
        }
    }
    let meta = meta::read(&dom, url);
    let facts = content::Facts::new(&dom, &excluded, meta.titles.clone());
    let found = match &rules.content {
        Some((source, sel)) => {
            content::selected(&dom, &facts, sel).ok_or_else(|| ExtractError::SelectorMissed {
                selector: source.clone(),
                url: url.clone(),
            })?
        }
        None => content::find(&dom, &facts, None)
            .ok_or_else(|| ExtractError::NoContent { url: url.clone() })?,
    };
    let text = text::render(&dom, &found.roots, &found.excluded);
    if text.is_empty() {
        return Err(ExtractError::NoContent { url: url.clone() });
    }
    let raw_html = markup::write(&dom, &found.roots, &found.excluded, &base);
    let html = ABSOLUTE_ONLY.clean(&raw_html).to_string();
    let lang = meta::detect_lang(&text, meta.html_lang.as_deref());
    Ok(Article {
        title: meta.title,
        text,
        html,
        author: meta.author,
        published: meta.published,
        lead_image: meta.lead_image,
        lang,
    })
}

/// How the content of a page was chosen: the best-scoring candidates of each
/// pass and the roots picked. For operators writing a source's rules and for
/// tuning; the format is for people and may change.
pub fn explain(html: &str, url: &Url) -> String {
    let doc = Html::parse_document(html);
    let dom = Dom::new(&doc);
    let meta = meta::read(&dom, url);
    let facts = content::Facts::new(&dom, &vec![false; dom.len()], meta.titles);
    let mut trace = String::new();
    content::find(&dom, &facts, Some(&mut trace));
    trace
}

/// The page's `<base href>` when it has a usable one, else its URL.
fn base_url(dom: &Dom<'_>, url: &Url) -> Url {
    dom.nodes
        .iter()
        .take_while(|n| n.tag != Tag::Body)
        .filter(|n| n.el.is_some_and(|e| e.name() == "base"))
        .find_map(|n| n.attr("href"))
        .and_then(|h| url.join(h.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| url.clone())
}

/// Sanitizes HTML for republishing: only the allow-list below survives,
/// relative URLs are made absolute against `base` (or dropped without one),
/// and only `http`, `https` and `mailto` URLs are kept — so no `javascript:`,
/// `vbscript:` or `data:` in any spelling, since ammonia compares the parsed
/// URL's scheme, not the attribute's text.
pub fn sanitize(html: &str, base: Option<&Url>) -> String {
    match base {
        Some(base) => sanitizer(ammonia::UrlRelative::RewriteWithBase(base.clone()))
            .clean(html)
            .to_string(),
        None => ABSOLUTE_ONLY.clean(html).to_string(),
    }
}

/// The sanitizer for HTML whose URLs are already absolute (what
/// [`markup`] writes), built once rather than per article.
static ABSOLUTE_ONLY: LazyLock<ammonia::Builder<'static>> =
    LazyLock::new(|| sanitizer(ammonia::UrlRelative::Deny));

fn sanitizer(relative: ammonia::UrlRelative<'static>) -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    b.add_tags([
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "code",
        "figure",
        "img",
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "s",
        "sub",
        "sup",
        "mark",
        "q",
        "small",
        "abbr",
        "hr",
        "table",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
    ]);
    b.tag_attributes(HashMap::from([
        ("a", HashSet::from(["href"])),
        ("img", HashSet::from(["src", "alt"])),
        ("td", HashSet::from(["colspan", "rowspan"])),
        ("th", HashSet::from(["colspan", "rowspan"])),
        ("abbr", HashSet::from(["title"])),
    ]));
    b.url_schemes(HashSet::from(["http", "https", "mailto"]));
    b.link_rel(Some("noopener noreferrer nofollow"));
    b.strip_comments(true);
    // Whole subtrees whose text is never content (ammonia keeps the text of
    // other removed tags).
    b.clean_content_tags(HashSet::from([
        "script", "style", "template", "noscript", "iframe", "object", "embed", "textarea",
        "select", "svg", "title",
    ]));
    b.url_relative(relative);
    b
}

/// Plain text of an HTML fragment (paragraphs separated by a blank line),
/// for feed-provided content when no page is scraped.
pub fn html_to_text(html: &str) -> String {
    let doc = Html::parse_fragment(html);
    let dom = Dom::new(&doc);
    if dom.len() == 0 {
        return String::new();
    }
    let excluded = vec![false; dom.len()];
    text::render(&dom, &[0], &excluded)
}

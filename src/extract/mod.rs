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
mod nesting;
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
    /// The page nests elements too deeply to parse in reasonable time
    /// (see [`nesting`]).
    #[error(
        "{url} nests its elements about {depth} deep (the limit is {}); not parsed",
        nesting::MAX_DEPTH
    )]
    TooDeep { url: Url, depth: usize },
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
    let depth = nesting::max_depth(html);
    if depth > nesting::MAX_DEPTH {
        return Err(ExtractError::TooDeep {
            url: url.clone(),
            depth,
        });
    }
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
///
/// HTML nested deeper than [`nesting::MAX_DEPTH`] is not parsed (that costs
/// seconds to minutes, see [`nesting`]); its text comes out as one escaped
/// paragraph.
pub fn sanitize(html: &str, base: Option<&Url>) -> String {
    if nesting::max_depth(html) > nesting::MAX_DEPTH {
        return format!("<p>{}</p>", escape_text(&nesting::strip_tags(html)));
    }
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

/// The elements sanitized HTML may keep: text structure, figures, links
/// and tables; nothing that runs, embeds, styles or submits.
const ALLOWED_TAGS: &[&str] = &[
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
];

fn sanitizer(relative: ammonia::UrlRelative<'static>) -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    b.add_tags(ALLOWED_TAGS.iter().copied());
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
///
/// Like [`sanitize`], HTML nested too deeply is not parsed: its tags are
/// dropped.
pub fn html_to_text(html: &str) -> String {
    if nesting::max_depth(html) > nesting::MAX_DEPTH {
        return nesting::strip_tags(html);
    }
    let doc = Html::parse_fragment(html);
    let dom = Dom::new(&doc);
    if dom.len() == 0 {
        return String::new();
    }
    let excluded = vec![false; dom.len()];
    text::render(&dom, &[0], &excluded)
}

/// `text` escaped for HTML element content.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_html_nested_too_deep_becomes_its_escaped_text_without_being_parsed() {
        let html = format!(
            "<p>Переговоры &amp; итоги</p>{}<script>alert(1)</script>x{}",
            "<div>".repeat(50_000),
            "</div>".repeat(50_000)
        );
        let clean = sanitize(&html, None);
        assert!(
            clean.starts_with("<p>Переговоры &amp;amp; итоги"),
            "{clean}"
        );
        assert!(
            !clean.contains("<script") && !clean.contains("<div"),
            "{clean}"
        );
        assert_eq!(html_to_text(&html), "Переговоры &amp; итоги alert(1) x");
    }

    #[test]
    fn a_page_nesting_a_hundred_thousand_elements_is_refused_before_parsing() {
        let url = Url::parse("https://example.kz/deep").unwrap();
        let page = format!(
            "<html><body><article><p>{}</p>{}x{}</article></body></html>",
            "Текст статьи. ".repeat(50),
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let err = article(&page, &url, &Rules::default()).unwrap_err();
        assert!(
            matches!(err, ExtractError::TooDeep { depth, .. } if depth > 100_000),
            "{err}"
        );
        assert!(
            err.to_string().starts_with("https://example.kz/deep nests"),
            "{err}"
        );
    }

    /// Hostile markup in the shapes of `corpus/hostile/xss.*`, written anew:
    /// script and handlers, `javascript:` in every spelling, dangerous
    /// schemes, embedding and page-takeover tags, CSS tricks, and markup that
    /// mutates when parsed twice.
    const XSS: &[&str] = &[
        r#"<p>Hello</p><script>alert(1)</script>"#,
        r#"<p>Фото <img src="https://x.kz/a.png" onerror="alert(2)" onload=alert(3)></p><svg onload=alert(4)><circle r="1"/></svg>"#,
        r#"<a href="javascript:alert(5)">a</a> <a href="JaVaScRiPt:alert(6)">b</a> <a href="java&#x09;script:alert(7)">c</a> <a href="&#106;avascript:alert(8)">d</a> <a href=" javascript:alert(9)">e</a> <a href="vbscript:msgbox(10)">f</a> <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4=">g</a> <a href="https://x.kz/ok">ok</a>"#,
        r#"<iframe src="https://evil.example/"></iframe><object data="x.swf"></object><embed src="x.swf"><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example/"><form action="https://evil.example/"><input name="p"></form><link rel="stylesheet" href="https://evil.example/x.css"><p>остаётся</p>"#,
        r#"<div style="width: expression(alert(12))">ie</div><div style="background:url(javascript:alert(13))">bg</div><style>body{}</style><p style="color:red">red</p>"#,
        r#"<scr<script>ipt>alert(14)</scr</script>ipt><!--<script>alert(15)//--><noscript><p title="</noscript><img src=x onerror=alert(17)>"></noscript><math><mtext><table><mglyph><style><img src=x onerror=alert(18)>"#,
        r#"<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="d"><a href="//evil.example/x">protocol-relative</a><a href="mailto:editor@x.kz">почта</a>"#,
        r#"<template><script>alert(19)</script></template><select><option>o</option></select><textarea><script>alert(20)</script></textarea>"#,
    ];

    /// Checks sanitized HTML by parsing it back: every element and attribute
    /// is on the allow-list and every URL is absolute http(s) or mailto.
    /// (Broken-up tags such as `<scr<script>ipt>` leave their pieces as
    /// escaped text, which is harmless: no "<script" survives as markup.)
    fn assert_safe(html: &str) {
        let lower = html.to_ascii_lowercase();
        for bad in ["<script", "javascript:", "vbscript:", "data:", " on"] {
            assert!(
                !lower.contains(bad) || bad == " on" && !has_handler(&lower),
                "{bad} in {html}"
            );
        }
        let doc = Html::parse_fragment(html);
        for node in doc.tree.nodes() {
            let Some(el) = node.value().as_element() else {
                continue;
            };
            let name = el.name();
            // The wrappers of a parsed fragment.
            if matches!(name, "html" | "head" | "body") {
                continue;
            }
            assert!(ALLOWED_TAGS.contains(&name), "<{name}> in {html}");
            for (attr, value) in el.attrs() {
                match attr {
                    "href" | "src" => {
                        let v = value.trim().to_ascii_lowercase();
                        assert!(
                            v.starts_with("http://")
                                || v.starts_with("https://")
                                || v.starts_with("mailto:"),
                            "{attr}={value:?} in {html}"
                        );
                    }
                    "alt" | "rel" | "colspan" | "rowspan" | "title" => {}
                    other => panic!("attribute {other} in {html}"),
                }
            }
        }
    }

    /// An ` on…=` attribute, as the conformance checker looks for it.
    fn has_handler(lower: &str) -> bool {
        lower.match_indices(" on").any(|(i, _)| {
            let rest = &lower[i + 3..];
            let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
            name_len > 0 && rest[name_len..].trim_start().starts_with('=') && {
                // Only inside a tag: the last '<' before is after the last '>'.
                let before = &lower[..i];
                before.rfind('<') > before.rfind('>')
            }
        })
    }

    #[test]
    fn sanitize_leaves_nothing_executable_and_keeps_harmless_markup() {
        let base = Url::parse("https://x.kz/news/1").unwrap();
        let all: String = XSS.concat();
        for input in XSS.iter().copied().chain([all.as_str()]) {
            for b in [Some(&base), None] {
                let out = sanitize(input, b);
                assert_safe(&out);
            }
        }
        let out = sanitize(XSS[2], Some(&base));
        assert!(out.contains(r#"href="https://x.kz/ok""#), "{out}");
        let out = sanitize(XSS[3], Some(&base));
        assert!(out.contains("<p>остаётся</p>"), "{out}");
        let out = sanitize(XSS[6], Some(&base));
        assert!(out.contains(r#"href="mailto:editor@x.kz""#), "{out}");
        assert!(out.contains(r#"href="https://evil.example/x""#), "{out}");
    }

    #[test]
    fn sanitize_makes_relative_links_absolute_or_drops_them_without_a_base() {
        let html = r#"<p><a href="/kz/2">next</a> <img src="img/a.jpg" alt="a"></p>"#;
        let base = Url::parse("https://x.kz/news/1").unwrap();
        let out = sanitize(html, Some(&base));
        assert!(out.contains(r#"href="https://x.kz/kz/2""#), "{out}");
        assert!(
            out.contains(r#"src="https://x.kz/news/img/a.jpg""#),
            "{out}"
        );
        let out = sanitize(html, None);
        assert!(!out.contains("href=") && !out.contains("src="), "{out}");
        assert!(out.contains("next"), "{out}");
    }

    #[test]
    fn links_starting_with_multibyte_characters_are_resolved_without_panicking() {
        // Found by the XSS corpus: `h[..7]` sliced inside a character.
        let page = "<html><body><article>\
            <p>Первый абзац статьи о том, как редакция проверяет присланные материалы, достаточно длинный.</p>\
            <p>Второй абзац: <a href=\"новости/1\">относительная ссылка</a> и \
            <a href=\"ｊａｖａｓｃｒｉｐｔ:alert(1)\">широкие буквы</a>.</p></article></body></html>";
        let url = Url::parse("https://x.kz/news/1").unwrap();
        let a = article(page, &url, &Rules::none()).unwrap();
        assert!(
            a.html.contains(
                r#"href="https://x.kz/news/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/1""#
            ),
            "{}",
            a.html
        );
        assert_safe(&a.html);
    }

    #[test]
    fn an_article_page_full_of_hostile_markup_comes_out_safe() {
        let body: String = XSS.iter().map(|x| format!("<div>{x}</div>")).collect();
        let page = format!(
            "<html><head><title>t</title></head><body><article>\
             <p>Первый абзац статьи о том, как редакция проверяет присланные материалы, достаточно длинный.</p>\
             <p>Второй абзац статьи: все опасные вставки должны исчезнуть, а текст остаться.</p>\
             {body}</article></body></html>"
        );
        let url = Url::parse("https://x.kz/news/1").unwrap();
        let a = article(&page, &url, &Rules::none()).unwrap();
        assert_safe(&a.html);
        assert!(a.text.contains("Второй абзац статьи"), "{}", a.text);
    }

    #[test]
    fn ten_thousand_nested_elements_are_sanitized_and_extracted_without_overflow() {
        // corpus/hostile/deep-html-nesting-10k.xml puts this in item HTML,
        // which goes through sanitize. (html5ever's nesting checks make
        // each parse of it take seconds in a debug build, hence one.)
        let nest = |n: usize| format!("{}глубоко{}", "<div>".repeat(n), "</div>".repeat(n));
        assert!(sanitize(&nest(10_000), None).contains("глубоко"));
        // Every walk in extract is a loop, not recursion: a few thousand
        // levels would already overflow a recursive one on a test thread.
        let deep = nest(3_000);
        assert_eq!(html_to_text(&deep), "глубоко");
        let url = Url::parse("https://x.kz/deep").unwrap();
        let a = article(&format!("<body>{deep}</body>"), &url, &Rules::none()).unwrap();
        assert_eq!(a.text, "глубоко");
    }

    #[test]
    fn html_to_text_separates_blocks_and_keeps_inline_words_whole() {
        assert_eq!(
            html_to_text("<p>Один</p><p>Два <b>три</b>четыре</p><ul><li>пять</li></ul>"),
            "Один\n\nДва тричетыре\n\nпять"
        );
        assert_eq!(html_to_text("просто текст"), "просто текст");
        assert_eq!(html_to_text("<script>x()</script>"), "");
    }

    #[test]
    fn a_bad_selector_is_an_error_naming_it() {
        let e = Rules::new(Some("div..body"), &[]).unwrap_err();
        assert!(e.to_string().contains("div..body"), "{e}");
        let e = Rules::new(None, &[".ok".into(), "p:nope".into()]).unwrap_err();
        assert!(e.to_string().contains("p:nope"), "{e}");
    }

    #[test]
    fn a_content_selector_takes_over_and_strip_selectors_cut_inside_it() {
        let page = r#"<body><div class="lead">Лид статьи, который автоматический поиск мог бы пропустить.</div>
            <div class="body"><p>Основной текст.</p><p class="promo">Реклама внутри текста</p></div></body>"#;
        let url = Url::parse("https://x.kz/a").unwrap();
        let rules = Rules::new(Some(".lead, .body"), &[".promo".to_string()]).unwrap();
        let a = article(page, &url, &rules).unwrap();
        assert_eq!(
            a.text,
            "Лид статьи, который автоматический поиск мог бы пропустить.\n\nОсновной текст."
        );
        let rules = Rules::new(Some("main.story"), &[]).unwrap();
        let e = article(page, &url, &rules).unwrap_err();
        assert!(matches!(e, ExtractError::SelectorMissed { .. }), "{e}");
    }
}

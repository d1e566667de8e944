//! Article HTML → main text, sanitized HTML and metadata.
//!
//! In: a page already decoded to UTF-8 and its URL. Out: an [`Article`].
//! Never touches the network: `fetch` brings the page, `refresh` decides
//! what to do when extraction fails.
//!
//! This first version keeps the paragraphs of the page's `<article>` (or,
//! without one, of the element holding the most paragraph text); the
//! extraction issue replaces it with readability-style scoring.

use std::collections::HashMap;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::model::Article;

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("{url}: no article text found")]
    NoContent { url: Url },
    #[error("invalid CSS selector {selector:?}: {reason}")]
    Selector { selector: String, reason: String },
}

/// Per-source extraction rules.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    content: Option<Selector>,
}

impl Rules {
    pub fn none() -> Rules {
        Rules::default()
    }

    pub fn new(content_selector: Option<&str>, _strip: &[String]) -> Result<Rules, ExtractError> {
        let content = content_selector
            .map(|s| {
                Selector::parse(s).map_err(|e| ExtractError::Selector {
                    selector: s.to_string(),
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        Ok(Rules { content })
    }
}

fn selector(s: &str) -> Selector {
    // Only called with the literal selectors below, which parse.
    Selector::parse(s).expect("valid literal selector")
}

/// Extracts the main content of `html`, a page fetched from `url`.
pub fn article(html: &str, url: &Url, rules: &Rules) -> Result<Article, ExtractError> {
    let doc = Html::parse_document(html);
    let paragraphs = selector("p, h2, h3, li, blockquote");
    let root = match &rules.content {
        Some(sel) => doc.select(sel).next(),
        None => doc.select(&selector("article")).next(),
    }
    .or_else(|| densest_parent(&doc, &paragraphs));
    let Some(root) = root else {
        return Err(ExtractError::NoContent { url: url.clone() });
    };
    let blocks: Vec<String> = root
        .select(&selector("p, h2, h3, blockquote"))
        .map(|p| collapse(&p.text().collect::<String>()))
        .filter(|t| !t.is_empty())
        .collect();
    if blocks.is_empty() {
        return Err(ExtractError::NoContent { url: url.clone() });
    }
    let html_out: String = blocks
        .iter()
        .map(|b| format!("<p>{}</p>", escape(b)))
        .collect();
    let title = doc
        .select(&selector("h1"))
        .next()
        .map(|h| collapse(&h.text().collect::<String>()))
        .or_else(|| {
            doc.select(&selector("title"))
                .next()
                .map(|t| collapse(&t.text().collect::<String>()))
        })
        .filter(|t| !t.is_empty());
    Ok(Article {
        title,
        text: blocks.join("\n\n"),
        html: html_out,
        ..Article::default()
    })
}

/// The element whose direct paragraph children hold the most text.
fn densest_parent<'a>(doc: &'a Html, paragraphs: &Selector) -> Option<ElementRef<'a>> {
    let mut weight: HashMap<ego_tree::NodeId, (usize, ElementRef<'a>)> = HashMap::new();
    for p in doc.select(paragraphs) {
        if let Some(parent) = p.parent().and_then(ElementRef::wrap) {
            let len = p.text().map(str::len).sum::<usize>();
            weight.entry(parent.id()).or_insert((0, parent)).0 += len;
        }
    }
    weight.into_values().max_by_key(|(w, _)| *w).map(|(_, e)| e)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Sanitizes HTML that came with a feed: an allow-list of harmless tags,
/// links and images made absolute against `base`.
pub fn sanitize(html: &str, base: Option<&Url>) -> String {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto"].into_iter().collect());
    // ammonia keeps `cite` on quotes and edits but does not check its
    // scheme (it is not in ammonia's list of URL attributes), so
    // `<blockquote cite="javascript:…">` passed through unchanged.
    for tag in ["blockquote", "q", "del", "ins"] {
        b.rm_tag_attributes(tag, &["cite"]);
    }
    if let Some(base) = base {
        b.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()));
    } else {
        b.url_relative(ammonia::UrlRelative::Deny);
    }
    b.clean(html).to_string()
}

/// The text of an HTML fragment, blocks separated by blank lines.
pub fn html_to_text(html: &str) -> String {
    let frag = Html::parse_fragment(html);
    let blocks: Vec<String> = frag
        .select(&selector("p, li, h1, h2, h3, h4, blockquote, div"))
        .filter(|e| {
            // Only innermost blocks, so nested divs do not repeat text.
            !e.descendants()
                .skip(1)
                .filter_map(ElementRef::wrap)
                .any(|d| matches!(d.value().name(), "p" | "li" | "div" | "blockquote"))
        })
        .map(|e| collapse(&e.text().collect::<String>()))
        .filter(|t| !t.is_empty())
        .collect();
    if blocks.is_empty() {
        collapse(&frag.root_element().text().collect::<String>())
    } else {
        blocks.join("\n\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_article_element_wins_over_menus() {
        let html = r#"<html><head><title>Заголовок | Сайт</title></head><body>
            <nav><ul><li>Политика</li><li>Спорт</li></ul></nav>
            <article><h1>Переговоры в Астане</h1><p>Первый абзац.</p><p>Второй абзац.</p></article>
            <aside><p>Читайте также: чемпионат мира</p></aside></body></html>"#;
        let a = article(html, &Url::parse("https://x.kz/a").unwrap(), &Rules::none()).unwrap();
        assert_eq!(a.text, "Первый абзац.\n\nВторой абзац.");
        assert_eq!(a.title.as_deref(), Some("Переговоры в Астане"));
    }

    #[test]
    fn sanitize_removes_scripts_and_handlers_and_absolutizes_links() {
        let base = Url::parse("https://x.kz/news/").unwrap();
        let out = sanitize(
            r#"<p onclick="x()">Hi <a href="/a">a</a><script>alert(1)</script><a href="javascript:alert(1)">j</a></p>"#,
            Some(&base),
        );
        assert!(!out.contains("script") && !out.contains("onclick") && !out.contains("javascript"));
        assert!(out.contains(r#"href="https://x.kz/a""#), "{out}");
    }

    #[test]
    fn html_to_text_separates_blocks_with_blank_lines() {
        assert_eq!(
            html_to_text("<p>Один</p><p>Два <b>три</b></p>"),
            "Один\n\nДва три"
        );
        assert_eq!(html_to_text("просто текст"), "просто текст");
    }
}

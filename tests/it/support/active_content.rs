//! What a browser would run: finds active content in HTML the way a
//! reader's browser sees it. The HTML is parsed with html5ever (the same
//! tree building as browsers, so mutation-XSS markup ends up where a
//! browser would put it), and every element and attribute is judged on the
//! result, never on the source text.
//!
//! Also compiled into the `extract_page` fuzz target (through
//! `fuzz/harness.rs`), which asks it about every sanitized output.

use scraper::{ElementRef, Html};

/// Elements that run code, load other documents, change how the page's
/// links resolve, send forms, or carry foreign parser modes that
/// mutation-XSS relies on.
const ACTIVE_ELEMENTS: &[&str] = &[
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "param", "base", "meta",
    "link", "style", "form", "input", "button", "textarea", "select", "svg", "math", "template",
    "portal", "isindex",
];

/// Attributes holding a URL a browser follows or loads.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "cite",
    "longdesc",
    "usemap",
    "xlink:href",
    "ping",
    "manifest",
    "codebase",
    "lowsrc",
    "dynsrc",
];

/// The problems in an HTML fragment (content of a feed item or a stored
/// article); empty when nothing in it could run.
pub fn in_fragment(html: &str) -> Vec<String> {
    let doc = Html::parse_fragment(html);
    let mut problems = Vec::new();
    for element in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        check_element(element, &mut problems, &[]);
    }
    problems
}

/// The problems in a whole page served by feedsieve (the index, an item
/// page). The page's own `<meta>`, `<style>` and feed autodiscovery
/// (`<link rel="alternate">`) in the head are ours, not the feeds'; their
/// attributes, and everything else, are judged as above.
pub fn in_page(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut problems = Vec::new();
    for element in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let in_head = element
            .ancestors()
            .filter_map(ElementRef::wrap)
            .any(|a| a.value().name() == "head");
        let discovery = element.value().name() == "link"
            && element
                .value()
                .attr("rel")
                .is_some_and(|r| r.eq_ignore_ascii_case("alternate"));
        let own = match (in_head, discovery) {
            (true, true) => &["link"][..],
            (true, false) => &["meta", "style"][..],
            (false, _) => &[],
        };
        check_element(element, &mut problems, own);
    }
    problems
}

fn check_element(element: ElementRef<'_>, problems: &mut Vec<String>, allowed: &[&str]) {
    let name = element.value().name().to_ascii_lowercase();
    if ACTIVE_ELEMENTS.contains(&name.as_str()) && !allowed.contains(&name.as_str()) {
        problems.push(format!("<{name}> element: {}", snippet(&element.html())));
    }
    if name == "meta"
        && element
            .value()
            .attr("http-equiv")
            .is_some_and(|v| v.eq_ignore_ascii_case("refresh"))
    {
        problems.push(format!("meta refresh: {}", snippet(&element.html())));
    }
    if name == "style" && is_dangerous_css(&element.text().collect::<String>()) {
        problems.push(format!("active CSS: {}", snippet(&element.html())));
    }
    for (attr, value) in element.value().attrs() {
        let attr = attr.to_ascii_lowercase();
        if attr.starts_with("on") {
            problems.push(format!("event handler {attr}={value:?} on <{name}>"));
        } else if attr == "srcdoc" {
            problems.push(format!("srcdoc on <{name}>"));
        } else if attr == "style" && is_dangerous_css(value) {
            problems.push(format!("active CSS in style={value:?} on <{name}>"));
        } else if attr == "srcset" {
            for candidate in value.split(',') {
                let url = candidate.split_whitespace().next().unwrap_or("");
                if !is_safe_url(url) {
                    problems.push(format!("srcset URL {url:?} on <{name}>"));
                }
            }
        } else if URL_ATTRIBUTES.contains(&attr.as_str()) && !is_safe_url(value) {
            problems.push(format!("{attr}={value:?} on <{name}>"));
        }
    }
}

/// CSS that runs script or loads a resource (old IE and Gecko ran code
/// through `expression()`, `behavior` and `-moz-binding`).
fn is_dangerous_css(css: &str) -> bool {
    let css: String = css
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .collect::<String>()
        .to_ascii_lowercase();
    [
        "expression(",
        "javascript:",
        "vbscript:",
        "behavior:",
        "-moz-binding",
        "@import",
        "url(",
    ]
    .iter()
    .any(|bad| css.contains(bad))
}

/// Whether a browser would follow `url` only to a web page or a mail
/// client: relative, or with an http, https or mailto scheme, judged after
/// the clean-up browsers do (WHATWG URL: leading/trailing C0 controls and
/// spaces stripped, tabs and newlines removed anywhere).
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let Some(colon) = cleaned.find(':') else {
        return true;
    };
    let scheme = &cleaned[..colon];
    let is_scheme = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !is_scheme {
        // A ':' after a '/', '?' or '#' is part of a relative URL.
        return scheme.contains(['/', '?', '#']);
    }
    matches!(
        scheme.to_ascii_lowercase().as_str(),
        "http" | "https" | "mailto"
    )
}

fn snippet(s: &str) -> String {
    s.chars().take(120).collect()
}

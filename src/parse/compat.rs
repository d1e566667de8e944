//! Repairs for feed shapes that real publishers serve and feed-rs refuses.
//!
//! In: the document text and the error feed-rs gave. Out: a repaired text to
//! parse again, or `None` when the error is not one of the known shapes.
//! Only called after a failure, so well-formed feeds pay nothing.
//!
//! - `<rss>` without a `version`, or with one feed-rs does not know (0.93,
//!   0.94, "2.0.1"): feed-rs dispatches on the version and reports "no root
//!   element". feedparser reads these as RSS 2.0; 22 files in the corpus
//!   have no or an unknown version.
//! - JSON Feed with `"version": "http://jsonfeed.org/version/1"` (http, not
//!   https; NetNewsWire's real `pxlnv.json` snapshot) or a bare `"1.1"`:
//!   feed-rs requires the exact https prefix.
//! - JSON Feed items whose `tags` is one comma-separated string instead of
//!   an array (NetNewsWire's real `rose.json`), or whose `authors` /
//!   `attachments` is a single object: serde refuses the whole feed.
//! - Bare `&` in text and URLs (`?a=1&b=2`, "Fish & Chips"): ill-formed
//!   XML that CMS templates produce all the time; feed-rs's strict parser
//!   refuses the document. Each bare `&` becomes `&amp;` (outside CDATA).
//!
//! And, for a document that parses but yields no entries
//! ([`repair_empty`]): the namespaces of dead formats feed-rs does not know,
//! renamed to their successors — Atom 0.3 (`http://purl.org/atom/ns#`, 23
//! corpus files), RSS 0.90 (`http://my.netscape.com/rdf/simple/0.9/`, which
//! heise.de still serves: `miniflux/parser/rdf_UTF8.xml`, 60 items) and
//! Userland's short-lived RSS 2.0 namespace. Their elements are close enough
//! for entries, titles and links; Atom 0.3 dates (`issued`, `modified`) are
//! not read, so those entries get the first-seen date.

use feed_rs::parser::{ParseErrorKind, ParseFeedError};

/// `text` without any XML declaration (`<?xml …?>` outside comments and
/// CDATA), wherever it stands.
///
/// Text reaches feed-rs already decoded to UTF-8, but feed-rs's reader
/// (quick-xml's `DecodingReader`) still switches its decoder when it meets a
/// declaration naming another encoding: within its first bytes it decodes
/// our UTF-8 as that encoding (mojibake: `<!-- c --><?xml … encoding=
/// "windows-1251"?>` turns "Новости" into "РќРѕРІРѕСЃС‚Рё"), and later in the
/// document it panics ("set_encoding() called after prefix buffer was
/// drained", quick-xml 0.42; raw `feedparser/encoding/utf-16be-bom.xml`
/// triggers it too). A declaration anywhere but at the very start is
/// ill-formed anyway (XML 1.0 §2.8), so dropping every one loses nothing.
pub fn without_declarations(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("<?xml") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("<") {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let skip = if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(rest.len(), |e| e + 3);
            out.push_str(&rest[..end]);
            end
        } else if rest.starts_with("<![CDATA[") {
            let end = rest.find("]]>").map_or(rest.len(), |e| e + 3);
            out.push_str(&rest[..end]);
            end
        } else if rest.starts_with("<?xml")
            && rest[5..]
                .chars()
                .next()
                .is_none_or(|c| c.is_ascii_whitespace() || c == '?')
        {
            // Dropped: up to its `?>`, or to the end of a truncated one.
            rest.find("?>").map_or(rest.len(), |e| e + 2)
        } else {
            out.push('<');
            1
        };
        rest = &rest[skip..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The text repaired for the error feed-rs reported, or `None`.
pub fn repair(text: &str, error: &ParseFeedError) -> Option<String> {
    match error {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => rss_version(text),
        ParseFeedError::JsonUnsupportedVersion(version) => json_version(text, version),
        ParseFeedError::JsonSerde(_) => json_shapes(text),
        ParseFeedError::XmlReader(_) => escape_bare_ampersands(text),
        _ => None,
    }
}

/// Namespaces of formats feed-rs does not read, and what to read them as.
const LEGACY_NAMESPACES: [(&str, &str); 3] = [
    ("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom"),
    (
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://purl.org/rss/1.0/",
    ),
    // RSS 2.0 has no namespace; Userland gave it one in 2002 and withdrew it.
    ("http://backend.userland.com/rss2", ""),
];

/// The text with legacy namespaces renamed, for a document that parsed
/// without entries; `None` when it uses none of them.
pub fn repair_empty(text: &str) -> Option<String> {
    let is_atom03 = text.contains("\"http://purl.org/atom/ns#\"")
        || text.contains("'http://purl.org/atom/ns#'");
    let atom03_types = is_atom03.then(|| atom03_text_types(text));
    let text = atom03_types.as_deref().unwrap_or(text);
    let mut repaired: Option<String> = None;
    for (old, new) in LEGACY_NAMESPACES {
        for quote in ['"', '\''] {
            let quoted = format!("{quote}{old}{quote}");
            let current = repaired.as_deref().unwrap_or(text);
            if current.contains(&quoted) {
                repaired = Some(current.replace(&quoted, &format!("{quote}{new}{quote}")));
            }
        }
    }
    repaired
}

/// Elements whose `type` is a text construct's in Atom 1.0 but a MIME type
/// in Atom 0.3.
const ATOM03_TEXT_ELEMENTS: [&str; 7] = [
    "title",
    "subtitle",
    "tagline",
    "summary",
    "content",
    "copyright",
    "info",
];

/// Atom 0.3 text constructs name MIME types (`type="text/html"` with
/// `mode="escaped"`, `type="application/xhtml+xml"` with `mode="xml"`),
/// which Atom 1.0 parsers refuse; these become `html`, `xhtml` and `text`.
/// Links keep their MIME `type`, which Atom 1.0 also uses.
fn atom03_text_types(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find('>').map_or(rest.len(), |e| e + 1);
        let tag = &rest[..end];
        let name: String = tag[1..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == ':')
            .collect();
        if ATOM03_TEXT_ELEMENTS.contains(&name.as_str()) {
            let mut fixed = tag.to_string();
            for (mime, kind) in [
                ("application/xhtml+xml", "xhtml"),
                ("text/html", "html"),
                ("text/plain", "text"),
            ] {
                for quote in ['"', '\''] {
                    fixed = fixed.replace(
                        &format!("type={quote}{mime}{quote}"),
                        &format!("type={quote}{kind}{quote}"),
                    );
                }
            }
            out.push_str(&fixed);
        } else {
            out.push_str(tag);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Every `&` that does not start a character or entity reference, as
/// `&amp;`; CDATA sections are left alone (a raw `&` is fine there).
fn escape_bare_ampersands(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.find(['&', '<']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            let end = cdata.find("]]>").map_or(cdata.len(), |e| e + 3);
            out.push_str("<![CDATA[");
            out.push_str(&cdata[..end]);
            rest = &cdata[end..];
        } else if rest.starts_with('<') {
            out.push('<');
            rest = &rest[1..];
        } else {
            if !starts_reference(rest) {
                out.push_str("&amp;");
                changed = true;
            } else {
                out.push('&');
            }
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Whether `text` (starting with '&') starts `&name;`, `&#123;` or `&#x1F;`.
fn starts_reference(text: &str) -> bool {
    let body = &text[1..];
    let end = match body.find(';') {
        Some(end) if end > 0 && end <= 32 => end,
        _ => return false,
    };
    let name = &body[..end];
    if let Some(number) = name.strip_prefix('#') {
        return match number.strip_prefix(['x', 'X']) {
            Some(hex) => !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()),
            None => !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
        };
    }
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
}

/// JSON Feed items with `tags` as a string ("a,b") or `authors` /
/// `attachments` as one object, rewritten as the arrays the spec requires.
fn json_shapes(text: &str) -> Option<String> {
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut changed = false;
    let items = value.get_mut("items")?.as_array_mut()?;
    for item in items.iter_mut().filter_map(|i| i.as_object_mut()) {
        if let Some(tags) = item.get_mut("tags")
            && let Some(joined) = tags.as_str()
        {
            let split: Vec<serde_json::Value> = joined
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| serde_json::Value::String(t.to_string()))
                .collect();
            *tags = serde_json::Value::Array(split);
            changed = true;
        }
        for field in ["authors", "attachments"] {
            if let Some(single) = item.get_mut(field)
                && single.is_object()
            {
                *single = serde_json::Value::Array(vec![single.take()]);
                changed = true;
            }
        }
    }
    if changed {
        serde_json::to_string(&value).ok()
    } else {
        None
    }
}

/// Versions feed-rs dispatches on (`parser::Parser::parse_xml`).
const KNOWN_RSS_VERSIONS: [&str; 4] = ["2.0", "0.91", "0.92", ""];

/// Gives the `<rss>` root a version feed-rs reads: "2.0", which is what
/// RSS 0.93/0.94 became and what feedparser assumes for a missing one.
fn rss_version(text: &str) -> Option<String> {
    let start = root_start(text)?;
    let tag_end = start + text[start..].find('>')?;
    let tag = &text[start..tag_end];
    let name_end = tag[1..]
        .find(|c: char| c.is_whitespace() || c == '/')
        .map_or(tag.len(), |p| p + 1);
    if &tag[1..name_end] != "rss" {
        return None;
    }
    let attributes = &tag[name_end..];
    let at = start + name_end;
    let mut repaired = String::with_capacity(text.len() + 32);
    let version_known = match attribute_span(attributes, "version") {
        Some((value_start, value_end)) => {
            let value = &attributes[value_start..value_end];
            if KNOWN_RSS_VERSIONS.contains(&value.trim()) {
                repaired.push_str(&text[..tag_end]);
                true
            } else {
                repaired.push_str(&text[..at + value_start]);
                repaired.push_str("2.0");
                repaired.push_str(&text[at + value_end..tag_end]);
                false
            }
        }
        None => {
            repaired.push_str(&text[..at]);
            repaired.push_str(" version=\"2.0\"");
            repaired.push_str(&text[at..tag_end]);
            false
        }
    };
    // `<rss>` with items but no `<channel>` (or nothing at all, a site's
    // "no news yet"): read as one channel rather than "no root element".
    let rest = &text[tag_end..];
    let self_closing = tag.ends_with('/');
    let close = rest.rfind("</rss>");
    match (text.contains("<channel"), self_closing, close) {
        (false, false, Some(close)) => {
            repaired.push('>');
            repaired.push_str("<channel>");
            repaired.push_str(&rest[1..close]);
            repaired.push_str("</channel>");
            repaired.push_str(&rest[close..]);
        }
        _ if version_known => return None,
        _ => repaired.push_str(rest),
    }
    Some(repaired)
}

/// Byte offset of the root element's `<`, after comments, processing
/// instructions and a DOCTYPE.
fn root_start(text: &str) -> Option<usize> {
    let mut position = 0;
    loop {
        let rest = &text[position..];
        let offset = rest.find('<')?;
        let at = position + offset;
        let tail = &text[at..];
        let skip_to = if tail.starts_with("<?") {
            tail.find("?>").map(|e| e + 2)
        } else if tail.starts_with("<!--") {
            tail.find("-->").map(|e| e + 3)
        } else if tail.starts_with("<!") {
            // A DOCTYPE; an internal subset was refused before parsing.
            tail.find('>').map(|e| e + 1)
        } else {
            return Some(at);
        };
        position = at + skip_to?;
    }
}

/// The byte range of attribute `name`'s value (inside the quotes) within a
/// tag's attribute text.
fn attribute_span(attributes: &str, name: &str) -> Option<(usize, usize)> {
    let mut search = 0;
    while let Some(found) = attributes[search..].find(name) {
        let at = search + found;
        search = at + name.len();
        let before_ok = at == 0 || attributes[..at].ends_with(char::is_whitespace);
        let after = attributes[search..].trim_start();
        let Some(after_eq) = after.strip_prefix('=') else {
            continue;
        };
        if !before_ok {
            continue;
        }
        let value = after_eq.trim_start();
        let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let value_start = attributes.len() - value.len() + 1;
        let value_end = value_start + value[1..].find(quote)?;
        return Some((value_start, value_end));
    }
    None
}

/// Rewrites a JSON Feed's version to the https form feed-rs requires, when
/// it names JSON Feed 1.x in another spelling.
fn json_version(text: &str, version: &str) -> Option<String> {
    let trimmed = version.trim();
    let is_jsonfeed_1 =
        trimmed.contains("jsonfeed.org/version/1") || matches!(trimmed, "1" | "1.0" | "1.1");
    if !is_jsonfeed_1 {
        return None;
    }
    let fixed = if trimmed.ends_with("1.1") {
        "https://jsonfeed.org/version/1.1"
    } else {
        "https://jsonfeed.org/version/1"
    };
    let mut value: serde_json::Value = serde_json::from_str(text).ok()?;
    value
        .as_object_mut()?
        .insert("version".into(), serde_json::Value::String(fixed.into()));
    serde_json::to_string(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_root() -> ParseFeedError {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot)
    }

    #[test]
    fn an_rss_root_without_a_version_is_read_as_rss_2() {
        let text = "<!-- c --><?xml-stylesheet href='x'?>\n<rss><channel><item><title>a</title></item></channel></rss>";
        let repaired = repair(text, &no_root()).expect("repaired");
        assert!(
            repaired.contains("<rss version=\"2.0\"><channel>"),
            "{repaired}"
        );
        let feed = feed_rs::parser::parse(repaired.as_bytes()).expect("parses after repair");
        assert_eq!(feed.entries.len(), 1);
    }

    #[test]
    fn an_unknown_rss_version_becomes_2_0_and_known_ones_are_left_alone() {
        let text = "<rss version='0.93' xmlns:dc='x'><channel><item><title>a</title></item></channel></rss>";
        let repaired = repair(text, &no_root()).expect("repaired");
        assert!(
            repaired.starts_with("<rss version='2.0' xmlns:dc='x'>"),
            "{repaired}"
        );
        assert_eq!(
            feed_rs::parser::parse(repaired.as_bytes())
                .map(|f| f.entries.len())
                .ok(),
            Some(1)
        );
        assert_eq!(
            repair("<rss version=\"2.0\"><channel/></rss>", &no_root()),
            None
        );
        assert_eq!(repair("<html><body/></html>", &no_root()), None);
        assert_eq!(repair("<rssfeed/>", &no_root()), None);
        assert_eq!(repair("", &no_root()), None);
    }

    #[test]
    fn declarations_anywhere_are_dropped_but_comments_cdata_and_stylesheets_kept() {
        let text = "<!-- <?xml version='1.0'?> --><?xml version=\"1.0\" encoding=\"windows-1251\"?>\
                    <?xml-stylesheet href=\"s.xsl\"?><rss><![CDATA[<?xml x?>]]><?xml version='1.0' encoding='utf-16'?></rss>";
        assert_eq!(
            without_declarations(text),
            "<!-- <?xml version='1.0'?> --><?xml-stylesheet href=\"s.xsl\"?><rss><![CDATA[<?xml x?>]]></rss>"
        );
        assert!(matches!(
            without_declarations("<rss/>"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(without_declarations("<rss><?xml "), "<rss>");
    }

    #[test]
    fn bare_ampersands_are_escaped_outside_cdata_and_references_are_kept() {
        let text = "<rss version=\"2.0\"><channel><title>Fish & Chips &amp; more &#38; &#x26; &copy;</title>\
                    <item><title>a</title><link>http://example/?a=1&b=2</link>\
                    <description><![CDATA[raw & kept]]></description></item></channel></rss>";
        let error = feed_rs::parser::parse(text.as_bytes()).expect_err("ill-formed");
        let repaired = repair(text, &error).expect("repaired");
        assert!(
            repaired.contains("Fish &amp; Chips &amp; more &#38; &#x26; &copy;"),
            "{repaired}"
        );
        assert!(repaired.contains("?a=1&amp;b=2"));
        assert!(repaired.contains("<![CDATA[raw & kept]]>"));
        let feed = feed_rs::parser::parse(repaired.as_bytes()).expect("parses after repair");
        assert_eq!(feed.entries[0].links[0].href, "http://example/?a=1&b=2");
        assert_eq!(escape_bare_ampersands("no ampersand"), None);
        assert_eq!(escape_bare_ampersands("&amp; &lt;"), None);
    }

    #[test]
    fn legacy_namespaces_are_renamed_for_documents_without_entries() {
        let atom03 = "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><entry>\
                      <title type=\"application/xhtml+xml\" mode=\"xml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">t</div></title>\
                      <link rel=\"alternate\" type=\"text/html\" href=\"http://example/t\"/></entry></feed>";
        assert_eq!(
            feed_rs::parser::parse(atom03.as_bytes())
                .expect("parses")
                .entries
                .len(),
            0
        );
        let repaired = repair_empty(atom03).expect("repaired");
        assert_eq!(
            feed_rs::parser::parse(repaired.as_bytes())
                .expect("parses")
                .entries
                .len(),
            1
        );
        let rss090 = "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
                      xmlns='http://my.netscape.com/rdf/simple/0.9/'><channel><title>c</title></channel>\
                      <item><title>i</title><link>http://example/i</link></item></rdf:RDF>";
        let repaired = repair_empty(rss090).expect("repaired");
        assert_eq!(
            feed_rs::parser::parse(repaired.as_bytes())
                .expect("parses")
                .entries
                .len(),
            1
        );
        assert_eq!(repair_empty("<rss version=\"2.0\"><channel/></rss>"), None);
    }

    #[test]
    fn json_feed_tags_written_as_one_string_become_an_array() {
        let text = r#"{"version": "https://jsonfeed.org/version/1", "title": "t", "items": [
            {"id": "1", "content_text": "x", "tags": "workflow,omnifocus"},
            {"id": "2", "content_text": "y", "tags": "", "authors": {"name": "A"}}]}"#;
        let error = feed_rs::parser::parse(text.as_bytes()).expect_err("tags is not an array");
        let repaired = repair(text, &error).expect("repaired");
        let feed = feed_rs::parser::parse(repaired.as_bytes()).expect("parses after repair");
        assert_eq!(feed.entries.len(), 2);
        let tags: Vec<&str> = feed.entries[0]
            .categories
            .iter()
            .map(|c| c.term.as_str())
            .collect();
        assert_eq!(tags, ["workflow", "omnifocus"]);
    }

    #[test]
    fn json_feed_versions_in_other_spellings_are_normalised() {
        let text = r#"{"version": "http://jsonfeed.org/version/1", "title": "t", "items": [{"id": "1", "content_text": "x"}]}"#;
        let error = ParseFeedError::JsonUnsupportedVersion("http://jsonfeed.org/version/1".into());
        let repaired = repair(text, &error).expect("repaired");
        let feed = feed_rs::parser::parse(repaired.as_bytes()).expect("parses after repair");
        assert_eq!(feed.entries.len(), 1);
        let other = ParseFeedError::JsonUnsupportedVersion("https://example.com/v9".into());
        assert_eq!(repair(text, &other), None);
    }
}

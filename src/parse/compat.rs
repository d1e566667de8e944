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

use feed_rs::parser::{ParseErrorKind, ParseFeedError};

/// The text repaired for the error feed-rs reported, or `None`.
pub fn repair(text: &str, error: &ParseFeedError) -> Option<String> {
    match error {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => rss_version(text),
        ParseFeedError::JsonUnsupportedVersion(version) => json_version(text, version),
        _ => None,
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
    let mut repaired = String::with_capacity(text.len() + 16);
    match attribute_span(attributes, "version") {
        Some((value_start, value_end)) => {
            let value = &attributes[value_start..value_end];
            if KNOWN_RSS_VERSIONS.contains(&value.trim()) {
                return None;
            }
            let at = start + name_end;
            repaired.push_str(&text[..at + value_start]);
            repaired.push_str("2.0");
            repaired.push_str(&text[at + value_end..]);
        }
        None => {
            let at = start + name_end;
            repaired.push_str(&text[..at]);
            repaired.push_str(" version=\"2.0\"");
            repaired.push_str(&text[at..]);
        }
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

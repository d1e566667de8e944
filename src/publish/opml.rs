//! The subscription list: every topic feed (and the feed of everything) as
//! OPML 2.0, for one-click import into a reader.
//!
//! Pure: topics and the public address in, a document out. One outline per
//! feed, pointing at its Atom form — readers that import OPML subscribe to
//! every outline, so listing all three formats would subscribe three times.

use url::Url;

use super::feeds::Format;
use super::index::escape;
use super::{ALL_SLUG, TopicInfo, feed_url};

/// The media type readers' importers accept; `text/x-opml` is what OPML
/// files are served as in practice (there is no registered type).
pub const CONTENT_TYPE: &str = "text/x-opml; charset=utf-8";

pub fn render(topics: &[TopicInfo], base_url: &Url) -> String {
    let all = TopicInfo {
        slug: ALL_SLUG.to_string(),
        title: "All stories".to_string(),
    };
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
        "<opml version=\"2.0\">\n<head>\n<title>feedsieve topics</title>\n"
    ));
    out.push_str(&format!(
        "<ownerId>{}</ownerId>\n</head>\n<body>\n",
        xml_escape(base_url.as_str())
    ));
    for t in topics.iter().chain(std::iter::once(&all)) {
        let Some(url) = feed_url(base_url, &t.slug, Format::Atom) else {
            continue;
        };
        out.push_str(&format!(
            "<outline type=\"rss\" text=\"{title}\" title=\"{title}\" xmlUrl=\"{url}\" htmlUrl=\"{home}\"/>\n",
            title = xml_escape(&t.title),
            url = xml_escape(url.as_str()),
            home = xml_escape(base_url.as_str()),
        ));
    }
    out.push_str("</body>\n</opml>\n");
    out
}

/// HTML escaping, minus the characters XML 1.0 forbids outright (C0
/// controls other than tab and newlines), which no escape can carry.
fn xml_escape(s: &str) -> String {
    escape(s)
        .chars()
        .filter(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_escaped_and_control_characters_dropped() {
        let topics = [TopicInfo {
            slug: "a".into(),
            title: "Peace & \"talks\" <now>\u{1}".into(),
        }];
        let out = render(&topics, &Url::parse("http://h.test/").unwrap());
        assert!(out.contains(
            "text=\"Peace &amp; &quot;talks&quot; &lt;now&gt;\" title=\"Peace &amp; &quot;talks&quot; &lt;now&gt;\" xmlUrl=\"http://h.test/feeds/a.atom\""
        ));
        assert!(out.contains("xmlUrl=\"http://h.test/feeds/all.atom\""));
        assert!(!out.contains('\u{1}'));
    }
}

//! The index page: topics with subscribe links, sources with their status,
//! and the latest stories. Plain server-rendered HTML that reads well on a
//! phone; every value from the outside world is escaped.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};

use url::Url;

use super::feeds::ItemView;
use super::{ALL_SLUG, TopicInfo};
use crate::model::StoredItem;
use crate::store::SourceStatus;

pub fn render(
    topics: &[TopicInfo],
    counts: &HashMap<String, u64>,
    sources: &[SourceStatus],
    recent: &[StoredItem],
    now: DateTime<Utc>,
) -> String {
    let all = TopicInfo {
        slug: ALL_SLUG.to_string(),
        title: "All stories".to_string(),
    };
    let feeds: Vec<&TopicInfo> = topics.iter().chain(std::iter::once(&all)).collect();

    let mut h = String::with_capacity(16 * 1024);
    h.push_str(concat!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<title>feedsieve</title>\n"
    ));
    // Autodiscovery: a reader given this page's address finds the feeds.
    for t in &feeds {
        let _ = writeln!(
            h,
            "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{}\" href=\"feeds/{}.atom\">",
            escape(&t.title),
            escape(&t.slug)
        );
    }
    h.push_str(concat!(
        "<style>",
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.4}",
        "table{border-collapse:collapse;width:100%;font-size:.9rem}",
        "td,th{text-align:left;padding:.3rem;border-bottom:1px solid #ddd;vertical-align:top}",
        ".err{color:#a00}.ok{color:#070}li{margin:.4rem 0}a{overflow-wrap:anywhere}",
        ".feeds a{display:inline-block;padding:.1rem .4rem;border:1px solid #ccd;border-radius:.3rem;margin:.1rem 0;text-decoration:none}",
        // On a phone each source becomes a block of labelled lines instead
        // of a table too wide to read.
        "@media (max-width:40rem){table,tbody,tr,td{display:block}tr:first-child{display:none}",
        "tr{border-bottom:1px solid #ccc;padding:.4rem 0}td{border:0;padding:.1rem 0}",
        "td[data-label]::before{content:attr(data-label) \": \";color:#666}}",
        "</style></head><body>\n<h1>feedsieve</h1>\n"
    ));

    h.push_str("<h2>Topics</h2>\n<ul id=\"topics\">\n");
    for t in &feeds {
        let count = if t.slug == ALL_SLUG {
            sources.iter().map(|s| s.articles).sum()
        } else {
            counts.get(&t.slug).copied().unwrap_or(0)
        };
        let slug = escape(&t.slug);
        let _ = writeln!(
            h,
            "<li><strong>{}</strong> ({count} articles)<br><span class=\"feeds\">\
             <a href=\"feeds/{slug}.atom\">Atom</a> <a href=\"feeds/{slug}.rss\">RSS</a> \
             <a href=\"feeds/{slug}.json\">JSON Feed</a></span></li>",
            escape(&t.title)
        );
    }
    h.push_str("</ul>\n<p>Subscribe to all topics at once: <a href=\"opml\">OPML list</a>.</p>\n");

    h.push_str(
        "<h2>Sources</h2>\n<table id=\"sources\"><tr><th>Source</th><th>Status</th>\
         <th>Last fetch</th><th>Last success</th><th>Next poll</th><th>Articles</th>\
         <th>Extraction failures</th></tr>\n",
    );
    for s in sources {
        let status = match (s.enabled, s.last_status.as_deref()) {
            (false, _) => "<span>disabled</span>".to_string(),
            (true, None) => "<span>not fetched yet</span>".to_string(),
            (true, Some("error")) => format!(
                "<span class=\"err\">error ({} in a row): {}</span>",
                s.error_count,
                escape(s.last_error.as_deref().unwrap_or(""))
            ),
            (true, Some("gone")) => format!(
                "<span class=\"err\">gone, not polled: {}</span>",
                escape(s.last_error.as_deref().unwrap_or(""))
            ),
            (true, Some(other)) => format!("<span class=\"ok\">{}</span>", escape(other)),
        };
        // Where the feed is really polled, when a permanent redirect or a
        // page's feed link changed it.
        let polled_at = match (&s.fetch_url, s.fetch_url_reason.as_deref()) {
            (Some(u), reason) => format!(
                "<br><small>polled at <a href=\"{u}\">{u}</a> ({})</small>",
                match reason {
                    Some("discovered") => "the feed this page links to",
                    _ => "moved permanently",
                },
                u = escape(u),
            ),
            (None, _) => String::new(),
        };
        let next = match (s.next_fetch.filter(|_| s.enabled), s.interval) {
            (None, _) => "—".to_string(),
            (Some(t), None) => when(t, now),
            (Some(t), Some(every)) => format!(
                "{} <small>(every {})</small>",
                when(t, now),
                span(i64::try_from(every.as_secs()).unwrap_or(i64::MAX))
            ),
        };
        let _ = writeln!(
            h,
            "<tr><td><a href=\"{}\">{}</a>{polled_at}</td><td data-label=\"Status\">{status}</td>\
             <td data-label=\"Last fetch\">{}</td><td data-label=\"Last success\">{}</td>\
             <td data-label=\"Next poll\">{next}</td><td data-label=\"Articles\">{}</td>\
             <td data-label=\"Extraction failures\">{}</td></tr>",
            escape(&s.url),
            escape(&s.name),
            ago(s.last_fetch, now),
            ago(s.last_success, now),
            s.articles,
            s.extraction_failures
        );
    }
    h.push_str("</table>\n");

    h.push_str("<h2>Latest stories</h2>\n<ul id=\"latest\">\n");
    for it in recent {
        let title = escape(&it.title);
        let linked = match it.url.as_deref().filter(|u| u.starts_with("http")) {
            Some(u) => format!("<a href=\"{}\">{title}</a>", escape(u)),
            None => format!("<a href=\"items/{}\">{title}</a>", it.id.0),
        };
        let _ = writeln!(
            h,
            "<li>{linked} <small>— {}, {}</small></li>",
            escape(&it.source_name),
            it.published.format("%Y-%m-%d %H:%M UTC")
        );
    }
    h.push_str(
        "</ul>\n<p><small><a href=\"healthz\">health</a> · <a href=\"metrics\">metrics</a></small></p>\n</body></html>\n",
    );
    h
}

/// The page of one item: its title, source, date and content as its
/// source's republishing policy allows.
pub fn render_item(item: &StoredItem, home_url: &Url) -> String {
    // Stored HTML is sanitized before it is stored.
    let view = ItemView::of(home_url, item);
    let mut h = String::with_capacity(view.content_html.len() + 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:42rem;\
         margin:auto;padding:1rem;line-height:1.5}}img{{max-width:100%}}</style></head><body>\n\
         <p><a href=\"../\">feedsieve</a></p><h1>{title}</h1>\n<p><small>{source}, {date}</small></p>\n{html}\n</body></html>\n",
        title = escape(&item.title),
        source = escape(&item.source_name),
        date = item.published.format("%Y-%m-%d %H:%M UTC"),
        html = view.content_html,
    );
    h
}

/// Escapes text for an HTML element or a double-quoted attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn ago(t: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    match t {
        None => "never".to_string(),
        Some(t) => format!("{} ago", span((now - t).num_seconds().max(0))),
    }
}

fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let s = (t - now).num_seconds();
    if s <= 0 {
        "due now".to_string()
    } else {
        format!("in {}", span(s))
    }
}

fn span(s: i64) -> String {
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralizes_markup_and_attribute_breaks() {
        assert_eq!(
            escape(r#"<script>"x" & 'y'"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn a_failing_source_shows_its_error_escaped() {
        let s = SourceStatus {
            name: "Bad <b>".into(),
            url: "https://bad.example/feed".into(),
            enabled: true,
            last_fetch: None,
            last_success: None,
            last_status: Some("error".into()),
            last_error: Some("HTTP 404 <oops>".into()),
            error_count: 3,
            next_fetch: None,
            articles: 0,
            extraction_failures: 0,
            fetch_url: Some("https://bad.example/new-feed?a=1&b=2".into()),
            fetch_url_reason: Some("moved".into()),
            interval: None,
        };
        let html = render(&[], &HashMap::new(), &[s], &[], Utc::now());
        assert!(html.contains("error (3 in a row): HTTP 404 &lt;oops&gt;"));
        assert!(html.contains("Bad &lt;b&gt;"));
        assert!(
            html.contains("polled at <a href=\"https://bad.example/new-feed?a=1&amp;b=2\">"),
            "{html}"
        );
        assert!(html.contains("(moved permanently)"));
    }
}

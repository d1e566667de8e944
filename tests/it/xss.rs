//! Sanitization end to end: the XSS corpus (tests/fixtures/xss) goes in
//! through feeds and article pages, and nothing that could run comes out —
//! not in the Atom, RSS or JSON Feed output, not in the stored HTML, not on
//! the index page or an item's page. Output is judged after parsing it back
//! (feed-rs for the feeds, html5ever for the HTML inside them), the way a
//! reader would see it.

use feedsieve::extract;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::active_content::{in_fragment, in_page, is_safe_url};
use crate::support::{TestApp, fixture_dir, serve_fixture};

/// The payloads of tests/fixtures/xss/payloads.txt.
fn payloads() -> Vec<String> {
    std::fs::read_to_string(fixture_dir().join("../xss/payloads.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Long enough to be the page's main text, whatever the payload.
const PROSE: &str = "Переговоры в Астане продолжились во вторник. Делегации обсудили \
    прекращение огня, обмен пленными и гуманитарные коридоры; посредники отметили, \
    что стороны впервые согласовали повестку заранее и договорились встретиться снова.";

/// An article page with `payload` inside its main text.
fn page(i: usize, payload: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Статья {i}</title></head>\
         <body><nav><a href=\"/\">Главная</a></nav><article><h1>Статья {i}</h1>\
         <p>{PROSE}</p><p>{payload}</p><p>{PROSE}</p><div>{payload}</div><p>{PROSE}</p>\
         </article></body></html>"
    )
}

/// An RSS feed with one item per payload: the payload as the title and as
/// the description; links to the item's page at `base`.
fn payload_feed(base: &str, name: &str) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <!-- Every payload of payloads.txt as an item's title and description. -->\n\
         <rss version=\"2.0\"><channel><title>{name}</title><link>{base}/</link>\
         <description>x</description>"
    );
    for (i, p) in payloads().iter().enumerate() {
        xml.push_str(&format!(
            "<item><title>{} {i}</title><link>{base}/xss/{i}.html</link><guid>{name}-{i}</guid>\
             <pubDate>Tue, 05 Mar 2024 09:{:02}:00 GMT</pubDate><description>{}</description></item>",
            xml_escape(p),
            i % 60,
            xml_escape(&format!("<p>Кратко {i}.</p>{p}")),
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

#[test]
fn every_payload_is_harmless_after_sanitizing_feed_html() {
    let base = Url::parse("https://news.example.kz/a/1").unwrap();
    let mut failures = Vec::new();
    for p in payloads() {
        let clean = extract::sanitize(&p, Some(&base));
        let problems = in_fragment(&clean);
        if !problems.is_empty() {
            failures.push(format!("{p}\n  → {clean}\n  {problems:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_payload_is_harmless_after_extracting_an_article_page() {
    let url = Url::parse("https://news.example.kz/a/1").unwrap();
    let mut failures = Vec::new();
    for (i, p) in payloads().iter().enumerate() {
        let article = extract::article(&page(i, p), &url, &extract::Rules::none())
            .unwrap_or_else(|e| panic!("payload {i} ({p}): {e}"));
        let problems = in_fragment(&article.html);
        if !problems.is_empty() {
            failures.push(format!("{p}\n  → {}\n  {problems:?}", article.html));
        }
        assert!(article.text.contains("Переговоры в Астане"), "payload {i}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Checks one served feed: every item's HTML, every link, and the titles.
fn check_feed(route: &str, body: &[u8], problems: &mut Vec<String>) -> usize {
    let feed = feed_rs::parser::parse(body).unwrap_or_else(|e| panic!("{route}: {e}"));
    for link in feed.links.iter() {
        if !is_safe_url(&link.href) {
            problems.push(format!("{route}: feed link {}", link.href));
        }
    }
    for entry in &feed.entries {
        // A summary declared plain text (JSON Feed's `summary`, Atom's
        // type="text") is text: "<script>" in it is four characters.
        let html = [
            entry.content.as_ref().and_then(|c| c.body.clone()),
            entry
                .summary
                .as_ref()
                .filter(|s| s.content_type.subty() != "plain")
                .map(|s| s.content.clone()),
        ];
        for h in html.iter().flatten() {
            for p in in_fragment(h) {
                problems.push(format!("{route}: item {}: {p}", entry.id));
            }
        }
        if let Some(t) = &entry.title
            && t.content_type.subty() != "plain"
        {
            for p in in_fragment(&t.content) {
                problems.push(format!("{route}: title of {}: {p}", entry.id));
            }
        }
        for link in &entry.links {
            if !is_safe_url(&link.href) {
                problems.push(format!("{route}: item {} links to {}", entry.id, link.href));
            }
        }
        for media in &entry.media {
            for c in &media.content {
                if let Some(u) = &c.url
                    && !is_safe_url(u.as_str())
                {
                    problems.push(format!("{route}: item {} media {u}", entry.id));
                }
            }
        }
    }
    // xml:base applies to every relative link under it; feed-rs resolves
    // it away, so look at the raw document.
    let text = String::from_utf8_lossy(body);
    for (at, _) in text.match_indices("xml:base=\"") {
        let value = &text[at + 10..];
        let value = &value[..value.find('"').unwrap_or(0)];
        if !is_safe_url(value) {
            problems.push(format!("{route}: xml:base={value:?}"));
        }
    }
    feed.entries.len()
}

#[tokio::test]
async fn no_active_content_reaches_any_output_format_the_store_or_the_html_pages() {
    let app = TestApp::spawn(
        r#"
[[source]]
name = "XSS RSS"
url = "{{BASE}}/xss.rss"
full_text = false

[[source]]
name = "XSS Atom"
url = "{{BASE}}/xss.atom"
full_text = false

[[source]]
name = "XSS JSON"
url = "{{BASE}}/xss.json"
full_text = false

[[source]]
name = "Payloads in feed HTML"
url = "{{BASE}}/payloads-feed.rss"
full_text = false

[[source]]
name = "Payloads in pages"
url = "{{BASE}}/payloads-pages.rss"
full_text = true

[[topic]]
slug = "talks"
title = "Talks <script>alert('topic')</script>"
query = "переговоры кратко hello alert xss"
"#,
    )
    .await;
    let origin = &app.origin;
    serve_fixture(origin, "/xss.rss", "../xss/xss.rss", "application/rss+xml").await;
    serve_fixture(
        origin,
        "/xss.atom",
        "../xss/xss.atom",
        "application/atom+xml",
    )
    .await;
    serve_fixture(
        origin,
        "/xss.json",
        "../xss/xss.json",
        "application/feed+json",
    )
    .await;
    for (route, name) in [
        ("/payloads-feed.rss", "feed-html"),
        ("/payloads-pages.rss", "pages"),
    ] {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/rss+xml; charset=utf-8")
                    .set_body_string(payload_feed(&origin.uri(), name)),
            )
            .mount(origin)
            .await;
    }
    for (i, p) in payloads().iter().enumerate() {
        Mock::given(method("GET"))
            .and(path(format!("/xss/{i}.html")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/html; charset=utf-8")
                    .set_body_string(page(i, p)),
            )
            .mount(origin)
            .await;
    }

    let reports = app.fetch_pass().await;
    for r in &reports {
        assert!(
            matches!(r.outcome, feedsieve::refresh::Outcome::Updated { .. }),
            "{}: {:?}",
            r.source,
            r.outcome
        );
    }
    let payload_count = payloads().len();

    let mut problems = Vec::new();
    // The stored copy.
    let db = app.db();
    let mut rows = db.prepare("SELECT id, html FROM articles").unwrap();
    let stored: Vec<(i64, String)> = rows
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(stored.len() >= 2 * payload_count, "{} stored", stored.len());
    for (id, html) in &stored {
        for p in in_fragment(html) {
            problems.push(format!("stored article {id}: {p}"));
        }
    }
    // The extracted pages really were used (else the page path is untested).
    let extracted: i64 = db
        .query_row(
            "SELECT count(*) FROM articles WHERE html LIKE '%Переговоры в Астане%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        extracted as usize >= payload_count / 2,
        "{extracted} pages extracted"
    );

    let addr = app.serve().await;
    let client = reqwest::Client::new();
    let get = |route: String| {
        let client = client.clone();
        async move {
            let response = client
                .get(format!("http://{addr}{route}"))
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success(),
                "{route}: {}",
                response.status()
            );
            response.bytes().await.unwrap()
        }
    };
    let mut items = 0;
    for slug in ["all", "talks"] {
        for ext in ["atom", "rss", "json"] {
            let route = format!("/feeds/{slug}.{ext}");
            items += check_feed(&route, &get(route.clone()).await, &mut problems);
        }
    }
    assert!(items > 0);
    let index = get("/".to_string()).await;
    for p in in_page(&String::from_utf8_lossy(&index)) {
        problems.push(format!("index page: {p}"));
    }
    for (id, _) in stored.iter().take(40) {
        let route = format!("/items/{id}");
        let response = client
            .get(format!("http://{addr}{route}"))
            .send()
            .await
            .unwrap();
        if response.status().is_success() {
            for p in in_page(&response.text().await.unwrap()) {
                problems.push(format!("{route}: {p}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_itself_sees_what_a_browser_would_run() {
    // A checker that cannot fail proves nothing: each of these must be caught.
    for bad in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\" java\tscript:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<div style=\"width: expression(alert(1))\">x</div>",
        "<img srcset=\"javascript:alert(1) 1x\">",
        "<iframe srcdoc=\"x\"></iframe>",
        "<base href=\"https://evil.example/\">",
    ] {
        assert!(!in_fragment(bad).is_empty(), "not caught: {bad}");
    }
    for good in [
        "<p>Hi <a href=\"https://example.org/a:b\">a</a> <a href=\"/x:y\">rel</a></p>",
        "<img src=\"https://example.org/i.png\" alt=\"\"><a href=\"mailto:x@example.org\">m</a>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
    ] {
        assert_eq!(in_fragment(good), Vec::<String>::new(), "{good}");
    }
}

//! Publishing: what feed readers, people and monitoring get from the HTTP
//! server — cached and compressed feeds, conditional requests, paging,
//! republishing policies, OPML, the index page, /healthz, /metrics and
//! WebSub — against the real server on 127.0.0.1, read back with parsers.

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;

use feedsieve::refresh::Outcome;
use reqwest::header::{HeaderMap, HeaderValue};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, serve_fixture};

const SITE: &str = r#"
[[source]]
name = "Kazpravda"
url = "{{BASE}}/kazpravda.rss"
full_text = true

[[source]]
name = "Steppe Times"
url = "{{BASE}}/astana.atom"
full_text = false
republish = "excerpt"

[[source]]
name = "Steppe Wire"
url = "{{BASE}}/steppe.json"
full_text = false
republish = "link"

[[topic]]
slug = "mediation"
title = "Regional conflict mediation"
query = "переговор* посредни* mediation ceasefire"

[[topic]]
slug = "harvest"
title = "Harvest & grain"
query = "wheat grain яблок*"

[[topic]]
slug = "weather"
title = "Weather"
query = "погода мороз*"
"#;

/// Serves the fixture site (`steppe_wire` is the file behind
/// /steppe.json) on `origin`.
async fn serve_site(origin: &MockServer, steppe_wire: &str) {
    serve_fixture(
        origin,
        "/kazpravda.rss",
        "kazpravda.rss",
        "application/rss+xml",
    )
    .await;
    serve_fixture(
        origin,
        "/astana.atom",
        "astana.atom",
        "application/atom+xml",
    )
    .await;
    serve_fixture(origin, "/steppe.json", steppe_wire, "application/feed+json").await;
    for page in ["kp-1", "kp-2"] {
        serve_fixture(
            origin,
            &format!("/articles/{page}.html"),
            &format!("articles/{page}.html"),
            "text/html; charset=utf-8",
        )
        .await;
    }
}

async fn site() -> TestApp {
    let app = TestApp::spawn(SITE).await;
    serve_site(&app.origin, "steppe.json").await;
    app
}

/// A client that shows responses as sent: no automatic decompression.
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .build()
        .unwrap()
}

async fn get(addr: SocketAddr, route: &str) -> reqwest::Response {
    raw_client()
        .get(format!("http://{addr}{route}"))
        .send()
        .await
        .unwrap()
}

async fn get_with(addr: SocketAddr, route: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    raw_client()
        .get(format!("http://{addr}{route}"))
        .headers(map)
        .send()
        .await
        .unwrap()
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

async fn json(addr: SocketAddr, route: &str) -> serde_json::Value {
    let r = get(addr, route).await;
    assert_eq!(r.status(), 200, "{route}");
    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
}

fn titles(feed: &serde_json::Value) -> Vec<String> {
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

/// The samples of a Prometheus text exposition, by series (name and
/// labels as written).
fn prometheus_samples(text: &str) -> HashMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').unwrap();
            (series.to_string(), value.parse::<f64>().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn a_cached_feed_is_served_without_touching_the_database() {
    let app = site().await;
    app.fetch_pass().await;
    let addr = app.serve().await;
    let first = get(addr, "/feeds/mediation.atom").await;
    assert_eq!(first.status(), 200);
    let etag = header(&first, "etag").to_string();
    let body = first.bytes().await.unwrap();

    // Make every query of the publisher fail: no articles table.
    app.db()
        .execute_batch("ALTER TABLE articles RENAME TO articles_away")
        .unwrap();
    assert_eq!(
        get(addr, "/").await.status(),
        500,
        "the index reads the store"
    );
    for _ in 0..3 {
        let again = get(addr, "/feeds/mediation.atom").await;
        assert_eq!(again.status(), 200);
        assert_eq!(header(&again, "etag"), etag);
        assert_eq!(again.bytes().await.unwrap(), body);
    }
    // A document never rendered is not in the cache: it needs the store.
    assert_eq!(get(addr, "/feeds/mediation.rss").await.status(), 500);
    app.db()
        .execute_batch("ALTER TABLE articles_away RENAME TO articles")
        .unwrap();
    assert_eq!(get(addr, "/feeds/mediation.rss").await.status(), 200);

    let metrics = get(addr, "/metrics").await.text().await.unwrap();
    let m = prometheus_samples(&metrics);
    assert_eq!(m[r#"feedsieve_feed_requests_total{result="hit"}"#], 3.0);
    assert_eq!(m[r#"feedsieve_feed_requests_total{result="miss"}"#], 2.0);
}

#[tokio::test]
async fn new_items_replace_the_cached_feeds_of_their_topics_at_once() {
    let app = site().await;
    app.fetch_pass().await;
    let addr = app.serve().await;
    let before = json(addr, "/feeds/mediation.json").await;
    let harvest_before = get(addr, "/feeds/harvest.json").await;
    let harvest_modified = header(&harvest_before, "last-modified").to_string();
    let weather_before = get(addr, "/feeds/weather.json").await;
    let weather_etag = header(&weather_before, "etag").to_string();
    let all_before = json(addr, "/feeds/all.json").await;

    app.origin.reset().await;
    serve_site(&app.origin, "steppe-updated.json").await;
    let reports = app.fetch_pass().await;
    let wire = reports.iter().find(|r| r.source == "Steppe Wire").unwrap();
    assert!(
        matches!(&wire.outcome, Outcome::Updated { saved, .. } if saved.new == 2),
        "{wire:?}"
    );

    let after = json(addr, "/feeds/mediation.json").await;
    assert_eq!(
        titles(&after)[0],
        "Посредники представили план перемирия",
        "the new item is served without a restart"
    );
    assert_eq!(titles(&after)[1..], titles(&before)[..]);
    let all_after = json(addr, "/feeds/all.json").await;
    assert_eq!(titles(&all_after).len(), titles(&all_before).len() + 2);

    // A story filed late, with a date older than every other item, still
    // changes Last-Modified: a reader polling with If-Modified-Since gets it.
    let harvest_after = get_with(
        addr,
        "/feeds/harvest.json",
        &[("if-modified-since", &harvest_modified)],
    )
    .await;
    assert_eq!(harvest_after.status(), 200);
    let harvest: serde_json::Value =
        serde_json::from_slice(&harvest_after.bytes().await.unwrap()).unwrap();
    assert_eq!(
        titles(&harvest).last().map(String::as_str),
        Some("Grain harvest figures revised (filed late)")
    );

    // A topic that got nothing new keeps its document and validators, even
    // though its only item came from the source that was refreshed.
    let weather_after = get_with(
        addr,
        "/feeds/weather.json",
        &[("if-none-match", &weather_etag)],
    )
    .await;
    assert_eq!(weather_after.status(), 304);
}

#[tokio::test]
async fn feeds_are_served_compressed_conditionally_and_to_head_requests() {
    let app = site().await;
    app.fetch_pass().await;
    let addr = app.serve().await;
    let route = "/feeds/mediation.rss";

    let plain = get(addr, route).await;
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(header(&plain, "cache-control"), "public, max-age=60");
    assert_eq!(header(&plain, "vary"), "accept-encoding");
    let plain_etag = header(&plain, "etag").to_string();
    let last_modified = header(&plain, "last-modified").to_string();
    let identity = plain.bytes().await.unwrap();

    let gz = get_with(addr, route, &[("accept-encoding", "gzip, deflate")]).await;
    assert_eq!(header(&gz, "content-encoding"), "gzip");
    let gz_etag = header(&gz, "etag").to_string();
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..])
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, identity);

    let br = get_with(addr, route, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(header(&br, "content-encoding"), "br");
    let br_etag = header(&br, "etag").to_string();
    let compressed = br.bytes().await.unwrap();
    assert!(compressed.len() < identity.len() / 2);
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&compressed[..], 4096)
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, identity);

    // Each coding has its own ETag, and any of them proves the client has
    // the document.
    assert!(plain_etag != gz_etag && gz_etag != br_etag && plain_etag != br_etag);
    for etag in [&plain_etag, &gz_etag, &br_etag] {
        let r = get_with(
            addr,
            route,
            &[("if-none-match", etag), ("accept-encoding", "gzip")],
        )
        .await;
        assert_eq!(r.status(), 304, "{etag}");
        assert_eq!(header(&r, "etag"), gz_etag);
        assert!(r.bytes().await.unwrap().is_empty());
    }
    let r = get_with(addr, route, &[("if-modified-since", &last_modified)]).await;
    assert_eq!(r.status(), 304);

    let head = raw_client()
        .head(format!("http://{addr}{route}"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(header(&head, "etag"), plain_etag);
    assert!(header(&head, "content-type").starts_with("application/rss+xml"));
    assert_eq!(header(&head, "content-length"), identity.len().to_string());
    assert!(head.bytes().await.unwrap().is_empty());

    // The other pages are compressed by the middleware.
    let index = get_with(addr, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&index, "content-encoding"), "gzip");
}

#[tokio::test]
async fn paged_feeds_lead_through_every_item_once_by_their_next_links() {
    let app = site().await;
    app.fetch_pass().await;
    let addr = app.serve().await;
    let everything = json(addr, "/feeds/all.json").await;
    let all_ids: Vec<String> = everything["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all_ids.len(), 6);
    assert!(everything.get("next_url").is_none());

    // Atom, by rel="next" links, read with feed-rs.
    let mut seen = Vec::new();
    let mut url = format!("http://{addr}/feeds/all.atom?limit=4");
    let mut pages = 0;
    loop {
        pages += 1;
        let body = raw_client()
            .get(&url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap();
        assert_eq!(
            feed.id, "http://feeds.test/feeds/all.atom",
            "one logical feed"
        );
        assert!(feed.entries.len() <= 4);
        seen.extend(feed.entries.iter().map(|e| e.id.clone()));
        let next = feed.links.iter().find(|l| l.rel.as_deref() == Some("next"));
        match next {
            Some(l) => {
                let route = l.href.strip_prefix("http://feeds.test").unwrap();
                url = format!("http://{addr}{route}");
            }
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(seen, all_ids);

    // JSON Feed, by next_url, two at a time.
    let mut seen = Vec::new();
    let mut route = "/feeds/all.json?limit=2".to_string();
    loop {
        let page = json(addr, &route).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_string()),
        );
        match page["next_url"].as_str() {
            Some(next) => route = next.strip_prefix("http://feeds.test").unwrap().to_string(),
            None => break,
        }
    }
    assert_eq!(seen, all_ids);

    assert_eq!(
        titles(&json(addr, "/feeds/all.json?limit=100000").await).len(),
        6
    );
    for bad in ["limit=0", "limit=many", "before=yesterday"] {
        let r = get(addr, &format!("/feeds/all.atom?{bad}")).await;
        assert_eq!(r.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn each_source_is_republished_as_its_policy_allows() {
    let app = site().await;
    app.fetch_pass().await;
    let addr = app.serve().await;
    let feed = json(addr, "/feeds/all.json").await;
    let items = feed["items"].as_array().unwrap();
    let by_source = |name: &str| -> Vec<&serde_json::Value> {
        items
            .iter()
            .filter(|i| i["_feedsieve"]["source"]["title"] == name)
            .collect()
    };

    // Full (the default): the extracted article.
    let kp = by_source("Kazpravda");
    assert_eq!(kp.len(), 2);
    let kp1 = kp
        .iter()
        .find(|i| i["title"].as_str().unwrap().contains("переговоров"))
        .unwrap();
    assert!(
        kp1["content_html"]
            .as_str()
            .unwrap()
            .contains("выступал посредником в урегулировании")
    );
    assert!(kp1["summary"].as_str().is_some());

    // Excerpt: a short text and a link, not the article.
    let times = by_source("Steppe Times");
    let ceasefire = times
        .iter()
        .find(|i| i["title"].as_str().unwrap().contains("ceasefire"))
        .unwrap();
    let html = ceasefire["content_html"].as_str().unwrap();
    assert!(html.contains("Foreign ministers"), "{html}");
    assert!(!html.contains("<p>The mediation effort"), "{html}");
    assert!(
        html.contains("Read the full article at Steppe Times"),
        "{html}"
    );

    // Link: title and link only.
    for item in by_source("Steppe Wire") {
        let html = item["content_html"].as_str().unwrap();
        assert!(html.contains("Read the article at Steppe Wire"), "{html}");
        assert!(
            !html.contains("переговоры") && !html.contains("мороз"),
            "{html}"
        );
        assert!(item.get("summary").is_none());
    }
    // An item's own page follows the same policy.
    let wire_item = by_source("Steppe Wire")
        .into_iter()
        .find(|i| i["url"].as_str().unwrap().contains("/items/"))
        .unwrap();
    let route = wire_item["url"]
        .as_str()
        .unwrap()
        .strip_prefix("http://feeds.test")
        .unwrap()
        .to_string();
    let page = get(addr, &route).await.text().await.unwrap();
    assert!(page.contains("Погода") && !page.contains("мороз"), "{page}");

    // Every format names the outlet an item came from.
    let atom = atom_syndication::Feed::read_from(
        &get(addr, "/feeds/mediation.atom")
            .await
            .bytes()
            .await
            .unwrap()[..],
    )
    .unwrap();
    for e in &atom.entries {
        let source = e.source.as_ref().expect("atom:source");
        assert!(source.id.starts_with(&app.origin.uri()), "{}", source.id);
        assert!(
            !e.categories.is_empty(),
            "categories from the topic's terms"
        );
    }
    let rss = rss::Channel::read_from(
        &get(addr, "/feeds/mediation.rss")
            .await
            .bytes()
            .await
            .unwrap()[..],
    )
    .unwrap();
    for i in &rss.items {
        assert!(
            i.source
                .as_ref()
                .unwrap()
                .url
                .starts_with(&app.origin.uri())
        );
    }
}

#[tokio::test]
async fn the_opml_list_subscribes_to_every_topic_feed() {
    let app = site().await;
    let addr = app.serve().await;
    let r = get(addr, "/opml").await;
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-type").starts_with("text/x-opml"));
    let text = r.text().await.unwrap();

    let mut reader = quick_xml::Reader::from_str(&text);
    let mut outlines = Vec::new();
    let mut version = None;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                let attr = |name: &str| {
                    e.try_get_attribute(name).unwrap().map(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned()
                    })
                };
                match e.name().as_ref() {
                    "opml" => version = attr("version"),
                    "outline" => outlines.push((attr("text").unwrap(), attr("xmlUrl").unwrap())),
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(version.as_deref(), Some("2.0"));
    assert_eq!(
        outlines,
        [
            (
                "Regional conflict mediation".to_string(),
                "http://feeds.test/feeds/mediation.atom".to_string()
            ),
            (
                "Harvest & grain".to_string(),
                "http://feeds.test/feeds/harvest.atom".to_string()
            ),
            (
                "Weather".to_string(),
                "http://feeds.test/feeds/weather.atom".to_string()
            ),
            (
                "All stories".to_string(),
                "http://feeds.test/feeds/all.atom".to_string()
            ),
        ]
    );
    for (_, url) in &outlines {
        let route = url.strip_prefix("http://feeds.test").unwrap();
        assert_eq!(get(addr, route).await.status(), 200, "{route}");
    }
}

#[tokio::test]
async fn the_index_page_shows_topics_sources_and_latest_stories() {
    let app = site().await;
    app.fetch_pass().await;
    let addr = app.serve().await;
    let r = get(addr, "/").await;
    assert!(header(&r, "content-type").starts_with("text/html"));
    let html = r.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let select = |css: &str| -> Vec<String> {
        doc.select(&scraper::Selector::parse(css).unwrap())
            .map(|e| e.text().collect::<String>())
            .collect()
    };
    let topics = select("#topics li");
    assert_eq!(topics.len(), 4);
    assert!(
        topics[0].contains("Regional conflict mediation (3 articles)"),
        "{topics:?}"
    );
    assert!(
        topics[1].contains("Harvest & grain (2 articles)"),
        "{topics:?}"
    );
    assert!(topics[2].contains("Weather (1 articles)"), "{topics:?}");
    assert!(topics[3].contains("All stories (6 articles)"), "{topics:?}");
    let hrefs: Vec<String> = doc
        .select(&scraper::Selector::parse("#topics a").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert!(hrefs.contains(&"feeds/mediation.atom".to_string()));
    assert!(hrefs.contains(&"feeds/harvest.json".to_string()));
    let discovery = doc
        .select(&scraper::Selector::parse("link[rel=alternate]").unwrap())
        .count();
    assert_eq!(discovery, 4);

    let sources = select("#sources tr");
    assert_eq!(sources.len(), 4, "a header row and three sources");
    assert!(
        sources[1].contains("Kazpravda") && sources[1].contains("ok"),
        "{sources:?}"
    );
    let next_polls = select(r#"#sources td[data-label="Next poll"]"#);
    assert_eq!(next_polls.len(), 3);
    assert!(
        next_polls.iter().all(|t| t.starts_with("in ")),
        "{next_polls:?}"
    );
    assert_eq!(select("#latest li").len(), 6);
    assert!(select("script").is_empty(), "no JavaScript");
}

#[tokio::test]
async fn healthz_answers_for_the_process_and_the_database() {
    let app = site().await;
    let addr = app.serve().await;
    let r = get(addr, "/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok\n");
    app.db()
        .execute_batch("ALTER TABLE sources RENAME TO sources_away")
        .unwrap();
    let r = get(addr, "/healthz").await;
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().starts_with("database: "));
}

#[tokio::test]
async fn metrics_count_fetches_entries_extraction_failures_and_topic_matches() {
    let app = site().await;
    // One page is missing: its extraction fails.
    Mock::given(method("GET"))
        .and(path("/articles/kp-2.html"))
        .respond_with(ResponseTemplate::new(404))
        .with_priority(1)
        .mount(&app.origin)
        .await;
    app.fetch_pass().await;
    // No validators on the origin: the second pass reads every entry again.
    app.fetch_pass().await;
    let addr = app.serve().await;
    let r = get(addr, "/metrics").await;
    assert!(header(&r, "content-type").starts_with("text/plain; version=0.0.4"));
    let m = prometheus_samples(&r.text().await.unwrap());
    let at = |series: &str| {
        *m.get(series)
            .unwrap_or_else(|| panic!("no {series} in {m:#?}"))
    };
    assert_eq!(
        at(r#"feedsieve_fetches_total{kind="feed",outcome="ok"}"#),
        6.0
    );
    assert_eq!(
        at(r#"feedsieve_fetches_total{kind="page",outcome="ok"}"#),
        1.0
    );
    assert_eq!(
        at(r#"feedsieve_fetches_total{kind="page",outcome="error"}"#),
        1.0
    );
    assert!(at(r#"feedsieve_fetch_bytes_total{kind="feed"}"#) > 1000.0);
    assert_eq!(
        at(r#"feedsieve_fetch_duration_seconds_count{kind="feed"}"#),
        6.0
    );
    assert_eq!(
        at(r#"feedsieve_fetch_duration_seconds_bucket{kind="feed",le="+Inf"}"#),
        6.0
    );
    assert_eq!(at(r#"feedsieve_entries_total{status="new"}"#), 6.0);
    assert_eq!(at(r#"feedsieve_entries_total{status="duplicate"}"#), 6.0);
    assert_eq!(at("feedsieve_extraction_failures_total"), 1.0);
    assert_eq!(
        at(r#"feedsieve_topic_matches_total{topic="mediation"}"#),
        3.0
    );
    assert_eq!(at(r#"feedsieve_topic_matches_total{topic="harvest"}"#), 2.0);
    for source in ["Kazpravda", "Steppe Times", "Steppe Wire"] {
        let age = at(&format!(
            r#"feedsieve_source_seconds_since_success{{source="{source}"}}"#
        ));
        assert!((0.0..60.0).contains(&age), "{source}: {age}");
    }
}

#[tokio::test]
async fn the_websub_hub_is_advertised_and_pinged_when_a_topic_gets_new_items() {
    let hub = MockServer::start().await;
    // Every feed of a topic, once per refresh that brought it new items:
    // on the first pass, all three sources have mediation items, two have
    // harvest items, one a weather item, and every new item is in "all". The second pass brings
    // nothing new and pings nothing.
    for (slug, refreshes) in [("mediation", 3), ("harvest", 2), ("weather", 1), ("all", 3)] {
        for ext in ["atom", "rss", "json"] {
            let topic = format!("http://feeds.test/feeds/{slug}.{ext}");
            let encoded: String = url::form_urlencoded::byte_serialize(topic.as_bytes()).collect();
            Mock::given(method("POST"))
                .and(path("/hub"))
                .and(body_string_contains("hub.mode=publish"))
                .and(body_string_contains(format!("hub.url={encoded}")))
                .respond_with(ResponseTemplate::new(204))
                .expect(refreshes)
                .mount(&hub)
                .await;
        }
    }
    let origin = MockServer::start().await;
    let app =
        TestApp::with_server_settings(origin, &format!("websub_hub = \"{}/hub\"", hub.uri()), SITE)
            .await;
    serve_site(&app.origin, "steppe.json").await;
    app.fetch_pass().await;
    app.fetch_pass().await;
    hub.verify().await;

    let addr = app.serve().await;
    let hub_url = format!("{}/hub", hub.uri());
    let atom = feed_rs::parser::parse(
        &get(addr, "/feeds/mediation.atom")
            .await
            .bytes()
            .await
            .unwrap()[..],
    )
    .unwrap();
    assert!(
        atom.links
            .iter()
            .any(|l| l.rel.as_deref() == Some("hub") && l.href == hub_url)
    );
    let rss = rss::Channel::read_from(
        &get(addr, "/feeds/mediation.rss")
            .await
            .bytes()
            .await
            .unwrap()[..],
    )
    .unwrap();
    assert!(
        rss.atom_ext
            .unwrap()
            .links
            .iter()
            .any(|l| l.rel == "hub" && l.href == hub_url)
    );
    let json = json(addr, "/feeds/mediation.json").await;
    assert_eq!(json["hubs"][0]["type"], "WebSub");
    assert_eq!(json["hubs"][0]["url"], hub_url.as_str());
}

#[tokio::test]
async fn a_failing_hub_never_fails_a_refresh() {
    let hub = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&hub)
        .await;
    let origin = MockServer::start().await;
    let app =
        TestApp::with_server_settings(origin, &format!("websub_hub = \"{}/\"", hub.uri()), SITE)
            .await;
    serve_site(&app.origin, "steppe.json").await;
    for report in app.fetch_pass().await {
        assert!(
            matches!(report.outcome, Outcome::Updated { .. }),
            "{report:?}"
        );
    }
    assert!(!hub.received_requests().await.unwrap().is_empty());
}

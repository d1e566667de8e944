//! The whole path: fixture feeds on a loopback origin → fetch pass →
//! SQLite → topic feeds over HTTP, read back with real parsers.

use feedsieve::refresh::Outcome;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{TestApp, fixture, serve_fixture};

const SITE: &str = r#"
[[source]]
name = "Kazpravda"
url = "{{BASE}}/kazpravda.rss"
full_text = true

[[source]]
name = "Steppe Times"
url = "{{BASE}}/astana.atom"
full_text = false

[[source]]
name = "Steppe Wire"
url = "{{BASE}}/steppe.json"
full_text = false

[[topic]]
slug = "mediation"
title = "Regional conflict mediation"
query = "переговор* посредни* mediation ceasefire"
"#;

async fn site() -> TestApp {
    let app = TestApp::spawn(SITE).await;
    let o = &app.origin;
    serve_fixture(o, "/kazpravda.rss", "kazpravda.rss", "application/rss+xml").await;
    serve_fixture(o, "/astana.atom", "astana.atom", "application/atom+xml").await;
    serve_fixture(o, "/steppe.json", "steppe.json", "application/feed+json").await;
    serve_fixture(
        o,
        "/articles/kp-1.html",
        "articles/kp-1.html",
        "text/html; charset=utf-8",
    )
    .await;
    serve_fixture(
        o,
        "/articles/kp-2.html",
        "articles/kp-2.html",
        "text/html; charset=utf-8",
    )
    .await;
    app
}

async fn get(addr: std::net::SocketAddr, route: &str) -> reqwest::Response {
    reqwest::get(format!("http://{addr}{route}")).await.unwrap()
}

async fn get_json(addr: std::net::SocketAddr, route: &str) -> serde_json::Value {
    serde_json::from_slice(&get(addr, route).await.bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn a_fetch_pass_stores_every_entry_once_with_its_full_text() {
    let app = site().await;
    let reports = app.fetch_pass().await;
    for r in &reports {
        assert!(matches!(r.outcome, Outcome::Updated { .. }), "{r:?}");
    }

    let db = app.db();
    let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT count(*) FROM articles"), 6);
    assert_eq!(
        count("SELECT count(*) FROM articles WHERE extraction = 'extracted'"),
        2
    );

    // The teaser was replaced by the page's text, without the menu, the
    // "read also" block or the footer.
    let text: String = db
        .query_row(
            "SELECT text FROM articles WHERE entry_key = 'id:kp-1001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        text.contains("выступал посредником в урегулировании"),
        "{text}"
    );
    assert!(!text.contains("Чемпионат мира"), "{text}");
    assert!(!text.contains("Все права защищены"), "{text}");

    // Feed content is sanitized before it is stored.
    let html: String = db
        .query_row(
            "SELECT html FROM articles WHERE title LIKE 'Central Asian%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        html.contains("joint mechanism") && !html.contains("script"),
        "{html}"
    );

    // Classification reads the article, not the page chrome: kp-2's only
    // "переговоры" is in the site menu.
    let matched: Vec<String> = db
        .prepare(
            "SELECT a.title FROM topic_matches m JOIN articles a ON a.id = m.article_id \
             WHERE m.topic = 'mediation' ORDER BY a.title",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        matched,
        [
            "Central Asian ministers agree on ceasefire monitoring",
            "Казахстан предложил площадку для мирных переговоров",
            "Стороны конфликта согласились на посредничество ООН",
        ]
    );
}

#[tokio::test]
async fn topic_feeds_are_served_as_atom_rss_and_json_feed() {
    let app = site().await;
    app.fetch_pass().await;
    let addr = app.serve().await;

    for (ext, content_type) in [
        ("atom", "application/atom+xml"),
        ("rss", "application/rss+xml"),
        ("json", "application/feed+json"),
    ] {
        let r = get(addr, &format!("/feeds/mediation.{ext}")).await;
        assert_eq!(r.status(), 200);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(content_type),
            "{ext}"
        );
        assert!(r.headers().contains_key("etag") && r.headers().contains_key("last-modified"));
        let body = r.bytes().await.unwrap();
        let feed = feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| panic!("{ext}: {e}"));
        let titles: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        // Newest first.
        assert_eq!(
            titles,
            [
                "Стороны конфликта согласились на посредничество ООН",
                "Central Asian ministers agree on ceasefire monitoring",
                "Казахстан предложил площадку для мирных переговоров",
            ],
            "{ext}"
        );
        for e in &feed.entries {
            assert!(!e.id.is_empty(), "{ext}");
            assert!(e.links[0].href.starts_with(&app.origin.uri()), "{ext}");
            assert!(e.published.is_some() || e.updated.is_some(), "{ext}");
        }
        let kp = feed
            .entries
            .iter()
            .find(|e| e.id.contains("story-"))
            .unwrap();
        assert!(kp.id.starts_with("tag:feeds.test,"), "{ext}: {}", kp.id);
    }

    // JSON Feed, checked field by field as JSON.
    let json: serde_json::Value = get_json(addr, "/feeds/mediation.json").await;
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], "http://feeds.test/feeds/mediation.json");
    let first = &json["items"][0];
    assert!(first["content_html"].as_str().unwrap().contains("Женеве"));
    assert!(first["date_published"].as_str().unwrap().ends_with('Z'));
    // Every item has a language: the page's declared one, else the one
    // detected for topics (the Steppe Times items are feed content only).
    let languages: Vec<(&str, &str)> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap(),
                i["language"].as_str().unwrap_or("none"),
            )
        })
        .collect();
    for (title, language) in &languages {
        let expected = if title.starts_with("Central Asian") {
            "en"
        } else {
            "ru"
        };
        assert!(language.starts_with(expected), "{languages:?}");
    }

    // Ids are stable: the same items keep the same ids on the next request.
    let again: serde_json::Value = get_json(addr, "/feeds/mediation.json").await;
    assert_eq!(json["items"], again["items"]);
}

#[tokio::test]
async fn an_item_without_a_link_links_to_its_page_on_this_server() {
    let app = site().await;
    app.fetch_pass().await;
    let addr = app.serve().await;
    let feed = get_json(addr, "/feeds/all.json").await;
    let item = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"].as_str().unwrap().starts_with("Погода"))
        .unwrap();
    let link = item["url"].as_str().unwrap();
    let route = link.strip_prefix("http://feeds.test").unwrap();
    assert!(route.starts_with("/items/"), "{link}");
    assert!(item["content_html"].as_str().unwrap().contains("мороз"));
    let page = get(addr, route).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Синоптики обещают мороз"), "{html}");
}

#[tokio::test]
async fn feeds_answer_conditional_requests_and_unknown_slugs_are_404() {
    let app = site().await;
    app.fetch_pass().await;
    let addr = app.serve().await;
    let r = get(addr, "/feeds/mediation.atom").await;
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let last_modified = r.headers()["last-modified"].to_str().unwrap().to_string();
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/feeds/mediation.atom");
    let r = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    let r = client
        .get(&url)
        .header("if-modified-since", &last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    let r = client
        .get(&url)
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    assert_eq!(get(addr, "/feeds/nope.atom").await.status(), 404);
    assert_eq!(get(addr, "/feeds/mediation.xml").await.status(), 404);
    assert_eq!(get(addr, "/feeds/all.rss").await.status(), 200);
    assert_eq!(get(addr, "/items/999999").await.status(), 404);
    assert_eq!(get(addr, "/items/x").await.status(), 404);
    let health = get(addr, "/healthz").await;
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn a_second_pass_is_conditional_and_stores_nothing_twice() {
    let app = TestApp::spawn(
        r#"
[[source]]
name = "Kazpravda"
url = "{{BASE}}/kazpravda.rss"
full_text = true
"#,
    )
    .await;
    let o = &app.origin;
    let body = fixture("kazpravda.rss", &o.uri());
    // The origin answers 304 to a request carrying its ETag, 200 otherwise.
    Mock::given(method("GET"))
        .and(path("/kazpravda.rss"))
        .and(header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", "\"v1\""))
        .with_priority(1)
        .expect(1)
        .mount(o)
        .await;
    Mock::given(method("GET"))
        .and(path("/kazpravda.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "\"v1\"")
                .insert_header("content-type", "application/rss+xml")
                .set_body_string(body),
        )
        .with_priority(2)
        .expect(1)
        .mount(o)
        .await;
    // Each page is fetched exactly once, ever.
    for page in ["kp-1", "kp-2"] {
        Mock::given(method("GET"))
            .and(path(format!("/articles/{page}.html")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/html")
                    .set_body_string(fixture(&format!("articles/{page}.html"), &o.uri())),
            )
            .expect(1)
            .mount(o)
            .await;
    }

    let first = app.fetch_pass().await;
    assert!(matches!(first[0].outcome, Outcome::Updated { .. }));
    let second = app.fetch_pass().await;
    assert!(
        matches!(second[0].outcome, Outcome::NotModified),
        "{second:?}"
    );
    let n: i64 = app
        .db()
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
    // `expect(1)` on every mock is verified when the origin is dropped.
}

#[tokio::test]
async fn known_entries_are_never_scraped_again_when_the_feed_changes() {
    let app = TestApp::spawn(
        r#"
[[source]]
name = "Kazpravda"
url = "{{BASE}}/kazpravda.rss"
"#,
    )
    .await;
    let o = &app.origin;
    // No validators: every pass gets the full feed.
    serve_fixture(o, "/kazpravda.rss", "kazpravda.rss", "application/rss+xml").await;
    for page in ["kp-1", "kp-2"] {
        Mock::given(method("GET"))
            .and(path(format!("/articles/{page}.html")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(fixture(&format!("articles/{page}.html"), &o.uri())),
            )
            .expect(1)
            .mount(o)
            .await;
    }
    app.fetch_pass().await;
    let second = app.fetch_pass().await;
    match &second[0].outcome {
        Outcome::Updated { entries, saved, .. } => {
            assert_eq!(*entries, 2);
            assert_eq!(saved.new, 0);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_broken_source_is_recorded_while_the_others_succeed() {
    let app = TestApp::spawn(
        r#"
[[source]]
name = "Good"
url = "{{BASE}}/astana.atom"
full_text = false

[[source]]
name = "Missing"
url = "{{BASE}}/gone.rss"

[[source]]
name = "Garbage"
url = "{{BASE}}/garbage.rss"
"#,
    )
    .await;
    let o = &app.origin;
    serve_fixture(o, "/astana.atom", "astana.atom", "application/atom+xml").await;
    serve_fixture(o, "/garbage.rss", "garbage.rss", "application/rss+xml").await;
    Mock::given(method("GET"))
        .and(path("/gone.rss"))
        .respond_with(ResponseTemplate::new(404))
        .mount(o)
        .await;

    let reports = app.fetch_pass().await;
    let by_name = |n: &str| reports.iter().find(|r| r.source == n).unwrap();
    assert!(matches!(by_name("Good").outcome, Outcome::Updated { .. }));
    match &by_name("Missing").outcome {
        Outcome::Failed { error, transient } => {
            assert!(
                error.contains("/gone.rss") && error.contains("404"),
                "{error}"
            );
            assert!(!transient);
        }
        other => panic!("{other:?}"),
    }
    match &by_name("Garbage").outcome {
        Outcome::Failed { error, .. } => assert!(error.contains("not a feed"), "{error}"),
        other => panic!("{other:?}"),
    }

    let statuses = app.pipeline.store.source_statuses().unwrap();
    let missing = statuses.iter().find(|s| s.name == "Missing").unwrap();
    assert_eq!(missing.last_status.as_deref(), Some("error"));
    assert_eq!(missing.error_count, 1);
    assert!(missing.next_fetch.is_some());
    let good = statuses.iter().find(|s| s.name == "Good").unwrap();
    assert_eq!(
        (good.last_status.as_deref(), good.articles),
        (Some("ok"), 2)
    );

    // The failure is visible on the index page.
    let addr = app.serve().await;
    let page = get(addr, "/").await.text().await.unwrap();
    assert!(
        page.contains("Missing") && page.contains("HTTP 404"),
        "{page}"
    );

    // A failure later never loses what was stored.
    app.origin.reset().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&app.origin)
        .await;
    app.fetch_pass().await;
    let good = app
        .pipeline
        .store
        .source_statuses()
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Good")
        .unwrap();
    assert_eq!(
        (good.last_status.as_deref(), good.articles),
        (Some("error"), 2)
    );
}

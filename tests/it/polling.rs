//! What a refresh does with what the fetcher learns: moves, 410s, failures
//! and Retry-After, the adaptive interval, feed discovery, charsets, dates,
//! the item cap, DTDs and private links — checked in the real SQLite file
//! after real passes against a loopback origin.

use chrono::{DateTime, TimeDelta, Utc};
use feedsieve::refresh::Outcome;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::servers::Canary;
use crate::support::{TestApp, serve_bytes};

fn rss(items: &[(String, String, Option<String>)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Generated</title>",
    );
    for (guid, link, date) in items {
        xml.push_str(&format!(
            "<item><title>Item {guid}</title><guid>{guid}</guid><link>{link}</link>{}</item>",
            date.as_ref()
                .map_or(String::new(), |d| format!("<pubDate>{d}</pubDate>"))
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

async fn serve(origin: &MockServer, route: &str, template: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(template)
        .mount(origin)
        .await;
}

fn feed_response(xml: String) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/rss+xml")
        .set_body_string(xml)
}

async fn requests_to(origin: &MockServer, route: &str) -> usize {
    origin
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == route)
        .count()
}

fn source(name: &str, route: &str, extra: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nurl = \"{{{{BASE}}}}{route}\"\nfull_text = false\n{extra}\n"
    )
}

fn one_item() -> String {
    rss(&[("a".into(), "https://example.org/a".into(), None)])
}

#[tokio::test]
async fn a_permanent_redirect_seen_three_times_in_a_row_becomes_the_stored_url() {
    let origin = MockServer::start().await;
    serve(
        &origin,
        "/old.rss",
        ResponseTemplate::new(301).insert_header("location", "/new.rss"),
    )
    .await;
    serve(&origin, "/new.rss", feed_response(one_item())).await;
    serve(
        &origin,
        "/elsewhere.rss",
        ResponseTemplate::new(302).insert_header("location", "/new.rss"),
    )
    .await;
    let body = source("Moving", "/old.rss", "") + &source("Visiting", "/elsewhere.rss", "");
    let app = TestApp::with_origin(origin, &body).await;
    for pass in 1..=3 {
        app.fetch_pass().await;
        let fetch_url: Option<String> = app.source_row("Moving", "fetch_url");
        if pass < 3 {
            assert_eq!(fetch_url, None, "pass {pass}");
            assert_eq!(app.source_row::<i64>("Moving", "moved_count"), pass);
        } else {
            assert_eq!(fetch_url, Some(format!("{}/new.rss", app.origin.uri())));
            assert_eq!(
                app.source_row::<String>("Moving", "fetch_url_reason"),
                "moved"
            );
        }
    }
    app.fetch_pass().await;
    assert_eq!(
        requests_to(&app.origin, "/old.rss").await,
        3,
        "the old URL is no longer asked"
    );
    // A temporary redirect never moves a source.
    assert_eq!(
        app.source_row::<Option<String>>("Visiting", "fetch_url"),
        None
    );
    assert_eq!(requests_to(&app.origin, "/elsewhere.rss").await, 4);
}

#[tokio::test]
async fn a_gone_feed_stops_being_polled_says_so_and_resumes_when_its_url_changes() {
    let origin = MockServer::start().await;
    serve(&origin, "/gone.rss", ResponseTemplate::new(410)).await;
    serve(&origin, "/back.rss", feed_response(one_item())).await;
    let app = TestApp::with_origin(origin, &source("Closed", "/gone.rss", "")).await;
    let reports = app.fetch_pass().await;
    assert!(
        matches!(reports[0].outcome, Outcome::Gone { .. }),
        "{reports:?}"
    );
    assert_eq!(app.source_row::<String>("Closed", "last_status"), "gone");
    let reason: String = app.source_row("Closed", "last_error");
    assert!(reason.contains("410 Gone"), "{reason}");

    let reports = app.fetch_pass().await;
    assert!(matches!(reports[0].outcome, Outcome::Gone { .. }));
    assert_eq!(
        requests_to(&app.origin, "/gone.rss").await,
        1,
        "not polled again"
    );

    let addr = app.serve().await;
    let index = reqwest::get(format!("http://{addr}/"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(index.contains("gone, not polled"), "{index}");

    // The user fixes the URL in the config; the daemon re-registers sources.
    let mut fixed = app.config.clone();
    fixed.sources[0].url = url::Url::parse(&format!("{}/back.rss", app.origin.uri())).unwrap();
    app.pipeline.store.sync_sources(&fixed.sources).unwrap();
    assert_eq!(
        app.source_row::<Option<String>>("Closed", "last_status"),
        None
    );
    let reports = feedsieve::daemon::fetch_all(&app.pipeline, &fixed).await;
    assert!(
        matches!(reports[0].outcome, Outcome::Updated { .. }),
        "{reports:?}"
    );
    assert_eq!(app.source_row::<String>("Closed", "last_status"), "ok");
}

#[tokio::test]
async fn failures_back_off_exponentially_and_store_count_error_and_next_attempt() {
    let origin = MockServer::start().await;
    serve(&origin, "/down.rss", ResponseTemplate::new(500)).await;
    let app =
        TestApp::with_origin(origin, &source("Down", "/down.rss", "interval = \"10m\"")).await;
    let interval = 600;
    for failures in 1..=3i64 {
        app.fetch_pass().await;
        assert_eq!(app.source_row::<i64>("Down", "error_count"), failures);
        let error: String = app.source_row("Down", "last_error");
        assert!(error.ends_with("HTTP 500 Internal Server Error"), "{error}");
        let wait = app.source_row::<i64>("Down", "next_fetch_at")
            - app.source_row::<i64>("Down", "last_fetch_at");
        // Equal jitter: after n failures the wait is in [d/2, d), d = 10m·2ⁿ⁻¹.
        let full = interval << (failures - 1);
        assert!(
            wait >= full / 2 && wait <= full,
            "failure {failures}: waited {wait}s"
        );
    }
}

#[tokio::test]
async fn retry_after_on_429_sets_the_next_attempt() {
    let origin = MockServer::start().await;
    serve(
        &origin,
        "/busy.rss",
        ResponseTemplate::new(429).insert_header("retry-after", "7200"),
    )
    .await;
    let app =
        TestApp::with_origin(origin, &source("Busy", "/busy.rss", "interval = \"10m\"")).await;
    app.fetch_pass().await;
    let wait = app.source_row::<i64>("Busy", "next_fetch_at")
        - app.source_row::<i64>("Busy", "last_fetch_at");
    assert!((7200..=7201).contains(&wait), "waited {wait}s");
    let error: String = app.source_row("Busy", "last_error");
    assert!(
        error.contains("429") && error.contains("Retry-After: 2h"),
        "{error}"
    );
}

#[tokio::test]
async fn the_interval_adapts_to_publisher_hints_and_to_how_often_entries_appear() {
    let origin = MockServer::start().await;
    serve_bytes(
        &origin,
        "/ttl.rss",
        "feeds/ttl-and-update-period.rss",
        "application/rss+xml",
    )
    .await;
    let now = Utc::now();
    let busy: Vec<(String, String, Option<String>)> = (0..30)
        .map(|i| {
            let date = now - TimeDelta::minutes(5 * i);
            (
                format!("b{i}"),
                format!("https://example.org/b{i}"),
                Some(date.to_rfc2822()),
            )
        })
        .collect();
    serve(&origin, "/busy.rss", feed_response(rss(&busy))).await;
    let stale: Vec<(String, String, Option<String>)> = (0..5)
        .map(|i| {
            let date = now - TimeDelta::days(60 + i);
            (
                format!("s{i}"),
                format!("https://example.org/s{i}"),
                Some(date.to_rfc2822()),
            )
        })
        .collect();
    serve(&origin, "/stale.rss", feed_response(rss(&stale))).await;
    let body = source("Column", "/ttl.rss", "")
        + &source("Wire", "/busy.rss", "min_interval = \"15m\"")
        + &source("Archive", "/stale.rss", "max_interval = \"4h\"");
    let app = TestApp::with_origin(origin, &body).await;
    app.fetch_pass().await;
    assert_eq!(
        app.source_row::<i64>("Column", "interval_secs"),
        2 * 3600,
        "ttl 120 minutes"
    );
    assert_eq!(app.source_row::<i64>("Column", "feed_hint_secs"), 2 * 3600);
    assert_eq!(
        app.source_row::<i64>("Wire", "interval_secs"),
        15 * 60,
        "busy: the minimum"
    );
    assert_eq!(
        app.source_row::<i64>("Archive", "interval_secs"),
        4 * 3600,
        "quiet: the maximum"
    );
    let wait = app.source_row::<i64>("Column", "next_fetch_at")
        - app.source_row::<i64>("Column", "last_fetch_at");
    assert!((6480..=7920).contains(&wait), "two hours ±10%: {wait}s");
}

#[tokio::test]
async fn a_front_page_url_is_replaced_by_the_feed_it_announces() {
    let origin = MockServer::start().await;
    serve_bytes(
        &origin,
        "/",
        "feeds/site-front-page.html",
        "text/html; charset=utf-8",
    )
    .await;
    serve(&origin, "/rss/all.xml", feed_response(one_item())).await;
    let app = TestApp::with_origin(origin, &source("Front", "/", "")).await;
    let reports = app.fetch_pass().await;
    assert!(
        matches!(reports[0].outcome, Outcome::Updated { .. }),
        "{reports:?}"
    );
    assert_eq!(
        app.source_row::<Option<String>>("Front", "fetch_url"),
        Some(format!("{}/rss/all.xml", app.origin.uri()))
    );
    assert_eq!(
        app.source_row::<String>("Front", "fetch_url_reason"),
        "discovered"
    );
    app.fetch_pass().await;
    assert_eq!(
        requests_to(&app.origin, "/").await,
        1,
        "the page is read once"
    );
    assert_eq!(requests_to(&app.origin, "/rss/all.xml").await, 2);
}

#[tokio::test]
async fn a_discovered_feed_that_keeps_failing_is_rediscovered_from_the_page() {
    let origin = MockServer::start().await;
    serve_bytes(
        &origin,
        "/",
        "feeds/site-front-page.html",
        "text/html; charset=utf-8",
    )
    .await;
    // The announced feed works once, then disappears (the site moved it).
    Mock::given(method("GET"))
        .and(path("/rss/all.xml"))
        .respond_with(feed_response(one_item()))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&origin)
        .await;
    serve(&origin, "/rss/all.xml", ResponseTemplate::new(404)).await;
    let app = TestApp::with_origin(origin, &source("Front", "/", "")).await;
    app.fetch_pass().await;
    assert!(
        app.source_row::<Option<String>>("Front", "fetch_url")
            .is_some()
    );
    for failures in 1..=3i64 {
        app.fetch_pass().await;
        assert_eq!(app.source_row::<i64>("Front", "error_count"), failures);
        let fetch_url: Option<String> = app.source_row("Front", "fetch_url");
        assert_eq!(
            fetch_url.is_none(),
            failures == 3,
            "after {failures} failures"
        );
    }
    app.fetch_pass().await;
    assert_eq!(
        requests_to(&app.origin, "/").await,
        2,
        "the page is read again"
    );
}

#[tokio::test]
async fn windows_1251_koi8r_and_mislabelled_feeds_are_stored_as_correct_utf8() {
    let origin = MockServer::start().await;
    serve_bytes(
        &origin,
        "/1251.rss",
        "feeds/windows-1251.rss",
        "application/rss+xml",
    )
    .await;
    serve_bytes(
        &origin,
        "/lying.rss",
        "feeds/utf8-declared-but-cp1251.rss",
        "application/rss+xml; charset=utf-8",
    )
    .await;
    serve_bytes(
        &origin,
        "/koi8.rss",
        "feeds/koi8r-labelled-windows-1251.rss",
        "application/rss+xml",
    )
    .await;
    let body = source("Declared", "/1251.rss", "")
        + &source("Lying", "/lying.rss", "")
        + &source("Overridden", "/koi8.rss", "encoding = \"koi8-r\"")
        + &source("Trusting", "/koi8.rss", "");
    let app = TestApp::with_origin(origin, &body).await;
    app.fetch_pass().await;
    let title_of = |source: &str| -> String {
        app.db()
            .query_row(
                "SELECT a.title FROM articles a JOIN sources s ON s.id = a.source_id \
                 WHERE s.name = ?1 AND a.entry_key = 'id:ru-1'",
                [source],
                |r| r.get(0),
            )
            .unwrap()
    };
    for source in ["Declared", "Lying", "Overridden"] {
        assert_eq!(
            title_of(source),
            "Ремонт моста завершится в июне",
            "{source}"
        );
    }
    // Without the override the label is believed: the proof that the
    // override is what made the difference.
    assert_ne!(title_of("Trusting"), "Ремонт моста завершится в июне");
}

#[tokio::test]
async fn odd_dates_keep_every_item_with_the_right_instant_or_the_time_first_seen() {
    let origin = MockServer::start().await;
    serve_bytes(
        &origin,
        "/dates.rss",
        "feeds/odd-dates.rss",
        "application/rss+xml",
    )
    .await;
    let app = TestApp::with_origin(
        origin,
        &source("Dates", "/dates.rss", "utc_offset = \"+05:00\""),
    )
    .await;
    app.fetch_pass().await;
    let db = app.db();
    let date = |key: &str| -> (i64, i64) {
        db.query_row(
            "SELECT published_at, fetched_at FROM articles WHERE entry_key = ?1",
            [format!("id:{key}")],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().timestamp();
    assert_eq!(
        date("d-1").0,
        at("2018-08-10T23:43:00Z"),
        "Russian day and month names"
    );
    assert_eq!(date("d-2").0, at("2018-03-21T07:27:32Z"), "MSK is UTC+3");
    assert_eq!(
        date("d-3").0,
        at("2018-03-21T05:27:00Z"),
        "no zone: the source's +05:00"
    );
    assert_eq!(date("d-4").0, at("2018-03-21T05:27:32Z"), "+0500");
    let (relative, seen) = date("d-5");
    assert_eq!(
        relative, seen,
        "an unparseable date falls back to the time first seen"
    );
    let (future, seen) = date("d-6");
    assert_eq!(future, seen, "2101 is clamped to now");
    assert_eq!(
        date("d-7").0,
        at("2018-03-20T19:00:00Z"),
        "a date alone, at the source's midnight"
    );
    let count: i64 = db
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 7, "no item is dropped for its date");
}

#[tokio::test]
async fn a_feed_declaring_entities_is_refused_with_a_clear_error() {
    let origin = MockServer::start().await;
    serve_bytes(
        &origin,
        "/laughs.rss",
        "feeds/entity-declarations.rss",
        "application/rss+xml",
    )
    .await;
    let app = TestApp::with_origin(origin, &source("Laughs", "/laughs.rss", "")).await;
    let reports = app.fetch_pass().await;
    let Outcome::Failed { error, .. } = &reports[0].outcome else {
        panic!("{reports:?}");
    };
    assert!(
        error.contains("DTD entity declarations are not allowed"),
        "{error}"
    );
    let stored: String = app.source_row("Laughs", "last_error");
    assert_eq!(&stored, error);
}

#[tokio::test]
async fn only_the_newest_max_items_entries_of_a_huge_feed_are_taken() {
    let origin = MockServer::start().await;
    let now = Utc::now();
    // Oldest first, to show the cap keeps the newest, not the first.
    let items: Vec<(String, String, Option<String>)> = (0..30)
        .rev()
        .map(|i| {
            let date = now - TimeDelta::hours(i);
            (
                format!("n{i}"),
                format!("https://example.org/n{i}"),
                Some(date.to_rfc2822()),
            )
        })
        .collect();
    serve(&origin, "/many.rss", feed_response(rss(&items))).await;
    let app = TestApp::with_fetch(
        origin,
        "allow_private_networks = true\nmax_items = 10",
        &source("Many", "/many.rss", ""),
    )
    .await;
    let reports = app.fetch_pass().await;
    assert!(
        matches!(reports[0].outcome, Outcome::Updated { entries: 10, .. }),
        "{reports:?}"
    );
    let keys: Vec<String> = app
        .db()
        .prepare("SELECT entry_key FROM articles ORDER BY published_at DESC")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let newest: Vec<String> = (0..10).map(|i| format!("id:n{i}")).collect();
    assert_eq!(keys, newest);
}

#[tokio::test]
async fn links_to_private_addresses_in_a_feed_are_never_fetched() {
    let canary = Canary::start().await;
    let origin = MockServer::start().await;
    let port = canary.port;
    let links = [
        format!("http://127.0.0.1:{port}/admin"),
        format!("http://localhost:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://[::1]:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
    ];
    let items: Vec<(String, String, Option<String>)> = links
        .iter()
        .enumerate()
        .map(|(i, link)| (format!("p{i}"), link.clone(), None))
        .collect();
    serve(&origin, "/ssrf.rss", feed_response(rss(&items))).await;
    let body = "[[source]]\nname = \"Hostile\"\nurl = \"{{BASE}}/ssrf.rss\"\nfull_text = true\n";
    let app = TestApp::with_fetch(
        origin,
        "allow_private_networks = false\nallow_private_origins = [\"{{ORIGIN}}\"]",
        body,
    )
    .await;
    let reports = app.fetch_pass().await;
    assert!(
        matches!(
            reports[0].outcome,
            Outcome::Updated {
                extraction_failures: 5,
                ..
            }
        ),
        "{reports:?}"
    );
    let errors: Vec<String> = app
        .db()
        .prepare("SELECT extraction_error FROM articles")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(errors.len(), 5);
    for error in &errors {
        assert!(error.contains("address guard refused"), "{error}");
    }
    assert_eq!(canary.hits(), 0, "the canary was contacted");
}

#[tokio::test]
async fn deep_nesting_and_invalid_utf8_end_in_a_safe_result() {
    let origin = MockServer::start().await;
    let deep = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Deep</title>\
         <item><title>deep</title><guid>deep</guid><description>{}x{}</description></item></channel></rss>",
        "<div>".repeat(10_000),
        "</div>".repeat(10_000)
    );
    serve(&origin, "/deep.rss", feed_response(deep)).await;
    let mut broken = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>t</title>\
        <item><guid>u8</guid><title>\xd0\x9a\xd0\xbe\xd1\x80\xd1\x80\xd0\xb5\xd0\xba\xd1\x82\xd0\xbd\xd0\xbe \x80 cut \xd0</title></item>"
        .to_vec();
    broken.extend_from_slice(b"</channel></rss>");
    serve(
        &origin,
        "/broken.rss",
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/rss+xml")
            .set_body_bytes(broken),
    )
    .await;
    let body = source("Deep", "/deep.rss", "") + &source("Broken", "/broken.rss", "");
    let app = TestApp::with_origin(origin, &body).await;
    let reports = app.fetch_pass().await;
    for r in &reports {
        assert!(
            matches!(r.outcome, Outcome::Updated { .. } | Outcome::Failed { .. }),
            "{r:?}"
        );
    }
    let title: String = app
        .db()
        .query_row(
            "SELECT title FROM articles WHERE entry_key = 'id:u8'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(title.starts_with("Корректно"), "{title}");
    assert!(title.contains('\u{FFFD}'), "{title}");
}

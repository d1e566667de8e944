//! Hostile servers all at once, through a real fetch pass: every hostile
//! source ends in a clear error (or a safe, bounded result) recorded on
//! that source alone, the well-behaved sources in the same pass are
//! stored, and the HTTP server answers throughout. `fetching.rs` checks
//! the fetcher against each server on its own; this is the daemon's view.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use feedsieve::refresh::Outcome;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::servers::{Canary, Misbehaviour, RawServer};
use crate::support::{TestApp, serve_bytes, serve_fixture};

/// Items in the huge feed: the size the issue names.
const HUGE: usize = 100_000;

/// `/chain/N` redirects to `/chain/N-1`; `/chain/0` is a feed.
struct Chain;

impl Respond for Chain {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n: usize = request.url.path()["/chain/".len()..].parse().unwrap();
        if n == 0 {
            ResponseTemplate::new(200).set_body_string("<rss version=\"2.0\"><channel/></rss>")
        } else {
            ResponseTemplate::new(302).insert_header("location", format!("/chain/{}", n - 1))
        }
    }
}

fn gzip_bomb() -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><description>")
        .unwrap();
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&spaces).unwrap();
    }
    encoder.finish().unwrap()
}

/// 100,000 small items (about 5 MB), newest last.
fn huge_feed() -> String {
    let mut xml = String::with_capacity(HUGE * 60);
    xml.push_str("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>huge</title>");
    for i in 0..HUGE {
        xml.push_str(&format!(
            "<item><title>n{i}</title><guid>n{i}</guid></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_fail_alone_while_good_sources_update_and_the_server_answers() {
    let canary = Canary::start().await;
    let v6_canary = tokio::net::TcpListener::bind("[::1]:0").await.ok();
    let v6_port = v6_canary
        .as_ref()
        .map_or(canary.port, |l| l.local_addr().unwrap().port());
    let v6_hits = Arc::new(AtomicUsize::new(0));
    if let Some(listener) = v6_canary {
        let hits = v6_hits.clone();
        tokio::spawn(async move {
            while let Ok((_socket, _)) = listener.accept().await {
                hits.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    let raw = |m| async move { RawServer::start(m).await };
    let slow = raw(Misbehaviour::Trickle {
        every: Duration::from_secs(1),
    })
    .await;
    let silent = raw(Misbehaviour::Stall).await;
    let endless = raw(Misbehaviour::Endless).await;
    let lying = raw(Misbehaviour::HugeLength).await;
    let cut = raw(Misbehaviour::CloseMidBody).await;

    let origin = MockServer::start().await;
    serve_fixture(
        &origin,
        "/kazpravda.rss",
        "kazpravda.rss",
        "application/rss+xml",
    )
    .await;
    serve_fixture(
        &origin,
        "/astana.atom",
        "astana.atom",
        "application/atom+xml",
    )
    .await;
    serve_bytes(
        &origin,
        "/invalid-utf8.rss",
        "feeds/invalid-utf8.xml",
        "application/rss+xml; charset=utf-8",
    )
    .await;
    serve_bytes(
        &origin,
        "/cp1251-as-utf8.rss",
        "feeds/utf8-declared-but-cp1251.rss",
        "application/rss+xml; charset=utf-8",
    )
    .await;
    let routes = [
        (
            "/gzip-bomb.rss",
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .insert_header("content-type", "application/rss+xml")
                .set_body_bytes(gzip_bomb()),
        ),
        (
            "/loop",
            ResponseTemplate::new(302).insert_header("location", "/loop"),
        ),
        (
            "/to-loopback",
            ResponseTemplate::new(302).insert_header(
                "location",
                format!("http://127.0.0.1:{}/feed.rss", canary.port).as_str(),
            ),
        ),
        (
            "/to-v6-loopback",
            ResponseTemplate::new(302)
                .insert_header("location", format!("http://[::1]:{v6_port}/").as_str()),
        ),
        (
            "/to-metadata",
            ResponseTemplate::new(302)
                .insert_header("location", "http://169.254.169.254/latest/meta-data/"),
        ),
        (
            "/to-localhost",
            ResponseTemplate::new(302).insert_header(
                "location",
                format!("http://LocalHost:{}/", canary.port).as_str(),
            ),
        ),
        (
            "/huge.rss",
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/rss+xml")
                .set_body_string(huge_feed()),
        ),
    ];
    for (route, template) in routes {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(template)
            .mount(&origin)
            .await;
    }
    Mock::given(path_regex("^/chain/[0-9]+$"))
        .respond_with(Chain)
        .mount(&origin)
        .await;

    let raw_url = |s: &RawServer, route: &str| s.url(route).to_string();
    let sources = [
        ("Good RSS", "{{BASE}}/kazpravda.rss".to_string()),
        ("Good Atom", "{{BASE}}/astana.atom".to_string()),
        ("Wrong charset", "{{BASE}}/cp1251-as-utf8.rss".to_string()),
        ("Invalid UTF-8", "{{BASE}}/invalid-utf8.rss".to_string()),
        ("Huge feed", "{{BASE}}/huge.rss".to_string()),
        ("Slow", raw_url(&slow, "/slow.rss")),
        ("Silent", raw_url(&silent, "/stall")),
        ("Endless", raw_url(&endless, "/endless.rss")),
        ("Lying length", raw_url(&lying, "/huge-length.rss")),
        ("Cut off", raw_url(&cut, "/cut.rss")),
        ("Gzip bomb", "{{BASE}}/gzip-bomb.rss".to_string()),
        ("Redirect loop", "{{BASE}}/loop".to_string()),
        ("Redirect chain", "{{BASE}}/chain/30".to_string()),
        ("To loopback", "{{BASE}}/to-loopback".to_string()),
        ("To IPv6 loopback", "{{BASE}}/to-v6-loopback".to_string()),
        ("To metadata", "{{BASE}}/to-metadata".to_string()),
        ("To localhost", "{{BASE}}/to-localhost".to_string()),
    ];
    let body: String = sources
        .iter()
        .map(|(name, url)| {
            format!("[[source]]\nname = \"{name}\"\nurl = \"{url}\"\nfull_text = false\n\n")
        })
        .collect();
    // Loopback is private: only the origin and the raw servers are allowed,
    // by exact host and port; the canaries are not.
    let allowed: Vec<String> = [&slow, &silent, &endless, &lying, &cut]
        .iter()
        .map(|s| format!("\"127.0.0.1:{}\"", s.port))
        .chain(["\"{{ORIGIN}}\"".to_string()])
        .collect();
    let app = TestApp::with_fetch(
        origin,
        &format!(
            "max_body = \"8 MiB\"\nconnections = 32\n\
             allow_private_networks = false\nallow_private_origins = [{}]",
            allowed.join(", ")
        ),
        &body,
    )
    .await;

    // The server is asked for feeds the whole time the pass runs.
    let addr = app.serve().await;
    let done = Arc::new(AtomicBool::new(false));
    let asker = {
        let done = done.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut answered = 0;
            while !done.load(Ordering::SeqCst) {
                for route in ["/healthz", "/feeds/all.json", "/"] {
                    let response = client
                        .get(format!("http://{addr}{route}"))
                        .timeout(Duration::from_secs(5))
                        .send()
                        .await
                        .unwrap_or_else(|e| panic!("{route}: {e}"));
                    assert!(
                        response.status().is_success(),
                        "{route}: {}",
                        response.status()
                    );
                    answered += 1;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            answered
        })
    };
    let reports = app.fetch_pass().await;
    done.store(true, Ordering::SeqCst);
    let answered = asker.await.unwrap();
    assert!(answered >= 3, "the server answered {answered} requests");

    let outcome = |name: &str| {
        &reports
            .iter()
            .find(|r| r.source == name)
            .unwrap_or_else(|| panic!("no report for {name}"))
            .outcome
    };
    for (name, expected) in [
        ("Slow", "timed out after 5s"),
        ("Silent", "timed out after 5s"),
        ("Endless", "response too large: limit 8 MiB"),
        ("Lying length", "response too large: limit 8 MiB"),
        ("Cut off", "request failed"),
        ("Gzip bomb", "response too large: limit 8 MiB"),
        ("Redirect loop", "more than 10 redirects"),
        ("Redirect chain", "more than 10 redirects"),
        ("To loopback", "address guard refused"),
        ("To IPv6 loopback", "address guard refused"),
        ("To metadata", "address guard refused"),
        ("To localhost", "address guard refused"),
    ] {
        let Outcome::Failed { error, .. } = outcome(name) else {
            panic!("{name}: expected a failure, got {:?}", outcome(name));
        };
        assert!(error.contains(expected), "{name}: {error}");
        let url: String = app.source_row(name, "url");
        assert!(
            error.starts_with(&url),
            "{name}: the error names {url}: {error}"
        );
        let stored: String = app.source_row(name, "last_error");
        assert_eq!(
            &stored, error,
            "{name}: the error is recorded on the source"
        );
    }
    for name in ["Good RSS", "Good Atom", "Wrong charset", "Invalid UTF-8"] {
        assert!(
            matches!(outcome(name), Outcome::Updated { .. }),
            "{name}: {:?}",
            outcome(name)
        );
        let error: Option<String> = app.source_row(name, "last_error");
        assert_eq!(error, None, "{name}");
    }
    // The huge feed is read within its limits: the newest max_items.
    assert!(
        matches!(outcome("Huge feed"), Outcome::Updated { entries: 500, .. }),
        "{:?}",
        outcome("Huge feed")
    );

    let db = app.db();
    // Malformed bytes become U+FFFD; the rest of each title is intact.
    let titles: Vec<String> = db
        .prepare(
            "SELECT a.title FROM articles a JOIN sources s ON s.id = a.source_id \
             WHERE s.name = 'Invalid UTF-8'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(titles.len() >= 3, "{titles:?}");
    assert!(
        titles.contains(&"overlong \u{FFFD}\u{FFFD} slash".to_string()),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Корректно: valid Cyrillic")),
        "{titles:?}"
    );
    let cyrillic: i64 = db
        .query_row(
            "SELECT count(*) FROM articles a JOIN sources s ON s.id = a.source_id \
             WHERE s.name = 'Wrong charset' AND a.title = 'Ремонт моста завершится в июне'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(cyrillic > 0, "windows-1251 read as such, not as mojibake");
    assert_eq!(canary.hits(), 0, "the loopback canary was contacted");
    assert_eq!(
        v6_hits.load(Ordering::SeqCst),
        0,
        "the [::1] canary was contacted"
    );
}

//! The fetcher against servers that misbehave: slow, silent, endless,
//! lying, redirecting in circles or towards private addresses. Every case
//! must end in a clear error (or a safe result), never a hang, and never a
//! connection to a private address the configuration did not allow.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use feedsieve::config::Config;
use feedsieve::fetch::guard::{AddressClass, RefusalReason};
use feedsieve::fetch::{FeedResponse, FetchError, Fetcher};
use feedsieve::model::Validators;
use url::Url;
use wiremock::matchers::{header, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::support::servers::{Canary, Misbehaviour, RawServer};
use crate::support::{fixture_bytes, serve_bytes};

/// A fetcher configured with the `[fetch]` lines given.
fn fetcher(fetch: &str) -> Fetcher {
    let text = format!("[fetch]\nhost_delay = \"0s\"\n{fetch}\n");
    let config = Config::from_str(&text, Path::new("/tmp/feedsieve.toml")).unwrap();
    Fetcher::new(&config.fetch).unwrap()
}

/// A fetcher that may reach exactly `origin` on loopback, and nothing else
/// that is private.
fn fetcher_for(origin: &MockServer, extra: &str) -> Fetcher {
    fetcher(&format!(
        "allow_private_origins = [\"{}\"]\n{extra}",
        origin.address()
    ))
}

async fn get_feed(fetcher: &Fetcher, url: &Url) -> Result<FeedResponse, FetchError> {
    fetcher.feed(url, &Validators::default(), None).await
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

const FEED: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>ok</title><item><title>a</title><guid>a</guid></item></channel></rss>"#;

#[tokio::test]
async fn a_server_trickling_one_byte_at_a_time_is_cut_off_at_the_total_timeout() {
    let server = RawServer::start(Misbehaviour::Trickle {
        every: Duration::from_millis(50),
    })
    .await;
    let fetcher = fetcher("timeout = \"1s\"\nallow_private_networks = true");
    let error = get_feed(&fetcher, &server.url("/slow.rss"))
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::Timeout { .. }), "{error}");
    assert!(error.to_string().ends_with("timed out after 1s"), "{error}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = RawServer::start(Misbehaviour::Stall).await;
    let fetcher = fetcher("timeout = \"1s\"\nallow_private_networks = true");
    let error = get_feed(&fetcher, &server.url("/stall")).await.unwrap_err();
    assert!(matches!(error, FetchError::Timeout { .. }), "{error}");
}

#[tokio::test]
async fn an_endless_body_stops_at_the_size_limit() {
    let server = RawServer::start(Misbehaviour::Endless).await;
    let fetcher = fetcher("max_body = \"64 KiB\"\nallow_private_networks = true");
    let error = get_feed(&fetcher, &server.url("/endless.rss"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, FetchError::TooLarge { limit: 65536, .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .ends_with("response too large: limit 64 KiB")
    );
}

#[tokio::test]
async fn a_content_length_beyond_the_limit_is_refused_without_reading_the_body() {
    let server = RawServer::start(Misbehaviour::HugeLength).await;
    let fetcher = fetcher("allow_private_networks = true");
    let error = get_feed(&fetcher, &server.url("/huge-length.rss"))
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::TooLarge { .. }), "{error}");
}

#[tokio::test]
async fn a_gzip_bomb_stops_at_the_decompressed_limit() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder
        .write_all(b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><description>")
        .unwrap();
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&spaces).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    let origin = MockServer::start().await;
    Mock::given(path("/gzip-bomb.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .insert_header("content-type", "application/rss+xml")
                .set_body_bytes(bomb),
        )
        .mount(&origin)
        .await;
    let fetcher = fetcher_for(&origin, "max_body = \"1 MiB\"");
    let error = get_feed(&fetcher, &url(&format!("{}/gzip-bomb.rss", origin.uri())))
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::TooLarge { .. }), "{error}");
}

/// `/chain/N` redirects to `/chain/N-1`; `/chain/0` is a feed.
struct Chain;

impl Respond for Chain {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n: usize = request
            .url
            .path()
            .trim_start_matches("/chain/")
            .parse()
            .unwrap();
        if n == 0 {
            ResponseTemplate::new(200).set_body_string(FEED)
        } else {
            ResponseTemplate::new(302).insert_header("location", format!("/chain/{}", n - 1))
        }
    }
}

#[tokio::test]
async fn ten_redirects_are_followed_and_the_eleventh_is_refused() {
    let origin = MockServer::start().await;
    Mock::given(path_regex("^/chain/[0-9]+$"))
        .respond_with(Chain)
        .mount(&origin)
        .await;
    Mock::given(path("/loop"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/loop"))
        .mount(&origin)
        .await;
    let fetcher = fetcher_for(&origin, "");
    let ten = get_feed(&fetcher, &url(&format!("{}/chain/10", origin.uri()))).await;
    assert!(matches!(ten, Ok(FeedResponse::Fetched(_))), "{ten:?}");
    let eleven = get_feed(&fetcher, &url(&format!("{}/chain/11", origin.uri())))
        .await
        .unwrap_err();
    assert!(
        matches!(eleven, FetchError::TooManyRedirects { max: 10, .. }),
        "{eleven}"
    );
    let looping = get_feed(&fetcher, &url(&format!("{}/loop", origin.uri())))
        .await
        .unwrap_err();
    assert!(
        matches!(looping, FetchError::TooManyRedirects { .. }),
        "{looping}"
    );
}

#[tokio::test]
async fn a_redirect_from_an_allowed_origin_to_another_loopback_port_is_never_connected() {
    let canary = Canary::start().await;
    let origin = MockServer::start().await;
    for (route, target) in [
        (
            "/to-canary",
            format!("http://127.0.0.1:{}/redirected", canary.port),
        ),
        (
            "/to-canary-decimal",
            format!("http://2130706433:{}/", canary.port),
        ),
        (
            "/to-canary-name",
            format!("http://localhost:{}/", canary.port),
        ),
        (
            "/to-canary-v6",
            format!("http://[::ffff:127.0.0.1]:{}/", canary.port),
        ),
        (
            "/to-metadata",
            "http://169.254.169.254/latest/meta-data/".to_string(),
        ),
        ("/to-file", "file:///etc/passwd".to_string()),
    ] {
        Mock::given(path(route))
            .respond_with(ResponseTemplate::new(302).insert_header("location", target.as_str()))
            .mount(&origin)
            .await;
    }
    let fetcher = fetcher_for(&origin, "");
    for route in [
        "/to-canary",
        "/to-canary-decimal",
        "/to-canary-name",
        "/to-canary-v6",
        "/to-metadata",
    ] {
        let error = get_feed(&fetcher, &url(&format!("{}{route}", origin.uri())))
            .await
            .unwrap_err();
        match &error {
            FetchError::Refused { refused, .. } => assert!(
                matches!(
                    refused.reason,
                    RefusalReason::Address {
                        class: AddressClass::Loopback | AddressClass::LinkLocal,
                        ..
                    }
                ),
                "{route}: {error}"
            ),
            other => panic!("{route}: expected a refusal, got {other}"),
        }
    }
    let named = get_feed(&fetcher, &url(&format!("{}/to-canary", origin.uri())))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        named.starts_with(&format!(
            "{}/to-canary: address guard refused http://127.0.0.1:{}/redirected: 127.0.0.1 is a loopback address",
            origin.uri(),
            canary.port
        )),
        "the error names the URL asked for and the refused hop: {named}"
    );
    let file = get_feed(&fetcher, &url(&format!("{}/to-file", origin.uri())))
        .await
        .unwrap_err();
    assert!(
        matches!(&file, FetchError::Refused { refused, .. } if matches!(refused.reason, RefusalReason::Scheme(_))),
        "{file}"
    );
    assert_eq!(canary.hits(), 0, "the canary was contacted");
}

#[tokio::test]
async fn private_addresses_are_refused_in_every_spelling_without_a_connection() {
    let canary = Canary::start().await;
    let fetcher = fetcher("");
    let port = canary.port;
    for target in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://2130706433:{port}/"),
        format!("http://0x7f.1:{port}/"),
        format!("http://0177.0.0.1:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:7f00:1]:{port}/"),
        format!("http://evil.example@127.0.0.1:{port}/"),
    ] {
        let error = get_feed(&fetcher, &url(&target)).await.unwrap_err();
        assert!(
            matches!(error, FetchError::Refused { .. }),
            "{target}: {error}"
        );
        assert!(
            error.to_string().contains("address guard refused"),
            "{error}"
        );
    }
    let pages = fetcher
        .page(&url(&format!("http://127.0.0.1:{port}/article")), None)
        .await;
    assert!(matches!(pages, Err(FetchError::Refused { .. })));
    assert_eq!(canary.hits(), 0, "the canary was contacted");
}

#[tokio::test]
async fn the_user_agent_names_feedsieve_and_the_configured_contact() {
    let origin = MockServer::start().await;
    let expected = format!(
        "feedsieve/{} (+https://example.org/feedsieve-bot)",
        env!("CARGO_PKG_VERSION")
    );
    Mock::given(method("GET"))
        .and(path("/feed.xml"))
        .and(header("user-agent", expected.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string(FEED))
        .mount(&origin)
        .await;
    let fetcher = fetcher_for(&origin, "contact = \"https://example.org/feedsieve-bot\"");
    let response = get_feed(&fetcher, &url(&format!("{}/feed.xml", origin.uri()))).await;
    assert!(
        matches!(response, Ok(FeedResponse::Fetched(_))),
        "{response:?}"
    );
}

#[tokio::test]
async fn requests_to_one_host_never_run_more_than_per_host_at_once() {
    let server = RawServer::start(Misbehaviour::SlowOk {
        delay: Duration::from_millis(150),
    })
    .await;
    let fetcher = fetcher("per_host = 2\nconnections = 16\nallow_private_networks = true");
    let pages = (0..6).map(|i| {
        let fetcher = fetcher.clone();
        let url = server.url(&format!("/article/{i}"));
        async move { fetcher.page(&url, None).await }
    });
    let results = futures_util::future::join_all(pages).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(server.requests(), 6);
    assert!(
        server.most_at_once() <= 2,
        "{} at once",
        server.most_at_once()
    );
}

#[tokio::test]
async fn waiting_for_a_slot_on_a_busy_host_does_not_count_against_the_timeout() {
    // Each answer takes 0.6 s and only one request may run at a time, so the
    // third page waits about 1.2 s for its slot: longer than the 1 s timeout,
    // which must only start once its request is sent.
    let server = RawServer::start(Misbehaviour::SlowOk {
        delay: Duration::from_millis(600),
    })
    .await;
    let fetcher = fetcher("per_host = 1\ntimeout = \"1s\"\nallow_private_networks = true");
    let pages = (0..3).map(|i| {
        let fetcher = fetcher.clone();
        let url = server.url(&format!("/article/{i}"));
        async move { fetcher.page(&url, None).await }
    });
    let results = futures_util::future::join_all(pages).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(server.most_at_once(), 1);
}

#[tokio::test]
async fn rate_limits_and_outages_carry_their_retry_after() {
    let origin = MockServer::start().await;
    Mock::given(path("/429"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "7200"))
        .mount(&origin)
        .await;
    let in_an_hour =
        httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600));
    Mock::given(path("/503"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", in_an_hour.as_str()))
        .mount(&origin)
        .await;
    Mock::given(path("/410"))
        .respond_with(ResponseTemplate::new(410))
        .mount(&origin)
        .await;
    let fetcher = fetcher_for(&origin, "");
    let limited = get_feed(&fetcher, &url(&format!("{}/429", origin.uri())))
        .await
        .unwrap_err();
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(7200)));
    assert!(limited.is_transient());
    assert!(
        limited.to_string().contains("(Retry-After: 2h)"),
        "{limited}"
    );
    let down = get_feed(&fetcher, &url(&format!("{}/503", origin.uri())))
        .await
        .unwrap_err();
    let wait = down.retry_after().unwrap();
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
        "{wait:?}"
    );
    let gone = get_feed(&fetcher, &url(&format!("{}/410", origin.uri())))
        .await
        .unwrap_err();
    assert!(gone.is_gone(), "{gone}");
}

#[tokio::test]
async fn only_a_chain_of_permanent_redirects_is_reported_as_a_move() {
    let origin = MockServer::start().await;
    Mock::given(path("/old"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/newer"))
        .mount(&origin)
        .await;
    Mock::given(path("/newer"))
        .respond_with(ResponseTemplate::new(308).insert_header("location", "/newest"))
        .mount(&origin)
        .await;
    Mock::given(path("/newest"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/today"))
        .mount(&origin)
        .await;
    Mock::given(path("/today"))
        .respond_with(ResponseTemplate::new(200).set_body_string(FEED))
        .mount(&origin)
        .await;
    let fetcher = fetcher_for(&origin, "");
    let Ok(FeedResponse::Fetched(feed)) =
        get_feed(&fetcher, &url(&format!("{}/old", origin.uri()))).await
    else {
        panic!("the feed is fetched");
    };
    assert_eq!(feed.url.path(), "/today");
    assert_eq!(
        feed.moved_to.as_ref().map(Url::path),
        Some("/newest"),
        "moves stop at the 302"
    );
    let Ok(FeedResponse::Fetched(temporary)) =
        get_feed(&fetcher, &url(&format!("{}/newest", origin.uri()))).await
    else {
        panic!("the feed is fetched");
    };
    assert_eq!(temporary.moved_to, None);
}

#[tokio::test]
async fn a_feed_labelled_utf8_but_written_in_windows_1251_is_decoded_correctly() {
    let origin = MockServer::start().await;
    serve_bytes(
        &origin,
        "/cp1251-as-utf8.rss",
        "feeds/utf8-declared-but-cp1251.rss",
        "application/rss+xml; charset=utf-8",
    )
    .await;
    let fetcher = fetcher_for(&origin, "");
    let Ok(FeedResponse::Fetched(feed)) = get_feed(
        &fetcher,
        &url(&format!("{}/cp1251-as-utf8.rss", origin.uri())),
    )
    .await
    else {
        panic!("the feed is fetched");
    };
    assert_eq!(feed.text.charset.name(), "windows-1251");
    assert!(feed.text.text.contains("<title>Новости города</title>"));
    assert!(!feed.text.replaced);
    // The bytes on the wire really are not UTF-8.
    assert!(
        std::str::from_utf8(&fixture_bytes("feeds/utf8-declared-but-cp1251.rss", "x")).is_err()
    );
}

//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*` and the
//! regression test `tests/it/fuzz_regressions.rs` (which includes this file
//! with `#[path]`), so a saved crash input is replayed through exactly the
//! code the fuzzer ran.
//!
//! Each function takes the fuzzer's bytes, runs one untrusted-input entry
//! point of feedsieve the way the daemon does, and panics only when a
//! property the daemon relies on is broken. Errors are fine: hostile input
//! is expected to be refused, never to crash.

// Each fuzz target binary uses one of these functions.
#![allow(dead_code)]

use url::Url;

/// Where fuzzed feeds and pages claim to come from.
fn origin() -> Url {
    Url::parse("https://news.example.kz/rss/").expect("a literal URL parses")
}

/// Feed bytes → decoded text → entries, as `refresh` does with a fetched
/// body.
///
/// `parse::entries` turns a panic inside feed-rs (quick-xml) into that
/// feed's error, so the daemon survives one; such a caught panic is
/// reported on stderr once per place but is not a crash here. A panic that
/// escapes is.
pub fn parse_feed(data: &[u8]) {
    let text = feedsieve::fetch::charset::decode(
        data,
        feedsieve::fetch::charset::DocumentKind::Feed,
        &feedsieve::fetch::charset::Hints::default(),
    );
    let options = feedsieve::parse::Options {
        max_items: 500,
        utc_offset: chrono::FixedOffset::east_opt(5 * 3600).expect("UTC+5 is a valid offset"),
    };
    if let Ok(feed) = feedsieve::parse::entries(&text.text, &origin(), &options) {
        assert!(feed.entries.len() <= options.max_items);
        for entry in &feed.entries {
            // Links the pipeline would follow are absolute http(s) URLs.
            if let Some(url) = &entry.url {
                assert!(matches!(url.scheme(), "http" | "https"), "{url}");
            }
            assert!(!entry.key.is_empty(), "an entry without a key");
        }
    }
}

/// Replaces libFuzzer's abort-on-any-panic hook by one that prints each
/// panic's place once: `libfuzzer_sys` still aborts on a panic that
/// escapes the target, so only panics the code under test catches pass.
/// Called by the fuzz target, never by the regression test (the hook is
/// process-wide).
pub fn report_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let seen = std::sync::Mutex::new(std::collections::HashSet::new());
        std::panic::set_hook(Box::new(move |info| {
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            if seen.insert(place.clone()) {
                eprintln!("caught panic at {place}: {info}");
            }
        }));
    });
}

/// Response bytes → text, with each kind of clue the fetcher passes: the
/// first byte picks the document kind, the Content-Type and the host's
/// TLD; the rest is the body.
pub fn charset_decode(data: &[u8]) {
    use feedsieve::fetch::charset::{self, DocumentKind, Hints};
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    const TYPES: [Option<&str>; 8] = [
        None,
        Some("application/rss+xml; charset=utf-8"),
        Some("text/xml; charset=windows-1251"),
        Some("text/html; charset=koi8-r"),
        Some("application/xml; charset=utf-16"),
        Some("text/html; charset=\"utf-32\""),
        Some("text/html; charset=bogus; charset=x-user-defined"),
        Some("text/html;charset="),
    ];
    let kind = if pick & 1 == 0 {
        DocumentKind::Feed
    } else {
        DocumentKind::Page
    };
    let hints = Hints {
        override_charset: None,
        content_type: TYPES[(pick as usize >> 1) % TYPES.len()],
        tld: [None, Some("kz"), Some("ru")][(pick as usize >> 4) % 3],
    };
    let decoded = charset::decode(body, kind, &hints);
    let _ = charset::without_xml_declaration(&decoded.text);
    // Valid UTF-8 with no label anywhere (no header; no `=`, so no
    // declaration or meta), no BOM and no zero bytes is read unchanged.
    if hints.content_type.is_none()
        && let Ok(text) = std::str::from_utf8(body)
        && !text.starts_with('\u{feff}')
        && !body.contains(&0)
        && !body.contains(&b'=')
    {
        assert_eq!(decoded.text, text, "valid UTF-8 was changed");
    }
}

/// A date as feeds write it → an instant, with the zone-less offset taken
/// from the first byte (UTC−12 … UTC+14 in hours).
pub fn dates(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let hours = (pick % 27) as i32 - 12;
    let offset = chrono::FixedOffset::east_opt(hours * 3600).expect("within ±14 h");
    if let Some(instant) = feedsieve::parse::dates::parse(text, offset) {
        let now = chrono::Utc::now();
        let clamped =
            feedsieve::parse::dates::clamp_future(instant, now, chrono::TimeDelta::minutes(10));
        assert!(clamped <= now + chrono::TimeDelta::minutes(10));
    }
}

/// What a browser would run, as the XSS tests judge it. In the test binary
/// this file is also a module of `support`; the two copies are the same
/// pure code, which is the point.
#[allow(clippy::duplicate_mod)]
#[path = "../tests/it/support/active_content.rs"]
mod active_content;

/// Page bytes → extracted article, and feed HTML → sanitized HTML and text,
/// as `refresh` does for each new entry. Neither HTML may hold anything a
/// browser would run: the fuzzer hunts for sanitizer bypasses too.
pub fn extract_page(data: &[u8]) {
    let html = String::from_utf8_lossy(data);
    let url = origin();
    if let Ok(article) =
        feedsieve::extract::article(&html, &url, &feedsieve::extract::Rules::none())
    {
        let active = active_content::in_fragment(&article.html);
        assert!(active.is_empty(), "extracted HTML is active: {active:?}");
    }
    let clean = feedsieve::extract::sanitize(&html, Some(&url));
    let active = active_content::in_fragment(&clean);
    assert!(active.is_empty(), "sanitized HTML is active: {active:?}");
    let _ = feedsieve::extract::html_to_text(&clean);
}

/// A topic query as written in the config → compiled query, then matched
/// against a small document (so the evaluator sees every query that
/// compiles). The document is analysed once: analysis is the same work for
/// every input and would otherwise be most of each run.
pub fn topic_query(data: &[u8]) {
    use feedsieve::topics::{self, AnalyzedDocument, Document, Query, Topic};
    static DOC: std::sync::LazyLock<AnalyzedDocument> = std::sync::LazyLock::new(|| {
        AnalyzedDocument::new(&Document {
            title: "Переговоры в Астане: mediation talks resume",
            text: "Стороны договорились о прекращении огня. Kazakhstan hosts the ceasefire talks.",
            source: "fuzz",
            lang: None,
        })
    });
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(query) = Query::parse(src) else {
        return;
    };
    let topic = Topic::new("fuzz", "Fuzz", query);
    let _ = topics::classify_analyzed(&DOC, std::slice::from_ref(&topic));
    let _ = topics::explain_analyzed(&DOC, &topic);
}

/// A link from a feed → its canonical form, which must itself be a URL
/// whose canonical form is unchanged (the store looks articles up by it).
/// Only http(s) links reach `canonical_url` (`parse` drops the rest); the
/// `url` crate re-reads other schemes differently (`file://host/e:/` loses
/// its host), which is no concern of feedsieve's.
pub fn canonical_url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(url) = Url::parse(text) else {
        return;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return;
    }
    let once = feedsieve::dedupe::canonical_url(&url);
    let reparsed = Url::parse(&once)
        .unwrap_or_else(|e| panic!("canonical form {once:?} of {text:?} does not parse: {e}"));
    let twice = feedsieve::dedupe::canonical_url(&reparsed);
    assert_eq!(once, twice, "canonical_url is not idempotent for {text:?}");
}

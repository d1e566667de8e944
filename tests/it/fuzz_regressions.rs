//! Every input the fuzzers ever crashed on, and their seeds, replayed
//! through the fuzz targets' own code (`fuzz/harness.rs`): a fixed bug
//! stays fixed without building the fuzzers.

use std::path::Path;

#[path = "../../fuzz/harness.rs"]
mod harness;

/// Runs `target` on every file under tests/fixtures/fuzz-regressions/NAME
/// and fuzz/seeds/NAME; returns how many inputs it ran.
fn replay(name: &str, target: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in [
        root.join("tests/fixtures/fuzz-regressions").join(name),
        root.join("fuzz/seeds").join(name),
    ] {
        let Ok(files) = std::fs::read_dir(&dir) else {
            continue;
        };
        for file in files {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name} panicked on {}", path.display());
            count += 1;
        }
    }
    assert!(count > 0, "no inputs for {name}");
    count
}

#[test]
fn saved_feed_inputs_parse_or_fail_cleanly() {
    replay("parse_feed", harness::parse_feed);
}

#[test]
fn saved_page_inputs_extract_or_fail_cleanly() {
    replay("extract_page", harness::extract_page);
}

#[test]
fn saved_charset_inputs_decode() {
    replay("charset_decode", harness::charset_decode);
}

#[test]
fn saved_topic_queries_compile_or_fail_cleanly() {
    replay("topic_query", harness::topic_query);
}

#[test]
fn saved_urls_canonicalize_idempotently() {
    replay("canonical_url", harness::canonical_url);
}

#[test]
fn saved_date_texts_parse_or_fail_cleanly() {
    replay("dates", harness::dates);
}

//! Crafted reprints and near-misses in Russian and English
//! (tests/fixtures/dedupe/, written for this project), through the default
//! fingerprint parameters and match rule.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::model::ArticleId;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/dedupe/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // The first line names the fixture's quirk.
    raw.lines()
        .filter(|l| !l.starts_with("# quirk:"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 3, hour, 0, 0)
        .single()
        .expect("valid time")
}

const P: FingerprintParams = FingerprintParams::DEFAULT;

/// An index holding the given fixtures as articles 1, 2, …
fn index_of(names: &[&str]) -> NearDupIndex {
    let mut index = NearDupIndex::new(P, MatchRule::DEFAULT);
    for (i, name) in names.iter().enumerate() {
        let fp = fingerprint(&fixture(name), P);
        index
            .insert(ArticleId(i as i64 + 1), at(8), &fp)
            .expect("insert");
    }
    index
}

fn best(index: &NearDupIndex, name: &str) -> Option<NearMatch> {
    index
        .best_match(&fingerprint(&fixture(name), P), at(12))
        .expect("lookup")
}

#[test]
fn a_russian_reprint_with_new_lead_attribution_and_dropped_paragraph_is_the_same_story() {
    let index = index_of(&["ru_summit_kazpravda.txt"]);
    let found = best(&index, "ru_summit_kazinform_reprint.txt").expect("the reprint matches");
    assert_eq!(found.article, ArticleId(1));
    assert!(
        found.similarity.jaccard >= MatchRule::DEFAULT.threshold,
        "{found:?}"
    );
}

#[test]
fn an_english_reprint_with_new_headline_and_lead_is_the_same_story() {
    let index = index_of(&["en_forum_astana_times.txt"]);
    let found = best(&index, "en_forum_kazinform_reprint.txt").expect("the reprint matches");
    assert_eq!(found.article, ArticleId(1));
}

#[test]
fn another_russian_report_on_the_same_talks_sharing_a_background_paragraph_stays_apart() {
    let index = index_of(&["ru_summit_kazpravda.txt", "ru_summit_kazinform_reprint.txt"]);
    assert_eq!(best(&index, "ru_summit_other_report.txt"), None);
}

#[test]
fn another_english_report_from_the_same_forum_stays_apart() {
    let index = index_of(&[
        "en_forum_astana_times.txt",
        "en_forum_kazinform_reprint.txt",
    ]);
    assert_eq!(best(&index, "en_forum_other_report.txt"), None);
}

#[test]
fn a_reprint_finds_its_own_story_among_near_misses_in_both_languages() {
    let index = index_of(&[
        "ru_summit_other_report.txt",
        "en_forum_other_report.txt",
        "ru_summit_kazpravda.txt",
        "en_forum_astana_times.txt",
    ]);
    let ru = best(&index, "ru_summit_kazinform_reprint.txt").expect("ru reprint matches");
    let en = best(&index, "en_forum_kazinform_reprint.txt").expect("en reprint matches");
    assert_eq!((ru.article, en.article), (ArticleId(3), ArticleId(4)));
}

#[test]
fn a_very_short_brief_is_never_merged_on_its_fingerprint() {
    let a = fixture("ru_brief_rate_a.txt");
    let b = fixture("ru_brief_rate_b.txt");
    // Nearly the same words: only the attribution differs.
    let sim = Similarity::of(&fingerprint(&a, P), &fingerprint(&b, P));
    assert!(sim.jaccard > 0.5, "{sim:?}");
    let index = index_of(&["ru_brief_rate_a.txt"]);
    assert!(index.is_empty(), "a short text is not even indexed");
    assert_eq!(best(&index, "ru_brief_rate_b.txt"), None);
    // Only an exact copy (same normalized text) would be the same article.
    assert_ne!(text_hash(&a), text_hash(&b));
    assert_eq!(
        text_hash(&a),
        text_hash(&a.replace("471,2", "471.2").to_uppercase())
    );
}

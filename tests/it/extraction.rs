//! Article extraction on realistic pages: every page of
//! `tests/fixtures/pages` against its expected text, the `extract` command,
//! and a source's rules and failure fallback through a real refresh.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use feedsieve::extract;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::TestApp;

fn pages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

fn page(name: &str) -> String {
    std::fs::read_to_string(pages_dir().join(name))
        .unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Tokens as the benchmark's `score.py` reads them: maximal runs of word
/// characters (Python's `\w`: letters, digits, `_`), case kept.
fn tokens(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect()
}

/// The benchmark's per-page F1 (`score.py`): multisets of 4-token shingles
/// (a text of 1–3 tokens is one shingle), matched by count; identical texts
/// score 1, an empty prediction 0.
fn f1(truth: &str, pred: &str) -> f64 {
    fn shingles<'a>(t: &[&'a str]) -> HashMap<Vec<&'a str>, usize> {
        let mut m = HashMap::new();
        if t.is_empty() {
            return m;
        }
        if t.len() < 4 {
            m.insert(t.to_vec(), 1);
            return m;
        }
        for w in t.windows(4) {
            *m.entry(w.to_vec()).or_insert(0) += 1;
        }
        m
    }
    let (tt, pt) = (tokens(truth), tokens(pred));
    let (ts, ps) = (shingles(&tt), shingles(&pt));
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for key in ts.keys().chain(ps.keys().filter(|k| !ts.contains_key(*k))) {
        let (a, b) = (
            ts.get(key).copied().unwrap_or(0),
            ps.get(key).copied().unwrap_or(0),
        );
        tp += a.min(b);
        fp += b.saturating_sub(a);
        fn_ += a.saturating_sub(b);
    }
    if fp == 0 && fn_ == 0 {
        return 1.0;
    }
    let p = if tp + fp > 0 {
        tp as f64 / (tp + fp) as f64
    } else {
        0.0
    };
    let r = if tp + fn_ > 0 {
        tp as f64 / (tp + fn_) as f64
    } else {
        0.0
    };
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

#[test]
fn the_f1_here_scores_like_the_benchmark_scorer() {
    let truth = "один два три четыре пять шесть";
    assert_eq!(f1(truth, truth), 1.0);
    assert_eq!(f1(truth, ""), 0.0);
    assert_eq!(f1("", ""), 1.0);
    // Three of the truth's shingles, none extra: P = 1, R = 1.
    assert_eq!(f1(truth, "один, два — три четыре пять шесть!"), 1.0);
    // Half the text: 1 shingle of 3 found, nothing extra.
    let half = f1(truth, "один два три четыре");
    assert!((half - 0.5).abs() < 1e-9, "{half}");
}

/// Each page, the address it is extracted as, its language, and the lowest
/// F1 its text may score against the expected text. Every page scores 1.0
/// today; a floor of 0.97 lets a page lose a stray line (one short
/// paragraph of these costs about 0.03) but not a paragraph of text or a
/// block of boilerplate.
const PAGES: &[(&str, &str, &str, f64)] = &[
    (
        "ru-table-layout",
        "https://pv.example.kz/news/18234/",
        "ru",
        0.97,
    ),
    (
        "ru-split-body",
        "https://almaty-news.example/transport/brt",
        "ru",
        0.97,
    ),
    (
        "kk-news",
        "https://qazaqparat.example/aimaq/hospital",
        "kk",
        0.97,
    ),
    (
        "en-nuxt-state",
        "https://sbr.example/agriculture/wheat",
        "en",
        0.97,
    ),
    (
        "ru-paywall",
        "https://dk.example/analytics/astana",
        "ru",
        0.97,
    ),
    (
        "en-blog-comments",
        "https://trails.example/2024/06/ile-alatau",
        "en",
        0.97,
    ),
    (
        "ru-next-news-rail",
        "https://kzfin.example/news/tenge",
        "ru",
        0.97,
    ),
];

#[test]
fn every_fixture_page_extracts_to_its_expected_text() {
    let mut failures = Vec::new();
    for &(name, url, lang, floor) in PAGES {
        let html = page(&format!("{name}.html"));
        let want = page(&format!("{name}.txt"));
        let url = Url::parse(url).unwrap();
        let a = extract::article(&html, &url, &extract::Rules::none())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let score = f1(&want, &a.text);
        if score < floor {
            failures.push(format!(
                "{name}: F1 {score:.3} < {floor}\n--- got:\n{}\n",
                a.text
            ));
        }
        if a.lang.as_deref() != Some(lang) {
            failures.push(format!("{name}: lang {:?}, want {lang}", a.lang));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_fixture_page_has_expected_text_and_names_its_quirk() {
    for &(name, ..) in PAGES {
        let html = page(&format!("{name}.html"));
        let first_line = html.lines().find(|l| l.starts_with("<!--")).unwrap_or("");
        assert!(first_line.contains("Quirk:"), "{name}: {first_line}");
        assert!(!page(&format!("{name}.txt")).trim().is_empty(), "{name}");
    }
}

#[test]
fn extracted_html_is_clean_and_keeps_the_figure_but_not_its_caption() {
    let html = page("en-nuxt-state.html");
    let url = Url::parse("https://sbr.example/agriculture/wheat").unwrap();
    let a = extract::article(&html, &url, &extract::Rules::none()).unwrap();
    assert!(
        a.html
            .contains(r#"<img src="https://sbr.example/media/wheat-train.jpg""#),
        "{}",
        a.html
    );
    assert!(
        !a.html.contains("Photo: Steppe Business Review"),
        "{}",
        a.html
    );
    for banned in ["<script", "<form", "<input", "data-v-", "class=", "style="] {
        assert!(!a.html.contains(banned), "{banned} in {}", a.html);
    }
    assert_eq!(a.author.as_deref(), Some("Marat Abenov, Sarah Collins"));
    assert_eq!(
        a.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-10-02T08:00:00+00:00")
    );
}

#[test]
fn the_extract_command_prints_an_article_as_json() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_feedsieve"))
        .args(["extract", "--format", "json", "--url"])
        .arg("https://qazaqparat.example/aimaq/hospital")
        .arg(pages_dir().join("kk-news.html"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["lang"], "kk");
    assert_eq!(
        v["title"],
        "Қарағанды облысында жаңа ауруханаға іргетас қаланды"
    );
    assert_eq!(v["author"], "Гүлнар Жақсыбекова");
    assert_eq!(v["published"], "2024-09-18T04:15:00+00:00");
    let text = v["text"].as_str().unwrap();
    assert!(f1(&page("kk-news.txt"), text) >= 0.98, "{text}");
}

#[test]
fn the_extract_command_tries_a_rule_and_names_a_bad_selector() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_feedsieve"))
            .arg("extract")
            .args(args)
            .arg(pages_dir().join("ru-split-body.html"))
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run(&["--content-selector", "div.article__lead"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Городские власти утвердили маршрут первой линии скоростного автобусного транспорта: она пройдёт по проспекту Толе би от Алматы-2 до микрорайона Думан."
    );
    let out = run(&["--content-selector", "div..lead"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("div..lead"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Serves `feed.rss` and the fixture pages under `/pages/`.
async fn serve_pages(origin: &MockServer) {
    let feed = page("feed.rss").replace("{{BASE}}", &origin.uri());
    Mock::given(method("GET"))
        .and(path("/feed.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/rss+xml")
                .set_body_string(feed),
        )
        .mount(origin)
        .await;
    for name in ["ru-split-body.html", "js-shell.html", "ru-paywall.html"] {
        Mock::given(method("GET"))
            .and(path(format!("/pages/{name}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "text/html; charset=utf-8")
                    .set_body_string(page(name)),
            )
            .mount(origin)
            .await;
    }
}

/// `(extraction, text)` of the stored article with this entry key.
fn stored(app: &TestApp, key: &str) -> (String, String, Option<String>) {
    app.db()
        .query_row(
            "SELECT extraction, text, extraction_error FROM articles WHERE entry_key = ?1",
            [format!("id:{key}")],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap_or_else(|e| panic!("{key}: {e}"))
}

#[tokio::test]
async fn pages_without_an_article_fall_back_to_the_feed_and_count_as_failures() {
    let app = TestApp::spawn(
        "[[source]]\nname = \"Fixtures\"\nurl = \"{{BASE}}/feed.rss\"\nfull_text = true\n",
    )
    .await;
    serve_pages(&app.origin).await;
    app.fetch_pass().await;

    let (status, text, _) = stored(&app, "brt-2026");
    assert_eq!(status, "extracted");
    assert!(f1(&page("ru-split-body.txt"), &text) >= 0.97, "{text}");

    // The JavaScript shell yields nothing worth keeping: the feed's text.
    let (status, text, error) = stored(&app, "js-shell");
    assert_eq!(status, "failed");
    assert!(text.starts_with("В новой версии приложения"), "{text}");
    assert!(error.is_some());

    // The paywall leaves less than the feed's own description.
    let (status, text, error) = stored(&app, "astana-realty");
    assert_eq!(status, "failed");
    assert!(text.contains("переезд в столицу госслужащих"), "{text}");
    assert!(error.unwrap().contains("shorter than the feed"));

    let failures: i64 = app
        .db()
        .query_row(
            "SELECT count(*) FROM articles WHERE extraction = 'failed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(failures, 2);
}

#[tokio::test]
async fn a_sources_rules_choose_the_content_and_a_missed_selector_is_a_failure() {
    let app = TestApp::spawn(
        r#"[[source]]
name = "Fixtures"
url = "{{BASE}}/feed.rss"
full_text = true
content_selector = "article.article"
strip_selectors = [".article__meta", "h1", "figure", ".share-bar", ".ad-slot", ".ad-slot + .article__text > p:first-child", ".pull-quote", ".article__tags", ".article__author"]
"#,
    )
    .await;
    serve_pages(&app.origin).await;
    app.fetch_pass().await;

    let (status, text, _) = stored(&app, "brt-2026");
    assert_eq!(status, "extracted");
    assert_eq!(text.trim(), page("ru-split-body.txt").trim());

    // The paywall page has no <article class="article">.
    let (status, _, error) = stored(&app, "astana-realty");
    assert_eq!(status, "failed");
    assert!(error.unwrap().contains("article.article"));
}

//! Topics end to end: the shipped mediation topic on the labeled set, the
//! topic config keys, stored evidence, re-classification when topics change,
//! and the `explain` / `topics test` commands on a real archive.

use std::process::Command;

use feedsieve::config::Config;
use feedsieve::daemon;
use feedsieve::model::MatchEvidence;
use feedsieve::topics::{AnalyzedDocument, Document, MatchMode};

use crate::support::labeled_set::{self, Scores};
use crate::support::{TestApp, serve_fixture};

fn shipped_config() -> Config {
    Config::load(concat!(env!("CARGO_MANIFEST_DIR"), "/config/feedsieve.toml").as_ref()).unwrap()
}

#[test]
fn the_shipped_mediation_topic_reaches_precision_and_recall_of_ninety_percent() {
    let config = shipped_config();
    let topic = config
        .topics
        .iter()
        .find(|t| t.slug == "mediation")
        .unwrap();
    let docs = labeled_set::load().unwrap();
    assert!(docs.len() >= 80, "the labeled set has {} texts", docs.len());
    let mut scores = Scores::default();
    for d in &docs {
        let a = AnalyzedDocument::new(&Document {
            title: &d.title,
            text: &d.text,
            source: &d.source,
            lang: None,
        });
        scores.add(d.on_topic(), topic.matches(&a).is_some());
    }
    assert!(
        scores.precision() >= 0.9 && scores.recall() >= 0.9,
        "{scores:?}: precision {:.3}, recall {:.3}",
        scores.precision(),
        scores.recall()
    );
}

#[test]
fn the_labeled_set_covers_every_language_and_every_named_trap() {
    let docs = labeled_set::load().unwrap();
    for lang in ["ru", "kk", "en"] {
        let on = docs
            .iter()
            .filter(|d| d.lang() == lang && d.on_topic())
            .count();
        let off = docs
            .iter()
            .filter(|d| d.lang() == lang && !d.on_topic())
            .count();
        assert!(on >= 10 && off >= 10, "{lang}: {on} on, {off} off");
    }
    let traps: Vec<&str> = docs.iter().filter_map(|d| d.trap.as_deref()).collect();
    for trap in [
        "чемпионат мира",
        "переговоры о трансфере",
        "конфликт интересов",
        "урегулирование задолженности",
        "риелтор-посредник",
        "сериал «Перемирие»",
    ] {
        assert!(
            traps.iter().any(|t| t.contains(trap)),
            "no text for trap {trap:?}"
        );
    }
}

fn config_with(topic: &str) -> Result<Config, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("example.txt"), "Мирные переговоры в Астане\n\nСтороны конфликта договорились о прекращении огня при посредничестве Казахстана.\n").unwrap();
    std::fs::write(
        dir.path().join("example.html"),
        "<!-- a saved article page --><html><head><title>Перемирие продлено</title></head><body><nav>Спорт Погода</nav><article><h1>Перемирие продлено</h1><p>Посредники объявили о продлении перемирия на границе ещё на месяц.</p></article></body></html>",
    )
    .unwrap();
    let text = format!("[[topic]]\nslug = \"t\"\ntitle = \"T\"\n{topic}");
    Config::from_str(&text, &dir.path().join("c.toml")).map_err(|e| e.to_string())
}

#[test]
fn topic_keys_are_read_and_checked() {
    let c = config_with(
        "query = \"перемирие\"\nmin_score = 3\nexamples = [\"example.txt\", \"example.html\", \"https://news.example/a/1\"]\nmin_similarity = 0.2\nmatch = \"both\"\n",
    )
    .unwrap();
    let t = &c.topics[0];
    assert_eq!(t.min_score, Some(3.0));
    assert_eq!(t.min_similarity, 0.2);
    assert_eq!(t.match_mode, MatchMode::Both);
    assert_eq!(t.example_sources.len(), 3);
    assert_eq!(t.examples.as_ref().map(|p| p.examples()), Some(2));

    // Defaults: the part a topic has decides.
    let only_examples = config_with("examples = [\"example.txt\"]\n").unwrap();
    assert_eq!(only_examples.topics[0].match_mode, MatchMode::Examples);
    let both = config_with("query = \"мир\"\nexamples = [\"example.txt\"]\n").unwrap();
    assert_eq!(both.topics[0].match_mode, MatchMode::Either);

    for (topic, expected) in [
        ("query = \"мир\"\nmatch = \"examples\"\n", "needs examples"),
        (
            "query = \"мир\"\nmatch = \"sometimes\"\n",
            "unknown match mode",
        ),
        ("query = \"мир\"\nmin_similarity = 2.0\n", "between 0 and 1"),
        ("query = \"мир\"\nmin_score = -1\n", "0 or more"),
        ("examples = [\"missing.txt\"]\n", "cannot read example"),
        (
            "title2 = \"x\"\nquery = \"мир\"\n",
            "unknown field `title2`",
        ),
        ("min_score = 1\n", "needs a query, examples, or both"),
    ] {
        let e = config_with(topic).unwrap_err();
        assert!(e.contains(expected), "{topic:?}: {e}");
    }
}

#[test]
fn an_invalid_query_is_reported_at_its_line_and_column_in_every_string_form() {
    // The error is at "AND" with nothing after it: character 5 of the
    // value, i.e. the column right after the opening quote(s) + 4.
    for (value, line, column) in [
        ("\"мир AND\"", 4, 14),
        ("'мир AND'", 4, 14),
        ("\"\\\"а\\\" AND\"", 4, 16),
        ("'''\nмир AND'''", 5, 5),
        ("\"\"\"\nмир AND\"\"\"", 5, 5),
    ] {
        let e = config_with(&format!("query = {value}\n")).unwrap_err();
        let at = format!("c.toml:{line}:{column}: topic[0].query: AND needs a term after it");
        assert!(e.contains(&at), "{value}: expected {at:?} in {e}");
    }
}

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
"#;

async fn site(topics: &str) -> TestApp {
    let app = TestApp::spawn(&format!("{SITE}\n{topics}")).await;
    let o = &app.origin;
    serve_fixture(o, "/kazpravda.rss", "kazpravda.rss", "application/rss+xml").await;
    serve_fixture(o, "/astana.atom", "astana.atom", "application/atom+xml").await;
    serve_fixture(o, "/steppe.json", "steppe.json", "application/feed+json").await;
    for page in ["kp-1", "kp-2"] {
        serve_fixture(
            o,
            &format!("/articles/{page}.html"),
            &format!("articles/{page}.html"),
            "text/html; charset=utf-8",
        )
        .await;
    }
    app
}

fn matched_titles(app: &TestApp, slug: &str) -> Vec<String> {
    app.db()
        .prepare(
            "SELECT a.title FROM topic_matches m JOIN articles a ON a.id = m.article_id \
             WHERE m.topic = ?1 ORDER BY a.title",
        )
        .unwrap()
        .query_map([slug], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Rewrites the app's config file with `topics` in place of its topics and
/// loads it, as a restart with an edited config would.
fn edited_config(app: &TestApp, topics: &str) -> Config {
    let text = std::fs::read_to_string(&app.config.path).unwrap();
    let head = text.split("[[topic]]").next().unwrap();
    std::fs::write(&app.config.path, format!("{head}\n{topics}")).unwrap();
    Config::load(&app.config.path).unwrap()
}

const MEDIATION: &str = r#"
[[topic]]
slug = "mediation"
title = "Mediation"
query = '''"мирные переговоры" OR ceasefire'''

[[topic]]
slug = "harvest"
title = "Harvest"
query = "wheat яблок*"
"#;

#[tokio::test]
async fn each_stored_match_records_which_words_matched_where() {
    let app = site(MEDIATION).await;
    app.fetch_pass().await;
    let evidence: String = app
        .db()
        .query_row(
            "SELECT m.evidence FROM topic_matches m JOIN articles a ON a.id = m.article_id \
             WHERE m.topic = 'mediation' AND a.title LIKE 'Казахстан%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let evidence: MatchEvidence = serde_json::from_str(&evidence).unwrap();
    assert_eq!(evidence.terms.len(), 1);
    let t = &evidence.terms[0];
    assert_eq!(t.term, "мирные переговоры");
    assert_eq!(t.zones, ["title"]);
    assert_eq!(t.forms, ["мирных переговоров"]);
    assert_eq!(t.contribution, 3.0);
}

#[tokio::test]
async fn editing_a_topic_reclassifies_the_archive_at_start_up_and_removing_one_drops_its_matches() {
    let app = site(MEDIATION).await;
    app.fetch_pass().await;
    assert_eq!(
        matched_titles(&app, "mediation"),
        [
            "Central Asian ministers agree on ceasefire monitoring",
            "Казахстан предложил площадку для мирных переговоров",
        ]
    );
    assert_eq!(matched_titles(&app, "harvest").len(), 2);

    // Restart with an edited mediation query and without "harvest".
    let config = edited_config(
        &app,
        r#"
[[topic]]
slug = "mediation"
title = "Mediation"
query = "посредни*"
"#,
    );
    daemon::pipeline(&config).unwrap();
    // kp-1 names Kazakhstan as a mediator ("посредником") in its text; the
    // wire item has "посредничество" in its title.
    assert_eq!(
        matched_titles(&app, "mediation"),
        [
            "Казахстан предложил площадку для мирных переговоров",
            "Стороны конфликта согласились на посредничество ООН",
        ]
    );
    assert!(matched_titles(&app, "harvest").is_empty());

    // A restart with the same topics recomputes nothing.
    let state_before: i64 = app
        .db()
        .query_row("SELECT classified_at FROM topic_state", [], |r| r.get(0))
        .unwrap();
    let unchanged = feedsieve::reclassify::reclassify_changed(
        &app.pipeline.store,
        &config.topics,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .unwrap();
    assert!(unchanged.topics.is_empty(), "{unchanged:?}");
    let state_after: i64 = app
        .db()
        .query_row("SELECT classified_at FROM topic_state", [], |r| r.get(0))
        .unwrap();
    assert_eq!(state_before, state_after);
}

fn feedsieve(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_feedsieve"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn db_digest(app: &TestApp) -> String {
    let db = app.db();
    let mut stmt = db
        .prepare("SELECT topic, article_id, score, terms FROM topic_matches ORDER BY 1, 2")
        .unwrap();
    let rows: Vec<String> = stmt
        .query_map([], |r| {
            Ok(format!(
                "{}|{}|{}|{}",
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, f64>(2)?,
                r.get::<_, String>(3)?
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.join("\n")
}

#[tokio::test]
async fn explain_and_topics_test_report_on_the_archive_and_change_nothing() {
    let app = site(MEDIATION).await;
    app.fetch_pass().await;
    let config = app.config.path.to_str().unwrap().to_string();
    let before = db_digest(&app);
    let id: i64 = app
        .db()
        .query_row(
            "SELECT id FROM articles WHERE title LIKE 'Казахстан%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let url: String = app
        .db()
        .query_row("SELECT url FROM articles WHERE id = ?1", [id], |r| r.get(0))
        .unwrap();

    // By id and by URL: it matches, on the phrase in the title.
    for key in [id.to_string(), url] {
        let (ok, out, err) =
            feedsieve(&["--config", &config, "explain", "--topic", "mediation", &key]);
        assert!(ok, "{err}");
        assert!(out.contains("topic mediation: MATCHES"), "{out}");
        assert!(out.contains("мирные переговоры: 1× in title"), "{out}");
        assert!(out.contains("stored: matched"), "{out}");
    }
    // The apple festival does not, and says which terms were not found.
    let (ok, out, _) = feedsieve(&[
        "--config",
        &config,
        "explain",
        "--topic",
        "mediation",
        "Фестиваль",
    ]);
    assert!(!ok, "an unknown article is an error: {out}");
    let festival: i64 = app
        .db()
        .query_row(
            "SELECT id FROM articles WHERE title LIKE '%фестиваль%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let (ok, out, err) = feedsieve(&[
        "--config",
        &config,
        "explain",
        "--topic",
        "mediation",
        &festival.to_string(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("does not match"), "{out}");
    assert!(
        out.contains("not found: мирные переговоры, ceasefire"),
        "{out}"
    );
    assert!(out.contains("stored: not matched"), "{out}");

    // A dry run of an edited query: counts, what would change, samples.
    let (ok, out, err) = feedsieve(&[
        "--config",
        &config,
        "topics",
        "test",
        "--topic",
        "mediation",
        "--query",
        "посредни*",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("matches now: 2; stored matches: 2 (+1 new, -1 no longer)"),
        "{out}"
    );
    assert!(
        out.contains("Стороны конфликта согласились на посредничество ООН"),
        "{out}"
    );
    let (ok, _, err) = feedsieve(&[
        "--config",
        &config,
        "topics",
        "test",
        "--topic",
        "mediation",
        "--query",
        "(мир",
    ]);
    assert!(!ok);
    assert!(err.contains("never closed (at character 1)"), "{err}");

    assert_eq!(
        db_digest(&app),
        before,
        "explain and topics test changed the store"
    );
}

//! Full-text search over stored articles: Russian word forms, phrases,
//! exclusions, and the index of a database that existed before it.

use feedsieve::search::Query;
use feedsieve::store::{IndexState, SearchOrder, Store};

use crate::support::{TestApp, serve_fixture};

const ARCHIVE: &str = r#"
[[source]]
name = "Vestnik"
url = "{{BASE}}/archive.rss"
full_text = false

[[source]]
name = "Steppe Times"
url = "{{BASE}}/astana.atom"
full_text = false
"#;

async fn archive() -> TestApp {
    let app = TestApp::spawn(ARCHIVE).await;
    let o = &app.origin;
    serve_fixture(o, "/archive.rss", "archive.rss", "application/rss+xml").await;
    serve_fixture(o, "/astana.atom", "astana.atom", "application/atom+xml").await;
    app.fetch_pass().await;
    app
}

fn titles(store: &Store, query: &str) -> Vec<String> {
    let q = Query::parse(query).unwrap();
    store
        .search(&q, None, SearchOrder::Relevance, 20)
        .unwrap()
        .into_iter()
        .map(|h| h.title)
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn any_russian_form_of_a_word_finds_every_form_in_articles() {
    let app = archive().await;
    let store = &app.pipeline.store;
    // The articles say "переговоры", "переговоров", "переговорах".
    let expected = sorted(vec![
        "Делегации продолжили переговоры в Астане".to_string(),
        "Фермеры Акмолинской области завершили уборку".to_string(),
        "Из архива: как готовились первые переговоры по Сирии".to_string(),
    ]);
    for form in ["переговоры", "переговорах", "ПЕРЕГОВОРАМ", "переговор*"]
    {
        assert_eq!(sorted(titles(store, form)), expected, "{form}");
    }
    // The article with the word in its title and its text ranks first.
    assert_eq!(
        titles(store, "переговорами")[0],
        "Делегации продолжили переговоры в Астане"
    );
}

#[tokio::test]
async fn phrases_exclusions_or_and_other_languages_work() {
    let app = archive().await;
    let store = &app.pipeline.store;
    assert_eq!(
        titles(store, "\"гуманитарный коридор\""),
        ["Делегации продолжили переговоры в Астане"]
    );
    assert!(titles(store, "\"коридор гуманитарный\"").is_empty());
    assert_eq!(
        sorted(titles(store, "переговоры -пшеница")),
        [
            "Делегации продолжили переговоры в Астане",
            "Из архива: как готовились первые переговоры по Сирии",
        ]
    );
    assert_eq!(
        sorted(titles(store, "мост OR пшеницы")),
        [
            "Из архива: открытие нового моста через Иртыш",
            "Фермеры Акмолинской области завершили уборку",
        ]
    );
    // Kazakh words are matched whole; English ones by their stem.
    assert_eq!(
        titles(store, "келіссөздері"),
        ["Из архива: бітімгершілік миссиясы туралы"]
    );
    assert_eq!(
        sorted(titles(store, "negotiation")),
        ["Из архива: бітімгершілік миссиясы туралы"]
    );
    assert_eq!(
        titles(store, "ceasefires"),
        ["Central Asian ministers agree on ceasefire monitoring"]
    );
    assert!(titles(store, "футбол").is_empty());
}

#[tokio::test]
async fn search_can_be_limited_to_a_source_and_ordered_newest_first() {
    let app = archive().await;
    let store = &app.pipeline.store;
    let q = Query::parse("астана OR astana").unwrap();
    let all = store.search(&q, None, SearchOrder::Newest, 20).unwrap();
    assert!(all.windows(2).all(|w| w[0].published >= w[1].published));
    assert!(all.iter().any(|h| h.source == "Steppe Times"));
    let vestnik = store
        .search(&q, Some("Vestnik"), SearchOrder::Newest, 20)
        .unwrap();
    assert!(!vestnik.is_empty() && vestnik.iter().all(|h| h.source == "Vestnik"));
}

#[test]
fn a_database_from_before_the_index_gets_its_articles_indexed_on_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A database as the first release left it: schema 0001, no
        // auto-vacuum, articles already stored.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../../migrations/0001_init.sql"))
            .unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                 applied_at INTEGER NOT NULL);
             INSERT INTO schema_migrations VALUES (1, '0001_init', 0);
             PRAGMA user_version = 1;",
        )
        .unwrap();
        conn.execute(
            "INSERT INTO sources (id, name, url) VALUES (1, 'Old', 'https://old.example/rss')",
            [],
        )
        .unwrap();
        for i in 0..450 {
            let (title, text) = if i == 7 {
                ("Переговоры в Женеве", "Посредники провели переговоры.")
            } else {
                ("Погода", "Солнечно, без осадков.")
            };
            conn.execute(
                "INSERT INTO articles (source_id, entry_key, title, html, text, published_at,
                     updated_at, fetched_at, extraction)
                 VALUES (1, ?1, ?2, '', ?3, ?4, ?4, ?4, 'feed')",
                rusqlite::params![format!("k{i}"), title, text, 1_700_000_000 + i],
            )
            .unwrap();
        }
    }

    let store = Store::open(&path).unwrap();
    let remaining = match store.search_index_state().unwrap() {
        IndexState::Rebuilding { remaining } => remaining,
        IndexState::Complete => panic!("the old articles were not scheduled for indexing"),
    };
    assert_eq!(remaining, 450);
    let mut steps = 0;
    while store.reindex_search_step().unwrap() != IndexState::Complete {
        steps += 1;
        assert!(steps < 100, "the rebuild does not finish");
    }
    assert!(steps >= 2, "the rebuild ran in one batch ({steps} steps)");
    let q = Query::parse("переговорах").unwrap();
    let hits = store.search(&q, None, SearchOrder::Relevance, 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].title, "Переговоры в Женеве");

    // Reopening does not rebuild again.
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.search_index_state().unwrap(), IndexState::Complete);

    // The old file is switched to incremental vacuum once, keeping its data.
    use feedsieve::store::VacuumMode;
    assert_eq!(store.vacuum_mode().unwrap(), VacuumMode::None);
    assert!(store.enable_incremental_vacuum().unwrap());
    assert_eq!(store.vacuum_mode().unwrap(), VacuumMode::Incremental);
    assert!(!store.enable_incremental_vacuum().unwrap());
    assert_eq!(
        store
            .search(&q, None, SearchOrder::Relevance, 10)
            .unwrap()
            .len(),
        1
    );
}

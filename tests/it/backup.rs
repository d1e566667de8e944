//! `Store::backup_to`: a consistent, self-contained copy of the live
//! database.

use crate::support::{TestApp, serve_fixture};

const SITE: &str = r#"
[[source]]
name = "Vestnik"
url = "{{BASE}}/archive.rss"
full_text = false
"#;

#[tokio::test]
async fn a_backup_is_a_valid_single_file_database_with_every_article() {
    let app = TestApp::spawn(SITE).await;
    serve_fixture(
        &app.origin,
        "/archive.rss",
        "archive.rss",
        "application/rss+xml",
    )
    .await;
    app.fetch_pass().await;

    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("copy.db");
    let report = app.pipeline.store.backup_to(&dest, false).unwrap();
    assert_eq!((report.articles, report.sources), (5, 1));
    assert_eq!(report.bytes, std::fs::metadata(&dest).unwrap().len());
    // No partial file, no -wal or -shm beside the copy.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["copy.db"]);

    let copy = rusqlite::Connection::open(&dest).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mode: String = copy
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    let titles = |c: &rusqlite::Connection| -> Vec<String> {
        c.prepare("SELECT title FROM articles ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(titles(&copy), titles(&app.db()));

    // The copy opens as a store of its own, search index included.
    drop(copy);
    let restored = feedsieve::store::Store::open(&dest).unwrap();
    let q = feedsieve::search::Query::parse("переговоры").unwrap();
    let hits = restored
        .search(&q, None, feedsieve::store::SearchOrder::Relevance, 10)
        .unwrap();
    assert_eq!(hits.len(), 3);
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file_unless_asked() {
    let app = TestApp::spawn(SITE).await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("copy.db");
    std::fs::write(&dest, "precious").unwrap();
    let e = app.pipeline.store.backup_to(&dest, false).unwrap_err();
    assert!(e.to_string().contains("exists"), "{e}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "precious");
    app.pipeline.store.backup_to(&dest, true).unwrap();
    assert!(
        std::fs::read(&dest)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
    );
}

//! Retention: old articles are pruned, leave tombstones, and are not taken
//! in again while their feed still lists them.

use std::time::Duration;

use chrono::Utc;
use feedsieve::config::StoreConfig;
use feedsieve::refresh::Outcome;
use feedsieve::store::VacuumMode;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{TestApp, fixture, serve_fixture};

const ARCHIVE: &str = r#"
[[source]]
name = "Vestnik"
url = "{{BASE}}/archive.rss"
full_text = false
"#;

const KAZPRAVDA: &str = r#"
[[source]]
name = "Kazpravda"
url = "{{BASE}}/kazpravda.rss"
full_text = true
"#;

fn keep(app: &TestApp, keep: Option<Duration>, max_per_source: Option<usize>) -> StoreConfig {
    StoreConfig {
        keep,
        max_per_source,
        ..app.config.store.clone()
    }
}

const DAYS_90: Duration = Duration::from_secs(90 * 24 * 3600);

fn count(app: &TestApp, sql: &str) -> i64 {
    app.db().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn new_articles(reports: &[feedsieve::refresh::RefreshReport]) -> usize {
    match &reports[0].outcome {
        Outcome::Updated { saved, .. } => saved.new,
        other => panic!("refresh failed: {other:?}"),
    }
}

#[tokio::test]
async fn articles_older_than_keep_are_pruned_and_not_taken_in_again() {
    let app = TestApp::spawn(ARCHIVE).await;
    serve_fixture(
        &app.origin,
        "/archive.rss",
        "archive.rss",
        "application/rss+xml",
    )
    .await;
    assert_eq!(new_articles(&app.fetch_pass().await), 5);

    let store = &app.pipeline.store;
    let report = store
        .prune(&keep(&app, Some(DAYS_90), None), Utc::now())
        .unwrap();
    assert_eq!(report.articles, 3, "the three archive items from 2019-2021");
    assert_eq!(count(&app, "SELECT count(*) FROM articles"), 2);
    assert_eq!(count(&app, "SELECT count(*) FROM tombstones"), 3);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM articles WHERE title LIKE 'Из архива%'"
        ),
        0
    );
    // Their search index rows went with them, and their stories.
    assert_eq!(count(&app, "SELECT count(*) FROM article_search"), 2);
    assert_eq!(count(&app, "SELECT count(*) FROM stories"), 2);

    // The feed still lists them: the next pass takes in nothing.
    assert_eq!(new_articles(&app.fetch_pass().await), 0);
    assert_eq!(count(&app, "SELECT count(*) FROM articles"), 2);
    // A second prune finds nothing more to do.
    let again = store
        .prune(&keep(&app, Some(DAYS_90), None), Utc::now())
        .unwrap();
    assert_eq!(again.articles, 0);
}

#[tokio::test]
async fn a_pruned_article_s_page_is_never_scraped_again() {
    let app = TestApp::spawn(KAZPRAVDA).await;
    let o = &app.origin;
    serve_fixture(o, "/kazpravda.rss", "kazpravda.rss", "application/rss+xml").await;
    for page in ["kp-1", "kp-2"] {
        let route = format!("/articles/{page}.html");
        serve_fixture(o, &route, &format!("articles/{page}.html"), "text/html").await;
    }
    app.fetch_pass().await;

    // Keep the newest article per source: kp-1 (23 Nov) goes, kp-2 stays.
    let report = app
        .pipeline
        .store
        .prune(&keep(&app, None, Some(1)), Utc::now())
        .unwrap();
    assert_eq!(report.articles, 1);
    let left: String = app
        .db()
        .query_row("SELECT entry_key FROM articles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, "id:kp-1002");

    assert_eq!(new_articles(&app.fetch_pass().await), 0);
    let requests = o.received_requests().await.unwrap();
    let kp1 = requests
        .iter()
        .filter(|r| r.url.path() == "/articles/kp-1.html")
        .count();
    assert_eq!(kp1, 1, "kp-1's page was fetched again after pruning");
    let feed = requests
        .iter()
        .filter(|r| r.url.path() == "/kazpravda.rss")
        .count();
    assert_eq!(feed, 2);
}

#[tokio::test]
async fn a_tombstone_lives_while_its_feed_lists_the_entry_and_expires_after() {
    let app = TestApp::spawn(ARCHIVE).await;
    let o = &app.origin;
    serve_fixture(o, "/archive.rss", "archive.rss", "application/rss+xml").await;
    app.fetch_pass().await;
    let store = &app.pipeline.store;
    let policy = keep(&app, Some(DAYS_90), None);
    store.prune(&policy, Utc::now()).unwrap();

    // Time passes: every tombstone was last seen longer ago than the grace
    // period allows...
    let long_ago =
        Utc::now().timestamp() - (feedsieve::store::TOMBSTONE_GRACE.as_secs() as i64 + 86400);
    app.db()
        .execute("UPDATE tombstones SET seen_at = ?1", [long_ago])
        .unwrap();
    // ...and the feed has dropped the bridge story meanwhile.
    let full = fixture("archive.rss", &o.uri());
    let start = full
        .find("<item>\n      <title>Из архива: открытие")
        .unwrap();
    let end = start + full[start..].find("</item>").unwrap() + "</item>".len();
    let without_bridge = format!("{}{}", &full[..start], &full[end..]);
    o.reset().await;
    Mock::given(method("GET"))
        .and(path("/archive.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/rss+xml")
                .set_body_string(without_bridge),
        )
        .mount(o)
        .await;

    // A pass sees the two entries still listed, which keeps their
    // tombstones alive; the bridge's expires.
    assert_eq!(new_articles(&app.fetch_pass().await), 0);
    let report = store.prune(&policy, Utc::now()).unwrap();
    assert_eq!(report.tombstones_dropped, 1);
    let kept: Vec<String> = app
        .db()
        .prepare("SELECT entry_key FROM tombstones ORDER BY entry_key")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(kept, ["id:vestnik-1001", "id:vestnik-1003"]);
}

#[tokio::test]
async fn a_new_database_gives_pruned_space_back_incrementally() {
    let app = TestApp::spawn(ARCHIVE).await;
    serve_fixture(
        &app.origin,
        "/archive.rss",
        "archive.rss",
        "application/rss+xml",
    )
    .await;
    app.fetch_pass().await;
    let store = &app.pipeline.store;
    assert_eq!(store.vacuum_mode().unwrap(), VacuumMode::Incremental);

    // Enough data that pruning frees whole pages.
    let big = "текст ".repeat(20_000);
    app.db()
        .execute("UPDATE articles SET text = ?1", [&big])
        .unwrap();
    let pages = |app: &TestApp| count(app, "PRAGMA page_count");
    store
        .prune(&keep(&app, Some(DAYS_90), None), Utc::now())
        .unwrap();
    let before = pages(&app);
    let freed = store.reclaim_space(None).unwrap();
    assert!(freed > 10, "freed {freed} pages");
    assert_eq!(pages(&app), before - freed as i64);
    assert_eq!(count(&app, "PRAGMA freelist_count"), 0);
}

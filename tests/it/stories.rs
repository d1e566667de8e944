//! Dedupe end to end: outlets that reprint each other, served on a loopback
//! origin, become one item per story in every output format, with the
//! other outlets' copies listed.

use std::collections::HashMap;

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::support::{TestApp, fixture, serve_fixture};

const OUTLETS: &str = r#"
[dedupe]
prefer = ["Kazpravda"]

[[source]]
name = "Kazpravda"
url = "{{BASE}}/kazpravda.rss"
full_text = true

[[source]]
name = "Kazinform"
url = "{{BASE}}/kazinform.rss"
full_text = true

[[source]]
name = "Astana Times"
url = "{{BASE}}/astana.atom"
full_text = false

[[topic]]
slug = "region"
title = "Kazakhstan and its neighbours"
query = "узбекистан* kazakhstan*"
"#;

const SUMMIT: &str = "Токаев провёл переговоры с президентом Узбекистана в Астане";
const SUMMIT_REPRINT: &str = "Казахстан и Узбекистан подписали 12 документов";
const CUSTOMS: &str = "Мирзиёев и Токаев обсудили цифровизацию таможни";
const FORUM: &str = "Kazakhstan and EU agree to expand critical raw materials partnership";
const FORUM_REPRINT: &str = "EU to lend €600 million for green energy in Kazakhstan";

const HTML: &str = "text/html; charset=utf-8";
const RSS: &str = "application/rss+xml";

/// A fixture with `{{BASE}}` and the `{{AGO <n>h RFC2822|RFC3339}}` date
/// placeholders filled in relative to now, so the stories are always
/// inside the dedupe window.
fn dated_fixture(name: &str, base: &str) -> String {
    let mut text = fixture(name, base);
    let now = chrono::Utc::now();
    while let Some(start) = text.find("{{AGO ") {
        let end = start + text[start..].find("}}").expect("a closed placeholder") + 2;
        let (hours, format) = text[start + 6..end - 2]
            .split_once("h ")
            .expect("{{AGO <n>h FORMAT}}");
        let when = now - chrono::TimeDelta::hours(hours.parse().expect("hours"));
        let value = match format {
            "RFC2822" => when.to_rfc2822(),
            "RFC3339" => when.to_rfc3339(),
            other => panic!("unknown date format {other}"),
        };
        text.replace_range(start..end, &value);
    }
    text
}

fn feed_response(file: &str, base: &str, content_type: &str) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", content_type)
        .set_body_string(dated_fixture(file, base))
}

/// Which Kazinform feed the origin serves.
enum Kazinform {
    /// Only its own report.
    Before,
    /// Its own report and the two reprints.
    After,
    /// `Before` on the first request, `After` from then on.
    BeforeThenAfter,
}

/// The three outlets on the app's origin. The Kazpravda page must be
/// fetched exactly once although its feed lists it twice.
async fn outlets(kazinform: Kazinform) -> TestApp {
    let app = TestApp::spawn(OUTLETS).await;
    let o = &app.origin;
    let base = o.uri();
    let feed = |route: &'static str| Mock::given(method("GET")).and(path(route));
    feed("/kazpravda.rss")
        .respond_with(feed_response("reprints/kazpravda.rss", &base, RSS))
        .mount(o)
        .await;
    feed("/astana.atom")
        .respond_with(feed_response(
            "reprints/astana.atom",
            &base,
            "application/atom+xml",
        ))
        .mount(o)
        .await;
    let (before, after) = (
        feed_response("reprints/kazinform-1.rss", &base, RSS),
        feed_response("reprints/kazinform-2.rss", &base, RSS),
    );
    match kazinform {
        Kazinform::Before => feed("/kazinform.rss").respond_with(before).mount(o).await,
        Kazinform::After => feed("/kazinform.rss").respond_with(after).mount(o).await,
        Kazinform::BeforeThenAfter => {
            feed("/kazinform.rss")
                .respond_with(before)
                .up_to_n_times(1)
                .mount(o)
                .await;
            feed("/kazinform.rss").respond_with(after).mount(o).await;
        }
    }
    Mock::given(method("GET"))
        .and(path("/reprints/kp-summit.html"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", HTML)
                .set_body_string(fixture("reprints/kp-summit.html", &base)),
        )
        .expect(1)
        .mount(o)
        .await;
    for page in ["kz-summit.html", "kz-customs.html", "kz-forum-en.html"] {
        serve_fixture(
            o,
            &format!("/reprints/{page}"),
            &format!("reprints/{page}"),
            HTML,
        )
        .await;
    }
    app
}

/// The story of each stored article, by entry key.
fn stories_by_entry(app: &TestApp) -> HashMap<String, i64> {
    let db = app.db();
    let mut stmt = db
        .prepare("SELECT entry_key, story_id FROM articles")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

async fn get(addr: std::net::SocketAddr, route: &str) -> bytes::Bytes {
    reqwest::get(format!("http://{addr}{route}"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
}

/// The JSON Feed's items by title: (id, also_reported_by as (source, title)).
async fn json_items(
    addr: std::net::SocketAddr,
) -> HashMap<String, (String, Vec<(String, String, String)>)> {
    let feed: serde_json::Value =
        serde_json::from_slice(&get(addr, "/feeds/region.json").await).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|it| {
            let also = it["_feedsieve"]["also_reported_by"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| {
                            (
                                x["source"].as_str().unwrap().to_string(),
                                x["title"].as_str().unwrap().to_string(),
                                x["url"].as_str().unwrap().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                it["title"].as_str().unwrap().to_string(),
                (it["id"].as_str().unwrap().to_string(), also),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_topic_feed_from_outlets_that_reprint_each_other_shows_each_story_once_with_its_reprints()
{
    let app = outlets(Kazinform::After).await;
    app.fetch_pass().await;
    let addr = app.serve().await;
    let origin = app.origin.uri();

    // JSON Feed: three stories, not five articles; the representative is
    // the preferred (and earliest) outlet's, the reprint is listed.
    let items = json_items(addr).await;
    let mut titles: Vec<&str> = items.keys().map(String::as_str).collect();
    titles.sort_unstable();
    assert_eq!(titles, [FORUM, CUSTOMS, SUMMIT]);
    assert_eq!(
        items[SUMMIT].1,
        [(
            "Kazinform".to_string(),
            SUMMIT_REPRINT.to_string(),
            format!("{origin}/reprints/kz-summit.html")
        )]
    );
    assert_eq!(
        items[FORUM].1,
        [(
            "Kazinform".to_string(),
            FORUM_REPRINT.to_string(),
            format!("{origin}/reprints/kz-forum-en.html")
        )]
    );
    // The other report on the same talks is its own story, with nothing listed.
    assert!(items[CUSTOMS].1.is_empty());

    // Atom: the reprint is a rel="related" link of the story's entry.
    let atom = feed_rs::parser::parse(&get(addr, "/feeds/region.atom").await[..]).unwrap();
    assert_eq!(atom.entries.len(), 3);
    let summit = atom
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content == SUMMIT)
        .unwrap();
    let related: Vec<&str> = summit
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("related"))
        .map(|l| l.href.as_str())
        .collect();
    assert_eq!(related, [format!("{origin}/reprints/kz-summit.html")]);

    // RSS: the reprint is in the content's footer.
    let rss = rss::Channel::read_from(&get(addr, "/feeds/region.rss").await[..]).unwrap();
    assert_eq!(rss.items.len(), 3);
    let forum = rss
        .items
        .iter()
        .find(|i| i.title.as_deref() == Some(FORUM))
        .unwrap();
    let content = forum.content.as_deref().unwrap();
    assert!(content.contains("Also reported by"), "{content}");
    assert!(
        content.contains(&format!("{origin}/reprints/kz-forum-en.html")),
        "{content}"
    );
    let customs = rss
        .items
        .iter()
        .find(|i| i.title.as_deref() == Some(CUSTOMS))
        .unwrap();
    assert!(
        !customs
            .content
            .as_deref()
            .unwrap()
            .contains("Also reported by")
    );
}

#[tokio::test]
async fn the_same_page_listed_twice_with_different_guids_is_one_article_fetched_once() {
    let app = outlets(Kazinform::Before).await;
    app.fetch_pass().await;
    let db = app.db();
    let rows: Vec<(String, Option<i64>, i64)> = db
        .prepare(
            "SELECT a.entry_key, a.duplicate_of, a.story_id FROM articles a
             JOIN sources s ON s.id = a.source_id WHERE s.name = 'Kazpravda' ORDER BY a.entry_key",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // Both entries are remembered (neither is looked at again), the second
    // as a copy of the first, in the same story.
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, "id:kp-9001");
    assert_eq!(rows[0].1, None);
    assert!(rows[1].1.is_some());
    assert_eq!(rows[0].2, rows[1].2);
    // Every article belongs to a story.
    let orphans: i64 = db
        .query_row(
            "SELECT count(*) FROM articles WHERE story_id IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    // The page was fetched once: checked by the mock's `expect(1)` when
    // the origin is dropped.
}

#[tokio::test]
async fn a_story_that_gains_a_reprint_later_keeps_its_id() {
    let app = outlets(Kazinform::BeforeThenAfter).await;
    let addr = app.serve().await;

    app.fetch_pass().await;
    let before = json_items(addr).await;
    assert_eq!(before.len(), 3);
    assert!(before.values().all(|(_, also)| also.is_empty()));

    app.fetch_pass().await;
    let after = json_items(addr).await;
    assert_eq!(after.len(), 3);
    for title in [SUMMIT, FORUM, CUSTOMS] {
        assert_eq!(after[title].0, before[title].0, "{title}");
    }
    assert_eq!(after[SUMMIT].1.len(), 1);
    assert_eq!(after[FORUM].1.len(), 1);
}

#[tokio::test]
async fn reprints_fetched_after_a_restart_join_their_stories_through_the_rebuilt_index() {
    let app = outlets(Kazinform::BeforeThenAfter).await;
    app.fetch_pass().await;

    // A restart: a new pipeline on the same database rebuilds the
    // near-duplicate index from the stored fingerprints (the hidden copy of
    // the Kazpravda page is not indexed).
    let restarted = feedsieve::daemon::pipeline(&app.config).unwrap();
    assert_eq!(restarted.stories.lock().len(), 3);
    feedsieve::daemon::fetch_all(&restarted, &app.config).await;

    let story = stories_by_entry(&app);
    assert_eq!(
        story["id:kz-502"], story["id:kp-9001"],
        "the Russian reprint"
    );
    assert_eq!(
        story["id:kz-503"], story["id:urn:uuid:6f1f6c0e-forum-1"],
        "the English reprint"
    );
    assert_ne!(story["id:kz-501"], story["id:kp-9001"], "the other report");
}

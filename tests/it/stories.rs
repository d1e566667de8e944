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

/// The three outlets; Kazinform's feed is `kazinform` (before or after it
/// reprints). The Kazpravda page must be fetched exactly once although its
/// feed lists it twice.
async fn outlets(kazinform: &str) -> TestApp {
    let app = TestApp::spawn(OUTLETS).await;
    let o = &app.origin;
    serve_fixture(o, "/kazpravda.rss", "reprints/kazpravda.rss", RSS).await;
    serve_fixture(o, "/kazinform.rss", kazinform, RSS).await;
    serve_fixture(
        o,
        "/astana.atom",
        "reprints/astana.atom",
        "application/atom+xml",
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/reprints/kp-summit.html"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", HTML)
                .set_body_string(fixture("reprints/kp-summit.html", &o.uri())),
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
    let app = outlets("reprints/kazinform-2.rss").await;
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
    let app = outlets("reprints/kazinform-1.rss").await;
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
    let app = TestApp::spawn(OUTLETS).await;
    let o = &app.origin;
    // Kazinform's feed: before the reprints on the first poll, after them
    // on the next.
    Mock::given(method("GET"))
        .and(path("/kazinform.rss"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", RSS)
                .set_body_string(fixture("reprints/kazinform-1.rss", &o.uri())),
        )
        .up_to_n_times(1)
        .mount(o)
        .await;
    serve_fixture(o, "/kazinform.rss", "reprints/kazinform-2.rss", RSS).await;
    serve_fixture(o, "/kazpravda.rss", "reprints/kazpravda.rss", RSS).await;
    serve_fixture(
        o,
        "/astana.atom",
        "reprints/astana.atom",
        "application/atom+xml",
    )
    .await;
    for page in [
        "kp-summit.html",
        "kz-summit.html",
        "kz-customs.html",
        "kz-forum-en.html",
    ] {
        serve_fixture(
            o,
            &format!("/reprints/{page}"),
            &format!("reprints/{page}"),
            HTML,
        )
        .await;
    }
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

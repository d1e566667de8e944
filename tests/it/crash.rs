//! Crash consistency: the real `feedsieve` binary is killed with SIGKILL in
//! the middle of ingesting, again and again, and restarted each time. At
//! the end the database must pass `PRAGMA integrity_check`, hold every
//! published article exactly once, and serve the same output feeds as a
//! database filled by one uninterrupted run.
//!
//! The kill moment is chosen by the origin, not by a timer: each round the
//! origin publishes new items and picks, at random, one of the page
//! requests the round's backlog (everything not stored yet) will cause;
//! when the daemon asks for it, the test kills the daemon (after a further
//! random 0–25 ms, so kills also land between a page and the transaction
//! that stores it). Every kill therefore happens while a fetch pass is
//! running, whatever the machine's speed.
//!
//! `cargo test` runs this build's binary; `FEEDSIEVE_BIN=target/release/
//! feedsieve` runs the release one (as CI does). `FEEDSIEVE_CRASH_ROUNDS`
//! (default 20) and `FEEDSIEVE_CRASH_SEED` (default: from the clock,
//! printed) repeat a run.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use wiremock::MockServer;

use crate::support::farm::{self, Mix, SOURCES};

/// Items each source publishes per round.
const PER_ROUND: usize = 2;
/// How long any awaited condition may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// A config for the farm in `dir`, listening on `port` (0 for any).
fn write_config(dir: &Path, origin: &MockServer, port: u16) -> PathBuf {
    let topic = "[[topic]]\nslug = \"talks\"\ntitle = \"Talks\"\nquery = \"переговоры\"\n";
    let path = dir.join("feedsieve.toml");
    std::fs::write(&path, farm::config(origin, "feedsieve.db", port, topic)).unwrap();
    path
}

/// The binary under test: this build's, or `FEEDSIEVE_BIN` (CI points it
/// at the release build, which is what runs in production).
fn binary() -> PathBuf {
    std::env::var_os("FEEDSIEVE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_feedsieve")))
}

fn daemon(config: &Path, command: &str, log: &Path) -> Child {
    Command::new(binary())
        .arg("--config")
        .arg(config)
        .arg(command)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap(),
        )
        .spawn()
        .unwrap()
}

/// Runs `feedsieve fetch` to completion (one full pass), then `feedsieve
/// run` just long enough to read its output feeds, normalised.
async fn finish_and_read_feeds(dir: &Path, origin: &MockServer) -> Vec<serde_json::Value> {
    let port = farm::free_port();
    let config = write_config(dir, origin, port);
    let log = dir.join("daemon.log");
    let status = daemon(&config, "fetch", &log).wait().unwrap();
    assert!(status.success(), "feedsieve fetch failed; see {log:?}");
    let mut server = daemon(&config, "run", &log);
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    // Polls for the listener: the daemon's start-up time is not known.
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(start.elapsed() < DEADLINE, "the daemon did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut feeds = Vec::new();
    for route in ["/feeds/all.json", "/feeds/talks.json"] {
        let body = client
            .get(format!("{base}{route}"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let feed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        feeds.push(normalise(feed));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    feeds
}

/// A JSON Feed without what legitimately differs between two databases:
/// story ids, which are row ids numbered in commit order — the item ids
/// and the story part of the next page's cursor (`before=TIME_STORY`).
fn normalise(mut feed: serde_json::Value) -> serde_json::Value {
    let items = feed["items"].as_array_mut().expect("a JSON Feed has items");
    for item in items.iter_mut() {
        item.as_object_mut().unwrap().remove("id");
    }
    if let Some(next) = feed["next_url"].as_str() {
        let without_story = next.rsplit_once('_').map_or(next, |(time, _)| time);
        feed["next_url"] = without_story.into();
    }
    feed
}

/// The first difference between two normalised feeds, for the failure
/// message (whole feeds are too long to read).
fn first_difference(a: &serde_json::Value, b: &serde_json::Value) -> String {
    let (Some(x), Some(y)) = (a["items"].as_array(), b["items"].as_array()) else {
        return "no items".to_string();
    };
    if x.len() != y.len() {
        return format!("{} items against {}", x.len(), y.len());
    }
    for (i, (p, q)) in x.iter().zip(y).enumerate() {
        if p != q {
            return format!("item {i}:\n  {p}\n  {q}");
        }
    }
    let mut a = a.clone();
    let mut b = b.clone();
    a["items"] = serde_json::Value::Null;
    b["items"] = serde_json::Value::Null;
    format!("feed fields:\n  {a}\n  {b}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_ingest_loses_nothing_duplicates_nothing_and_corrupts_nothing() {
    let rounds: usize = std::env::var("FEEDSIEVE_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("FEEDSIEVE_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!(
        "crash harness: {} with {rounds} rounds, FEEDSIEVE_CRASH_SEED={seed}",
        binary().display()
    );
    let mut mix = Mix(seed);

    let (origin, farm) = farm::farm().await;
    let killed = tempfile::tempdir().unwrap();
    let config = write_config(killed.path(), &origin, 0);
    let db_path = killed.path().join("feedsieve.db");
    let log = killed.path().join("daemon.log");
    let mut stored_after = Vec::new();
    for round in 0..rounds {
        farm.published
            .store((round + 1) * PER_ROUND, Ordering::SeqCst);
        farm.pages.store(0, Ordering::SeqCst);
        // Every article not stored yet has its page fetched this round, so
        // a kill point anywhere in that backlog always comes, and lands
        // before, between or after the sources' commits.
        let backlog = (round + 1) * PER_ROUND * SOURCES - stored_after.last().copied().unwrap_or(0);
        farm.kill_at.store(1 + mix.below(backlog), Ordering::SeqCst);
        let mut child = daemon(&config, "run", &log);
        tokio::time::timeout(DEADLINE, farm.hit.notified())
            .await
            .unwrap_or_else(|_| panic!("round {round}: the daemon never reached the kill point"));
        // A random extra moment: sometimes the kill lands while a
        // refresh's transaction is being written.
        tokio::time::sleep(Duration::from_millis(mix.below(26) as u64)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let conn = rusqlite::Connection::open(&db_path).unwrap();
        let stored: i64 = conn
            .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
            .unwrap_or(0);
        stored_after.push(stored as usize);
    }
    println!("articles stored after each kill: {stored_after:?}");
    let killed_feeds = finish_and_read_feeds(killed.path(), &origin).await;

    let conn = rusqlite::Connection::open(&db_path).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let expected = (SOURCES * rounds * PER_ROUND) as i64;
    let stored: i64 = conn
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    let distinct: i64 = conn
        .query_row(
            "SELECT count(DISTINCT source_id || ' ' || entry_key) FROM articles",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(distinct, expected, "every published article is stored");
    assert_eq!(stored, expected, "no article is stored twice");
    let mut keys = conn
        .prepare("SELECT s.name, a.entry_key FROM articles a JOIN sources s ON s.id = a.source_id")
        .unwrap();
    let keys: std::collections::HashSet<(String, String)> = keys
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for s in 0..SOURCES {
        for i in 0..rounds * PER_ROUND {
            assert!(
                keys.contains(&(format!("Farm {s}"), format!("id:farm-{s}-{i}"))),
                "article {s}-{i} is missing"
            );
        }
    }

    // The reference: the same origin, fully published, one clean pass.
    let reference = tempfile::tempdir().unwrap();
    let reference_feeds = finish_and_read_feeds(reference.path(), &origin).await;
    assert_eq!(
        killed_feeds[0]["items"].as_array().unwrap().len(),
        reference_feeds[0]["items"].as_array().unwrap().len()
    );
    for (killed, reference) in killed_feeds.iter().zip(&reference_feeds) {
        assert!(
            killed == reference,
            "the output feeds differ: {}",
            first_difference(killed, reference)
        );
    }
    println!(
        "crash harness: {rounds} SIGKILLs, {expected} articles each stored once, \
         integrity ok, output feeds equal to an uninterrupted run"
    );
}

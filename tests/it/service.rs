//! The daemon as a service: reloading its configuration, one daemon per
//! database, telling the service manager how it is, store upkeep.

use std::path::{Path, PathBuf};

use feedsieve::config::Config;
use feedsieve::daemon::{self, Daemon};
use wiremock::MockServer;

use crate::support::process::{DaemonProcess, eventually, feedsieve};
use crate::support::serve_fixture;

const HEADER: &str = "[store]\npath = \"feedsieve.db\"\n\
    [server]\nlisten = \"127.0.0.1:0\"\nbase_url = \"http://feeds.test/\"\n\
    [fetch]\ntimeout = \"5s\"\nallow_private_networks = true\n";

// Polled every second: `max_interval` keeps the adaptive schedule (which
// would lengthen the interval of a feed that rarely publishes) from
// stretching it.
const VESTNIK: &str = "[[source]]\nname = \"Vestnik\"\nurl = \"{{BASE}}/archive.rss\"\n\
    full_text = false\ninterval = \"1s\"\nmax_interval = \"1s\"\n";
const STEPPE: &str = "[[source]]\nname = \"Steppe Times\"\nurl = \"{{BASE}}/astana.atom\"\n\
    full_text = false\ninterval = \"1s\"\nmax_interval = \"1s\"\n";
const MEDIATION: &str =
    "[[topic]]\nslug = \"mediation\"\ntitle = \"Mediation\"\nquery = \"переговор*\"\n";
const CEASEFIRE: &str =
    "[[topic]]\nslug = \"ceasefire\"\ntitle = \"Ceasefire\"\nquery = \"ceasefire\"\n";

async fn origin() -> MockServer {
    let o = MockServer::start().await;
    serve_fixture(&o, "/archive.rss", "archive.rss", "application/rss+xml").await;
    serve_fixture(&o, "/astana.atom", "astana.atom", "application/atom+xml").await;
    o
}

fn write_config(path: &Path, origin: &MockServer, parts: &[&str]) {
    let body = parts.join("\n").replace("{{BASE}}", &origin.uri());
    std::fs::write(path, format!("{HEADER}\n{body}")).unwrap();
}

async fn requests_to(origin: &MockServer, route: &str) -> usize {
    origin
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == route)
        .count()
}

async fn status(url: String) -> Option<reqwest::StatusCode> {
    reqwest::get(url).await.ok().map(|r| r.status())
}

async fn items(url: String) -> usize {
    let Ok(r) = reqwest::get(url).await else {
        return 0;
    };
    let body = r.bytes().await.unwrap_or_default();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    json["items"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_reload_adds_changes_and_removes_sources_and_topics_without_a_restart() {
    let o = origin().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feedsieve.toml");
    write_config(&path, &o, &[VESTNIK, MEDIATION]);
    let mut daemon = Daemon::start(&Config::load(&path).unwrap()).await.unwrap();
    let feed = |slug: &str| format!("http://{}/feeds/{slug}.json", daemon.addr);

    let (mediation, ceasefire) = (feed("mediation"), feed("ceasefire"));
    eventually("Vestnik's articles in the mediation feed", || {
        let url = mediation.clone();
        async move { (items(url).await == 3).then_some(()) }
    })
    .await;
    assert_eq!(
        status(ceasefire.clone()).await,
        Some(reqwest::StatusCode::NOT_FOUND)
    );

    // Vestnik out, Steppe Times in; the mediation topic replaced by
    // ceasefire.
    write_config(&path, &o, &[STEPPE, CEASEFIRE]);
    let summary = daemon.reload_from_file().await.unwrap();
    assert_eq!(summary.sources_added, ["Steppe Times"]);
    assert_eq!(summary.sources_removed, ["Vestnik"]);
    assert!(summary.sources_changed.is_empty() && summary.restart_needed.is_empty());

    // The server lists the new topics at once...
    assert_eq!(
        status(mediation.clone()).await,
        Some(reqwest::StatusCode::NOT_FOUND)
    );
    // ...and the new source's articles are classified by them.
    eventually("Steppe Times' ceasefire story", || {
        let url = ceasefire.clone();
        async move { (items(url).await == 1).then_some(()) }
    })
    .await;
    // Vestnik is polled no more: while Steppe Times is polled twice more
    // (each a second apart), Vestnik's count stays put.
    let vestnik_polls = requests_to(&o, "/archive.rss").await;
    let steppe_polls = requests_to(&o, "/astana.atom").await;
    eventually("two more polls of Steppe Times", || {
        let o = &o;
        async move { (requests_to(o, "/astana.atom").await >= steppe_polls + 2).then_some(()) }
    })
    .await;
    assert_eq!(requests_to(&o, "/archive.rss").await, vestnik_polls);
    let db = rusqlite::Connection::open(dir.path().join("feedsieve.db")).unwrap();
    let enabled: bool = db
        .query_row(
            "SELECT enabled FROM sources WHERE name = 'Vestnik'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!enabled, "a removed source is disabled, its articles kept");

    // A changed source is restarted with its new settings.
    write_config(&path, &o, &[&STEPPE.replace("1s", "2s"), CEASEFIRE]);
    let summary = daemon.reload_from_file().await.unwrap();
    assert_eq!(summary.sources_changed, ["Steppe Times"]);
    assert!(summary.sources_added.is_empty() && summary.sources_removed.is_empty());

    // A config that does not load changes nothing.
    std::fs::write(&path, format!("{HEADER}\n[[topic]]\nslug = \"x\"\n")).unwrap();
    let e = daemon.reload_from_file().await.unwrap_err();
    assert!(format!("{e:#}").contains("missing field"), "{e:#}");
    assert_eq!(daemon.config().topics[0].slug, "ceasefire");
    assert_eq!(
        status(ceasefire.clone()).await,
        Some(reqwest::StatusCode::OK)
    );

    // The listen address cannot change without a restart, and says so.
    write_config(&path, &o, &[&STEPPE.replace("1s", "2s"), CEASEFIRE]);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("127.0.0.1:0", "127.0.0.1:1");
    std::fs::write(&path, text).unwrap();
    let summary = daemon.reload_from_file().await.unwrap();
    assert_eq!(summary.restart_needed, ["server"]);
    assert_eq!(daemon.config().server.listen.port(), 0);

    daemon.shutdown();
    daemon.wait().await;
}

#[tokio::test]
async fn the_daemon_prunes_by_the_retention_policy_as_soon_as_it_starts() {
    let o = origin().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feedsieve.toml");
    write_config(&path, &o, &[VESTNIK]);
    // Articles stored before the policy existed...
    let config = Config::load(&path).unwrap();
    let pipeline = daemon::pipeline(&config).unwrap();
    daemon::fetch_all(&pipeline, &config).await;
    drop(pipeline);
    // ...are pruned once the daemon starts with one.
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "path = \"feedsieve.db\"",
        "path = \"feedsieve.db\"\nkeep = \"90d\"",
    );
    std::fs::write(&path, text).unwrap();
    let daemon = Daemon::start(&Config::load(&path).unwrap()).await.unwrap();
    let store = daemon.store();
    eventually("the archive items to be pruned", || {
        let store = store.clone();
        async move {
            let stats = store.database_stats().unwrap();
            (stats.tombstones == 3).then_some(())
        }
    })
    .await;
    assert_eq!(store.database_stats().unwrap().articles, 2);
    daemon.shutdown();
    daemon.wait().await;
}

fn config_in(dir: &Path, origin: &MockServer, parts: &[&str]) -> PathBuf {
    let path = dir.join("feedsieve.toml");
    write_config(&path, origin, parts);
    path
}

#[tokio::test]
async fn the_service_manager_hears_ready_status_watchdog_reload_and_stop() {
    let o = origin().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config_in(dir.path(), &o, &[VESTNIK, MEDIATION]);
    // A watchdog of 2 s: the daemon must ping about every second.
    let mut d = DaemonProcess::start(dir.path(), &path, &[("WATCHDOG_USEC", "2000000")]).await;
    assert_eq!(
        status(d.url("/healthz")).await,
        Some(reqwest::StatusCode::OK)
    );
    d.notify
        .until("a watchdog ping", |l| l == "WATCHDOG=1")
        .await;
    // After the first refresh the status line counts the articles.
    d.notify
        .until("a status with the article count", |l| {
            l.starts_with("STATUS=") && l.contains("5 articles")
        })
        .await;

    // SIGHUP: RELOADING=1, then READY=1 with the new configuration live.
    write_config(&path, &o, &[VESTNIK, MEDIATION, CEASEFIRE]);
    d.signal("HUP");
    d.notify.until("RELOADING=1", |l| l == "RELOADING=1").await;
    d.notify
        .until("READY=1 after the reload", |l| l == "READY=1")
        .await;
    assert_eq!(
        status(d.url("/feeds/ceasefire.atom")).await,
        Some(reqwest::StatusCode::OK)
    );

    // A broken file: rejected, logged, the running configuration stays.
    std::fs::write(&path, "[fetch]\nconcurrency = \"eight\"\n").unwrap();
    d.signal("HUP");
    let line = d
        .notify
        .until("the status of the failed reload", |l| {
            l.starts_with("STATUS=reload failed")
        })
        .await;
    assert!(line.contains("concurrency"), "{line}");
    let log = d.log();
    assert!(
        log.contains("configuration not reloaded") && log.contains("feedsieve.toml:2:"),
        "{log}"
    );
    assert_eq!(
        status(d.url("/feeds/ceasefire.atom")).await,
        Some(reqwest::StatusCode::OK)
    );

    d.signal("TERM");
    d.notify.until("STOPPING=1", |l| l == "STOPPING=1").await;
    assert!(d.exit_status().await.success());
    // No terminal: no colour codes in the log (journald stores them raw).
    assert!(!d.log().contains('\u{1b}'), "{}", d.log());
}

#[tokio::test]
async fn a_second_daemon_on_one_database_is_refused_while_the_other_commands_work() {
    let o = origin().await;
    let dir = tempfile::tempdir().unwrap();
    let path = config_in(dir.path(), &o, &[VESTNIK, MEDIATION]);
    let mut first = DaemonProcess::start(dir.path(), &path, &[]).await;

    let second = feedsieve(&path, &["run"]);
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("another feedsieve daemon")
            && err.contains(&format!("(pid {})", first.pid()))
            && err.contains("already running"),
        "{err}"
    );

    // Beside the running daemon: a fetch pass, search, stats, backup.
    let out = feedsieve(&path, &["fetch"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 sources refreshed, 0 failed"));
    let out = feedsieve(&path, &["search", "переговорах"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Делегации продолжили переговоры"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = feedsieve(&path, &["search", "--newest", "переговоры", "-пшеница"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("Делегации продолжили") && !stdout.contains("уборку"),
        "{stdout}"
    );
    // An option after the query would be searched for: refused.
    let out = feedsieve(&path, &["search", "переговоры", "--limit", "1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("options go before it"));
    let out = feedsieve(&path, &["stats", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["sources"][0]["name"], "Vestnik");
    assert_eq!(stats["sources"][0]["entries"], 5);
    assert_eq!(stats["topics"][0]["slug"], "mediation");
    assert_eq!(stats["topics"][0]["matches"], 3);
    let copy = dir.path().join("copy.db");
    let out = feedsieve(&path, &["backup", copy.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let n: i64 = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 5);

    // Once the first daemon is gone, the lock is free again.
    first.signal("TERM");
    assert!(first.exit_status().await.success());
    let elsewhere = dir.path().join("again");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let again = DaemonProcess::start(&elsewhere, &path, &[]).await;
    assert_eq!(
        status(again.url("/healthz")).await,
        Some(reqwest::StatusCode::OK)
    );
}

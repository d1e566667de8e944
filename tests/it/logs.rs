//! Log output: JSON on request, spans per source and article, no colour
//! codes off a terminal, `[log] level` applied (also on reload) unless
//! `RUST_LOG` overrides it.

use std::process::Command;

use wiremock::MockServer;

use crate::support::process::DaemonProcess;
use crate::support::serve_fixture;

fn config(origin: &MockServer, level: &str) -> String {
    format!(
        "[store]\npath = \"fs.db\"\n[server]\nlisten = \"127.0.0.1:0\"\n\
         [fetch]\nallow_private_networks = true\ntimeout = \"5s\"\n\
         [log]\nlevel = \"{level}\"\n\
         [[source]]\nname = \"Kazpravda\"\nurl = \"{}/kazpravda.rss\"\nfull_text = true\n",
        origin.uri()
    )
}

#[tokio::test]
async fn json_logs_carry_the_source_and_article_spans_and_no_colour_codes() {
    let o = MockServer::start().await;
    serve_fixture(&o, "/kazpravda.rss", "kazpravda.rss", "application/rss+xml").await;
    // The pages are missing (404): each failure is logged inside its
    // article's span.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, config(&o, "info")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_feedsieve"))
        .args([
            "--config",
            path.to_str().unwrap(),
            "--log-format",
            "json",
            "fetch",
        ])
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let failed_page = events
        .iter()
        .find(|e| e["level"] == "WARN" && e["span"]["name"] == "article")
        .unwrap_or_else(|| panic!("no warning inside an article span: {stderr}"));
    let spans = failed_page["spans"].as_array().unwrap();
    assert_eq!(spans[0]["name"], "refresh");
    assert_eq!(spans[0]["source"], "Kazpravda");
    assert_eq!(spans[1]["entry.key"], "id:kp-1001");
    assert!(
        spans[1]["article.url"]
            .as_str()
            .unwrap()
            .ends_with("/articles/kp-1.html?utm_source=rss")
    );
}

#[tokio::test]
async fn the_configured_level_applies_and_changes_on_reload_unless_rust_log_is_set() {
    let o = MockServer::start().await;
    serve_fixture(&o, "/kazpravda.rss", "kazpravda.rss", "application/rss+xml").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, config(&o, "warn")).unwrap();

    // RUST_LOG empty counts as unset: the file's "warn" hides info lines.
    let mut d = DaemonProcess::start(dir.path(), &path, &[("RUST_LOG", "")]).await;
    assert!(!d.log().contains("feedsieve started"), "{}", d.log());
    std::fs::write(&path, config(&o, "info")).unwrap();
    d.signal("HUP");
    d.notify
        .until("READY=1 after the reload", |l| l == "READY=1")
        .await;
    assert!(d.log().contains("configuration reloaded"), "{}", d.log());
    d.signal("TERM");
    assert!(d.exit_status().await.success());

    // RUST_LOG wins over the file.
    std::fs::write(&path, config(&o, "warn")).unwrap();
    let other = dir.path().join("second");
    std::fs::create_dir_all(&other).unwrap();
    let d = DaemonProcess::start(&other, &path, &[("RUST_LOG", "info")]).await;
    assert!(d.log().contains("feedsieve started"), "{}", d.log());
}

#[tokio::test]
async fn fetch_draws_a_progress_bar_on_a_terminal_and_plain_lines_otherwise() {
    let o = MockServer::start().await;
    serve_fixture(&o, "/kazpravda.rss", "kazpravda.rss", "application/rss+xml").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, config(&o, "info")).unwrap();
    let bin = env!("CARGO_BIN_EXE_feedsieve");

    // Not a terminal: one plain line per source and the summary.
    let out = Command::new(bin)
        .args(["--config", path.to_str().unwrap(), "fetch"])
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.starts_with("Kazpravda: 2 entries, 2 new"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("1 sources refreshed, 0 failed\n"),
        "{stdout}"
    );
    // The log has warnings only (the pages are missing), each naming its
    // source and article though the spans are info-level.
    assert!(!stderr.contains(" INFO "), "{stderr}");
    assert!(
        stderr.contains(" WARN refresh{source=Kazpravda")
            && stderr.contains("article{entry.key=id:kp-1001"),
        "{stderr}"
    );
    for text in [&stdout, &stderr] {
        assert!(!text.contains('\r') && !text.contains('\u{1b}'), "{text:?}");
    }

    // A terminal: util-linux's `script` runs the command on a
    // pseudo-terminal, where the bar is drawn (and redrawn with \r).
    let out = Command::new("script")
        .args(["-qec"])
        .arg(format!("{bin} --config {} fetch", path.display()))
        .arg("/dev/null")
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{tty}");
    assert!(tty.contains("/1 sources") && tty.contains('\r'), "{tty:?}");
    assert!(tty.contains("Kazpravda: 2 entries, 0 new"), "{tty:?}");
}

#[tokio::test]
async fn lines_going_to_the_journal_carry_no_timestamp_of_their_own() {
    use std::os::unix::fs::MetadataExt;
    let o = MockServer::start().await;
    serve_fixture(&o, "/kazpravda.rss", "kazpravda.rss", "application/rss+xml").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, config(&o, "info")).unwrap();

    // systemd tells a service which stream is the journal by its device
    // and inode in $JOURNAL_STREAM; here the "journal" is a file.
    let run = |name: &str, journal_is_stderr: bool| {
        let log = dir.path().join(name);
        let file = std::fs::File::create(&log).unwrap();
        let meta = file.metadata().unwrap();
        let ino = if journal_is_stderr {
            meta.ino()
        } else {
            meta.ino() + 1
        };
        let status = Command::new(env!("CARGO_BIN_EXE_feedsieve"))
            .args(["--config", path.to_str().unwrap(), "fetch"])
            .env("RUST_LOG", "info")
            .env("JOURNAL_STREAM", format!("{}:{ino}", meta.dev()))
            .stdout(std::process::Stdio::null())
            .stderr(file)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::read_to_string(log).unwrap()
    };
    let journal = run("journal.log", true);
    let first = journal.lines().next().unwrap();
    assert!(first.trim_start().starts_with("INFO"), "{journal}");
    // An inherited variable that names another stream changes nothing.
    let inherited = run("other.log", false);
    let first = inherited.lines().next().unwrap();
    assert!(first.starts_with("20"), "{inherited}");
}

//! The `feedsieve` binary as a user runs it.

use std::process::Command;

fn feedsieve(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_feedsieve"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[test]
fn check_rejects_an_unknown_key_and_names_it_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[fetch]\ninterval = \"10m\"\n\n[[source]]\nname = \"a\"\nurl = \"https://a.example/rss\"\nful_text = true\n",
    )
    .unwrap();
    let out = feedsieve(&["check", "--config", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:7:"), "{err}");
    assert!(err.contains("unknown field `ful_text`"), "{err}");
}

#[test]
fn check_accepts_the_shipped_config_and_prints_a_summary() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/feedsieve.toml");
    let out = feedsieve(&["check", "--config", path]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("is valid") && text.contains("mediation"),
        "{text}"
    );
}

#[test]
fn fetch_exits_non_zero_only_when_the_pass_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    // The database path is a directory that cannot be created (its parent
    // is a regular file): the pass cannot run at all.
    std::fs::write(dir.path().join("file"), "").unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        "[store]\npath = \"file/sub/x.db\"\n[[source]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/rss\"\n",
    )
    .unwrap();
    let out = feedsieve(&["fetch", "--config", path.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("database folder"));

    // A source that cannot be reached is a failed source, not a failed pass.
    std::fs::write(
        &path,
        "[store]\npath = \"x.db\"\n[fetch]\nallow_private_networks = true\ntimeout = \"2s\"\n\
         [[source]]\nname = \"a\"\nurl = \"http://127.0.0.1:9/rss\"\n",
    )
    .unwrap();
    let out = feedsieve(&["fetch", "--config", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("a: FAILED: http://127.0.0.1:9/rss"), "{text}");
}

//! Disk faults against the real binary: the database's filesystem fills up
//! while the daemon runs, then space comes back.
//!
//! The daemon runs in its own user and mount namespace (`unshare -rm`, no
//! privileges needed) with its data folder on a fresh tmpfs, so "the disk is
//! full" is real: a ballast file written through `/proc/PID/root` takes the
//! last free byte, and SQLite's writes fail with SQLITE_FULL exactly as on a
//! full disk. Meanwhile the daemon must keep serving what it has, say
//! clearly what is wrong, and keep retrying; once the ballast is deleted it
//! must store the backlog, and the database must pass its integrity check.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::support::farm::{self, SOURCES};

const DEADLINE: Duration = Duration::from_secs(60);
/// Items per source once the disk is full: more than the first pass wrote,
/// and all of them fit in one page of the "all" feed (50 items).
const BACKLOG: usize = 8;

/// What every test here starts from: the farm, a scratch folder with a
/// daemon config whose database is `feedsieve.db` in the folder's
/// subfolder `data_dir` (created; "." for the folder itself), listening on
/// a free port, and a client for that port.
struct Setup {
    /// Serves the farm's feeds and pages while it lives.
    _origin: wiremock::MockServer,
    farm: std::sync::Arc<farm::Farm>,
    dir: tempfile::TempDir,
    config: PathBuf,
    log: PathBuf,
    base: String,
    client: reqwest::Client,
}

async fn setup(data_dir: &str) -> Setup {
    let (origin, farm) = farm::farm().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(data_dir)).unwrap();
    let port = farm::free_port();
    let config = dir.path().join("feedsieve.toml");
    let store = if data_dir == "." {
        "feedsieve.db".to_string()
    } else {
        format!("{data_dir}/feedsieve.db")
    };
    std::fs::write(&config, farm::config(&origin, &store, port, "")).unwrap();
    Setup {
        _origin: origin,
        farm,
        log: dir.path().join("daemon.log"),
        dir,
        config,
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
    }
}

/// Polls `check` until it gives `Some`, failing after [`DEADLINE`]: waits
/// for a condition in another process, it does not guess durations.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The daemon in a new user and mount namespace, its `data` folder on a
/// tmpfs of `size`.
fn daemon_on_tmpfs(data: &Path, size: &str, config: &Path, log: &Path) -> Child {
    Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg("mount -t tmpfs -o size=\"$1\" feedsieve-test \"$0\" && exec \"$2\" --config \"$3\" run")
        .arg(data)
        .arg(size)
        .arg(env!("CARGO_BIN_EXE_feedsieve"))
        .arg(config)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("unshare (util-linux) runs")
}

/// `data` as the daemon sees it, inside its mount namespace.
fn inside(child: &Child, data: &Path) -> PathBuf {
    PathBuf::from(format!("/proc/{}/root", child.id())).join(data.strip_prefix("/").unwrap())
}

/// How many lines of the daemon's log at `log` contain `needle`.
fn logged(log: &Path, needle: &str) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(needle))
        .count()
}

/// Fills the filesystem holding `dir` to the last byte.
fn fill(dir: &Path) -> u64 {
    let mut ballast = std::fs::File::create(dir.join("ballast")).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match ballast.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("ballast: {e}"),
        }
    }
    // The last partial chunk may be cached; make the fullness real.
    let _ = ballast.sync_all();
    written
}

/// A copy of the daemon's database, taken while the daemon is stopped
/// (SIGSTOP), so it is exactly what a crash at that moment would leave.
/// SQLite cannot open it in place: it resolves `/proc/PID/root` as a
/// symlink, which leads back into this namespace.
fn snapshot(child: &Child, view: &Path, to: &Path) -> rusqlite::Connection {
    let signal = |name: &str| {
        let ok = Command::new("kill")
            .args([name, &child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {name}");
    };
    signal("-STOP");
    for file in ["feedsieve.db", "feedsieve.db-wal"] {
        if view.join(file).exists() {
            std::fs::copy(view.join(file), to.join(file)).unwrap();
        }
    }
    signal("-CONT");
    rusqlite::Connection::open(to.join("feedsieve.db")).unwrap()
}

async fn items(client: &reqwest::Client, base: &str) -> Option<usize> {
    let body = client
        .get(format!("{base}/feeds/all.json"))
        .send()
        .await
        .ok()?
        .bytes()
        .await
        .ok()?;
    let feed: serde_json::Value = serde_json::from_slice(&body).ok()?;
    feed["items"].as_array().map(Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_reported_served_through_and_its_backlog_stored_when_space_returns() {
    let Setup {
        _origin,
        farm,
        dir,
        config,
        log,
        base,
        client,
    } = setup("data").await;
    let data = dir.path().join("data");

    // One item per source while there is room.
    farm.published.store(1, Ordering::SeqCst);
    let mut daemon = daemon_on_tmpfs(&data, "64m", &config, &log);
    let view = inside(&daemon, &data);
    eventually("the first items", async || {
        items(&client, &base).await.filter(|n| *n == SOURCES)
    })
    .await;

    // The disk fills up; then a backlog larger than anything written so far
    // is published, so SQLite has to grow its files.
    let ballast = fill(&view);
    assert!(ballast > 0);
    let filled = Instant::now();
    farm.published.store(BACKLOG, Ordering::SeqCst);
    let error = eventually("a disk-full error in the log", async || {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        log.lines()
            .find(|l| l.contains("database or disk is full"))
            .map(str::to_string)
    })
    .await;
    println!("{error}");
    assert!(
        error.contains("Farm "),
        "the error names its source: {error}"
    );
    // Still serving what it has.
    for _ in 0..3 {
        assert_eq!(items(&client, &base).await, Some(SOURCES));
        let health = client.get(format!("{base}/healthz")).send().await.unwrap();
        assert!(health.status().is_success(), "{}", health.status());
    }

    // Space returns: the backlog is stored, once.
    let full_for = filled.elapsed();
    let failures = logged(&log, "database or disk is full");
    std::fs::remove_file(view.join("ballast")).unwrap();
    let freed = Instant::now();
    eventually("the backlog", async || {
        items(&client, &base)
            .await
            .filter(|n| *n == BACKLOG * SOURCES)
    })
    .await;
    let db = snapshot(&daemon, &view, dir.path());
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let (stored, distinct): (i64, i64) = db
        .query_row(
            "SELECT count(*), count(DISTINCT source_id || ' ' || entry_key) FROM articles",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    println!(
        "disk full: ballast of {ballast} bytes; full for {full_for:.1?}, {failures} failed \
         refreshes logged; backlog stored {:.1?} after space returned; {stored} articles, \
         {distinct} distinct, integrity {integrity}",
        freed.elapsed()
    );
    assert_eq!(
        (stored, distinct),
        ((BACKLOG * SOURCES) as i64, (BACKLOG * SOURCES) as i64)
    );
    drop(db);
    daemon.kill().unwrap();
    daemon.wait().unwrap();
}

/// `feedsieve run` as an unprivileged user (root writes read-only files
/// anyway, so permissions only bite a normal user, as under systemd's
/// DynamicUser).
fn daemon_as_nobody(config: &Path, log: &Path) -> Child {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_feedsieve"))
        .arg("--config")
        .arg(config)
        .arg("run")
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
        .expect("setpriv (util-linux) runs")
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if path.exists() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_is_served_reported_and_written_again_once_writable() {
    use std::os::unix::fs::PermissionsExt;
    let Setup {
        _origin,
        farm,
        dir,
        config,
        log,
        base,
        client,
    } = setup(".").await;
    // The unprivileged daemon creates its files here.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let db = dir.path().join("feedsieve.db");

    farm.published.store(1, Ordering::SeqCst);
    let mut daemon = daemon_as_nobody(&config, &log);
    eventually("the first items", async || {
        items(&client, &base).await.filter(|n| *n == SOURCES)
    })
    .await;
    daemon.kill().unwrap();
    daemon.wait().unwrap();

    // The database becomes read-only (say, restored with the wrong owner),
    // a backlog is published, and the daemon is started again.
    for file in ["feedsieve.db", "feedsieve.db-wal", "feedsieve.db-shm"] {
        chmod(&dir.path().join(file), 0o444);
    }
    farm.published.store(BACKLOG, Ordering::SeqCst);
    let mut daemon = daemon_as_nobody(&config, &log);
    let error = eventually("a read-only error in the log", async || {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        log.lines()
            .find(|l| l.contains("Farm ") && l.contains("is read-only"))
            .map(str::to_string)
    })
    .await;
    println!("{error}");
    for _ in 0..3 {
        assert_eq!(
            items(&client, &base).await,
            Some(SOURCES),
            "serves what it holds"
        );
    }

    // Writable again: the next refreshes store the backlog.
    let failures = logged(&log, "is read-only");
    let writable = Instant::now();
    for file in ["feedsieve.db", "feedsieve.db-wal", "feedsieve.db-shm"] {
        chmod(&dir.path().join(file), 0o644);
    }
    eventually("the backlog", async || {
        items(&client, &base)
            .await
            .filter(|n| *n == BACKLOG * SOURCES)
    })
    .await;
    let caught_up = writable.elapsed();
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let db = rusqlite::Connection::open(&db).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let (stored, distinct): (i64, i64) = db
        .query_row(
            "SELECT count(*), count(DISTINCT source_id || ' ' || entry_key) FROM articles",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    println!(
        "read-only database: {failures} refreshes reported it read-only; backlog stored \
         {caught_up:.1?} after the files were writable; {stored} articles, {distinct} distinct, \
         integrity {integrity}"
    );
    assert_eq!(
        (stored, distinct),
        ((BACKLOG * SOURCES) as i64, (BACKLOG * SOURCES) as i64)
    );
}

/// The daemon in a new user and mount namespace where `data` is bind-mounted
/// read-only, as after the kernel remounted a failing disk read-only.
fn daemon_on_read_only_mount(data: &Path, config: &Path, log: &Path) -> Child {
    Command::new("unshare")
        .args(["--user", "--map-root-user", "--mount", "sh", "-c"])
        .arg(
            "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" \
             && exec \"$1\" --config \"$2\" run",
        )
        .arg(data)
        .arg(env!("CARGO_BIN_EXE_feedsieve"))
        .arg(config)
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
        .expect("unshare (util-linux) runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_on_a_read_only_filesystem_is_served_and_written_once_remounted() {
    let Setup {
        _origin,
        farm,
        dir,
        config,
        log,
        base,
        client,
    } = setup("data").await;
    let data = dir.path().join("data");

    farm.published.store(1, Ordering::SeqCst);
    let mut daemon = Command::new(env!("CARGO_BIN_EXE_feedsieve"))
        .arg("--config")
        .arg(&config)
        .arg("run")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    eventually("the first items", async || {
        items(&client, &base).await.filter(|n| *n == SOURCES)
    })
    .await;
    // A clean stop: the WAL is folded into the database and removed.
    let stopped = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(daemon.wait().unwrap().success());

    farm.published.store(BACKLOG, Ordering::SeqCst);
    let mut daemon = daemon_on_read_only_mount(&data, &config, &log);
    let error = eventually("a read-only error in the log", async || {
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        log.lines()
            .find(|l| l.contains("Farm ") && l.contains("is read-only"))
            .map(str::to_string)
    })
    .await;
    println!("{error}");
    for _ in 0..3 {
        assert_eq!(
            items(&client, &base).await,
            Some(SOURCES),
            "serves what it holds"
        );
    }

    // The filesystem is writable again (remounted inside the daemon's
    // namespace): the backlog is stored.
    let failures = logged(&log, "is read-only");
    let writable = Instant::now();
    let remounted = Command::new("nsenter")
        .args(["--target", &daemon.id().to_string(), "--user", "--mount"])
        .args(["mount", "-o", "remount,bind,rw"])
        .arg(&data)
        .status()
        .unwrap();
    assert!(remounted.success());
    eventually("the backlog", async || {
        items(&client, &base)
            .await
            .filter(|n| *n == BACKLOG * SOURCES)
    })
    .await;
    let caught_up = writable.elapsed();
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let db = rusqlite::Connection::open(data.join("feedsieve.db")).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let stored: i64 = db
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    println!(
        "read-only filesystem: {failures} refreshes reported it read-only; backlog stored \
         {caught_up:.1?} after the remount; {stored} articles, integrity {integrity}"
    );
    assert_eq!(stored, (BACKLOG * SOURCES) as i64);
}

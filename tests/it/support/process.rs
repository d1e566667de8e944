//! The real `feedsieve` binary as a service manager runs it: a child
//! process with `$NOTIFY_SOCKET` pointing at a datagram socket the test
//! reads, so the test learns readiness, status and reloads exactly as
//! systemd would, instead of guessing with timers.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::net::UnixDatagram;

/// How long any awaited condition may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Checks `check` until it returns `Some`, failing the test after
/// [`DEADLINE`]. Between checks it yields for a moment: this polls for a
/// condition, it does not guess how long work takes.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The receiving end of `sd_notify(3)` messages.
pub struct Notifications {
    socket: UnixDatagram,
    pub path: PathBuf,
}

impl Notifications {
    pub fn bind(dir: &Path) -> Notifications {
        let path = dir.join("notify.sock");
        let socket = UnixDatagram::bind(&path).unwrap();
        Notifications { socket, path }
    }

    /// Receives messages until one has a line for which `wanted` holds;
    /// returns that line.
    pub async fn until(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let mut buf = vec![0; 4096];
        let mut seen = Vec::new();
        let start = Instant::now();
        loop {
            let left = DEADLINE.saturating_sub(start.elapsed());
            let n = match tokio::time::timeout(left, self.socket.recv(&mut buf)).await {
                Ok(r) => r.unwrap(),
                Err(_) => panic!("timed out waiting for {what}; received {seen:?}"),
            };
            let message = String::from_utf8_lossy(&buf[..n]).into_owned();
            for line in message.lines() {
                if wanted(line) {
                    return line.to_string();
                }
            }
            seen.push(message);
        }
    }
}

/// Runs the binary with `args` and returns its output.
pub fn feedsieve(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_feedsieve"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("NOTIFY_SOCKET")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// A daemon child process; killed when dropped, so a failing test leaves
/// nothing running.
pub struct DaemonProcess {
    child: Child,
    pub notify: Notifications,
    /// Where the daemon's stderr (its log) goes.
    pub log: PathBuf,
    pub addr: SocketAddr,
}

impl DaemonProcess {
    /// Starts `feedsieve run` and waits for `READY=1`; the listen address
    /// is read from the status line that comes with it.
    pub async fn start(dir: &Path, config: &Path, env: &[(&str, &str)]) -> DaemonProcess {
        let mut notify = Notifications::bind(dir);
        let log = dir.join("daemon.log");
        let child = Command::new(env!("CARGO_BIN_EXE_feedsieve"))
            .arg("--config")
            .arg(config)
            .arg("run")
            .env("NOTIFY_SOCKET", &notify.path)
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut process = DaemonProcess {
            child,
            notify: Notifications {
                socket: UnixDatagram::unbound().unwrap(),
                path: PathBuf::new(),
            },
            log,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        };
        let status = notify
            .until("READY=1 and the status", |l| {
                l.starts_with("STATUS=listening on ")
            })
            .await;
        process.addr = status["STATUS=listening on ".len()..]
            .split(';')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        process.notify = notify;
        process
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends signal `name` ("HUP", "TERM") to the daemon.
    pub fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} failed");
    }

    /// The daemon's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the process to exit and returns its status.
    pub async fn exit_status(&mut self) -> std::process::ExitStatus {
        let child = &mut self.child;
        eventually("the daemon to exit", || {
            let status = child.try_wait().unwrap();
            async move { status }
        })
        .await
    }

    pub fn url(&self, route: &str) -> String {
        format!("http://{}{route}", self.addr)
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

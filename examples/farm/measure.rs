//! Measuring a child process: wall time, CPU time and peak RSS.
//!
//! The numbers come from `wait4(2)`, which returns the rusage of exactly
//! one process once it exits: user and system CPU time, and `ru_maxrss`,
//! the high-water mark of its resident set. One trap: Linux carries the
//! high-water mark of the memory a process had *before* `exec` into
//! `ru_maxrss` (exec_mmap records the old mm's), and a child forked from
//! the harness starts as a copy of the harness — which holds the farm's
//! pages, hundreds of MB. Measured directly, `/bin/true` spawned by a
//! 400 MB parent reports 414 MB. So every measured command is started by a
//! small helper (this example re-run as `farm measure`, a fresh exec of a
//! few MB), which spawns the command, reaps it with `wait4` and writes its
//! usage to a file. Nothing of the harness (farm server, latency client) is
//! counted.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

/// What one child process cost.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    pub wall_s: f64,
    pub user_s: f64,
    pub sys_s: f64,
    pub peak_rss_mb: f64,
    pub exit_code: i32,
}

impl Usage {
    pub fn cpu_s(&self) -> f64 {
        self.user_s + self.sys_s
    }
}

/// A measured command, started through the helper.
pub struct Child {
    helper: std::process::Child,
    report: PathBuf,
}

/// Starts `cmd` through the measuring helper, with stdout and stderr going
/// to `log` (a file, so a chatty child never blocks on a full pipe).
pub fn spawn(cmd: &mut Command, log: &Path) -> anyhow::Result<Child> {
    let out =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let err = out.try_clone()?;
    let report = log.with_extension("usage.json");
    let _ = std::fs::remove_file(&report);
    let mut helper = Command::new(std::env::current_exe()?);
    helper
        .arg("measure")
        .arg("--report")
        .arg(&report)
        .arg("--")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => helper.env(k, v),
            None => helper.env_remove(k),
        };
    }
    let helper = helper
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    Ok(Child { helper, report })
}

impl Child {
    /// The measured command's pid, once the helper has started it.
    pub fn pid(&self) -> Option<libc::pid_t> {
        std::fs::read_to_string(self.report.with_extension("pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// Asks the command to stop as a daemon is asked to (SIGTERM, which the
    /// helper forwards).
    pub fn terminate(&self) {
        // SAFETY: kill(2) on our own helper, not yet reaped.
        unsafe {
            libc::kill(self.helper.id() as libc::pid_t, libc::SIGTERM);
        }
    }

    /// Waits for the command to exit (blocking) and returns what it cost.
    pub fn wait(mut self) -> anyhow::Result<Usage> {
        self.helper.wait()?;
        let text = std::fs::read_to_string(&self.report)
            .with_context(|| format!("the measuring helper wrote no {}", self.report.display()))?;
        Ok(serde_json::from_str(&text)?)
    }

    /// Waits off the async threads.
    pub async fn wait_async(self) -> anyhow::Result<Usage> {
        tokio::task::spawn_blocking(move || self.wait()).await?
    }
}

/// The child the helper measures, for its SIGTERM handler.
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward_sigterm(_: libc::c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill(2) is async-signal-safe.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
}

/// The helper (`farm measure --report FILE -- PROGRAM ARGS…`): runs the
/// program with this process's stdio, reaps it with `wait4`, writes its
/// [`Usage`] to `report` (and its pid to `report` with extension `pid`
/// while it runs).
pub fn helper(report: &Path, argv: &[String]) -> anyhow::Result<i32> {
    let (program, args) = argv.split_first().context("no command to measure")?;
    let started = Instant::now();
    let child = Command::new(program)
        .args(args)
        .spawn()
        .with_context(|| format!("cannot start {program}"))?;
    let pid = child.id() as libc::pid_t;
    CHILD.store(pid, Ordering::SeqCst);
    // SAFETY: installs a handler that only calls kill(2).
    unsafe {
        libc::signal(
            libc::SIGTERM,
            forward_sigterm as *const () as libc::sighandler_t,
        );
    }
    std::fs::write(report.with_extension("pid"), pid.to_string())?;
    let mut status = 0;
    // SAFETY: rusage is plain old data; zeroed is a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = loop {
        // SAFETY: valid pointers to locals; the pid is our own child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
        if r == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
            continue;
        }
        break r;
    };
    let wall = started.elapsed();
    if r != pid {
        anyhow::bail!("wait4: {}", std::io::Error::last_os_error());
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let exit_code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let usage = Usage {
        wall_s: wall.as_secs_f64(),
        user_s: secs(ru.ru_utime),
        sys_s: secs(ru.ru_stime),
        // Linux reports ru_maxrss in KiB.
        peak_rss_mb: ru.ru_maxrss as f64 / 1024.0,
        exit_code,
    };
    std::fs::write(report, serde_json::to_string(&usage)?)?;
    Ok(exit_code)
}

/// This process's own CPU time so far (the harness: farm and client).
pub fn self_cpu() -> Duration {
    // SAFETY: rusage is plain old data; zeroed is a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a local.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let d = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    d(ru.ru_utime) + d(ru.ru_stime)
}

/// Current resident set of a running process, from /proc (for progress
/// lines; the peak comes from `wait4`).
pub fn rss_mb(pid: libc::pid_t) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Percentiles of latencies, in milliseconds.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Latencies {
    pub requests: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latencies {
    pub fn of(mut ms: Vec<f64>, errors: usize) -> Latencies {
        ms.sort_by(f64::total_cmp);
        let q = |p: f64| {
            if ms.is_empty() {
                0.0
            } else {
                ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1]
            }
        };
        Latencies {
            requests: ms.len(),
            errors,
            p50_ms: q(0.50),
            p90_ms: q(0.90),
            p99_ms: q(0.99),
            max_ms: ms.last().copied().unwrap_or(0.0),
        }
    }
}

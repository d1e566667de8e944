//! Measuring a child process: wall time, CPU time and peak RSS.
//!
//! The child's own numbers come from `wait4(2)`, which returns the rusage
//! of exactly that process once it exits: user and system CPU time, and
//! `ru_maxrss`, the kernel's high-water mark of its resident set (the same
//! figure as `VmHWM` in /proc/PID/status). Nothing of the harness (the farm
//! server, the latency client) is counted.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// What one child process cost.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
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

/// A started child whose usage is collected by [`Child::wait`].
pub struct Child {
    pid: libc::pid_t,
    started: Instant,
    // Kept so its pipes and handle stay valid; it is never waited on by
    // std (wait4 reaps it).
    _child: std::process::Child,
}

/// Starts `cmd` with stdout and stderr going to `log` (a file, so a chatty
/// child can never block on a full pipe).
pub fn spawn(cmd: &mut Command, log: &Path) -> anyhow::Result<Child> {
    let out =
        std::fs::File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    let err = out.try_clone()?;
    let started = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .spawn()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    Ok(Child {
        pid: child.id() as libc::pid_t,
        started,
        _child: child,
    })
}

impl Child {
    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// Asks the child to stop as a daemon is asked to (SIGTERM).
    pub fn terminate(&self) {
        // SAFETY: kill(2) with a pid this process spawned and has not yet
        // reaped, so the pid cannot have been reused.
        unsafe {
            libc::kill(self.pid, libc::SIGTERM);
        }
    }

    /// Waits for the child to exit (blocking) and returns what it cost.
    pub fn wait(self) -> anyhow::Result<Usage> {
        let mut status = 0;
        // SAFETY: rusage is plain old data; zeroed is a valid value.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: valid pointers to locals; the pid is our own child.
        let r = unsafe { libc::wait4(self.pid, &mut status, 0, &mut ru) };
        let wall = self.started.elapsed();
        if r != self.pid {
            anyhow::bail!("wait4: {}", std::io::Error::last_os_error());
        }
        let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        let exit_code = if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -libc::WTERMSIG(status)
        };
        Ok(Usage {
            wall_s: wall.as_secs_f64(),
            user_s: secs(ru.ru_utime),
            sys_s: secs(ru.ru_stime),
            // Linux reports ru_maxrss in KiB.
            peak_rss_mb: ru.ru_maxrss as f64 / 1024.0,
            exit_code,
        })
    }

    /// Waits off the async threads.
    pub async fn wait_async(self) -> anyhow::Result<Usage> {
        tokio::task::spawn_blocking(move || self.wait()).await?
    }
}

/// This process's own CPU time so far (the harness: farm and client).
pub fn self_cpu() -> Duration {
    // SAFETY: as in `wait`.
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

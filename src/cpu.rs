//! The threads that do an article's CPU work, at a lower priority than the
//! rest of the daemon.
//!
//! An article costs about 1.7 ms of pure CPU (parse the page, extract,
//! sanitize, analyse for topics, fingerprint; BENCHMARKS.md, "End-to-end
//! ingest"), and a fetch pass has thousands of them. That work runs here,
//! on one thread per core fed from one queue, and never on the async
//! runtime's threads, which fetch and serve HTTP:
//!
//! - one queue keeps every core busy: a thread takes the next article as
//!   soon as it is done with one. With a slot per core and a blocking task
//!   per article instead, each hand-over (release the slot, wake the next
//!   task, wake a blocking thread) left the core idle long enough that the
//!   farm ingested at 1.5 cores of 2;
//! - the threads are niced (+10, best effort: see [`lower_priority`]), so a
//!   reader's request for a topic feed is answered first while a pass
//!   ingests, instead of queueing behind a page's extraction; ingest takes
//!   what the server leaves;
//! - no more articles are in progress than there are threads, so at most
//!   that many page trees (a few MB each) are alive at once.
//!
//! In: closures, run in their caller's tracing span. Out: their results,
//! through a future. A panic in a job is caught and returned as
//! [`Panicked`]; the thread lives on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of worker threads fed from one queue. Cloning shares them;
/// they stop once every clone is dropped and the queue is empty.
#[derive(Clone)]
pub struct CpuPool {
    jobs: mpsc::Sender<Job>,
}

/// A job panicked (or its pool was gone before it ran).
#[derive(Debug, thiserror::Error)]
#[error("the article's CPU work panicked")]
pub struct Panicked;

/// How many threads the daemon's pool has: one per core.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl CpuPool {
    /// Starts `threads` worker threads (at least one).
    pub fn new(threads: usize) -> std::io::Result<CpuPool> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("feedsieve-cpu-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // The lock is held only while waiting for a job: the
                        // next idle thread waits behind it, the others work.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(mpsc::RecvError) => return,
                        }
                    }
                })?;
        }
        Ok(CpuPool { jobs })
    }

    /// Runs `work` on the pool and waits for its result without blocking
    /// the async runtime.
    pub async fn run<T, F>(&self, work: F) -> Result<T, Panicked>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        // The job logs in its caller's span (the source and article it works
        // on), as if it ran where it was called.
        let span = tracing::Span::current();
        let job: Job = Box::new(move || {
            let _entered = span.enter();
            // The receiver is gone only when the caller stopped waiting.
            let _ = done.send(catch_unwind(AssertUnwindSafe(work)));
        });
        self.jobs.send(job).map_err(|_| Panicked)?;
        match result.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) | Err(_) => Err(Panicked),
        }
    }
}

/// Raises the calling thread's nice value by 10. Best effort: where the
/// system refuses, the thread keeps the daemon's priority and only the
/// latency of the HTTP server under ingest suffers.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // On Linux the nice value belongs to the thread (the task) named by
        // its id, not to the whole process as POSIX has it.
        let tid = rustix::thread::gettid();
        let now = rustix::process::getpriority_process(Some(tid)).unwrap_or(0);
        if let Err(e) = rustix::process::setpriority_process(Some(tid), (now + 10).min(19)) {
            tracing::debug!(error = %e, "cannot lower the priority of a CPU worker thread");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_return_their_results_and_a_panic_is_reported_without_killing_the_pool() {
        let pool = CpuPool::new(2).unwrap();
        let results =
            futures_util::future::join_all((0..50u64).map(|i| pool.run(move || i * i))).await;
        let squares: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(squares, (0..50u64).map(|i| i * i).collect::<Vec<_>>());

        let panicked = pool.run(|| -> u32 { panic!("a hostile page") }).await;
        assert!(panicked.is_err());
        // Both threads still serve jobs after one of them caught a panic.
        let after = futures_util::future::join_all((0..4).map(|i| pool.run(move || i + 1))).await;
        assert_eq!(after.into_iter().map(Result::unwrap).sum::<i32>(), 10);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn worker_threads_run_at_a_lower_priority_than_their_caller() {
        let caller = rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        let pool = CpuPool::new(1).unwrap();
        let worker = pool
            .run(|| rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap())
            .await
            .unwrap();
        assert_eq!(worker, (caller + 10).min(19));
    }
}

//! A bounded pool of scanning threads fed by a bounded queue: a scan waits
//! for room (backpressure) for a set time at most, and a scan that panics
//! fails alone.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a job gave no result.
#[derive(Debug, PartialEq, Eq)]
pub enum Failed {
    /// No room in the queue within the wait allowed.
    Overloaded,
    /// The job panicked, or the pool is closed.
    Crashed,
}

#[derive(Default)]
struct Counts {
    queued: AtomicUsize,
    busy: AtomicUsize,
}

/// The pool.
pub struct Pool {
    tx: Mutex<Option<SyncSender<Job>>>,
    counts: Arc<Counts>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    workers: usize,
}

impl Pool {
    /// Starts `workers` threads behind a queue of `queue` jobs.
    pub fn start(workers: usize, queue: usize) -> std::io::Result<Pool> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        let counts = Arc::new(Counts::default());
        let mut threads = Vec::new();
        for i in 0..workers.max(1) {
            let rx: Arc<Mutex<Receiver<Job>>> = Arc::clone(&rx);
            let counts = Arc::clone(&counts);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("scan-{i}"))
                    .spawn(move || {
                        loop {
                            let job = match rx.lock() {
                                Ok(r) => r.recv(),
                                Err(p) => p.into_inner().recv(),
                            };
                            let Ok(job) = job else { break };
                            counts.queued.fetch_sub(1, Ordering::Relaxed);
                            counts.busy.fetch_add(1, Ordering::Relaxed);
                            // The job's own catch_unwind reports the panic;
                            // this one keeps the thread.
                            let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                            counts.busy.fetch_sub(1, Ordering::Relaxed);
                        }
                        xferscan::release_thread_scanners();
                    })?,
            );
        }
        Ok(Pool {
            tx: Mutex::new(Some(tx)),
            counts,
            threads: Mutex::new(threads),
            workers: workers.max(1),
        })
    }

    /// Runs `f` on a worker and waits for what it returns, having waited
    /// for room in the queue for `wait` at most.
    pub fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
        wait: Duration,
    ) -> Result<T, Failed> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<T>(1);
        let mut job: Job = Box::new(move || {
            if let Ok(v) = std::panic::catch_unwind(AssertUnwindSafe(f)) {
                let _ = tx.send(v);
            }
        });
        let sender = match self.tx.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let sender = sender.ok_or(Failed::Crashed)?;
        self.counts.queued.fetch_add(1, Ordering::Relaxed);
        let deadline = Instant::now() + wait;
        loop {
            match sender.try_send(job) {
                Ok(()) => break,
                Err(TrySendError::Full(j)) if Instant::now() < deadline => {
                    job = j;
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(_) => {
                    self.counts.queued.fetch_sub(1, Ordering::Relaxed);
                    return Err(Failed::Overloaded);
                }
            }
        }
        rx.recv().map_err(|_| Failed::Crashed)
    }

    /// Workers in all.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Workers scanning now.
    pub fn busy(&self) -> usize {
        self.counts.busy.load(Ordering::Relaxed)
    }

    /// Jobs waiting for a worker.
    pub fn queued(&self) -> usize {
        self.counts.queued.load(Ordering::Relaxed)
    }

    /// Takes no more jobs and waits for the workers to finish theirs.
    pub fn close(&self) {
        if let Ok(mut g) = self.tx.lock() {
            g.take();
        }
        let threads = match self.threads.lock() {
            Ok(mut g) => std::mem::take(&mut *g),
            Err(_) => Vec::new(),
        };
        for t in threads {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_job_fails_alone() {
        let pool = Pool::start(1, 1).unwrap();
        let wait = Duration::from_secs(5);
        assert_eq!(pool.run(|| 1 + 1, wait), Ok(2));
        let r: Result<(), Failed> = pool.run(|| panic!("a bug in one scan"), wait);
        assert_eq!(r, Err(Failed::Crashed));
        // The same single worker goes on.
        assert_eq!(pool.run(|| "next", wait), Ok("next"));
        pool.close();
        assert_eq!(pool.run(|| 1, wait), Err(Failed::Crashed));
    }

    #[test]
    fn a_full_queue_pushes_back_then_gives_up() {
        let pool = Arc::new(Pool::start(1, 1).unwrap());
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let hold_rx = Arc::new(Mutex::new(hold_rx));
        // One job runs and one waits in the queue...
        let mut waiting = Vec::new();
        for _ in 0..2 {
            let (p, h) = (Arc::clone(&pool), Arc::clone(&hold_rx));
            waiting.push(std::thread::spawn(move || {
                p.run(
                    move || {
                        let _ = h.lock().unwrap().recv_timeout(Duration::from_secs(10));
                    },
                    Duration::from_secs(10),
                )
            }));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while pool.busy() + pool.queued() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // ...so a third finds no room within its wait.
        assert_eq!(
            pool.run(|| (), Duration::from_millis(50)),
            Err(Failed::Overloaded)
        );
        hold_tx.send(()).unwrap();
        hold_tx.send(()).unwrap();
        for w in waiting {
            assert_eq!(w.join().unwrap(), Ok(()));
        }
    }
}

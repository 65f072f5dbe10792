//! The scanning threads' work that does not come from their own event loop:
//! a bounded queue of jobs from connection threads (ICAP, sessions, path
//! commands), with an eventfd that wakes one scanning thread per job. A job
//! waits for room (backpressure) for a set time at most, and a job that
//! panics fails alone.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A job for a scanning thread.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// Why a job gave no result.
#[derive(Debug, PartialEq, Eq)]
pub enum Failed {
    /// No room in the queue within the wait allowed.
    Overloaded,
    /// The job panicked, or the pool is closed.
    Crashed,
}

struct Queue {
    jobs: VecDeque<Job>,
    closed: bool,
}

/// The queue, and how many threads there are and how many are busy.
pub struct Pool {
    queue: Mutex<Queue>,
    /// Counts the jobs queued (EFD_SEMAPHORE: each read takes one).
    efd: OwnedFd,
    cap: usize,
    workers: usize,
    busy: AtomicUsize,
}

impl Pool {
    /// A queue of `queue` jobs for `workers` scanning threads (which the
    /// event loop starts).
    pub fn new(workers: usize, queue: usize) -> io::Result<Pool> {
        // SAFETY: plain system call; the descriptor is owned at once.
        let fd = unsafe {
            libc::eventfd(
                0,
                libc::EFD_NONBLOCK | libc::EFD_SEMAPHORE | libc::EFD_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Pool {
            queue: Mutex::new(Queue {
                jobs: VecDeque::new(),
                closed: false,
            }),
            // SAFETY: a fresh descriptor that nothing else owns.
            efd: unsafe { OwnedFd::from_raw_fd(fd) },
            cap: queue.max(1),
            workers: workers.max(1),
            busy: AtomicUsize::new(0),
        })
    }

    /// The descriptor that is readable while jobs wait.
    pub fn event_fd(&self) -> RawFd {
        self.efd.as_raw_fd()
    }

    fn push(&self, job: Job) -> Result<(), (Job, bool)> {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.closed {
            return Err((job, true));
        }
        if q.jobs.len() >= self.cap {
            return Err((job, false));
        }
        q.jobs.push_back(job);
        drop(q);
        let one = 1u64.to_ne_bytes();
        // SAFETY: writes 8 bytes from a live buffer to our eventfd.
        unsafe { libc::write(self.efd.as_raw_fd(), one.as_ptr().cast(), 8) };
        Ok(())
    }

    /// Takes one job, when the eventfd said one waits (another thread may
    /// have taken it first).
    pub fn take(&self) -> Option<Job> {
        let mut v = [0u8; 8];
        // SAFETY: reads 8 bytes into a live buffer from our eventfd.
        let n = unsafe { libc::read(self.efd.as_raw_fd(), v.as_mut_ptr().cast(), 8) };
        if n != 8 {
            return None;
        }
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.jobs.pop_front()
    }

    /// Runs a job taken from the queue, counted as busy.
    pub fn run_job(&self, job: Job) {
        let _busy = self.busy();
        // The job's own catch_unwind reports the panic; this one keeps the
        // thread.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
    }

    /// Counts this thread busy until the guard is dropped.
    pub fn busy(&self) -> Busy<'_> {
        self.busy.fetch_add(1, Ordering::Relaxed);
        Busy(&self.busy)
    }

    /// Runs `f` on a scanning thread and waits for what it returns, having
    /// waited for room in the queue for `wait` at most.
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
        let deadline = Instant::now() + wait;
        loop {
            match self.push(job) {
                Ok(()) => break,
                Err((_, true)) => return Err(Failed::Crashed),
                Err((j, false)) if Instant::now() < deadline => {
                    job = j;
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(_) => return Err(Failed::Overloaded),
            }
        }
        rx.recv().map_err(|_| Failed::Crashed)
    }

    /// Scanning threads in all.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Scanning threads at work now.
    pub fn busy_now(&self) -> usize {
        self.busy.load(Ordering::Relaxed)
    }

    /// Jobs waiting for a thread.
    pub fn queued(&self) -> usize {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .jobs
            .len()
    }

    /// Takes no more jobs; those queued are dropped (their callers are told
    /// the pool is closed).
    pub fn close(&self) {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        q.closed = true;
        q.jobs.clear();
    }
}

/// A busy thread, counted until dropped.
pub struct Busy<'a>(&'a AtomicUsize);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A thread that takes jobs as the event loop does, until told to stop.
    fn worker(
        pool: &Arc<Pool>,
        stop: &Arc<std::sync::atomic::AtomicBool>,
    ) -> std::thread::JoinHandle<()> {
        let (p, s) = (Arc::clone(pool), Arc::clone(stop));
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let mut fds = libc::pollfd {
                    fd: p.event_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut fds, 1, 20) };
                if let Some(job) = p.take() {
                    p.run_job(job);
                }
            }
        })
    }

    #[test]
    fn a_panicking_job_fails_alone() {
        let pool = Arc::new(Pool::new(1, 1).unwrap());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let w = worker(&pool, &stop);
        let wait = Duration::from_secs(5);
        assert_eq!(pool.run(|| 1 + 1, wait), Ok(2));
        let r: Result<(), Failed> = pool.run(|| panic!("a bug in one scan"), wait);
        assert_eq!(r, Err(Failed::Crashed));
        // The same single thread goes on.
        assert_eq!(pool.run(|| "next", wait), Ok("next"));
        // The job sends its result before the thread drops its busy count:
        // the count falls to zero a moment after `run` returns.
        let deadline = Instant::now() + wait;
        while pool.busy_now() != 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(pool.busy_now(), 0);
        pool.close();
        assert_eq!(pool.run(|| 1, wait), Err(Failed::Crashed));
        stop.store(true, Ordering::Relaxed);
        w.join().unwrap();
    }

    #[test]
    fn a_full_queue_pushes_back_then_gives_up() {
        // No thread takes jobs: the one place in the queue fills.
        let pool = Arc::new(Pool::new(1, 1).unwrap());
        let p = Arc::clone(&pool);
        let first = std::thread::spawn(move || p.run(|| 1, Duration::from_secs(10)));
        let deadline = Instant::now() + Duration::from_secs(10);
        while pool.queued() < 1 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        let t = Instant::now();
        assert_eq!(
            pool.run(|| 2, Duration::from_millis(50)),
            Err(Failed::Overloaded)
        );
        assert!(t.elapsed() >= Duration::from_millis(50));
        // Now a thread comes and takes the first.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let w = worker(&pool, &stop);
        assert_eq!(first.join().unwrap(), Ok(1));
        stop.store(true, Ordering::Relaxed);
        w.join().unwrap();
    }
}

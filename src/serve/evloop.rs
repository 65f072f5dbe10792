//! The scanning threads: `workers` threads that share one epoll(7) set
//! holding the clamd listeners, their connections and the job queue's
//! eventfd. Whichever thread is free takes whatever is ready: it accepts,
//! reads what a connection has sent, and when an INSTREAM is whole scans it
//! there and then, and replies. A TCP connection whose peer has sent
//! nothing more is closed at once; otherwise our side ends and the
//! connection is closed when the peer has closed its own (what it still
//! sends is dropped). A
//! scan costs no hand-over between threads and, under load, no sleep: most
//! of the daemon's kernel time on small files went to waking the thread
//! that read a stream, the worker that scanned it and the thread again for
//! the reply.
//!
//! Only the one-shot commands that load servers send (`PING`, `VERSION`,
//! `INSTREAM` outside a session) are served here. Anything else (sessions,
//! `FILDES`, path commands, `STATS`, errors that need a wait) is handed,
//! with the bytes already read, to a connection thread that serves it as
//! before ([`super::clamd_io::handle`]). Every connection is armed one-shot:
//! one thread at a time works on it.
//!
//! Timeouts: the main thread sweeps the connections every tenth of a second
//! ([`Conns::sweep`]); one whose command or stream stalled past its
//! deadline is told `COMMAND READ TIMED OUT` and closed, as the connection
//! threads do.

use std::os::fd::RawFd;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use xferscan::{CancelToken, Engine, Report, ScanStream, Verdict};

use super::cache;
use super::clamd::{self, Command, Instream, Split, Step, Term};
use super::clamd_io::{self, WRITE_TIMEOUT};
use super::net::{self, Conn, Listener, Wait};
use super::{ConnJob, Daemon, Proto};

/// Tokens above this are not connections.
const LISTENER: u64 = 1 << 62;
/// The job queue's eventfd.
const JOBS: u64 = 1 << 63;
/// Most bytes one thread reads from one connection before it lets the
/// others ready have their turn.
const TURN_BYTES: usize = 1 << 20;
/// Most bytes read and dropped after a reply before the close.
const CLOSING_DRAIN: usize = 1 << 20;
/// Longest wait for the peer's close after a reply.
const CLOSING_TIME: Duration = Duration::from_secs(1);
/// Bytes of a stream gathered before they are fed to its scan (which judges
/// the head at the first piece, and may then decide early).
const GATHER: usize = 256 << 10;
/// Most connections one thread takes from a listener in a row.
const ACCEPT_RUN: usize = 8;
/// How long a thread waits in epoll_wait before it looks at the flags.
const TICK_MS: i32 = 200;

/// An epoll set, closed when dropped.
pub(crate) struct Epoll(RawFd);

impl Epoll {
    fn new() -> std::io::Result<Epoll> {
        // SAFETY: plain system call.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Epoll(fd))
    }

    fn ctl(&self, op: i32, fd: RawFd, events: u32, token: u64) -> std::io::Result<()> {
        let mut ev = libc::epoll_event { events, u64: token };
        // SAFETY: a valid epoll set, a descriptor we hold, a live event.
        if unsafe { libc::epoll_ctl(self.0, op, fd, &mut ev) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }

    /// Arms `fd` for one readiness report (added, or armed again).
    fn arm(&self, fd: RawFd, token: u64, add: bool) -> std::io::Result<()> {
        let events = (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLONESHOT) as u32;
        let op = if add {
            libc::EPOLL_CTL_ADD
        } else {
            libc::EPOLL_CTL_MOD
        };
        self.ctl(op, fd, events, token)
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        // SAFETY: our own descriptor, closed once.
        unsafe { libc::close(self.0) };
    }
}

/// What a connection is reading.
enum Phase {
    /// Its command.
    Command,
    /// An INSTREAM's chunks.
    Stream(Box<Streaming>),
    /// Replied and our side ended: what the peer still sends is dropped
    /// until it closes.
    Closing {
        /// Bytes dropped so far.
        drained: usize,
    },
}

struct Streaming {
    term: Term,
    scan: Option<ScanStream>,
    /// The engine of the scan (whose verdicts the cache of clean streams
    /// keeps apart).
    engine: Engine,
    /// Chunks not yet fed to the scan: a file of a few chunks is fed whole,
    /// as one piece (no copy per chunk, nothing joined again).
    gathered: Vec<u8>,
    /// Some piece went to the scan already: `gathered` is not the whole
    /// stream.
    fed: bool,
    dec: Instream,
    cancel: CancelToken,
    size: u64,
    early: bool,
    broken: Option<String>,
    started: Instant,
}

/// A connection in the event loop.
struct Live {
    /// `None` while a thread works on it, and once it is gone.
    conn: Option<Conn>,
    phase: Phase,
    /// When a stall ends it.
    deadline: Instant,
    /// In the epoll set already.
    armed: bool,
}

struct Slot {
    generation: u32,
    live: Option<Arc<Mutex<Live>>>,
}

type Slots = (Vec<Slot>, Vec<u32>);

/// The connections in the event loop, by token (slot and generation: a
/// report for a connection gone finds nothing, even if its slot is used
/// again).
#[derive(Default)]
pub(crate) struct Conns {
    slots: Mutex<Slots>,
}

impl Conns {
    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn insert(&self, live: Live) -> u64 {
        let live = Arc::new(Mutex::new(live));
        let mut g = self.lock();
        let (slots, free) = &mut *g;
        let i = match free.pop() {
            Some(i) => i,
            None => {
                slots.push(Slot {
                    generation: 0,
                    live: None,
                });
                (slots.len() - 1) as u32
            }
        };
        let s = &mut slots[i as usize];
        s.generation = s.generation.wrapping_add(1);
        s.live = Some(live);
        (u64::from(s.generation) << 32) | u64::from(i)
    }

    fn get(&self, token: u64) -> Option<Arc<Mutex<Live>>> {
        let g = self.lock();
        let s = g.0.get((token & 0xffff_ffff) as usize)?;
        if u64::from(s.generation) != token >> 32 {
            return None;
        }
        s.live.clone()
    }

    fn remove(&self, token: u64) {
        let mut g = self.lock();
        let (slots, free) = &mut *g;
        let i = (token & 0xffff_ffff) as usize;
        if let Some(s) = slots.get_mut(i)
            && u64::from(s.generation) == token >> 32
            && s.live.take().is_some()
        {
            free.push(i as u32);
        }
    }

    /// Closes the connections stalled past their deadline, as a connection
    /// thread does: `COMMAND READ TIMED OUT`, logged. Those a thread works
    /// on are left to it.
    pub(crate) fn sweep(&self, d: &Arc<Daemon>) {
        let now = Instant::now();
        let all: Vec<(u64, Arc<Mutex<Live>>)> = {
            let g = self.lock();
            g.0.iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    let live = s.live.as_ref()?;
                    Some(((u64::from(s.generation) << 32) | i as u64, Arc::clone(live)))
                })
                .collect()
        };
        for (token, live) in all {
            let Ok(mut l) = live.try_lock() else {
                continue;
            };
            if l.deadline > now {
                continue;
            }
            // Replied long enough ago: the peer has its answer. (No
            // connection here: a thread has just ended it, and uncounts it.)
            if let Phase::Closing { .. } = l.phase {
                if l.conn.take().is_some() {
                    drop(l);
                    self.remove(token);
                    d.connections.fetch_sub(1, Ordering::Relaxed);
                }
                continue;
            }
            // While every scanning thread is busy, bytes that wait to be
            // read are the daemon's delay, not the client's stall.
            if d.pool.busy_now() >= d.pool.workers()
                && l.conn.as_ref().is_some_and(Conn::has_unread)
            {
                l.deadline = now + d.cfg().read_timeout;
                continue;
            }
            let Some(conn) = l.conn.take() else {
                continue;
            };
            match std::mem::replace(&mut l.phase, Phase::Command) {
                Phase::Command | Phase::Closing { .. } => {
                    clamd_io::log_refusal(&conn, "command read timed out");
                }
                Phase::Stream(st) => {
                    st.cancel.cancel();
                    clamd_io::log(
                        d,
                        &conn,
                        "INSTREAM",
                        st.size,
                        None,
                        false,
                        "read timed out mid-stream",
                        st.started,
                    );
                }
            }
            drop(l);
            self.remove(token);
            hand_over(d, conn, |_, mut conn| {
                let _ = conn.send(clamd::READ_TIMED_OUT, WRITE_TIMEOUT);
                conn.close();
            });
        }
    }
}

/// The scanning threads' shared state.
pub(crate) struct Loop {
    ep: Epoll,
    listeners: Vec<Listener>,
    pub(crate) conns: Conns,
}

impl Loop {
    /// An epoll set holding `listeners` (clamd's) and the job queue.
    pub(crate) fn new(listeners: Vec<Listener>, jobs_fd: RawFd) -> std::io::Result<Loop> {
        let ep = Epoll::new()?;
        for (i, l) in listeners.iter().enumerate() {
            match l {
                Listener::Tcp(t) => t.set_nonblocking(true)?,
                Listener::Unix(u) => u.set_nonblocking(true)?,
            }
            ep.arm(l.fd(), LISTENER + i as u64, true)?;
        }
        // Level-triggered: readable while jobs wait; each read takes one.
        ep.ctl(libc::EPOLL_CTL_ADD, jobs_fd, libc::EPOLLIN as u32, JOBS)?;
        Ok(Loop {
            ep,
            listeners,
            conns: Conns::default(),
        })
    }

    /// Stops accepting: the listeners leave the set, and TCP's refuse new
    /// connections (a Unix socket's file is removed); connections go on.
    pub(crate) fn stop_accepting(&self) {
        for l in &self.listeners {
            let _ = self.ep.ctl(libc::EPOLL_CTL_DEL, l.fd(), 0, 0);
            if let Listener::Tcp(_) = l {
                // SAFETY: shutdown(2) on a descriptor we hold.
                unsafe { libc::shutdown(l.fd(), libc::SHUT_RDWR) };
            }
        }
    }
}

/// One scanning thread, until the daemon's `quit` is set.
pub(crate) fn run(d: &Arc<Daemon>, lp: &Loop) {
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 64];
    while !d.quit.load(Ordering::Relaxed) {
        // SAFETY: a valid epoll set and room for `events.len()` events.
        let n =
            unsafe { libc::epoll_wait(lp.ep.0, events.as_mut_ptr(), events.len() as i32, TICK_MS) };
        // n < 0: EINTR, a signal (nothing else happens on a valid set).
        for ev in events.iter().take(n.max(0) as usize) {
            let token = ev.u64;
            if token == JOBS {
                if let Some(job) = d.pool.take() {
                    d.pool.run_job(job);
                }
            } else {
                // A bug outside a scan (which has its own guard) ends that
                // connection, never the scanning thread.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    if token >= LISTENER {
                        accept(d, lp, (token - LISTENER) as usize);
                    } else {
                        serve(d, lp, token);
                    }
                }));
            }
        }
    }
    xferscan::release_thread_scanners();
}

/// Accepts a connection waiting on listener `i`, arms the listener again
/// for the next (which another thread may take), then serves the new
/// connection at once: its command and data are most often there already,
/// and then it never enters the epoll set.
///
/// Under load more connections wait: this thread then takes up to
/// [`ACCEPT_RUN`] of them in turn straight from the listener, each a wait
/// in epoll_wait(2) and a re-arm fewer (the armed listener stays armed
/// until the set reports it), before it looks at the set again so that
/// the connections waiting there have their turn.
fn accept(d: &Arc<Daemon>, lp: &Loop, i: usize) {
    let Some(l) = lp.listeners.get(i) else {
        return;
    };
    let taken = l.accept_now();
    if !d.stopping().load(Ordering::Relaxed) {
        let _ = lp.ep.arm(l.fd(), LISTENER + i as u64, false);
    }
    if !take(d, lp, taken) {
        return;
    }
    for _ in 1..ACCEPT_RUN {
        if d.stopping().load(Ordering::Relaxed) || d.quit.load(Ordering::Relaxed) {
            return;
        }
        if !take(d, lp, l.accept_now()) {
            return;
        }
    }
}

/// Serves what accept(2) gave; false when it gave nothing (or failed).
fn take(d: &Arc<Daemon>, lp: &Loop, taken: std::io::Result<Option<(net::Stream, String)>>) -> bool {
    let (stream, peer) = match taken {
        Ok(Some(s)) => s,
        Ok(None) => return false,
        Err(e) => {
            super::log_event(
                "accept_error",
                serde_json::json!({ "error": e.to_string() }),
            );
            // Out of descriptors, most likely: let the others close some.
            std::thread::sleep(std::time::Duration::from_millis(20));
            return false;
        }
    };
    let n = d.connections.fetch_add(1, Ordering::Relaxed) + 1;
    if n > d.cfg().max_connections {
        d.connections.fetch_sub(1, Ordering::Relaxed);
        super::refuse(d, stream, Proto::Clamd);
        return true;
    }
    let token = lp.conns.insert(Live {
        conn: Some(Conn::with_peer(stream, peer)),
        phase: Phase::Command,
        deadline: Instant::now() + d.cfg().command_timeout,
        armed: false,
    });
    serve(d, lp, token);
    true
}

/// What working on a connection's bytes came to.
enum Next {
    /// Wait for more bytes.
    More,
    /// Replied: close at once (TCP, nothing more sent), or end our side
    /// and close once the peer has closed its own.
    Replied,
    /// Close now (the peer is gone, or nothing more is to be said).
    Close,
    /// Serve the rest on a connection thread.
    Hand(Handoff),
}

type Handoff = Box<dyn FnOnce(&Arc<Daemon>, Conn) + Send>;

/// Works on a connection that has something to read.
fn serve(d: &Arc<Daemon>, lp: &Loop, token: u64) {
    let Some(live) = lp.conns.get(token) else {
        return;
    };
    let mut l = live.lock().unwrap_or_else(|p| p.into_inner());
    let Some(mut conn) = l.conn.take() else {
        return;
    };
    let mut taken = 0usize;
    let next = loop {
        let read = conn.read_now();
        let next = std::panic::catch_unwind(AssertUnwindSafe(|| work(d, &mut conn, &mut l.phase)))
            .unwrap_or(Next::Close);
        if let Next::Replied = next {
            // A TCP peer that has sent nothing more is done: the close
            // sends the reply with the FIN, and the peer's own close then
            // meets a socket that needs no thread, where waiting for it
            // cost a wake-up, two system calls and a tenth of the daemon's
            // scans per second on loopback. Should the peer send later
            // after all, it still reads the reply before the reset.
            if !conn.is_unix()
                && conn.pending().is_empty()
                && matches!(conn.read_now(), Ok(None) | Err(_))
                && conn.pending().is_empty()
            {
                break Next::Close;
            }
            // A peer that still sends (pyclamd sends a second zero length
            // when a file is a multiple of 4 KiB) would be reset by a close
            // with its bytes unread, and a Unix socket's peer could not
            // even send: our side ends (the reply leaves with the FIN),
            // what it sends is dropped, and the connection closes once the
            // peer has closed its own, which the set tells.
            conn.shutdown_write();
            l.phase = Phase::Closing { drained: 0 };
            l.deadline = Instant::now() + CLOSING_TIME;
            continue;
        }
        // Bytes came: a stream's deadline moves (from the command's, too,
        // when these bytes began the stream).
        if let (Ok(Some(n)), Phase::Stream(_)) = (&read, &l.phase) {
            l.deadline = Instant::now() + d.cfg().read_timeout;
            taken += n;
        }
        match (next, read) {
            // A fast sender gives way now and then: the others ready wait
            // for this thread otherwise.
            (Next::More, Ok(Some(_))) if taken >= TURN_BYTES => break Next::More,
            (Next::More, Ok(Some(_))) => continue,
            (Next::More, Ok(None)) => break Next::More,
            (Next::More, Err(w)) => {
                if let Phase::Stream(st) = &l.phase {
                    st.cancel.cancel();
                    let why = match w {
                        Wait::TimedOut => "read timed out mid-stream",
                        _ => "client gone mid-stream",
                    };
                    clamd_io::log(d, &conn, "INSTREAM", st.size, None, false, why, st.started);
                }
                break Next::Close;
            }
            (other, _) => break other,
        }
    };
    if let Next::More = next {
        let fd = conn.fd();
        l.conn = Some(conn);
        let add = !l.armed;
        l.armed = true;
        if lp.ep.arm(fd, token, add).is_ok() {
            return;
        }
        l.conn = None;
        drop(l);
        lp.conns.remove(token);
        d.connections.fetch_sub(1, Ordering::Relaxed);
        return;
    }
    drop(l);
    lp.conns.remove(token);
    match next {
        Next::Hand(f) => hand_over(d, conn, f),
        _ => {
            drop(conn);
            d.connections.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Hands a connection (still counted) to a connection thread that runs `f`
/// on it in blocking mode; the count drops when that is done.
fn hand_over(d: &Arc<Daemon>, conn: Conn, f: impl FnOnce(&Arc<Daemon>, Conn) + Send + 'static) {
    let dd = Arc::clone(d);
    super::dispatch(
        d,
        ConnJob::Resume(Box::new(move || {
            if conn.set_nonblocking(false).is_ok() {
                f(&dd, conn);
            }
        })),
    );
}

/// Serves what the connection has sent so far.
fn work(d: &Arc<Daemon>, conn: &mut Conn, phase: &mut Phase) -> Next {
    if let Phase::Closing { drained } = phase {
        // What the peer still sends after the reply (pyclamd sends a
        // second zero length when a file is a multiple of 4 KiB) is read
        // and dropped, so that the close resets nothing; 1 MiB at most.
        *drained += conn.pending().len();
        conn.consume(conn.pending().len());
        return if *drained > CLOSING_DRAIN {
            Next::Close
        } else {
            Next::More
        };
    }
    if let Phase::Command = phase {
        let (term, consumed, cmd) = match clamd::split_command(conn.pending()) {
            Split::Need => return Next::More,
            Split::TooLong => return Next::Hand(Box::new(clamd_io::handle)),
            Split::Line {
                term,
                text,
                consumed,
            } => (term, consumed, clamd::parse_command(term, text)),
        };
        match cmd {
            Ok(Command::Ping) => {
                conn.consume(consumed);
                let _ = conn.send_last(&clamd::reply(term, None, "PONG"), WRITE_TIMEOUT);
                return Next::Replied;
            }
            Ok(Command::Version) => {
                conn.consume(consumed);
                let _ = conn.send_last(&clamd::reply(term, None, &d.version()), WRITE_TIMEOUT);
                return Next::Replied;
            }
            Ok(Command::Instream) => {
                conn.consume(consumed);
                let cancel = CancelToken::new();
                let opts = d.scan_options().cancel(cancel.clone());
                let engine = d.engine();
                *phase = Phase::Stream(Box::new(Streaming {
                    term,
                    scan: Some(engine.stream("stream", &opts)),
                    engine,
                    gathered: Vec::new(),
                    fed: false,
                    dec: Instream::new(d.cfg().stream_max),
                    cancel,
                    size: 0,
                    early: false,
                    broken: None,
                    started: Instant::now(),
                }));
            }
            // Everything else is served by a connection thread, from the
            // command on.
            _ => return Next::Hand(Box::new(clamd_io::handle)),
        }
    }
    let Phase::Stream(st) = phase else {
        return Next::More;
    };
    loop {
        let (n, step) = st.dec.step(conn.pending());
        match step {
            Step::Data(b) => {
                st.size += b.len() as u64;
                // Once the first bytes decide, the rest is read and
                // dropped: the client must still send it all.
                if !st.early && st.broken.is_none() {
                    st.gathered.extend_from_slice(b);
                    if st.gathered.len() >= GATHER {
                        st.feed(d);
                    }
                }
                conn.consume(n);
            }
            Step::End => {
                conn.consume(n);
                // A stream held whole (never fed: up to GATHER bytes) is
                // looked for among those this engine found clean.
                let cache = d.clean_cache();
                let key = (cache.enabled() && !st.fed && st.broken.is_none())
                    .then(|| cache::key("stream", &st.gathered));
                if let Some(k) = &key
                    && cache.is_clean(&st.engine, k)
                {
                    reply_cached(d, conn, st);
                    return Next::Replied;
                }
                st.feed(d);
                let result = match (st.broken.take(), st.scan.take()) {
                    (Some(e), _) => Err(e),
                    (None, Some(scan)) => {
                        let _busy = d.pool.busy();
                        std::panic::catch_unwind(AssertUnwindSafe(|| {
                            scan.finish().map_err(|e| e.to_string())
                        }))
                        .unwrap_or_else(|_| Err(clamd_io::failed(super::pool::Failed::Crashed)))
                    }
                    (None, None) => Err("the stream was scanned already".into()),
                };
                // Kept: a scan that went to its end and found nothing at
                // all (a limit reached is a finding, even when the policy
                // delivers it: a scan again might not reach it).
                if let (Some(k), Ok(r)) = (key, &result)
                    && r.verdict == Verdict::Clean
                    && r.complete
                    && r.findings.is_empty()
                {
                    cache.put_clean(&st.engine, k);
                }
                reply(d, conn, st, &result);
                return Next::Replied;
            }
            Step::TooLarge => {
                conn.consume(n);
                st.cancel.cancel();
                let (term, size, started) = (st.term, st.size, st.started);
                let dec = std::mem::replace(&mut st.dec, Instream::new(0));
                return Next::Hand(Box::new(move |d, mut conn| {
                    clamd_io::refused(d, &mut conn, term, None, &dec, size, started);
                    conn.close();
                }));
            }
            Step::Need => {
                conn.consume(n);
                return Next::More;
            }
        }
    }
}

impl Streaming {
    /// Feeds what was gathered to the scan.
    fn feed(&mut self, d: &Daemon) {
        if self.gathered.is_empty() || self.early || self.broken.is_some() {
            return;
        }
        let piece = Bytes::from(std::mem::take(&mut self.gathered));
        self.fed = true;
        if let Some(scan) = self.scan.as_mut() {
            match scan.feed(piece) {
                Ok(p) if p.blocked() && d.cfg().first_hit => self.early = true,
                Ok(_) => {}
                Err(e) => self.broken = Some(e.to_string()),
            }
        }
    }
}

/// The reply to a stream found clean before, logged and written.
fn reply_cached(d: &Daemon, conn: &mut Conn, st: &Streaming) {
    let line = clamd::scan_line("stream", &clamd::Outcome::Clean);
    d.log_scan(super::ScanLog {
        proto: "clamd",
        client: &conn.peer,
        command: "INSTREAM",
        name: "stream",
        size: st.size,
        report: None,
        cached: true,
        early: false,
        reply: &line,
        started: st.started,
    });
    let _ = conn.send_last(&clamd::reply(st.term, None, &line), WRITE_TIMEOUT);
}

/// The scan's reply, logged and written.
fn reply(d: &Daemon, conn: &mut Conn, st: &Streaming, result: &Result<Report, String>) {
    let line = clamd_io::result_line(d, "stream", result);
    clamd_io::log(
        d,
        conn,
        "INSTREAM",
        st.size,
        result.as_ref().ok(),
        st.early,
        &line,
        st.started,
    );
    let _ = conn.send_last(&clamd::reply(st.term, None, &line), WRITE_TIMEOUT);
}

//! One clamd connection: commands read with deadlines, INSTREAM fed to a
//! stream scan as it arrives, scans run on the workers, replies written in
//! the command's framing; outside a session, closed after the reply.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use xferscan::{CancelToken, Report};

use super::clamd::{self, Command, Instream, Outcome, PathScan, Refused, Split, Step, Term};
use super::net::{Conn, Wait};
use super::pool::Failed;
use super::{Daemon, ScanLog};

/// How long a reply may take to write.
pub(super) const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a refused stream's rest is read for.
const DRAIN_TIME: Duration = Duration::from_secs(30);
/// Most files one path command scans.
const MAX_PATH_FILES: usize = 100_000;

/// What a command asks of the connection after its reply.
enum After {
    /// Go on (inside a session).
    Next,
    /// Close the connection.
    Close,
}

struct Session {
    /// The number of the next reply, from 1.
    next_id: u64,
}

/// Serves one connection until it is done.
pub(super) fn handle(d: &Arc<Daemon>, mut conn: Conn) {
    let mut session: Option<Session> = None;
    loop {
        let wait = if session.is_some() {
            d.cfg().idle_timeout
        } else {
            d.cfg().command_timeout
        };
        let deadline = Instant::now() + wait;
        let (term, parsed) = loop {
            match clamd::split_command(conn.pending()) {
                Split::Line {
                    term,
                    text,
                    consumed,
                } => {
                    let parsed = clamd::parse_command(term, text);
                    conn.consume(consumed);
                    break (term, parsed);
                }
                Split::TooLong => {
                    let term = match conn.pending().first() {
                        Some(b'z') => Term::Nul,
                        _ => Term::Newline,
                    };
                    log_refusal(&conn, "command too long");
                    let _ = conn.send(&clamd::reply(term, None, clamd::UNKNOWN), WRITE_TIMEOUT);
                    return conn.close();
                }
                Split::Need => {}
            }
            match conn.fill(deadline, Some(d.stopping())) {
                Ok(_) => {}
                Err(Wait::TimedOut) => {
                    if session.is_none() || !conn.pending().is_empty() {
                        let _ = conn.send(clamd::READ_TIMED_OUT, WRITE_TIMEOUT);
                    }
                    log_refusal(&conn, "command read timed out");
                    return conn.close();
                }
                Err(_) => return,
            }
        };
        let id = session.as_ref().map(|s| s.next_id);
        let cmd = match parsed {
            Ok(c) if session.is_some() && term == Term::Bare => {
                let _ = c;
                return fail(conn, term, id, clamd::PREFIX_IN_SESSION);
            }
            Err(Refused::NeedsPrefix) if session.is_some() => {
                return fail(conn, term, id, clamd::PREFIX_IN_SESSION);
            }
            Err(_) => {
                log_refusal(&conn, "unknown command");
                return fail(conn, term, id, clamd::UNKNOWN);
            }
            Ok(c) => c,
        };
        if session.is_some() && !cmd.allowed_in_session() {
            return fail(conn, term, id, clamd::INVALID_IN_SESSION);
        }
        let after = match cmd {
            Command::IdSession => {
                session = Some(Session { next_id: 1 });
                continue;
            }
            Command::End if session.is_some() => return conn.close(),
            Command::End => return fail(conn, term, id, clamd::UNKNOWN),
            cmd => run(d, &mut conn, term, id, cmd),
        };
        match (after, &mut session) {
            (After::Next, Some(s)) => s.next_id += 1,
            _ => return conn.close(),
        }
    }
}

pub(super) fn log_refusal(conn: &Conn, why: &str) {
    super::log_event(
        "refused",
        serde_json::json!({ "proto": "clamd", "client": conn.peer, "why": why }),
    );
}

/// Replies `body` and closes.
fn fail(mut conn: Conn, term: Term, id: Option<u64>, body: &str) {
    let _ = conn.send(&clamd::reply(term, id, body), WRITE_TIMEOUT);
    conn.close();
}

/// Writes reply lines; `After::Close` when the socket fails.
fn say(conn: &mut Conn, term: Term, id: Option<u64>, lines: &[String]) -> After {
    let mut out = Vec::new();
    for l in lines {
        out.extend(clamd::reply(term, id, l));
    }
    match conn.send(&out, WRITE_TIMEOUT) {
        Ok(()) => After::Next,
        Err(_) => After::Close,
    }
}

fn run(d: &Arc<Daemon>, conn: &mut Conn, term: Term, id: Option<u64>, cmd: Command) -> After {
    let cfg = d.cfg();
    match cmd {
        Command::Ping => say(conn, term, id, &["PONG".into()]),
        Command::Version => say(conn, term, id, &[d.version()]),
        Command::VersionCommands => say(
            conn,
            term,
            id,
            &[clamd::version_commands_line(&d.version())],
        ),
        Command::Stats => say(conn, term, id, &[clamd::stats_text(&d.stats())]),
        Command::Reload if cfg.reload_command => {
            let _ = say(conn, term, id, &["RELOADING".into()]);
            d.request_reload();
            After::Close
        }
        Command::SelfCheck if cfg.reload_command => {
            if d.rules_changed() {
                let _ = say(conn, term, id, &["RELOADING".into()]);
                d.request_reload();
            } else {
                let _ = say(conn, term, id, &["DBUPTODATE".into()]);
            }
            After::Close
        }
        Command::Shutdown if cfg.shutdown_command => {
            super::log_event(
                "shutdown_command",
                serde_json::json!({ "client": conn.peer }),
            );
            d.request_shutdown();
            After::Close
        }
        Command::Reload | Command::SelfCheck | Command::Shutdown => {
            let _ = say(conn, term, id, &[clamd::UNAVAILABLE.into()]);
            After::Close
        }
        Command::Instream => instream(d, conn, term, id),
        Command::Fildes if conn.is_unix() => fildes(d, conn, term, id),
        Command::Fildes => {
            let _ = say(conn, term, id, &[clamd::UNAVAILABLE.into()]);
            After::Close
        }
        Command::Path(kind, ref path) if conn.is_unix() || cfg.path_commands_on_tcp => {
            path_scan(d, conn, term, id, kind, path.clone(), cmd.name())
        }
        Command::Path(..) => {
            let _ = say(conn, term, id, &[clamd::UNAVAILABLE.into()]);
            After::Close
        }
        Command::IdSession | Command::End => After::Close,
    }
}

/// The reply line of a scan's result.
pub(super) fn result_line(d: &Daemon, label: &str, r: &Result<Report, String>) -> String {
    match r {
        Ok(report) => clamd::scan_line(label, &clamd::outcome(report, d.cfg().suspicious_found)),
        Err(e) => clamd::error_line(label, e),
    }
}

pub(super) fn failed(e: Failed) -> String {
    match e {
        Failed::Overloaded => "Server overloaded, try again".into(),
        Failed::Crashed => "Scan failed".into(),
    }
}

fn instream(d: &Arc<Daemon>, conn: &mut Conn, term: Term, id: Option<u64>) -> After {
    let started = Instant::now();
    let cfg = d.cfg();
    let engine = d.engine();
    let cancel = CancelToken::new();
    let opts = d.scan_options().cancel(cancel.clone());
    let mut stream = engine.stream("stream", &opts);
    let mut dec = Instream::new(cfg.stream_max);
    let mut size = 0u64;
    let mut early = false;
    let mut broken: Option<String> = None;
    loop {
        let (n, step) = dec.step(conn.pending());
        match step {
            Step::Data(b) => {
                size += b.len() as u64;
                // Once the first bytes decide, the rest is read and
                // dropped: the client must still send it all.
                if !early && broken.is_none() {
                    match stream.feed(Bytes::copy_from_slice(b)) {
                        Ok(p) if p.blocked() && cfg.first_hit => early = true,
                        Ok(_) => {}
                        Err(e) => broken = Some(e.to_string()),
                    }
                }
                conn.consume(n);
                continue;
            }
            Step::End => {
                conn.consume(n);
                break;
            }
            Step::TooLarge => {
                conn.consume(n);
                cancel.cancel();
                refused(d, conn, term, id, &dec, size, started);
                return After::Close;
            }
            Step::Need => conn.consume(n),
        }
        match conn.fill(Instant::now() + cfg.read_timeout, None) {
            Ok(_) => {}
            Err(w) => {
                cancel.cancel();
                let why = match w {
                    Wait::TimedOut => "read timed out mid-stream",
                    _ => "client gone mid-stream",
                };
                log(d, conn, "INSTREAM", size, None, false, why, started);
                if let Wait::TimedOut = w {
                    let _ = conn.send(clamd::READ_TIMED_OUT, WRITE_TIMEOUT);
                }
                return After::Close;
            }
        }
    }
    let result = match broken {
        Some(e) => Err(e),
        None => d
            .on_worker(move || stream.finish().map_err(|e| e.to_string()))
            .unwrap_or_else(|e| Err(failed(e))),
    };
    let line = result_line(d, "stream", &result);
    log(
        d,
        conn,
        "INSTREAM",
        size,
        result.as_ref().ok(),
        early,
        &line,
        started,
    );
    say(conn, term, id, &[line])
}

/// A refused INSTREAM (over `stream_max`): logged, told, and the rest of
/// the stream read and dropped; the connection is to be closed after.
pub(super) fn refused(
    d: &Daemon,
    conn: &mut Conn,
    term: Term,
    id: Option<u64>,
    dec: &Instream,
    size: u64,
    started: Instant,
) {
    log(
        d,
        conn,
        "INSTREAM",
        size,
        None,
        false,
        clamd::SIZE_LIMIT,
        started,
    );
    if let After::Next = say(conn, term, id, &[clamd::SIZE_LIMIT.into()]) {
        drop_rest(conn, dec, d.cfg().stream_max, d.cfg().read_timeout);
    }
}

/// After a refused INSTREAM: reads and drops the rest of the stream, up to
/// its zero length, so that a client that sends it all before it reads
/// (PyPI's clamd, most libraries) finds the reply instead of a reset.
/// Bounded: at most four times `max` more bytes (64 MiB..1 GiB), each read
/// within `timeout`, all within [`DRAIN_TIME`]; nothing is kept.
fn drop_rest(conn: &mut Conn, dec: &Instream, max: u64, timeout: Duration) {
    let cap = max.saturating_mul(4).clamp(64 << 20, 1 << 30);
    let Some(mut rest) = dec.past_refusal(cap) else {
        return;
    };
    let until = Instant::now() + DRAIN_TIME;
    loop {
        let (n, step) = rest.step(conn.pending());
        let go_on = match step {
            Step::Data(_) => Some(true),
            Step::Need => Some(false),
            Step::End | Step::TooLarge => None,
        };
        conn.consume(n);
        match go_on {
            Some(true) => continue,
            Some(false) => {}
            None => return,
        }
        if conn
            .fill((Instant::now() + timeout).min(until), None)
            .is_err()
        {
            return;
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn log(
    d: &Daemon,
    conn: &Conn,
    command: &str,
    size: u64,
    report: Option<&Report>,
    early: bool,
    reply: &str,
    started: Instant,
) {
    d.log_scan(ScanLog {
        proto: "clamd",
        client: &conn.peer,
        command,
        name: "stream",
        size,
        report,
        cached: false,
        early,
        reply,
        started,
    });
}

fn fildes(d: &Arc<Daemon>, conn: &mut Conn, term: Term, id: Option<u64>) -> After {
    let started = Instant::now();
    // The descriptor comes with one dummy byte, maybe in a later read.
    let deadline = Instant::now() + d.cfg().command_timeout;
    while conn.fds.is_empty() {
        if conn.fill(deadline, None).is_err() {
            break;
        }
    }
    let Some(fd) = conn.fds.pop_front() else {
        return say(conn, term, id, &[clamd::NO_FD.into()]);
    };
    conn.consume(1.min(conn.pending().len()));
    let label = format!("fd[{}]", fd.as_raw_fd());
    let mut file = File::from(fd);
    // clamd reads a file from its start, wherever the sender left the
    // descriptor (c-icap's clamd_mod passes one at its end). A pipe has no
    // start to go back to, and is read from where it is.
    let _ = std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0));
    let meta = file.metadata();
    let size = meta.as_ref().map(|m| m.len()).unwrap_or(0);
    // A device (`/dev/zero`, a disk) has no end to read to: refused, as a
    // path that names one is.
    if meta.as_ref().is_ok_and(|m| {
        use std::os::unix::fs::FileTypeExt;
        m.file_type().is_char_device() || m.file_type().is_block_device()
    }) {
        let line = clamd::error_line(&label, "Not supported file type.");
        log(d, conn, "FILDES", size, None, false, &line, started);
        return say(conn, term, id, &[line]);
    }
    // A regular file is read to its end, as clamd reads it; a pipe or a
    // socket, which a sender can keep writing, to `stream_max` (clamd's
    // StreamMaxLength), past which the scan is refused.
    let limit = if meta.as_ref().is_ok_and(std::fs::Metadata::is_file) {
        u64::MAX
    } else {
        d.cfg().stream_max
    };
    let over = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let engine = d.engine();
    let opts = d.scan_options();
    // A pipe whose writer stays open and silent would hold a scanning
    // thread for ever: each read waits `read_timeout` at most (clamd's
    // ReadTimeout), then the scan ends in an error.
    let reader = Patient {
        file,
        wait: d.cfg().read_timeout,
        left: limit,
        over: Arc::clone(&over),
    };
    let result = d
        .on_worker(move || {
            engine
                .scan_reader_with("stream", reader, &opts)
                .map_err(|e| e.to_string())
        })
        .unwrap_or_else(|e| Err(failed(e)));
    let line = if over.load(std::sync::atomic::Ordering::Relaxed) {
        clamd::error_line(&label, "Size limit exceeded.")
    } else {
        result_line(d, &label, &result)
    };
    log(
        d,
        conn,
        "FILDES",
        size,
        result.as_ref().ok(),
        false,
        &line,
        started,
    );
    say(conn, term, id, &[line])
}

/// A descriptor read with a bound on each wait for data, and on the
/// bytes read (`left`; `over` says when a read went past it).
struct Patient {
    file: File,
    wait: Duration,
    left: u64,
    over: Arc<std::sync::atomic::AtomicBool>,
}

impl std::io::Read for Patient {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let deadline = Instant::now() + self.wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut p = libc::pollfd {
                fd: self.file.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = libc::c_int::try_from(left.as_millis()).unwrap_or(libc::c_int::MAX);
            // SAFETY: one valid pollfd, on a descriptor this struct owns.
            let r = unsafe { libc::poll(&mut p, 1, ms) };
            if r < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if r == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no data from the descriptor for {:?}", self.wait),
                ));
            }
            // Readable, at its end, or in error: the read says which. One
            // byte past the limit tells a stream that goes on from one
            // that ends there.
            let room = usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX);
            let n = buf.len().min(room);
            let got = self.file.read(&mut buf[..n])?;
            if got as u64 > self.left {
                self.over.store(true, std::sync::atomic::Ordering::Relaxed);
                return Err(std::io::Error::other("over stream_max"));
            }
            self.left -= got as u64;
            return Ok(got);
        }
    }
}

/// Regular files at or below `p`, at most `cap` of them (past it, an error
/// line); links inside folders are not followed.
fn files_below(p: &Path, cap: usize, out: &mut Vec<PathBuf>, errors: &mut Vec<String>) {
    let mut stack = vec![p.to_owned()];
    let mut top = true;
    while let Some(p) = stack.pop() {
        if out.len() >= cap {
            // Never an OK for files not scanned.
            errors.push(clamd::error_line(
                &p.display().to_string(),
                &format!("more than {cap} files below the path, the rest not scanned."),
            ));
            return;
        }
        let top_level = top;
        let meta = if top {
            std::fs::metadata(&p)
        } else {
            std::fs::symlink_metadata(&p)
        };
        top = false;
        match meta {
            Ok(m) if m.is_dir() => match std::fs::read_dir(&p) {
                Ok(rd) => {
                    let mut v: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
                    v.sort();
                    stack.extend(v.into_iter().rev());
                }
                Err(_) => errors.push(clamd::error_line(
                    &p.display().to_string(),
                    "Access denied.",
                )),
            },
            Ok(m) if m.is_file() => out.push(p),
            // A FIFO or a device named itself has no end to scan to, as
            // clamd says; inside a folder it is no file and is passed.
            Ok(_) if top_level => errors.push(clamd::error_line(
                &p.display().to_string(),
                "Not supported file type.",
            )),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => errors.push(clamd::error_line(
                &p.display().to_string(),
                "No such file or directory.",
            )),
            Err(_) => errors.push(clamd::error_line(
                &p.display().to_string(),
                "Access denied.",
            )),
        }
    }
}

fn path_scan(
    d: &Arc<Daemon>,
    conn: &mut Conn,
    term: Term,
    id: Option<u64>,
    kind: PathScan,
    path: PathBuf,
    command: &str,
) -> After {
    let started = Instant::now();
    let engine = d.engine();
    let mut opts = d.scan_options().local_path(true);
    if kind == PathScan::AllMatch {
        opts = opts.first_hit(false);
    }
    let suspicious_found = d.cfg().suspicious_found;
    let p = path.clone();
    let scanned = d.on_worker(move || {
        let mut files = Vec::new();
        let mut lines = Vec::new();
        files_below(&p, MAX_PATH_FILES, &mut files, &mut lines);
        let mut found = false;
        let mut size = 0u64;
        let mut reports = Vec::new();
        for f in files {
            let label = f.display().to_string();
            match engine.scan_path_with(&f, &opts) {
                Ok(r) => {
                    size += r.objects.first().map_or(0, |o| o.size);
                    match clamd::outcome(&r, suspicious_found) {
                        Outcome::Clean => {}
                        o @ Outcome::Found(_) => {
                            found = true;
                            if kind == PathScan::AllMatch {
                                for n in clamd::all_names(&r, suspicious_found) {
                                    lines.push(clamd::scan_line(&label, &Outcome::Found(n)));
                                }
                            } else {
                                lines.push(clamd::scan_line(&label, &o));
                            }
                        }
                    }
                    reports.push(r);
                    if found && kind == PathScan::Scan {
                        break;
                    }
                }
                Err(e) => lines.push(clamd::error_line(&label, &e.to_string())),
            }
        }
        if lines.is_empty() {
            lines.push(clamd::scan_line(&p.display().to_string(), &Outcome::Clean));
        }
        (lines, size, reports)
    });
    let (lines, size, reports) = match scanned {
        Ok(v) => v,
        Err(e) => (
            vec![clamd::error_line(&path.display().to_string(), &failed(e))],
            0,
            Vec::new(),
        ),
    };
    let worst = reports.iter().max_by_key(|r| r.verdict);
    let name = path.display().to_string();
    d.log_scan(ScanLog {
        proto: "clamd",
        client: &conn.peer,
        command,
        name: &name,
        size,
        report: worst,
        cached: false,
        early: false,
        reply: lines.last().map_or("", |s| s.as_str()),
        started,
    });
    say(conn, term, id, &lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_past_the_cap_ends_in_an_error_line() {
        let dir = std::env::temp_dir().join(format!("xferscan-cap-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for name in ["a", "b", "sub/c", "sub/d", "sub/e"] {
            std::fs::write(dir.join(name), b"x").unwrap();
        }
        let walk = |cap| {
            let (mut files, mut errors) = (Vec::new(), Vec::new());
            files_below(&dir, cap, &mut files, &mut errors);
            (files.len(), errors)
        };
        let (n, errors) = walk(5);
        assert_eq!((n, errors.len()), (5, 0));
        let (n, errors) = walk(3);
        assert_eq!(n, 3);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].ends_with("more than 3 files below the path, the rest not scanned. ERROR"),
            "{errors:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! A clamd-protocol load client for `bench/serve.sh`: CLIENTS scans in
//! flight at all times, each sending the files of a folder in turn as
//! `zINSTREAM` (8188-byte chunks, as clamdscan sends them) on a new
//! connection per scan, for SECONDS at most. Prints one line: scans
//! answered, scans per second, p50 and p99 latency in milliseconds, errors,
//! and how many replies said FOUND.
//!
//! The client shares the machine with the server it measures, so it is
//! made to cost that server little: one thread per core, each driving its
//! share of the connections through its own epoll set (each socket
//! non-blocking once connected, edge-triggered). A blocking thread per client spent most of its
//! time being scheduled, on the cores the server scans on. What goes on the
//! wire is the same: one connection per scan, the whole request written,
//! the reply read to the server's close. (On loopback the kernel's TCP work
//! for both ends runs in the sender's thread, so one thread alone is the
//! bottleneck over TCP: one per core.)
//!
//! usage: serve_load ADDR:PORT|/unix/socket SECONDS CLIENTS FOLDER LABEL

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Longest a scan may wait for its reply before it counts as an error.
const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the server listens.
enum Target {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

/// A connected socket of either kind.
trait Stream: Read + Write + AsRawFd {}
impl<T: Read + Write + AsRawFd> Stream for T {}

/// One scan in flight.
struct Conn {
    sock: Box<dyn Stream>,
    file: usize,
    sent: usize,
    reply: Vec<u8>,
    started: Instant,
}

/// What a thread counted.
#[derive(Default)]
struct Tally {
    lat: Vec<Duration>,
    errors: u64,
    found: u64,
    first_error: Option<String>,
}

impl Tally {
    fn error(&mut self, e: String) {
        self.errors += 1;
        self.first_error.get_or_insert(e);
    }

    fn merge(&mut self, other: Tally) {
        self.lat.extend(other.lat);
        self.errors += other.errors;
        self.found += other.found;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, seconds, clients, folder, label] = args.as_slice() else {
        return Err("usage: serve_load ADDR:PORT|/unix/socket SECONDS CLIENTS FOLDER LABEL".into());
    };
    let seconds: u64 = seconds.parse()?;
    let clients: usize = clients.parse()?;
    let target = if addr.starts_with('/') {
        Target::Unix(PathBuf::from(addr))
    } else {
        Target::Tcp(addr.parse()?)
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for p in &paths {
        files.push(frame(&std::fs::read(p)?));
    }
    if files.is_empty() || clients == 0 {
        return Err("no files or no clients".into());
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(clients);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tally = Tally::default();
    std::thread::scope(|s| -> Result<(), Box<dyn std::error::Error>> {
        let (target, files) = (&target, &files);
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let share = clients / threads + usize::from(t < clients % threads);
                s.spawn(move || drive(target, files, share, t, deadline))
            })
            .collect();
        for h in handles {
            tally.merge(h.join().map_err(|_| "a client thread panicked")??);
        }
        Ok(())
    })?;
    if let Some(e) = &tally.first_error {
        eprintln!("{label}: first error: {e}");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut lat = tally.lat;
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{label:<10} scans {:>7}  scans/s {:>8.1}  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}  found {}",
        lat.len(),
        lat.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        tally.errors,
        tally.found,
    );
    Ok(())
}

/// `zINSTREAM\0`, 8188-byte chunks, the zero chunk.
fn frame(data: &[u8]) -> Vec<u8> {
    let mut out = b"zINSTREAM\0".to_vec();
    for c in data.chunks(8188) {
        out.extend((c.len() as u32).to_be_bytes());
        out.extend(c);
    }
    out.extend([0, 0, 0, 0]);
    out
}

/// Keeps `clients` scans in flight until `deadline`, then lets the last
/// ones finish. Thread `t` starts its clients on files of its own, so that
/// the threads do not send the same file at the same moment.
fn drive(
    target: &Target,
    files: &[Vec<u8>],
    clients: usize,
    t: usize,
    deadline: Instant,
) -> io::Result<Tally> {
    // SAFETY: plain system call.
    let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` was just opened and is owned by nothing else.
    let ep = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut slots: Vec<Option<Conn>> = (0..clients).map(|_| None).collect();
    let mut next_file: Vec<usize> = (0..clients).map(|i| i * 7 + t).collect();
    let mut tally = Tally::default();
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; clients.max(1)];
    loop {
        if Instant::now() < deadline {
            for (i, slot) in slots.iter_mut().enumerate() {
                if slot.is_some() {
                    continue;
                }
                match connect(ep.as_raw_fd(), target, i) {
                    Ok(sock) => {
                        *slot = Some(Conn {
                            sock,
                            file: next_file[i] % files.len(),
                            sent: 0,
                            reply: Vec::new(),
                            started: Instant::now(),
                        });
                        next_file[i] += clients;
                    }
                    Err(e) => tally.error(format!("connect: {e}")),
                }
            }
        }
        if slots.iter().all(Option::is_none) {
            return Ok(tally);
        }
        // SAFETY: `events` holds `events.len()` entries for the kernel to fill.
        let n = unsafe {
            libc::epoll_wait(
                ep.as_raw_fd(),
                events.as_mut_ptr(),
                events.len() as i32,
                100,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for ev in &events[..n as usize] {
            let i = ev.u64 as usize;
            let Some(conn) = slots[i].as_mut() else {
                continue;
            };
            match advance(conn, &files[conn.file]) {
                Ok(false) => {}
                Ok(true) => {
                    if let Some(conn) = slots[i].take() {
                        if conn.reply.ends_with(b"FOUND\0") {
                            tally.found += 1;
                            tally.lat.push(conn.started.elapsed());
                        } else if conn.reply.ends_with(b"OK\0") {
                            tally.lat.push(conn.started.elapsed());
                        } else {
                            let reply = String::from_utf8_lossy(&conn.reply).into_owned();
                            tally.error(format!("reply {reply:?}"));
                        }
                    }
                }
                Err(e) => {
                    slots[i] = None;
                    tally.error(e.to_string());
                }
            }
        }
        for slot in &mut slots {
            if slot
                .as_ref()
                .is_some_and(|c| c.started.elapsed() > REPLY_TIMEOUT)
            {
                *slot = None;
                tally.error("no reply in 30 s".into());
            }
        }
    }
}

/// A socket connected to `target` (on loopback the handshake is done
/// within the call), made non-blocking and put in the epoll set `ep` under
/// `slot`, edge-triggered for both directions.
fn connect(ep: RawFd, target: &Target, slot: usize) -> io::Result<Box<dyn Stream>> {
    let sock: Box<dyn Stream> = match target {
        Target::Tcp(addr) => {
            let s = TcpStream::connect(addr)?;
            s.set_nodelay(true)?;
            s.set_nonblocking(true)?;
            Box::new(s)
        }
        Target::Unix(path) => {
            let s = UnixStream::connect(path)?;
            s.set_nonblocking(true)?;
            Box::new(s)
        }
    };
    let mut ev = libc::epoll_event {
        events: (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32,
        u64: slot as u64,
    };
    // SAFETY: `ev` lives across the call; the socket is closed (and so
    // leaves the set) when its connection is dropped.
    if unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, sock.as_raw_fd(), &mut ev) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(sock)
}

/// Writes what the socket takes, then reads what it has; true once the
/// server has closed its side after the reply, false when the socket has to
/// be waited for.
fn advance(conn: &mut Conn, wire: &[u8]) -> io::Result<bool> {
    while conn.sent < wire.len() {
        match conn.sock.write(&wire[conn.sent..]) {
            Ok(n) => conn.sent += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return wait_unless_failed(e),
        }
    }
    let mut buf = [0u8; 4096];
    loop {
        match conn.sock.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => conn.reply.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return wait_unless_failed(e),
        }
    }
}

/// A socket that would block is waited for; any other error ends the scan.
fn wait_unless_failed(e: io::Error) -> io::Result<bool> {
    if e.kind() == io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(e)
    }
}

//! Sockets: a connection with a read buffer, deadlines and (on a Unix
//! socket) the file descriptors that arrive with the bytes; listeners that
//! wait with poll(2) so that a shutdown is seen within a fraction of a
//! second.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a wait looks at the shutdown flag.
const TICK: Duration = Duration::from_millis(200);
/// Most descriptors kept waiting for a FILDES; more are closed.
const MAX_FDS: usize = 8;
/// The read buffer's first size; a read asks for what room is left.
const READ_SIZE: usize = 16 << 10;

/// A TCP or Unix stream.
pub enum Stream {
    /// TCP.
    Tcp(TcpStream),
    /// A Unix socket.
    Unix(UnixStream),
}

/// A connection: a stream, the bytes read but not yet used, and the
/// descriptors received.
pub struct Conn {
    stream: Stream,
    /// Zeroed once and reused: bytes `start..end` are pending, the rest is
    /// room for the next read (not zeroed again for each read).
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Descriptors received with SCM_RIGHTS, oldest first.
    pub fds: VecDeque<OwnedFd>,
    /// Who is at the other end, for logs.
    pub peer: String,
}

/// Why a wait for bytes ended without any.
#[derive(Debug)]
pub enum Wait {
    /// The peer closed its side.
    Eof,
    /// The deadline passed.
    TimedOut,
    /// The daemon is shutting down.
    Stopping,
    /// The socket failed.
    Failed,
}

impl Conn {
    /// A connection over `stream`.
    pub fn new(stream: Stream) -> Conn {
        let peer = match &stream {
            Stream::Tcp(s) => s
                .peer_addr()
                .map_or_else(|_| "tcp".into(), |a| a.to_string()),
            Stream::Unix(_) => "unix".into(),
        };
        Conn::with_peer(stream, peer)
    }

    /// A connection over `stream` from `peer` (as accept(2) said). TCP
    /// sockets come from listeners with TCP_NODELAY set, which they inherit.
    pub fn with_peer(stream: Stream, peer: String) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
            start: 0,
            end: 0,
            fds: VecDeque::new(),
            peer,
        }
    }

    /// The socket's descriptor.
    pub fn fd(&self) -> RawFd {
        match &self.stream {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }

    /// True on a Unix socket.
    pub fn is_unix(&self) -> bool {
        matches!(self.stream, Stream::Unix(_))
    }

    /// The bytes read and not yet used.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// Marks `n` pending bytes used.
    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Room for a read: moves what is pending to the front, or grows.
    fn make_room(&mut self) {
        if self.buf.len() - self.end < READ_SIZE / 4 {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < READ_SIZE / 4 {
                let more = self.buf.len().max(READ_SIZE);
                self.buf.resize(self.buf.len() + more, 0);
            }
        }
    }

    /// Reads more bytes, waiting until `deadline` at most; `stop`, when
    /// given, ends the wait as soon as it is set. Returns how many came.
    pub fn fill(&mut self, deadline: Instant, stop: Option<&AtomicBool>) -> Result<usize, Wait> {
        self.make_room();
        let old = self.end;
        let r = loop {
            if stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
                break Err(Wait::Stopping);
            }
            let now = Instant::now();
            if now >= deadline {
                break Err(Wait::TimedOut);
            }
            let mut wait = deadline - now;
            if stop.is_some() {
                wait = wait.min(TICK);
            }
            if self.set_read_timeout(wait).is_err() {
                break Err(Wait::Failed);
            }
            let got = match &mut self.stream {
                Stream::Tcp(s) => s.read(&mut self.buf[old..]),
                Stream::Unix(s) => {
                    recv_with_fds(s.as_raw_fd(), &mut self.buf[old..], &mut self.fds)
                }
            };
            match got {
                Ok(0) => break Err(Wait::Eof),
                Ok(n) => break Ok(n),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                Err(_) => break Err(Wait::Failed),
            }
        };
        self.end = old + *r.as_ref().unwrap_or(&0);
        r
    }

    /// One read without waiting (the socket is non-blocking, in the event
    /// loop): `Ok(None)` when nothing is there now.
    pub fn read_now(&mut self) -> Result<Option<usize>, Wait> {
        self.make_room();
        let old = self.end;
        loop {
            let got = match &mut self.stream {
                Stream::Tcp(s) => s.read(&mut self.buf[old..]),
                Stream::Unix(s) => {
                    recv_with_fds(s.as_raw_fd(), &mut self.buf[old..], &mut self.fds)
                }
            };
            return match got {
                Ok(0) => Err(Wait::Eof),
                Ok(n) => {
                    self.end = old + n;
                    Ok(Some(n))
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => Err(Wait::Failed),
            };
        }
    }

    /// Puts the socket in non-blocking mode (the event loop's), or back.
    pub fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        match &self.stream {
            Stream::Tcp(s) => s.set_nonblocking(on),
            Stream::Unix(s) => s.set_nonblocking(on),
        }
    }

    /// Writes the last reply before a close, from the event loop: at once
    /// when the socket takes it (a reply is a line), else the rest in
    /// blocking mode, giving up after `timeout` without progress. On TCP
    /// the bytes wait for the shutdown that follows (MSG_MORE), so that
    /// they leave with the FIN in one segment rather than two.
    pub fn send_last(&mut self, bytes: &[u8], timeout: Duration) -> io::Result<()> {
        let flags = libc::MSG_NOSIGNAL
            | match self.stream {
                Stream::Tcp(_) => libc::MSG_MORE,
                Stream::Unix(_) => 0,
            };
        let fd = self.fd();
        let mut at = 0;
        while at < bytes.len() {
            let rest = &bytes[at..];
            // SAFETY: sends from a live buffer of the length given.
            let n = unsafe { libc::send(fd, rest.as_ptr().cast(), rest.len(), flags) };
            let r = if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            };
            match r {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => at += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.set_nonblocking(false)?;
                    let r = self.send(&bytes[at..], timeout);
                    self.set_nonblocking(true)?;
                    return r;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Ends our side of the connection: what was sent leaves, then the
    /// end of stream (on TCP, in the same segment as bytes held by
    /// MSG_MORE).
    pub fn shutdown_write(&self) {
        let _ = match &self.stream {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        };
    }

    /// True when the peer has sent bytes that the socket holds unread (an
    /// end of stream or an error is not).
    pub fn has_unread(&self) -> bool {
        let mut b = [0u8; 1];
        // SAFETY: a one-byte buffer that lives across the call.
        let n = unsafe {
            libc::recv(
                self.fd(),
                b.as_mut_ptr().cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        n > 0
    }

    fn set_read_timeout(&self, d: Duration) -> io::Result<()> {
        let d = Some(d.max(Duration::from_millis(1)));
        match &self.stream {
            Stream::Tcp(s) => s.set_read_timeout(d),
            Stream::Unix(s) => s.set_read_timeout(d),
        }
    }

    /// Writes all of `bytes`, giving up after `timeout` without progress.
    pub fn send(&mut self, bytes: &[u8], timeout: Duration) -> io::Result<()> {
        let t = Some(timeout.max(Duration::from_millis(1)));
        match &mut self.stream {
            Stream::Tcp(s) => {
                s.set_write_timeout(t)?;
                s.write_all(bytes)
            }
            Stream::Unix(s) => {
                s.set_write_timeout(t)?;
                s.write_all(bytes)
            }
        }
    }

    /// Closes after a reply: says so to the peer, then reads what it still
    /// sends (up to 1 MiB, for a second at most) so that the kernel does not
    /// answer it with a reset that could destroy the reply before it is
    /// read.
    pub fn close(mut self) {
        let _ = match &self.stream {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        };
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut drained = 0usize;
        while drained < (1 << 20) {
            self.start = 0;
            self.end = 0;
            match self.fill(deadline, None) {
                Ok(n) => drained += n,
                Err(_) => break,
            }
        }
    }
}

/// recv(2) through recvmsg(2), keeping the descriptors that SCM_RIGHTS
/// carries (clamd's FILDES): a plain read would drop them with the byte
/// they come with.
fn recv_with_fds(fd: RawFd, buf: &mut [u8], fds: &mut VecDeque<OwnedFd>) -> io::Result<usize> {
    // Room for a few descriptors, aligned for cmsghdr.
    let mut control = [0u64; 16];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: msghdr is plain data; all-zero is a valid empty header.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: msg points at live buffers of the lengths given.
    let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_CMSG_CLOEXEC) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: msg was filled by recvmsg; the CMSG_* macros walk the control
    // buffer within msg_controllen.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            let h = &*c;
            if h.cmsg_level == libc::SOL_SOCKET && h.cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(c).cast::<libc::c_int>();
                let bytes = (h.cmsg_len as usize).saturating_sub(libc::CMSG_LEN(0) as usize);
                for i in 0..bytes / std::mem::size_of::<libc::c_int>() {
                    let raw = std::ptr::read_unaligned(data.add(i));
                    // Each descriptor is ours now: owned, closed when dropped.
                    let owned = OwnedFd::from_raw_fd(raw);
                    if fds.len() < MAX_FDS {
                        fds.push_back(owned);
                    }
                }
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Ok(n as usize)
}

/// A listening socket.
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// A Unix socket.
    Unix(UnixListener),
}

impl Listener {
    /// The listening descriptor.
    pub fn fd(&self) -> RawFd {
        match self {
            Listener::Tcp(l) => l.as_raw_fd(),
            Listener::Unix(l) => l.as_raw_fd(),
        }
    }

    /// Takes a waiting connection without waiting (the event loop's), with
    /// its peer's address for the logs (from accept(2) itself): the new
    /// socket is non-blocking already. `Ok(None)` when none waits.
    pub fn accept_now(&self) -> io::Result<Option<(Stream, String)>> {
        loop {
            // SAFETY: sockaddr_storage is plain data; all-zero is valid.
            let mut addr: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of_val(&addr) as libc::socklen_t;
            // SAFETY: accept4 with room for any address; the descriptor it
            // returns is owned at once.
            let fd = unsafe {
                libc::accept4(
                    self.fd(),
                    (&raw mut addr).cast(),
                    &mut len,
                    libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
                )
            };
            if fd >= 0 {
                // SAFETY: a fresh descriptor that nothing else owns.
                let owned = unsafe { OwnedFd::from_raw_fd(fd) };
                return Ok(Some(match self {
                    Listener::Tcp(_) => (Stream::Tcp(TcpStream::from(owned)), peer_of(&addr)),
                    Listener::Unix(_) => (Stream::Unix(UnixStream::from(owned)), "unix".into()),
                }));
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::WouldBlock => return Ok(None),
                io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted => {}
                _ => return Err(e),
            }
        }
    }

    /// Waits up to [`TICK`] for a connection; `Ok(None)` when none came.
    pub fn accept_tick(&self) -> io::Result<Option<Stream>> {
        let mut p = libc::pollfd {
            fd: self.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut p, 1, TICK.as_millis() as libc::c_int) };
        if r < 0 {
            let e = io::Error::last_os_error();
            return if e.kind() == io::ErrorKind::Interrupted {
                Ok(None)
            } else {
                Err(e)
            };
        }
        if r == 0 {
            return Ok(None);
        }
        let s = match self {
            Listener::Tcp(l) => l.accept().map(|(s, _)| Stream::Tcp(s)),
            Listener::Unix(l) => l.accept().map(|(s, _)| Stream::Unix(s)),
        };
        match s {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// An IPv4 or IPv6 peer's address as `SocketAddr` prints it.
fn peer_of(addr: &libc::sockaddr_storage) -> String {
    match i32::from(addr.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says this storage holds a sockaddr_in.
            let a =
                unsafe { &*(addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            std::net::SocketAddrV4::new(
                std::net::Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                u16::from_be(a.sin_port),
            )
            .to_string()
        }
        libc::AF_INET6 => {
            // SAFETY: the family says this storage holds a sockaddr_in6.
            let a =
                unsafe { &*(addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            std::net::SocketAddrV6::new(
                std::net::Ipv6Addr::from(a.sin6_addr.s6_addr),
                u16::from_be(a.sin6_port),
                a.sin6_flowinfo,
                a.sin6_scope_id,
            )
            .to_string()
        }
        _ => "tcp".into(),
    }
}

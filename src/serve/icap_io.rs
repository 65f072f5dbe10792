//! One ICAP connection: requests read with deadlines and kept alive, the
//! body fed to a stream scan as it arrives, an early verdict from the
//! preview, the scan run on the workers.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use xferscan::{CancelToken, Report};

use super::clamd::{self, Outcome};
use super::icap::{self, Body, Chunk, Chunked, Method, Request};
use super::net::{Conn, Wait};
use super::{Daemon, ScanLog};

const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves one connection until it is done.
pub(super) fn handle(d: &Arc<Daemon>, mut conn: Conn) {
    let mut first = true;
    loop {
        let wait = if first {
            d.cfg().command_timeout
        } else {
            d.cfg().idle_timeout
        };
        first = false;
        let deadline = Instant::now() + wait;
        let head_len = loop {
            if let Some(n) = icap::head_end(conn.pending()) {
                break n;
            }
            if conn.pending().len() > icap::MAX_HEAD {
                return reply_close(d, conn, 400);
            }
            match conn.fill(deadline, Some(d.stopping())) {
                Ok(_) => {}
                Err(Wait::TimedOut) if !conn.pending().is_empty() => {
                    return reply_close(d, conn, 408);
                }
                Err(_) => return,
            }
        };
        let req = match icap::parse_request(&conn.pending()[..head_len]) {
            Ok(r) => r,
            Err(code) => return reply_close(d, conn, code),
        };
        conn.consume(head_len);
        let keep = match req.method {
            Method::Options if req.service == d.cfg().icap_service => {
                let date = super::util::http_date(SystemTime::now());
                let istag = d.istag();
                let o = icap::options_response(&icap::ServiceInfo {
                    istag: &istag,
                    preview: d.cfg().icap_preview,
                    max_connections: d.cfg().max_connections,
                    ttl: 3600,
                    date: &date,
                });
                conn.send(&o, WRITE_TIMEOUT).is_ok()
            }
            Method::Respmod | Method::Reqmod if req.service == d.cfg().icap_service => {
                modify(d, &mut conn, &req)
            }
            // The body that may follow is not read: close after.
            Method::Other(_) => return reply_close(d, conn, 501),
            _ => return reply_close(d, conn, 404),
        };
        if !keep || req.wants_close() {
            return conn.close();
        }
    }
}

fn reply_close(d: &Daemon, mut conn: Conn, code: u16) {
    super::log_event(
        "refused",
        serde_json::json!({ "proto": "icap", "client": conn.peer, "status": code }),
    );
    let _ = conn.send(
        &icap::status_response(code, &d.istag(), true),
        WRITE_TIMEOUT,
    );
    conn.close();
}

/// How reading a body part ended.
enum Read {
    /// Its last chunk: `ieof` after a preview that held everything.
    End { ieof: bool },
    /// The connection failed or timed out; it is to be closed.
    Gone,
    /// The chunks did not parse.
    Bad,
}

/// A body being received: fed to the scan, and kept for an echo when the
/// client does not allow 204.
struct Receiving {
    stream: Option<xferscan::ScanStream>,
    size: u64,
    early: bool,
    echo: Option<Vec<u8>>,
    echo_over: bool,
    first_hit: bool,
    max: u64,
    /// The body went past `max` (clamd's StreamMaxLength): not scanned
    /// further, and an error, never a 204.
    over_max: bool,
    /// The body as the browser saves it, undoing its content codings.
    decoded: Option<Decoding>,
}

/// The body decoded by its HTTP content codings (a form's body also made a
/// message, which the engine splits into its files), into a scan of its own:
/// detection finds gzip and zstd by their magic numbers, but not brotli
/// or zlib, nor a stack of codings.
struct Decoding {
    /// The decoder of the last coding applied, writing into the next.
    writer: Option<Box<dyn Write + Send>>,
    sink: Arc<Mutex<Decoded>>,
}

/// What the decoders write into.
struct Decoded {
    stream: Option<xferscan::ScanStream>,
    fed: u64,
    max: u64,
    over_max: bool,
}

/// The innermost writer of a [`Decoding`].
struct DecodedWriter(Arc<Mutex<Decoded>>);

impl Write for DecodedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut d = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        d.fed += buf.len() as u64;
        if d.fed > d.max {
            d.over_max = true;
            d.stream = None;
            return Err(std::io::Error::other("the decoded body is over stream_max"));
        }
        if let Some(s) = &mut d.stream
            && s.feed(Bytes::copy_from_slice(buf)).is_err()
        {
            d.stream = None;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// HTTP's `deflate`: zlib as the RFC says, or raw deflate as some servers
/// send it; browsers read both, told by the first two bytes.
enum Deflate<W: Write> {
    Start(Option<W>, Vec<u8>),
    Zlib(flate2::write::ZlibDecoder<W>),
    Raw(flate2::write::DeflateDecoder<W>),
}

impl<W: Write> Write for Deflate<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let (w, head) = match self {
            Deflate::Zlib(d) => return d.write(buf),
            Deflate::Raw(d) => return d.write(buf),
            Deflate::Start(w, head) => (w, head),
        };
        let take = (2 - head.len()).min(buf.len());
        head.extend_from_slice(&buf[..take]);
        if head.len() < 2 {
            return Ok(buf.len());
        }
        let zlib = (u16::from(head[0]) << 8 | u16::from(head[1])) % 31 == 0 && head[0] & 0x0f == 8;
        let w = w.take().ok_or_else(|| std::io::Error::other("no writer"))?;
        let head = std::mem::take(head);
        *self = if zlib {
            Deflate::Zlib(flate2::write::ZlibDecoder::new(w))
        } else {
            Deflate::Raw(flate2::write::DeflateDecoder::new(w))
        };
        self.write_all(&head)?;
        self.write_all(&buf[take..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Deflate::Zlib(d) => d.flush(),
            Deflate::Raw(d) => d.flush(),
            Deflate::Start(..) => Ok(()),
        }
    }
}

impl Decoding {
    /// The decoders of `codings` (in the order applied) into a scan of
    /// `name` that stops past `max` decoded bytes, after `head` (the header
    /// block that makes a form's body a message); `None` without either.
    fn new(
        codings: &[icap::Coding],
        head: Option<&[u8]>,
        mut stream: xferscan::ScanStream,
        max: u64,
    ) -> Option<std::io::Result<Decoding>> {
        if codings.is_empty() && head.is_none() {
            return None;
        }
        if let Some(head) = head
            && let Err(e) = stream.feed(Bytes::copy_from_slice(head))
        {
            return Some(Err(std::io::Error::other(e)));
        }
        let sink = Arc::new(Mutex::new(Decoded {
            stream: Some(stream),
            fed: 0,
            max,
            over_max: false,
        }));
        let mut w: Box<dyn Write + Send> = Box::new(DecodedWriter(Arc::clone(&sink)));
        // The first coding applied is undone last: its decoder is
        // innermost.
        for c in codings {
            w = match c {
                icap::Coding::Gzip => Box::new(flate2::write::MultiGzDecoder::new(w)),
                icap::Coding::Deflate => Box::new(Deflate::Start(Some(w), Vec::new())),
                icap::Coding::Brotli => {
                    Box::new(brotli_decompressor::DecompressorWriter::new(w, 16 << 10))
                }
                icap::Coding::Zstd => {
                    let mut d = match zstd::stream::write::Decoder::new(w) {
                        Ok(d) => d,
                        Err(e) => return Some(Err(e)),
                    };
                    if let Err(e) = d.window_log_max(27) {
                        return Some(Err(e));
                    }
                    Box::new(d)
                }
            };
        }
        Some(Ok(Decoding {
            writer: Some(w),
            sink,
        }))
    }

    /// Feeds raw body bytes; a corrupt coding ends the decoding (what was
    /// decoded is scanned, as the browser saves it).
    fn write(&mut self, b: &[u8]) {
        if let Some(w) = &mut self.writer
            && w.write_all(b).is_err()
        {
            self.writer = None;
        }
    }

    /// Ends the decoding: the scan of what it gave, or why there is none.
    fn finish(mut self) -> Result<Option<xferscan::ScanStream>, String> {
        if let Some(mut w) = self.writer.take() {
            let _ = w.flush();
            // Dropping the decoders writes out what they still hold.
            drop(w);
        }
        let mut d = self.sink.lock().map_err(|_| "poisoned".to_owned())?;
        if d.over_max {
            return Err(format!(
                "the body decoded by its Content-Encoding is over stream_max ({} bytes)",
                d.max
            ));
        }
        Ok(d.stream.take())
    }
}

impl Receiving {
    fn take(&mut self, b: &[u8]) {
        self.size += b.len() as u64;
        if let Some(d) = &mut self.decoded {
            d.write(b);
        }
        if self.size > self.max {
            // Spooled no further: a body past the limit is an error.
            self.over_max = true;
            self.stream = None;
            self.echo = None;
            self.echo_over = true;
            return;
        }
        if let Some(e) = &mut self.echo {
            if (e.len() + b.len()) as u64 > self.max {
                self.echo = None;
                self.echo_over = true;
            } else {
                e.extend_from_slice(b);
            }
        }
        if self.early {
            return;
        }
        if let Some(s) = &mut self.stream {
            match s.feed(Bytes::copy_from_slice(b)) {
                Ok(p) if p.blocked() && self.first_hit => self.early = true,
                Ok(_) => {}
                Err(_) => self.stream = None,
            }
        }
    }
}

fn read_part(d: &Daemon, conn: &mut Conn, dec: &mut Chunked, rx: &mut Receiving) -> Read {
    loop {
        let (n, c) = match dec.step(conn.pending()) {
            Ok(v) => v,
            Err(_) => return Read::Bad,
        };
        match c {
            Chunk::Data(b) => {
                rx.take(b);
                conn.consume(n);
                continue;
            }
            Chunk::End { ieof } => {
                conn.consume(n);
                return Read::End { ieof };
            }
            Chunk::Need => conn.consume(n),
        }
        if conn
            .fill(Instant::now() + d.cfg().read_timeout, None)
            .is_err()
        {
            return Read::Gone;
        }
    }
}

/// RESPMOD or REQMOD; false when the connection is to be closed.
fn modify(d: &Arc<Daemon>, conn: &mut Conn, req: &Request) -> bool {
    let started = Instant::now();
    let istag = d.istag();
    let Some(enc) = req
        .header("encapsulated")
        .and_then(icap::parse_encapsulated)
    else {
        let _ = conn.send(&icap::status_response(400, &istag, true), WRITE_TIMEOUT);
        return false;
    };
    let reqmod = req.method == Method::Reqmod;
    // The encapsulated HTTP headers.
    let deadline = Instant::now() + d.cfg().read_timeout;
    while conn.pending().len() < enc.body_at {
        if conn.fill(deadline, None).is_err() {
            return false;
        }
    }
    let hdrs = conn.pending()[..enc.body_at].to_vec();
    conn.consume(enc.body_at);
    let name = icap::object_name(enc.req_hdr(&hdrs), enc.res_hdr(&hdrs));
    // What an echo sends back: the part of the message this mode modifies.
    let echo_hdrs = if reqmod {
        enc.req_hdr(&hdrs)
    } else {
        enc.res_hdr(&hdrs)
    }
    .unwrap_or_default()
    .to_vec();
    let method = if reqmod { "REQMOD" } else { "RESPMOD" };
    if matches!(enc.body, Body::Null | Body::Opt) {
        // Nothing to scan.
        let out = if req.allows_204() {
            icap::status_response(204, &istag, false)
        } else {
            icap::echo_response(&istag, reqmod, &echo_hdrs, None)
        };
        return conn.send(&out, WRITE_TIMEOUT).is_ok();
    }

    let engine = d.engine();
    let cancel = CancelToken::new();
    let opts = d.scan_options().cancel(cancel.clone());
    // The body as the browser saves it, where the server encoded it.
    let coded = if reqmod {
        enc.req_hdr(&hdrs)
    } else {
        enc.res_hdr(&hdrs)
    };
    // A coding that is not undone here (unknown, or more of them than any
    // server applies) leaves the body scanned as it is: found when that
    // finds something, else an error, never a clean, as the client may
    // undo what was not (curl and urllib3 undo five).
    let mut not_undone = None;
    // An upload through a form is split into its files, as the server's
    // form parser splits it (the body is scanned as it is too).
    let form = coded
        .and_then(icap::form_boundary)
        .map(|b| icap::form_head(&b));
    let decoded = match coded.map(icap::content_codings) {
        Some(Ok(codings)) => Decoding::new(
            &codings,
            form.as_deref(),
            engine.stream(&name, &opts),
            d.cfg().stream_max,
        )
        .and_then(Result::ok),
        Some(Err(coding)) => {
            not_undone = Some(format!(
                "the body's Content-Encoding is not undone here: {coding}"
            ));
            None
        }
        None => None,
    };
    // Encoded (or a form), the body on the wire is no file of that name:
    // its name is the decoded one's, and the raw bytes are scanned under a
    // label.
    let raw_name = if decoded.is_some() {
        "<encoded body>"
    } else {
        name.as_str()
    };
    let mut rx = Receiving {
        stream: Some(engine.stream(raw_name, &opts)),
        size: 0,
        early: false,
        echo: (!req.allows_204()).then(Vec::new),
        echo_over: false,
        first_hit: d.cfg().first_hit,
        max: d.cfg().stream_max,
        over_max: false,
        decoded,
    };
    let mut dec = Chunked::new();
    let preview = req.preview();
    let mut may_204 = req.allows_204();
    match read_part(d, conn, &mut dec, &mut rx) {
        Read::End { ieof } => {
            if preview.is_some() {
                if ieof {
                    // A reply to the preview may be 204 (RFC 3507 §4.5).
                    may_204 = true;
                } else if rx.early {
                    // Blocked from the preview: the client sends no more.
                    dec.restart();
                } else {
                    if conn.send(icap::CONTINUE, WRITE_TIMEOUT).is_err() {
                        return false;
                    }
                    dec.restart();
                    match read_part(d, conn, &mut dec, &mut rx) {
                        Read::End { .. } => {}
                        Read::Gone => {
                            cancel.cancel();
                            return false;
                        }
                        Read::Bad => {
                            let _ =
                                conn.send(&icap::status_response(400, &istag, true), WRITE_TIMEOUT);
                            return false;
                        }
                    }
                }
            }
        }
        Read::Gone => {
            cancel.cancel();
            return false;
        }
        Read::Bad => {
            let _ = conn.send(&icap::status_response(400, &istag, true), WRITE_TIMEOUT);
            return false;
        }
    }

    let size = rx.size;
    let early = rx.early;
    let max = rx.max;
    let decoded = rx.decoded.take().map(Decoding::finish);
    let raw = rx.stream.take();
    let over_max = rx.over_max;
    let suspicious_found = d.cfg().suspicious_found;
    let result: Result<Report, String> = d
        .on_worker(move || {
            if over_max {
                return Err(format!("the body is over stream_max ({max} bytes)"));
            }
            let raw = match raw {
                Some(stream) => stream.finish().map_err(|e| e.to_string())?,
                None => return Err("the stream's storage failed".into()),
            };
            if let Some(e) = not_undone
                && !matches!(clamd::outcome(&raw, suspicious_found), Outcome::Found(_))
            {
                return Err(e);
            }
            // The decoded body (what the browser saves) decides when it is
            // found, its errors included; else the raw one does.
            let decoded = match decoded {
                None => return Ok(raw),
                Some(Ok(None)) => Err("the decoded body's storage failed".to_owned()),
                Some(Ok(Some(stream))) => stream.finish().map_err(|e| e.to_string()),
                Some(Err(e)) => Err(e),
            };
            match decoded {
                Ok(r) if matches!(clamd::outcome(&r, suspicious_found), Outcome::Found(_)) => Ok(r),
                _ if matches!(clamd::outcome(&raw, suspicious_found), Outcome::Found(_)) => Ok(raw),
                other => other,
            }
        })
        .unwrap_or_else(|e| Err(format!("{e:?}")));
    let (out, reply, code) = match &result {
        Ok(report) => match clamd::outcome(report, d.cfg().suspicious_found) {
            Outcome::Found(threat) => (
                icap::block_response(&istag, &threat, &name),
                format!("{threat} FOUND"),
                200,
            ),
            Outcome::Clean if may_204 => {
                (icap::status_response(204, &istag, false), "OK".into(), 204)
            }
            Outcome::Clean => match &rx.echo {
                Some(body) => (
                    icap::echo_response(&istag, reqmod, &echo_hdrs, Some(body)),
                    "OK".into(),
                    200,
                ),
                None => (
                    icap::status_response(500, &istag, false),
                    "too large to echo".into(),
                    500,
                ),
            },
        },
        Err(e) => (
            icap::status_response(500, &istag, false),
            format!("{e} ERROR"),
            500,
        ),
    };
    let _ = code;
    d.log_scan(ScanLog {
        proto: "icap",
        client: &conn.peer,
        command: method,
        name: &name,
        size,
        report: result.as_ref().ok(),
        cached: false,
        early,
        reply: &reply,
        started,
    });
    conn.send(&out, WRITE_TIMEOUT).is_ok()
}

//! One ICAP connection: requests read with deadlines and kept alive, the
//! body fed to a stream scan as it arrives, an early verdict from the
//! preview, the scan run on the workers.

use std::sync::Arc;
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
}

impl Receiving {
    fn take(&mut self, b: &[u8]) {
        self.size += b.len() as u64;
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
    let mut rx = Receiving {
        stream: Some(engine.stream(&name, &opts)),
        size: 0,
        early: false,
        echo: (!req.allows_204()).then(Vec::new),
        echo_over: false,
        first_hit: d.cfg().first_hit,
        max: d.cfg().stream_max,
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
    let result: Result<Report, String> = match rx.stream.take() {
        Some(stream) => d
            .on_worker(move || stream.finish().map_err(|e| e.to_string()))
            .unwrap_or_else(|e| Err(format!("{e:?}"))),
        None => Err("the stream's storage failed".into()),
    };
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

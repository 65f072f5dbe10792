//! ICAP (RFC 3507) as pure functions over bytes: the request head, the
//! `Encapsulated` offsets, chunked bodies with preview and `ieof`, and the
//! responses Squid, c-icap-client and Nextcloud read (`OPTIONS`, `204`, `100
//! Continue`, a 403 block page with `X-Infection-Found`/`X-Virus-ID`). The
//! connection code (`icap_io`) moves bytes between these and the socket.

/// The longest ICAP head, and the longest encapsulated HTTP headers.
pub const MAX_HEAD: usize = 64 << 10;
/// The longest line of a chunked body (a size and its extensions).
const MAX_CHUNK_LINE: usize = 4096;

/// `100 Continue`, after a preview that did not end the body.
pub const CONTINUE: &[u8] = b"ICAP/1.0 100 Continue\r\n\r\n";

/// An ICAP method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// `OPTIONS`.
    Options,
    /// `RESPMOD`: a response on its way to the client (downloads).
    Respmod,
    /// `REQMOD`: a request on its way to the server (uploads).
    Reqmod,
    /// Anything else: `501`.
    Other(String),
}

/// An ICAP request head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The service: the URI's path without its `/` and query
    /// (`icap://host:1344/xferscan?x` → `xferscan`).
    pub service: String,
    /// The headers in order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header of this name, any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Allow: 204` was sent.
    pub fn allows_204(&self) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("allow"))
            .any(|(_, v)| v.split(',').any(|x| x.trim() == "204"))
    }

    /// The `Preview` size, if the client previews.
    pub fn preview(&self) -> Option<u64> {
        self.header("preview").and_then(|v| v.trim().parse().ok())
    }

    /// `Connection: close` was sent.
    pub fn wants_close(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("close"))
    }
}

/// Where the head ends: the index after its blank line.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    memchr::memmem::find(buf, b"\r\n\r\n").map(|i| i + 4)
}

/// Parses an ICAP head (through its blank line). The error is the status
/// to answer: 400 for a malformed head, 505 for another ICAP version.
pub fn parse_request(head: &[u8]) -> Result<Request, u16> {
    let text = std::str::from_utf8(head).map_err(|_| 400u16)?;
    let mut lines = text.split("\r\n");
    let first = lines.next().ok_or(400u16)?;
    let mut parts = first.split(' ');
    let (Some(method), Some(uri), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    if !version.starts_with("ICAP/") {
        return Err(400);
    }
    if version != "ICAP/1.0" {
        return Err(505);
    }
    let rest = uri
        .strip_prefix("icap://")
        .or_else(|| uri.strip_prefix("icaps://"))
        .ok_or(400u16)?;
    let path = rest.find('/').map_or("", |i| &rest[i + 1..]);
    let service = path.split(['?', '#']).next().unwrap_or("").to_owned();
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // A folded line continues the header before it.
            if let Some((_, v)) = headers.last_mut() {
                let v: &mut String = v;
                v.push(' ');
                v.push_str(line.trim());
                continue;
            }
            return Err(400);
        }
        let (n, v) = line.split_once(':').ok_or(400u16)?;
        if n.is_empty() || n.contains(' ') {
            return Err(400);
        }
        headers.push((n.to_owned(), v.trim().to_owned()));
    }
    let method = match method {
        "OPTIONS" => Method::Options,
        "RESPMOD" => Method::Respmod,
        "REQMOD" => Method::Reqmod,
        m => Method::Other(m.to_owned()),
    };
    Ok(Request {
        method,
        service,
        headers,
    })
}

/// The body entity of an `Encapsulated` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// `null-body`: no body.
    Null,
    /// `req-body`.
    Req,
    /// `res-body`.
    Res,
    /// `opt-body`.
    Opt,
}

/// An `Encapsulated` header: where the HTTP headers are, and the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encapsulated {
    /// Offset of the HTTP request headers.
    pub req_hdr: Option<usize>,
    /// Offset of the HTTP response headers.
    pub res_hdr: Option<usize>,
    /// The body entity.
    pub body: Body,
    /// Its offset: the length of all the HTTP headers before it.
    pub body_at: usize,
}

impl Encapsulated {
    /// The request headers' bytes, out of the headers read.
    pub fn req_hdr<'a>(&self, hdrs: &'a [u8]) -> Option<&'a [u8]> {
        let start = self.req_hdr?;
        let end = self.res_hdr.unwrap_or(self.body_at);
        hdrs.get(start..end)
    }

    /// The response headers' bytes, out of the headers read.
    pub fn res_hdr<'a>(&self, hdrs: &'a [u8]) -> Option<&'a [u8]> {
        hdrs.get(self.res_hdr?..self.body_at)
    }
}

/// Parses `Encapsulated: req-hdr=0, res-hdr=137, res-body=296`: offsets in
/// order, starting at 0, ending in one body entity.
pub fn parse_encapsulated(value: &str) -> Option<Encapsulated> {
    let mut e = Encapsulated {
        req_hdr: None,
        res_hdr: None,
        body: Body::Null,
        body_at: 0,
    };
    let mut last: Option<usize> = None;
    let mut body = None;
    for part in value.split(',') {
        if body.is_some() {
            return None;
        }
        let (name, at) = part.trim().split_once('=')?;
        let at: usize = at.trim().parse().ok()?;
        match last {
            None if at != 0 => return None,
            Some(l) if at < l => return None,
            _ => {}
        }
        last = Some(at);
        match name.trim() {
            "req-hdr" if e.req_hdr.is_none() && e.res_hdr.is_none() => e.req_hdr = Some(at),
            "res-hdr" if e.res_hdr.is_none() => e.res_hdr = Some(at),
            "req-body" => body = Some((Body::Req, at)),
            "res-body" => body = Some((Body::Res, at)),
            "null-body" => body = Some((Body::Null, at)),
            "opt-body" => body = Some((Body::Opt, at)),
            _ => return None,
        }
    }
    let (b, at) = body?;
    e.body = b;
    e.body_at = at;
    (at <= MAX_HEAD).then_some(e)
}

/// The name a transfer is judged by: the `filename` of a
/// `Content-Disposition` header, else the last segment of the URL's path
/// (percent-decoded), else `object`.
/// A content coding of HTTP (RFC 9110 §8.4.1) that a browser undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `gzip`, `x-gzip`.
    Gzip,
    /// `deflate`: zlib, or raw deflate as some servers send it (browsers
    /// read both).
    Deflate,
    /// `br`.
    Brotli,
    /// `zstd`.
    Zstd,
}

/// The content codings of an encapsulated HTTP message, in the order they
/// were applied (the last one is undone first), from every
/// `Content-Encoding` field; `identity` is none. `Err` names a coding no
/// browser undoes (the body is then scanned as it is).
pub fn content_codings(http_hdr: &[u8]) -> Result<Vec<Coding>, String> {
    let text = String::from_utf8_lossy(http_hdr);
    let mut out = Vec::new();
    for line in text.split("\r\n").skip(1) {
        let Some((n, v)) = line.split_once(':') else {
            continue;
        };
        if !n.trim().eq_ignore_ascii_case("content-encoding") {
            continue;
        }
        for token in v.split(',').map(|t| t.trim().to_ascii_lowercase()) {
            out.push(match token.as_str() {
                "" | "identity" => continue,
                "gzip" | "x-gzip" => Coding::Gzip,
                "deflate" => Coding::Deflate,
                "br" => Coding::Brotli,
                "zstd" => Coding::Zstd,
                other => return Err(other.chars().take(40).collect()),
            });
        }
    }
    // More than a few is no server's: each would be a decoder. curl and
    // urllib3 undo five.
    if out.len() > 8 {
        return Err(format!("{} codings", out.len()));
    }
    Ok(out)
}

/// The boundary of a `multipart/form-data` body: an HTML form's upload as
/// browsers and `curl -F` send it, whose parts the server's form parser
/// hands the application as files. `None` for any other body, or for a
/// boundary that a header cannot quote.
pub fn form_boundary(http_hdr: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(http_hdr);
    let value = text.split("\r\n").skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case("content-type").then_some(v)
    })?;
    let media = value.split(';').next()?.trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    let (_, boundary) = disposition_params(value)
        .into_iter()
        .find(|(k, _)| k == "boundary")?;
    // Form parsers take more than RFC 2046's characters; only what a
    // quoted string cannot hold as it is is refused.
    let quotable = |c: u8| (b' '..=b'~').contains(&c) && c != b'"' && c != b'\\';
    (!boundary.is_empty() && boundary.len() <= 200 && boundary.bytes().all(quotable))
        .then_some(boundary)
}

/// The header block that makes a form's body a MIME message, which the
/// engine splits into its parts, each named by its `filename`.
pub fn form_head(boundary: &str) -> Vec<u8> {
    format!(
        "MIME-Version: 1.0\r\nContent-Type: multipart/form-data; boundary=\"{boundary}\"\r\n\r\n"
    )
    .into_bytes()
}

pub fn object_name(req_hdr: Option<&[u8]>, res_hdr: Option<&[u8]>) -> String {
    for h in [res_hdr, req_hdr].into_iter().flatten() {
        let text = String::from_utf8_lossy(h);
        for line in text.split("\r\n").skip(1) {
            if let Some((n, v)) = line.split_once(':')
                && n.trim().eq_ignore_ascii_case("content-disposition")
                && let Some(name) = disposition_filename(v)
            {
                return name;
            }
        }
    }
    if let Some(h) = req_hdr {
        let text = String::from_utf8_lossy(h);
        let first = text.split("\r\n").next().unwrap_or("");
        if let Some(url) = first.split(' ').nth(1) {
            let url = url.split(['?', '#']).next().unwrap_or("");
            let path = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"))
                .map_or(url, |r| r.find('/').map_or("", |i| &r[i..]));
            let last = path.rsplit('/').next().unwrap_or("");
            let name = percent_decode(last);
            if !name.is_empty() {
                return name;
            }
        }
    }
    "object".to_owned()
}

fn disposition_filename(v: &str) -> Option<String> {
    let params = disposition_params(v);
    let get = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    // Browsers take `filename*` over `filename` (RFC 6266 §4.3), wherever
    // each is; then RFC 2231's continuations, then `filename`.
    if let Some(ext) = get("filename*") {
        return Some(ext_value(ext)).filter(|s| !s.is_empty());
    }
    let mut pieces: Vec<(u32, String)> = params
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix("filename*")?;
            let (n, ext) = match rest.strip_suffix('*') {
                Some(n) => (n, true),
                None => (rest, false),
            };
            let n: u32 = n.parse().ok()?;
            Some((n, if ext { ext_value(v) } else { v.clone() }))
        })
        .collect();
    if !pieces.is_empty() {
        pieces.sort_by_key(|(n, _)| *n);
        let joined: String = pieces.into_iter().map(|(_, p)| p).collect();
        return Some(joined).filter(|s| !s.is_empty());
    }
    get("filename").cloned().filter(|s| !s.is_empty())
}

/// An RFC 5987 value (`charset'lang'percent-encoded`), decoded.
fn ext_value(v: &str) -> String {
    let enc = match v.split_once('\'') {
        Some((_, rest)) => rest.split_once('\'').map_or(rest, |(_, e)| e),
        None => v,
    };
    percent_decode(enc)
}

/// The parameters of a `Content-Disposition` value, keys lowercased, in
/// order: a quoted value is read to its closing quote (a `;` inside it is
/// part of it, `\` escapes), and a parameter without `=` is passed over.
fn disposition_params(v: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = v.chars().peekable();
    // The disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    while chars.peek().is_some() {
        let mut key = String::new();
        let mut has_value = false;
        while let Some(&c) = chars.peek() {
            chars.next();
            match c {
                ';' => break,
                '=' => {
                    has_value = true;
                    break;
                }
                c => key.push(c),
            }
        }
        if !has_value {
            continue;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
            // To the next parameter.
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
                value.push(c);
            }
            value = value.trim_end().to_owned();
        }
        if out.len() < 64 {
            out.push((key.trim().to_ascii_lowercase(), value));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(h) = b.get(i + 1..i + 3)
            && let Ok(h) = std::str::from_utf8(h)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A chunked body, fed whatever the socket gave, in any cuts.
#[derive(Debug, Default)]
pub struct Chunked {
    state: CState,
    line: Vec<u8>,
}

#[derive(Debug, Default, Clone, Copy)]
enum CState {
    #[default]
    Size,
    Data(u64),
    DataEnd,
    Trailer(bool),
    Done(bool),
}

/// What [`Chunked::step`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Chunk<'a> {
    /// Everything given was taken: read more.
    Need,
    /// Bytes of the body.
    Data(&'a [u8]),
    /// The last chunk and its trailer: `ieof` says the preview held the
    /// whole body. Bytes after it are not taken.
    End {
        /// `0; ieof`.
        ieof: bool,
    },
}

/// A chunked body that does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadChunk;

impl Chunked {
    /// A decoder at the start of a body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the decoder ready for the body's next part (after a preview
    /// and `100 Continue`).
    pub fn restart(&mut self) {
        *self = Self::default();
    }

    /// Takes bytes from the front of `input`: how many it took and what
    /// they were. Call again with the rest until it says [`Chunk::Need`].
    pub fn step<'a>(&mut self, input: &'a [u8]) -> Result<(usize, Chunk<'a>), BadChunk> {
        let mut at = 0;
        loop {
            match self.state {
                CState::Done(ieof) => return Ok((at, Chunk::End { ieof })),
                CState::Data(left) => {
                    let avail = (input.len() - at) as u64;
                    if avail == 0 {
                        return Ok((at, Chunk::Need));
                    }
                    let take = left.min(avail) as usize;
                    let rest = left - take as u64;
                    self.state = if rest == 0 {
                        CState::DataEnd
                    } else {
                        CState::Data(rest)
                    };
                    return Ok((at + take, Chunk::Data(&input[at..at + take])));
                }
                CState::Size | CState::DataEnd | CState::Trailer(_) => {
                    let Some(n) = self.take_line(&input[at..])? else {
                        return Ok((input.len(), Chunk::Need));
                    };
                    at += n;
                    let line = std::mem::take(&mut self.line);
                    self.state = self.after_line(&line)?;
                }
            }
        }
    }

    /// Adds bytes up to a `\n` to the line: how many it took, or `None`
    /// when the line goes on past `input`.
    fn take_line(&mut self, input: &[u8]) -> Result<Option<usize>, BadChunk> {
        let (part, done) = match memchr::memchr(b'\n', input) {
            Some(i) => (&input[..=i], true),
            None => (input, false),
        };
        if self.line.len() + part.len() > MAX_CHUNK_LINE {
            return Err(BadChunk);
        }
        self.line.extend_from_slice(part);
        Ok(done.then_some(part.len()))
    }

    fn after_line(&self, line: &[u8]) -> Result<CState, BadChunk> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match self.state {
            CState::DataEnd if line.is_empty() => Ok(CState::Size),
            CState::DataEnd => Err(BadChunk),
            CState::Trailer(ieof) if line.is_empty() => Ok(CState::Done(ieof)),
            CState::Trailer(ieof) => Ok(CState::Trailer(ieof)),
            _ => {
                let text = std::str::from_utf8(line).map_err(|_| BadChunk)?;
                let (size, ext) = text.split_once(';').unwrap_or((text, ""));
                let size = size.trim();
                if size.is_empty() || size.len() > 15 {
                    return Err(BadChunk);
                }
                let n = u64::from_str_radix(size, 16).map_err(|_| BadChunk)?;
                if n == 0 {
                    let ieof = ext.split(';').any(|e| e.trim() == "ieof");
                    Ok(CState::Trailer(ieof))
                } else {
                    Ok(CState::Data(n))
                }
            }
        }
    }
}

/// What an `OPTIONS` response says.
#[derive(Debug, Clone)]
pub struct ServiceInfo<'a> {
    /// `ISTag`, unquoted: changes when the rules change.
    pub istag: &'a str,
    /// `Preview`: how many bytes to send before waiting.
    pub preview: u64,
    /// `Max-Connections`.
    pub max_connections: usize,
    /// `Options-TTL`, seconds.
    pub ttl: u64,
    /// `Date`, an HTTP date.
    pub date: &'a str,
}

fn reason(code: u16) -> &'static str {
    match code {
        100 => "Continue",
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "ICAP Service Not Found",
        405 => "Method Not Allowed For Service",
        408 => "Request Timeout",
        500 => "Server Error",
        501 => "Method Not Implemented",
        503 => "Service Overloaded",
        505 => "ICAP Version Not Supported",
        _ => "Error",
    }
}

const SERVER: &str = concat!("xferscan/", env!("CARGO_PKG_VERSION"));

/// The `OPTIONS` response of the service (RFC 3507 §4.10.2, with what
/// Squid reads).
pub fn options_response(s: &ServiceInfo<'_>) -> Vec<u8> {
    format!(
        "ICAP/1.0 200 OK\r\n\
         Methods: RESPMOD, REQMOD\r\n\
         Service: {SERVER}\r\n\
         Server: {SERVER}\r\n\
         ISTag: \"{}\"\r\n\
         Max-Connections: {}\r\n\
         Options-TTL: {}\r\n\
         Date: {}\r\n\
         Allow: 204\r\n\
         Preview: {}\r\n\
         Transfer-Preview: *\r\n\
         Encapsulated: null-body=0\r\n\
         \r\n",
        s.istag, s.max_connections, s.ttl, s.date, s.preview
    )
    .into_bytes()
}

/// A response without a body: `204` (clean and unmodified) or an error;
/// `close` adds `Connection: close`.
pub fn status_response(code: u16, istag: &str, close: bool) -> Vec<u8> {
    let mut s = format!(
        "ICAP/1.0 {code} {}\r\nServer: {SERVER}\r\nISTag: \"{istag}\"\r\n",
        reason(code)
    );
    if close {
        s.push_str("Connection: close\r\n");
    }
    s.push_str("Encapsulated: null-body=0\r\n\r\n");
    s.into_bytes()
}

/// A clean message echoed back whole, for a client that does not allow
/// `204`: the HTTP headers as sent (request headers for REQMOD, response
/// headers for RESPMOD) and the body, chunked.
pub fn echo_response(istag: &str, reqmod: bool, hdrs: &[u8], body: Option<&[u8]>) -> Vec<u8> {
    let (h, b) = if reqmod {
        ("req-hdr", "req-body")
    } else {
        ("res-hdr", "res-body")
    };
    let encapsulated = match body {
        Some(_) => format!("{h}=0, {b}={}", hdrs.len()),
        None => format!("{h}=0, null-body={}", hdrs.len()),
    };
    let mut out = format!(
        "ICAP/1.0 200 OK\r\nServer: {SERVER}\r\nISTag: \"{istag}\"\r\nEncapsulated: {encapsulated}\r\n\r\n"
    )
    .into_bytes();
    out.extend_from_slice(hdrs);
    if let Some(body) = body {
        if !body.is_empty() {
            out.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"0\r\n\r\n");
    }
    out
}

/// A blocked message: `200` with an HTTP `403` block page in place of the
/// message, and the threat's name in `X-Infection-Found` and `X-Virus-ID`
/// (the headers Nextcloud, squidclamav and c-icap use). `threat` has no
/// `;` (see `clamd::finding_name`).
pub fn block_response(istag: &str, threat: &str, object: &str) -> Vec<u8> {
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>Blocked</title></head><body>\n\
         <h1>This file was blocked</h1>\n<p>{} was not delivered: {}.</p>\n\
         <p>Checked by {SERVER}.</p>\n</body></html>\n",
        html_escape(object),
        html_escape(threat)
    );
    let http = format!(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nX-Virus-ID: {threat}\r\n\r\n",
        page.len()
    );
    let mut out = format!(
        "ICAP/1.0 200 OK\r\nServer: {SERVER}\r\nISTag: \"{istag}\"\r\n\
         X-Infection-Found: Type=0; Resolution=2; Threat={threat};\r\n\
         X-Virus-ID: {threat}\r\n\
         Encapsulated: res-hdr=0, res-body={}\r\n\r\n",
        http.len()
    )
    .into_bytes();
    out.extend_from_slice(http.as_bytes());
    out.extend_from_slice(format!("{:x}\r\n", page.len()).as_bytes());
    out.extend_from_slice(page.as_bytes());
    out.extend_from_slice(b"\r\n0\r\n\r\n");
    out
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_codings_in_the_order_applied() {
        let h = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                  Content-Encoding: gzip, br\r\nContent-Length: 10\r\n\r\n";
        assert_eq!(content_codings(h), Ok(vec![Coding::Gzip, Coding::Brotli]));
        let h = b"HTTP/1.1 200 OK\r\ncontent-encoding: X-Gzip\r\n\
                  Content-Encoding: identity , deflate\r\n\r\n";
        assert_eq!(content_codings(h), Ok(vec![Coding::Gzip, Coding::Deflate]));
        assert_eq!(content_codings(b"HTTP/1.1 200 OK\r\n\r\n"), Ok(vec![]));
        assert_eq!(
            content_codings(b"HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\n\r\n"),
            Err("compress".into())
        );
        // curl and urllib3 undo five; more than eight is no server's.
        let five = b"HTTP/1.1 200 OK\r\nContent-Encoding: br, br, br, br, br\r\n\r\n";
        assert_eq!(content_codings(five).map(|c| c.len()), Ok(5));
        let many =
            b"HTTP/1.1 200 OK\r\nContent-Encoding: br, br, br, br, br, br, br, br, br\r\n\r\n";
        assert!(content_codings(many).is_err());
    }

    #[test]
    fn form_boundaries_of_uploads() {
        // curl 7.88 `-F file=@notes.gz`, and a browser's.
        let curl = b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: curl/7.88.1\r\n\
                     Accept: */*\r\nContent-Length: 291\r\nContent-Type: multipart/form-data; \
                     boundary=------------------------e0c4f3bd2b58b9a8\r\n\r\n";
        assert_eq!(
            form_boundary(curl).as_deref(),
            Some("------------------------e0c4f3bd2b58b9a8")
        );
        let browser = b"POST /u HTTP/1.1\r\ncontent-type: Multipart/Form-Data; \
                        boundary=\"----WebKitFormBoundaryx7Yq\"; charset=utf-8\r\n\r\n";
        assert_eq!(
            form_boundary(browser).as_deref(),
            Some("----WebKitFormBoundaryx7Yq")
        );
        let head = form_head("----WebKitFormBoundaryx7Yq");
        assert!(head.ends_with(b"boundary=\"----WebKitFormBoundaryx7Yq\"\r\n\r\n"));
        // Not a form, no boundary, or one a header cannot quote.
        for h in [
            &b"POST / HTTP/1.1\r\nContent-Type: application/octet-stream\r\n\r\n"[..],
            b"POST / HTTP/1.1\r\nContent-Type: multipart/form-data\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=\"\"\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=a\"b\r\n\r\n",
            b"POST / HTTP/1.1\r\nX-Note: Content-Type: multipart/form-data; boundary=x\r\n\r\n",
        ] {
            assert_eq!(form_boundary(h), None, "{}", String::from_utf8_lossy(h));
        }
    }

    /// A RESPMOD as c-icap-client 0.5.10 sends it with `-resp` (the offsets
    /// are computed as it computes them).
    fn respmod(preview: Option<usize>, body: &[u8], allow204: bool) -> Vec<u8> {
        let req = b"GET /files/report.pdf HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".to_vec();
        let res = format!(
            "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let mut head = format!(
            "RESPMOD icap://127.0.0.1:1344/xferscan ICAP/1.0\r\nHost: 127.0.0.1:1344\r\nUser-Agent: C-ICAP-Client-Library/0.5.10\r\nEncapsulated: req-hdr=0, res-hdr={}, res-body={}\r\n",
            req.len(),
            req.len() + res.len()
        );
        if let Some(p) = preview {
            head.push_str(&format!("Preview: {p}\r\n"));
        }
        if allow204 {
            head.push_str("Allow: 204\r\n");
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend(req);
        out.extend(res.as_bytes());
        let shown = preview.map_or(body.len(), |p| p.min(body.len()));
        if shown > 0 {
            out.extend(format!("{shown:x}\r\n").as_bytes());
            out.extend(&body[..shown]);
            out.extend(b"\r\n");
        }
        if preview.is_some() && shown == body.len() {
            out.extend(b"0; ieof\r\n\r\n");
        } else {
            out.extend(b"0\r\n\r\n");
        }
        out
    }

    fn decode_all(wire: &[u8], cut: usize) -> (Vec<u8>, Option<bool>, usize) {
        let mut d = Chunked::new();
        let mut out = Vec::new();
        let mut pending = Vec::new();
        let mut used = 0;
        for piece in wire.chunks(cut) {
            pending.extend_from_slice(piece);
            loop {
                let (n, c) = d.step(&pending).unwrap();
                let end = match c {
                    Chunk::Need => None,
                    Chunk::Data(b) => {
                        out.extend_from_slice(b);
                        pending.drain(..n);
                        used += n;
                        continue;
                    }
                    Chunk::End { ieof } => Some(ieof),
                };
                pending.drain(..n);
                used += n;
                if end.is_some() {
                    return (out, end, used);
                }
                break;
            }
        }
        (out, None, used)
    }

    #[test]
    fn a_c_icap_client_respmod_parses() {
        let wire = respmod(Some(1024), b"hello world", true);
        let end = head_end(&wire).unwrap();
        let r = parse_request(&wire[..end]).unwrap();
        assert_eq!(r.method, Method::Respmod);
        assert_eq!(r.service, "xferscan");
        assert!(r.allows_204());
        assert_eq!(r.preview(), Some(1024));
        let e = parse_encapsulated(r.header("encapsulated").unwrap()).unwrap();
        assert_eq!(e.body, Body::Res);
        let hdrs = &wire[end..end + e.body_at];
        assert!(
            e.req_hdr(hdrs)
                .unwrap()
                .starts_with(b"GET /files/report.pdf")
        );
        assert!(e.res_hdr(hdrs).unwrap().starts_with(b"HTTP/1.0 200 OK"));
        assert_eq!(object_name(e.req_hdr(hdrs), e.res_hdr(hdrs)), "report.pdf");
        for cut in [1, 2, 7, 1000] {
            let (body, ieof, used) = decode_all(&wire[end + e.body_at..], cut);
            assert_eq!(body, b"hello world");
            assert_eq!(ieof, Some(true));
            assert_eq!(used, wire.len() - end - e.body_at);
        }
    }

    #[test]
    fn a_preview_without_ieof_then_the_rest() {
        let body = vec![b'x'; 3000];
        let wire = respmod(Some(1024), &body, true);
        let end = head_end(&wire).unwrap();
        let r = parse_request(&wire[..end]).unwrap();
        let e = parse_encapsulated(r.header("encapsulated").unwrap()).unwrap();
        let (got, ieof, _) = decode_all(&wire[end + e.body_at..], 5);
        assert_eq!((got.len(), ieof), (1024, Some(false)));
        // After 100 Continue: the rest, with a chunk extension and a
        // trailer.
        let mut rest = b"7d0; name=x\r\n".to_vec();
        rest.extend(vec![b'x'; 2000]);
        rest.extend(b"\r\n0\r\nA: b\r\n\r\n");
        let (got, ieof, _) = decode_all(&rest, 3);
        assert_eq!((got.len(), ieof), (2000, Some(false)));
    }

    #[test]
    fn bad_chunks_are_refused() {
        for bad in [
            &b"zz\r\n"[..],
            b"ffffffffffffffffff\r\n",
            b"3\r\nabcX\r\n",
            b"-1\r\n",
        ] {
            let mut d = Chunked::new();
            let mut r = Ok((0, Chunk::Need));
            let mut at = 0;
            for _ in 0..10 {
                r = d.step(&bad[at..]);
                match r {
                    Ok((n, Chunk::Data(_))) => at += n,
                    _ => break,
                }
            }
            assert_eq!(r, Err(BadChunk), "{:?}", String::from_utf8_lossy(bad));
        }
        let mut d = Chunked::new();
        assert_eq!(d.step(&vec![b'1'; 5000]), Err(BadChunk));
    }

    #[test]
    fn squid_reqmod_and_options_parse() {
        let head = b"OPTIONS icap://127.0.0.1:1344/xferscan ICAP/1.0\r\nHost: 127.0.0.1:1344\r\nAllow: 206\r\n\r\n";
        let r = parse_request(head).unwrap();
        assert_eq!(r.method, Method::Options);
        assert!(!r.allows_204());
        let head = b"REQMOD icap://127.0.0.1:1344/xferscan ICAP/1.0\r\nHost: 127.0.0.1:1344\r\nDate: Sun, 29 Nov 2026 11:00:00 GMT\r\nEncapsulated: req-hdr=0, req-body=81\r\nPreview: 0\r\nAllow: 204, trailers\r\nX-Client-IP: 127.0.0.1\r\n\r\n";
        let r = parse_request(head).unwrap();
        assert_eq!(r.method, Method::Reqmod);
        assert!(r.allows_204());
        assert_eq!(r.preview(), Some(0));
        let e = parse_encapsulated(r.header("Encapsulated").unwrap()).unwrap();
        assert_eq!((e.req_hdr, e.body, e.body_at), (Some(0), Body::Req, 81));
        let req =
            b"PUT http://cloud.example/remote.php/dav/files/u/inv%20oice.pdf.exe HTTP/1.1\r\n\r\n";
        assert_eq!(object_name(Some(req), None), "inv oice.pdf.exe");
        let res = b"HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"a.scr\"\r\n\r\n";
        assert_eq!(object_name(Some(req), Some(res)), "a.scr");
    }

    /// The name a browser saves under, however the field is written.
    #[test]
    fn disposition_names_as_browsers_read_them() {
        for (v, want) in [
            (
                "attachment; filename=\"a.txt\"; filename*=UTF-8''a.js",
                "a.js",
            ),
            (
                "attachment; filename*=UTF-8''a.js; filename=\"a.txt\"",
                "a.js",
            ),
            ("attachment; foo; filename=\"a.js\"", "a.js"),
            ("attachment; filename=\"a;b.js\"", "a;b.js"),
            ("attachment; filename=\"a\\\"b.js\"", "a\"b.js"),
            (
                "attachment; filename*0=\"inv\"; filename*1=\"oice.js\"",
                "invoice.js",
            ),
            (
                "attachment; filename*0*=UTF-8''inv%6F; filename*1=\"ice.js\"",
                "invoice.js",
            ),
            ("attachment; filename=plain.exe", "plain.exe"),
            ("inline", ""),
        ] {
            assert_eq!(disposition_filename(v).unwrap_or_default(), want, "{v}");
        }
    }

    #[test]
    fn malformed_heads_get_their_status() {
        assert_eq!(parse_request(b"garbage\r\n\r\n"), Err(400));
        assert_eq!(
            parse_request(b"OPTIONS icap://h/x ICAP/2.0\r\n\r\n"),
            Err(505)
        );
        assert_eq!(parse_request(b"GET / HTTP/1.1\r\n\r\n"), Err(400));
        assert_eq!(
            parse_request(b"OPTIONS icap://h/x ICAP/1.0\r\nno colon\r\n\r\n"),
            Err(400)
        );
        let r = parse_request(b"PUT icap://h/x ICAP/1.0\r\n\r\n").unwrap();
        assert_eq!(r.method, Method::Other("PUT".into()));
        assert!(parse_encapsulated("res-hdr=5, res-body=10").is_none());
        assert!(parse_encapsulated("res-hdr=0, res-body=10, null-body=3").is_none());
        assert!(parse_encapsulated("res-body=0, res-hdr=0").is_none());
        assert!(parse_encapsulated("res-hdr=0").is_none());
        assert!(parse_encapsulated("req-hdr=0, res-body=99999999").is_none());
    }

    #[test]
    fn responses_carry_what_clients_read() {
        let o = options_response(&ServiceInfo {
            istag: "xferscan-0123",
            preview: 1024,
            max_connections: 100,
            ttl: 3600,
            date: "Sun, 29 Nov 2026 11:00:00 GMT",
        });
        let o = String::from_utf8(o).unwrap();
        assert!(o.starts_with("ICAP/1.0 200 OK\r\n"));
        for h in [
            "Methods: RESPMOD, REQMOD\r\n",
            "ISTag: \"xferscan-0123\"\r\n",
            "Allow: 204\r\n",
            "Preview: 1024\r\n",
            "Transfer-Preview: *\r\n",
            "Options-TTL: 3600\r\n",
            "Encapsulated: null-body=0\r\n\r\n",
        ] {
            assert!(o.contains(h), "{h}");
        }
        let b = String::from_utf8(block_response("t", "EICAR_Test_File", "<a>.zip")).unwrap();
        assert!(b.contains("X-Infection-Found: Type=0; Resolution=2; Threat=EICAR_Test_File;\r\n"));
        assert!(b.contains("X-Virus-ID: EICAR_Test_File\r\n"));
        assert!(b.contains("&lt;a&gt;.zip"));
        // The Encapsulated offset is the length of the HTTP headers.
        let end = head_end(b.as_bytes()).unwrap();
        let r = b[end..].to_owned();
        let http_end = head_end(r.as_bytes()).unwrap();
        assert!(b.contains(&format!("res-body={http_end}\r\n")));
        assert!(r.starts_with("HTTP/1.1 403 Forbidden\r\n"));
        assert!(r.ends_with("\r\n0\r\n\r\n"));
        let (page, ieof, _) = decode_all(&r.as_bytes()[http_end..], 9);
        assert_eq!(ieof, Some(false));
        assert!(String::from_utf8(page).unwrap().contains("</html>"));
        let n = String::from_utf8(status_response(204, "t", false)).unwrap();
        assert_eq!(
            n,
            format!(
                "ICAP/1.0 204 No Content\r\nServer: {SERVER}\r\nISTag: \"t\"\r\nEncapsulated: null-body=0\r\n\r\n"
            )
        );
        let e = echo_response("t", false, b"HTTP/1.0 200 OK\r\n\r\n", Some(b"abc"));
        let e = String::from_utf8(e).unwrap();
        assert!(e.contains("Encapsulated: res-hdr=0, res-body=19\r\n"));
        assert!(e.ends_with("HTTP/1.0 200 OK\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
    }
}

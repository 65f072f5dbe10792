//! A tolerant reader of PDF syntax: objects, the cross-reference tables and
//! trailers, and the header of an object stream. Pure: it never decodes a
//! stream (the unpacker does, through the budget) and never allocates from a
//! declared count.
//!
//! Written here rather than taken from `lopdf` or `pdf`: those refuse or
//! panic on the malformed files attackers send, load the whole document
//! into memory as objects, and read one version of it. Attackers rely on
//! readers disagreeing, so the unpacker reads every object a linear scan
//! finds (`N G obj` ... `endobj`, incremental updates included) as well as
//! what the cross-reference tables point at, and this reader is built for
//! that: it parses one object at a given offset, on demand, and gives up
//! gracefully on junk.

use std::ops::Range;

/// Deepest nesting of arrays and dictionaries parsed; deeper values are
/// cut (and the object marked as cut).
const MAX_NESTING: u32 = 64;

/// Most values one object may hold (all nesting levels together): the
/// memory of a parsed object is bounded by this, not by its size on disk.
const MAX_NODES: usize = 200_000;

/// A PDF value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Obj {
    Null,
    Bool(bool),
    Int(i64),
    Real,
    /// A string, escapes and hex decoded.
    Str(Vec<u8>),
    /// A name, `#xx` escapes decoded (`/J#61vaScript` is `JavaScript`).
    Name(Vec<u8>),
    Array(Vec<Obj>),
    Dict(Dict),
    /// An indirect reference: object number and generation.
    Ref(u32, u32),
    /// A stream: its dictionary and where its raw data lies in the buffer
    /// the object was read from.
    Stream(Dict, Range<usize>),
}

/// A dictionary, in the order of the file; a key may repeat (readers
/// differ on which one wins, so callers look at all of them).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Dict(pub Vec<(Vec<u8>, Obj)>);

impl Dict {
    /// The first value under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&Obj> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every value under `key`.
    pub fn all<'a>(&'a self, key: &'a [u8]) -> impl Iterator<Item = &'a Obj> + 'a {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v)
    }

    /// True when some value under `key` is the name `name`.
    pub fn has_name(&self, key: &[u8], name: &[u8]) -> bool {
        self.all(key).any(|v| v.is_name(name))
    }

    /// The dictionary as qpdf, MuPDF and poppler read it where a key is
    /// given twice: the last value wins (this reader's [`Dict::get`], like
    /// pypdf, takes the first). `None` when no key repeats.
    pub fn last_wins(&self) -> Option<Dict> {
        let repeats = |i: usize| self.0[i + 1..].iter().any(|(k, _)| *k == self.0[i].0);
        if !(0..self.0.len()).any(repeats) {
            return None;
        }
        Some(Dict(
            (0..self.0.len())
                .filter(|&i| !repeats(i))
                .map(|i| self.0[i].clone())
                .collect(),
        ))
    }

    /// The first integer under `key`.
    pub fn int(&self, key: &[u8]) -> Option<i64> {
        self.all(key).find_map(|v| match v {
            Obj::Int(i) => Some(*i),
            _ => None,
        })
    }
}

impl Obj {
    /// True when this is the name `n`.
    pub fn is_name(&self, n: &[u8]) -> bool {
        matches!(self, Obj::Name(x) if x == n)
    }

    /// The dictionary of a dictionary or of a stream.
    pub fn dict(&self) -> Option<&Dict> {
        match self {
            Obj::Dict(d) | Obj::Stream(d, _) => Some(d),
            _ => None,
        }
    }
}

/// An indirect object read at some offset.
#[derive(Debug)]
pub(crate) struct Indirect {
    pub num: u32,
    pub generation: u32,
    pub obj: Obj,
    /// The object was cut: too deep, too many values, or a stream whose
    /// `/Length` does not end at `endstream`.
    pub defects: Vec<&'static str>,
    /// `endobj` follows its value (or it is a stream): it ended where its
    /// syntax says, not at the end of what was read.
    pub closed: bool,
    /// Where the reading stopped.
    pub end: usize,
}

/// True for PDF white space.
pub(crate) fn is_ws(c: u8) -> bool {
    matches!(c, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delim(c: u8) -> bool {
    matches!(
        c,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(c: u8) -> bool {
    !is_ws(c) && !is_delim(c)
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// A cursor over PDF syntax.
pub(crate) struct Parser<'a> {
    data: &'a [u8],
    pub pos: usize,
    nodes: usize,
    cut: bool,
}

impl<'a> Parser<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        Parser {
            data,
            pos,
            nodes: 0,
            cut: false,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Skips white space and comments.
    pub fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_ws(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// The bare word (keyword or number) at the cursor, without moving:
    /// 64 bytes at most, so that looking at a long run of letters many
    /// times costs no more than once.
    fn word(&self) -> &'a [u8] {
        let rest = &self.data[self.pos.min(self.data.len())..];
        let n = rest.iter().take(64).take_while(|&&c| is_regular(c)).count();
        &rest[..n]
    }

    /// Consumes `kw` when it is the next word.
    pub fn keyword(&mut self, kw: &[u8]) -> bool {
        self.skip_ws();
        if self.word() == kw {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }

    /// An unsigned integer word.
    pub fn uint(&mut self) -> Option<u64> {
        self.skip_ws();
        let w = self.word();
        if w.is_empty() || w.len() > 19 || !w.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = std::str::from_utf8(w).ok()?.parse().ok()?;
        self.pos += w.len();
        Some(v)
    }

    /// One value, or `None` at a keyword, a stray delimiter or the end.
    pub fn value(&mut self) -> Option<Obj> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: u32) -> Option<Obj> {
        self.skip_ws();
        self.nodes += 1;
        if self.nodes > MAX_NODES || depth > MAX_NESTING {
            self.cut = true;
            return None;
        }
        let c = self.peek()?;
        match c {
            b'/' => {
                self.pos += 1;
                Some(Obj::Name(self.name()))
            }
            b'(' => {
                self.pos += 1;
                Some(Obj::Str(self.literal()))
            }
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                Some(Obj::Dict(self.dict_body(depth)))
            }
            b'<' => {
                self.pos += 1;
                Some(Obj::Str(self.hex_string()))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        None => break,
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        _ => {}
                    }
                    let before = self.pos;
                    match self.value_at(depth + 1) {
                        Some(v) => items.push(v),
                        None if self.cut => break,
                        None => {
                            // A stray keyword or delimiter: skip it.
                            self.skip_junk(before);
                            if self.stop_word() {
                                break;
                            }
                        }
                    }
                }
                Some(Obj::Array(items))
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number(),
            _ => {
                let w = self.word();
                let v = match w {
                    b"true" => Obj::Bool(true),
                    b"false" => Obj::Bool(false),
                    b"null" => Obj::Null,
                    _ => return None,
                };
                self.pos += w.len();
                Some(v)
            }
        }
    }

    /// True at a keyword that ends an object (a dictionary or array left
    /// open must not swallow the next object).
    fn stop_word(&self) -> bool {
        matches!(
            self.word(),
            b"endobj" | b"stream" | b"endstream" | b"obj" | b"xref" | b"trailer"
        )
    }

    /// At a keyword that [`Parser::stop_word`] stops at inside a
    /// dictionary: true when a key follows it (`/X xref /OpenAction ...`).
    /// qpdf and MuPDF read such a keyword as a bad value and read on, and
    /// no writer puts a key after a keyword that ends an object; the
    /// keyword is passed over and the dictionary read on.
    fn passes_stop_word(&mut self) -> bool {
        let word = self.word().len();
        let mut q = Parser::new(self.data, self.pos + word);
        q.skip_ws();
        if q.peek() == Some(b'/') {
            self.pos += word;
            return true;
        }
        false
    }

    /// Moves past whatever stopped a value at `before`.
    fn skip_junk(&mut self, before: usize) {
        if self.pos == before && !self.stop_word() {
            let w = self.word().len();
            self.pos += w.max(1);
        }
    }

    fn dict_body(&mut self, depth: u32) -> Dict {
        let mut d = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                None => break,
                Some(b'>') => {
                    self.pos += 1;
                    if self.peek() == Some(b'>') {
                        self.pos += 1;
                    }
                    break;
                }
                Some(b'/') => {
                    self.pos += 1;
                    let key = self.name();
                    self.nodes += 1;
                    let before = self.pos;
                    match self.value_at(depth + 1) {
                        Some(v) => d.push((key, v)),
                        None if self.cut => break,
                        None => {
                            d.push((key, Obj::Null));
                            self.skip_junk(before);
                            if self.stop_word() && !self.passes_stop_word() {
                                break;
                            }
                        }
                    }
                }
                Some(_) => {
                    // Not a key: skip a value (or a stray token).
                    let before = self.pos;
                    if self.value_at(depth + 1).is_none() {
                        if self.cut {
                            break;
                        }
                        self.skip_junk(before);
                        if self.stop_word() && !self.passes_stop_word() {
                            break;
                        }
                    }
                }
            }
        }
        Dict(d)
    }

    /// A name after its `/`, `#xx` decoded as readers decode it.
    fn name(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if !is_regular(c) {
                break;
            }
            if c == b'#'
                && let (Some(h), Some(l)) = (
                    self.data.get(self.pos + 1).and_then(|&c| hex(c)),
                    self.data.get(self.pos + 2).and_then(|&c| hex(c)),
                )
            {
                out.push(h << 4 | l);
                self.pos += 3;
                continue;
            }
            out.push(c);
            self.pos += 1;
        }
        out
    }

    /// A literal string after its `(`: balanced parentheses, escapes.
    fn literal(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut depth = 0u32;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    if depth == 0 {
                        break;
                    }
                    depth -= 1;
                    out.push(c);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                b'\r' => {
                    // An end of line in a string reads as `\n`.
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                    out.push(b'\n');
                }
                _ => out.push(c),
            }
        }
        out
    }

    /// A hex string after its `<`: white space skipped, an odd last digit
    /// read as if followed by 0.
    fn hex_string(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut half: Option<u8> = None;
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == b'>' {
                break;
            }
            let Some(v) = hex(c) else { continue };
            match half.take() {
                Some(h) => out.push(h << 4 | v),
                None => half = Some(v),
            }
        }
        if let Some(h) = half {
            out.push(h << 4);
        }
        out
    }

    /// A number, or a reference `N G R`.
    fn number(&mut self) -> Option<Obj> {
        let w = self.word();
        if w.is_empty() {
            // A lone sign or dot followed by a delimiter.
            self.pos += 1;
            return Some(Obj::Int(0));
        }
        self.pos += w.len();
        let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
        if !digits(w) {
            let body = w.strip_prefix(b"-").or(w.strip_prefix(b"+")).unwrap_or(w);
            if digits(body) {
                let v = std::str::from_utf8(w).ok()?.parse::<i64>().ok();
                return Some(v.map_or(Obj::Real, Obj::Int));
            }
            return Some(Obj::Real);
        }
        let n = std::str::from_utf8(w).ok()?.parse::<i64>().ok();
        let Some(n) = n else { return Some(Obj::Real) };
        // `N G R`?
        let save = self.pos;
        if let Ok(num) = u32::try_from(n)
            && let Some(g) = self.uint()
            && self.keyword(b"R")
            && let Ok(g) = u32::try_from(g)
        {
            return Some(Obj::Ref(num, g));
        }
        self.pos = save;
        Some(Obj::Int(n))
    }
}

/// The offsets of every `endstream` keyword of a file, in order: where a
/// stream whose `/Length` is wrong ends is looked up here, never searched
/// for again (a search per stream would make a file of unended streams
/// quadratic). They are searched for when a stream first needs them: a
/// file whose every `/Length` is right (most are) is not read for them.
pub(crate) struct Endstreams<'a> {
    data: &'a [u8],
    found: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> Endstreams<'a> {
    /// The `endstream` keywords of `data`, not searched for yet.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Endstreams {
            data,
            found: std::cell::OnceCell::new(),
        }
    }

    /// Their offsets, in order (searched for on the first call).
    fn offsets(&self) -> &[usize] {
        self.found
            .get_or_init(|| memchr::memmem::find_iter(self.data, b"endstream").collect())
    }
}

/// Reads the indirect object `N G obj ...` that starts at `pos` (white
/// space before it allowed). Its value is read no further than `window`
/// (the next object the linear scan found: so that an unclosed string
/// cannot make every object read to the end of the file); a stream's data
/// is found from `/Length` when `endstream` follows it, else at the next
/// `endstream` (`ends`, the same file's). `length` resolves an indirect
/// `/Length`.
pub(crate) fn object_at(
    data: &[u8],
    pos: usize,
    window: usize,
    ends: &Endstreams<'_>,
    length: &dyn Fn(u32) -> Option<i64>,
) -> Option<Indirect> {
    let window = window.clamp(pos.min(data.len()), data.len());
    let mut p = Parser::new(&data[..window], pos);
    let num = u32::try_from(p.uint()?).ok()?;
    let generation = u32::try_from(p.uint()?).ok()?;
    if !p.keyword(b"obj") {
        return None;
    }
    let mut defects = Vec::new();
    let obj = p.value().unwrap_or(Obj::Null);
    if p.cut {
        defects.push("too deeply nested or too many values");
    }
    let obj = match obj {
        Obj::Dict(d) if p.keyword(b"stream") => {
            // The data starts after the end of line that follows `stream`.
            let mut s = p.pos;
            if data.get(s) == Some(&b'\r') {
                s += 1;
            }
            if data.get(s) == Some(&b'\n') {
                s += 1;
            }
            let declared = match d.get(b"Length") {
                Some(Obj::Int(n)) => Some(*n),
                Some(Obj::Ref(r, _)) => length(*r),
                _ => None,
            };
            let (range, ok) = stream_extent(data, s, declared, ends, window);
            if !ok {
                defects.push("a stream's /Length does not end at endstream");
            }
            let end = range.end;
            return Some(Indirect {
                num,
                generation,
                obj: Obj::Stream(d, range),
                defects,
                closed: true,
                end,
            });
        }
        other => other,
    };
    let closed = p.keyword(b"endobj");
    Some(Indirect {
        num,
        generation,
        obj,
        defects,
        closed,
        end: p.pos,
    })
}

/// Where a stream's data ends: at `/Length` when `endstream` follows it
/// there, else just before the next `endstream` (an end of line before it
/// not counted) or the next object (`window`), whichever comes first, so
/// that streams left open do not each run to the end of the file. The flag
/// is false when the declared length was wrong or missing.
fn stream_extent(
    data: &[u8],
    start: usize,
    declared: Option<i64>,
    ends: &Endstreams<'_>,
    window: usize,
) -> (Range<usize>, bool) {
    let start = start.min(data.len());
    if let Some(len) = declared.and_then(|l| usize::try_from(l).ok())
        && let Some(end) = start.checked_add(len)
        && end <= data.len()
    {
        let mut q = Parser::new(data, end);
        if q.keyword(b"endstream") {
            return (start..end, true);
        }
    }
    let ends = ends.offsets();
    let next = ends.partition_point(|&e| e < start);
    let end = match ends.get(next) {
        Some(&e) => {
            let mut e = e;
            if e > start && data[e - 1] == b'\n' {
                e -= 1;
            }
            if e > start && data[e - 1] == b'\r' {
                e -= 1;
            }
            e
        }
        None => data.len(),
    };
    (start..end.min(window.max(start)), false)
}

/// The offsets where a linear scan finds `N G obj`, in order, stream data
/// included (an object hidden in a stream's bytes is read too: some reader
/// that rebuilds a broken file may find it). `keep_going` is asked before
/// each and may stop the scan (time, object caps).
pub(crate) fn scan_objects(data: &[u8], mut keep_going: impl FnMut(usize) -> bool) -> Vec<usize> {
    let mut found = Vec::new();
    for at in memchr::memmem::find_iter(data, b"obj") {
        // `obj` as a whole word after two integers.
        if data.get(at + 3).is_some_and(|&c| is_regular(c)) {
            continue;
        }
        if at > 0 && is_regular(data[at - 1]) && !data[at - 1].is_ascii_digit() {
            continue;
        }
        let Some(start) = object_start(data, at) else {
            continue;
        };
        if !keep_going(found.len()) {
            break;
        }
        found.push(start);
    }
    found
}

/// Where `N G ` starts before the `obj` at `at`, if it is there. White
/// space runs are looked at for 64 bytes at most.
fn object_start(data: &[u8], at: usize) -> Option<usize> {
    let ws = |mut i: usize| {
        let stop = i.saturating_sub(64);
        while i > stop && is_ws(data[i - 1]) {
            i -= 1;
        }
        i
    };
    let digits = |mut i: usize| {
        let stop = i.saturating_sub(10);
        while i > stop && data[i - 1].is_ascii_digit() {
            i -= 1;
        }
        i
    };
    let g_end = ws(at);
    let g_start = digits(g_end);
    if g_start == g_end {
        return None;
    }
    let n_end = ws(g_start);
    if n_end == g_start {
        return None;
    }
    let n_start = digits(n_end);
    if n_start == n_end || (n_start > 0 && is_regular(data[n_start - 1])) {
        return None;
    }
    Some(n_start)
}

/// The dictionaries after each of the last `max` `trailer` keywords (a
/// file's own trailers are near its end), with their offsets. Only those
/// offsets are kept while searching: a file of nothing but the keyword
/// costs `max` of them, not one for every seven bytes. Each is read up to
/// the next keyword.
pub(crate) fn trailers(data: &[u8], max: usize) -> Vec<(usize, Dict)> {
    if max == 0 {
        return Vec::new();
    }
    let mut last = std::collections::VecDeque::with_capacity(max.min(64));
    for at in memchr::memmem::find_iter(data, b"trailer") {
        if last.len() == max {
            last.pop_front();
        }
        last.push_back(at);
    }
    // Each is read no further than the next: a file of unclosed
    // dictionaries costs its length once, not once per keyword.
    let ends: Vec<usize> = last.iter().skip(1).copied().chain([data.len()]).collect();
    last.iter()
        .zip(ends)
        .filter_map(|(&at, end)| {
            let mut p = Parser::new(&data[..end], at + 7);
            match p.value() {
                Some(Obj::Dict(d)) => Some((at, d)),
                _ => None,
            }
        })
        .collect()
}

/// The offset in the last `startxref` of the file.
pub(crate) fn startxref(data: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"startxref";
    // A writer puts it in the last bytes: the last KiB is searched
    // backwards. A file without one there (none at all, or junk appended)
    // is searched forwards for its last one, which memchr vectorises and
    // its reverse search does not (backwards over 64 KiB, a file without
    // one cost more than its forward search over megabytes).
    let tail = data.len().saturating_sub(1 << 10);
    let at = match memchr::memmem::rfind(&data[tail..], KEY) {
        Some(p) => tail + p,
        // Up to the tail's start, plus what a match starting before it
        // needs.
        None => memchr::memmem::find_iter(&data[..(tail + KEY.len() - 1).min(data.len())], KEY)
            .last()?,
    };
    Parser::new(data, at + KEY.len()).uint()
}

/// One entry of a cross-reference section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum XrefEntry {
    /// Object `num` at `offset` of the file.
    At { num: u32, offset: u64 },
    /// Object `num` is in object stream `stream`.
    InStream { num: u32, stream: u32 },
}

/// A classic cross-reference table (`xref` ... `trailer <<...>>`) at
/// `pos`: its in-use entries and its trailer. Entries are read as long as
/// they parse, never sized from the declared counts.
pub(crate) fn xref_table_at(data: &[u8], pos: usize) -> Option<(Vec<XrefEntry>, Dict)> {
    let mut p = Parser::new(data, pos);
    if !p.keyword(b"xref") {
        return None;
    }
    let mut entries = Vec::new();
    loop {
        let save = p.pos;
        let (Some(first), Some(count)) = (p.uint(), p.uint()) else {
            p.pos = save;
            break;
        };
        for i in 0..count {
            let save = p.pos;
            let (Some(off), Some(_gen)) = (p.uint(), p.uint()) else {
                p.pos = save;
                break;
            };
            p.skip_ws();
            let kind = p.peek();
            p.pos += 1;
            if kind == Some(b'n')
                && let Ok(num) = u32::try_from(first.saturating_add(i))
            {
                entries.push(XrefEntry::At { num, offset: off });
            } else if kind != Some(b'f') {
                p.pos = save;
                break;
            }
        }
    }
    let trailer = if p.keyword(b"trailer") {
        match p.value() {
            Some(Obj::Dict(d)) => d,
            _ => Dict::default(),
        }
    } else {
        Dict::default()
    };
    Some((entries, trailer))
}

/// The entries of a decoded cross-reference stream, by its `/W` and
/// `/Index` (default `[0 /Size]`).
pub(crate) fn xref_stream_entries(dict: &Dict, decoded: &[u8]) -> Vec<XrefEntry> {
    let widths: Vec<usize> = match dict.get(b"W") {
        Some(Obj::Array(a)) => a
            .iter()
            .map(|v| match v {
                Obj::Int(i) => usize::try_from(*i).unwrap_or(0).min(8),
                _ => 0,
            })
            .collect(),
        _ => return Vec::new(),
    };
    if widths.len() < 3 {
        return Vec::new();
    }
    let row: usize = widths.iter().take(3).sum();
    if row == 0 {
        return Vec::new();
    }
    let mut sections: Vec<(u64, u64)> = Vec::new();
    match dict.get(b"Index") {
        Some(Obj::Array(a)) => {
            for pair in a.chunks(2) {
                if let [Obj::Int(s), Obj::Int(c)] = pair {
                    sections.push((
                        u64::try_from(*s).unwrap_or(0),
                        u64::try_from(*c).unwrap_or(0),
                    ));
                }
            }
        }
        _ => sections.push((
            0,
            dict.int(b"Size")
                .and_then(|s| u64::try_from(s).ok())
                .unwrap_or(0),
        )),
    }
    let field = |b: &[u8]| b.iter().fold(0u64, |a, &c| a << 8 | u64::from(c));
    let mut rows = decoded.chunks_exact(row);
    let mut out = Vec::new();
    'outer: for (first, count) in sections {
        for i in 0..count {
            let Some(r) = rows.next() else { break 'outer };
            let (a, rest) = r.split_at(widths[0]);
            let (b, c) = rest.split_at(widths[1]);
            let kind = if widths[0] == 0 { 1 } else { field(a) };
            let Ok(num) = u32::try_from(first.saturating_add(i)) else {
                break 'outer;
            };
            let _ = c;
            match kind {
                1 => out.push(XrefEntry::At {
                    num,
                    offset: field(b),
                }),
                2 => {
                    if let Ok(stream) = u32::try_from(field(b)) {
                        out.push(XrefEntry::InStream { num, stream });
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The objects of a decoded object stream: its header of `num offset`
/// pairs (read as long as it parses, never sized from `/N`), each as its
/// number, where it starts (`/First` + its offset) and how far it may be
/// read (the next object's start: offsets that repeat or an unclosed string
/// cannot make the reading quadratic). Read each with [`value_in`].
pub(crate) fn object_stream(decoded: &[u8], first: usize, max: usize) -> Vec<(u32, usize, usize)> {
    let mut header = Parser::new(&decoded[..first.min(decoded.len())], 0);
    let mut pairs = Vec::new();
    while pairs.len() < max {
        let (Some(num), Some(off)) = (header.uint(), header.uint()) else {
            break;
        };
        let (Ok(num), Some(at)) = (
            u32::try_from(num),
            usize::try_from(off).ok().and_then(|o| o.checked_add(first)),
        ) else {
            break;
        };
        if at < decoded.len() {
            pairs.push((num, at));
        }
    }
    let mut starts: Vec<usize> = pairs.iter().map(|p| p.1).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut seen = std::collections::HashSet::new();
    pairs
        .into_iter()
        .filter(|p| seen.insert(*p))
        .map(|(num, at)| {
            let next = starts.partition_point(|&s| s <= at);
            (num, at, starts.get(next).copied().unwrap_or(decoded.len()))
        })
        .collect()
}

/// The value at `at`, read no further than `window`.
pub(crate) fn value_in(data: &[u8], at: usize, window: usize) -> Option<Obj> {
    let window = window.clamp(at.min(data.len()), data.len());
    Parser::new(&data[..window], at).value()
}

/// A text string as a reader shows it: UTF-16 with its byte order mark,
/// UTF-8 with its mark, else PDFDocEncoding (read as Latin-1, the same for
/// the printable ASCII of file names).
pub(crate) fn text(s: &[u8]) -> String {
    if let Some(rest) = s.strip_prefix(b"\xfe\xff") {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = s.strip_prefix(b"\xff\xfe") {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = s.strip_prefix(b"\xef\xbb\xbf") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    s.iter().map(|&c| c as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startxref_is_the_last_one_wherever_it_lies() {
        let naive = |d: &[u8]| {
            memchr::memmem::rfind(d, b"startxref").and_then(|at| Parser::new(d, at + 9).uint())
        };
        let tail = 1 << 10;
        for junk in [
            0usize,
            10,
            tail - 12,
            tail - 9,
            tail - 8,
            tail - 1,
            tail,
            tail + 5,
            200_000,
        ] {
            for twice in [false, true] {
                let mut d = b"%PDF-1.4\n".to_vec();
                if twice {
                    d.extend_from_slice(b"startxref\n7\n%%EOF\n");
                }
                d.extend_from_slice(b"startxref\n1234\n%%EOF\n");
                d.extend(std::iter::repeat_n(b'x', junk));
                assert_eq!(startxref(&d), Some(1234), "junk {junk}, twice {twice}");
                assert_eq!(startxref(&d), naive(&d));
            }
        }
        // The keyword across the tail's first byte, at every cut.
        for cut in 0..9 {
            let mut e = vec![b'y'; tail + 100];
            let at = e.len() - tail - cut;
            e[at..at + 12].copy_from_slice(b"startxref 9\n");
            assert_eq!(startxref(&e), Some(9), "cut {cut}");
        }
        assert_eq!(startxref(b"no keyword here"), None);
        assert_eq!(startxref(b""), None);
    }

    fn val(s: &[u8]) -> Obj {
        Parser::new(s, 0).value().unwrap()
    }

    #[test]
    fn names_strings_and_references() {
        assert_eq!(val(b"/J#61vaScript"), Obj::Name(b"JavaScript".to_vec()));
        assert_eq!(val(b"(a\\(b\\)c\\101\\\nd)"), Obj::Str(b"a(b)cAd".to_vec()));
        assert_eq!(val(b"(x(y)z)"), Obj::Str(b"x(y)z".to_vec()));
        assert_eq!(val(b"<41 42 4>"), Obj::Str(b"AB@".to_vec()));
        assert_eq!(val(b"12 0 R"), Obj::Ref(12, 0));
        assert_eq!(
            val(b"[1 2 R 3]"),
            Obj::Array(vec![Obj::Ref(1, 2), Obj::Int(3)])
        );
        let d = val(b"<</S/JavaScript/JS(app.alert\\(1\\))>>");
        let d = d.dict().unwrap();
        assert!(d.has_name(b"S", b"JavaScript"));
        assert_eq!(d.get(b"JS"), Some(&Obj::Str(b"app.alert(1)".to_vec())));
    }

    #[test]
    fn junk_does_not_stop_the_reader() {
        let d = val(b"<< /A 1 garbage /B (x) 7 /C >>");
        let d = d.dict().unwrap();
        assert_eq!(d.int(b"A"), Some(1));
        assert_eq!(d.get(b"B"), Some(&Obj::Str(b"x".to_vec())));
        // Deep nesting is cut, not a stack overflow.
        let deep = vec![b'['; 100_000];
        let mut p = Parser::new(&deep, 0);
        let _ = p.value();
    }

    #[test]
    fn objects_streams_and_a_wrong_length() {
        let f = b"%PDF-1.7\n1 0 obj\n<</Length 5>>stream\nhello\nendstream\nendobj\n\
                  2 0 obj<</Length 99>>stream\r\nabc\r\nendstream endobj 3 0 obj 7 endobj";
        let offs = scan_objects(f, |_| true);
        assert_eq!(offs.len(), 3);
        let o = object_at(f, offs[0], f.len(), &Endstreams::new(f), &|_| None).unwrap();
        assert!(matches!(&o.obj, Obj::Stream(_, r) if &f[r.clone()] == b"hello"));
        assert!(o.defects.is_empty());
        let o = object_at(f, offs[1], f.len(), &Endstreams::new(f), &|_| None).unwrap();
        assert!(matches!(&o.obj, Obj::Stream(_, r) if &f[r.clone()] == b"abc"));
        assert_eq!(o.defects.len(), 1);
        let o = object_at(f, offs[2], f.len(), &Endstreams::new(f), &|_| None).unwrap();
        assert_eq!((o.num, o.obj), (3, Obj::Int(7)));
    }

    #[test]
    fn only_the_last_trailers_are_read() {
        let mut f = Vec::new();
        for i in 0..10 {
            f.extend_from_slice(format!("trailer <</Size {i}>>\n").as_bytes());
        }
        // A keyword without a dictionary after it counts among the last.
        f.extend_from_slice(b"trailer 5");
        let sizes = |max| -> Vec<_> {
            trailers(&f, max)
                .iter()
                .filter_map(|(_, d)| d.int(b"Size"))
                .collect()
        };
        assert_eq!(sizes(3), [8, 9]);
        assert_eq!(sizes(64), (0..10).collect::<Vec<_>>());
        assert!(trailers(&f, 0).is_empty());
        // An unclosed dictionary is read up to the next keyword: it does
        // not take the next trailer's keys (nor read the file to its end
        // once per keyword).
        let f = b"trailer <</Root 1 0 R /Size 3 /ID [1 2 trailer <</Info 4 0 R>>";
        let t = trailers(f, 64);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].1.int(b"Size"), Some(3));
        assert!(t[0].1.get(b"Info").is_none(), "{:?}", t[0].1);
        assert!(t[1].1.get(b"Info").is_some());
    }

    #[test]
    fn xref_tables_and_streams() {
        let f = b"xref\n0 2\n0000000000 65535 f \n0000000017 00000 n \ntrailer<</Size 2/Prev 5>>";
        let (e, t) = xref_table_at(f, 0).unwrap();
        assert_eq!(e, vec![XrefEntry::At { num: 1, offset: 17 }]);
        assert_eq!(t.int(b"Prev"), Some(5));
        let d = match val(b"<</W[1 2 1]/Size 2>>") {
            Obj::Dict(d) => d,
            _ => unreachable!(),
        };
        let e = xref_stream_entries(&d, &[0, 0, 0, 0, 1, 0, 9, 0, 2, 0, 5, 1]);
        assert_eq!(e, vec![XrefEntry::At { num: 1, offset: 9 }]);
    }

    #[test]
    fn object_streams() {
        let s = b"4 0 5 8 <</A 1>> (str)";
        let o = object_stream(s, 8, 100);
        assert_eq!(o.len(), 2);
        assert_eq!(o[1].0, 5);
        assert_eq!(value_in(s, o[1].1, o[1].2), Some(Obj::Str(b"str".to_vec())));
        assert_eq!(
            value_in(s, o[0].1, o[0].2).and_then(|v| v.dict().and_then(|d| d.int(b"A"))),
            Some(1)
        );
    }
}

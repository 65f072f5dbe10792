//! PDF documents: every stream decoded and scanned, embedded files under
//! their names, JavaScript handed to the script rules, and the actions a
//! reader would run recorded as findings.
//!
//! Objects are read every way a reader might find them: a linear scan for
//! `N G obj` (every version of every object, incremental updates and
//! objects no table points at included), what the cross-reference tables
//! and streams point at (a bad entry is a finding), and the objects packed
//! in object streams. Nothing is resolved through one "current" version:
//! where a reference is followed, every version of its target is read.
//! References are followed only where an action is looked for (open
//! actions, `/Next` chains, the JavaScript name tree), with a visited set
//! and a cap on steps, so reference loops end.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use bytes::Bytes;

use super::pdf_filters::{self, Decoded};
use super::{Child, Ctx, Unpacked};
use crate::finding::{FindingKind, PdfFeature};
use crate::format::pdf::{
    self as syntax, Dict, Endstreams, Indirect, Obj, XrefEntry, object_at, object_stream,
    scan_objects, startxref, text, trailers, value_in, xref_stream_entries, xref_table_at,
};
use crate::format::pdfcrypt::{self, Crypt, Method};
use crate::format::xfa;
use crate::limits::LimitKind;
use crate::report::Origin;

/// Most objects read from one file (its own and those packed in object
/// streams): a 100 MB file of tiny objects stops here.
const MAX_OBJECTS: usize = 1_000_000;

/// Most cross-reference sections followed through `/Prev`.
const MAX_SECTIONS: usize = 64;

/// Most references followed when looking for what runs on open.
const MAX_STEPS: usize = 10_000;

/// Findings of one kind recorded per file; more are counted in one.
const MAX_PER_KIND: usize = 32;

/// How much of a script or target a finding quotes.
const QUOTE: usize = 120;

/// A stream dictionary of more keys than this is not checked for keys
/// given twice (the check compares every pair).
const MAX_KEYS_COMPARED: usize = 64;

/// How many of an object's newest versions are tried for the one that a
/// reference resolves to.
const NEWEST_TRIED: usize = 16;

/// Where an object is read.
#[derive(Debug, Clone, Copy)]
enum Loc {
    /// In the file, at an offset, read no further than the window's end.
    File { at: usize, window: usize },
    /// In a decoded object stream (its index in `Reader::packed`).
    Packed {
        stream: usize,
        at: usize,
        window: usize,
    },
}

/// What the reading of one file has gathered.
struct Reader<'a> {
    data: &'a Bytes,
    ends: Endstreams<'a>,
    /// Every place each object number was found.
    index: HashMap<u32, Vec<Loc>>,
    /// Decoded object streams, with their `/First`.
    packed: Vec<(Bytes, usize)>,
    out: Unpacked,
    /// The children made of each stream object, by object number.
    stream_child: HashMap<u32, Vec<usize>>,
    /// Object numbers of embedded file streams, with their names.
    embedded: HashMap<u32, String>,
    /// Object numbers that `/JS` points at.
    js_refs: Vec<u32>,
    /// Values that run when the document opens.
    on_open: Vec<Obj>,
    /// References to `/AA` dictionaries, read once all objects are.
    aa_refs: Vec<u32>,
    /// What `/XFA` entries name: the form's packets, or an array of them,
    /// in order.
    xfa_refs: Vec<u32>,
    /// References to `/EF` dictionaries, with their file specification's
    /// name, read once all objects are.
    ef_refs: Vec<(u32, Option<String>)>,
    /// References to Launch and SubmitForm targets (file specifications).
    target_refs: Vec<(PdfFeature, u32)>,
    /// Recorded findings of each kind, and how many more there were.
    found: Vec<(PdfFeature, Vec<String>, usize)>,
    scripts: usize,
    /// The encryption that no password this reader has opens.
    encrypted: Option<String>,
    /// The key of a document encrypted for an empty user password, or for
    /// a candidate one.
    crypt: Option<Crypt>,
    /// The candidate passwords: the scan's, and those a message above
    /// names.
    passwords: &'a [String],
    /// The encryption that a candidate password opened: still reported.
    opened: Option<String>,
    bad_lengths: usize,
    cut_objects: usize,
    children_cut: bool,
    /// The value of each object number that a `/Length` names, read once:
    /// thousands of streams may name one number that thousands of objects
    /// define.
    lengths: std::cell::RefCell<HashMap<u32, Option<i64>>>,
    /// Bytes left for reading objects past the next object's start: twice
    /// the file, and a MiB. A file of objects that each run into the
    /// next would otherwise cost its size once per object.
    wide_left: std::cell::Cell<usize>,
    /// [`Reader::wide_left`] ran out: some objects were read only up to
    /// the next one.
    wide_cut: std::cell::Cell<bool>,
    /// Calls to [`Reader::tick`], and whether the clock has run out (said
    /// once, then every later check is out too).
    ticks: usize,
    out_of_time: bool,
}

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut r = Reader {
        data,
        ends: Endstreams::new(data),
        index: HashMap::new(),
        packed: Vec::new(),
        out: Unpacked::default(),
        stream_child: HashMap::new(),
        embedded: HashMap::new(),
        js_refs: Vec::new(),
        on_open: Vec::new(),
        aa_refs: Vec::new(),
        ef_refs: Vec::new(),
        xfa_refs: Vec::new(),
        target_refs: Vec::new(),
        found: Vec::new(),
        scripts: 0,
        encrypted: None,
        crypt: None,
        passwords: ctx.passwords,
        opened: None,
        bad_lengths: 0,
        cut_objects: 0,
        children_cut: false,
        lengths: Default::default(),
        wide_left: std::cell::Cell::new(data.len().saturating_mul(2).saturating_add(1 << 20)),
        wide_cut: std::cell::Cell::new(false),
        ticks: 0,
        out_of_time: false,
    };
    // Every object the linear scan finds.
    let mut time = Ok(());
    let starts = scan_objects(data, |n| {
        if n.is_multiple_of(1024) {
            time = ctx.budget.check_time();
        }
        n < MAX_OBJECTS && time.is_ok()
    });
    if let Err(limit) = time {
        r.out.findings.push(FindingKind::Limit {
            limit,
            detail: "the PDF's objects were not all found".into(),
        });
    } else if starts.len() >= MAX_OBJECTS {
        r.out.findings.push(FindingKind::Limit {
            limit: LimitKind::Objects,
            detail: format!("the PDF's first {MAX_OBJECTS} objects were read"),
        });
    }
    for (i, &at) in starts.iter().enumerate() {
        let window = starts.get(i + 1).copied().unwrap_or(data.len());
        if let Some(num) = syntax::Parser::new(data, at)
            .uint()
            .and_then(|n| u32::try_from(n).ok())
        {
            r.index
                .entry(num)
                .or_default()
                .push(Loc::File { at, window });
        }
    }
    // What the cross-reference sections point at, and every trailer.
    let extra = r.read_xref(&starts, ctx);
    if !extra.is_empty() {
        // Each object is read up to the next one that either reading found.
        let mut all: Vec<usize> = starts
            .iter()
            .copied()
            .chain(extra.iter().map(|e| e.1))
            .collect();
        all.sort_unstable();
        all.dedup();
        for (num, at) in extra {
            r.index
                .entry(num)
                .or_default()
                .push(Loc::File { at, window: 0 });
        }
        for locs in r.index.values_mut() {
            for l in locs.iter_mut() {
                if let Loc::File { at, window } = l {
                    let next = all.partition_point(|&s| s <= *at);
                    *window = all.get(next).copied().unwrap_or(data.len());
                }
            }
        }
    }
    for (_, t) in trailers(data, 64) {
        r.trailer(&t);
    }
    // Each object of the file, then each packed in an object stream.
    let mut locs: Vec<(u32, usize, usize)> = r
        .index
        .iter()
        .flat_map(|(n, v)| {
            v.iter().filter_map(move |l| match *l {
                Loc::File { at, window } => Some((*n, at, window)),
                Loc::Packed { .. } => None,
            })
        })
        .collect();
    locs.sort_unstable_by_key(|l| l.1);
    for (i, &(num, at, window)) in locs.iter().enumerate() {
        if i.is_multiple_of(256) && r.time_up(ctx) {
            break;
        }
        r.file_object(num, at, window, ctx);
    }
    let mut n = 0usize;
    'streams: for stream in 0..r.packed.len() {
        let (buf, first) = r.packed[stream].clone();
        // Numbers that share an offset share its bytes: each offset is
        // read once, so a header of a million pairs at one large object
        // costs the object once, not a million times.
        let mut read = HashSet::new();
        for (num, at, window) in object_stream(&buf, first, MAX_OBJECTS) {
            n += 1;
            if n > MAX_OBJECTS || (n.is_multiple_of(256) && r.time_up(ctx)) {
                break 'streams;
            }
            r.index
                .entry(num)
                .or_default()
                .push(Loc::Packed { stream, at, window });
            if read.insert(at)
                && let Some(obj) = value_in(&buf, at, window)
            {
                r.inspect(&obj, ctx);
            }
        }
    }
    r.resolve(ctx);
    r.finish()
}

/// The start of a script or target, as a finding quotes it.
fn quote(s: &[u8]) -> String {
    let t = text(s);
    let t = t.trim();
    match t.char_indices().nth(QUOTE) {
        Some((i, _)) => format!("{}...", &t[..i]),
        None => t.to_owned(),
    }
}

/// What the standard security handler reads, from an encryption
/// dictionary and the trailer that points at it.
fn crypt_params(d: &Dict, trailer: &Dict) -> pdfcrypt::Params {
    let string = |o: Option<&Obj>| match o {
        Some(Obj::Str(s)) => s.clone(),
        _ => Vec::new(),
    };
    // The crypt filters `/CF` defines, with a method this reads.
    let cfm = |cf: &Dict| match cf.get(b"CFM") {
        Some(m) if m.is_name(b"V2") => Some(Method::Rc4),
        Some(m) if m.is_name(b"AESV2") => Some(Method::Aes128),
        Some(m) if m.is_name(b"AESV3") => Some(Method::Aes256),
        Some(m) if m.is_name(b"None") => Some(Method::Identity),
        _ => None,
    };
    let filters: Vec<(Vec<u8>, Method)> = match d.get(b"CF") {
        Some(Obj::Dict(cf)) => {
            cf.0.iter()
                .filter_map(|(name, v)| Some((name.clone(), cfm(v.dict()?)?)))
                .collect()
        }
        _ => Vec::new(),
    };
    // A crypt filter's method, by the name `/StmF`, `/StrF` or `/EFF`
    // gives it.
    let method = |key: &[u8]| -> Option<Method> {
        let name = match d.get(key) {
            Some(Obj::Name(n)) => n.clone(),
            _ => return Some(Method::Identity),
        };
        if name == b"Identity" {
            return Some(Method::Identity);
        }
        filters.iter().find(|(n, _)| *n == name).map(|f| f.1)
    };
    let v = d.int(b"V").unwrap_or(0);
    let (streams, strings, files) = if v >= 4 {
        let files = d.get(b"EFF").and_then(|_| method(b"EFF"));
        (method(b"StmF"), method(b"StrF"), files)
    } else {
        (None, None, None)
    };
    let id0 = match trailer.get(b"ID") {
        Some(Obj::Array(a)) => string(a.first()),
        _ => Vec::new(),
    };
    pdfcrypt::Params {
        v,
        r: d.int(b"R").unwrap_or(0),
        length_bits: d.int(b"Length").unwrap_or(40),
        o: string(d.get(b"O")),
        u: string(d.get(b"U")),
        ue: string(d.get(b"UE")),
        p: d.int(b"P").unwrap_or(0),
        id0,
        encrypt_metadata: !matches!(d.get(b"EncryptMetadata"), Some(Obj::Bool(false))),
        streams,
        strings,
        files,
        filters,
    }
}

/// Decrypts every string of a value read from object `num` (its
/// dictionaries' and arrays' too; a stream's data is decrypted apart).
fn decrypt_strings(c: &Crypt, num: u32, generation: u32, v: &mut Obj, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Obj::Str(s) => *s = c.string(num, generation, s),
        Obj::Array(a) => a
            .iter_mut()
            .for_each(|x| decrypt_strings(c, num, generation, x, depth + 1)),
        Obj::Dict(d) | Obj::Stream(d, _) => {
            d.0.iter_mut()
                .for_each(|(_, x)| decrypt_strings(c, num, generation, x, depth + 1))
        }
        _ => {}
    }
}

/// The name a file specification gives its file (`/UF` first, as readers
/// show it).
fn filespec_name(d: &Dict) -> Option<String> {
    [&b"UF"[..], b"F", b"Unix", b"DOS", b"Mac"]
        .iter()
        .find_map(|k| match d.get(k) {
            Some(Obj::Str(s)) if !s.is_empty() => Some(text(s)),
            _ => None,
        })
}

/// True for an action dictionary that runs JavaScript.
fn is_js_action(d: &Dict) -> bool {
    d.has_name(b"S", b"JavaScript") || d.get(b"JS").is_some()
}

impl Reader<'_> {
    fn time_up(&mut self, ctx: &mut Ctx<'_>) -> bool {
        if self.out_of_time {
            return true;
        }
        if let Err(limit) = ctx.budget.check_time() {
            self.out_of_time = true;
            self.out.findings.push(FindingKind::Limit {
                limit,
                detail: "the PDF's objects were not all read".into(),
            });
            return true;
        }
        false
    }

    /// One step of following references, each of which may read an
    /// object of megabytes: the clock is read every 64.
    fn tick(&mut self, ctx: &mut Ctx<'_>) -> bool {
        self.ticks += 1;
        if self.ticks.is_multiple_of(64) {
            self.time_up(ctx)
        } else {
            self.out_of_time
        }
    }

    fn malformed(&mut self, detail: String) {
        self.out.findings.push(FindingKind::Malformed {
            detail: format!("PDF: {detail}"),
        });
    }

    fn record(&mut self, feature: PdfFeature, target: String) {
        match self.found.iter_mut().find(|(f, _, _)| *f == feature) {
            Some((_, list, more)) => {
                if list.len() < MAX_PER_KIND {
                    if !list.contains(&target) {
                        list.push(target);
                    }
                } else {
                    *more += 1;
                }
            }
            None => self.found.push((feature, vec![target], 0)),
        }
    }

    /// Reads the object at `at` of the file, `/Length` resolved through
    /// the objects the scan found. An object that the next object's start
    /// cut before its `endobj` (a `(9 0 obj)` in a string of it looks like
    /// one) is read again past that start, as qpdf and MuPDF read it,
    /// while [`Reader::wide_left`] lasts.
    fn read_at(&self, at: usize, window: usize) -> Option<Indirect> {
        let narrow = self.read_within(at, window)?;
        if narrow.closed || window >= self.data.len() {
            return Some(narrow);
        }
        let left = self.wide_left.get();
        if left == 0 {
            self.wide_cut.set(true);
            return Some(narrow);
        }
        let wide = self.read_within(at, at.saturating_add(left).min(self.data.len()));
        let cost = wide.as_ref().map_or(0, |w| w.end.saturating_sub(at)).max(1);
        self.wide_left.set(left.saturating_sub(cost));
        match wide {
            Some(w) if w.closed && w.num == narrow.num => Some(w),
            _ => Some(narrow),
        }
    }

    /// Reads the object at `at`, no further than `window`.
    fn read_within(&self, at: usize, window: usize) -> Option<Indirect> {
        let length = |num: u32| -> Option<i64> {
            if let Some(&known) = self.lengths.borrow().get(&num) {
                return known;
            }
            let found = self.length_of(num);
            self.lengths.borrow_mut().insert(num, found);
            found
        };
        object_at(self.data, at, window, &self.ends, &length)
    }

    /// The first version of object `num` that is an integer: a `/Length`.
    fn length_of(&self, num: u32) -> Option<i64> {
        self.index.get(&num)?.iter().find_map(|l| match *l {
            Loc::File { at, window } => {
                match object_at(self.data, at, window, &self.ends, &|_| None)?.obj {
                    Obj::Int(i) => Some(i),
                    _ => None,
                }
            }
            Loc::Packed { stream, at, window } => {
                match value_in(&self.packed.get(stream)?.0, at, window)? {
                    Obj::Int(i) => Some(i),
                    _ => None,
                }
            }
        })
    }

    /// The newest version of object `num` that reads, among its last
    /// [`NEWEST_TRIED`]: what a reader resolves a reference to, read in
    /// constant time however many times the number is defined.
    fn newest(&self, num: u32) -> Option<Obj> {
        self.index
            .get(&num)?
            .iter()
            .rev()
            .take(NEWEST_TRIED)
            .find_map(|l| match *l {
                Loc::File { at, window } => self.read_at(at, window).map(|o| self.decrypted(o)),
                Loc::Packed { stream, at, window } => {
                    value_in(&self.packed.get(stream)?.0, at, window)
                }
            })
    }

    /// Every version of object `num`.
    fn versions(&self, num: u32) -> Vec<Obj> {
        let Some(locs) = self.index.get(&num) else {
            return Vec::new();
        };
        locs.iter()
            .filter_map(|l| match *l {
                Loc::File { at, window } => self.read_at(at, window).map(|o| self.decrypted(o)),
                Loc::Packed { stream, at, window } => {
                    value_in(&self.packed.get(stream)?.0, at, window)
                }
            })
            .collect()
    }

    /// Follows `startxref` and each section's `/Prev` (and `/XRefStm`):
    /// an entry that points past the end or at something else than its
    /// object is a finding; an object it points at that the linear scan
    /// did not see is read too.
    fn read_xref(&mut self, starts: &[usize], ctx: &mut Ctx<'_>) -> Vec<(u32, usize)> {
        let data = self.data;
        let mut extra = Vec::new();
        // Without one, every reader rebuilds the table by scanning for
        // objects, as the linear scan did: one reading, nothing to report.
        let Some(first) = startxref(data) else {
            return extra;
        };
        let mut checked = HashSet::new();
        let known: HashSet<usize> = starts.iter().copied().collect();
        let mut todo = vec![first];
        let mut seen = HashSet::new();
        let (mut past_end, mut wrong) = (Vec::new(), Vec::new());
        while let Some(off) = todo.pop() {
            if !seen.insert(off) {
                continue;
            }
            if seen.len() > MAX_SECTIONS {
                self.malformed(format!("more than {MAX_SECTIONS} cross-reference sections"));
                break;
            }
            let pos = usize::try_from(off).unwrap_or(usize::MAX);
            if pos >= data.len() {
                self.malformed(format!(
                    "a cross-reference section at offset {off} lies past the end ({} bytes)",
                    data.len()
                ));
                continue;
            }
            let (entries, trailer) = if let Some(t) = xref_table_at(data, pos) {
                t
            } else if let Some(o) = self.read_at(pos, data.len())
                && let Obj::Stream(d, range) = o.obj
                && d.has_name(b"Type", b"XRef")
            {
                let raw = data.slice(range);
                let dec = pdf_filters::decode(&d, raw, false, ctx.budget);
                let entries = match &dec.data {
                    Some(b) => xref_stream_entries(&d, b),
                    None => Vec::new(),
                };
                (entries, d)
            } else {
                self.malformed(format!(
                    "startxref or /Prev points at offset {off}, where no cross-reference section is"
                ));
                continue;
            };
            self.trailer(&trailer);
            for key in [&b"Prev"[..], b"XRefStm"] {
                if let Some(p) = trailer.int(key).and_then(|p| u64::try_from(p).ok()) {
                    todo.push(p);
                }
            }
            for e in entries {
                let XrefEntry::At { num, offset } = e else {
                    continue;
                };
                let at = usize::try_from(offset).unwrap_or(usize::MAX);
                if at >= data.len() {
                    past_end.push((num, offset));
                    continue;
                }
                if !checked.insert((num, at)) {
                    continue;
                }
                // The header is looked for near the offset only.
                let near = &data[..data.len().min(at.saturating_add(128))];
                let mut p = syntax::Parser::new(near, at);
                let ok =
                    p.uint() == Some(u64::from(num)) && p.uint().is_some() && p.keyword(b"obj");
                if !ok {
                    wrong.push((num, offset));
                } else if !known.contains(&at) {
                    extra.push((num, at));
                }
            }
        }
        if let Some((num, off)) = past_end.first() {
            self.malformed(format!(
                "{} cross-reference entries point past the end of the file (object {num} at {off})",
                past_end.len()
            ));
        }
        if let Some((num, off)) = wrong.first() {
            self.malformed(format!(
                "{} cross-reference entries point at no such object (object {num} at {off})",
                wrong.len()
            ));
        }
        extra
    }

    /// A trailer (or a cross-reference stream's dictionary): an `/Encrypt`
    /// entry makes the document encrypted. The standard handler with an
    /// empty user password (most encrypted PDFs: the owner password only
    /// restricts) is opened, and the document read decrypted.
    fn trailer(&mut self, t: &Dict) {
        if self.encrypted.is_some() || self.crypt.is_some() {
            return;
        }
        let Some(e) = t.get(b"Encrypt").filter(|e| **e != Obj::Null) else {
            return;
        };
        let dicts = match e {
            Obj::Ref(n, _) => self.versions(*n),
            other => vec![other.clone()],
        };
        let method = dicts
            .iter()
            .filter_map(Obj::dict)
            .map(|d| {
                let filter = match d.get(b"Filter") {
                    Some(Obj::Name(n)) => String::from_utf8_lossy(n).into_owned(),
                    _ => "Standard".into(),
                };
                format!("pdf-{filter} V{}", d.int(b"V").unwrap_or(0))
            })
            .next()
            .unwrap_or_else(|| "pdf".into());
        let standard: Vec<pdfcrypt::Params> = dicts
            .iter()
            .filter_map(Obj::dict)
            .filter(|d| d.get(b"Filter").is_none_or(|f| f.is_name(b"Standard")))
            // Each try of revision 6 costs a few hundred hash rounds: an
            // encryption dictionary written many times is tried a few.
            .take(4)
            .map(|d| crypt_params(d, t))
            .collect();
        let open = |pw: &str| standard.iter().find_map(|p| Crypt::open(p, pw.as_bytes()));
        if let Some(c) = open("") {
            // Opens for everyone: not reported encrypted.
            self.crypt = Some(c);
        } else if let Some(c) = self.passwords.iter().find_map(|pw| open(pw)) {
            // A candidate (the mail that carried it names it): read, and
            // reported encrypted as an archive opened so is.
            self.crypt = Some(c);
            self.opened = Some(method);
        } else {
            self.encrypted = Some(method);
        }
    }

    /// An object read from the file, its strings decrypted.
    fn decrypted(&self, mut o: Indirect) -> Obj {
        if let Some(c) = &self.crypt {
            decrypt_strings(c, o.num, o.generation, &mut o.obj, 0);
        }
        o.obj
    }

    /// One object of the file: a stream is decoded and scanned; every
    /// object is inspected for actions and file specifications.
    fn file_object(&mut self, num: u32, at: usize, window: usize, ctx: &mut Ctx<'_>) {
        let Some(o) = self.read_at(at, window).filter(|o| o.num == num) else {
            return;
        };
        for d in &o.defects {
            if d.starts_with("a stream") {
                self.bad_lengths += 1;
            } else {
                self.cut_objects += 1;
            }
        }
        let generation = o.generation;
        let obj = self.decrypted(o);
        if let Obj::Stream(d, range) = &obj {
            self.stream(num, generation, d, range.clone(), ctx);
        }
        self.inspect(&obj, ctx);
    }

    /// `d` with its filters and their parameters read through references
    /// (the value, or an array's elements), as pdf.js, qpdf, pypdf and
    /// MuPDF read them; `None` when none is indirect. A reference to no
    /// object is null: no filter, as those readers take it.
    fn direct_filters(&self, d: &Dict) -> Option<Dict> {
        const KEYS: [&[u8]; 3] = [b"Filter", b"DecodeParms", b"DP"];
        let is_ref = |o: &Obj| matches!(o, Obj::Ref(..));
        let indirect = |o: &Obj| is_ref(o) || matches!(o, Obj::Array(a) if a.iter().any(is_ref));
        if !d
            .0
            .iter()
            .any(|(k, v)| KEYS.contains(&k.as_slice()) && indirect(v))
        {
            return None;
        }
        // The newest version of the object, as the last update wins.
        let resolve = |o: &Obj| match o {
            Obj::Ref(n, _) => self.newest(*n).unwrap_or(Obj::Null),
            other => other.clone(),
        };
        let mut out = d.clone();
        for (k, v) in &mut out.0 {
            if !KEYS.contains(&k.as_slice()) {
                continue;
            }
            *v = match resolve(v) {
                // One past the longest chain decoded, so that a longer one
                // is still told; the rest is never read.
                Obj::Array(a) => Obj::Array(
                    a.iter()
                        .take(pdf_filters::MAX_FILTERS + 1)
                        .map(resolve)
                        .collect(),
                ),
                other => other,
            };
        }
        Some(out)
    }

    /// Decodes a stream into a child; an object stream's objects and a
    /// cross-reference stream's dictionary are read too.
    fn stream(
        &mut self,
        num: u32,
        generation: u32,
        d: &Dict,
        range: std::ops::Range<usize>,
        ctx: &mut Ctx<'_>,
    ) {
        if d.has_name(b"Type", b"XRef") {
            self.trailer(d);
        }
        if range.is_empty() {
            return;
        }
        // A key given twice (`/Filter /AHx /Filter /Fl`): the stream is
        // also read as the readers that take the last read it. The
        // dictionary of that reading repeats no key, so this is once.
        if d.0.len() <= MAX_KEYS_COMPARED
            && let Some(last) = d.last_wins()
        {
            self.stream(num, generation, &last, range.clone(), ctx);
        }
        // An object stream by its type, or by the two entries that only an
        // object stream has (qpdf and MuPDF read one whose /Type is
        // missing, through the cross-reference entries that point into it).
        let objstm = d.has_name(b"Type", b"ObjStm")
            || (d.get(b"N").is_some()
                && d.get(b"First").is_some()
                && !d.has_name(b"Type", b"XRef"));
        let may_push = (self.out.children.len() as u64) < ctx.budget.objects_left();
        if !may_push && !objstm {
            self.children_cut = true;
            return;
        }
        let mut raw = self.data.slice(range.clone());
        let direct = self.direct_filters(d);
        let filters = direct.as_ref().unwrap_or(d);
        let mut crypt_applied = false;
        // Cross-reference streams are never encrypted; the metadata stream
        // is not when the dictionary says so.
        if let Some(c) = &self.crypt
            && !d.has_name(b"Type", b"XRef")
            && (c.encrypt_metadata || !d.has_name(b"Type", b"Metadata"))
        {
            // A crypt filter that the stream's own chain names decrypts it
            // in place of the document's; an embedded file has `/EFF`.
            raw = match pdf_filters::crypt_filter(filters) {
                Some(name) => match c.stream_by_filter(&name, num, generation, &raw) {
                    Some(plain) => {
                        crypt_applied = true;
                        Bytes::from(plain)
                    }
                    None => raw,
                },
                None if d.has_name(b"Type", b"EmbeddedFile") => {
                    Bytes::from(c.embedded_file(num, generation, &raw))
                }
                None => Bytes::from(c.stream(num, generation, &raw)),
            };
            // An empty stream encrypted with AES is its IV and one block
            // of padding: empty again once decrypted, as if not encrypted.
            if raw.is_empty() {
                return;
            }
        }
        let dec: Decoded = pdf_filters::decode(filters, raw, crypt_applied, ctx.budget);
        let label = if d.has_name(b"Type", b"EmbeddedFile") {
            self.embedded
                .entry(num)
                .or_insert_with(|| format!("<pdf embedded file {num} {generation}>"));
            format!("<pdf embedded file {num} {generation}>")
        } else {
            format!("<pdf object {num} {generation}>")
        };
        let mut findings = Vec::new();
        if let Some(limit) = dec.limit {
            findings.push(FindingKind::Limit {
                limit,
                detail: format!("{label} was cut"),
            });
        }
        if self.encrypted.is_none() {
            for e in &dec.errors {
                findings.push(FindingKind::Malformed {
                    detail: format!("{label}: {e}"),
                });
            }
            if let Some(m) = &dec.unsupported {
                self.out.findings.push(FindingKind::UnsupportedMethod {
                    entry: label.clone(),
                    method: m.clone(),
                });
            }
        }
        if dec.too_long {
            findings.push(FindingKind::Malformed {
                detail: format!(
                    "{label}: more than {} filters; the rest were not applied",
                    pdf_filters::MAX_FILTERS
                ),
            });
        }
        let Some(data) = dec.data else {
            self.out.findings.extend(findings);
            return;
        };
        if objstm && dec.unsupported.is_none() {
            // `/First`, given directly or by reference (pdf.js, qpdf and
            // MuPDF resolve it).
            let first = match d.get(b"First") {
                Some(Obj::Int(i)) => Some(*i),
                Some(Obj::Ref(n, _)) => match self.newest(*n) {
                    Some(Obj::Int(i)) => Some(i),
                    _ => None,
                },
                _ => None,
            };
            let first = first.and_then(|f| usize::try_from(f).ok()).unwrap_or(0);
            self.packed.push((data.clone().into_bytes(), first));
        }
        if !may_push {
            self.children_cut = true;
            return;
        }
        // An undecodable filter leaves bytes that are not the content.
        if dec.unsupported.is_some() && !dec.decoded {
            self.out.findings.extend(findings);
            return;
        }
        let origin = if dec.decoded {
            Origin::Decoded
        } else {
            Origin::Carved {
                offset: range.start as u64,
            }
        };
        self.stream_child
            .entry(num)
            .or_default()
            .push(self.out.children.len());
        self.out.children.push(Child {
            name: label,
            origin,
            alt_names: Vec::new(),
            data,
            findings,
            shared: false,
        });
    }

    /// Looks through every dictionary of a value for actions, file
    /// specifications and what runs on open.
    fn inspect(&mut self, v: &Obj, ctx: &mut Ctx<'_>) {
        match v {
            Obj::Array(a) => a.iter().for_each(|x| self.inspect(x, ctx)),
            Obj::Dict(d) | Obj::Stream(d, _) => {
                self.dict(d, ctx);
                for (_, x) in &d.0 {
                    self.inspect(x, ctx);
                }
            }
            _ => {}
        }
    }

    /// The streams an `/EF` dictionary points at, under the name of its
    /// file specification (or a label, when it has none: still a file).
    fn embedded_files(&mut self, ef: &Dict, name: Option<String>) {
        for (_, v) in &ef.0 {
            if let Obj::Ref(n, g) = v {
                let name = name
                    .clone()
                    .unwrap_or_else(|| format!("<pdf embedded file {n} {g}>"));
                // A name replaces the label that the stream's own reading
                // gave it (a file specification read after its stream, in
                // an object stream).
                let slot = self.embedded.entry(*n).or_insert_with(|| name.clone());
                if slot.starts_with("<pdf ") && !name.starts_with("<pdf ") {
                    *slot = name;
                }
            }
        }
    }

    fn dict(&mut self, d: &Dict, ctx: &mut Ctx<'_>) {
        // A file specification with an embedded file; its `/EF` may be
        // indirect, as any value may.
        for ef in d.all(b"EF") {
            match ef {
                Obj::Dict(ef) => self.embedded_files(ef, filespec_name(d)),
                Obj::Ref(n, _) => self.ef_refs.push((*n, filespec_name(d))),
                _ => {}
            }
        }
        // An action's type, or a reference to it (MuPDF and qpdf follow
        // one).
        let types: Vec<Vec<u8>> = d
            .all(b"S")
            .filter_map(|s| match s {
                Obj::Name(s) => Some(s.clone()),
                Obj::Ref(n, _) => match self.newest(*n)? {
                    Obj::Name(s) => Some(s),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for s in &types {
            match s.as_slice() {
                b"Launch" => self.launch(d),
                b"URI" => {
                    for u in d.all(b"URI") {
                        match u {
                            Obj::Str(u) => self.record(PdfFeature::Uri, quote(u)),
                            Obj::Ref(n, _) => self.target_refs.push((PdfFeature::Uri, *n)),
                            _ => {}
                        }
                    }
                }
                b"SubmitForm" => self.target(PdfFeature::SubmitForm, d.get(b"F")),
                _ => {}
            }
        }
        if is_js_action(d) || types.iter().any(|t| t == b"JavaScript") {
            self.js(d, ctx);
        }
        for v in d.all(b"OpenAction") {
            self.on_open.push(v.clone());
        }
        // An XFA form: one packet, or an array of names and packets.
        for v in d.all(b"XFA") {
            match v {
                Obj::Ref(n, _) => self.xfa_refs.push(*n),
                Obj::Array(a) => self.xfa_refs.extend(a.iter().filter_map(|v| match v {
                    Obj::Ref(n, _) => Some(*n),
                    _ => None,
                })),
                _ => {}
            }
        }
        // Names dictionaries: document-level scripts run on open.
        for v in d.all(b"JavaScript") {
            if !matches!(v, Obj::Name(_)) {
                self.on_open.push(v.clone());
            }
        }
        for aa in d.all(b"AA") {
            match aa {
                Obj::Dict(aa) => self.open_events(aa),
                Obj::Ref(n, _) => self.aa_refs.push(*n),
                _ => {}
            }
        }
    }

    /// The events of an additional-actions dictionary that fire when a
    /// page is opened or shown.
    fn open_events(&mut self, aa: &Dict) {
        for key in [&b"O"[..], b"PO", b"PV"] {
            for v in aa.all(key) {
                self.on_open.push(v.clone());
            }
        }
    }

    /// A Launch action's target: `/F`, or the Windows parameters.
    fn launch(&mut self, d: &Dict) {
        let before = self.count(PdfFeature::Launch);
        let pending = self.target_refs.len();
        self.target(PdfFeature::Launch, d.get(b"F"));
        for key in [&b"Win"[..], b"Unix", b"Mac"] {
            if let Some(Obj::Dict(w)) = d.get(key) {
                let f = match w.get(b"F") {
                    Some(Obj::Str(s)) => quote(s),
                    _ => String::new(),
                };
                let p = match w.get(b"P") {
                    Some(Obj::Str(s)) => format!(" {}", quote(s)),
                    _ => String::new(),
                };
                self.record(PdfFeature::Launch, format!("{f}{p}"));
            }
        }
        if self.count(PdfFeature::Launch) == before && self.target_refs.len() == pending {
            self.record(PdfFeature::Launch, "(no target)".into());
        }
    }

    fn count(&self, feature: PdfFeature) -> usize {
        self.found
            .iter()
            .find(|(f, _, _)| *f == feature)
            .map_or(0, |(_, l, m)| l.len() + m)
    }

    /// Records the target of an action: a string, a file specification,
    /// or a reference to one (read once every object is).
    fn target(&mut self, feature: PdfFeature, v: Option<&Obj>) {
        match v {
            Some(Obj::Str(s)) => self.record(feature, quote(s)),
            Some(Obj::Dict(f)) => {
                let name = filespec_name(f)
                    .or_else(|| match f.get(b"URL").or(f.get(b"FS")) {
                        Some(Obj::Str(s)) => Some(quote(s)),
                        _ => None,
                    })
                    .unwrap_or_else(|| "(no target)".into());
                self.record(feature, name);
            }
            Some(Obj::Ref(n, _)) => self.target_refs.push((feature, *n)),
            _ => {}
        }
    }

    /// A JavaScript action: a script in a string is scanned as a child of
    /// its own; one in a stream (a reference) is found once all are read.
    fn js(&mut self, d: &Dict, ctx: &mut Ctx<'_>) {
        let mut any = false;
        for v in d.all(b"JS") {
            match v {
                Obj::Str(s) => {
                    any = true;
                    self.record(PdfFeature::JavaScript, quote(s));
                    self.script(s.clone(), ctx);
                }
                Obj::Ref(n, _) => {
                    any = true;
                    self.js_refs.push(*n);
                }
                _ => {}
            }
        }
        if !any {
            self.record(PdfFeature::JavaScript, "(no script)".into());
        }
    }

    /// A script held in a string, as a child for the script rules.
    fn script(&mut self, s: Vec<u8>, ctx: &mut Ctx<'_>) {
        if s.is_empty() {
            return;
        }
        if self.out.children.len() as u64 >= ctx.budget.objects_left() {
            self.children_cut = true;
            return;
        }
        self.scripts += 1;
        let name = format!("<pdf javascript {}>", self.scripts);
        self.out
            .push_drained(name, Origin::Decoded, ctx.budget.take(s));
    }

    /// The text of a script that `v` (a `/JS` value) holds.
    fn js_text(&self, v: &Obj) -> String {
        match v {
            Obj::Str(s) => quote(s),
            Obj::Ref(n, _) => {
                if let Some(&i) = self.stream_child.get(n).and_then(|c| c.first()) {
                    let data = &self.out.children[i].data;
                    return quote(&data[..data.len().min(QUOTE * 4)]);
                }
                self.versions(*n)
                    .iter()
                    .find_map(|o| match o {
                        Obj::Str(s) => Some(quote(s)),
                        _ => None,
                    })
                    .unwrap_or_else(|| format!("(object {n})"))
            }
            _ => "(no script)".into(),
        }
    }

    /// Follows what was found only by reference, once every object is
    /// read: scripts in streams or strings, action targets, embedded files'
    /// names, and the actions that run on open.
    fn resolve(&mut self, ctx: &mut Ctx<'_>) {
        self.xfa_scripts(ctx);
        let mut seen = HashSet::new();
        for n in std::mem::take(&mut self.js_refs) {
            if !seen.insert(n) {
                continue;
            }
            if self.tick(ctx) {
                break;
            }
            let t = self.js_text(&Obj::Ref(n, 0));
            self.record(PdfFeature::JavaScript, t);
            if let Some(ids) = self.stream_child.get(&n) {
                for &i in ids {
                    self.out.children[i].name = format!("<pdf javascript object {n}>");
                }
            } else {
                for o in self.versions(n) {
                    if let Obj::Str(s) = o {
                        self.script(s, ctx);
                    }
                }
            }
        }
        let mut refs = std::mem::take(&mut self.target_refs);
        refs.sort_unstable_by_key(|(f, n)| (*f as u8, *n));
        refs.dedup();
        for (feature, n) in refs {
            if self.tick(ctx) {
                break;
            }
            let versions = self.versions(n);
            if versions.is_empty() {
                self.record(feature, format!("(object {n}, missing)"));
            }
            for o in versions {
                self.target(feature, Some(&o).filter(|o| !matches!(o, Obj::Ref(..))));
            }
        }
        // Embedded files, named as their file specification names them:
        // the sender's name, judged as names are.
        let mut ef = std::mem::take(&mut self.ef_refs);
        ef.sort_unstable();
        ef.dedup();
        for (n, name) in ef {
            if self.tick(ctx) {
                break;
            }
            for o in self.versions(n) {
                if let Some(d) = o.dict() {
                    self.embedded_files(d, name.clone());
                }
            }
        }
        let embedded: Vec<(u32, String)> = self.embedded.drain().collect();
        for (n, name) in embedded {
            self.record(PdfFeature::EmbeddedFile, name.clone());
            if let Some(ids) = self.stream_child.get(&n) {
                for &i in ids {
                    let c = &mut self.out.children[i];
                    if !name.starts_with("<pdf ") {
                        c.name = name.clone();
                        c.origin = Origin::Entry;
                    }
                }
            }
        }
        let mut aa = std::mem::take(&mut self.aa_refs);
        aa.sort_unstable();
        aa.dedup();
        for n in aa {
            if self.tick(ctx) {
                break;
            }
            for o in self.versions(n) {
                if let Some(d) = o.dict() {
                    self.open_events(d);
                }
            }
        }
        // What runs on open: actions and their /Next chains, and the
        // JavaScript name tree, each reference followed once.
        let mut queue = std::mem::take(&mut self.on_open);
        let mut visited = HashSet::new();
        let mut steps = 0usize;
        while let Some(v) = queue.pop() {
            steps += 1;
            if self.tick(ctx) {
                break;
            }
            if steps > MAX_STEPS {
                self.out.findings.push(FindingKind::Limit {
                    limit: LimitKind::Objects,
                    detail: format!("the PDF's open actions were followed for {MAX_STEPS} steps"),
                });
                break;
            }
            match v {
                Obj::Ref(n, _) if visited.insert(n) => queue.extend(self.versions(n)),
                Obj::Array(a) => queue.extend(a),
                Obj::Dict(d) | Obj::Stream(d, _) => {
                    if is_js_action(&d) {
                        let t = d
                            .all(b"JS")
                            .map(|v| self.js_text(v))
                            .next()
                            .unwrap_or_else(|| "(no script)".into());
                        self.record(PdfFeature::JavaScriptOnOpen, t);
                    }
                    for key in [&b"Next"[..], b"Names", b"Kids"] {
                        queue.extend(d.all(key).cloned());
                    }
                }
                _ => {}
            }
        }
    }

    /// The scripts of the XFA form, read in its packets joined in order
    /// (a packet may end inside an element that the next one closes):
    /// each is a script child, recorded as run on open when its event
    /// fires as the form opens.
    fn xfa_scripts(&mut self, ctx: &mut Ctx<'_>) {
        let refs = std::mem::take(&mut self.xfa_refs);
        let mut seen = HashSet::new();
        let mut packets: Vec<usize> = Vec::new();
        for n in refs {
            if !seen.insert(n) || self.tick(ctx) {
                continue;
            }
            if let Some(ids) = self.stream_child.get(&n) {
                packets.extend(ids.first());
                continue;
            }
            // An array held in an object of its own.
            for o in self.versions(n) {
                let Obj::Array(a) = o else { continue };
                for v in a {
                    if let Obj::Ref(m, _) = v
                        && seen.insert(m)
                        && let Some(ids) = self.stream_child.get(&m)
                    {
                        packets.extend(ids.first());
                    }
                }
            }
        }
        let xml: Bytes = match packets.as_slice() {
            [] => return,
            [one] => Bytes::clone(&self.out.children[*one].data),
            many => many
                .iter()
                .flat_map(|&i| self.out.children[i].data.iter().copied())
                .collect::<Vec<u8>>()
                .into(),
        };
        let scripts = xfa::scripts(&xml);
        if scripts.len() >= xfa::MAX_SCRIPTS {
            self.out.findings.push(FindingKind::Limit {
                limit: LimitKind::Objects,
                detail: format!("only the first {} XFA scripts were read", xfa::MAX_SCRIPTS),
            });
        }
        for script in scripts {
            let text = xfa::text(&xml[script.content]);
            let what = format!(
                "XFA {}: {}",
                script.activity.as_deref().unwrap_or("script object"),
                quote(&text)
            );
            let feature = if script.on_open {
                PdfFeature::JavaScriptOnOpen
            } else {
                PdfFeature::JavaScript
            };
            self.record(feature, what);
            self.script(text, ctx);
        }
    }

    fn finish(mut self) -> Unpacked {
        for (method, decrypted) in [(self.encrypted.take(), false), (self.opened.take(), true)] {
            if let Some(method) = method {
                self.out.findings.push(FindingKind::Encrypted {
                    entry: "<pdf>".into(),
                    method,
                    decrypted,
                });
            }
        }
        if self.bad_lengths > 0 {
            let n = self.bad_lengths;
            self.malformed(format!(
                "{n} streams whose /Length does not end at endstream"
            ));
        }
        if self.cut_objects > 0 {
            let n = self.cut_objects;
            self.malformed(format!(
                "{n} objects too deeply nested or too large, read in part"
            ));
        }
        if self.wide_cut.get() {
            self.malformed(
                "objects that run into the next were read only up to it: too many to read further"
                    .into(),
            );
        }
        if self.children_cut {
            let n = self.out.children.len();
            self.out.entries_cut(n);
        }
        for (feature, list, more) in std::mem::take(&mut self.found) {
            for target in list {
                // A link a reader hands to a handler that opens a share or
                // starts a program (an open action to `search-ms:`).
                if feature == PdfFeature::Uri
                    && let Some(handler) =
                        crate::format::pagelinks::handler_of(target.trim().as_bytes(), false)
                {
                    self.out.findings.push(FindingKind::ExternalLink {
                        relationship: "pdf uri".into(),
                        target: target.clone(),
                        handler: Some(handler),
                    });
                }
                self.out.findings.push(FindingKind::Pdf { feature, target });
            }
            if more > 0 {
                self.out.findings.push(FindingKind::Pdf {
                    feature,
                    target: format!("({more} more)"),
                });
            }
        }
        self.out
    }
}

//! Our own structural pass over a zip file, beside the `zip` crate's reading.
//!
//! Readers of zip files disagree: some trust the central directory, some the
//! local headers; some take the first end record, some the last; some use
//! the declared offset of the directory, some compute it from its size. The
//! pass below collects every reading a client could take:
//!
//! - every end-of-central-directory record (not only the last), with zip64;
//! - every central directory they point at, by declared and by computed
//!   offset, read while signatures last (not only as far as counts say);
//! - the local header of each central entry, compared field by field;
//! - a sequential walk of local headers from the first one, across gaps and
//!   concatenated archives, skipping the data of entries (so that a stored
//!   inner zip is not mistaken for entries of the outer one).
//!
//! The union of all readings is extracted; where the readings disagree, a
//! finding says so. Every byte of the file is accounted for: data before,
//! between and after the archives is reported and carved out for scanning.
//! Nothing here trusts a declared count or size for an allocation.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::LazyLock;

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use memchr::memmem;

use super::zipnames::{self as names, MAX_UNICODE_PATHS, Names, UNICODE_PATH};
use crate::finding::FindingKind;

pub(crate) const LFH: &[u8; 4] = b"PK\x03\x04";
pub(crate) const CDH: &[u8; 4] = b"PK\x01\x02";
pub(crate) const EOCD: &[u8; 4] = b"PK\x05\x06";
const Z64_EOCD: &[u8; 4] = b"PK\x06\x06";

/// Searchers for the signatures, built once: most objects of a scan are
/// searched for an end record and a local header (embedded archives), and
/// building a searcher per search cost as much as a short search.
static FIND_EOCD: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(EOCD));
static FIND_LFH: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(LFH));
static FIND_DESCRIPTOR: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(DESCRIPTOR));
static FIND_PK: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"PK"));
const Z64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const DESCRIPTOR: &[u8; 4] = b"PK\x07\x08";

/// End-record signatures looked at outside entries' data; a file with more
/// is malformed on purpose.
const MAX_EOCD_CANDIDATES: usize = 1024;
/// Archives read from one file.
const MAX_ARCHIVES: usize = 64;
/// Candidate positions tried when looking for a data descriptor.
const MAX_DESCRIPTOR_CANDIDATES: usize = 4096;
/// Gap findings listed one by one; more are summed up.
const MAX_GAP_FINDINGS: usize = 16;

/// Reads a little-endian integer; `None` past the end.
fn le(data: &[u8], off: u64, n: usize) -> Option<u64> {
    let off = usize::try_from(off).ok()?;
    let b = data.get(off..off.checked_add(n)?)?;
    Some(b.iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64))
}

fn sig_at(data: &[u8], off: u64, sig: &[u8; 4]) -> bool {
    usize::try_from(off)
        .ok()
        .and_then(|o| data.get(o..o.checked_add(4)?))
        .is_some_and(|b| b == sig)
}

fn bytes_at(data: &[u8], off: u64, len: u64) -> Option<&[u8]> {
    let o = usize::try_from(off).ok()?;
    let l = usize::try_from(len).ok()?;
    data.get(o..o.checked_add(l)?)
}

/// WinZip AES parameters from extra field 0x9901.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Aes {
    /// The real compression method behind the encryption.
    pub method: u16,
}

/// The fields of a local or central header that matter for extraction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header<'a> {
    pub flags: u16,
    pub method: u16,
    pub mod_time: u16,
    pub crc: u32,
    pub csize: u64,
    pub usize: u64,
    /// The name's bytes as stored, in the file's bytes.
    pub name: &'a [u8],
    pub aes: Option<Aes>,
    /// Bodies of its Unicode Path extra fields (0x7075): the first few and
    /// the last, at most [`MAX_UNICODE_PATHS`].
    pub unicode_paths: Vec<&'a [u8]>,
}

impl Header<'_> {
    /// The names readers show for this header.
    pub fn names(&self) -> Names {
        names::read(self.name, self.flags, &self.unicode_paths)
    }
}

#[derive(Debug, Clone)]
struct Local<'a> {
    header: Header<'a>,
    data_start: u64,
    /// Sizes came from a zip64 extra field.
    zip64: bool,
}

#[derive(Debug, Clone)]
struct Central<'a> {
    header: Header<'a>,
    lfh_offset: u64,
    symlink: bool,
}

/// Reads the extra fields we use: zip64 sizes (and, in a central header,
/// the local header offset), AES parameters and Unicode Path names.
fn read_extra<'a>(extra: &'a [u8], h: &mut Header<'a>, lfh_offset: Option<&mut u64>) -> bool {
    let mut zip64 = false;
    let mut lfh = lfh_offset;
    let mut i = 0usize;
    while i + 4 <= extra.len() {
        let id = u16::from_le_bytes([extra[i], extra[i + 1]]);
        let len = u16::from_le_bytes([extra[i + 2], extra[i + 3]]) as usize;
        let Some(body) = extra.get(i + 4..i + 4 + len) else {
            break;
        };
        match id {
            0x0001 => {
                zip64 = true;
                let mut j = 0u64;
                let mut next = |b: &[u8]| {
                    let v = le(b, j, 8);
                    j += 8;
                    v
                };
                if h.usize == 0xffff_ffff
                    && let Some(v) = next(body)
                {
                    h.usize = v;
                }
                if h.csize == 0xffff_ffff
                    && let Some(v) = next(body)
                {
                    h.csize = v;
                }
                if let Some(off) = lfh.as_deref_mut()
                    && *off == 0xffff_ffff
                    && let Some(v) = next(body)
                {
                    *off = v;
                }
            }
            0x9901 if len >= 7 => {
                h.aes = Some(Aes {
                    method: u16::from_le_bytes([body[5], body[6]]),
                });
            }
            UNICODE_PATH => {
                // Readers take the first valid field or the last one; a
                // header full of them keeps its first few and its last.
                if h.unicode_paths.len() >= MAX_UNICODE_PATHS {
                    h.unicode_paths.pop();
                }
                h.unicode_paths.push(body);
            }
            _ => {}
        }
        i += 4 + len;
    }
    zip64
}

fn parse_local(data: &[u8], off: u64) -> Option<Local<'_>> {
    if !sig_at(data, off, LFH) {
        return None;
    }
    let nlen = le(data, off + 26, 2)?;
    let elen = le(data, off + 28, 2)?;
    let name = bytes_at(data, off + 30, nlen)?;
    let mut header = Header {
        flags: le(data, off + 6, 2)? as u16,
        method: le(data, off + 8, 2)? as u16,
        mod_time: le(data, off + 10, 2)? as u16,
        crc: le(data, off + 14, 4)? as u32,
        csize: le(data, off + 18, 4)?,
        usize: le(data, off + 22, 4)?,
        name,
        aes: None,
        unicode_paths: Vec::new(),
    };
    // A header whose extra field runs past the end is still a header: its
    // data starts past the end, and extraction reports the truncation.
    let extra = bytes_at(data, off + 30 + nlen, elen).unwrap_or(&[]);
    let zip64 = read_extra(extra, &mut header, None);
    Some(Local {
        header,
        data_start: off + 30 + nlen + elen,
        zip64,
    })
}

/// How many central headers follow one another from `off`, up to `cap`.
fn count_central(data: &[u8], mut off: u64, cap: usize) -> usize {
    let mut n = 0;
    while n < cap && sig_at(data, off, CDH) {
        let (Some(nlen), Some(elen), Some(clen)) = (
            le(data, off + 28, 2),
            le(data, off + 30, 2),
            le(data, off + 32, 2),
        ) else {
            break;
        };
        n += 1;
        off += 46 + nlen + elen + clen;
    }
    n
}

/// The raw name of the central header at `off`, in the file's bytes.
fn central_name(data: &[u8], off: u64) -> Option<&[u8]> {
    bytes_at(data, off + 46, le(data, off + 28, 2)?)
}

fn parse_central(data: &[u8], off: u64, base: u64) -> Option<(Central<'_>, u64)> {
    if !sig_at(data, off, CDH) {
        return None;
    }
    let made_by = le(data, off + 4, 2)?;
    let nlen = le(data, off + 28, 2)?;
    let elen = le(data, off + 30, 2)?;
    let clen = le(data, off + 32, 2)?;
    let ext_attr = le(data, off + 38, 4)?;
    let mut lfh_offset = le(data, off + 42, 4)?;
    let name = bytes_at(data, off + 46, nlen)?;
    let mut header = Header {
        flags: le(data, off + 8, 2)? as u16,
        method: le(data, off + 10, 2)? as u16,
        mod_time: le(data, off + 12, 2)? as u16,
        crc: le(data, off + 16, 4)? as u32,
        csize: le(data, off + 20, 4)?,
        usize: le(data, off + 24, 4)?,
        name,
        aes: None,
        unicode_paths: Vec::new(),
    };
    let extra = bytes_at(data, off + 46 + nlen, elen).unwrap_or(&[]);
    read_extra(extra, &mut header, Some(&mut lfh_offset));
    // Unix mode in the high half of the external attributes: S_IFLNK.
    let symlink = (made_by >> 8) == 3 && ((ext_attr >> 16) & 0o170000) == 0o120000;
    let next = off + 46 + nlen + elen + clen;
    Some((
        Central {
            header,
            lfh_offset: lfh_offset.saturating_add(base),
            symlink,
        },
        next,
    ))
}

/// Which reading shows an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    /// A central directory (and its local header).
    Central,
    /// The local header of a central entry, read where it disagrees.
    LocalOfCentral,
    /// Only a local header: no central directory lists it.
    LocalOnly,
}

/// One reading of one entry, ready to extract.
#[derive(Debug, Clone)]
pub(crate) struct Entry<'a> {
    pub header: Header<'a>,
    pub lfh_offset: u64,
    pub data_start: u64,
    /// End of the data, clamped to the file.
    pub data_end: u64,
    /// End of the record: the data and its descriptor, if it has one.
    pub record_end: u64,
    /// The data ends before its declared size: the file is truncated.
    pub truncated: bool,
    /// The data's end was not known and had to be guessed (data descriptor
    /// without a central directory).
    pub end_unknown: bool,
    pub symlink: bool,
    pub view: View,
    /// Its data overlaps another entry's.
    pub overlaps: bool,
    /// The name most readers show (see [`names`]).
    pub name: String,
    /// Other names some reader shows: each is checked like the name.
    pub alt_names: Vec<String>,
}

impl Entry<'_> {
    pub fn encrypted(&self) -> bool {
        self.header.flags & 1 != 0
    }
    pub fn is_dir(&self) -> bool {
        self.header.name.ends_with(b"/") && self.data_end == self.data_start
    }
    pub fn name(&self) -> String {
        self.name.clone()
    }
}

/// One archive: an end record and the directory it points at.
#[derive(Debug, Clone)]
struct Archive {
    /// Byte ranges of its directory and end records.
    records: Vec<(u64, u64)>,
    eocd_end: u64,
}

/// Everything the pass found in one file.
#[derive(Debug, Default)]
pub(crate) struct Layout<'a> {
    pub entries: Vec<Entry<'a>>,
    pub findings: Vec<FindingKind>,
    /// Regions no entry accounts for, to be scanned on their own:
    /// (offset, length, label).
    pub regions: Vec<(u64, u64, &'static str)>,
    /// More entries than the caller could take were present.
    pub entry_limit_hit: bool,
    /// How many archives (end records with a directory) were found.
    pub archives: usize,
    /// The archive comments of their end records, where not empty (the
    /// sender's text: a password for the entries, say).
    pub comments: Vec<&'a [u8]>,
}

/// Sorted data ranges, to ask whether an offset lies inside an entry's data.
struct RangeIndex {
    starts: Vec<u64>,
    max_end: Vec<u64>,
    /// Where the last search in `starts`, and in `max_end`, ended: the
    /// passes over the file ask in order (the end-record search from the
    /// end down, the walk of the local headers from the start up), each
    /// answer an entry or two from the last, so a search starts there and
    /// widens its steps (a gallop) rather than halving the whole index for
    /// every entry, which was most of the structural pass's own time.
    hints: [Cell<usize>; 2],
}

impl RangeIndex {
    fn new(entries: &[Entry<'_>]) -> Self {
        let mut r: Vec<(u64, u64)> = entries
            .iter()
            .filter(|e| e.data_end > e.data_start)
            .map(|e| (e.data_start, e.data_end))
            .collect();
        r.sort_unstable();
        let mut max_end = Vec::with_capacity(r.len());
        let mut m = 0;
        for &(_, e) in &r {
            m = m.max(e);
            max_end.push(m);
        }
        RangeIndex {
            starts: r.into_iter().map(|(s, _)| s).collect(),
            max_end,
            hints: Default::default(),
        }
    }

    /// How many starts are at or below `pos` (`strict`: below it).
    fn starts_below(&self, pos: u64, strict: bool) -> usize {
        let i = gallop(&self.starts, self.hints[0].get(), |s| {
            s < pos || (!strict && s == pos)
        });
        self.hints[0].set(i);
        i
    }

    /// If `pos` lies inside some entry's data, where that data ends.
    fn covering_end(&self, pos: u64) -> Option<u64> {
        let idx = self.starts_below(pos, false);
        let m = *self.max_end.get(idx.checked_sub(1)?)?;
        (m > pos).then_some(m)
    }

    /// If `pos` lies inside some entry's data, the lowest start of the
    /// ranges that hold it: every byte from there to `pos` is covered.
    fn covering_start(&self, pos: u64) -> Option<u64> {
        let idx = self.starts_below(pos, false);
        let ends = self.max_end.get(..idx)?;
        if *ends.last()? <= pos {
            return None;
        }
        // The first range whose running maximum end passes `pos` is itself
        // a range holding `pos` (its start is at or below it).
        let first = gallop(ends, self.hints[1].get(), |m| m <= pos);
        self.hints[1].set(first);
        self.starts.get(first).copied()
    }

    /// The furthest that the ranges starting below `pos` reach (0 when
    /// none does).
    fn reach_below(&self, pos: u64) -> u64 {
        let idx = self.starts_below(pos, true);
        idx.checked_sub(1)
            .and_then(|i| self.max_end.get(i))
            .copied()
            .unwrap_or(0)
    }
}

/// `v.partition_point(pred)` (`pred` true on a prefix of `v`), searched
/// from `hint` outwards in doubling steps, then by halving within the last
/// step: a few comparisons when the answer is near the hint, never more
/// than about twice a binary search's.
fn gallop(v: &[u64], hint: usize, pred: impl Fn(u64) -> bool) -> usize {
    let h = hint.min(v.len());
    let mut step = 1;
    if h < v.len() && pred(v[h]) {
        // Past the hint: `lo - 1` holds, look further up.
        let mut lo = h + 1;
        loop {
            let probe = lo + step - 1;
            let Some(&x) = v.get(probe) else {
                return lo + v[lo..].partition_point(|&x| pred(x));
            };
            if !pred(x) {
                return lo + v[lo..probe].partition_point(|&x| pred(x));
            }
            lo = probe + 1;
            step *= 2;
        }
    }
    // At or below the hint: nothing from `hi` up holds.
    let mut hi = h;
    while hi > 0 {
        let probe = hi.saturating_sub(step);
        if pred(v[probe]) {
            return probe + 1 + v[probe + 1..hi].partition_point(|&x| pred(x));
        }
        hi = probe;
        step *= 2;
    }
    0
}

/// How many bytes below the last place looked at one search for end
/// records covers at most.
const EOCD_WINDOW: usize = 64 * 1024;

/// The end-record signatures of a file, last first, that no entry's data
/// known so far covers. What a forward pass over the whole file would give
/// (kept last first, those covered at their turn skipped), but read only in
/// the gaps between the entries' data: once the last archive is read, its
/// entries' data (almost all of an ordinary zip) is jumped over, not
/// searched. The index only grows, so what is covered when jumped over
/// would have been skipped at its turn.
struct EndSearch {
    /// Everything at or above this offset has been searched or jumped.
    hi: usize,
    /// Signatures found in the last window, ascending; taken from the back.
    pending: Vec<usize>,
    /// The most bytes one search covers.
    window: usize,
}

impl EndSearch {
    fn new(len: usize, window: usize) -> Self {
        EndSearch {
            hi: len,
            pending: Vec::new(),
            window: window.max(1),
        }
    }

    /// The next signature below the last one given that `index` does not
    /// cover.
    fn next(&mut self, data: &[u8], index: &RangeIndex) -> Option<u64> {
        loop {
            while let Some(p) = self.pending.pop() {
                if index.covering_end(p as u64).is_none() {
                    return Some(p as u64);
                }
            }
            let hi = self.hi.min(data.len());
            if hi == 0 {
                return None;
            }
            if let Some(start) = index.covering_start(hi as u64 - 1) {
                self.hi = usize::try_from(start).unwrap_or(0);
                continue;
            }
            // Bytes below `hi` down to `lo` are in no range; a signature
            // that starts below `hi` may end above it.
            let reach = usize::try_from(index.reach_below(hi as u64)).unwrap_or(hi);
            let lo = reach.min(hi - 1).max(hi.saturating_sub(self.window));
            let stop = (hi + EOCD.len() - 1).min(data.len());
            self.pending
                .extend(FIND_EOCD.find_iter(&data[lo..stop]).map(|p| lo + p));
            self.hi = lo;
        }
    }
}

/// What an end record says.
struct EndRecord {
    /// Byte ranges of the end record and its zip64 records.
    records: Vec<(u64, u64)>,
    /// Where its directory could start, each with the base that its offsets
    /// are relative to: by the declared offset and by the computed one.
    dirs: Vec<(u64, u64)>,
    /// The entry count it declares.
    declared: u64,
    /// Where the record (with its comment) ends.
    end: u64,
}

/// Reads an end record at `pos` and the directories it could mean.
fn parse_eocd(data: &[u8], pos: u64) -> Option<EndRecord> {
    let mut entries = le(data, pos + 10, 2)?;
    let mut cd_size = le(data, pos + 12, 4)?;
    let mut cd_off = le(data, pos + 16, 4)?;
    let clen = le(data, pos + 20, 2)?;
    let eocd_end = (pos + 22 + clen).min(data.len() as u64);
    let mut records = vec![(pos, eocd_end)];
    let mut record_start = pos;
    if pos >= 20 && sig_at(data, pos - 20, Z64_LOCATOR) {
        records.push((pos - 20, pos));
        let declared = le(data, pos - 20 + 8, 8)?;
        // The zip64 end record sits right before the locator in a plain
        // file; its declared offset is off by any prepended data.
        let candidates = [declared, (pos - 20).saturating_sub(56)];
        if let Some(&z) = candidates.iter().find(|&&z| sig_at(data, z, Z64_EOCD)) {
            let size = le(data, z + 4, 8)?;
            records.push((z, z.saturating_add(12).saturating_add(size).min(pos - 20)));
            entries = le(data, z + 32, 8)?;
            cd_size = le(data, z + 40, 8)?;
            cd_off = le(data, z + 48, 8)?;
            record_start = z;
        }
    }
    let mut dirs = Vec::new();
    let declared_ok = sig_at(data, cd_off, CDH);
    if let Some(computed) = record_start.checked_sub(cd_size)
        && computed != cd_off
        && sig_at(data, computed, CDH)
        && let Some(base) = computed.checked_sub(cd_off)
    {
        dirs.push((computed, base));
    }
    if declared_ok {
        dirs.push((cd_off, 0));
    }
    if dirs.is_empty() && entries == 0 && cd_size == 0 {
        dirs.push((record_start, 0));
    }
    if dirs.is_empty() {
        return None;
    }
    Some(EndRecord {
        records,
        dirs,
        declared: entries,
        end: eocd_end,
    })
}

/// Finds where data with a trailing descriptor ends, when no header says.
/// Returns (data end, record end).
fn find_descriptor(data: &[u8], start: u64) -> Option<(u64, u64)> {
    let s = usize::try_from(start).ok()?;
    let hay = data.get(s..)?;
    for pos in FIND_DESCRIPTOR
        .find_iter(hay)
        .take(MAX_DESCRIPTOR_CANDIDATES)
    {
        let p = start + pos as u64;
        if le(data, p + 8, 4) == Some(pos as u64) {
            return Some((p, p + 16));
        }
        if le(data, p + 8, 8) == Some(pos as u64) {
            return Some((p, p + 24));
        }
    }
    // Descriptors without their optional signature: look just before the
    // next header.
    for pos in FIND_PK.find_iter(hay).take(MAX_DESCRIPTOR_CANDIDATES) {
        let p = start + pos as u64;
        if (sig_at(data, p, LFH) || sig_at(data, p, CDH))
            && pos >= 12
            && le(data, p - 8, 4) == Some(pos as u64 - 12)
        {
            return Some((p - 12, p));
        }
    }
    None
}

/// Builds the layout of `data`, listing at most `max_entries` entries.
pub(crate) fn analyze(data: &[u8], max_entries: u64) -> Layout<'_> {
    let mut out = Layout::default();
    let len = data.len() as u64;
    let mut archives: Vec<Archive> = Vec::new();
    let mut by_lfh: HashMap<u64, u64> = HashMap::new();
    let mut index = RangeIndex::new(&[]);
    let mut dir_starts: HashMap<u64, u64> = HashMap::new();
    let cap = usize::try_from(max_entries).unwrap_or(usize::MAX);

    // 1. End records, last first: the outermost archive ends last, and the
    //    end records of stored inner archives lie inside its entries' data
    //    (not looked at: the inner archive is read when its entry is).
    let mut ends = EndSearch::new(data.len(), EOCD_WINDOW);
    let mut examined = 0usize;
    while let Some(pos) = ends.next(data, &index) {
        if examined == MAX_EOCD_CANDIDATES {
            out.findings.push(FindingKind::Malformed {
                detail: format!("more than {MAX_EOCD_CANDIDATES} end-of-directory signatures"),
            });
            break;
        }
        examined += 1;
        let Some(EndRecord {
            mut records,
            dirs,
            declared,
            end: eocd_end,
        }) = parse_eocd(data, pos)
        else {
            continue;
        };
        let comment = &data[(pos + 22).min(eocd_end) as usize..eocd_end as usize];
        if !comment.is_empty() && out.comments.len() < MAX_ARCHIVES {
            out.comments.push(comment);
        }
        if archives.len() >= MAX_ARCHIVES {
            out.findings.push(FindingKind::Malformed {
                detail: format!("more than {MAX_ARCHIVES} archives in one file"),
            });
            break;
        }
        for (cd_start, base) in dirs {
            if dir_starts.contains_key(&cd_start) {
                continue;
            }
            let mut off = cd_start;
            let mut count = 0u64;
            // Names as keys borrow the file's bytes where they can: the
            // raw name always, the shown one when it is those bytes.
            // Sized by the headers really there (counted first, up to the
            // cap), not by the count the end record declares.
            let listed = count_central(data, cd_start, cap - out.entries.len().min(cap));
            let mut seen_names = NamesSeen::with_capacity(listed);
            by_lfh.reserve(listed);
            out.entries.reserve(listed);
            while let Some((c, next)) = parse_central(data, off, base) {
                if out.entries.len() >= cap {
                    out.entry_limit_hit = true;
                    break;
                }
                count += 1;
                let names = c.header.names();
                let raw = central_name(data, off).unwrap_or_default();
                if seen_names.again(raw, &names.shown) {
                    out.findings.push(FindingKind::DuplicateName {
                        name: names.shown.clone(),
                    });
                }
                add_central(data, c, names, &mut out, &mut by_lfh);
                off = next;
            }
            dir_starts.insert(cd_start, off);
            records.push((cd_start, off));
            if count != declared && !out.entry_limit_hit {
                out.findings.push(FindingKind::Malformed {
                    detail: format!(
                        "central directory declares {declared} entries and holds {count}"
                    ),
                });
            }
        }
        archives.push(Archive { records, eocd_end });
        index = RangeIndex::new(&out.entries);
    }
    out.archives = archives.len();

    // 2. The local headers, walked in order from the first one.
    walk_locals(data, &mut out, &by_lfh, &index, &dir_starts, &archives, cap);

    // 3. Overlaps, duplicates and every byte accounted for.
    out.entries.dedup_by(|a, b| {
        a.header == b.header && a.data_start == b.data_start && a.data_end == b.data_end
    });
    mark_overlaps(&mut out);
    account(len, &archives, &mut out);
    if archives.len() > 1 {
        out.findings.push(FindingKind::MultipleArchives {
            count: archives.len(),
        });
    }
    out
}

/// The names of one central directory seen so far, to find an entry that
/// overwrites another: the same raw bytes (what Explorer compares), or the
/// same name as shown (what 7-Zip compares). One map holds both kinds, by
/// their bytes: most names are shown as their raw bytes, and take one
/// lookup for the two.
struct NamesSeen<'a>(HashMap<Cow<'a, [u8]>, u8>);

impl<'a> NamesSeen<'a> {
    /// A raw name's bytes.
    const RAW: u8 = 1;
    /// A shown name's bytes.
    const SHOWN: u8 = 2;

    fn with_capacity(n: usize) -> Self {
        NamesSeen(HashMap::with_capacity(n))
    }

    /// Records an entry's raw name and its name as shown; true when an
    /// earlier entry had the same raw name or the same shown name.
    fn again(&mut self, raw: &'a [u8], shown: &str) -> bool {
        if raw == shown.as_bytes() {
            let kinds = self.0.entry(Cow::Borrowed(raw)).or_insert(0);
            let again = *kinds != 0;
            *kinds = Self::RAW | Self::SHOWN;
            return again;
        }
        let mut again = false;
        for (bytes, kind) in [
            (Cow::Borrowed(raw), Self::RAW),
            (Cow::Owned(shown.as_bytes().to_vec()), Self::SHOWN),
        ] {
            let kinds = self.0.entry(bytes).or_insert(0);
            again |= *kinds & kind != 0;
            *kinds |= kind;
        }
        again
    }
}

/// Adds the readings of one central entry: the directory's, and the local
/// header's where it disagrees. `names` are the central header's.
fn add_central<'a>(
    data: &'a [u8],
    c: Central<'a>,
    mut names: Names,
    out: &mut Layout<'a>,
    by_lfh: &mut HashMap<u64, u64>,
) {
    let len = data.len() as u64;
    out.findings.append(&mut names.findings);
    let Some(local) = parse_local(data, c.lfh_offset) else {
        out.findings.push(FindingKind::Malformed {
            detail: format!(
                "entry {:?}: no local header at offset {}",
                names.shown, c.lfh_offset
            ),
        });
        return;
    };
    let l = &local.header;
    let ch = &c.header;
    let descriptor = l.flags & 8 != 0;
    let mut fields = Vec::new();
    // The local header's names, where they are not the central one's.
    let mut local_names = None;
    if l.name != ch.name || l.unicode_paths != ch.unicode_paths {
        let mut ln = l.names();
        out.findings.append(&mut ln.findings);
        if l.name != ch.name || !names::same_text(&ln.shown, &names.shown) {
            fields.push("name");
            local_names = Some(ln);
        } else {
            // The same bytes and the same text (Unicode Path fields in one
            // header only, say): no other entry, but whatever the local
            // header makes a reader show is checked with the rest.
            names.merge(ln);
        }
    }
    if l.method != ch.method {
        fields.push("method");
    }
    if (l.flags ^ ch.flags) & 0x0009 != 0 {
        fields.push("flags");
    }
    let local_sizes_known = !descriptor || l.csize != 0 || local.zip64;
    if !descriptor && l.crc != ch.crc {
        fields.push("crc");
    }
    if local_sizes_known && (l.csize != ch.csize || (!descriptor && l.usize != ch.usize)) {
        fields.push("sizes");
    }
    let (lfh_offset, symlink) = (c.lfh_offset, c.symlink);
    // The header and names move into the entry: thousands of entries, each
    // copied, cost as much as the rest of the reading.
    let make = |header: Header<'a>, view: View, n: Names| {
        let want_end = local.data_start.saturating_add(header.csize);
        let flags = header.flags;
        Entry {
            header,
            lfh_offset,
            data_start: local.data_start.min(len),
            data_end: want_end.min(len),
            record_end: want_end.min(len) + descriptor_len(data, want_end.min(len), flags),
            truncated: want_end > len,
            end_unknown: false,
            symlink,
            view,
            overlaps: false,
            name: n.shown,
            alt_names: n.others,
        }
    };
    // A reader that trusts the local header sees other bytes, or the same
    // bytes under another name: that reading is scanned too.
    let local_reading = (!fields.is_empty()).then(|| {
        let mut lh = l.clone();
        if !local_sizes_known {
            lh.csize = ch.csize;
            lh.usize = ch.usize;
            lh.crc = ch.crc;
        }
        let ln = local_names.unwrap_or_else(|| names.clone());
        make(lh, View::LocalOfCentral, ln)
    });
    if !fields.is_empty() {
        out.findings.push(FindingKind::HeaderMismatch {
            entry: names.shown.clone(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
        });
    }
    let central = make(c.header, View::Central, names);
    by_lfh.insert(lfh_offset, central.data_end);
    out.entries.push(central);
    out.entries.extend(local_reading);
}

/// Walks local headers from the first one, jumping over entry data, over
/// directories and across gaps, and adds the entries no directory lists.
fn walk_locals<'a>(
    data: &'a [u8],
    out: &mut Layout<'a>,
    by_lfh: &HashMap<u64, u64>,
    index: &RangeIndex,
    dir_starts: &HashMap<u64, u64>,
    archives: &[Archive],
    cap: usize,
) {
    let len = data.len() as u64;
    let finder = &*FIND_LFH;
    let mut visited: HashSet<u64> = HashSet::with_capacity(out.entries.len());
    let mut p = 0u64;
    let has_directory = !archives.is_empty();
    let mut no_directory_reported = false;
    while p < len {
        if out.entries.len() >= cap {
            out.entry_limit_hit = true;
            return;
        }
        // Skip what an entry's data or a directory covers: a stored inner
        // archive's headers are not entries of this one.
        if let Some(end) = index.covering_end(p) {
            p = end;
            continue;
        }
        if let Some(&end) = dir_starts.get(&p) {
            p = end.max(p + 4);
            continue;
        }
        if let Some(a) = archives
            .iter()
            .find(|a| a.records.iter().any(|&(s, e)| s <= p && p < e))
        {
            p = a
                .records
                .iter()
                .map(|r| r.1)
                .max()
                .unwrap_or(p + 4)
                .max(a.eocd_end)
                .max(p + 4);
            continue;
        }
        if let Some(&end) = by_lfh.get(&p) {
            // A directory lists it, and its local header was read then
            // (`add_central`): its extent comes from the directory.
            if !visited.insert(p) {
                return;
            }
            let flags = le(data, p + 6, 2).unwrap_or(0) as u16;
            p = (end + descriptor_len(data, end, flags)).max(p + 30);
            continue;
        }
        let Some(local) = parse_local(data, p).filter(|_| sig_at(data, p, LFH)) else {
            // Not a header here: find the next one.
            let Some(next) = usize::try_from(p + 1)
                .ok()
                .and_then(|s| data.get(s..))
                .and_then(|h| finder.find(h))
            else {
                return;
            };
            p = p + 1 + next as u64;
            continue;
        };
        if !visited.insert(p) {
            return;
        }
        let h = &local.header;
        // No directory lists it (those were passed over above).
        let (data_end, record_end, end_unknown) =
            if h.flags & 8 != 0 && h.csize == 0 && !local.zip64 {
                match find_descriptor(data, local.data_start) {
                    Some((d, r)) => (d, r, false),
                    None => (len, len, true),
                }
            } else {
                let end = local.data_start.saturating_add(h.csize);
                (
                    end.min(len),
                    end.min(len) + descriptor_len(data, end, h.flags),
                    false,
                )
            };
        let want_end = local.data_start.saturating_add(h.csize);
        let mut header = h.clone();
        if h.flags & 8 != 0 && !end_unknown && record_end > data_end {
            // Bit 3: the CRC (and often the sizes) are in the descriptor,
            // and the local header holds zeros.
            let at = data_end
                + if sig_at(data, data_end, DESCRIPTOR) {
                    4
                } else {
                    0
                };
            if let Some(crc) = le(data, at, 4) {
                header.crc = crc as u32;
            }
        }
        let mut names = header.names();
        out.findings.append(&mut names.findings);
        let entry = Entry {
            name: names.shown,
            alt_names: names.others,
            header,
            lfh_offset: p,
            data_start: local.data_start.min(len),
            data_end,
            record_end: record_end.min(len),
            truncated: !end_unknown && want_end > len,
            end_unknown,
            symlink: false,
            view: View::LocalOnly,
            overlaps: false,
        };
        if has_directory && !entry.is_dir() {
            out.findings.push(FindingKind::SingleView {
                entry: entry.name(),
                view: "local headers (no central directory lists it)".into(),
            });
        } else if !has_directory && !no_directory_reported {
            // Readers that start from the end open nothing here.
            no_directory_reported = true;
            out.findings.push(FindingKind::Malformed {
                detail: "no central directory (truncated or streamed zip): \
                         entries were read from their local headers"
                    .into(),
            });
        }
        out.entries.push(entry);
        p = record_end.max(p + 30);
    }
}

/// The length of a data descriptor at `at`, if one is there.
fn descriptor_len(data: &[u8], at: u64, flags: u16) -> u64 {
    if flags & 8 == 0 {
        return 0;
    }
    let with_sig = sig_at(data, at, DESCRIPTOR);
    let base = if with_sig { 16 } else { 12 };
    // A zip64 descriptor has 8-byte sizes; tell by what follows.
    let after = at + base;
    if sig_at(data, after, LFH) || sig_at(data, after, CDH) || after >= data.len() as u64 {
        base
    } else if sig_at(data, after + 8, LFH) || sig_at(data, after + 8, CDH) {
        base + 8
    } else {
        base
    }
}

/// Marks entries whose data overlap another's: sort by start, sweep once.
fn mark_overlaps(out: &mut Layout<'_>) {
    // One extent per local header: two readings of one header are not an
    // overlap.
    let mut order: Vec<usize> = Vec::with_capacity(out.entries.len());
    let mut seen = HashSet::with_capacity(out.entries.len());
    for (i, e) in out.entries.iter().enumerate() {
        if seen.insert(e.lfh_offset) {
            order.push(i);
        }
    }
    order.sort_by_key(|&i| (out.entries[i].lfh_offset, out.entries[i].data_end));
    let mut max_end = 0u64;
    let mut max_idx: Option<usize> = None;
    let mut count = 0usize;
    let mut overlapping: HashSet<u64> = HashSet::new();
    for &i in &order {
        let e = &out.entries[i];
        let end = e.data_end.max(e.data_start);
        if e.lfh_offset < max_end {
            count += 1;
            overlapping.insert(e.lfh_offset);
            if let Some(j) = max_idx {
                overlapping.insert(out.entries[j].lfh_offset);
            }
        }
        if end > max_end {
            max_end = end;
            max_idx = Some(i);
        }
    }
    // Central entries that share one local header are the fully overlapping
    // bomb: many names for the same bytes.
    let mut refs: HashMap<u64, usize> = HashMap::with_capacity(out.entries.len());
    for e in out.entries.iter().filter(|e| e.view == View::Central) {
        *refs.entry(e.lfh_offset).or_default() += 1;
    }
    for (&lfh, &n) in &refs {
        if n > 1 {
            count += n - 1;
            overlapping.insert(lfh);
        }
    }
    if count > 0 {
        out.findings.push(FindingKind::OverlappingEntries { count });
        for e in &mut out.entries {
            e.overlaps = overlapping.contains(&e.lfh_offset);
        }
    }
}

/// Accounts for every byte: before the first structure, between
/// structures, and after the last.
fn account(len: u64, archives: &[Archive], out: &mut Layout<'_>) {
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for e in &out.entries {
        spans.push((e.lfh_offset, e.record_end.max(e.data_start)));
    }
    for a in archives {
        spans.extend(a.records.iter().copied());
    }
    if spans.is_empty() {
        return;
    }
    spans.sort_unstable();
    let start = spans[0].0;
    let mut gaps = Vec::new();
    let mut cur_end = spans[0].1;
    for &(s, e) in &spans[1..] {
        if s > cur_end {
            gaps.push((cur_end, s - cur_end));
        }
        cur_end = cur_end.max(e);
    }
    if start > 0 {
        out.findings
            .push(FindingKind::PrependedData { length: start });
    }
    if cur_end < len {
        out.findings.push(FindingKind::AppendedData {
            length: len - cur_end,
        });
        out.regions
            .push((cur_end, len - cur_end, "<appended data>"));
    }
    for (i, &(off, l)) in gaps.iter().enumerate() {
        if i < MAX_GAP_FINDINGS {
            out.findings.push(FindingKind::UnaccountedBytes {
                offset: off,
                length: l,
            });
        }
        out.regions.push((off, l, "<unaccounted bytes>"));
    }
    if gaps.len() > MAX_GAP_FINDINGS {
        let rest: u64 = gaps[MAX_GAP_FINDINGS..].iter().map(|g| g.1).sum();
        out.findings.push(FindingKind::UnaccountedBytes {
            offset: gaps[MAX_GAP_FINDINGS].0,
            length: rest,
        });
    }
}

/// Where the directory of the last end record (within a comment's reach of
/// the end) starts, with the base its offsets are relative to: the quick
/// readings' one directory.
fn last_directory(data: &[u8]) -> Option<(u64, u64)> {
    let EndRecord { dirs, .. } = parse_eocd(data, last_end_record(data)? as u64)?;
    dirs.first().copied()
}

/// The last end-record signature within a comment's reach of the end.
fn last_end_record(data: &[u8]) -> Option<usize> {
    let tail = data.len().saturating_sub(22 + 65535);
    // Most zips end with their end record (no comment, or a short one): the
    // last KiB is searched backwards; the rest of a comment's reach, only
    // when that finds nothing, forwards keeping the last (the reverse
    // search is several times slower). Backwards, the signature's last
    // byte (6, rare in text) is found by memrchr and each one checked:
    // memmem's reverse searcher has no vectorised prefilter, and every
    // binary object of a scan is searched so (for a zip glued to it).
    let near = data.len().saturating_sub(1024).max(tail);
    let window = &data[near..];
    window
        .get(EOCD.len() - 1..)
        .and_then(|after| {
            memchr::memrchr_iter(EOCD[EOCD.len() - 1], after)
                .find(|&p| window[p..].starts_with(EOCD))
        })
        .map(|p| near + p)
        .or_else(|| {
            let rest = &data[tail..(near + EOCD.len() - 1).min(data.len())];
            FIND_EOCD.find_iter(rest).last().map(|p| tail + p)
        })
}

/// One reading of an entry's name, for telling document types apart.
pub(crate) struct RawName<'a> {
    /// The name's bytes as stored.
    pub name: &'a [u8],
    /// The compression method this reading declares.
    pub method: u16,
    /// The entry's bytes when this reading says they are stored, else
    /// empty.
    pub stored: &'a [u8],
}

/// The raw names of the entries the last central directory lists, and the
/// local headers' where those differ in name or method, without decoding
/// or copying any: what [`quick_listing`] gives document detection, at a
/// fraction of its cost for archives of thousands of entries. `None` when
/// there is no central directory (the caller falls back to the local
/// headers). Reads at most `max` entries.
pub(crate) fn raw_names(data: &[u8], max: usize) -> Option<Vec<RawName<'_>>> {
    let (mut off, base) = last_directory(data)?;
    let mut out = Vec::new();
    let slice = |start: u64, len: u64| -> &[u8] {
        let start = start.min(data.len() as u64) as usize;
        let end = (start as u64).saturating_add(len).min(data.len() as u64) as usize;
        &data[start..end]
    };
    while out.len() < max && sig_at(data, off, CDH) {
        let (Some(nlen), Some(elen), Some(clen), Some(method), Some(lfh)) = (
            le(data, off + 28, 2),
            le(data, off + 30, 2),
            le(data, off + 32, 2),
            le(data, off + 10, 2),
            le(data, off + 42, 4),
        ) else {
            break;
        };
        let Some(name) = bytes_at(data, off + 46, nlen) else {
            break;
        };
        // Sizes and the offset may be in a zip64 field.
        let mut h = Header {
            flags: 0,
            method: method as u16,
            mod_time: 0,
            crc: 0,
            csize: le(data, off + 20, 4).unwrap_or(0),
            usize: 0,
            name: &[],
            aes: None,
            unicode_paths: Vec::new(),
        };
        let mut lfh = lfh;
        read_extra(
            bytes_at(data, off + 46 + nlen, elen).unwrap_or(&[]),
            &mut h,
            Some(&mut lfh),
        );
        let lfh = lfh.saturating_add(base);
        let local = sig_at(data, lfh, LFH)
            .then(|| {
                let ln = le(data, lfh + 26, 2)?;
                let le_ = le(data, lfh + 28, 2)?;
                let lm = le(data, lfh + 8, 2)? as u16;
                Some((bytes_at(data, lfh + 30, ln)?, lm, lfh + 30 + ln + le_))
            })
            .flatten();
        let start = local.map_or(u64::MAX, |l| l.2);
        let stored = |m: u16| {
            if m == 0 {
                slice(start, h.csize)
            } else {
                &[][..]
            }
        };
        out.push(RawName {
            name,
            method: h.method,
            stored: stored(h.method),
        });
        if let Some((ln, lm, _)) = local
            && (ln != name || lm != h.method)
            && out.len() < max
        {
            out.push(RawName {
                name: ln,
                method: lm,
                stored: stored(lm),
            });
        }
        off += 46 + nlen + elen + clen;
    }
    Some(out)
}

/// The names, data offsets and methods listed by the last central
/// directory, or by local headers when there is none: enough to tell
/// OOXML, ODF, JAR and APK apart. Reads at most `max` entries.
pub(crate) fn quick_listing(data: &[u8], max: usize) -> Vec<Entry<'_>> {
    let mut out = Layout::default();
    let mut by_lfh = HashMap::new();
    if let Some((start, base)) = last_directory(data) {
        let mut off = start;
        while let Some((c, next)) = parse_central(data, off, base) {
            if out.entries.len() >= max {
                break;
            }
            let names = c.header.names();
            add_central(data, c, names, &mut out, &mut by_lfh);
            off = next;
        }
    }
    if out.entries.is_empty() {
        let mut p = 0u64;
        while let Some(l) = parse_local(data, p) {
            if out.entries.len() >= max || l.header.flags & 8 != 0 {
                break;
            }
            let end = l.data_start.saturating_add(l.header.csize);
            let names = l.header.names();
            out.entries.push(Entry {
                name: names.shown,
                alt_names: names.others,
                header: l.header,
                lfh_offset: p,
                data_start: l.data_start,
                data_end: end.min(data.len() as u64),
                record_end: end.min(data.len() as u64),
                truncated: false,
                end_unknown: false,
                symlink: false,
                view: View::LocalOnly,
                overlaps: false,
            });
            p = end;
        }
    }
    out.entries
}

/// Where the first zip archive in `data` starts, if one does. An archive
/// counts only when its structure checks out, never on a four-byte
/// signature (compiled Python, images and text quote `PK\3\4` in their
/// own data): a local header whose name, method and sizes are those of a
/// real entry and whose data ends where another zip record begins (or, for
/// a stored entry, whose CRC matches its data, or, for a streamed one,
/// whose data descriptor gives the length it runs), or an end record whose
/// central directory points back at a local header of the same name.
///
/// Detection makes the third test (the search) in one pass with other
/// signatures; this whole reading is the tests' reference.
#[cfg(test)]
pub(crate) fn first_archive_offset(data: &[u8]) -> Option<u64> {
    archive_offset_by_structure(data).or_else(|| {
        FIND_LFH
            .find_iter(data)
            .take(LFH_CANDIDATES)
            .map(|p| p as u64)
            .find(|&p| local_checks_out(data, p))
    })
}

/// How many `PK\3\4` signatures [`first_archive_offset`] tries.
pub(crate) const LFH_CANDIDATES: usize = 64;

/// The first two tests of [`first_archive_offset`], which need no search:
/// a local header at 0, or the last end record's directory. The third, a
/// search for local headers, is left to the caller (detection finds them
/// in one pass with other signatures).
pub(crate) fn archive_offset_by_structure(data: &[u8]) -> Option<u64> {
    if local_checks_out(data, 0) {
        return Some(0);
    }
    archive_by_end_record(data).map(|span| span.start)
}

/// The archive that a reader which starts from the end finds: where it
/// starts (its first local header, or its directory when that comes
/// first) and where its end record (with its comment) ends, when the last
/// end record's directory and the local header its first entry names
/// agree.
pub(crate) fn archive_by_end_record(data: &[u8]) -> Option<std::ops::Range<u64>> {
    let record = parse_eocd(data, last_end_record(data)? as u64)?;
    let &(start, base) = record.dirs.first()?;
    let (c, _) = parse_central(data, start, base)?;
    parse_local(data, c.lfh_offset)
        .is_some_and(|l| l.header.name == c.header.name)
        .then(|| c.lfh_offset.min(start)..record.end)
}

/// Compression methods of the zip specification (APPNOTE 4.4.5) and of
/// WinZip's AES (99).
const KNOWN_METHODS: &[u16] = &[
    0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 14, 16, 18, 19, 20, 93, 94, 95, 96, 97, 98, 99,
];

/// True when a local header at `off` is one a zip writer made: a name of
/// printable bytes, a known method and version, and data that ends where
/// the sizes say (see [`first_archive_offset`]).
pub(crate) fn local_checks_out(data: &[u8], off: u64) -> bool {
    let Some(l) = parse_local(data, off) else {
        return false;
    };
    let h = &l.header;
    let version = le(data, off + 4, 2).unwrap_or(u64::MAX);
    if h.name.is_empty()
        || h.name.len() > 4096
        || h.name.iter().any(|&b| b < 0x20 || b == 0x7f)
        || !KNOWN_METHODS.contains(&h.method)
        || (version & 0xff) > 63
        || (version >> 8) > 19
    {
        return false;
    }
    if h.flags & 8 == 0 {
        let Some(end) = l.data_start.checked_add(h.csize) else {
            return false;
        };
        if end > data.len() as u64 {
            return false;
        }
        if [LFH, CDH, EOCD, DESCRIPTOR, Z64_EOCD, Z64_LOCATOR]
            .iter()
            .any(|sig| sig_at(data, end, sig))
        {
            return true;
        }
        // A stored entry whose CRC matches: the data agree with the header.
        return h.method == 0
            && h.flags & 1 == 0
            && h.csize == h.usize
            && bytes_at(data, l.data_start, h.csize).is_some_and(|d| crc32fast::hash(d) == h.crc);
    }
    // Streamed: a data descriptor whose compressed size is the distance
    // from the data's start.
    let Some(rest) = data.get(l.data_start as usize..) else {
        return false;
    };
    FIND_DESCRIPTOR
        .find_iter(rest)
        .take(MAX_DESCRIPTOR_CANDIDATES)
        .any(|q| {
            let q = l.data_start + q as u64;
            le(data, q + 8, 4) == Some(q - l.data_start)
                || le(data, q + 8, 8) == Some(q - l.data_start)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_seen_again_only_as_the_same_kind() {
        // (raw, shown) in order, and whether each overwrites an earlier one.
        type Entries<'a> = &'a [(&'a [u8], &'a str)];
        let cases: &[(Entries<'_>, [bool; 3])] = &[
            // The same raw bytes, shown alike or not.
            (
                &[(b"a", "a"), (b"a", "a"), (b"a", "x")],
                [false, true, true],
            ),
            // The same shown name from other raw bytes (a Unicode Path
            // field, or CP437 read as Unicode).
            (
                &[(b"a", "x"), (b"b", "x"), (b"x", "x")],
                [false, true, true],
            ),
            // One entry's raw name is another's shown name: no reader
            // compares the one with the other.
            (
                &[(b"a", "x"), (b"x", "a"), (b"c", "c")],
                [false, false, false],
            ),
            (
                &[(b"\x80", "\u{c7}"), (b"\xc3\x87", "\u{c7}"), (b"\x80", "b")],
                [false, true, true],
            ),
        ];
        for (entries, again) in cases {
            let mut seen = NamesSeen::with_capacity(0);
            for (i, (raw, shown)) in entries.iter().enumerate() {
                assert_eq!(seen.again(raw, shown), again[i], "{entries:?} at {i}");
            }
        }
    }

    #[test]
    fn range_index_finds_the_covering_range() {
        let mk = data_range;
        let idx = RangeIndex::new(&[mk(10, 100), mk(20, 30), mk(200, 210)]);
        assert_eq!(idx.covering_end(25), Some(100));
        assert_eq!(idx.covering_end(150), None);
        assert_eq!(idx.covering_end(205), Some(210));
        assert_eq!(idx.covering_end(5), None);
    }

    proptest::proptest! {
        /// The gallop from any hint is the binary search.
        #[test]
        fn gallop_is_partition_point(
            mut v in proptest::collection::vec(0u64..64, 0..80),
            hint in 0usize..100,
            x in 0u64..70,
        ) {
            v.sort_unstable();
            proptest::prop_assert_eq!(gallop(&v, hint, |s| s <= x), v.partition_point(|&s| s <= x));
            proptest::prop_assert_eq!(gallop(&v, hint, |s| s < x), v.partition_point(|&s| s < x));
        }

        /// The index answers what the ranges themselves say, whatever
        /// order it is asked in (each answer read off the ranges directly).
        #[test]
        fn range_index_answers_do_not_depend_on_order(
            ranges in proptest::collection::vec((0u64..200, 1u64..40), 0..30),
            asks in proptest::collection::vec(0u64..260, 1..40),
        ) {
            let entries: Vec<Entry<'static>> =
                ranges.iter().map(|&(s, l)| data_range(s, s + l)).collect();
            let spans = || ranges.iter().map(|&(s, l)| (s, s + l));
            let idx = RangeIndex::new(&entries);
            for &p in &asks {
                let end = spans().filter(|&(s, _)| s <= p).map(|(_, e)| e).max();
                proptest::prop_assert_eq!(idx.covering_end(p), end.filter(|&e| e > p));
                let start = spans().filter(|&(s, e)| s <= p && p < e).map(|(s, _)| s).min();
                proptest::prop_assert_eq!(idx.covering_start(p), start);
                let reach = spans().filter(|&(s, _)| s < p).map(|(_, e)| e).max();
                proptest::prop_assert_eq!(idx.reach_below(p), reach.unwrap_or(0));
            }
        }
    }

    /// An entry that is only its data's range.
    fn data_range(s: u64, e: u64) -> Entry<'static> {
        Entry {
            header: Header {
                flags: 0,
                method: 0,
                mod_time: 0,
                crc: 0,
                csize: 0,
                usize: 0,
                name: &[],
                aes: None,
                unicode_paths: Vec::new(),
            },
            lfh_offset: 0,
            data_start: s,
            data_end: e,
            record_end: e,
            truncated: false,
            end_unknown: false,
            symlink: false,
            view: View::Central,
            overlaps: false,
            name: String::new(),
            alt_names: Vec::new(),
        }
    }

    #[test]
    fn the_end_search_jumps_over_entries_data() {
        let mut data = vec![0u8; 300];
        for at in [10, 50, 120, 250, 296] {
            data[at..at + 4].copy_from_slice(EOCD);
        }
        // 40..200 is an entry's data: the signatures at 50 and 120 are an
        // inner archive's, read when that entry is.
        let index = RangeIndex::new(&[data_range(40, 200), data_range(100, 130)]);
        assert_eq!(index.covering_start(120), Some(40));
        assert_eq!(index.covering_start(39), None);
        assert_eq!(index.reach_below(250), 200);
        let mut search = EndSearch::new(data.len(), 16);
        let mut got = Vec::new();
        while let Some(p) = search.next(&data, &index) {
            got.push(p);
        }
        assert_eq!(got, [296, 250, 10]);
    }

    proptest::proptest! {
        /// The search in the gaps gives what the forward pass over the
        /// whole file gave: every signature, last first, those covered at
        /// their turn skipped, while each one taken adds entries' data.
        #[test]
        fn the_end_search_gives_what_the_whole_pass_gave(
            data in proptest::collection::vec(
                proptest::sample::select(vec![b'P', b'K', 5u8, 6, 0]), 0..600),
            window in 1usize..80,
            added in proptest::collection::vec(
                proptest::collection::vec((0u64..620, 0u64..200), 0..3), 0..40),
        ) {
            let mut data = data;
            for i in (0..data.len().saturating_sub(3)).step_by(37) {
                data[i..i + 4].copy_from_slice(EOCD);
            }
            let grow = |ranges: &mut Vec<Entry>, turn: usize| {
                for &(s, n) in added.get(turn).map_or(&[][..], Vec::as_slice) {
                    ranges.push(data_range(s, s + n));
                }
                RangeIndex::new(ranges)
            };
            let mut want = Vec::new();
            let (mut ranges, mut index) = (Vec::new(), RangeIndex::new(&[]));
            let all: Vec<usize> = FIND_EOCD.find_iter(&data).collect();
            for &p in all.iter().rev() {
                if index.covering_end(p as u64).is_none() {
                    index = grow(&mut ranges, want.len());
                    want.push(p as u64);
                }
            }
            let mut got = Vec::new();
            let (mut ranges, mut index) = (Vec::new(), RangeIndex::new(&[]));
            let mut search = EndSearch::new(data.len(), window);
            while let Some(p) = search.next(&data, &index) {
                index = grow(&mut ranges, got.len());
                got.push(p);
            }
            proptest::prop_assert_eq!(got, want);
        }
    }

    proptest::proptest! {
        /// The last end record near the end is the one a forward pass over
        /// a comment's reach finds last, wherever the signatures lie.
        #[test]
        fn the_last_end_record_is_the_forward_pass_last(
            len in 0usize..70_000,
            at in proptest::collection::vec(0usize..70_000, 0..4),
            seed in proptest::prelude::any::<u64>(),
        ) {
            // Filler of the signature's own bytes and zeros: partial
            // signatures and stray 6s (what the backward search keys on)
            // everywhere.
            let mut x = seed | 1;
            let mut data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    [0, b'P', b'K', 5, 6][(x % 5) as usize]
                })
                .collect();
            for a in at.into_iter().filter(|&a| a + 4 <= len) {
                data[a..a + 4].copy_from_slice(EOCD);
            }
            let tail = len.saturating_sub(22 + 65535);
            let want = FIND_EOCD.find_iter(&data[tail..]).last().map(|p| tail + p);
            proptest::prop_assert_eq!(last_end_record(&data), want);
        }
    }

    #[test]
    fn garbage_never_panics() {
        for n in 0..64u8 {
            let mut v = vec![n; 200];
            v[0..4].copy_from_slice(LFH);
            v[100..104].copy_from_slice(EOCD);
            v[150..154].copy_from_slice(CDH);
            let _ = analyze(&v, 100);
            let _ = quick_listing(&v, 10);
            let _ = first_archive_offset(&v);
        }
    }
}

//! OLE2 compound files (Word, Excel, PowerPoint, Outlook, embedded
//! objects): every stream is a child named by its storage path
//! (`ObjectPool/_123/\x01Ole10Native`); what the streams carry is a child
//! too: the file a Packager object holds (by its own name), an Outlook
//! attachment (by its file name), and the source of each VBA module, with
//! findings for macros that run by themselves and for Equation Editor
//! objects.
//!
//! `cfb` reads the directory and the sector chains. It is a third-party
//! parser fed hostile bytes: it runs inside `catch_unwind`, and no stream
//! is read past the budget or past the file's own length, whatever the
//! directory declares.

use std::collections::HashMap;
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::budget::{Charged, Stop};
use crate::finding::FindingKind;
use crate::format::cfbhead::{Listing, MAX_DEPTH};
use crate::format::offcrypto::{self, Unreadable, VELVET_SWEATSHOP};
use crate::format::{biff, oleobj, ovba, ppt, roundtrip, worddoc};
use crate::limits::LimitKind;
use crate::report::Origin;

/// Directory entries listed at most; a real document has a few dozen.
const MAX_ENTRIES: usize = 100_000;

/// The CLSIDs of Equation Editor 3.0 (and 2.0) objects, lowercase.
const EQUATION_CLSIDS: &[&str] = &[
    "0002ce02-0000-0000-c000-000000000046",
    "0002ce03-0000-0000-c000-000000000046",
    "00021700-0000-0000-c000-000000000046",
];

/// How much a `dir` stream may decompress to: it lists modules, nothing
/// more (a real one is a few KiB).
const MAX_DIR: usize = 4 << 20;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let done = catch_unwind(AssertUnwindSafe(|| read(data, ctx, &mut out)));
    if done.is_err() {
        out.findings.push(FindingKind::Malformed {
            detail: "OLE2 compound file could not be parsed".into(),
        });
    }
    out
}

/// One directory entry.
struct Entry {
    path: PathBuf,
    name: String,
    stream: bool,
}

fn read(data: &Bytes, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    let mut cf = match crate::format::cfbhead::open(data) {
        Ok(cf) => cf,
        Err(e) => {
            out.findings.push(FindingKind::Malformed {
                detail: format!("OLE2 directory: {e}"),
            });
            return;
        }
    };
    let mut entries = Vec::new();
    let mut equation = None;
    let listing = crate::format::cfbhead::list(&cf, MAX_ENTRIES);
    out.findings.extend(listing_findings(&listing, "OLE2"));
    for e in listing.entries {
        let clsid = e.clsid().to_string().to_ascii_lowercase();
        if equation.is_none() && EQUATION_CLSIDS.contains(&clsid.as_str()) {
            equation = Some(format!("CLSID {clsid} of {}", shown(e.path())));
        }
        if equation.is_none() && e.is_stream() && e.name() == "Equation Native" {
            equation = Some(format!("stream {}", shown(e.path())));
        }
        entries.push(Entry {
            path: e.path().to_path_buf(),
            name: e.name().to_owned(),
            stream: e.is_stream(),
        });
    }
    if let Some(evidence) = equation {
        out.findings.push(FindingKind::EquationObject { evidence });
    }
    // Every stream's bytes, read once: children are made of them, and the
    // VBA project and Outlook names are read from them.
    let mut streams: HashMap<PathBuf, Charged> = HashMap::new();
    let mut listed = 0u64;
    let file_len = data.len() as u64;
    for e in entries.iter().filter(|e| e.stream) {
        if listed >= ctx.budget.objects_left() {
            out.entries_cut(listed as usize);
            break;
        }
        let drained = match cf.open_stream(&e.path) {
            Ok(s) => ctx.budget.drain(s.take(file_len), 0),
            Err(err) => {
                out.findings.push(FindingKind::Malformed {
                    detail: format!("{:?}: {err}", shown(&e.path)),
                });
                continue;
            }
        };
        listed += 1;
        let name = shown(&e.path);
        let before = out.children.len();
        let parts = if OFFICE_PART_STREAMS
            .iter()
            .any(|s| e.name.eq_ignore_ascii_case(s))
        {
            roundtrip::part_zips(&drained.data)
        } else {
            Vec::new()
        };
        if parts.is_empty() {
            out.push_drained(name, Origin::Unnamed, drained);
            if let Some(c) = out.children.get(before) {
                streams.insert(e.path.clone(), c.data.clone());
            }
        } else {
            streams.insert(e.path.clone(), drained.data.clone());
            office_parts(&name, drained, &parts, ctx, out);
        }
    }
    for e in entries.iter().filter(|e| e.stream) {
        let Some(bytes) = streams.get(&e.path) else {
            continue;
        };
        if e.name == "\u{1}Ole10Native" {
            packaged(&e.path, bytes, ctx, out);
        } else if e.name.eq_ignore_ascii_case("Workbook") || e.name.eq_ignore_ascii_case("Book") {
            workbook(&e.path, bytes, ctx, out);
        } else if e.name.eq_ignore_ascii_case("PowerPoint Document") {
            presentation(&e.path, bytes, ctx, out);
        } else if e.name.eq_ignore_ascii_case("WordDocument") {
            // A DDE field runs its command as Word opens the document, as
            // in a docx.
            let mut dde = Vec::new();
            for instruction in worddoc::field_instructions(bytes) {
                crate::format::ooxml::dde_field(&instruction, &mut dde);
            }
            out.findings
                .extend(dde.into_iter().map(super::ooxml::finding));
        }
    }
    let named = Named::new(&entries);
    attachments(&entries, &named, &streams, ctx, out);
    encrypted_package(&named, &streams, ctx, out);
    encrypted_binary_documents(&entries, &named, &streams, out);
    for e in entries
        .iter()
        .filter(|e| !e.stream && e.name.eq_ignore_ascii_case("VBA"))
    {
        vba(&e.path, &named, &streams, ctx, out);
    }
}

/// The streams in which Office 2007 and later keep zips of their own
/// parts (see [`roundtrip`]).
const OFFICE_PART_STREAMS: &[&str] = &[
    "PowerPoint Document",
    "1Table",
    "0Table",
    "Workbook",
    "Book",
];

/// A stream that holds zips of Office's own parts: each zip is a child of
/// its own, and the stream a child with their bytes blanked, so that it is
/// not read as a file with archives glued inside (the zips are scanned,
/// and unpacked, as themselves).
fn office_parts(
    name: &str,
    stream: crate::budget::Drained,
    parts: &[std::ops::Range<usize>],
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
) {
    let whole = stream.data.clone();
    let mut blanked = whole.to_vec();
    for p in parts {
        blanked[p.clone()].fill(0);
    }
    let mut rest = ctx.budget.take(blanked);
    rest.limit = rest.limit.or(stream.limit);
    rest.error = rest.error.or(stream.error);
    out.push_drained(name.to_owned(), Origin::Unnamed, rest);
    for (i, p) in parts.iter().enumerate() {
        if ctx.budget.objects_left() == 0 {
            out.entries_cut(out.children.len());
            return;
        }
        out.push_slice(
            format!("<Office part zip {} of {name}>", i + 1),
            Origin::Carved {
                offset: p.start as u64,
            },
            whole.slice(p.clone()),
            ctx.budget,
        );
    }
}

/// What a compound file's listing could not reach, as findings (`what`
/// names the file's kind).
pub(super) fn listing_findings(listing: &Listing, what: &str) -> Vec<FindingKind> {
    let mut out = Vec::new();
    if listing.cut {
        out.push(FindingKind::Limit {
            limit: LimitKind::Objects,
            detail: format!(
                "{what}: listing stopped after {} entries",
                listing.entries.len()
            ),
        });
    }
    if listing.too_deep {
        out.push(FindingKind::Limit {
            limit: LimitKind::Depth,
            detail: format!(
                "{what}: storages nested deeper than {MAX_DEPTH} levels were not listed"
            ),
        });
    }
    if let Some(first) = listing.unlisted.first() {
        out.push(FindingKind::Malformed {
            detail: format!(
                "{what}: {} storages could not be listed (the first {first:?})",
                listing.unlisted.len()
            ),
        });
    }
    out
}

/// A storage path as a name: no leading slash, control characters written
/// as `\xNN` (`\x01Ole10Native`, `\x05SummaryInformation`).
fn shown(path: &Path) -> String {
    let s = path.to_string_lossy();
    let s = s.trim_start_matches('/');
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The file an `\x01Ole10Native` stream carries, named as it was packaged.
fn packaged(path: &Path, stream: &Charged, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    let Some(p) = oleobj::ole10native(stream) else {
        out.findings.push(FindingKind::Malformed {
            detail: format!("{:?}: not a Packager object", shown(path)),
        });
        return;
    };
    push_packaged(&p, stream, &shown(path), ctx, out);
}

/// Pushes the file of a Packager object whose ranges are into `bytes`.
pub(super) fn push_packaged(
    p: &oleobj::Packaged,
    bytes: &Bytes,
    place: &str,
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
) {
    let mut names: Vec<String> = Vec::new();
    for n in [&p.file_name, &p.label, &p.temp_path] {
        let base = oleobj::base_name(n).to_owned();
        if !base.is_empty() && !names.contains(&base) {
            names.push(base);
        }
    }
    let (name, origin) = match names.first() {
        Some(n) => (n.clone(), Origin::Entry),
        None => (format!("<packaged file of {place}>"), Origin::Unnamed),
    };
    let before = out.children.len();
    let Some(data) = bytes
        .get(p.data.clone())
        .map(|_| bytes.slice(p.data.clone()))
    else {
        return;
    };
    out.push_slice(name.clone(), origin, data, ctx.budget);
    if let Some(c) = out.children.get_mut(before) {
        c.alt_names = names.into_iter().skip(1).collect();
        if p.truncated {
            c.findings.push(FindingKind::Malformed {
                detail: format!("{name:?}: the packaged file is cut short"),
            });
        }
    }
}

/// An Excel workbook stream: its findings where it is embedded in another
/// document (the root's are read by detection), and the stream decrypted,
/// where `VelvetSweatshop` opens it, as a child: its formulas and strings
/// are matched as the rules would see them unencrypted.
fn workbook(path: &Path, stream: &Charged, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    let mut found = Vec::new();
    let read = biff::inspect(stream, ctx.passwords, &mut found);
    // Detection reads a workbook at the root with `VelvetSweatshop` alone:
    // what a candidate password opened is new there (its findings beside
    // detection's, which said the workbook stayed encrypted).
    if path.parent() != Some(Path::new("/")) || read.by_candidate {
        out.findings.append(&mut found);
    }
    let Some(plain) = read.plain else {
        return;
    };
    if ctx.budget.objects_left() == 0 {
        out.entries_cut(out.children.len());
        return;
    }
    let drained = ctx.budget.take(plain);
    out.push_drained(
        format!("<decrypted {}>", shown(path)),
        Origin::Decoded,
        drained,
    );
}

/// Storages at most read from one presentation; each is an embedded object
/// or the VBA project.
const MAX_PPT_STORAGES: usize = 10_000;

/// A PowerPoint 97-2003 presentation's embedded objects and VBA project:
/// compound files inside its records (see [`ppt`]), inflated where they
/// are compressed, each a child (which is then read as the compound file
/// it is: a VBA storage in it is a macro).
fn presentation(path: &Path, stream: &Charged, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    let place = shown(path);
    let walked = ppt::storages(stream, MAX_PPT_STORAGES);
    if let Some(at) = walked.broken_at {
        out.findings.push(FindingKind::Malformed {
            detail: format!("{place:?}: a record at {at} runs past its container"),
        });
    }
    if walked.too_deep {
        out.findings.push(FindingKind::Limit {
            limit: LimitKind::Depth,
            detail: format!(
                "{place:?}: records nested deeper than {} levels were not read",
                ppt::MAX_DEPTH
            ),
        });
    }
    if walked.cut {
        out.entries_cut(out.children.len());
    }
    for (i, st) in walked.storages.iter().enumerate() {
        if ctx.budget.objects_left() == 0 {
            out.entries_cut(out.children.len());
            return;
        }
        let name = format!("<storage {} of {place}>", i + 1);
        if !st.compressed {
            let body = stream.slice(st.body.clone());
            out.push_slice(name, Origin::Decoded, body, ctx.budget);
            continue;
        }
        // The size it declares (4 bytes) sizes nothing; the zlib stream
        // follows. PowerPoint may end that stream at a flush, without its
        // last block: what stops there, at the declared size, is whole.
        let declared = stream
            .get(st.body.start..st.body.start + 4)
            .map(|d| u64::from(u32::from_le_bytes([d[0], d[1], d[2], d[3]])));
        let zlib = stream.get(st.body.start + 4..st.body.end).unwrap_or(&[]);
        let mut drained = ctx
            .budget
            .drain(flate2::bufread::ZlibDecoder::new(zlib), zlib.len() as u64);
        if drained.limit.is_none()
            && drained
                .error
                .as_ref()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::UnexpectedEof)
            && declared == Some(drained.data.len() as u64)
        {
            drained.error = None;
        }
        out.push_drained(name, Origin::Decoded, drained);
    }
}

/// An encrypted OOXML document (`EncryptionInfo` and `EncryptedPackage`
/// at the root): opened with Excel's fixed password or a candidate, its
/// package is a child; either way it is an encrypted finding. The names
/// are matched as compound files match them, without regard to case.
fn encrypted_package(
    named: &Named<'_>,
    streams: &HashMap<PathBuf, Charged>,
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
) {
    let root = Path::new("/");
    let Some(package) = stream_named(root, "EncryptedPackage", named, streams) else {
        return;
    };
    let finding = |method: &str, decrypted: bool| FindingKind::Encrypted {
        entry: "EncryptedPackage".into(),
        method: method.into(),
        decrypted,
    };
    let Some(info) = stream_named(root, "EncryptionInfo", named, streams) else {
        out.findings.push(finding("office", false));
        out.findings.push(FindingKind::Malformed {
            detail: "an EncryptedPackage without its EncryptionInfo".into(),
        });
        return;
    };
    let info = match offcrypto::parse(info, crate::unpack::decode::base64) {
        Ok(info) => info,
        Err(e) => {
            out.findings.push(finding("office", false));
            out.findings.push(match e {
                Unreadable::Malformed(_) => FindingKind::Malformed {
                    detail: e.to_string(),
                },
                _ => FindingKind::UnsupportedMethod {
                    entry: "EncryptedPackage".into(),
                    method: e.to_string(),
                },
            });
            return;
        }
    };
    // Office writes 100,000 rounds; a document that asks for more (up to
    // MAX_SPIN) is tried with VelvetSweatshop alone, so that a crafted
    // spin count is not paid once per candidate.
    let cheap = info.rounds() <= offcrypto::OFFICE_SPIN;
    let candidates = std::iter::once(VELVET_SWEATSHOP)
        .chain(ctx.passwords.iter().filter(|_| cheap).map(String::as_str));
    let mut key = None;
    for password in candidates {
        // Each attempt spins a hash up to a million times.
        if let Err(limit) = ctx.budget.check_time() {
            out.findings.push(FindingKind::Limit {
                limit,
                detail: "candidate passwords for the Office document were not all tried".into(),
            });
            break;
        }
        key = info.open(password);
        if key.is_some() {
            break;
        }
    }
    out.findings.push(finding(info.method(), key.is_some()));
    let Some(key) = key else {
        return;
    };
    if ctx.budget.objects_left() == 0 {
        out.entries_cut(out.children.len());
        return;
    }
    let drained = ctx.budget.fill(package.len() as u64, |buf, cap, _| {
        let cap = usize::try_from(cap).unwrap_or(usize::MAX);
        let d = key.decrypt(package, buf, cap);
        if d.truncated {
            return Err(Stop::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the encrypted package is cut short",
            )));
        }
        Ok(d.capped)
    });
    out.push_drained("<decrypted package>".into(), Origin::Decoded, drained);
}

/// Word and PowerPoint 97-2003 documents, here or embedded in a storage,
/// that are encrypted: their text, macros and objects are unreadable
/// without the password (which is not tried: Word's RC4 and PowerPoint's
/// CryptoAPI encryption are not read here), so each is a finding.
fn encrypted_binary_documents(
    entries: &[Entry],
    named: &Named<'_>,
    streams: &HashMap<PathBuf, Charged>,
    out: &mut Unpacked,
) {
    for e in entries.iter().filter(|e| e.stream) {
        let Some(bytes) = streams.get(&e.path) else {
            continue;
        };
        let storage = e.path.parent().unwrap_or(Path::new("/"));
        let method = if e.name.eq_ignore_ascii_case("WordDocument") {
            offcrypto::word_encryption(bytes)
        } else if e.name.eq_ignore_ascii_case("Current User")
            && stream_named(storage, "PowerPoint Document", named, streams).is_some()
        {
            offcrypto::powerpoint_encrypted(bytes).then_some("powerpoint-cryptoapi")
        } else {
            None
        };
        if let Some(method) = method {
            out.findings.push(FindingKind::Encrypted {
                entry: shown(&e.path),
                method: method.into(),
                decrypted: false,
            });
        }
    }
}

/// Outlook attachments: the data stream of each `__attach_version1.0_#`
/// storage again, under the attachment's file name. Names are matched
/// without regard to case, as compound files match them (Outlook reads
/// `__substg1.0_3707001f` as `..._3707001F`).
fn attachments(
    entries: &[Entry],
    named: &Named<'_>,
    streams: &HashMap<PathBuf, Charged>,
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
) {
    let is_attachment = |e: &Entry| {
        !e.stream
            && e.name
                .get(..21)
                .is_some_and(|p| p.eq_ignore_ascii_case("__attach_version1.0_#"))
    };
    if entries.iter().any(is_attachment) {
        // The message's subject and plain text body may give the password
        // of what it carries (Unicode properties, then 8-bit ones).
        let root = Path::new("/");
        for tag in ["0037001F", "0037001E", "1000001F", "1000001E"] {
            if let Some(text) = property_text(named, streams, root, tag) {
                crate::format::passhint::from_text(&text, &mut out.passwords);
            }
        }
    }
    for e in entries.iter().filter(|e| is_attachment(e)) {
        let Some(data) = stream_named(&e.path, "__substg1.0_37010102", named, streams) else {
            continue;
        };
        let name = ["3707001F", "3704001F", "3707001E", "3704001E"]
            .iter()
            .find_map(|tag| property_text(named, streams, &e.path, tag));
        if let Some(name) = name {
            if ctx.budget.objects_left() == 0 {
                out.entries_cut(out.children.len());
                return;
            }
            out.push_slice(name, Origin::Entry, data.clone().into_bytes(), ctx.budget);
        }
    }
}

/// An Outlook string property of the storage at `path` (`tag` ending in
/// `001F` for UTF-16, `001E` for 8-bit text), without its terminator;
/// None when absent or empty.
fn property_text(
    named: &Named<'_>,
    streams: &HashMap<PathBuf, Charged>,
    path: &Path,
    tag: &str,
) -> Option<String> {
    let s = stream_named(path, &format!("__substg1.0_{tag}"), named, streams)?;
    // As much as a password is looked for in (a name is far shorter).
    let s = &s[..s.len().min(2 * crate::format::passhint::MAX_TEXT)];
    let text = if tag.ends_with('F') {
        let units = s.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    } else {
        s.iter().map(|&c| char::from(c)).collect()
    };
    let text = text.trim_end_matches('\0');
    (!text.is_empty()).then(|| text.to_owned())
}

/// A VBA project: its modules' source, decompressed, each a child; a
/// finding for the project and for each procedure that runs by itself.
fn vba(
    storage: &Path,
    named: &Named<'_>,
    streams: &HashMap<PathBuf, Charged>,
    ctx: &mut Ctx<'_>,
    out: &mut Unpacked,
) {
    let project = shown(storage);
    let Some(dir) = stream_named(storage, "dir", named, streams) else {
        out.findings.push(FindingKind::Macros {
            project: project.clone(),
            modules: Vec::new(),
        });
        out.findings.push(FindingKind::Malformed {
            detail: format!("{project:?}: a VBA storage without its dir stream"),
        });
        return;
    };
    let mut decompressed = Vec::new();
    let cap = MAX_DIR.min(dir.len().saturating_mul(1000));
    if let Err(e) = ovba::decompress(dir, &mut decompressed, cap) {
        out.findings.push(FindingKind::Malformed {
            detail: format!("{project:?}/dir: {e}"),
        });
    }
    let (modules, bad) = ovba::modules(&decompressed);
    if bad {
        out.findings.push(FindingKind::Malformed {
            detail: format!("{project:?}/dir: its records run past its end"),
        });
    }
    out.findings.push(FindingKind::Macros {
        project: project.clone(),
        modules: modules.iter().map(|m| m.name.clone()).collect(),
    });
    for m in &modules {
        let Some(stream) = stream_named(storage, &m.stream, named, streams) else {
            out.findings.push(FindingKind::Malformed {
                detail: format!("{project:?}: module {:?} has no stream", m.name),
            });
            continue;
        };
        if ctx.budget.objects_left() == 0 {
            out.entries_cut(out.children.len());
            return;
        }
        let Some(packed) = stream.get(m.text_offset as usize..) else {
            out.findings.push(FindingKind::Malformed {
                detail: format!("{project:?}: module {:?} starts past its stream", m.name),
            });
            continue;
        };
        let drained = ctx.budget.fill(packed.len() as u64, |buf, cap, _| {
            let cap = usize::try_from(cap).unwrap_or(usize::MAX);
            ovba::decompress(packed, buf, cap).map_err(|e| {
                Stop::Io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    e.to_string(),
                ))
            })
        });
        for entry in ovba::autorun_entries(&drained.data) {
            out.findings.push(FindingKind::MacroAutorun {
                module: m.name.clone(),
                entry,
            });
        }
        out.push_drained(
            format!("<VBA source of {}>", m.name),
            Origin::Decoded,
            drained,
        );
        // The script rules see macro code as what it is (`xferscan_type`
        // is `vba`), whatever the text looks like.
        out.declare_last(crate::types::known::VBA);
    }
}

/// Each stream by its storage and its name in ASCII lowercase (compound
/// files match names without regard to case), the first of a name kept:
/// built once, so that a VBA project of thousands of modules in a file of
/// thousands of entries is not their product.
struct Named<'e>(HashMap<(&'e Path, String), &'e Path>);

impl<'e> Named<'e> {
    fn new(entries: &'e [Entry]) -> Self {
        let mut m = HashMap::new();
        for e in entries.iter().filter(|e| e.stream) {
            if let Some(parent) = e.path.parent() {
                m.entry((parent, e.name.to_ascii_lowercase()))
                    .or_insert(e.path.as_path());
            }
        }
        Named(m)
    }
}

/// The stream `name` in `storage`, matched without regard to case.
fn stream_named<'a>(
    storage: &Path,
    name: &str,
    named: &Named<'_>,
    streams: &'a HashMap<PathBuf, Charged>,
) -> Option<&'a Charged> {
    let path = named.0.get(&(storage, name.to_ascii_lowercase()))?;
    streams.get(*path)
}

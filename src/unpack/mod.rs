//! Container unpacking. Each format has its own module; none of them
//! recurses, counts its own budget or calls back into the engine. They hand
//! children back to the engine's work queue, and every byte they produce
//! goes through [`Budget::drain`](crate::limits::Budget) on the way.

pub(crate) mod ar;
pub(crate) mod chm;
pub(crate) mod cms;
pub(crate) mod compressed;
pub(crate) mod cpio;
pub(crate) mod datauri;
pub(crate) mod decode;
pub(crate) mod iso2022jp;
pub(crate) mod mime;
pub(crate) mod mso;
pub(crate) mod odf;
pub(crate) mod ole;
pub(crate) mod onenote;
pub(crate) mod ooxml;
pub(crate) mod pdf;
pub(crate) mod pdf_filters;
pub(crate) mod rtf;
pub(crate) mod screnc;
pub(crate) mod sevenz;
pub(crate) mod smuggle;
pub(crate) mod tar;
pub(crate) mod textenc;
pub(crate) mod tnef;
pub(crate) mod utf16;
pub(crate) mod zip;
// Disk images.
pub(crate) mod fat;
pub(crate) mod image;
pub(crate) mod iso;
pub(crate) mod lha;
pub(crate) mod vhd;

pub(crate) mod cab;
pub(crate) mod msi;
pub(crate) mod rar;
#[cfg(feature = "rar")]
pub(crate) mod unrar;

use bytes::Bytes;

use crate::budget::{Budget, Charged, Drained};
use crate::finding::FindingKind;
use crate::format::keys::KeyBytes;
use crate::format::passhint;
use crate::limits::LimitKind;
use crate::report::Origin;
use crate::report::{TypeAt, primary};
use crate::types::{FileType, known};

/// What an unpacker may use: the scan's budget and the candidate passwords.
pub(crate) struct Ctx<'a> {
    pub budget: &'a mut Budget,
    pub passwords: &'a [String],
    /// Zeros that follow the object's bytes and were not kept (see
    /// [`Unpacked::zeros_after`]).
    pub zeros_after: u64,
}

/// Candidate passwords in the order they are tried: `first` (those named
/// nearest the object), then those of `rest` not among them.
pub(crate) fn passwords_first(first: &[String], rest: &[String]) -> Vec<String> {
    first
        .iter()
        .chain(rest.iter().filter(|p| !first.contains(p)))
        .cloned()
        .collect()
}

/// One object unpacked from a container.
#[derive(Debug)]
pub(crate) struct Child {
    /// Its name inside the container (an entry name, or a label in angle
    /// brackets for carved regions).
    pub name: String,
    /// Where it came from: whether `name` is the sender's or our label.
    pub origin: Origin,
    /// Other names that some reader of the container shows for it (a zip
    /// entry's header name beside its Unicode Path name): the engine checks
    /// them as it checks `name`.
    pub alt_names: Vec<String>,
    /// Its bytes: a slice of the container's where stored, owned when
    /// inflated; charged to the budget either way.
    pub data: Charged,
    /// Findings about the child itself (a checksum mismatch, a truncation).
    pub findings: Vec<FindingKind>,
    /// Other children share this one's buffer (hash it once).
    pub shared: bool,
}

/// What an unpacker returns.
#[derive(Debug, Default)]
pub(crate) struct Unpacked {
    pub children: Vec<Child>,
    /// Findings about the container.
    pub findings: Vec<FindingKind>,
    /// The type that the container declares for some children, by index
    /// into `children`: the text of an HTML `<script>` element is
    /// JavaScript whatever it looks like. The engine takes it for a child
    /// whose content reads as text only.
    pub declared: Vec<(usize, FileType)>,
    /// Children whose bytes were cut where only zeros follow (a sparse
    /// virtual disk's unallocated end), by index, with how many: their
    /// readers take those bytes as there, and zero.
    pub zeros_after: Vec<(usize, u64)>,
    /// Passwords the container's own text gives (a mail's body: "the
    /// password is 4471"): tried first on what lies below it, its children
    /// and theirs.
    pub passwords: Vec<String>,
}

impl Unpacked {
    /// Declares the type of the child pushed last (see `declared`).
    pub(crate) fn declare_last(&mut self, ty: FileType) {
        if let Some(i) = self.children.len().checked_sub(1) {
            self.declared.push((i, ty));
        }
    }

    /// The type declared for child `i`, if any.
    pub(crate) fn declared_type(&self, i: usize) -> Option<FileType> {
        self.declared.iter().find(|(j, _)| *j == i).map(|(_, t)| *t)
    }

    /// A child produced by a bounded decode: whatever was produced is kept
    /// and scanned, and a limit or error becomes a finding.
    pub(crate) fn push_drained(&mut self, name: String, origin: Origin, d: Drained) {
        let mut findings = Vec::new();
        if let Some(limit) = d.limit {
            findings.push(FindingKind::Limit {
                limit,
                detail: format!("{name:?} was cut at {} bytes", d.data.len()),
            });
        }
        if let Some(e) = d.error {
            findings.push(FindingKind::Malformed {
                detail: format!("{name:?}: {e}"),
            });
        }
        self.children.push(Child {
            name,
            origin,
            alt_names: Vec::new(),
            data: d.data,
            findings,
            shared: false,
        });
    }

    /// A child that is a slice of its container.
    pub(crate) fn push_slice(
        &mut self,
        name: String,
        origin: Origin,
        data: Bytes,
        budget: &mut Budget,
    ) {
        let len = data.len();
        match budget.charge_slice(data) {
            Ok(data) => self.children.push(Child {
                name,
                origin,
                alt_names: Vec::new(),
                data,
                findings: Vec::new(),
                shared: false,
            }),
            Err(limit) => {
                let detail = format!("{name:?} ({len} bytes) was not scanned");
                self.findings.push(FindingKind::Limit { limit, detail });
            }
        }
    }

    /// The bytes of `data` from `from` on, which follow the end its
    /// container marks: an appended-data finding, and the bytes scanned as
    /// an object of their own under `label`.
    pub(crate) fn push_appended(
        &mut self,
        label: &str,
        data: &Bytes,
        from: usize,
        budget: &mut Budget,
    ) {
        self.findings.push(FindingKind::AppendedData {
            length: (data.len() - from) as u64,
        });
        let origin = Origin::Carved {
            offset: from as u64,
        };
        self.push_slice(label.into(), origin, data.slice(from..), budget);
    }

    /// Records that the listing stopped at the object budget.
    pub(crate) fn entries_cut(&mut self, listed: usize) {
        self.findings.push(FindingKind::Limit {
            limit: LimitKind::Objects,
            detail: format!("listing stopped after {listed} entries"),
        });
    }
}

/// The types read for what their text carries rather than by structure:
/// pages (HTML, XML and SVG, HTML applications) for `data:` URIs and
/// `<script>` elements, JSON for URIs in its strings, scripts for smuggled
/// payloads. Embedded objects are
/// still looked for in them. (`smuggle::has_work` says when.)
#[cfg(test)]
const SEARCHED: [FileType; 7] = [
    known::TEXT,
    known::JSON,
    known::HTML,
    known::XML,
    known::HTA,
    known::JSCRIPT,
    known::JAVASCRIPT,
];

/// True when unpacking has something to do with this object: a type read by
/// its structure, a type that starts after offset 0, or a page or script
/// that carries something ([`smuggle::has_work`]). `keys` are those of
/// `data` (or [`KeyBytes::ANY`]).
pub(crate) fn has_work(types: &[TypeAt], data: &[u8], keys: KeyBytes) -> bool {
    let primary = primary(types);
    types.len() > 1
        || primary.is_container()
        || smuggle::has_work(primary, data, keys)
        || utf16::has_work(primary, data)
        || textenc::has_work(primary, data, keys)
        || screnc::has_work(primary, data, keys)
        || mime::clients_have_work(primary, data)
        || iso2022jp::has_work(primary, data)
}

/// An unpacker: the object's name (a compressed stream names its content
/// after it), its bytes and what it may spend.
type Unpacker = fn(&str, &Bytes, &mut Ctx<'_>) -> Unpacked;

/// The one dispatch table: the unpacker of each type that
/// [`FileType::is_container`] names, and of the `SEARCHED` pages and
/// scripts.
fn unpacker(t: FileType) -> Option<Unpacker> {
    let table: [(FileType, Unpacker); 39] = [
        (known::GZIP, compressed::gunzip),
        (known::BZIP2, compressed::bunzip2),
        (known::XZ, compressed::unxz),
        (known::LZMA, compressed::unlzma),
        (known::ZSTD, compressed::unzstd),
        (known::LZIP, compressed::unlzip),
        (known::LZOP, compressed::unlzop),
        (known::LZ4, compressed::unlz4),
        (known::COMPRESS, compressed::uncompress),
        (known::TAR, |_, d, c| tar::unpack(d, c)),
        (known::CPIO, |_, d, c| cpio::unpack(d, c)),
        (known::AR, |_, d, c| ar::unpack(d, c)),
        (known::DEB, |_, d, c| ar::unpack(d, c)),
        (known::EMAIL, |_, d, c| mime::unpack(d, c)),
        (known::TNEF, |_, d, c| tnef::unpack(d, c)),
        (known::LZH, |_, d, c| lha::unpack_lha(d, c)),
        (known::ARJ, |_, d, c| lha::unpack_arj(d, c)),
        (known::MSO, |_, d, c| mso::unpack(d, c)),
        (known::SEVENZ, |_, d, c| sevenz::unpack(d, c)),
        // Reached only when `smuggle::has_work` said so, or for the types
        // embedded in it; the unpacker's own search finds what there is.
        (known::TEXT, |_, d, c| smuggle::page(d, c)),
        (known::HTML, |_, d, c| smuggle::page(d, c)),
        (known::XML, |_, d, c| smuggle::page(d, c)),
        (known::JSON, |_, d, c| datauri::unpack_json(d, c)),
        (known::HTA, |_, d, c| smuggle::page(d, c)),
        (known::JSCRIPT, |_, d, c| smuggle::script(d, c)),
        (known::JAVASCRIPT, |_, d, c| smuggle::script(d, c)),
        (known::ONENOTE, |_, d, c| onenote::unpack(d, c)),
        (known::CHM, |_, d, c| chm::unpack(d, c)),
        (known::PKCS7, |_, d, c| cms::unpack(d, c)),
        (known::CAB, |_, d, c| cab::unpack(d, c)),
        (known::MSI, |_, d, c| msi::unpack(d, c)),
        (known::RAR, |_, d, c| rar::unpack(d, c)),
        (known::RTF, |_, d, c| rtf::unpack(d, c)),
        (known::PDF, |_, d, c| pdf::unpack(d, c)),
        // Disk images.
        (known::ISO, |_, d, c| iso::unpack(d, c)),
        (known::UDF, |_, d, c| iso::unpack(d, c)),
        (known::IMG, |_, d, c| fat::unpack(d, c)),
        (known::VHD, |_, d, c| vhd::unpack(d, false, c)),
        (known::VHDX, |_, d, c| vhd::unpack(d, true, c)),
    ];
    if matches!(t.name(), "docx" | "xlsx" | "pptx") {
        return Some(|_, d, c| ooxml::unpack(d, c));
    }
    if t == known::ZIP {
        return Some(|_, d, c| ooxml::unpack_zip(d, c));
    }
    if t.is_zip_based() {
        return Some(|_, d, c| zip::unpack(d, c));
    }
    if t.is_ole_based() {
        return Some(|_, d, c| ole::unpack(d, c));
    }
    table.iter().find(|(ty, _)| *ty == t).map(|(_, u)| *u)
}

/// Unpacks `data` (whose key bytes are `keys`, or [`KeyBytes::ANY`]) by
/// the types detection found in it, the true type first. Types that start
/// after offset 0 (an executable glued to an image) are carved out and
/// scanned as objects of their own.
pub(crate) fn unpack(
    types: &[TypeAt],
    name: &str,
    data: &Bytes,
    keys: KeyBytes,
    ctx: &mut Ctx<'_>,
) -> Unpacked {
    let primary = primary(types);
    // Text in UTF-16 is read in UTF-8, as its child, by every reader.
    let mut out = if utf16::has_work(primary, data) {
        utf16::unpack(data, ctx)
    } else {
        unpacker(primary).map_or_else(Unpacked::default, |u| {
            let out = u(name, data, ctx);
            with_password_files(out, |ctx| u(name, data, ctx), ctx)
        })
    };
    // An OpenDocument package's encrypted entries, by its manifest.
    if primary.is_zip_based() {
        odf::encryption(&mut out);
    }
    // Files uuencoded, in BinHex or yEnc, outside a mail.
    if textenc::has_work(primary, data, keys) {
        textenc::carve(data, ctx, &mut out);
    }
    // Scripts encoded by the Script Encoder, in any text or script.
    if screnc::has_work(primary, data, keys) {
        screnc::carve(data, primary, ctx, &mut out);
    }
    // Text in ISO-2022-JP, decoded as browsers and mail clients decode it.
    if iso2022jp::has_work(primary, data) {
        iso2022jp::unpack(data, ctx, &mut out);
    }
    // A message that mail clients read in what detection read as text.
    mime::clients_message(primary, data, ctx, &mut out);
    // A zip glued behind a container that detection did not search and
    // that read no zip there: a zip reader opens the file by its end record
    // whatever comes first.
    if primary.is_container()
        && !primary.is_zip_based()
        && !primary.searched_for_embedded()
        && !types.iter().any(|t| t.ty == known::ZIP)
    {
        glued_zip(primary, data, ctx, &mut out);
    }
    for t in types.iter().skip(1) {
        let Ok(off) = usize::try_from(t.offset) else {
            continue;
        };
        if off >= data.len() {
            continue;
        }
        if t.ty == known::ZIP {
            // The zip pass finds archives anywhere in the file.
            let inner = zip::unpack(data, ctx);
            out.children.extend(inner.children);
            out.findings.extend(inner.findings);
        } else {
            let label = format!("<embedded {} @{}>", t.ty.name(), off);
            let origin = Origin::Carved { offset: t.offset };
            out.push_slice(label, origin, data.slice(off..), ctx.budget);
        }
    }
    out
}

/// Carves the zip that a zip reader finds in `data` (a container of type
/// `primary`) by its end record, when it starts after offset 0 (a zip at 0
/// is read as one by detection) and no child of the container holds it
/// whole, from its first local header to the end of its end record: as a
/// slice of `data`, or as a copy that begins with those bytes. A child that
/// holds only a part (a region the container declares over the zip's
/// first bytes) does not count: the zip reader reads the rest. The carved
/// zip is a child of its own, and the file a polyglot.
fn glued_zip(primary: FileType, data: &Bytes, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    let Some(span) = crate::format::zip::archive_by_end_record(data)
        .and_then(|s| Some(usize::try_from(s.start).ok()?..usize::try_from(s.end).ok()?))
        .filter(|s| s.start > 0 && s.start < s.end && s.end <= data.len())
    else {
        return;
    };
    let zip = &data[span.clone()];
    let base = data.as_ptr() as usize;
    let holds = |c: &Child| {
        let start = c.data.as_ptr() as usize;
        (start <= base + span.start && base + span.end <= start + c.data.len())
            || c.data.starts_with(zip)
    };
    if out.children.iter().any(holds) {
        return;
    }
    let off = span.start;
    out.findings.push(FindingKind::Polyglot {
        types: vec![
            format!("{}@0", primary.name()),
            format!("{}@{off}", known::ZIP.name()),
        ],
    });
    let origin = Origin::Carved { offset: off as u64 };
    out.push_slice(
        format!("<embedded zip @{off}>"),
        origin,
        data.slice(off..),
        ctx.budget,
    );
}

/// A password file among a container's children (`password.txt` beside
/// the encrypted archive it opens, as downloads of cracked software and
/// their stealers come): its candidates are tried first below the
/// container, and, when an entry of the container itself stayed
/// encrypted, the container is read again with them first (its entries
/// charged again: they are produced again).
fn with_password_files(
    out: Unpacked,
    again: impl FnOnce(&mut Ctx<'_>) -> Unpacked,
    ctx: &mut Ctx<'_>,
) -> Unpacked {
    let mut found = Vec::new();
    for c in out
        .children
        .iter()
        .filter(|c| passhint::is_password_file(&c.name))
    {
        passhint::from_password_file(&c.data, &mut found);
    }
    found.retain(|p| !out.passwords.contains(p));
    if found.is_empty() {
        return out;
    }
    let unopened = out.findings.iter().any(|f| {
        matches!(
            f,
            FindingKind::Encrypted {
                decrypted: false,
                ..
            }
        )
    });
    let untried = found.iter().any(|p| !ctx.passwords.contains(p));
    let mut out = if unopened && untried {
        let passwords = passwords_first(&found, ctx.passwords);
        let mut retry = Ctx {
            budget: &mut *ctx.budget,
            passwords: &passwords,
            zeros_after: ctx.zeros_after,
        };
        again(&mut retry)
    } else {
        out
    };
    for p in found {
        if !out.passwords.contains(&p) {
            out.passwords.push(p);
        }
    }
    out
}

/// An entry whose type holds no data (a folder, link, device or label)
/// but which claims `len` bytes: they are read as a file's, and said so.
pub(crate) fn claims_data(name: &str, kind: impl std::fmt::Display, len: usize) -> FindingKind {
    FindingKind::Malformed {
        detail: format!("entry {name:?} of type {kind} carries {len} bytes of data"),
    }
}

/// The finding for an archive entry `name` that is a link to `target`: a
/// link that stays inside the archive is recorded (`container.link`); one
/// that leaves it (`container.link_escapes`) is what an extractor following
/// links would write through. A symbolic link's target is read from the
/// link's folder, a tar hard link's from the archive's root.
pub(crate) fn link_finding(name: &str, target: &str, symlink: bool) -> FindingKind {
    let kind = if symlink { "symlink" } else { "hardlink" };
    let link = kind.to_owned();
    let target_shown = format!("{name} -> {target}");
    if link_escapes(name, target, symlink) {
        FindingKind::LinkEscapes {
            link,
            target: target_shown,
        }
    } else {
        FindingKind::Link {
            link,
            target: target_shown,
        }
    }
}

/// True when a link leaves the archive: an absolute target (`/`, `\`, a
/// drive letter), or a relative one whose `..` climb above the root, or a
/// link whose own name does.
fn link_escapes(name: &str, target: &str, symlink: bool) -> bool {
    let t = target.as_bytes();
    if t.first().is_some_and(|&c| c == b'/' || c == b'\\')
        || (t.len() >= 2 && t[0].is_ascii_alphabetic() && t[1] == b':')
    {
        return true;
    }
    let mut parts: Vec<&str> = name.split(['/', '\\']).collect();
    parts.pop();
    let mut depth = 0usize;
    if !climb(&mut depth, parts) {
        return true;
    }
    if !symlink {
        depth = 0;
    }
    !climb(&mut depth, target.split(['/', '\\']))
}

/// Walks path components down from `depth`; false when `..` climbs above
/// the root.
fn climb<'a>(depth: &mut usize, parts: impl IntoIterator<Item = &'a str>) -> bool {
    for c in parts {
        match c {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(d) => *depth = d,
                None => return false,
            },
            _ => *depth += 1,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TABLE;

    #[test]
    fn links_that_leave_the_archive() {
        let esc = |n, t, s| link_escapes(n, t, s);
        assert!(!esc("lib/libfoo.so", "libfoo.so.1", true));
        assert!(!esc("a/b/c", "../d", true));
        assert!(!esc("a/b/c", "../../d", true));
        assert!(esc("a/b/c", "../../../d", true));
        assert!(esc("etc", "/etc", true));
        assert!(esc("x", "C:\\Windows", true));
        assert!(esc("x", "..", true));
        // Hard links are read from the root.
        assert!(!esc("a/b/hard", "a/file", false));
        assert!(esc("a/b/hard", "../outside", false));
        // A link placed outside by its own name leaves whatever it targets.
        assert!(esc("../x", "y", true));
    }

    proptest::proptest! {
        /// Whether there is work, and for which unpacker, is the same
        /// with a text's keys looked at and without.
        #[test]
        fn keys_change_no_answer(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                &b"prose "[..], b"\n", b"data:", b"data&colon;", b"&#58;", b";base64,TVqQ",
                b"data&colon;;base64,TVqQ", b"&#100;ata&#58;;base64,TVqQ", b"<script>",
                b"<img src=x>", b"#@~^AAAAAA==", b"(This file must be converted with BinHex",
                b"begin 644 x\n", b"=ybegin ", b"\0", b":", b"&", b"<", b"(", b"^", b"|",
            ]), 0..16),
            ty in proptest::sample::select(vec![
                known::TEXT, known::DATA, known::HTML, known::XML, known::JSON,
                known::JAVASCRIPT, known::VBSCRIPT,
            ]),
        ) {
            let text = pieces.concat();
            let (keys, any) = (KeyBytes::of(&text), KeyBytes::ANY);
            let types = [TypeAt { ty, offset: 0 }];
            proptest::prop_assert_eq!(has_work(&types, &text, keys), has_work(&types, &text, any));
            proptest::prop_assert_eq!(
                smuggle::has_work(ty, &text, keys),
                smuggle::has_work(ty, &text, any)
            );
            proptest::prop_assert_eq!(
                textenc::has_work(ty, &text, keys),
                textenc::has_work(ty, &text, any)
            );
            proptest::prop_assert_eq!(
                screnc::has_work(ty, &text, keys),
                screnc::has_work(ty, &text, any)
            );
        }
    }

    /// Every type that the model calls a container has an unpacker, and
    /// every unpacker but the searches of pages and scripts is for a
    /// container.
    #[test]
    fn the_dispatch_table_matches_the_model() {
        for (name, group, _) in TABLE {
            let t = FileType::new(name, *group);
            let structural = !SEARCHED.contains(&t);
            assert!(structural || unpacker(t).is_some(), "{name}");
            assert_eq!(
                t.is_container(),
                structural && unpacker(t).is_some(),
                "{name}"
            );
        }
    }
}

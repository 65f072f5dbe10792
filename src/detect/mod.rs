//! True type detection: what the bytes are, whatever the name says.
//!
//! `infer` reads magic numbers at offset 0 and takes the first matcher that
//! fits. Our own matchers run ahead of its table where it is blind (LNK,
//! disk images, OLE2, PE) and then we refine what it says by reading the
//! structure:
//! the zip directory (OOXML, ODF, JAR, APK versus plain zip), the OLE2
//! directory (Word, Excel, PowerPoint, MSI, Outlook and VBA macros), the PE
//! headers (exe, dll, .NET) and, for text, the content (scripts, HTML, XML,
//! JSON). A file can hold several types at once: embedded archives and
//! executables are reported with the offset where they start.
//!
//! Detection is pure: no I/O, no unpacking, no allocation sized by a header.

mod archives;
mod embedded;
mod indicators;
mod infer_order;
mod json;
mod launcher;
mod mail;
pub mod names;
mod ole;
mod pe;
mod script;
mod zipdoc;

pub use crate::types::{FileType, TypeGroup, known};

use memchr::memmem;

use crate::finding::FindingKind;
use crate::format::keys::KeyBytes;
use crate::format::lzma;
use crate::report::TypeAt;

/// What detection found in one object.
#[derive(Debug, Clone, Default)]
pub struct Detection {
    /// Every type found, the true type (offset 0) first, then embedded types
    /// by offset.
    pub types: Vec<TypeAt>,
    /// Findings that detection itself makes: an encrypted document, a
    /// polyglot.
    pub findings: Vec<FindingKind>,
    /// The key bytes of the bytes detected, where detection looked for
    /// them (a text), for the unpackers' checks of the same bytes.
    pub(crate) keys: KeyBytes,
}

impl Detection {
    /// The true type.
    pub fn primary(&self) -> FileType {
        crate::report::primary(&self.types)
    }

    /// The polyglot finding of more than one type, each at its offset.
    fn polyglot(&self) -> Option<FindingKind> {
        (self.types.len() > 1).then(|| FindingKind::Polyglot {
            types: self
                .types
                .iter()
                .map(|t| format!("{}@{}", t.ty.name(), t.offset))
                .collect(),
        })
    }

    /// The offset of the first type with this name, if found.
    pub fn offset_of(&self, name: &str) -> Option<u64> {
        self.types
            .iter()
            .find(|t| t.ty.name() == name)
            .map(|t| t.offset)
    }
}

/// The detector: our matchers, infer's table and the script indicators.
/// Build one per engine; it is immutable and shared by all threads.
pub struct Detector {
    scripts: script::ScriptMatcher,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Detector")
    }
}

impl Default for Detector {
    fn default() -> Self {
        Self::new()
    }
}

/// A magic-number matcher, as infer's are.
type Matcher = fn(&[u8]) -> bool;

/// Our matchers, in the order they run, ahead of infer's table: formats it
/// is blind to, and readings it gets wrong (MZ alone is not an executable).
const CUSTOM: &[(&str, Matcher)] = &[
    ("lnk", is_lnk),
    ("ole", ole::is_ole),
    ("pe-exe", pe::is_pe),
    ("dos-exe", pe::is_dos_exe),
    ("iso", is_iso),
    ("udf", is_udf),
    ("vhdx", is_vhdx),
    ("vhd", is_vhd),
    ("dmg", is_dmg),
    ("img", is_fat_image),
    ("pdf", is_pdf_late_header),
    ("tar", is_tar),
    ("cpio", crate::format::cpio::is_cpio),
    ("mach", is_macho_fat),
    ("chm", is_chm),
    ("onenote", crate::format::onenote::is_onenote),
    ("rtf", crate::format::rtf::is_rtf),
    ("sylk", crate::format::sylk::is_sylk),
    ("aiff", is_aifc),
];

/// How much of a NUL-free object infer's table is shown (see `magic`):
/// its tar matcher reads to byte 261, the furthest of the rest.
const INFER_TEXT_VIEW: usize = 262;

/// Searchers built once (a searcher built per object cost as much as the
/// search).
static FIND_PDF: std::sync::LazyLock<memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memmem::Finder::new(b"%PDF-"));

impl Detector {
    /// A detector: our matchers first, then infer's table.
    pub fn new() -> Self {
        Detector {
            scripts: script::ScriptMatcher::new(),
        }
    }

    /// What the magic numbers say: our matchers on all of `data`, then
    /// infer's table (run in infer's order by `infer_order`). Of an object
    /// without a NUL in its first KiB (text, mostly) the table is shown the
    /// first 262 bytes, all that any of its matchers reads there except
    /// the PDF one, which looks for `%PDF` in the first KiB: ours has
    /// looked for `%PDF-` there, and text that only mentions `%PDF` further
    /// on is not called a PDF.
    fn magic(&self, data: &[u8]) -> Option<(&'static str, infer::MatcherType)> {
        if let Some((ext, _)) = CUSTOM.iter().find(|(_, matches)| matches(data)) {
            return Some((ext, infer::MatcherType::Custom));
        }
        if let Some(ext) = archives::kind(data) {
            return Some((ext, infer::MatcherType::Custom));
        }
        let head = &data[..data.len().min(1024)];
        let view = if memchr::memchr(0, head).is_none() {
            &data[..data.len().min(INFER_TEXT_VIEW)]
        } else {
            data
        };
        infer_order::get(view)
    }

    /// The true type of every file that starts with `head`, when `head`
    /// alone settles it: a shortcut's header, or a PE whose headers are all
    /// in `head` (our matchers for both run ahead of every other, so no later
    /// byte can change the answer). `None` when more bytes could.
    pub fn settled_type(&self, head: &[u8]) -> Option<FileType> {
        if is_lnk(head) || pe::headers_within(head) {
            Some(self.detect(head).primary())
        } else {
            None
        }
    }

    /// Detects the types of an object too large to be read whole for them:
    /// [`detect`](Self::detect) on its first `head` bytes, then what
    /// readers find from its end, whatever its start holds: a disk image's
    /// footer (a fixed VHD's, a DMG's `koly`) where the head read as data,
    /// text or a compressed stream (a DMG's data fork often starts as one),
    /// and a zip by its end record (unzip and Python's zipfile open a zip
    /// behind any amount of padding). Padding a file past the size at which
    /// it is matched in windows hides neither.
    pub fn detect_large(&self, data: &[u8], head: usize) -> Detection {
        let mut d = self.detect(&data[..data.len().min(head)]);
        let primary = d.primary();
        // Data, text, or a compressed stream (a container searched for
        // what is glued to it; PDF and RTF are documents of their own).
        let plain = primary == known::DATA
            || primary == known::TEXT
            || (primary.searched_for_embedded()
                && primary.is_container()
                && primary != known::PDF
                && primary != known::RTF);
        let footer = if is_vhd(data) {
            Some(known::VHD)
        } else if is_dmg(data) {
            Some(known::DMG)
        } else {
            None
        };
        if let Some(ty) = footer.filter(|_| plain)
            && let Some(first) = d.types.first_mut()
        {
            first.ty = ty;
        }
        let primary = d.primary();
        if primary.searched_for_embedded()
            && !primary.is_zip_based()
            && !d.types.iter().any(|t| t.ty == known::ZIP)
            && let Some(span) = crate::format::zip::archive_by_end_record(data)
            && span.start > 0
        {
            d.types.push(TypeAt {
                ty: known::ZIP,
                offset: span.start,
            });
            d.types[1..].sort_by_key(|t| t.offset);
        }
        if let Some(p) = d.polyglot() {
            d.findings
                .retain(|f| !matches!(f, FindingKind::Polyglot { .. }));
            d.findings.push(p);
        }
        d
    }

    /// Detects the types in `data`.
    pub fn detect(&self, data: &[u8]) -> Detection {
        let mut d = Detection::default();
        // The key bytes of the head, where the text's classification has
        // made its pass over it.
        let mut head_keys = None;
        // A CMS message before infer, which calls the DER ones `der` and
        // does not know the BER ones (`openssl smime` writes those).
        let primary = match self.magic(data) {
            _ if crate::format::cms::is_cms(data) => known::PKCS7,
            Some((ext, kind)) => self.refine(ext, kind, data, &mut d.findings),
            // Without a magic number, only when nothing else claims it;
            // LZMA86 (a filter byte first) too, which 7-Zip opens by its
            // content.
            None if lzma::is_alone(data) || lzma::is_lzma86(data) => known::LZMA,
            None => {
                let (ty, keys) = self.scripts.classify_keyed(data);
                head_keys = Some(keys);
                ty
            }
        };
        let primary = launcher::refine(primary, data, &mut d.findings);
        // A text is asked about several markers, each found by a byte that
        // prose seldom holds: one pass says which of those bytes are there
        // (the head's pass, where it was made, and one over the rest).
        if primary == known::TEXT {
            d.keys = match head_keys {
                Some(keys) => keys.of_all(data),
                None => KeyBytes::of(data),
            };
        }
        if primary == known::TEXT && d.keys.may_hold(b'|') {
            formula_dde(data, &mut d.findings);
        }
        // Pages, and text or XML that holds a page's markup (a page behind
        // 4 KiB of prose is still one to a browser; an SVG image can
        // navigate, an OOXML part's relationships are read as such).
        let page = primary == known::HTML
            || primary == known::HTA
            || ((primary == known::TEXT || primary == known::XML)
                && d.keys.may_hold(b'<')
                && crate::format::smuggle::has_element(data))
            || (primary == known::XML && crate::format::smuggle::is_svg(data));
        if page {
            for l in crate::format::pagelinks::handler_links(data) {
                d.findings.push(FindingKind::ExternalLink {
                    relationship: "page link".into(),
                    target: l.url,
                    handler: Some(l.scheme),
                });
            }
        }
        d.types.push(TypeAt {
            ty: primary,
            offset: 0,
        });
        // What an unpacker reads by structure is not looked for as embedded
        // objects: a zip stored in a tar is an entry of the tar.
        // RTF is unpacked for its objects only: raw `\bin` runs elsewhere
        // (in a picture, say) are still searched; so is a PDF, whose reader
        // follows its objects and not what is glued before or after them
        // (a zip behind junk whose names say `%PDF` reads as a PDF first);
        // so is a compressed stream whose reader leaves what follows it
        // unread (a zip glued behind it is a zip to a zip reader).
        if primary.searched_for_embedded() {
            // Every signature looked for has a NUL in its headers.
            if d.keys.may_hold(0) {
                embedded::find(data, primary, &mut d);
            }
        } else if !primary.is_zip_based()
            && crate::format::zip::archive_offset_by_structure(data) == Some(0)
        {
            // A file that is both a tar (say) and a zip from its first byte
            // is read both ways. (The search for local headers that
            // `first_archive_offset` goes on to finds one at 0 only when
            // the header at 0 checks out, which the structure's test has
            // tried first: it would only read the whole container again.)
            d.types.push(TypeAt {
                ty: known::ZIP,
                offset: 0,
            });
        }
        if let Some(p) = d.polyglot() {
            d.findings.push(p);
        }
        d
    }

    /// Turns infer's answer into our type, reading structure where the
    /// magic number alone cannot tell.
    fn refine(
        &self,
        ext: &'static str,
        kind: infer::MatcherType,
        data: &[u8],
        findings: &mut Vec<FindingKind>,
    ) -> FileType {
        match ext {
            "ole" | "doc" | "xls" | "ppt" | "msi" => ole::classify(data, findings),
            "pe-exe" | "exe" | "dll" => match pe::classify(data) {
                // infer calls anything starting with MZ an executable.
                t if t == known::DATA => self.scripts.classify_text(data),
                t => t,
            },
            "zip" | "docx" | "xlsx" | "pptx" | "odt" | "ods" | "odp" | "epub" | "jar" | "apk" => {
                zipdoc::classify(data)
            }
            "html" | "xml" | "sh" => self.scripts.classify_text(data),
            // infer takes `MSCF` alone for a cabinet: the header must read
            // as one (InstallShield's `ISc(` stays a cabinet it names).
            "cab"
                if data.starts_with(crate::format::cab::SIGNATURE)
                    && !crate::format::cab::is_cab(data) =>
            {
                self.scripts.classify_text(data)
            }
            "sylk" => sylk(data, findings),
            // infer takes two bytes for a binary cpio, and `!<arch>` alone
            // for an `ar` archive: ours read the first header too.
            "cpio" if !crate::format::cpio::is_cpio(data) => self.scripts.classify_text(data),
            "ar" | "deb" if !crate::format::ar::is_ar(data) => self.scripts.classify_text(data),
            other => FileType::by_name(other).unwrap_or_else(|| {
                // A type of infer's that our table does not know: keep its
                // name; the group follows from what infer calls it.
                FileType::new(other, group_of(kind))
            }),
        }
    }
}

/// A SYLK file: in the macro document group when it holds Excel 4.0
/// macros, with findings that say which.
fn sylk(data: &[u8], findings: &mut Vec<FindingKind>) -> FileType {
    // A cell's formula (its `E` field, written without the `=`) may call
    // a program by DDE as a CSV cell's does: read as such a cell.
    if memchr::memchr(b'|', data).is_some() {
        let mut cells = Vec::new();
        for line in data.split(|&c| c == b'\n' || c == b'\r') {
            if let Some(at) = memchr::memmem::find(line, b";E") {
                cells.push(b'=');
                cells.extend_from_slice(&line[at + 2..]);
                cells.push(b'\n');
            }
        }
        formula_dde(&cells, findings);
    }
    let m = crate::format::sylk::macros(data);
    for name in &m.autorun {
        findings.push(FindingKind::XlmAutorun { name: name.clone() });
    }
    if !m.any() && m.autorun.is_empty() {
        return known::SYLK;
    }
    let mut what = Vec::new();
    if m.macro_sheet {
        what.push("a macro sheet".to_owned());
    }
    if !m.calls.is_empty() {
        what.push(format!("formulas calling {}", m.calls.join(", ")));
    }
    if !what.is_empty() {
        findings.push(FindingKind::XlmMacros {
            detail: format!("SYLK with {}", what.join(" and ")),
        });
    }
    known::SYLK.in_group(TypeGroup::MacroDocument)
}

/// The DDE calls in the formula cells of delimited text (a CSV that Excel
/// opens, whatever its name): a call whose program, or the first word of
/// its topic (`MSEXCEL|'\..\..\Windows\System32\cmd.exe'`), is a command
/// interpreter is a command.
fn formula_dde(data: &[u8], findings: &mut Vec<FindingKind>) {
    for c in crate::format::formula::dde_calls(data) {
        let topic = &c.call[c.program.len() + 1..];
        findings.push(FindingKind::Dde {
            form: "DDE formula".into(),
            interpreter: crate::format::ooxml::dde_starts_interpreter(&c.program, topic),
            command: c.call,
        });
    }
}

/// The group of a type that infer knows and our table does not.
fn group_of(m: infer::MatcherType) -> TypeGroup {
    use infer::MatcherType as M;
    match m {
        M::App => TypeGroup::Executable,
        M::Archive => TypeGroup::Archive,
        M::Audio => TypeGroup::Audio,
        M::Book | M::Doc => TypeGroup::Document,
        M::Font => TypeGroup::Font,
        M::Image => TypeGroup::Image,
        M::Text => TypeGroup::Text,
        M::Video => TypeGroup::Video,
        M::Custom => TypeGroup::Unknown,
    }
}

/// The commonest extensions of text, which no script type claims (a test
/// holds this).
const PLAIN_TEXT: &[&str] = &[
    "txt", "text", "log", "md", "csv", "json", "xml", "html", "htm",
];

/// The true type in view of the name: text named as a script *is* that
/// script, because the extension decides which interpreter runs it.
pub fn refine_by_name(ty: FileType, name: &str) -> FileType {
    if ty.group() != TypeGroup::Text {
        return ty;
    }
    let shown = names::displayed(name);
    let Some(ext) = names::extension(&shown) else {
        return ty;
    };
    // Most text is named as text: no need to look the extension up.
    if PLAIN_TEXT.contains(&ext.as_ref()) {
        return ty;
    }
    match FileType::claimed_by_extension(&ext) {
        Some(claimed) if claimed.group().is(TypeGroup::Script) => claimed,
        _ => ty,
    }
}

fn is_lnk(b: &[u8]) -> bool {
    const CLSID: [u8; 16] = [
        0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x46,
    ];
    b.len() >= 0x4c && b[0..4] == [0x4c, 0, 0, 0] && b[4..20] == CLSID
}

fn is_iso(b: &[u8]) -> bool {
    [0x8001usize, 0x8801, 0x9001]
        .iter()
        .any(|&o| b.get(o..o + 5) == Some(b"CD001"))
}

fn is_udf(b: &[u8]) -> bool {
    (0x8001usize..0x10000).step_by(0x800).any(|o| {
        matches!(
            b.get(o..o + 5),
            Some(b"BEA01") | Some(b"NSR02") | Some(b"NSR03")
        )
    })
}

fn is_vhdx(b: &[u8]) -> bool {
    b.starts_with(b"vhdxfile")
}

fn is_vhd(b: &[u8]) -> bool {
    b.starts_with(b"conectix")
        || (b.len() >= 512
            && b.len().is_multiple_of(512)
            && b[b.len() - 512..].starts_with(b"conectix"))
}

/// AIFF-C (`FORM`, a size, `AIFC`: the compressed AIFF of `.aifc` and
/// `.aif` files), which infer's AIFF matcher (`AIFF` only) does not take:
/// without this, ordinary audio read as data under a name that lies.
fn is_aifc(b: &[u8]) -> bool {
    b.len() >= 12 && b.starts_with(b"FORM") && &b[8..12] == b"AIFC"
}

fn is_dmg(b: &[u8]) -> bool {
    b.len() >= 512 && b[b.len() - 512..].starts_with(b"koly")
}

/// A raw disk image: a FAT boot sector whose BPB is sane (with the boot
/// signature), an NTFS or exFAT boot sector, or a disk whose MBR holds a
/// sane partition table.
fn is_fat_image(b: &[u8]) -> bool {
    if b.len() < 1024 || b[510] != 0x55 || b[511] != 0xaa {
        return false;
    }
    crate::format::fat::Bpb::parse(b).is_some()
        || b.get(3..11) == Some(b"NTFS    ")
        || b.get(3..11) == Some(b"EXFAT   ")
        || crate::format::mbr::is_mbr(b)
}

/// PDF readers accept the header anywhere in the first KiB; infer looks at
/// offset 0 only.
fn is_pdf_late_header(b: &[u8]) -> bool {
    FIND_PDF.find(&b[..b.len().min(1024)]).is_some()
}

/// A tar header: the checksum of the first block is right (the magic at 257
/// is optional in old tars, and the first bytes can be anything, CVE-2012-1425).
fn is_tar(b: &[u8]) -> bool {
    crate::format::tar::header_is_valid(b)
}

/// Compiled HTML help: the ITSF header, version 2 or 3.
fn is_chm(b: &[u8]) -> bool {
    b.len() >= 8 && b.starts_with(b"ITSF") && matches!(b[4..8], [2 | 3, 0, 0, 0])
}

/// A Mach-O universal binary, with 32-bit offsets (`cafebabe`, which Java
/// class files share: a count of architectures tells them apart) or 64-bit
/// ones (`cafebabf`, `lipo -fat64`).
fn is_macho_fat(b: &[u8]) -> bool {
    b.len() >= 8
        && matches!(b[0..4], [0xca, 0xfe, 0xba, 0xbe | 0xbf])
        && u32::from_be_bytes([b[4], b[5], b[6], b[7]]) > 0
        && u32::from_be_bytes([b[4], b[5], b[6], b[7]]) < 20
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_tiny_inputs_are_data() {
        let d = Detector::new();
        assert_eq!(d.detect(b"").primary(), known::TEXT);
        assert_eq!(d.detect(&[0xff, 0x00, 0x01]).primary(), known::DATA);
    }

    /// A text's key bytes, half of them found by the head's pass: the same
    /// as one pass over all of it, with each key in the head, past it, in
    /// both or nowhere.
    #[test]
    fn a_texts_key_bytes_are_those_of_all_its_bytes() {
        let d = Detector::new();
        let line = b"meeting report figures attached, please review the budget\n";
        for len in [0usize, 31, 100, 4095, 4096, 4097, 4200, 9000] {
            for &key in &[0u8, b'&', b'(', b':', b'<', b'^', b'|'] {
                for at in [0, len / 3, 4095, 4096, len.saturating_sub(1)] {
                    let mut t: Vec<u8> = line.iter().copied().cycle().take(len).collect();
                    if let Some(b) = t.get_mut(at) {
                        *b = key;
                    }
                    let found = d.detect(&t);
                    if found.primary() == known::TEXT {
                        assert_eq!(found.keys, KeyBytes::of(&t), "{key:#x} at {at} of {len}");
                    }
                }
            }
        }
        // The head and the rest each hold keys of their own.
        let mut t: Vec<u8> = line.iter().copied().cycle().take(6000).collect();
        t[10] = b'|';
        t[5000] = b'<';
        let found = d.detect(&t);
        assert_eq!(found.primary(), known::TEXT);
        assert_eq!(found.keys, KeyBytes::of(&t));
        assert!(found.keys.may_hold(b'|') && found.keys.may_hold(b'<'));
        assert!(!found.keys.may_hold(b'^'));
    }

    #[test]
    fn lnk_by_header_and_clsid() {
        let mut b = vec![0u8; 0x4c];
        b[0] = 0x4c;
        b[4..20].copy_from_slice(&[
            0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46,
        ]);
        assert_eq!(Detector::new().detect(&b).primary(), known::LNK);
    }

    #[test]
    fn iso_by_volume_descriptor() {
        let mut b = vec![0u8; 0x9000];
        b[0x8001..0x8006].copy_from_slice(b"CD001");
        assert_eq!(Detector::new().detect(&b).primary(), known::ISO);
    }

    #[test]
    fn aiff_c_is_aiff_audio() {
        let mut b = b"FORM\0\0\x1a\xf6AIFCFVER\0\0\0\x04\xa2\x80Q@COMM".to_vec();
        b.resize(64, 0);
        let t = Detector::new().detect(&b).primary();
        assert_eq!(t.name(), "aiff");
        let mut f = Vec::new();
        names::check("pluck-alaw.aifc", t, &mut f);
        assert!(f.is_empty(), "{f:?}");
        b[8..12].copy_from_slice(b"AIFX");
        assert_ne!(Detector::new().detect(&b).primary().name(), "aiff");
    }

    #[test]
    fn text_named_as_script_is_that_script() {
        assert_eq!(refine_by_name(known::TEXT, "a.vbs"), known::VBSCRIPT);
        assert_eq!(refine_by_name(known::TEXT, "a.txt"), known::TEXT);
        assert_eq!(refine_by_name(known::PE_EXE, "a.vbs"), known::PE_EXE);
    }

    /// `refine_by_name` returns early on these extensions: that is only the
    /// same answer while no script type claims one (`rb`, say, would be).
    #[test]
    fn no_text_extension_names_a_script() {
        for ext in PLAIN_TEXT {
            let claimed = FileType::claimed_by_extension(ext);
            assert!(
                claimed.is_none_or(|t| !t.group().is(TypeGroup::Script)),
                "{ext} is claimed by {claimed:?}"
            );
        }
    }

    proptest::proptest! {
        /// infer's table reads no further than INFER_TEXT_VIEW into data
        /// without a NUL, apart from its PDF matcher: on the view it says
        /// what it says on the whole, magic numbers planted anywhere near
        /// the start included.
        #[test]
        fn infer_on_the_text_view_agrees_with_infer_on_the_whole(
            body in proptest::collection::vec(0x01u8..=0xff, 0..2000),
            magic in proptest::sample::select(vec![
                &b"%!PS-Adobe"[..], b"{\\rtf1", b"<html>", b"<?xml ", b"ID3\x03", b"OggS",
                b"fLaC", b"GIF89a", b"8BPS", b"wOFF", b"OTTO", b"FWS", b"#!/bin/sh\n",
                b"MThd", b"RIFF1234WAVEfmt ", b"-----BEGIN CERTIFICATE", b"!<arch>\n",
                b"070707", b"BOOKMOBI", b"DICM", b"ustar", b"%PDF-1.4", b"Cr24", b"\x1f\x8b\x08",
            ]),
            at in proptest::sample::select(vec![0usize, 4, 8, 60, 128, 257, 261, 300]),
        ) {
            let mut data = body;
            if data.len() < at {
                data.resize(at, b' ');
            }
            data.splice(at..at, magic.iter().copied());
            let infer = infer::Infer::new();
            let whole = infer.get(&data).map(|t| t.extension());
            let view = infer.get(&data[..data.len().min(INFER_TEXT_VIEW)]).map(|t| t.extension());
            if whole != Some("pdf") {
                proptest::prop_assert_eq!(whole, view);
            }
        }
    }
}

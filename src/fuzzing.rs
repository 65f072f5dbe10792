//! Entry points for the fuzz targets in `fuzz/`: the parts of the pipeline
//! that are not public API, each with a small fresh budget. Only built with
//! the private `_fuzz` feature; not part of the supported API.

#![allow(missing_docs)]

use bytes::Bytes;

use crate::budget::Budget;
use crate::detect::{Detector, known};
use crate::limits::Limits;
use crate::unpack::{self, Ctx};

/// Small limits, so that a fuzz iteration stays fast.
pub fn small_limits() -> Limits {
    Limits {
        max_depth: 4,
        max_objects: 200,
        max_object_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        max_ratio: 200,
        max_time: std::time::Duration::from_secs(5),
        max_stream_bytes: 16 << 20,
        stream_memory_bytes: 1 << 10,
    }
}

/// One engine with the built-in rules and small limits, for the targets
/// that scan end to end.
pub fn engine() -> &'static crate::Engine {
    static E: std::sync::OnceLock<crate::Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| {
        crate::Engine::builder()
            .limits(small_limits())
            .build()
            .unwrap_or_else(|e| unreachable!("the built-in rules compile: {e}"))
    })
}

/// What one unpacker gave: each child's name and bytes, and the number of
/// container findings.
pub struct Unpacked {
    pub children: Vec<(String, Bytes)>,
    pub findings: usize,
}

fn run(f: impl FnOnce(&mut Ctx<'_>) -> unpack::Unpacked) -> Unpacked {
    let limits = small_limits();
    let mut budget = Budget::new(&limits);
    let passwords = vec!["infected".to_string()];
    let mut ctx = Ctx {
        budget: &mut budget,
        passwords: &passwords,
        zeros_after: 0,
    };
    let u = f(&mut ctx);
    // Children that share one buffer (two readings of the same stored
    // bytes) were produced, and charged, once.
    let mut buffers = std::collections::HashSet::new();
    let produced: u64 = u
        .children
        .iter()
        .filter(|c| buffers.insert((c.data.as_ptr(), c.data.len())))
        .map(|c| c.data.len() as u64)
        .sum();
    assert!(produced <= limits.max_total_bytes, "the budget was overrun");
    Unpacked {
        children: u
            .children
            .into_iter()
            .map(|c| (c.name, c.data.into_bytes()))
            .collect(),
        findings: u.findings.len(),
    }
}

/// An unpacker that reads the whole object, run on a copy of `data`.
fn run_on(data: &[u8], unpacker: fn(&Bytes, &mut Ctx<'_>) -> unpack::Unpacked) -> Unpacked {
    let data = Bytes::copy_from_slice(data);
    run(|ctx| unpacker(&data, ctx))
}

/// The zip unpacker (structural pass, extraction, the zip crate's view).
pub fn unpack_zip(data: &[u8]) -> Unpacked {
    run_on(data, unpack::zip::unpack)
}

/// The MIME unpacker (mail, mbox, MHTML), and TNEF's (winmail.dat) for
/// inputs that start as it does; and the reading of passwords in a
/// message's text, on the input as text and as HTML.
pub fn unpack_mime(data: &[u8]) -> Unpacked {
    use crate::format::passhint;
    let text = String::from_utf8_lossy(data);
    for read in [passhint::from_text, passhint::from_html] {
        let mut hints = Vec::new();
        read(&text, &mut hints);
        assert!(hints.len() <= passhint::MAX, "too many passwords");
        for h in &hints {
            assert!(!h.is_empty() && h.chars().count() <= passhint::MAX_CHARS);
        }
    }
    // The message mail clients read in a text, rewritten: never more than
    // twice the text, and always a message to the strict reading.
    if let Some(copy) = crate::format::mailhead::as_clients_read(data) {
        assert!(
            copy.len() <= data.len() * 2 + 2,
            "the clients' reading grew"
        );
        assert!(
            crate::format::mailhead::clients_copy_is_a_message(&copy),
            "the clients' reading is no message to the strict reading"
        );
    }
    if crate::format::tnef::is_tnef(data) {
        run_on(data, unpack::tnef::unpack)
    } else {
        run_on(data, unpack::mime::unpack)
    }
}

/// The `data:` URI decoder of HTML and SVG, and of JSON's strings; and
/// the ISO-2022-JP decoder that pages may need first, whose text has no
/// escape left and at most three bytes for each it read.
pub fn unpack_data_uris(data: &[u8]) -> Unpacked {
    let text = crate::format::iso2022jp::decode(data);
    assert!(
        !text.as_bytes().contains(&0x1b),
        "an escape left in the text"
    );
    assert!(text.len() <= data.len() * 3 + 4, "the decoded text grew");
    let mut out = run_on(data, unpack::datauri::unpack);
    let json = run_on(data, unpack::datauri::unpack_json);
    out.children.extend(json.children);
    out.findings += json.findings;
    out
}

/// The checks that decide whether the `data:` unpacker runs on a text and
/// on JSON, beside what the unpacker decodes there: for each, whether it
/// decoded a payload and whether the check said to run it. A payload
/// where the check said no is a URI that no scan reads.
pub fn data_uri_checks(data: &[u8]) -> [(bool, bool); 2] {
    use crate::format::datauri::{has_json_marker, has_plain_marker};
    let text = run_on(data, unpack::datauri::unpack);
    let json = run_on(data, unpack::datauri::unpack_json);
    [
        (!text.children.is_empty(), has_plain_marker(data)),
        (!json.children.is_empty(), has_json_marker(data)),
    ]
}

/// The smuggling search: a page's `data:` URIs, scripts and SVG handlers
/// when the first byte is even, a script's payloads when it is odd.
pub fn unpack_smuggle(data: &[u8]) -> Unpacked {
    let (sel, rest) = data.split_first().unwrap_or((&0, &[]));
    let data = Bytes::copy_from_slice(rest);
    run(|ctx| {
        if sel % 2 == 0 {
            unpack::smuggle::page(&data, ctx)
        } else {
            unpack::smuggle::script(&data, ctx)
        }
    })
}

/// The launcher reader (URL, SCF, desktop entries, the XML launchers):
/// how many targets it lists, and how many of them are remote.
pub fn launchers(data: &[u8]) -> (usize, usize) {
    let text = String::from_utf8_lossy(data);
    match crate::format::launcher::read(&text) {
        Some(l) => (
            l.targets.len(),
            l.targets
                .iter()
                .filter(|(f, v)| crate::format::launcher::is_remote(f, v))
                .count(),
        ),
        None => (0, 0),
    }
}

/// The decoders of files and scripts carried as text: uuencode, BinHex
/// and yEnc, and the Script Encoder's blocks.
pub fn uudecode(data: &[u8]) -> Unpacked {
    let bytes = Bytes::copy_from_slice(data);
    run(|ctx| {
        let mut out = unpack::Unpacked::default();
        unpack::textenc::carve(data, ctx, &mut out);
        unpack::screnc::carve(&bytes, known::VBSCRIPT, ctx, &mut out);
        out
    })
}

/// The 7z unpacker: our header checks, then the crate's reader.
pub fn unpack_sevenz(data: &[u8]) -> Unpacked {
    run_on(data, unpack::sevenz::unpack)
}

/// The tar unpacker, and those of the other archives of entries in a row
/// (cpio, ar, ARJ, LHA) for inputs that start as they do.
pub fn unpack_tar(data: &[u8]) -> Unpacked {
    if matches!(
        data,
        [b'0', b'7', b'0', b'7', b'0', ..] | [0xc7, 0x71, ..] | [0x71, 0xc7, ..]
    ) {
        run_on(data, unpack::cpio::unpack)
    } else if data.starts_with(crate::format::ar::SIGNATURE) {
        run_on(data, unpack::ar::unpack)
    } else if data.starts_with(&[0x60, 0xea]) {
        run_on(data, unpack::lha::unpack_arj)
    } else if data.get(2) == Some(&b'-') && data.get(6) == Some(&b'-') {
        run_on(data, unpack::lha::unpack_lha)
    } else {
        run_on(data, unpack::tar::unpack)
    }
}

/// The PDF unpacker: objects, cross-reference sections, filters.
pub fn unpack_pdf(data: &[u8]) -> Unpacked {
    run_on(data, unpack::pdf::unpack)
}

/// The gzip, bzip2, xz, lzma, zstd, lzip, lzop, LZ4 and `compress`
/// unpackers, picked by the first byte.
pub fn unpack_compressed(data: &[u8]) -> Unpacked {
    let (sel, rest) = data.split_first().unwrap_or((&0, &[]));
    let data = Bytes::copy_from_slice(rest);
    run(|ctx| match sel % 9 {
        0 => unpack::compressed::gunzip("f.gz", &data, ctx),
        1 => unpack::compressed::bunzip2("f.bz2", &data, ctx),
        2 => unpack::compressed::unxz("f.xz", &data, ctx),
        3 => unpack::compressed::unlzma("f.lzma", &data, ctx),
        4 => unpack::compressed::unzstd("f.zst", &data, ctx),
        5 => unpack::compressed::unlzip("f.lz", &data, ctx),
        6 => unpack::compressed::unlzop("f.lzo", &data, ctx),
        7 => unpack::compressed::unlz4("f.lz4", &data, ctx),
        _ => unpack::compressed::uncompress("f.Z", &data, ctx),
    })
}

/// The OLE2 unpacker (streams, Packager objects, attachments, VBA source,
/// an encrypted OOXML package), and detection's reading of the same file
/// (workbook globals); the bytes are also read as an `EncryptionInfo`
/// stream.
pub fn unpack_ole(data: &[u8]) -> Unpacked {
    static DETECTOR: std::sync::OnceLock<Detector> = std::sync::OnceLock::new();
    let _ = DETECTOR.get_or_init(Detector::new).detect(data);
    let _ = crate::format::biff::inspect(data, &["infected".to_owned()], &mut Vec::new());
    let _ = crate::format::offcrypto::parse(data, unpack::decode::base64);
    run_on(data, unpack::ole::unpack)
}

/// The RTF unpacker (`\objdata`, OLE1 objects, Packager files), and the
/// SYLK reader on the same bytes.
pub fn unpack_rtf(data: &[u8]) -> Unpacked {
    let _ = crate::format::sylk::macros(data);
    let _ = crate::format::ovba::modules(data);
    let mut out = Vec::new();
    let _ = crate::format::ovba::decompress(data, &mut out, 1 << 20);
    run_on(data, unpack::rtf::unpack)
}

/// Our zip structural pass alone: for each entry reading, where its data
/// starts and ends.
pub fn zip_entries(data: &[u8]) -> Vec<(String, u64, u64)> {
    crate::format::zip::analyze(data, 10_000)
        .entries
        .into_iter()
        .map(|e| (e.name(), e.data_start, e.data_end))
        .collect()
}

/// Type detection and the checks on a name, as the engine runs them.
pub fn detect_and_name(data: &[u8], name: &str) -> usize {
    static DETECTOR: std::sync::OnceLock<Detector> = std::sync::OnceLock::new();
    let d = DETECTOR.get_or_init(Detector::new).detect(data);
    let ty = crate::detect::refine_by_name(d.primary(), name);
    let mut f = Vec::new();
    crate::detect::names::check(name, ty, &mut f);
    let _ = crate::detect::names::displayed(name);
    d.types.len() + f.len() + usize::from(ty == known::DATA)
}

/// The OneNote unpacker.
pub fn unpack_onenote(data: &[u8]) -> Unpacked {
    run_on(data, unpack::onenote::unpack)
}

/// The compiled help (CHM) unpacker: the directory, section 0, the LZX
/// section, and the pages' help-control commands.
pub fn unpack_chm(data: &[u8]) -> Unpacked {
    run_on(data, unpack::chm::unpack)
}

/// The readers of what a document part reaches: the first byte picks the
/// part (relationships, a Word part, an Excel part, a help page, a
/// workbook's relationships or the workbook read for macros), the rest is
/// its text, which is also read as an OpenDocument manifest. Returns how
/// many references (or items of one kind) were found.
pub fn document_part(data: &[u8]) -> usize {
    let (sel, rest) = data.split_first().unwrap_or((&0, &[]));
    // Every part is also read as an OpenDocument manifest.
    let _ = crate::format::odf::encrypted_entries(rest);
    let excel = |name: &str| {
        let e = crate::format::spreadsheetml::inspect_part(name, rest);
        e.macro_sheets
            .len()
            .max(e.autorun.len())
            .max(e.very_hidden.len())
    };
    match sel % 6 {
        0 => crate::format::ooxml::inspect_part("word/_rels/settings.xml.rels", rest).len(),
        1 => crate::format::ooxml::inspect_part("word/document.xml", rest).len(),
        2 => crate::format::ooxml::inspect_part("xl/externalLinks/externalLink1.xml", rest).len(),
        3 => crate::format::chm::shortcut_commands(rest).len(),
        4 => excel("xl/_rels/workbook.xml.rels"),
        _ => excel("xl/workbook.xml"),
    }
}

/// The pure readers of what Office keeps inside its streams and files:
/// the first byte picks one (PowerPoint's record walk, the theme zips in a
/// stream, Word's field instructions, RTF's fields, templates and
/// objects, Flat OPC's parts, Word 2003 XML's binary data), the rest is
/// its input. Returns how many items it found, and checks that every
/// range a reader returns lies inside its input.
pub fn office_records(data: &[u8]) -> usize {
    let (sel, rest) = data.split_first().unwrap_or((&0, &[]));
    let inside = |r: &std::ops::Range<usize>| {
        assert!(
            r.start <= r.end && r.end <= rest.len(),
            "{r:?} outside {}",
            rest.len()
        );
    };
    match sel % 6 {
        0 => {
            let w = crate::format::ppt::storages(rest, 64);
            w.storages.iter().for_each(|s| inside(&s.body));
            w.storages.len()
        }
        1 => {
            let zips = crate::format::roundtrip::part_zips(rest);
            zips.iter().for_each(inside);
            zips.len()
        }
        2 => crate::format::worddoc::field_instructions(rest).len(),
        3 => {
            crate::format::rtf::field_instructions(rest).len()
                + crate::format::rtf::templates(rest).len()
                + crate::format::rtf::objdata(rest, 16).0.len()
        }
        4 => {
            let parts = crate::format::wordml::flat_opc_parts(rest);
            parts.iter().for_each(|p| inside(&p.content));
            parts.len()
        }
        _ => {
            let bins = crate::format::wordml::bindata(rest);
            bins.iter().for_each(|b| inside(&b.text));
            bins.len()
        }
    }
}

/// The cabinet unpacker; an OLE2 input is also read as an MSI package.
pub fn unpack_cab(data: &[u8]) -> Unpacked {
    if data.starts_with(&[0xd0, 0xcf, 0x11, 0xe0]) {
        return run_on(data, unpack::msi::unpack);
    }
    run_on(data, unpack::cab::unpack)
}

/// The RAR 4 and RAR 5 unpacker (our header reader; stored entries).
pub fn unpack_rar(data: &[u8]) -> Unpacked {
    run_on(data, unpack::rar::unpack)
}

/// How much of an optical disc image precedes its volume descriptors (the
/// system area): the ISO target's inputs start after it, so that seeds stay
/// small.
pub const ISO_SYSTEM_AREA: usize = 16 * 2048;

/// The ISO 9660 and UDF unpacker, on `data` behind a zeroed system area.
pub fn unpack_iso(data: &[u8]) -> Unpacked {
    let mut image = vec![0u8; ISO_SYSTEM_AREA];
    image.extend_from_slice(data);
    run_on(&image, unpack::iso::unpack)
}

/// The raw disk unpacker: a FAT volume or a partitioned disk.
pub fn unpack_fat(data: &[u8]) -> Unpacked {
    run_on(data, unpack::fat::unpack)
}

/// Where chunk `i` of a VHDX fuzz input is placed: the structures of a
/// VHDX sit 64 KiB apart, so each 4 KiB of input is spread to its own
/// 64 KiB slot of the image (chunk 0 the identifier, 1 and 2 the headers,
/// 3 and 4 the region tables, 5 and on the metadata, the BAT, data).
pub const VHDX_SPREAD: (usize, usize) = (4096, 64 << 10);

/// The VHD (first byte even) or VHDX (odd) unpacker. A VHDX input is spread
/// out as [`VHDX_SPREAD`] says.
pub fn unpack_vhd(data: &[u8]) -> Unpacked {
    let Some((&choice, rest)) = data.split_first() else {
        return Unpacked {
            children: Vec::new(),
            findings: 0,
        };
    };
    if choice & 1 == 0 {
        return run_on(rest, |d, c| unpack::vhd::unpack(d, false, c));
    }
    let (chunk, slot) = VHDX_SPREAD;
    let mut image = Vec::new();
    for (i, c) in rest.chunks(chunk).take(64).enumerate() {
        image.resize(i * slot, 0);
        image.extend_from_slice(c);
    }
    run_on(&image, |d, c| unpack::vhd::unpack(d, true, c))
}

#[cfg(test)]
mod tests {
    /// Every seed of the `office_records` fuzz target reaches the reader
    /// its first byte picks, and that reader finds something in it: a seed
    /// that drifted from its reader's format would fuzz nothing. Run with
    /// `cargo test --features _fuzz --lib fuzzing`.
    #[test]
    fn office_records_seeds_reach_their_readers() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/office_records");
        let mut picked = std::collections::BTreeSet::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let seed = std::fs::read(&path).unwrap();
            picked.insert(seed[0] % 6);
            assert!(super::office_records(&seed) > 0, "{}", path.display());
        }
        assert_eq!(picked.len(), 6, "one seed per reader");
    }
}

//! Container unpacking. Each format has its own module; none of them
//! recurses, counts its own budget or calls back into the engine. They hand
//! children back to the engine's work queue, and every byte they produce
//! goes through [`Budget::drain`](crate::limits::Budget) on the way.

pub(crate) mod compressed;
pub(crate) mod datauri;
pub(crate) mod decode;
pub(crate) mod mime;
pub(crate) mod sevenz;
pub(crate) mod tar;
pub(crate) mod zip;

use bytes::Bytes;

use crate::detect::{Detection, FileType, known};
use crate::limits::{Budget, LimitKind};
use crate::report::FindingKind;

/// What an unpacker may use: the scan's budget and the candidate passwords.
pub(crate) struct Ctx<'a> {
    pub budget: &'a mut Budget,
    pub passwords: &'a [String],
}

/// One object unpacked from a container.
#[derive(Debug)]
pub(crate) struct Child {
    /// Its name inside the container (an entry name, or a label in angle
    /// brackets for carved regions).
    pub name: String,
    /// Other names that some reader of the container shows for it (a zip
    /// entry's header name beside its Unicode Path name): the engine checks
    /// them as it checks `name`.
    pub alt_names: Vec<String>,
    /// Its bytes: a slice of the container's where stored, owned when
    /// inflated.
    pub data: Bytes,
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
}

impl Unpacked {
    /// A child produced by a bounded decode: whatever was produced is kept
    /// and scanned, and a limit or error becomes a finding.
    pub(crate) fn push_drained(&mut self, name: String, d: crate::limits::Drained) {
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
            alt_names: Vec::new(),
            data: d.data,
            findings,
            shared: false,
        });
    }

    /// A child that is a slice of its container.
    pub(crate) fn push_slice(&mut self, name: String, data: Bytes, budget: &mut Budget) {
        match budget.charge_slice(&data) {
            Ok(()) => self.children.push(Child {
                name,
                alt_names: Vec::new(),
                data,
                findings: Vec::new(),
                shared: false,
            }),
            Err(limit) => {
                let detail = format!("{name:?} ({} bytes) was not scanned", data.len());
                self.findings.push(FindingKind::Limit { limit, detail });
            }
        }
    }

    /// Records that the listing stopped at the object budget.
    pub(crate) fn entries_cut(&mut self, listed: usize) {
        self.findings.push(FindingKind::Limit {
            limit: LimitKind::Objects,
            detail: format!("listing stopped after {listed} entries"),
        });
    }
}

/// Zip-based types, read through the zip directory.
pub(crate) const ZIP_BASED: &[&str] = &[
    "zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "odg", "epub", "jar", "apk",
];

/// True when an unpacker reads this type by its structure.
pub(crate) fn unpacks(t: FileType) -> bool {
    ZIP_BASED.contains(&t.name())
        || [
            known::GZIP,
            known::BZIP2,
            known::XZ,
            known::LZMA,
            known::EMAIL,
            known::SEVENZ,
            known::ZSTD,
            known::TAR,
        ]
        .contains(&t)
}

/// True for HTML and XML (SVG among it) that holds a base64 `data:` URI.
/// Not an unpacker by structure: embedded objects are still looked for in
/// it.
pub(crate) fn carries_data_uris(t: FileType, data: &[u8]) -> bool {
    (t == known::HTML || t == known::XML) && memchr::memmem::find(data, b";base64,").is_some()
}

/// Unpacks `data` by the types detection found in it. Types that start
/// after offset 0 (an executable glued to an image) are carved out and
/// scanned as objects of their own.
pub(crate) fn unpack(det: &Detection, name: &str, data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let primary = det.primary();
    let mut out = match primary.name() {
        n if ZIP_BASED.contains(&n) => zip::unpack(data, ctx),
        _ if primary == known::GZIP => compressed::gunzip(name, data, ctx),
        _ if primary == known::BZIP2 => compressed::bunzip2(name, data, ctx),
        _ if primary == known::XZ => compressed::unxz(name, data, ctx),
        _ if primary == known::LZMA => compressed::unlzma(name, data, ctx),
        _ if primary == known::ZSTD => compressed::unzstd(name, data, ctx),
        _ if primary == known::TAR => tar::unpack(data, ctx),
        _ if primary == known::EMAIL => mime::unpack(data, ctx),
        _ if primary == known::SEVENZ => sevenz::unpack(data, ctx),
        // Reached only when `carries_data_uris` said so, or for the types
        // embedded in it; the unpacker's own search finds the URIs.
        _ if primary == known::HTML || primary == known::XML => datauri::unpack(data, ctx),
        _ => Unpacked::default(),
    };
    for t in det.types.iter().skip(1) {
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
            out.push_slice(label, data.slice(off..), ctx.budget);
        }
    }
    out
}

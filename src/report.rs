//! What a scan returns: a verdict, the tree of objects scanned and the
//! findings, each tied to the object it was found in.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::detect::{FileType, TypeGroup};
use crate::limits::LimitKind;

/// The delivery decision for a file, as the engine's policy makes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No finding asks for more than delivery.
    Clean,
    /// Some finding is flagged by the policy: deliver with a warning, or hold.
    Suspicious,
    /// Some finding is blocked by the policy: do not deliver.
    Malicious,
}

/// What the policy does with a finding.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Recorded in the report; the verdict stays clean.
    Allow,
    /// The verdict becomes at least suspicious.
    Flag,
    /// The verdict becomes malicious.
    Block,
}

impl Action {
    /// The verdict that this action leads to.
    pub fn verdict(self) -> Verdict {
        match self {
            Action::Allow => Verdict::Clean,
            Action::Flag => Verdict::Suspicious,
            Action::Block => Verdict::Malicious,
        }
    }
}

/// Severity of a signature, from the rule's `severity` metadata.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth recording, not worth acting on.
    Info,
    /// Weak evidence.
    Low,
    /// Suspicious content.
    Medium,
    /// Malicious content.
    High,
    /// Malicious content known to be in active use.
    Critical,
}

impl Severity {
    /// Parses a rule's `severity` metadata; case does not matter.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "info" | "informational" => Severity::Info,
            "low" => Severity::Low,
            "medium" | "moderate" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

/// Where an object sits: its names from the outer file down, such as
/// `mail.zip > docs/a.zip > run.exe`. Names are shown as text; bytes that are
/// not UTF-8 are replaced, and control characters are escaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ObjectPath(Arc<[String]>);

impl ObjectPath {
    /// The path of an outer file.
    pub fn root(name: &str) -> Self {
        ObjectPath(Arc::from(vec![name.to_owned()]))
    }

    /// The path of a child named `name` inside this object.
    pub fn child(&self, name: &str) -> Self {
        let mut v: Vec<String> = self.0.to_vec();
        v.push(name.to_owned());
        ObjectPath(Arc::from(v))
    }

    /// The names, outer first.
    pub fn names(&self) -> &[String] {
        &self.0
    }

    /// The last name.
    pub fn name(&self) -> &str {
        self.0.last().map(String::as_str).unwrap_or("")
    }

    /// This path with `prefix` replaced by `new_prefix`, if it starts with it.
    pub(crate) fn rebase(&self, prefix: &ObjectPath, new_prefix: &ObjectPath) -> Option<Self> {
        let rest = self.0.strip_prefix(&prefix.0[..])?;
        let mut v = new_prefix.0.to_vec();
        v.extend_from_slice(rest);
        Some(ObjectPath(Arc::from(v)))
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" > ")?;
            }
            for c in n.chars() {
                if c.is_control() || crate::detect::names::is_bidi_control(c) {
                    write!(f, "\\u{{{:x}}}", c as u32)?;
                } else {
                    f.write_fmt(format_args!("{c}"))?;
                }
            }
        }
        Ok(())
    }
}

impl Serialize for ObjectPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// A type found in an object and the byte offset where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TypeAt {
    /// The type.
    #[serde(rename = "type")]
    pub ty: FileType,
    /// Where it starts in the object.
    pub offset: u64,
}

/// Which objects a report gives the SHA-256 of. Hashing costs CPU: every
/// object's hash costs about a third of the whole scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectHashes {
    /// None: for callers that do not show or keep them.
    None,
    /// The objects that a finding of their own flags or blocks, and the
    /// outer file when the verdict is not clean: the hashes an operator
    /// looks up or blocks by.
    #[default]
    Flagged,
    /// Every object.
    Every,
}

/// One object scanned: the outer file or anything unpacked from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectInfo {
    /// Index of this object in [`Report::objects`].
    pub id: usize,
    /// Index of the container it came from.
    pub parent: Option<usize>,
    /// Its names from the outer file down.
    pub path: ObjectPath,
    /// How deep it is; the outer file is 0.
    pub depth: u32,
    /// Every type found in it, the true type first.
    pub types: Vec<TypeAt>,
    /// Its size in bytes, as scanned.
    pub size: u64,
    /// SHA-256 of its bytes, in lowercase hex, where the engine's
    /// [`ObjectHashes`] asks for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Set when the same bytes were scanned before in this scan: the findings
    /// of that object are repeated for this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<usize>,
}

/// Something found in an object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Index of the object in [`Report::objects`].
    pub object: usize,
    /// The object's names from the outer file down.
    pub path: ObjectPath,
    /// What was found.
    #[serde(flatten)]
    pub kind: FindingKind,
    /// What the policy does with it.
    pub action: Action,
    /// The policy entry that chose the action, such as `types.executable`.
    pub decided_by: String,
}

/// A signature that matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureMatch {
    /// The rule's namespace.
    pub namespace: String,
    /// The rule's identifier.
    pub rule: String,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// The rule's metadata as name/value pairs.
    pub metadata: serde_json::Value,
    /// The rule's severity (`high` when it says none).
    pub severity: Severity,
}

/// What was found. Each kind has a stable key (see [`FindingKind::key`])
/// that policies name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// A signature matched the object's bytes.
    Signature(SignatureMatch),
    /// The object's true type is one the policy acts on.
    TrueType {
        /// The type.
        #[serde(rename = "type")]
        ty: FileType,
    },
    /// The name's extension says one type, the bytes another.
    ExtensionMismatch {
        /// The extension, as the name shows it.
        extension: String,
        /// The true type.
        #[serde(rename = "type")]
        ty: FileType,
        /// True when only the name as displayed (after bidi controls) lies.
        displayed: bool,
    },
    /// A decoy extension before a dangerous one, such as `invoice.pdf.exe`.
    DoubleExtension {
        /// The decoy extension.
        decoy: String,
        /// The real, last extension.
        real: String,
    },
    /// A bidirectional control character (such as U+202E) in the name.
    BidiControl {
        /// The code point.
        code_point: u32,
        /// The name as a user would see it.
        displayed: String,
    },
    /// A control character in the name.
    ControlCharacter {
        /// The code point.
        code_point: u32,
    },
    /// The name ends in a dot or a space, which Windows drops.
    TrailingDotOrSpace,
    /// Two names in one container that differ only by Unicode normalisation
    /// (or by case, where that can make them the same file).
    NormalizationCollision {
        /// The other name.
        other: String,
    },
    /// A name too long to show or store safely.
    LongName {
        /// Its length in bytes.
        length: usize,
    },
    /// The name leaves the folder it is extracted in: `..`, an absolute path,
    /// a drive letter or a UNC prefix.
    UnsafePath {
        /// Which of those it is.
        reason: String,
    },
    /// An archive entry that is a link; it is never followed.
    Link {
        /// `symlink` or `hardlink`.
        link: String,
        /// Where it points.
        target: String,
    },
    /// A limit was reached: what lies beyond it was not scanned.
    Limit {
        /// Which limit.
        limit: LimitKind,
        /// What was left unscanned.
        detail: String,
    },
    /// An encrypted entry or document.
    Encrypted {
        /// The entry's name.
        entry: String,
        /// The encryption, such as `zipcrypto` or `aes`.
        method: String,
        /// True when a candidate password opened it and it was scanned.
        decrypted: bool,
    },
    /// The object or an entry is malformed or truncated; what could be read
    /// was scanned.
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// An entry uses a compression method that cannot be decoded.
    UnsupportedMethod {
        /// The entry's name.
        entry: String,
        /// The method.
        method: String,
    },
    /// A container or disk image in a format that is not unpacked: its
    /// bytes were matched as they are, but what it holds was not scanned.
    UnsupportedFormat {
        /// The format.
        format: String,
    },
    /// An entry whose checksum does not match its content (still scanned).
    ChecksumMismatch {
        /// The entry's name.
        entry: String,
    },
    /// Several archives in one file.
    MultipleArchives {
        /// How many.
        count: usize,
    },
    /// Bytes before the first archive in the file (self-extractors, polyglots).
    PrependedData {
        /// How many bytes.
        length: u64,
    },
    /// Bytes after the end of the last archive in the file.
    AppendedData {
        /// How many bytes.
        length: u64,
    },
    /// An entry's local header disagrees with the central directory.
    HeaderMismatch {
        /// The entry's name.
        entry: String,
        /// The fields that differ.
        fields: Vec<String>,
    },
    /// An entry that only one reading of the container shows.
    SingleView {
        /// The entry's name.
        entry: String,
        /// The reading that shows it.
        view: String,
    },
    /// Readers of the container show an entry under names that differ in
    /// more than their character set, such as a zip entry whose Unicode Path
    /// field says `invoice.pdf.exe` where its header says `invoice.pdf`.
    /// Every name is checked; the entry is named as most readers show it.
    NameMismatch {
        /// The name most readers show (the one in the object's path).
        entry: String,
        /// The name other readers show.
        other: String,
        /// The readers that show `other`.
        reader: String,
    },
    /// A zip Unicode Path extra field (0x7075) that careful readers ignore:
    /// its CRC does not match the header name, or it is malformed.
    UnicodePathIgnored {
        /// The entry's name, as shown.
        entry: String,
        /// The name the field holds (replacement characters where it is not
        /// UTF-8; empty when there is none).
        name: String,
        /// Why it is ignored.
        reason: String,
    },
    /// Two entries of one container with the same name.
    DuplicateName {
        /// The name.
        name: String,
    },
    /// Bytes inside a container that no entry accounts for (smuggling).
    UnaccountedBytes {
        /// Where they start.
        offset: u64,
        /// How many.
        length: u64,
    },
    /// Entries whose data overlap (the non-recursive zip bomb).
    OverlappingEntries {
        /// How many entries overlap another.
        count: usize,
    },
    /// A size in a tar extended header disagrees with the plain header.
    SizeDisagreement {
        /// The entry's name.
        entry: String,
        /// The size in the plain header.
        header: u64,
        /// The size in the extended header (the one honoured).
        extended: u64,
    },
    /// Several types at different offsets in one file.
    Polyglot {
        /// The type names, in order of offset.
        types: Vec<String>,
    },
    /// The signature engine could not finish on this object.
    ScanError {
        /// What went wrong.
        detail: String,
    },
}

impl FindingKind {
    /// The stable key a policy names this kind by, such as
    /// `container.overlapping_entries`. A policy entry for a prefix
    /// (`container`) applies to every key under it.
    pub fn key(&self) -> String {
        use FindingKind::*;
        match self {
            Signature(_) => "signature".into(),
            TrueType { ty } => format!("type.{}", ty.group().as_str()),
            ExtensionMismatch { .. } => "name.extension_mismatch".into(),
            DoubleExtension { .. } => "name.double_extension".into(),
            BidiControl { .. } => "name.bidi_control".into(),
            ControlCharacter { .. } => "name.control_character".into(),
            TrailingDotOrSpace => "name.trailing_dot_or_space".into(),
            NormalizationCollision { .. } => "name.normalization_collision".into(),
            LongName { .. } => "name.long".into(),
            UnsafePath { .. } => "name.unsafe_path".into(),
            Link { .. } => "container.link".into(),
            Limit { limit, .. } => format!("limit.{}", limit.as_str()),
            Encrypted { .. } => "encrypted".into(),
            Malformed { .. } => "unscannable.malformed".into(),
            UnsupportedMethod { .. } => "unscannable.unsupported_method".into(),
            UnsupportedFormat { .. } => "unscannable.unsupported_format".into(),
            ChecksumMismatch { .. } => "container.checksum_mismatch".into(),
            MultipleArchives { .. } => "container.multiple_archives".into(),
            PrependedData { .. } => "container.prepended_data".into(),
            AppendedData { .. } => "container.appended_data".into(),
            HeaderMismatch { .. } => "container.header_mismatch".into(),
            SingleView { .. } => "container.single_view".into(),
            NameMismatch { .. } => "container.name_mismatch".into(),
            UnicodePathIgnored { .. } => "container.unicode_path_ignored".into(),
            DuplicateName { .. } => "container.duplicate_name".into(),
            UnaccountedBytes { .. } => "container.unaccounted_bytes".into(),
            OverlappingEntries { .. } => "container.overlapping_entries".into(),
            SizeDisagreement { .. } => "container.size_disagreement".into(),
            Polyglot { .. } => "type.polyglot".into(),
            ScanError { .. } => "unscannable.scan_error".into(),
        }
    }

    /// A one-line description for people.
    pub fn describe(&self) -> String {
        use FindingKind::*;
        match self {
            Signature(m) => format!("signature {}:{} ({:?})", m.namespace, m.rule, m.severity),
            TrueType { ty } => format!("true type {} ({})", ty.name(), ty.group().as_str()),
            ExtensionMismatch {
                extension,
                ty,
                displayed,
            } => format!(
                "{}name says .{extension} but the content is {}",
                if *displayed { "displayed " } else { "" },
                ty.name()
            ),
            DoubleExtension { decoy, real } => format!("double extension .{decoy}.{real}"),
            BidiControl {
                code_point,
                displayed,
            } => {
                format!("bidi control U+{code_point:04X} in name (shows as {displayed:?})")
            }
            ControlCharacter { code_point } => {
                format!("control character U+{code_point:04X} in name")
            }
            TrailingDotOrSpace => "name ends in a dot or space".into(),
            NormalizationCollision { other } => {
                format!("name collides with {other:?} after normalisation")
            }
            LongName { length } => format!("name of {length} bytes"),
            UnsafePath { reason } => format!("unsafe path: {reason}"),
            Link { link, target } => format!("{link} to {target:?} (not followed)"),
            Limit { limit, detail } => format!("limit {} reached: {detail}", limit.as_str()),
            Encrypted {
                entry,
                method,
                decrypted,
            } => format!(
                "encrypted ({method}) {entry:?}{}",
                if *decrypted {
                    ", opened with a candidate password"
                } else {
                    ""
                }
            ),
            Malformed { detail } => format!("malformed: {detail}"),
            UnsupportedMethod { entry, method } => {
                format!("unsupported method {method} for {entry:?}")
            }
            UnsupportedFormat { format } => {
                format!("{format} is not unpacked: its contents were not scanned")
            }
            ChecksumMismatch { entry } => format!("checksum mismatch in {entry:?}"),
            MultipleArchives { count } => format!("{count} archives in one file"),
            PrependedData { length } => format!("{length} bytes before the archive"),
            AppendedData { length } => format!("{length} bytes after the archive"),
            HeaderMismatch { entry, fields } => {
                format!(
                    "local header of {entry:?} disagrees on {}",
                    fields.join(", ")
                )
            }
            SingleView { entry, view } => format!("{entry:?} is visible only to the {view}"),
            NameMismatch {
                entry,
                other,
                reader,
            } => format!("{entry:?} is shown as {other:?} by {reader}"),
            UnicodePathIgnored {
                entry,
                name,
                reason,
            } => format!("Unicode Path name {name:?} of {entry:?} is ignored: {reason}"),
            DuplicateName { name } => format!("duplicate entry name {name:?}"),
            UnaccountedBytes { offset, length } => {
                format!("{length} bytes at offset {offset} belong to no entry")
            }
            OverlappingEntries { count } => format!("{count} overlapping entries"),
            SizeDisagreement {
                entry,
                header,
                extended,
            } => format!(
                "{entry:?}: header size {header}, extended header size {extended} (honoured)"
            ),
            Polyglot { types } => format!("polyglot: {}", types.join(" + ")),
            ScanError { detail } => format!("signature scan failed: {detail}"),
        }
    }
}

/// The result of scanning one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The delivery decision: the strongest action among the findings.
    pub verdict: Verdict,
    /// Every object scanned, the outer file first; parents come before
    /// their children.
    pub objects: Vec<ObjectInfo>,
    /// Every finding, in the order found.
    pub findings: Vec<Finding>,
}

impl Report {
    /// The findings of one kind key (see [`FindingKind::key`]) or key prefix.
    pub fn findings_with_key<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Finding> + 'a {
        self.findings.iter().filter(move |f| {
            let k = f.kind.key();
            k == key || (k.starts_with(key) && k.as_bytes().get(key.len()) == Some(&b'.'))
        })
    }

    /// The signature matches, wherever they were found.
    pub fn signatures(&self) -> impl Iterator<Item = (&ObjectPath, &SignatureMatch)> {
        self.findings.iter().filter_map(|f| match &f.kind {
            FindingKind::Signature(m) => Some((&f.path, m)),
            _ => None,
        })
    }

    /// True when some rule with this identifier matched.
    pub fn matched(&self, rule: &str) -> bool {
        self.signatures().any(|(_, m)| m.rule == rule)
    }

    /// The true type of the outer file.
    pub fn true_type(&self) -> Option<FileType> {
        self.objects
            .first()
            .and_then(|o| o.types.first())
            .map(|t| t.ty)
    }

    /// True when the verdict is not clean.
    pub fn is_detected(&self) -> bool {
        self.verdict != Verdict::Clean
    }
}

/// Used by [`TypeGroup`] for JSON.
impl Serialize for TypeGroup {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

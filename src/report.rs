//! What a scan returns: a verdict, the tree of objects scanned and the
//! findings, each tied to the object it was found in.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::finding::{FindingKind, SignatureMatch};
use crate::types::{FileType, TypeGroup};

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

/// True for the characters that reorder how text is displayed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// The last component of an archive path (either slash).
pub fn file_name(name: &str) -> &str {
    // Byte by byte: both slashes are ASCII, never inside a UTF-8 sequence,
    // and the generic search for a set of chars cost more than the rest of
    // the name checks.
    let b = name.as_bytes();
    let is_slash = |c: &u8| *c == b'/' || *c == b'\\';
    let end = b.iter().rposition(|c| !is_slash(c)).map_or(0, |i| i + 1);
    let start = b[..end].iter().rposition(is_slash).map_or(0, |i| i + 1);
    &name[start..end]
}

/// Where an object sits: its names from the outer file down, such as
/// `mail.zip > docs/a.zip > run.exe`. Names are shown as text; bytes that are
/// not UTF-8 are replaced, and control characters are escaped.
///
/// A child's path shares its parent's names (each is reference-counted), so
/// that making the paths of an archive's thousands of entries copies no
/// name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ObjectPath(Arc<[Arc<str>]>);

impl ObjectPath {
    /// The path of an outer file.
    pub fn root(name: &str) -> Self {
        ObjectPath(Arc::from([Arc::from(name)]))
    }

    /// The path of a child named `name` inside this object.
    pub fn child(&self, name: &str) -> Self {
        ObjectPath(
            self.0
                .iter()
                .cloned()
                .chain(std::iter::once(Arc::from(name)))
                .collect(),
        )
    }

    /// The names, outer first.
    pub fn names(&self) -> &[Arc<str>] {
        &self.0
    }

    /// The last name.
    pub fn name(&self) -> &str {
        self.0.last().map(|n| &**n).unwrap_or("")
    }

    /// This path with `prefix` replaced by `new_prefix`, if it starts with it.
    pub(crate) fn rebase(&self, prefix: &ObjectPath, new_prefix: &ObjectPath) -> Option<Self> {
        let rest = self.0.strip_prefix(&prefix.0[..])?;
        Some(ObjectPath(
            new_prefix.0.iter().chain(rest).cloned().collect(),
        ))
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" > ")?;
            }
            for c in n.chars() {
                if c.is_control() || is_bidi_control(c) {
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

/// Where an object came from: a typed value set by whoever made the object,
/// never read from the text of its name. Name checks run on the names that
/// a sender chose ([`Origin::is_named`]), whatever characters they hold; the
/// labels we give carved regions and decoded content (`<embedded pe-exe
/// @512>`) are not judged as names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Origin {
    /// The outer object, as the caller handed it over.
    Input {
        /// Whether the caller gave it a name (`""` and `-` are no name).
        named: bool,
    },
    /// An entry of its container, under the name the container gives it:
    /// the sender's choice.
    Entry,
    /// An entry that its container gives no name; its label is ours.
    Unnamed,
    /// A region of its parent found by what it holds: an executable glued
    /// behind an image, bytes after an archive's end, a message of an mbox.
    Carved {
        /// Where it starts in its parent.
        offset: u64,
    },
    /// Its parent's content decoded: a decompressed stream without a stored
    /// name, a `data:` URI, a MIME part without a file name.
    Decoded,
}

impl Origin {
    /// True when the object's last name is one the sender chose, so that
    /// the name checks judge it.
    pub fn is_named(self) -> bool {
        matches!(self, Origin::Input { named: true } | Origin::Entry)
    }
}

/// A type found in an object and the byte offset where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TypeAt {
    /// The type.
    #[serde(rename = "type")]
    pub ty: FileType,
    /// Where it starts in the object.
    pub offset: u64,
}

/// The true type among an object's types: the first, or `data` when none
/// was found.
pub(crate) fn primary(types: &[TypeAt]) -> FileType {
    types
        .first()
        .map(|t| t.ty)
        .unwrap_or(crate::types::known::DATA)
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
#[non_exhaustive]
pub struct ObjectInfo {
    /// Index of this object in [`Report::objects`].
    pub id: usize,
    /// Index of the container it came from.
    pub parent: Option<usize>,
    /// Its names from the outer file down.
    pub path: ObjectPath,
    /// Where it came from: the input, an entry, a carved region, decoded
    /// content.
    pub origin: Origin,
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
    /// Set on an outer object too large to match whole (over the object size
    /// limit, from a stream or a large file): its signatures were matched in
    /// overlapping windows, where module conditions (`pe.*`, `hash.*`),
    /// `filesize` and `uint*` reads are not evaluated; its type was read from
    /// its first bytes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub windowed: bool,
    /// Set when the same bytes were scanned before in this scan: the findings
    /// of that object are repeated for this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<usize>,
}

/// Something found in an object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
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

/// The version of the JSON report's schema. It changes only when a field
/// changes meaning or goes; new fields may appear within a version.
pub const REPORT_SCHEMA: u32 = 1;

/// Why a scan ended before its work queue was empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StopReason {
    /// The [`Sink`](crate::Sink) asked to stop.
    Sink,
    /// First-hit mode ([`ScanOptions::first_hit`](crate::ScanOptions::first_hit))
    /// stopped at the first blocked finding.
    FirstHit,
    /// The host cancelled the scan ([`CancelToken`](crate::CancelToken)).
    Cancelled,
    /// The scan's time limit ran out.
    Time,
}

/// The result of scanning one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The version of this report's layout ([`REPORT_SCHEMA`]).
    pub schema: u32,
    /// The delivery decision: the strongest action among the findings.
    pub verdict: Verdict,
    /// False when the scan ended before every object in its queue was
    /// scanned; `stopped` says why. Limits reached inside a container (an
    /// entry cut at the size limit) are findings and leave this true.
    pub complete: bool,
    /// Why the scan ended early, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<StopReason>,
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

    /// The finding that decided the verdict, to name it to a person or a
    /// client: among the findings of the strongest action, a signature
    /// first (the most specific), then a true type, then the first of the
    /// others. `None` for a clean report.
    pub fn deciding_finding(&self) -> Option<&Finding> {
        let target = match self.verdict {
            Verdict::Clean => return None,
            Verdict::Suspicious => Action::Flag,
            Verdict::Malicious => Action::Block,
        };
        let strongest = || self.findings.iter().filter(move |f| f.action == target);
        strongest()
            .find(|f| matches!(f.kind, FindingKind::Signature(_)))
            .or_else(|| strongest().find(|f| matches!(f.kind, FindingKind::TrueType { .. })))
            .or_else(|| strongest().next())
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

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn file_name_is_the_last_component_whatever_the_slashes() {
        // What `str::rsplit` on either slash said, byte by byte.
        let old = |name: &str| {
            let trimmed = name.trim_end_matches(['/', '\\']);
            trimmed
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(trimmed)
                .to_owned()
        };
        for name in [
            "",
            "/",
            "//",
            "a",
            "a/",
            "a\\b/",
            "a//b",
            "dir/é/ü.txt",
            "\\\\server\\share\\x.exe",
            "a/b\\c",
            "/abs/x.txt/",
            "ü",
            "x/\u{202e}gpj.exe",
        ] {
            assert_eq!(file_name(name), old(name), "{name:?}");
        }
    }
}

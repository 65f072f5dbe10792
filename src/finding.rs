//! What a scan finds: the kinds of finding, the one table of their stable
//! keys that reports, policies and the C API name them by, and the
//! signature matches with their rules' metadata.

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::limits::LimitKind;
use crate::types::FileType;

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

/// Declares the finding keys once: a constant for each, and the table of
/// every key with its meaning, which policies validate against.
macro_rules! finding_keys {
    ($($name:ident = $key:literal: $meaning:literal;)*) => {
        /// The stable finding keys, as constants. A key never changes once
        /// released; a policy entry for a prefix (`container`) applies to
        /// every key under it.
        pub mod keys {
            use crate::limits::LimitKind;
            use crate::types::TypeGroup;
            $(
                #[doc = $meaning]
                pub const $name: &str = $key;
            )*

            /// The key of a true type that the policy acts on.
            pub fn of_group(g: TypeGroup) -> &'static str {
                match g {
                    TypeGroup::Executable => TYPE_EXECUTABLE,
                    TypeGroup::Script => TYPE_SCRIPT,
                    TypeGroup::WindowsScript => TYPE_SCRIPT_WINDOWS,
                    TypeGroup::OtherScript => TYPE_SCRIPT_OTHER,
                    TypeGroup::MacroDocument => TYPE_MACRO_DOCUMENT,
                    TypeGroup::Document => TYPE_DOCUMENT,
                    TypeGroup::DiskImage => TYPE_DISK_IMAGE,
                    TypeGroup::Archive => TYPE_ARCHIVE,
                    TypeGroup::Shortcut => TYPE_SHORTCUT,
                    TypeGroup::Image => TYPE_IMAGE,
                    TypeGroup::Audio => TYPE_AUDIO,
                    TypeGroup::Video => TYPE_VIDEO,
                    TypeGroup::Font => TYPE_FONT,
                    TypeGroup::Text => TYPE_TEXT,
                    TypeGroup::Unknown => TYPE_UNKNOWN,
                }
            }

            /// The key of a limit reached.
            pub fn of_limit(l: LimitKind) -> &'static str {
                match l {
                    LimitKind::Depth => LIMIT_DEPTH,
                    LimitKind::Objects => LIMIT_OBJECTS,
                    LimitKind::ObjectSize => LIMIT_OBJECT_SIZE,
                    LimitKind::TotalSize => LIMIT_TOTAL_SIZE,
                    LimitKind::Ratio => LIMIT_RATIO,
                    LimitKind::Time => LIMIT_TIME,
                    LimitKind::OverlappingEntries => LIMIT_OVERLAPPING_ENTRIES,
                    LimitKind::Findings => LIMIT_FINDINGS,
                    LimitKind::Cancelled => LIMIT_CANCELLED,
                }
            }
        }

        /// Every finding key and what it means, in one table: what
        /// [`FindingKind::key`] returns is always one of these, and a policy
        /// may name any of them or a prefix of them.
        pub const FINDING_KEYS: &[(&str, &str)] = &[$(($key, $meaning)),*];
    };
}

finding_keys! {
    SIGNATURE = "signature": "A YARA rule matched the object's bytes.";
    TYPE_EXECUTABLE = "type.executable": "The true type is native code (PE, ELF, Mach-O, DEX).";
    TYPE_SCRIPT = "type.script": "The true type is a script: the family of the two keys below, which name the kind.";
    TYPE_SCRIPT_WINDOWS = "type.script.windows": "The true type is a script that Windows runs on a double click (batch, PowerShell, VBScript, JScript, HTA, WSH).";
    TYPE_SCRIPT_OTHER = "type.script.other": "The true type is a script that takes a terminal to run (shell, Python, Perl, Ruby...).";
    TYPE_MACRO_DOCUMENT = "type.macro_document": "The true type is an office document with macros.";
    TYPE_DOCUMENT = "type.document": "The true type is a document without macros.";
    TYPE_DISK_IMAGE = "type.disk_image": "The true type is a disk image (ISO, UDF, VHD, DMG...).";
    TYPE_ARCHIVE = "type.archive": "The true type is an archive or compressed stream.";
    TYPE_SHORTCUT = "type.shortcut": "The true type is a Windows shortcut (LNK).";
    TYPE_IMAGE = "type.image": "The true type is a picture.";
    TYPE_AUDIO = "type.audio": "The true type is sound.";
    TYPE_VIDEO = "type.video": "The true type is video.";
    TYPE_FONT = "type.font": "The true type is a font.";
    TYPE_TEXT = "type.text": "The true type is text.";
    TYPE_UNKNOWN = "type.unknown": "The bytes are of no recognised type.";
    TYPE_POLYGLOT = "type.polyglot": "Several types at different offsets in one file.";
    NAME_EXTENSION_MISMATCH = "name.extension_mismatch": "The name's extension says one type, the bytes another.";
    NAME_DOUBLE_EXTENSION = "name.double_extension": "A decoy extension before a runnable one.";
    NAME_BIDI_CONTROL = "name.bidi_control": "A bidirectional control character in the name.";
    NAME_CONTROL_CHARACTER = "name.control_character": "A control character in the name.";
    NAME_TRAILING_DOT_OR_SPACE = "name.trailing_dot_or_space": "The name ends in a dot or space, which Windows drops.";
    NAME_NORMALIZATION_COLLISION = "name.normalization_collision": "Two names of one container that are one after normalisation.";
    NAME_LONG = "name.long": "A name too long to show or store safely.";
    NAME_UNSAFE_PATH = "name.unsafe_path": "A path that leaves its folder, or names an NTFS alternate data stream.";
    NAME_BLOCKED_EXTENSION = "name.blocked_extension": "An extension of a type that Windows runs or installs on a double click (Gmail's blocked list).";
    NAME_RISKY_EXTENSION = "name.risky_extension": "An extension that Outlook blocks beyond Gmail's list: a file Windows opens into something that changes or runs (.reg, .rdp, ClickOnce, .inf, .wsb...).";
    CONTAINER_LINK = "container.link": "An archive entry that is a link to another entry of the archive (never followed).";
    CONTAINER_LINK_ESCAPES = "container.link_escapes": "An archive entry that is a link leaving the archive: an absolute target or one that climbs out with `..` (never followed).";
    CONTAINER_CHECKSUM_MISMATCH = "container.checksum_mismatch": "An entry whose checksum does not match its content.";
    CONTAINER_MULTIPLE_ARCHIVES = "container.multiple_archives": "Several archives in one file.";
    CONTAINER_PREPENDED_DATA = "container.prepended_data": "Bytes before the first archive in the file.";
    CONTAINER_APPENDED_DATA = "container.appended_data": "Bytes after the end of the last archive in the file.";
    CONTAINER_HEADER_MISMATCH = "container.header_mismatch": "A local header disagrees with the central directory.";
    CONTAINER_SINGLE_VIEW = "container.single_view": "An entry that only one reading of the container shows.";
    CONTAINER_NAME_MISMATCH = "container.name_mismatch": "Readers of the container show an entry under different names.";
    CONTAINER_UNICODE_PATH_IGNORED = "container.unicode_path_ignored": "A zip Unicode Path field that careful readers ignore.";
    CONTAINER_DUPLICATE_NAME = "container.duplicate_name": "Two entries of one container with the same name.";
    CONTAINER_UNACCOUNTED_BYTES = "container.unaccounted_bytes": "Bytes inside a container that no entry accounts for.";
    CONTAINER_OVERLAPPING_ENTRIES = "container.overlapping_entries": "Entries whose data overlap (a zip bomb).";
    CONTAINER_SIZE_DISAGREEMENT = "container.size_disagreement": "A tar extended header's size disagrees with the plain header.";
    LIMIT_DEPTH = "limit.depth": "Containers nested deeper than the depth limit.";
    LIMIT_OBJECTS = "limit.objects": "More objects than the object limit.";
    LIMIT_OBJECT_SIZE = "limit.object_size": "An object larger than the object size limit.";
    LIMIT_TOTAL_SIZE = "limit.total_size": "Unpacking produced more than the total size limit.";
    LIMIT_RATIO = "limit.ratio": "An entry inflated past the ratio limit.";
    LIMIT_TIME = "limit.time": "The scan ran past its time limit.";
    LIMIT_OVERLAPPING_ENTRIES = "limit.overlapping_entries": "More overlapping entries than are worth inflating.";
    LIMIT_FINDINGS = "limit.findings": "The report reached its cap on findings.";
    LIMIT_CANCELLED = "limit.cancelled": "The host cancelled the scan before it was done.";
    ENCRYPTED = "encrypted": "An encrypted entry or document.";
    UNSCANNABLE_MALFORMED = "unscannable.malformed": "Malformed or truncated data; what could be read was scanned.";
    UNSCANNABLE_UNSUPPORTED_METHOD = "unscannable.unsupported_method": "An entry in a compression method that cannot be decoded.";
    UNSCANNABLE_UNSUPPORTED_FORMAT = "unscannable.unsupported_format": "A container format that is not unpacked.";
    UNSCANNABLE_TRUNCATED = "unscannable.truncated": "Bytes of the object never arrived; what did was scanned.";
    STREAM_CONFLICTING_PIECE = "stream.conflicting_piece": "A piece of a stream came twice with different bytes.";
    UNSCANNABLE_SCAN_ERROR = "unscannable.scan_error": "The signature engine could not finish on the object.";
    DOCUMENT_SVG_SCRIPT = "document.svg.script": "An SVG image that runs script: a `<script>` element, an event handler, a `javascript:` link.";
    LAUNCHER_REMOTE_TARGET = "launcher.remote_target": "A launcher (URL, SCF, library, search connector, desktop entry) that points at a file: URL, a UNC path or a remote share.";
    DOCUMENT_REMOTE_TEMPLATE = "document.remote_template": "An OOXML document whose template is fetched from another machine (remote template injection).";
    DOCUMENT_EXTERNAL_OBJECT = "document.external_object": "An OOXML document with a linked OLE object that Office fetches and activates (CVE-2017-0199, Follina).";
    DOCUMENT_EXTERNAL_LINK = "document.external_link": "An OOXML document that makes Office fetch from another machine on its own: a remote frame or sub-document, a file on a UNC share.";
    DOCUMENT_EXTERNAL_LINK_HANDLER = "document.external_link.handler": "An OOXML relationship, or a page's link, to a URL handler that starts programs or opens a share (ms-msdt:, search-ms:, mhtml:...), or to a program.";
    DOCUMENT_DDE = "document.dde": "A DDE field or link: the document asks Office to start a program and talk to it.";
    DOCUMENT_DDE_COMMAND = "document.dde.command": "A DDE field or link whose program is a command interpreter or script host, or is hidden in nested fields.";
    DOCUMENT_CHM_COMMAND = "document.chm.command": "A compiled help page with a ShortCut object that runs a command.";
    UNSCANNABLE_MISSING_VOLUME = "unscannable.missing_volume": "One part of a multi-volume archive or cabinet set: what goes on in the parts not given was not scanned.";
    ENCRYPTED_HEADERS = "encrypted.headers": "An archive whose listing is encrypted: without its password not even the names of its entries are seen.";
    DOCUMENT_MACRO = "document.macro": "A VBA project (macros) in an Office document.";
    DOCUMENT_MACRO_AUTORUN = "document.macro.autorun": "A VBA macro that runs by itself when the document is opened or closed (AutoOpen, Document_Open, Workbook_Open...).";
    DOCUMENT_XLM = "document.xlm": "Excel 4.0 (XLM) macros: a macro sheet, or SYLK formulas that run code.";
    DOCUMENT_XLM_AUTORUN = "document.xlm.autorun": "An Excel 4.0 macro name that runs by itself (Auto_Open, Auto_Close).";
    DOCUMENT_SHEET_VERY_HIDDEN = "document.sheet.very_hidden": "A workbook sheet hidden so that only a macro can show it.";
    DOCUMENT_RTF_OBJECT = "document.rtf.object": "An embedded OLE object in an RTF document.";
    DOCUMENT_EQUATION = "document.equation": "An Equation Editor 3.0 object (Equation.2/Equation.3), the class of CVE-2017-11882 and CVE-2018-0802.";
    DOCUMENT_PDF_JAVASCRIPT = "document.pdf.javascript": "A PDF holds JavaScript (form scripts, link actions); the script is scanned.";
    DOCUMENT_PDF_JAVASCRIPT_ON_OPEN = "document.pdf.javascript_on_open": "A PDF runs JavaScript when it is opened (OpenAction, a page's open action, document-level scripts).";
    DOCUMENT_PDF_LAUNCH = "document.pdf.launch": "A PDF action that launches a program or opens a file.";
    DOCUMENT_PDF_URI = "document.pdf.uri": "A PDF link to a URI (recorded).";
    DOCUMENT_PDF_SUBMIT_FORM = "document.pdf.submit_form": "A PDF form that submits its fields to an address.";
    DOCUMENT_PDF_EMBEDDED_FILE = "document.pdf.embedded_file": "A file embedded in a PDF (itself scanned and judged).";
    IMAGE_HIDDEN_FILE = "image.hidden_file": "A file of a disk image that is hidden (the ISO 9660 or UDF hidden flag, FAT's hidden or system attribute), or in a hidden folder.";
    IMAGE_TREE_MISMATCH = "image.tree_mismatch": "A file that one directory tree of a disk image shows and another does not (ISO 9660, Joliet, UDF: the UDF bridge decoy).";
    IMAGE_SHORTCUT_WITH_HIDDEN_PAYLOAD = "image.shortcut_with_hidden_payload": "A disk image whose root holds a shortcut beside a hidden executable or script: how most malware in images is delivered.";
}

/// True when `key` is a finding key or a prefix of some (`container`).
pub fn is_finding_key_or_prefix(key: &str) -> bool {
    FINDING_KEYS.iter().any(|(k, _)| {
        *k == key || (k.starts_with(key) && k.as_bytes().get(key.len()) == Some(&b'.'))
    })
}

/// The metadata of a rule, in the rule's order (a rule may repeat a name).
/// Serialized as a JSON object; where a name repeats, the JSON keeps the
/// last value, as JSON readers would.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata(pub Vec<(String, MetaValue)>);

impl Metadata {
    /// The value of the first entry with this name.
    pub fn get(&self, name: &str) -> Option<&MetaValue> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

impl Serialize for Metadata {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// One value of a rule's metadata.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum MetaValue {
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string (byte strings that are not UTF-8 are shown lossily).
    String(String),
}

/// A signature that matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SignatureMatch {
    /// The rule's namespace.
    pub namespace: String,
    /// The rule's identifier.
    pub rule: String,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// The rule's metadata, in the rule's order.
    pub metadata: Metadata,
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
    /// An archive entry that is a link to another entry of the same
    /// archive; it is never followed.
    Link {
        /// `symlink` or `hardlink`.
        link: String,
        /// Where it points.
        target: String,
    },
    /// An archive entry that is a link leaving the archive: an absolute
    /// target, or a relative one that climbs above the archive's root. It is
    /// never followed; an extractor that follows it writes outside.
    LinkEscapes {
        /// `symlink` or `hardlink`.
        link: String,
        /// Where it points.
        target: String,
    },
    /// The name's extension is of a type that Windows runs or installs on
    /// a double click, which Gmail blocks whatever the content.
    BlockedExtension {
        /// The extension (of the name as stored or as displayed).
        extension: String,
    },
    /// The name's extension is one that Outlook blocks and Gmail's list
    /// does not name: a file that Windows opens with a program that
    /// changes the machine or runs what it says (registry imports, remote
    /// desktop connections, ClickOnce deployments, setup information,
    /// sandbox configurations...).
    RiskyExtension {
        /// The extension (of the name as stored or as displayed).
        extension: String,
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
    /// A piece of a stream repeated with other bytes than it first came
    /// with: the first version was kept and scanned. A peer that sends two
    /// versions of a piece attacks whoever checks only one.
    ConflictingPiece {
        /// Where the repeat starts.
        offset: u64,
        /// How many bytes it covers.
        length: u64,
    },
    /// Bytes of the object that never arrived; what did arrive was scanned.
    Truncated {
        /// How many bytes are missing.
        missing: u64,
        /// Where the first missing byte is.
        at: u64,
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
    /// An SVG image that runs script when a browser opens it.
    SvgScript {
        /// What runs: a `<script>` element, an event handler.
        detail: String,
    },
    /// A launcher whose target, icon or location is a `file:` URL, a UNC
    /// path or a share: opening (or only showing) it reaches out to a
    /// machine the sender chose.
    LauncherRemoteTarget {
        /// The launcher's field (`URL`, `IconFile`, `Command`...).
        field: String,
        /// What it points at.
        target: String,
    },
    /// An OOXML document's template is fetched from another machine.
    RemoteTemplate {
        /// The template's URL.
        target: String,
    },
    /// An OOXML document links an OLE object that Office fetches and
    /// activates.
    ExternalObject {
        /// The object's URL.
        target: String,
    },
    /// An OOXML relationship that Office follows on its own to another
    /// machine, or to a URL handler that starts programs (or, `program`,
    /// to a program itself); or a page's link to such a handler.
    ExternalLink {
        /// The relationship's type, such as `frame`, or `page link`.
        relationship: String,
        /// Where it points.
        target: String,
        /// The URL handler's scheme, when it names one that starts programs.
        handler: Option<String>,
    },
    /// A DDE field (`DDE`, `DDEAUTO`) or Excel DDE link.
    Dde {
        /// `DDEAUTO`, `DDE` or `ddeLink`.
        form: String,
        /// The program and its arguments.
        command: String,
        /// True when the program is a command interpreter or script host,
        /// or cannot be read because nested fields build it.
        interpreter: bool,
    },
    /// A compiled help page whose ShortCut object runs a command.
    ChmCommand {
        /// The page's name in the help file.
        page: String,
        /// The command and its arguments.
        command: String,
    },
    /// One part of a multi-volume archive (a RAR volume, a cabinet of a
    /// set): entries that go on in, or come from, the other parts were not
    /// scanned whole.
    MissingVolume {
        /// What is missing.
        detail: String,
    },
    /// An archive whose headers are encrypted (RAR's `-hp`): no entry is
    /// listed without the password.
    EncryptedHeaders {
        /// The format, such as `rar5`.
        format: String,
        /// True when a candidate password opened it and it was scanned.
        decrypted: bool,
    },
    /// A VBA project: macros in an Office document.
    Macros {
        /// Where the project is (`Macros/VBA`, `_VBA_PROJECT_CUR/VBA`).
        project: String,
        /// Its modules' names.
        modules: Vec<String>,
    },
    /// A VBA procedure that Office runs by itself.
    MacroAutorun {
        /// The module it is in.
        module: String,
        /// The procedure, as written (`AutoOpen`, `Document_Open`).
        entry: String,
    },
    /// Excel 4.0 (XLM) macros.
    XlmMacros {
        /// What holds them: macro sheets, or the macro functions called.
        detail: String,
    },
    /// An Excel 4.0 macro name that runs by itself.
    XlmAutorun {
        /// The name (`Auto_Open`).
        name: String,
    },
    /// A sheet that only a macro can show.
    VeryHiddenSheet {
        /// The sheet's name.
        sheet: String,
    },
    /// An embedded object in an RTF document.
    RtfObject {
        /// Its class (`Package`, `Word.Document.8`), empty when none is
        /// given.
        class: String,
    },
    /// An Equation Editor 3.0 object.
    EquationObject {
        /// How it was recognised (its class name, or its storage's CLSID).
        evidence: String,
    },
    /// Something in a PDF that a reader acts on: JavaScript, an action run
    /// when the document opens, a program launched, a link, a form
    /// submitted, an embedded file.
    Pdf {
        /// Which.
        feature: PdfFeature,
        /// Its target: the start of the script, the program or file
        /// launched, the address, the embedded file's name.
        target: String,
    },
    /// A file of a disk image that is hidden, or in a hidden folder.
    HiddenFile {
        /// Its path in the image.
        entry: String,
    },
    /// A file that some directory trees of a disk image show and others do
    /// not (a UDF bridge image whose ISO 9660 tree is a decoy).
    TreeMismatch {
        /// The file, as the first tree that shows it names it.
        entry: String,
        /// The trees that show it.
        shown_by: String,
        /// The trees that do not.
        hidden_from: String,
    },
    /// A shortcut at a disk image's root beside a hidden executable or
    /// script.
    ShortcutWithHiddenPayload {
        /// The shortcut.
        shortcut: String,
        /// The hidden file it likely runs.
        payload: String,
    },
}

/// The kinds of [`FindingKind::Pdf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PdfFeature {
    /// JavaScript that runs on some event (a click, a form field).
    JavaScript,
    /// JavaScript that runs when the document opens.
    JavaScriptOnOpen,
    /// A Launch action: a program or a file opened.
    Launch,
    /// A link to a URI.
    Uri,
    /// A form submitted to an address.
    SubmitForm,
    /// A file embedded in the document.
    EmbeddedFile,
}

impl PdfFeature {
    /// The finding key of this kind.
    pub fn key(self) -> &'static str {
        match self {
            PdfFeature::JavaScript => keys::DOCUMENT_PDF_JAVASCRIPT,
            PdfFeature::JavaScriptOnOpen => keys::DOCUMENT_PDF_JAVASCRIPT_ON_OPEN,
            PdfFeature::Launch => keys::DOCUMENT_PDF_LAUNCH,
            PdfFeature::Uri => keys::DOCUMENT_PDF_URI,
            PdfFeature::SubmitForm => keys::DOCUMENT_PDF_SUBMIT_FORM,
            PdfFeature::EmbeddedFile => keys::DOCUMENT_PDF_EMBEDDED_FILE,
        }
    }

    /// What it is, for people.
    fn describe(self) -> &'static str {
        match self {
            PdfFeature::JavaScript => "PDF JavaScript",
            PdfFeature::JavaScriptOnOpen => "PDF JavaScript run on open",
            PdfFeature::Launch => "PDF launch action",
            PdfFeature::Uri => "PDF link",
            PdfFeature::SubmitForm => "PDF form submitted",
            PdfFeature::EmbeddedFile => "file embedded in a PDF",
        }
    }
}

impl FindingKind {
    /// The stable key a policy names this kind by, such as
    /// `container.overlapping_entries`. A policy entry for a prefix
    /// (`container`) applies to every key under it.
    pub fn key(&self) -> &'static str {
        use FindingKind::*;
        match self {
            Signature(_) => keys::SIGNATURE,
            TrueType { ty } => keys::of_group(ty.group()),
            ExtensionMismatch { .. } => keys::NAME_EXTENSION_MISMATCH,
            DoubleExtension { .. } => keys::NAME_DOUBLE_EXTENSION,
            BidiControl { .. } => keys::NAME_BIDI_CONTROL,
            ControlCharacter { .. } => keys::NAME_CONTROL_CHARACTER,
            TrailingDotOrSpace => keys::NAME_TRAILING_DOT_OR_SPACE,
            NormalizationCollision { .. } => keys::NAME_NORMALIZATION_COLLISION,
            LongName { .. } => keys::NAME_LONG,
            UnsafePath { .. } => keys::NAME_UNSAFE_PATH,
            Link { .. } => keys::CONTAINER_LINK,
            LinkEscapes { .. } => keys::CONTAINER_LINK_ESCAPES,
            BlockedExtension { .. } => keys::NAME_BLOCKED_EXTENSION,
            RiskyExtension { .. } => keys::NAME_RISKY_EXTENSION,
            Limit { limit, .. } => keys::of_limit(*limit),
            Encrypted { .. } => keys::ENCRYPTED,
            Malformed { .. } => keys::UNSCANNABLE_MALFORMED,
            UnsupportedMethod { .. } => keys::UNSCANNABLE_UNSUPPORTED_METHOD,
            UnsupportedFormat { .. } => keys::UNSCANNABLE_UNSUPPORTED_FORMAT,
            ChecksumMismatch { .. } => keys::CONTAINER_CHECKSUM_MISMATCH,
            MultipleArchives { .. } => keys::CONTAINER_MULTIPLE_ARCHIVES,
            PrependedData { .. } => keys::CONTAINER_PREPENDED_DATA,
            AppendedData { .. } => keys::CONTAINER_APPENDED_DATA,
            HeaderMismatch { .. } => keys::CONTAINER_HEADER_MISMATCH,
            SingleView { .. } => keys::CONTAINER_SINGLE_VIEW,
            NameMismatch { .. } => keys::CONTAINER_NAME_MISMATCH,
            ConflictingPiece { .. } => keys::STREAM_CONFLICTING_PIECE,
            Truncated { .. } => keys::UNSCANNABLE_TRUNCATED,
            UnicodePathIgnored { .. } => keys::CONTAINER_UNICODE_PATH_IGNORED,
            DuplicateName { .. } => keys::CONTAINER_DUPLICATE_NAME,
            UnaccountedBytes { .. } => keys::CONTAINER_UNACCOUNTED_BYTES,
            OverlappingEntries { .. } => keys::CONTAINER_OVERLAPPING_ENTRIES,
            SizeDisagreement { .. } => keys::CONTAINER_SIZE_DISAGREEMENT,
            Polyglot { .. } => keys::TYPE_POLYGLOT,
            ScanError { .. } => keys::UNSCANNABLE_SCAN_ERROR,
            SvgScript { .. } => keys::DOCUMENT_SVG_SCRIPT,
            LauncherRemoteTarget { .. } => keys::LAUNCHER_REMOTE_TARGET,
            RemoteTemplate { .. } => keys::DOCUMENT_REMOTE_TEMPLATE,
            ExternalObject { .. } => keys::DOCUMENT_EXTERNAL_OBJECT,
            ExternalLink { handler: None, .. } => keys::DOCUMENT_EXTERNAL_LINK,
            ExternalLink {
                handler: Some(_), ..
            } => keys::DOCUMENT_EXTERNAL_LINK_HANDLER,
            Dde {
                interpreter: false, ..
            } => keys::DOCUMENT_DDE,
            Dde {
                interpreter: true, ..
            } => keys::DOCUMENT_DDE_COMMAND,
            ChmCommand { .. } => keys::DOCUMENT_CHM_COMMAND,
            MissingVolume { .. } => keys::UNSCANNABLE_MISSING_VOLUME,
            EncryptedHeaders { .. } => keys::ENCRYPTED_HEADERS,
            Macros { .. } => keys::DOCUMENT_MACRO,
            MacroAutorun { .. } => keys::DOCUMENT_MACRO_AUTORUN,
            XlmMacros { .. } => keys::DOCUMENT_XLM,
            XlmAutorun { .. } => keys::DOCUMENT_XLM_AUTORUN,
            VeryHiddenSheet { .. } => keys::DOCUMENT_SHEET_VERY_HIDDEN,
            RtfObject { .. } => keys::DOCUMENT_RTF_OBJECT,
            EquationObject { .. } => keys::DOCUMENT_EQUATION,
            Pdf { feature, .. } => feature.key(),
            HiddenFile { .. } => keys::IMAGE_HIDDEN_FILE,
            TreeMismatch { .. } => keys::IMAGE_TREE_MISMATCH,
            ShortcutWithHiddenPayload { .. } => keys::IMAGE_SHORTCUT_WITH_HIDDEN_PAYLOAD,
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
            LinkEscapes { link, target } => {
                format!("{link} to {target:?} leaves the archive (not followed)")
            }
            BlockedExtension { extension } => {
                format!("name ends in .{extension}, a type Windows runs on a double click")
            }
            RiskyExtension { extension } => {
                format!(
                    "name ends in .{extension}, which Windows opens into a program that changes or runs what it says"
                )
            }
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
            ConflictingPiece { offset, length } => {
                format!("{length} bytes at offset {offset} came twice, with different bytes")
            }
            Truncated { missing, at } => {
                format!("{missing} bytes never arrived, the first at offset {at}")
            }
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
            SvgScript { detail } => format!("SVG image that runs script: {detail}"),
            LauncherRemoteTarget { field, target } => {
                format!("launcher {field} points at a remote or local file target: {target:?}")
            }
            RemoteTemplate { target } => format!("remote template {target:?}"),
            ExternalObject { target } => format!("linked OLE object {target:?}"),
            ExternalLink {
                relationship,
                target,
                handler,
            } => match handler {
                Some(h) => format!("{relationship} to the {h}: handler: {target:?}"),
                None => format!("external {relationship} {target:?}"),
            },
            Dde { form, command, .. } => format!("{form} {command:?}"),
            ChmCommand { page, command } => {
                format!("help page {page:?} runs {command:?}")
            }
            MissingVolume { detail } => format!("part of a multi-volume set: {detail}"),
            EncryptedHeaders { format, decrypted } => format!(
                "{format} archive with encrypted headers{}",
                if *decrypted {
                    ", opened with a candidate password"
                } else {
                    ": its entries cannot be listed"
                }
            ),
            Macros { project, modules } => {
                format!("VBA macros in {project:?}: {}", modules.join(", "))
            }
            MacroAutorun { module, entry } => {
                format!("macro {entry} in {module:?} runs by itself")
            }
            XlmMacros { detail } => format!("Excel 4.0 macros: {detail}"),
            XlmAutorun { name } => format!("Excel 4.0 macro name {name:?} runs by itself"),
            VeryHiddenSheet { sheet } => format!("very hidden sheet {sheet:?}"),
            RtfObject { class } => format!("embedded object of class {class:?} in RTF"),
            EquationObject { evidence } => format!("Equation Editor object ({evidence})"),
            Pdf { feature, target } => format!("{}: {target:?}", feature.describe()),
            HiddenFile { entry } => format!("{entry:?} is hidden in the image"),
            TreeMismatch {
                entry,
                shown_by,
                hidden_from,
            } => format!("{entry:?} is shown by {shown_by} but not by {hidden_from}"),
            ShortcutWithHiddenPayload { shortcut, payload } => {
                format!("shortcut {shortcut:?} beside hidden {payload:?}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TypeGroup;

    #[test]
    fn keys_are_unique_and_every_group_and_limit_has_one() {
        let mut seen = std::collections::HashSet::new();
        for (k, _) in FINDING_KEYS {
            assert!(seen.insert(*k), "{k} twice");
        }
        for g in TypeGroup::ALL {
            assert!(seen.contains(keys::of_group(g)));
            // A group in a family is keyed under the family's key.
            let want = match g.family() {
                Some(f) => format!(
                    "type.{}.{}",
                    f.as_str(),
                    g.as_str().trim_end_matches(&format!("_{}", f.as_str()))
                ),
                None => format!("type.{}", g.as_str()),
            };
            assert_eq!(keys::of_group(g), want);
        }
    }
}

//! The types the scanner tells apart, their groups and the extensions a name
//! may carry for each.

use serde::Serialize;

/// A family of types that a policy can act on as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum TypeGroup {
    /// Native code: PE (exe, dll, .NET), ELF, Mach-O, DEX.
    Executable,
    /// Code run by an interpreter: the family of the two groups below. No
    /// type is in this group itself; a policy entry for `script` applies to
    /// both (see [`TypeGroup::family`]).
    Script,
    /// A script that Windows runs on a double click: batch, PowerShell,
    /// VBScript, JScript, HTA and Windows Script Host files (WSF, WSC, SCT).
    WindowsScript,
    /// A script that no desktop runs on a double click: shell, Python, Perl,
    /// Ruby, PHP and others with a shebang. Running one takes a terminal.
    OtherScript,
    /// An office document that carries VBA macros.
    MacroDocument,
    /// A document without macros.
    Document,
    /// A disk image: ISO, UDF, VHD, VHDX, DMG, raw FAT image.
    DiskImage,
    /// An archive or a compressed stream.
    Archive,
    /// A shortcut or launcher: a Windows shortcut (LNK), an Internet
    /// shortcut (URL), a library or search connector, a shell command file
    /// (SCF), a desktop entry, a settings shortcut.
    Shortcut,
    /// A picture.
    Image,
    /// Sound.
    Audio,
    /// Moving pictures.
    Video,
    /// A font.
    Font,
    /// Plain or marked-up text.
    Text,
    /// Bytes of no recognised type.
    Unknown,
}

impl TypeGroup {
    /// The group's name in reports and policies.
    pub fn as_str(self) -> &'static str {
        match self {
            TypeGroup::Executable => "executable",
            TypeGroup::Script => "script",
            TypeGroup::WindowsScript => "windows_script",
            TypeGroup::OtherScript => "other_script",
            TypeGroup::MacroDocument => "macro_document",
            TypeGroup::Document => "document",
            TypeGroup::DiskImage => "disk_image",
            TypeGroup::Archive => "archive",
            TypeGroup::Shortcut => "shortcut",
            TypeGroup::Image => "image",
            TypeGroup::Audio => "audio",
            TypeGroup::Video => "video",
            TypeGroup::Font => "font",
            TypeGroup::Text => "text",
            TypeGroup::Unknown => "unknown",
        }
    }

    /// Every group, for policy validation.
    pub const ALL: [TypeGroup; 15] = [
        TypeGroup::Executable,
        TypeGroup::Script,
        TypeGroup::WindowsScript,
        TypeGroup::OtherScript,
        TypeGroup::MacroDocument,
        TypeGroup::Document,
        TypeGroup::DiskImage,
        TypeGroup::Archive,
        TypeGroup::Shortcut,
        TypeGroup::Image,
        TypeGroup::Audio,
        TypeGroup::Video,
        TypeGroup::Font,
        TypeGroup::Text,
        TypeGroup::Unknown,
    ];

    /// The family a group belongs to, when it is part of a larger one that
    /// policies may name instead: both kinds of script are `script`.
    pub fn family(self) -> Option<TypeGroup> {
        match self {
            TypeGroup::WindowsScript | TypeGroup::OtherScript => Some(TypeGroup::Script),
            _ => None,
        }
    }

    /// True for this group and for the groups of its family.
    pub fn is(self, g: TypeGroup) -> bool {
        self == g || self.family() == Some(g)
    }

    /// The group named `s`, if there is one.
    pub fn parse(s: &str) -> Option<TypeGroup> {
        TypeGroup::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// A true type: a short name such as `docx` or `pe-dll`, and its group.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileType {
    name: &'static str,
    group: TypeGroup,
    /// How xferscan reads it by its structure (`READ_*`), from its name:
    /// told once, where the type is made, rather than by comparing the
    /// name with every container's at each ask.
    reading: u8,
}

impl std::fmt::Debug for FileType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileType")
            .field("name", &self.name)
            .field("group", &self.group)
            .finish()
    }
}

/// Read through the zip directory ([`ZIP_BASED`]).
const READ_ZIP: u8 = 1;
/// Read stream by stream as an OLE2 compound file ([`OLE_BASED`]).
const READ_OLE: u8 = 2;
/// Read by the structure of its own format ([`CONTAINERS`]).
const READ_OTHER: u8 = 4;

/// How a type named `name` is read by its structure: the lists below.
const fn reading_of(name: &str) -> u8 {
    const fn listed(list: &[&str], name: &str) -> bool {
        let mut i = 0;
        while i < list.len() {
            let (a, b) = (list[i].as_bytes(), name.as_bytes());
            if a.len() == b.len() {
                let mut j = 0;
                while j < a.len() && a[j] == b[j] {
                    j += 1;
                }
                if j == a.len() {
                    return true;
                }
            }
            i += 1;
        }
        false
    }
    if listed(ZIP_BASED, name) {
        READ_ZIP
    } else if listed(OLE_BASED, name) {
        READ_OLE
    } else if listed(CONTAINERS, name) {
        READ_OTHER
    } else {
        0
    }
}

impl Serialize for FileType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

impl FileType {
    /// Whether detection searches an object of this type for archives
    /// and executables after its start: every type but the containers,
    /// whose unpackers read what they hold, except those that leave what
    /// is glued to them unread (RTF, PDF, and the streams of
    /// [`STREAMS_GLUED_TO`]). Unpacking asks too: a zip glued behind a
    /// container that detection did not search is the unpacker's to find.
    pub(crate) fn searched_for_embedded(self) -> bool {
        !self.is_container()
            || self == known::RTF
            || self == known::PDF
            || STREAMS_GLUED_TO.contains(&self)
    }

    /// True for text and scripts: what is read for the text it holds
    /// (encodings that hide it, markers, messages inside), whatever else
    /// it is.
    pub(crate) fn is_text_or_script(self) -> bool {
        matches!(
            self.group,
            TypeGroup::Text | TypeGroup::WindowsScript | TypeGroup::OtherScript
        )
    }

    /// A type with this name and group.
    pub const fn new(name: &'static str, group: TypeGroup) -> Self {
        FileType {
            name,
            group,
            reading: reading_of(name),
        }
    }

    /// The short name, such as `docx`, `pe-exe` or `powershell`.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The group the policy knows it by.
    pub fn group(self) -> TypeGroup {
        self.group
    }

    /// The same type, moved to another group (a document with macros).
    pub(crate) fn in_group(self, group: TypeGroup) -> Self {
        FileType { group, ..self }
    }

    /// True for the zip-based types: zip itself, OOXML, ODF, EPUB, JAR, APK,
    /// MSIX.
    pub fn is_zip_based(self) -> bool {
        self.reading == READ_ZIP
    }

    /// True when xferscan reads this type by its structure and unpacks what
    /// it holds. The one list that detection, the engine and the unpackers
    /// all read (`unpack::unpack` dispatches on the same types, and a test
    /// holds the two together).
    pub fn is_container(self) -> bool {
        self.reading != 0
    }

    /// True for the OLE2 compound files that are unpacked stream by stream:
    /// Word, Excel, PowerPoint, Outlook and other compound files, with or
    /// without macros (MSI is not among them).
    pub fn is_ole_based(self) -> bool {
        self.reading == READ_OLE
    }

    /// The extensions a name of this type may honestly carry, lowercase and
    /// without the dot. Empty when any name will do.
    pub fn extensions(self) -> &'static [&'static str] {
        INDEX
            .by_name
            .get(self.name)
            .map(|&i| TABLE[i].2)
            .unwrap_or(&[])
    }

    /// The type a name's extension claims, when one of ours lists it (the
    /// first in the table that does).
    pub fn claimed_by_extension(ext: &str) -> Option<FileType> {
        INDEX.by_ext.get(ext).map(|&i| INDEX.made[i])
    }

    /// The type named `name` in our table, or in infer's tables when it is
    /// not in ours.
    pub fn by_name(name: &str) -> Option<FileType> {
        INDEX.by_name.get(name).map(|&i| INDEX.made[i])
    }
}

/// The table's rows by type name and by extension (the first row of each),
/// built once: these lookups run for every named object, and scanning some
/// 300 rows for each cost more than the rest of the name checks. Each row's
/// type is made once, here (how a type is read is worked out where it is
/// made).
struct Index {
    by_name: foldhash::HashMap<&'static str, usize>,
    by_ext: foldhash::HashMap<&'static str, usize>,
    made: Vec<FileType>,
}

static INDEX: std::sync::LazyLock<Index> = std::sync::LazyLock::new(|| {
    let mut by_name = foldhash::HashMap::default();
    let mut by_ext = foldhash::HashMap::default();
    let made: Vec<FileType> = TABLE.iter().map(|&(n, g, _)| FileType::new(n, g)).collect();
    for (i, (name, _, exts)) in TABLE.iter().enumerate() {
        by_name.entry(*name).or_insert(i);
        for e in *exts {
            by_ext.entry(*e).or_insert(i);
        }
    }
    Index {
        by_name,
        by_ext,
        made,
    }
});

use TypeGroup as G;

/// Extensions of text that is just text: a name with one of these is honest
/// for any type of the text group.
pub(crate) const TEXT_EXTENSIONS: &[&str] = &[
    "txt",
    "text",
    "log",
    "md",
    "markdown",
    "rst",
    "csv",
    "tsv",
    "json",
    "xml",
    "html",
    "htm",
    "xhtml",
    "yml",
    "yaml",
    "toml",
    "ini",
    "cfg",
    "conf",
    "srt",
    "vtt",
    "sub",
    "nfo",
    "tex",
    "css",
    "svg",
    "eml",
    "ics",
    "vcf",
    "diff",
    "patch",
    "c",
    "h",
    "cpp",
    "hpp",
    "rs",
    "go",
    "java",
    "kt",
    "swift",
    "rb",
    "php",
    "sql",
    "lua",
    "pl",
    "asm",
    "properties",
    "gitignore",
];

/// Our types: name, group, honest extensions. The names of infer's types
/// are kept where they exist, so that a type found either way reads the same.
pub(crate) const TABLE: &[(&str, TypeGroup, &[&str])] = &[
    // Executables.
    (
        "pe-exe",
        G::Executable,
        &[
            "exe", "scr", "com", "cpl", "pif", "efi", "sys", "ocx", "mui",
        ],
    ),
    (
        "pe-dll",
        G::Executable,
        &[
            "dll", "ocx", "cpl", "sys", "drv", "ax", "mui", "node", "pyd", "xll",
        ],
    ),
    ("pe-dotnet", G::Executable, &["exe", "dll", "scr"]),
    ("dos-exe", G::Executable, &["exe", "com"]),
    (
        "elf",
        G::Executable,
        &["so", "elf", "run", "out", "ko", "o", "axf", "prx"],
    ),
    ("mach", G::Executable, &["dylib", "bundle", "o"]),
    ("dex", G::Executable, &["dex", "odex"]),
    ("class", G::Executable, &["class"]),
    ("wasm", G::Executable, &["wasm"]),
    // Scripts that Windows runs on a double click.
    (
        "powershell",
        G::WindowsScript,
        &["ps1", "psm1", "psd1", "ps1xml"],
    ),
    (
        "vbscript",
        G::WindowsScript,
        &["vbs", "vbe", "wsf", "vba", "bas", "vb"],
    ),
    (
        "jscript",
        G::WindowsScript,
        &["js", "jse", "wsf", "mjs", "cjs"],
    ),
    ("hta", G::WindowsScript, &["hta"]),
    ("batch", G::WindowsScript, &["bat", "cmd", "btm"]),
    // Windows Script Host files in XML: a job, a component, a scriptlet.
    ("wsh", G::WindowsScript, &["wsf", "wsc", "sct", "wsh"]),
    // Scripts that take a terminal to run.
    (
        "shell",
        G::OtherScript,
        &["sh", "bash", "zsh", "ksh", "csh", "command", "run"],
    ),
    ("python", G::OtherScript, &["py", "pyw"]),
    (
        "script",
        G::OtherScript,
        &["pl", "rb", "php", "lua", "tcl", "awk"],
    ),
    // Certificates and keys: PEM text and DER bytes.
    ("pem", G::Text, &["pem", "crt", "cer", "cert", "csr"]),
    ("der", G::Document, &["der", "cer", "crt", "p7b", "p7c"]),
    // A CMS (PKCS #7) message: the body of S/MIME mail, signed or
    // encrypted.
    ("pkcs7", G::Document, &["p7m", "p7s", "p7c", "p7b"]),
    // Compiled HTML help, whose pages run script.
    ("chm", G::Executable, &["chm"]),
    // Shortcuts.
    ("lnk", G::Shortcut, &["lnk"]),
    // Documents.
    ("pdf", G::Document, &["pdf", "ai"]),
    ("rtf", G::Document, &["rtf"]),
    ("doc", G::Document, &["doc", "dot", "wbk"]),
    ("xls", G::Document, &["xls", "xlt", "xla"]),
    ("ppt", G::Document, &["ppt", "pps", "pot"]),
    ("msi", G::Executable, &["msi", "msp", "mst"]),
    ("msg", G::Document, &["msg"]),
    (
        "ole",
        G::Document,
        &[
            "doc", "dot", "xls", "xlt", "ppt", "pps", "pot", "msg", "pub", "vsd", "mpp", "wps",
            "hwp",
        ],
    ),
    (
        "docx",
        G::Document,
        &["docx", "dotx", "docm", "dotm", "zip"],
    ),
    (
        "xlsx",
        G::Document,
        &["xlsx", "xltx", "xlsm", "xltm", "xlam", "xlsb", "zip"],
    ),
    (
        "pptx",
        G::Document,
        &["pptx", "ppsx", "potx", "pptm", "ppsm", "potm", "zip"],
    ),
    ("odt", G::Document, &["odt", "ott", "odm", "oth", "zip"]),
    ("ods", G::Document, &["ods", "ots", "zip"]),
    ("odp", G::Document, &["odp", "otp", "zip"]),
    ("odg", G::Document, &["odg", "otg", "zip"]),
    ("epub", G::Document, &["epub", "zip"]),
    ("mobi", G::Document, &["mobi", "azw", "azw3"]),
    ("ps", G::Document, &["ps", "eps"]),
    ("djvu", G::Document, &["djvu", "djv"]),
    ("sqlite", G::Document, &["sqlite", "sqlite3", "db"]),
    // Zip-based packages.
    ("jar", G::Archive, &["jar", "war", "ear", "zip"]),
    ("apk", G::Executable, &["apk", "aab", "zip", "jar"]),
    // Windows app packages (MSIX, APPX and their bundles): App Installer
    // installs them on a double click.
    (
        "msix",
        G::Executable,
        &["msix", "appx", "msixbundle", "appxbundle", "zip"],
    ),
    // Archives and compressed streams.
    (
        "zip",
        G::Archive,
        &[
            "zip", "zipx", "jar", "war", "ear", "apk", "xpi", "crx", "epub", "nupkg", "whl", "kmz",
            "cbz", "ipa", "appx", "msix", "vsix", "aar",
        ],
    ),
    ("gz", G::Archive, &["gz", "tgz", "gzip", "svgz", "taz"]),
    ("tar", G::Archive, &["tar", "ova", "gem"]),
    ("bz2", G::Archive, &["bz2", "tbz", "tbz2", "bz"]),
    ("xz", G::Archive, &["xz", "txz"]),
    ("lzma", G::Archive, &["lzma", "tlz"]),
    ("zst", G::Archive, &["zst", "tzst", "zstd"]),
    ("7z", G::Archive, &["7z"]),
    ("rar", G::Archive, &["rar", "r00", "cbr"]),
    ("cab", G::Archive, &["cab"]),
    ("ar", G::Archive, &["ar", "a", "deb", "lib"]),
    ("deb", G::Archive, &["deb"]),
    ("rpm", G::Archive, &["rpm"]),
    ("cpio", G::Archive, &["cpio"]),
    ("lz", G::Archive, &["lz"]),
    ("lzo", G::Archive, &["lzo", "tzo"]),
    // Outlook's winmail.dat (`.dat` names any data: not claimed).
    ("tnef", G::Archive, &["tnef"]),
    // ActiveMime: the binary parts of Office's XML and MHTML documents.
    ("mso", G::Document, &["mso"]),
    // Named by detect/archives.rs: ARJ and LHA are unpacked, the rest are
    // reported as not opened.
    ("arj", G::Archive, &["arj"]),
    ("lzh", G::Archive, &["lzh", "lha"]),
    ("rar14", G::Archive, &["rar"]),
    ("ace", G::Archive, &["ace"]),
    ("wim", G::Archive, &["wim", "swm", "esd"]),
    ("xar", G::Archive, &["xar", "pkg", "xip"]),
    (
        "squashfs",
        G::DiskImage,
        &["sqsh", "squashfs", "sfs", "snap", "img"],
    ),
    ("cramfs", G::DiskImage, &["cramfs", "img"]),
    ("alz", G::Archive, &["alz"]),
    ("egg", G::Archive, &["egg"]),
    ("sit", G::Archive, &["sit", "sitx", "sea"]),
    ("zoo", G::Archive, &["zoo"]),
    ("snappy", G::Archive, &["sz", "snappy"]),
    (
        "szdd",
        G::Archive,
        &["ex_", "dl_", "sy_", "in_", "hl_", "_"],
    ),
    ("lz4", G::Archive, &["lz4"]),
    ("Z", G::Archive, &["z"]),
    ("crx", G::Archive, &["crx"]),
    // Disk images.
    ("iso", G::DiskImage, &["iso", "img", "udf"]),
    ("udf", G::DiskImage, &["iso", "img", "udf"]),
    ("vhd", G::DiskImage, &["vhd", "img"]),
    ("vhdx", G::DiskImage, &["vhdx", "avhdx"]),
    ("dmg", G::DiskImage, &["dmg", "img"]),
    ("img", G::DiskImage, &["img", "ima", "vfd", "flp"]),
    ("qcow2", G::DiskImage, &["qcow2", "qcow", "img"]),
    // Images.
    ("png", G::Image, &["png", "apng"]),
    ("jpg", G::Image, &["jpg", "jpeg", "jpe", "jfif", "jif"]),
    ("gif", G::Image, &["gif"]),
    ("webp", G::Image, &["webp"]),
    ("bmp", G::Image, &["bmp", "dib"]),
    ("tif", G::Image, &["tif", "tiff"]),
    ("ico", G::Image, &["ico", "cur"]),
    ("heif", G::Image, &["heif", "heic", "hif"]),
    ("avif", G::Image, &["avif"]),
    ("psd", G::Image, &["psd"]),
    ("jxl", G::Image, &["jxl"]),
    ("jp2", G::Image, &["jp2", "j2k", "jpf", "jpx"]),
    ("cr2", G::Image, &["cr2"]),
    ("jxr", G::Image, &["jxr", "wdp", "hdp"]),
    // Audio.
    ("mp3", G::Audio, &["mp3"]),
    ("m4a", G::Audio, &["m4a", "m4b", "mp4", "aac"]),
    ("ogg", G::Audio, &["ogg", "oga", "ogv", "opus", "spx"]),
    ("opus", G::Audio, &["opus", "ogg"]),
    ("flac", G::Audio, &["flac"]),
    ("wav", G::Audio, &["wav", "wave"]),
    ("aac", G::Audio, &["aac", "m4a"]),
    ("amr", G::Audio, &["amr"]),
    ("aiff", G::Audio, &["aiff", "aif", "aifc"]),
    ("midi", G::Audio, &["mid", "midi"]),
    ("ape", G::Audio, &["ape"]),
    // Video.
    (
        "mp4",
        G::Video,
        &["mp4", "m4v", "m4a", "mov", "3gp", "3g2", "m4b", "f4v"],
    ),
    ("m4v", G::Video, &["m4v", "mp4", "mov"]),
    ("mov", G::Video, &["mov", "qt", "mp4", "m4v"]),
    ("mkv", G::Video, &["mkv", "mka", "mks", "webm"]),
    ("webm", G::Video, &["webm", "mkv"]),
    ("avi", G::Video, &["avi"]),
    ("wmv", G::Video, &["wmv", "wma", "asf"]),
    ("mpg", G::Video, &["mpg", "mpeg", "vob", "ts", "m2ts"]),
    ("flv", G::Video, &["flv"]),
    ("swf", G::Executable, &["swf"]),
    // Fonts.
    ("ttf", G::Font, &["ttf", "ttc"]),
    ("otf", G::Font, &["otf"]),
    ("woff", G::Font, &["woff"]),
    ("woff2", G::Font, &["woff2"]),
    ("eot", G::Font, &["eot"]),
    // Text.
    (
        "html",
        G::Text,
        &["html", "htm", "xhtml", "shtml", "mht", "mhtml"],
    ),
    (
        "xml",
        G::Text,
        &[
            "xml", "svg", "xsl", "xslt", "rss", "atom", "plist", "config", "xaml",
        ],
    ),
    ("json", G::Text, &["json", "geojson", "jsonl", "ipynb"]),
    // A MIME message (mail, mbox, MHTML web archive): text, unpacked.
    (
        "eml",
        G::Text,
        &["eml", "mbox", "mht", "mhtml", "mim", "mime"],
    ),
    ("text", G::Text, &[]),
    ("utf16-text", G::Text, &[]),
    // Unknown bytes.
    ("data", G::Unknown, &[]),
    // Launchers: files a shell opens as a link to something else (a URL,
    // a share, a command). Shortcuts, blocked in chat as LNK is.
    ("url", G::Shortcut, &["url", "website"]),
    ("library-ms", G::Shortcut, &["library-ms"]),
    ("searchconnector-ms", G::Shortcut, &["searchconnector-ms"]),
    ("scf", G::Shortcut, &["scf"]),
    ("desktop", G::Shortcut, &["desktop"]),
    ("settingcontent-ms", G::Shortcut, &["settingcontent-ms"]),
    ("appinstaller", G::Shortcut, &["appinstaller"]),
    // Script text that a page carries (an HTML or SVG `<script>`
    // element): run by a browser inside its page, not by a double click.
    ("javascript", G::Text, &[]),
    // The source of a VBA module that an Office document carries: run by
    // Office inside its document, never on its own.
    ("vba", G::Text, &[]),
    // A OneNote section: a document that carries embedded files.
    ("onenote", G::Document, &["one"]),
    // SYLK spreadsheets (text records; Excel 4.0 macros when they hold
    // macro formulas, then in the macro_document group).
    ("sylk", G::Document, &["slk"]),
];

/// Zip-based types, read through the zip directory.
const ZIP_BASED: &[&str] = &[
    "zip", "docx", "xlsx", "pptx", "odt", "ods", "odp", "odg", "epub", "jar", "apk", "msix",
];

/// OLE2 compound files unpacked stream by stream, whatever their group.
const OLE_BASED: &[&str] = &["ole", "doc", "xls", "ppt", "msg"];

/// The other types unpacked by their structure, by name (the `known`
/// constant of each beside it; a test holds the list to the unpackers'
/// dispatch table).
const CONTAINERS: &[&str] = &[
    "gz",      // GZIP
    "bz2",     // BZIP2
    "xz",      // XZ
    "lzma",    // LZMA
    "eml",     // EMAIL
    "tnef",    // TNEF
    "lzh",     // LZH
    "arj",     // ARJ
    "mso",     // MSO
    "7z",      // SEVENZ
    "zst",     // ZSTD
    "lz",      // LZIP
    "lzo",     // LZOP
    "lz4",     // LZ4
    "Z",       // COMPRESS
    "tar",     // TAR
    "cpio",    // CPIO
    "ar",      // AR
    "deb",     // DEB
    "onenote", // ONENOTE
    "chm",     // CHM
    "pkcs7",   // PKCS7
    "cab",     // CAB
    "msi",     // MSI
    "rar",     // RAR
    "rtf",     // RTF
    "pdf",     // PDF
    // Disk images (DMG and QCOW2 are not unpacked).
    "iso",  // ISO
    "udf",  // UDF
    "img",  // IMG
    "vhd",  // VHD
    "vhdx", // VHDX
];

/// The types the detector names by constant.
#[allow(missing_docs)]
pub mod known {
    use super::{FileType, TypeGroup as G};
    pub const PE_EXE: FileType = FileType::new("pe-exe", G::Executable);
    pub const PE_DLL: FileType = FileType::new("pe-dll", G::Executable);
    pub const PE_DOTNET: FileType = FileType::new("pe-dotnet", G::Executable);
    pub const DOS_EXE: FileType = FileType::new("dos-exe", G::Executable);
    pub const ELF: FileType = FileType::new("elf", G::Executable);
    pub const MACHO: FileType = FileType::new("mach", G::Executable);
    pub const POWERSHELL: FileType = FileType::new("powershell", G::WindowsScript);
    pub const VBSCRIPT: FileType = FileType::new("vbscript", G::WindowsScript);
    pub const JSCRIPT: FileType = FileType::new("jscript", G::WindowsScript);
    pub const HTA: FileType = FileType::new("hta", G::WindowsScript);
    pub const BATCH: FileType = FileType::new("batch", G::WindowsScript);
    pub const WSH: FileType = FileType::new("wsh", G::WindowsScript);
    pub const SHELL: FileType = FileType::new("shell", G::OtherScript);
    pub const PYTHON: FileType = FileType::new("python", G::OtherScript);
    pub const SCRIPT: FileType = FileType::new("script", G::OtherScript);
    pub const CHM: FileType = FileType::new("chm", G::Executable);
    pub const LNK: FileType = FileType::new("lnk", G::Shortcut);
    pub const OLE: FileType = FileType::new("ole", G::Document);
    pub const DOC: FileType = FileType::new("doc", G::Document);
    pub const XLS: FileType = FileType::new("xls", G::Document);
    pub const PPT: FileType = FileType::new("ppt", G::Document);
    pub const MSI: FileType = FileType::new("msi", G::Executable);
    pub const MSG: FileType = FileType::new("msg", G::Document);
    pub const DOCX: FileType = FileType::new("docx", G::Document);
    pub const XLSX: FileType = FileType::new("xlsx", G::Document);
    pub const PPTX: FileType = FileType::new("pptx", G::Document);
    pub const ODT: FileType = FileType::new("odt", G::Document);
    pub const ODS: FileType = FileType::new("ods", G::Document);
    pub const ODP: FileType = FileType::new("odp", G::Document);
    pub const ODG: FileType = FileType::new("odg", G::Document);
    pub const EPUB: FileType = FileType::new("epub", G::Document);
    pub const JAR: FileType = FileType::new("jar", G::Archive);
    pub const APK: FileType = FileType::new("apk", G::Executable);
    pub const MSIX: FileType = FileType::new("msix", G::Executable);
    pub const ZIP: FileType = FileType::new("zip", G::Archive);
    pub const GZIP: FileType = FileType::new("gz", G::Archive);
    pub const TAR: FileType = FileType::new("tar", G::Archive);
    pub const CPIO: FileType = FileType::new("cpio", G::Archive);
    pub const AR: FileType = FileType::new("ar", G::Archive);
    pub const DEB: FileType = FileType::new("deb", G::Archive);
    pub const BZIP2: FileType = FileType::new("bz2", G::Archive);
    pub const XZ: FileType = FileType::new("xz", G::Archive);
    pub const LZMA: FileType = FileType::new("lzma", G::Archive);
    pub const LZIP: FileType = FileType::new("lz", G::Archive);
    pub const LZOP: FileType = FileType::new("lzo", G::Archive);
    pub const LZ4: FileType = FileType::new("lz4", G::Archive);
    pub const COMPRESS: FileType = FileType::new("Z", G::Archive);
    pub const ZSTD: FileType = FileType::new("zst", G::Archive);
    pub const SEVENZ: FileType = FileType::new("7z", G::Archive);
    pub const ISO: FileType = FileType::new("iso", G::DiskImage);
    pub const UDF: FileType = FileType::new("udf", G::DiskImage);
    pub const VHD: FileType = FileType::new("vhd", G::DiskImage);
    pub const VHDX: FileType = FileType::new("vhdx", G::DiskImage);
    pub const DMG: FileType = FileType::new("dmg", G::DiskImage);
    pub const IMG: FileType = FileType::new("img", G::DiskImage);
    pub const PDF: FileType = FileType::new("pdf", G::Document);
    pub const RTF: FileType = FileType::new("rtf", G::Document);
    pub const HTML: FileType = FileType::new("html", G::Text);
    pub const XML: FileType = FileType::new("xml", G::Text);
    pub const JSON: FileType = FileType::new("json", G::Text);
    pub const EMAIL: FileType = FileType::new("eml", G::Text);
    pub const TNEF: FileType = FileType::new("tnef", G::Archive);
    pub const LZH: FileType = FileType::new("lzh", G::Archive);
    pub const ARJ: FileType = FileType::new("arj", G::Archive);
    pub const MSO: FileType = FileType::new("mso", G::Document);
    pub const TEXT: FileType = FileType::new("text", G::Text);
    pub const UTF16_TEXT: FileType = FileType::new("utf16-text", G::Text);
    pub const DATA: FileType = FileType::new("data", G::Unknown);
    pub const URL: FileType = FileType::new("url", G::Shortcut);
    pub const LIBRARY_MS: FileType = FileType::new("library-ms", G::Shortcut);
    pub const SEARCH_CONNECTOR_MS: FileType = FileType::new("searchconnector-ms", G::Shortcut);
    pub const SCF: FileType = FileType::new("scf", G::Shortcut);
    pub const DESKTOP: FileType = FileType::new("desktop", G::Shortcut);
    pub const SETTING_CONTENT_MS: FileType = FileType::new("settingcontent-ms", G::Shortcut);
    pub const APPINSTALLER: FileType = FileType::new("appinstaller", G::Shortcut);
    pub const JAVASCRIPT: FileType = FileType::new("javascript", G::Text);
    /// The source of a VBA module (a child of an Office document).
    pub const VBA: FileType = FileType::new("vba", G::Text);
    pub const ONENOTE: FileType = FileType::new("onenote", G::Document);
    /// A CMS (PKCS #7) message, as S/MIME mail carries it.
    pub const PKCS7: FileType = FileType::new("pkcs7", G::Document);
    pub const CAB: FileType = FileType::new("cab", G::Archive);
    pub const RAR: FileType = FileType::new("rar", G::Archive);
    pub const SYLK: FileType = FileType::new("sylk", G::Document);
}

/// Compressed streams whose readers leave what follows the stream unread:
/// legacy `.lzma` (its decoder stops at the declared size or the end
/// marker, and reads ahead, so where the stream ended is not known), and
/// xz, bzip2, zstd, lzip, LZ4 and `compress`, whose readers fail on bytes
/// after the stream (a finding, the bytes not read as anything). gzip and
/// lzop carve what follows their last member themselves.
const STREAMS_GLUED_TO: [FileType; 7] = [
    known::LZMA,
    known::XZ,
    known::BZIP2,
    known::ZSTD,
    known::LZIP,
    known::LZ4,
    known::COMPRESS,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// How a type is read, told where it is made, is what the lists say of
    /// its name: for each row of the table, made at compile time, at run
    /// time, found by name or by extension, and moved to another group.
    #[test]
    fn each_type_is_read_as_the_lists_say() {
        for &(name, group, exts) in TABLE {
            let made = [
                FileType::new(name, group),
                FileType::by_name(name).expect("in the table"),
                FileType::new(name, group).in_group(TypeGroup::MacroDocument),
            ];
            let claimed = exts
                .iter()
                .filter_map(|e| FileType::claimed_by_extension(e));
            for t in made.into_iter().chain(claimed) {
                let n = t.name();
                assert_eq!(t.is_zip_based(), ZIP_BASED.contains(&n), "{n}");
                assert_eq!(t.is_ole_based(), OLE_BASED.contains(&n), "{n}");
                let listed = [ZIP_BASED, OLE_BASED, CONTAINERS]
                    .iter()
                    .any(|l| l.contains(&n));
                assert_eq!(t.is_container(), listed, "{n}");
            }
        }
        assert!(known::GZIP.is_container() && !known::TEXT.is_container());
        assert!(!FileType::new("made-up", TypeGroup::Archive).is_container());
    }

    #[test]
    fn every_named_constant_is_in_the_table() {
        use known::*;
        for t in [
            PE_EXE,
            DOCX,
            ZIP,
            POWERSHELL,
            LNK,
            ISO,
            DATA,
            TEXT,
            UTF16_TEXT,
            MSI,
            APK,
            MSIX,
            EMAIL,
            LZMA,
            SEVENZ,
            VBSCRIPT,
            JSCRIPT,
            HTA,
            BATCH,
            WSH,
            SHELL,
            PYTHON,
            SCRIPT,
            CHM,
            URL,
            LIBRARY_MS,
            SEARCH_CONNECTOR_MS,
            SCF,
            DESKTOP,
            SETTING_CONTENT_MS,
            APPINSTALLER,
            JAVASCRIPT,
        ] {
            let found = FileType::by_name(t.name()).map(FileType::group);
            assert_eq!(found, Some(t.group()), "{}", t.name());
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = TABLE.iter().map(|t| t.0).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len());
    }
}

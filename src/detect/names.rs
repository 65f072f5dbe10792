//! Names that lie: an extension that disagrees with the true type, double
//! extensions, bidirectional and control characters, trailing dots and
//! spaces, names that collide after Unicode normalisation, very long names
//! and paths that leave their folder.
//!
//! Each check looks at the raw name and at the name as a user would see it
//! once bidi controls have done their work.

use std::borrow::Cow;
use std::sync::LazyLock;

use foldhash::HashSet;
use unicode_normalization::UnicodeNormalization;

use super::{FileType, TypeGroup};
use crate::finding::FindingKind;
use crate::types::TEXT_EXTENSIONS;

/// Longest file name component most file systems store.
const MAX_COMPONENT: usize = 255;
/// Longest whole path we consider ordinary.
const MAX_PATH: usize = 1024;

/// Extensions that run something when opened on a user's machine.
const RUNNABLE: &[&str] = &[
    "exe", "scr", "com", "pif", "bat", "cmd", "js", "jse", "vbs", "vbe", "wsf", "wsh", "ps1",
    "hta", "lnk", "msi", "cpl", "jar", "reg", "scf", "iso", "img", "vhd", "vhdx", "apk", "sh",
    "msc", "appx", "msix", "dll", "docm", "xlsm", "pptm",
];

/// The extensions of the types that Windows runs or installs on a double
/// click, which Gmail blocks whatever a file holds, also inside archives
/// (<https://support.google.com/mail/answer/6590>). A name ending in one
/// is a `name.blocked_extension` finding.
pub const WINDOWS_RUNS: &[&str] = &[
    "ade",
    "adp",
    "apk",
    "appx",
    "appxbundle",
    "bat",
    "cab",
    "chm",
    "cmd",
    "com",
    "cpl",
    "diagcab",
    "diagcfg",
    "diagpkg",
    "dll",
    "dmg",
    "ex",
    "ex_",
    "exe",
    "hta",
    "img",
    "ins",
    "iso",
    "isp",
    "jar",
    "jnlp",
    "js",
    "jse",
    "lib",
    "lnk",
    "mde",
    "mjs",
    "msc",
    "msi",
    "msix",
    "msixbundle",
    "msp",
    "mst",
    "nsh",
    "pif",
    "ps1",
    "scr",
    "sct",
    "shb",
    "sys",
    "vb",
    "vbe",
    "vbs",
    "vhd",
    "vxd",
    "wsc",
    "wsf",
    "wsh",
    "xll",
];

/// Extensions that Outlook blocks (its level-1 list) beyond Gmail's: files
/// that Windows opens into a program that changes the machine or runs
/// what the file says, whatever it holds. A name ending in one is a
/// `name.risky_extension` finding (flagged by default: they are also sent
/// for good reasons).
pub const OUTLOOK_ALSO_BLOCKS: &[&str] = &[
    "accde",
    "application",
    "appref-ms",
    "gadget",
    "hlp",
    "inf",
    "iqy",
    "library-ms",
    "mcf",
    "mda",
    "mdb",
    "mdt",
    "mdw",
    "mdz",
    "msh",
    "msh1",
    "msh1xml",
    "msh2",
    "msh2xml",
    "mshxml",
    "ps1xml",
    "ps2",
    "ps2xml",
    "psc1",
    "psc2",
    "psd1",
    "psm1",
    "rdp",
    "reg",
    "scf",
    "search-ms",
    "searchconnector-ms",
    "settingcontent-ms",
    "shs",
    "theme",
    "themepack",
    "url",
    "vsmacros",
    "vsw",
    "website",
    "ws",
    "wsb",
    "xbap",
    "xnk",
];

/// Extensions users trust, used as decoys in front of a runnable one.
const DECOYS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "rtf", "jpg", "jpeg", "png", "gif",
    "bmp", "mp3", "mp4", "avi", "mov", "wav", "zip", "rar", "csv", "html", "htm", "odt", "webp",
    "heic", "mkv",
];

pub use crate::report::{file_name, is_bidi_control};

/// Characters that a file manager draws as nothing: zero-width spaces and
/// joiners, the word joiner and invisible operators, the byte order mark,
/// the soft hyphen. `photo.jpg<U+200B>.exe` shows as `photo.jpg.exe`.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{00ad}' | '\u{180e}'
    )
}

/// The name as a user would see it: text after a right-to-left override is
/// shown reversed up to the matching pop, and the controls themselves (and
/// other invisible characters) are not shown.
pub fn displayed(name: &str) -> std::borrow::Cow<'_, str> {
    if name.is_ascii() {
        return std::borrow::Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut reversed: Option<Vec<char>> = None;
    for c in name.chars() {
        match c {
            '\u{202e}' => {
                if let Some(r) = reversed.take() {
                    out.extend(r.into_iter().rev());
                }
                reversed = Some(Vec::new());
            }
            '\u{202c}' | '\u{2069}' => {
                if let Some(r) = reversed.take() {
                    out.extend(r.into_iter().rev());
                }
            }
            c if is_bidi_control(c) || is_invisible(c) => {}
            c => match reversed.as_mut() {
                Some(r) => r.push(c),
                None => out.push(c),
            },
        }
    }
    if let Some(r) = reversed {
        out.extend(r.into_iter().rev());
    }
    out.into()
}

/// The extension of a name's last component, compatibility-normalised
/// (full-width letters are letters) and lowercased; trailing dots and
/// spaces, which Windows drops, are dropped first.
pub fn extension(name: &str) -> Option<Cow<'_, str>> {
    extension_of_file(file_name(name))
}

/// [`extension`] of a name's last component.
fn extension_of_file(file: &str) -> Option<Cow<'_, str>> {
    let ext = match nfkc(file) {
        Cow::Borrowed(file) => Cow::Borrowed(ext_of(file)?),
        Cow::Owned(file) => Cow::Owned(ext_of(&file)?.to_owned()),
    };
    // Most extensions are lower-case ASCII already: nothing to copy.
    if ext.bytes().all(|b| !b.is_ascii_uppercase() && b.is_ascii()) {
        return Some(ext);
    }
    Some(Cow::Owned(ext.to_lowercase()))
}

/// The extension of a file name (NFKC already), trimmed, not lower-cased.
fn ext_of(file: &str) -> Option<&str> {
    let file = file.trim_end_matches(['.', ' ']);
    // A name that is all extension (`.vbs`) is that extension to Windows:
    // Explorer runs it as it runs `a.vbs`.
    let (_, ext) = file.rsplit_once('.')?;
    if ext.is_empty() || ext.len() > 16 {
        return None;
    }
    Some(ext.trim())
}

/// NFKC (full-width letters and the like fold to ASCII); ASCII is already
/// in that form, and most names are ASCII.
fn nfkc(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfkc().collect())
    }
}

/// The extensions before the last one, nearest first.
fn inner_extensions(name: &str) -> Vec<String> {
    let file = nfkc(file_name(name));
    let file = file.trim_end_matches(['.', ' ']);
    let mut parts: Vec<&str> = file.split('.').collect();
    if parts.len() < 3 {
        return Vec::new();
    }
    parts.remove(0);
    parts.pop();
    parts
        .iter()
        .rev()
        .map(|p| p.trim().to_lowercase())
        .collect()
}

/// Checks one name against the object's true type.
pub fn check(name: &str, ty: FileType, out: &mut Vec<FindingKind>) {
    let shown = displayed(name);
    // Bidirectional controls are not ASCII; most names are.
    if let Some(c) = name.chars().find(|&c| !c.is_ascii() && is_bidi_control(c)) {
        out.push(FindingKind::BidiControl {
            code_point: c as u32,
            displayed: shown.to_string(),
        });
    }
    if let Some(c) = name.chars().find(|&c| c.is_control()) {
        out.push(FindingKind::ControlCharacter {
            code_point: c as u32,
        });
    }
    let file = file_name(name);
    if file.ends_with('.') || file.ends_with(' ') {
        out.push(FindingKind::TrailingDotOrSpace);
    }
    // Most names show as they are (ASCII): one reading to check.
    let same = shown == name;
    let longest = components(name).map(<[u8]>::len).max().unwrap_or(0);
    if longest > MAX_COMPONENT || name.len() > MAX_PATH {
        out.push(FindingKind::LongName { length: name.len() });
    }
    if let Some(reason) = unsafe_path_of(name, file) {
        out.push(FindingKind::UnsafePath {
            reason: reason.into(),
        });
    }
    // The raw name decides what runs; the displayed one what the user
    // believes. Report a lie in either, once.
    let raw_ext = extension_of_file(file);
    let shown_ext = if same { None } else { extension(&shown) };
    let written_ext = written_file(name, file)
        .and_then(extension_of_file)
        .filter(|e| Some(e) != raw_ext.as_ref() && Some(e) != shown_ext.as_ref());
    if let Some(ext) = &raw_ext
        && mismatch(ext, ty)
    {
        out.push(FindingKind::ExtensionMismatch {
            extension: ext.to_string(),
            ty,
            displayed: false,
        });
    }
    if let Some(ext) = &shown_ext
        && Some(ext) != raw_ext.as_ref()
        && mismatch(ext, ty)
    {
        out.push(FindingKind::ExtensionMismatch {
            extension: ext.to_string(),
            ty,
            displayed: true,
        });
    }
    if let Some(ext) = &written_ext
        && mismatch(ext, ty)
    {
        out.push(FindingKind::ExtensionMismatch {
            extension: ext.to_string(),
            ty,
            displayed: false,
        });
    }
    if let Some(ext) = [&raw_ext, &shown_ext, &written_ext]
        .into_iter()
        .flatten()
        .find(|e| SETS.windows_runs.contains(e.as_ref()))
    {
        out.push(FindingKind::BlockedExtension {
            extension: ext.to_string(),
        });
    } else if let Some(ext) = [&raw_ext, &shown_ext, &written_ext]
        .into_iter()
        .flatten()
        .find(|e| SETS.outlook_also.contains(e.as_ref()))
    {
        out.push(FindingKind::RiskyExtension {
            extension: ext.to_string(),
        });
    }
    let readings = [(name, &raw_ext), (&*shown, &shown_ext)];
    for (n, ext) in readings.into_iter().take(if same { 1 } else { 2 }) {
        if let Some(real) = ext
            && SETS.runnable.contains(real.as_ref())
            && let Some(decoy) = inner_extensions(n)
                .into_iter()
                .find(|e| SETS.decoys.contains(e.as_str()))
        {
            out.push(FindingKind::DoubleExtension {
                decoy,
                real: real.to_string(),
            });
            break;
        }
    }
}

/// True when `ext` names a type we know and the true type is not one of the
/// types it may name, in a way that matters: plain text under any name is
/// read as text (an extension that makes Windows run it is a finding of its
/// own, `name.blocked_extension`, and a script's extension makes it that
/// script), bytes of no known type named as text are text in a legacy
/// encoding, and a type named as another of its own group (a PNG named
/// `.jpg`, a Python file with a shell shebang, an `.odt` named `.docx`) is
/// opened by the same kind of program.
fn mismatch(ext: &str, ty: FileType) -> bool {
    if ty.extensions().contains(&ext) {
        return false;
    }
    if matches!(ty.name(), "text" | "utf16-text" | "pem") {
        return false;
    }
    let is_text_ext = SETS.text.contains(ext);
    if matches!(ty.group(), TypeGroup::Text | TypeGroup::Unknown) && is_text_ext {
        return false;
    }
    match FileType::claimed_by_extension(ext) {
        Some(claimed) => claimed.group() != ty.group(),
        None => is_text_ext,
    }
}

/// The lists above as sets, built once: they are checked for every named
/// object, and a walk through each cost more than the rest of the checks.
struct Sets {
    runnable: HashSet<&'static str>,
    windows_runs: HashSet<&'static str>,
    outlook_also: HashSet<&'static str>,
    decoys: HashSet<&'static str>,
    text: HashSet<&'static str>,
}

static SETS: LazyLock<Sets> = LazyLock::new(|| {
    let set = |l: &[&'static str]| l.iter().copied().collect();
    Sets {
        runnable: set(RUNNABLE),
        windows_runs: set(WINDOWS_RUNS),
        outlook_also: set(OUTLOOK_ALSO_BLOCKS),
        decoys: set(DECOYS),
        text: set(TEXT_EXTENSIONS),
    }
});

/// The last component of `name` as extractors write it, where that is not
/// `file` (its last component as written in the archive): Info-ZIP's
/// unzip, bsdtar and Python's zipfile cut a name at its first NUL, and a
/// last component of only dots and spaces is no file of its own
/// (`run.cmd/.` is written as the file `run.cmd`).
fn written_file<'a>(name: &'a str, file: &str) -> Option<&'a str> {
    let empty = |c: &str| c.trim_end_matches(['.', ' ']).is_empty();
    // Most names hold neither: nothing to split.
    if !name.contains('\0') && !empty(file) {
        return None;
    }
    let cut = name.split('\0').next().unwrap_or(name);
    let last = cut
        .rsplit(['/', '\\'])
        .find(|c| !empty(c) || is_parent(c.as_bytes()))?;
    (last != file).then_some(last)
}

/// Why a name would leave the folder it is extracted in, if it would.
#[cfg(test)]
fn unsafe_path(name: &str) -> Option<&'static str> {
    unsafe_path_of(name, file_name(name))
}

/// Why a name whose last component is `file` would leave the folder it is
/// extracted in, if it would.
fn unsafe_path_of(name: &str, file: &str) -> Option<&'static str> {
    let b = name.as_bytes();
    if b.starts_with(b"/") || b.starts_with(b"\\") {
        return Some(if b.starts_with(b"\\\\") || b.starts_with(b"//") {
            "UNC path"
        } else {
            "absolute path"
        });
    }
    // `C:` and `C:\`; not `B::Deparse.3perl`, a Perl module's man page.
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && b.get(2) != Some(&b':') {
        return Some("drive letter");
    }
    if components(name).any(is_parent) {
        return Some("parent directory (..)");
    }
    if names_a_stream(file) {
        return Some("alternate data stream");
    }
    None
}

/// The components of an archive path (either slash), as bytes: both
/// slashes are ASCII, never inside a UTF-8 sequence.
fn components(name: &str) -> impl Iterator<Item = &[u8]> {
    name.as_bytes().split(|&c| c == b'/' || c == b'\\')
}

/// A component that names the parent folder: `..`, or `..` with the
/// trailing dots and spaces that Windows drops from a component (`.. `,
/// `...`).
fn is_parent(c: &[u8]) -> bool {
    c.starts_with(b"..") && c[2..].iter().all(|&b| b == b'.' || b == b' ')
}

/// True when Windows would read the name as `file:stream` and write an NTFS
/// alternate data stream (or, for `file::$DATA`, the file's own data under a
/// name no check expects): a colon on its own, or `::` before a stream type
/// (`$DATA`). The `::` of a Perl or C++ name (`Algorithm::Diff.3pm`) would
/// be an empty stream name with a type Windows does not know, which it
/// refuses: no stream, so not this finding.
fn names_a_stream(file: &str) -> bool {
    let b = file.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        if c != b':' {
            return false;
        }
        let before = i.checked_sub(1).map(|j| b[j]);
        let after = b.get(i + 1).copied();
        match (before, after) {
            (_, Some(b':')) => b.get(i + 2) == Some(&b'$'),
            (Some(b':'), _) => false,
            _ => true,
        }
    })
}

/// Names of one container that collide once normalised (NFC, then case):
/// returns, for each later name, the index of the earlier one. Identical raw
/// names are left to the container's own duplicate check.
pub fn collisions<'a>(names: impl Iterator<Item = &'a str>) -> Vec<(usize, usize)> {
    let mut seen: foldhash::HashMap<Cow<'a, str>, (usize, &'a str)> = Default::default();
    seen.reserve(names.size_hint().0);
    let mut out = Vec::new();
    for (i, n) in names.enumerate() {
        // NFC leaves ASCII as it is: most names skip the normaliser, and
        // most are lower-case already and are their own key.
        let key: Cow<'a, str> = if !n.is_ascii() {
            Cow::Owned(n.nfc().collect::<String>().to_lowercase())
        } else if n.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(n.to_ascii_lowercase())
        } else {
            Cow::Borrowed(n)
        };
        match seen.get(&key) {
            Some(&(j, other)) if other != n => out.push((i, j)),
            Some(_) => {}
            None => {
                seen.insert(key, (i, n));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::known;

    fn kinds(name: &str, ty: FileType) -> Vec<String> {
        let mut v = Vec::new();
        check(name, ty, &mut v);
        v.iter().map(|k| k.key().to_owned()).collect()
    }

    #[test]
    fn rlo_shows_a_harmless_extension() {
        let name = "invoice_\u{202e}gpj.exe";
        assert_eq!(displayed(name), "invoice_exe.jpg");
        let k = kinds(name, known::PE_EXE);
        assert!(k.contains(&"name.bidi_control".to_string()));
        assert!(k.contains(&"name.extension_mismatch".to_string()), "{k:?}");
    }

    #[test]
    fn tar_gz_is_not_a_double_extension() {
        assert!(kinds("backup.tar.gz", known::GZIP).is_empty());
    }

    #[test]
    fn pdf_exe_is_a_double_extension() {
        let k = kinds("invoice.pdf.exe", known::PE_EXE);
        assert_eq!(
            k,
            vec![
                "name.blocked_extension".to_string(),
                "name.double_extension".to_string()
            ]
        );
    }

    #[test]
    fn padded_double_extension() {
        let k = kinds("invoice.pdf                    .exe", known::PE_EXE);
        assert!(k.contains(&"name.double_extension".to_string()), "{k:?}");
    }

    #[test]
    fn fullwidth_extension_is_read_as_ascii() {
        assert_eq!(
            extension("a.\u{ff45}\u{ff58}\u{ff45}").as_deref(),
            Some("exe")
        );
    }

    #[test]
    fn names_cut_at_a_nul_or_ending_in_a_dot_component() {
        // unzip, bsdtar and Python write these as `invoice.cmd`.
        for name in [
            "invoice.cmd\0.txt",
            "invoice.cmd/.",
            "invoice.cmd\\.",
            "a/run.cmd/. /",
        ] {
            assert!(
                kinds(name, known::TEXT).contains(&"name.blocked_extension".to_string()),
                "{name:?}: {:?}",
                kinds(name, known::TEXT)
            );
        }
        assert_eq!(written_file("notes.txt", "notes.txt"), None);
        assert_eq!(
            written_file("a/b.txt\0x.pdf", "b.txt\0x.pdf"),
            Some("b.txt")
        );
        assert_eq!(written_file("docs/.", "."), Some("docs"));
        // Nothing before the NUL, or only dots: no name to judge.
        assert_eq!(written_file("\0x.exe", "\0x.exe"), None);
        assert_eq!(written_file("./.", "."), None);
        // Controls: a plain name, and one cut to what it already shows.
        assert!(
            !kinds("report.txt/.", known::TEXT).contains(&"name.blocked_extension".to_string())
        );
        assert!(!kinds("notes.txt", known::TEXT).contains(&"name.extension_mismatch".to_string()));
    }

    #[test]
    fn traversal_and_absolute() {
        assert_eq!(unsafe_path("../../etc/x"), Some("parent directory (..)"));
        assert_eq!(unsafe_path("/etc/passwd"), Some("absolute path"));
        assert_eq!(unsafe_path("C:\\x"), Some("drive letter"));
        assert_eq!(unsafe_path("docs/a.txt"), None);
        // Windows drops a component's trailing dots and spaces: these climb
        // too.
        for up in ["a/.. /x", "a\\.. \\x", ".../x", "a/..../x", "../"] {
            assert_eq!(unsafe_path(up), Some("parent directory (..)"), "{up:?}");
        }
        for fine in ["a/..b/x", "a/b../x", "a/.x", "a/./x", "..hidden"] {
            assert_eq!(unsafe_path(fine), None, "{fine:?}");
        }
    }

    #[test]
    fn streams_are_single_colons_not_perl_module_names() {
        for ads in [
            "report.txt:hidden.exe",
            "notes:payload",
            "shell.php::$DATA",
            "dir/a.txt:s:$DATA",
        ] {
            assert_eq!(unsafe_path(ads), Some("alternate data stream"), "{ads}");
        }
        for perl in [
            "Algorithm::Diff.3pm",
            "B::Deparse.3perl.gz",
            "man3/App::Prove::State.3perl.gz",
            "std::vector.3cxx",
        ] {
            assert_eq!(unsafe_path(perl), None, "{perl}");
        }
        assert_eq!(unsafe_path("C:evil.txt"), Some("drive letter"));
    }

    #[test]
    fn gmail_listed_extensions_are_findings_whatever_the_type() {
        let k = kinds("setup.exe", known::PE_EXE);
        assert_eq!(k, vec!["name.blocked_extension".to_string()]);
        let k = kinds("readme.JS", known::TEXT);
        assert!(k.contains(&"name.blocked_extension".to_string()), "{k:?}");
        // Windows drops the trailing dot: `run.bat.` runs as `run.bat`.
        let k = kinds("run.bat.", known::TEXT);
        assert!(k.contains(&"name.blocked_extension".to_string()), "{k:?}");
        assert!(kinds("script.py", known::PYTHON).is_empty());
        assert!(kinds("cert.pem", FileType::by_name("pem").unwrap()).is_empty());
    }

    #[test]
    fn docx_named_zip_is_honest_but_zip_named_docx_is_not() {
        assert!(!mismatch("zip", known::DOCX));
        assert!(mismatch("docx", known::ZIP));
    }

    #[test]
    fn nfc_and_case_collisions() {
        let names = [
            "caf\u{e9}.txt",
            "cafe\u{301}.txt",
            "A.txt",
            "a.txt",
            "b.txt",
        ];
        assert_eq!(collisions(names.into_iter()), vec![(1, 0), (3, 2)]);
    }
}

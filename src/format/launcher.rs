//! Launchers: small text files that a desktop shell opens as a link to
//! something else. Internet shortcuts (`.url`), shell command files
//! (`.scf`), freedesktop desktop entries (`.desktop`), and the XML of
//! Windows libraries (`.library-ms`), search connectors
//! (`.searchConnector-ms`), settings shortcuts (`.settingcontent-ms`) and
//! App Installer files (`.appinstaller`: a package installed from a URL).
//!
//! Each is told by its content: the first section of the INI-like ones, the
//! root element and namespace of the XML ones. Ordinary INI files and XML
//! do not have those. The targets a launcher names are listed, so that one
//! pointing at a share or a `file:` URL can be told apart (Explorer reaches
//! out to an `IconFile` on a share just to show the icon).

/// The kinds of launcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `[InternetShortcut]` with `URL=`.
    Url,
    /// `[Shell]` with `Command=` / `IconFile=`.
    Scf,
    /// `[Desktop Entry]` with `Exec=` (or a `Link` with `URL=`).
    Desktop,
    /// `<libraryDescription>` in the Windows library namespace.
    Library,
    /// `<searchConnectorDescription>` in its namespace.
    SearchConnector,
    /// `<PCSettings>` with a `DeepLink`.
    SettingContent,
    /// `<AppInstaller>` in its namespace: the `Uri` of each package.
    AppInstaller,
}

/// A launcher: its kind and the targets it names (field, value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Launcher {
    /// Which kind.
    pub kind: Kind,
    /// The fields that name a target, an icon or a location, in order.
    pub targets: Vec<(String, String)>,
}

/// How many targets of one launcher are listed.
const MAX_TARGETS: usize = 64;

/// False when `head`, read as text (invalid UTF-8 replaced), is surely not
/// a launcher: what [`read`] needs first (the root element's name, or a
/// first line that is not a comment opening a section) is looked for in
/// the bytes, without making the text. Whatever a byte test cannot settle
/// (a byte above ASCII where whitespace could be) says true.
pub(crate) fn may_be(head: &[u8]) -> bool {
    let mut b = head;
    while let Some(r) = b.strip_prefix("\u{feff}".as_bytes()) {
        b = r;
    }
    // `str::trim_start`'s whitespace, as far as ASCII goes (it includes
    // the vertical tab); `None` at a byte above ASCII.
    fn skip_space(b: &[u8]) -> Option<&[u8]> {
        let i = b
            .iter()
            .position(|c| !(c.is_ascii_whitespace() || *c == 0x0b))
            .unwrap_or(b.len());
        let rest = &b[i..];
        (rest.first().is_none_or(u8::is_ascii)).then_some(rest)
    }
    let Some(first) = skip_space(b) else {
        return true;
    };
    if first.starts_with(b"<") {
        let mut rest = first;
        loop {
            let Some(r) = skip_space(rest) else {
                return true;
            };
            rest = r;
            let (close, r): (&[u8], _) = if let Some(r) = rest.strip_prefix(b"<?") {
                (b"?>", r)
            } else if let Some(r) = rest.strip_prefix(b"<!--") {
                (b"-->", r)
            } else {
                break;
            };
            match memchr::memmem::find(r, close) {
                Some(i) => rest = &r[i + close.len()..],
                None => return false,
            }
        }
        return rest.strip_prefix(b"<").is_some_and(|root| {
            [
                &b"libraryDescription"[..],
                b"searchConnectorDescription",
                b"PCSettings",
                b"AppInstaller",
            ]
            .iter()
            .any(|n| root.starts_with(n))
        });
    }
    // The INI-like ones: the first line that is not blank or a comment
    // opens a section.
    for line in first.split(|c| *c == b'\n') {
        let Some(l) = skip_space(line) else {
            return true;
        };
        match l.first() {
            None | Some(b';' | b'#') => continue,
            // `read` takes the line, trimmed, for a section header only
            // when it also ends with `]`: a JSON array's first line seldom
            // does. A line the head may have cut, or one that ends in a
            // byte above ASCII (Unicode whitespace), is left to `read`.
            Some(b'[') => {
                let cut = l.as_ptr_range().end == first.as_ptr_range().end;
                let last = l
                    .iter()
                    .rev()
                    .find(|c| !(c.is_ascii_whitespace() || **c == 0x0b));
                return cut || last.is_none_or(|c| *c == b']' || !c.is_ascii());
            }
            Some(_) => return false,
        }
    }
    false
}

/// The sections Windows looks up by name in an INI-like launcher, where
/// they may follow other sections or lines.
const LATER_SECTIONS: [&[u8]; 2] = [b"[internetshortcut]", b"[shell]"];

/// Lines of a file that are neither blank, a comment, a section header nor
/// a `key=value` pair, at most, for it to be read as an INI file whose
/// launcher section comes later (prose that shows a `.url` file's text is
/// not one).
const MAX_OTHER_LINES: usize = 2;

/// Where in `head` a line opens a section that makes an INI file a
/// launcher (`[InternetShortcut]`, `[Shell]`, any case), when it is not the
/// first thing in the file: Explorer reads a `.url` or `.scf` file as
/// Windows reads an INI file, looking its section up by name, so other
/// sections, keys or a stray line before it change nothing. A byte search
/// first (a `[` at a line's start); the caller reads the text from there
/// with [`read_from_later_section`].
pub(crate) fn later_section(head: &[u8]) -> Option<usize> {
    // The name first (a few bytes), then the line's start: only blanks
    // between it and the bracket (so each `[` costs its own blanks, never
    // the line before it).
    memchr::memchr_iter(b'[', head).find(|&i| {
        let named = LATER_SECTIONS.iter().any(|s| {
            head.get(i..i + s.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(s))
        });
        named && {
            let blanks = head[..i]
                .iter()
                .rev()
                .take_while(|&&c| c == b' ' || c == b'\t' || c == b'\r')
                .count();
            let before = i - blanks;
            before > 0 && head[before - 1] == b'\n'
        }
    })
}

/// Reads `text` as an INI-like launcher whose section opens at `at` (see
/// [`later_section`]): the whole text must read as INI lines, with at most
/// [`MAX_OTHER_LINES`] others.
pub(crate) fn read_from_later_section(text: &str, at: usize) -> Option<Launcher> {
    let from = text.get(at..)?;
    let others = text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .filter(|l| {
            !(l.is_empty()
                || l.starts_with(';')
                || l.starts_with('#')
                || (l.starts_with('[') && l.ends_with(']'))
                || l.contains('='))
        })
        .count();
    (others <= MAX_OTHER_LINES)
        .then(|| read_ini(from))
        .flatten()
}

/// Reads `text` as a launcher, when it is one.
pub(crate) fn read(text: &str) -> Option<Launcher> {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('<') {
        return read_xml(body);
    }
    read_ini(body)
}

/// The INI-like launchers: the first section decides.
fn read_ini(body: &str) -> Option<Launcher> {
    let mut lines = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(';') && !l.starts_with('#'));
    let mut header = lines.next()?;
    let mut section = header.strip_prefix('[')?.strip_suffix(']')?.trim();
    // Internet shortcuts that a browser wrote may start with a `[DEFAULT]`
    // section and property sets (`[{000214A0-...}]`).
    let mut skipped = 0;
    while (section.eq_ignore_ascii_case("DEFAULT") || section.starts_with('{')) && skipped < 64 {
        header = lines.find(|l| l.starts_with('['))?;
        section = header.strip_prefix('[')?.strip_suffix(']')?.trim();
        skipped += 1;
    }
    if skipped > 0 && !section.eq_ignore_ascii_case("InternetShortcut") {
        return None;
    }
    let kind = if section.eq_ignore_ascii_case("InternetShortcut") {
        Kind::Url
    } else if section.eq_ignore_ascii_case("Shell") {
        Kind::Scf
    } else if section == "Desktop Entry" {
        Kind::Desktop
    } else {
        return None;
    };
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut first_section = true;
    let mut other_key_in_first = false;
    for l in lines.take(4096) {
        if l.starts_with('[') {
            first_section = false;
            continue;
        }
        let Some((k, v)) = l.split_once('=') else {
            if first_section {
                other_key_in_first = true;
            }
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        let target = match kind {
            Kind::Url => ["URL", "IconFile", "WorkingDirectory"]
                .iter()
                .any(|t| k.eq_ignore_ascii_case(t)),
            Kind::Scf => ["Command", "IconFile"]
                .iter()
                .any(|t| k.eq_ignore_ascii_case(t)),
            Kind::Desktop => {
                first_section && ["Exec", "URL", "Icon", "TryExec", "Path"].contains(&k)
            }
            _ => false,
        };
        if first_section && kind == Kind::Scf && !target {
            other_key_in_first = true;
        }
        if target && keys.len() < MAX_TARGETS {
            keys.push((k.to_owned(), v.to_owned()));
        }
    }
    let has = |name: &str| keys.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    let is = match kind {
        Kind::Url => has("URL"),
        // An SCF's `[Shell]` holds only these keys; an INI file's `[Shell]`
        // section holds settings of its own.
        Kind::Scf => (has("Command") || has("IconFile")) && !other_key_in_first,
        Kind::Desktop => has("Exec") || has("URL"),
        _ => false,
    };
    is.then_some(Launcher {
        kind,
        targets: keys,
    })
}

/// The XML launchers: the root element (after the declaration and
/// comments) and, for libraries and search connectors, their namespace.
fn read_xml(body: &str) -> Option<Launcher> {
    let mut rest = body;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else {
            break;
        }
    }
    let root = rest.strip_prefix('<')?;
    let name_end = root.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
    let name = &root[..name_end];
    let tag_end = root.find('>').unwrap_or(root.len());
    let tag = &root[..tag_end];
    let kind = match name {
        "libraryDescription" if tag.contains("schemas.microsoft.com/windows/2009/library") => {
            Kind::Library
        }
        "searchConnectorDescription"
            if tag.contains("schemas.microsoft.com/windows/2009/searchConnector") =>
        {
            Kind::SearchConnector
        }
        "PCSettings" if body.contains("<DeepLink") => Kind::SettingContent,
        "AppInstaller" if tag.contains("schemas.microsoft.com/appx/appinstaller") => {
            Kind::AppInstaller
        }
        _ => return None,
    };
    if kind == Kind::AppInstaller {
        return Some(Launcher {
            kind,
            targets: uri_attributes(body),
        });
    }
    let fields: &[&str] = match kind {
        Kind::SettingContent => &["DeepLink", "Icon"],
        _ => &["url", "iconReference"],
    };
    let mut targets = Vec::new();
    for f in fields {
        let open = format!("<{f}>");
        let close = format!("</{f}>");
        let mut from = 0;
        while let Some(i) = body[from..].find(&open) {
            let start = from + i + open.len();
            let Some(len) = body[start..].find(&close) else {
                break;
            };
            if targets.len() < MAX_TARGETS {
                targets.push(((*f).to_owned(), body[start..start + len].trim().to_owned()));
            }
            from = start + len;
        }
    }
    Some(Launcher { kind, targets })
}

/// The `Uri` attributes of an App Installer file, in order: the file's own
/// and each package's (main, optional, related, dependency).
fn uri_attributes(body: &str) -> Vec<(String, String)> {
    let mut targets = Vec::new();
    let mut from = 0;
    while let Some(i) = body[from..].find("Uri") {
        let at = from + i;
        from = at + 3;
        let before = body[..at].chars().next_back();
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let rest = body[from..].trim_start();
        let Some(rest) = rest.strip_prefix('=').map(str::trim_start) else {
            continue;
        };
        let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        let Some(len) = rest[1..].find(q) else {
            break;
        };
        if targets.len() < MAX_TARGETS {
            targets.push(("Uri".to_owned(), rest[1..1 + len].trim().to_owned()));
        }
    }
    targets
}

/// True when a target reaches another machine or a file by path: a UNC
/// path (`\\server\share`), a `file:` URL, a WebDAV or SMB URL; for an
/// icon, any URL at all (fetched just to show it).
pub(crate) fn is_remote(field: &str, value: &str) -> bool {
    let v = value.trim().trim_matches('"');
    let lower = v.to_ascii_lowercase();
    let unc = v.starts_with("\\\\") || v.starts_with("//");
    let scheme = [
        "file:", "smb:", "dav:", "davs:", "sftp:", "ftp:", "nfs:", "webdav:",
    ]
    .iter()
    .any(|s| lower.starts_with(s));
    let icon = field.eq_ignore_ascii_case("IconFile")
        || field.eq_ignore_ascii_case("iconReference")
        || field.eq_ignore_ascii_case("Icon");
    unc || scheme
        || (icon && (lower.starts_with("http:") || lower.starts_with("https:")))
        // A library or search connector over HTTP is a WebDAV share; an
        // App Installer file installs what its URL serves.
        || ((field == "url" || field == "Uri")
            && (lower.starts_with("http:") || lower.starts_with("https:")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_installer_files() {
        let l = read(
            "<?xml version=\"1.0\"?>\n<AppInstaller xmlns=\"http://schemas.microsoft.com/appx/appinstaller/2018\"\n  \
             Version=\"1.0.0.0\" Uri='https://h.example/a.appinstaller'>\n\
             <MainBundle Name=\"A\" Uri=\"https://h.example/a.msixbundle\"/>\n\
             <Dependencies><Package Uri = \"http://h.example/d.appx\"/></Dependencies></AppInstaller>",
        )
        .unwrap();
        assert_eq!(l.kind, Kind::AppInstaller);
        let uris: Vec<_> = l.targets.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            uris,
            [
                "https://h.example/a.appinstaller",
                "https://h.example/a.msixbundle",
                "http://h.example/d.appx"
            ]
        );
        assert!(l.targets.iter().all(|(f, v)| is_remote(f, v)));
        // Another namespace, or `Uri` inside another word, is none.
        assert!(read("<AppInstaller xmlns=\"urn:x\" Uri=\"https://h/\"/>").is_none());
        assert!(uri_attributes("<a xUri=\"https://h/\" Uri>").is_empty());
    }

    #[test]
    fn a_later_section_opens_a_line() {
        let t = b"[Other]\r\nA=1\r\n  [internetshortcut]\r\nURL=x\r\n";
        assert_eq!(later_section(t), Some(16));
        assert_eq!(later_section(b"[InternetShortcut]\nURL=x\n"), None);
        assert_eq!(later_section(b"text [InternetShortcut]\n"), None);
        // A line of brackets is read once (each `[` looks at its own
        // blanks only).
        assert_eq!(later_section(&[b'['; 1 << 16]), None);
    }

    #[test]
    fn internet_shortcuts() {
        let l = read("[InternetShortcut]\r\nURL=file://203.0.113.7/s/a.exe\r\nIconIndex=0\r\n")
            .unwrap();
        assert_eq!(l.kind, Kind::Url);
        assert!(is_remote(&l.targets[0].0, &l.targets[0].1));
        let l = read("[InternetShortcut]\nURL=https://example.com/\n").unwrap();
        assert!(!is_remote(&l.targets[0].0, &l.targets[0].1));
        assert!(read("[InternetShortcut]\nIconIndex=0\n").is_none());
    }

    proptest::proptest! {
        /// The byte test never turns away what the reader would take:
        /// launchers behind whatever may come first (a BOM, whitespace of
        /// any kind, declarations, comments, invalid bytes), and bits of
        /// them.
        #[test]
        fn what_may_be_says_no_to_is_no_launcher(
            before in proptest::collection::vec(0usize..17, 0..5),
            launcher in 0usize..9,
            after in proptest::collection::vec(0usize..17, 0..3),
        ) {
            const LEAD: [&[u8]; 17] = [
                b"\xef\xbb\xbf", b" ", b"\t", b"\x0b", "\u{a0}".as_bytes(),
                "\u{3000}".as_bytes(), b"\n", b"\r\n", b"<?xml version=\"1.0\"?>",
                b"<!-- c -->", b"#c\n", b";c\n", b"\xff", b"[DEFAULT]\n", b"<?", b"<!--",
                b"<",
            ];
            const LAUNCHERS: [&[u8]; 9] = [
                b"<libraryDescription xmlns=\"http://schemas.microsoft.com/windows/2009/library\"><url>\\\\h\\s</url></libraryDescription>",
                b"<searchConnectorDescription xmlns=\"http://schemas.microsoft.com/windows/2009/searchConnector\"><url>x</url></searchConnectorDescription>",
                b"<PCSettings><DeepLink>x</DeepLink></PCSettings>",
                b"<AppInstaller xmlns=\"http://schemas.microsoft.com/appx/appinstaller/2021\" Uri=\"https://h/a\"/>",
                b"[InternetShortcut]\nURL=file://h/s\n",
                b"[Shell]\nCommand=2\nIconFile=\\\\h\\i\n",
                b"[Desktop Entry]\nType=Application\nExec=a\n",
                "[Shell]\u{a0} \u{3000}\r\nCommand=2\nIconFile=\\\\h\\i\n".as_bytes(),
                b"",
            ];
            let bytes: Vec<u8> = before
                .iter()
                .map(|i| LEAD[*i])
                .chain([LAUNCHERS[launcher]])
                .chain(after.iter().map(|i| LEAD[*i]))
                .flatten()
                .copied()
                .collect();
            if !may_be(&bytes) {
                proptest::prop_assert!(read(&String::from_utf8_lossy(&bytes)).is_none(), "{:?}", String::from_utf8_lossy(&bytes));
            }
        }
    }

    #[test]
    fn the_byte_test_turns_away_ordinary_text() {
        assert!(!may_be(b"# Title\n\nSome prose.\n"));
        assert!(!may_be(b"<?xml version=\"1.0\"?>\n<w:document>"));
        assert!(!may_be(b"<html><body>"));
        assert!(!may_be(b"; comment only\n"));
        assert!(may_be(b"; settings\n[Shell]\n"));
        assert!(may_be(b"[Shell] \x0b\r\nCommand=2\n"));
        assert!(may_be(b"[InternetShortcut"));
        // JSON arrays, on one line or pretty-printed.
        assert!(!may_be(b"[{\"id\": 1},\n{\"id\": 2}]\n"));
        assert!(!may_be(b"[\n  1,\n  2\n]\n"));
        assert!(may_be(
            b"\xef\xbb\xbf<?xml?><!-- x --> <libraryDescription "
        ));
    }

    #[test]
    fn ini_files_that_are_not_launchers() {
        assert!(read("[Shell]\nTheme=dark\nCommand=open\n").is_none());
        assert!(read("[General]\n[Shell]\nCommand=2\n").is_none());
        assert!(read("; settings\n[Shell]\nCommand=2\nIconFile=\\\\h\\s\\i.ico\n").is_some());
        assert!(read("Here is a [Desktop Entry] example: Exec=foo\n").is_none());
        assert!(
            read("<?xml version=\"1.0\"?><libraryDescription><url>x</url></libraryDescription>")
                .is_none()
        );
    }
}

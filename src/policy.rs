//! The delivery policy: what a gateway does with each kind of finding.
//!
//! A policy maps true types (by name, such as `pe-dll`, or by group, such as
//! `executable`) and finding keys (such as `encrypted` or `name.bidi_control`,
//! or a prefix such as `container`) to an [`Action`], and signature severities
//! to actions by two thresholds. Every finding records which entry decided.
//!
//! The built-in policy for chat and P2P transfers ([`Policy::default`]) is
//! anchored on what the most trusted mail gateways do. Gmail blocks, also
//! inside archives, exactly the types that Windows runs or installs on a
//! double click (`.exe`, `.bat`, `.js`, `.iso`, `.lnk`... the list is
//! `detect::names::WINDOWS_RUNS`); this policy blocks those by true
//! type, so that renaming does not help, and by name; it blocks native code
//! by content; and it judges everything else by what it holds. Scripts that
//! take a terminal to run (shell, Python, Perl, Ruby) and certificates are
//! allowed: an operator who wants them flagged says so (`other_script =
//! "flag"`).
//!
//! | entry | action |
//! |---|---|
//! | `types.executable` (PE, ELF, Mach-O, DEX, MSI, APK, MSIX, CHM...), `types.windows_script` (batch, PowerShell, VBScript, JScript, HTA, WSH), `types.disk_image`, `types.shortcut` (LNK and launchers: URL, SCF, library-ms, searchConnector-ms, settingcontent-ms, appinstaller, desktop entries), `types.macro_document` | block |
//! | `types.jar`, `types.cab` (archives on Gmail's list) | block |
//! | every other type, `types.other_script` among them | allow |
//! | `signatures`: severity `high` or above | block |
//! | `signatures`: severity `low` or `medium` | flag |
//! | `findings.encrypted` | flag |
//! | `findings.container.overlapping_entries`, `findings.container.multiple_archives`, `findings.container.link_escapes`, `findings.stream.conflicting_piece` | block |
//! | `findings.container.link` (a link that stays inside its archive) | allow |
//! | `findings.document.external_object`, `findings.document.external_link.handler`, `findings.document.dde.command`, `findings.document.chm.command` | block |
//! | `findings.document.remote_template`, `findings.document.external_link`, `findings.document.dde` | flag |
//! | `findings.name.bidi_control`, `findings.name.double_extension`, `findings.name.unsafe_path`, `findings.name.blocked_extension` | block |
//! | `findings.limit`, `findings.unscannable`, `findings.container`, `findings.name`, `findings.type.polyglot` | flag |
//! | `findings.document.svg.script` (an SVG image that runs script) | flag |
//! | `findings.launcher.remote_target` (a launcher pointing at a share or a `file:` URL) | block |
//! | `findings.document.macro` (and `.autorun` under it), `findings.document.xlm` (and `.autorun`), `findings.document.equation` | block |
//! | `findings.document.sheet.very_hidden`, `findings.document.rtf.object` | flag |
//! | `findings.document.pdf.javascript_on_open`, `findings.document.pdf.launch` | block |
//! | `findings.document.pdf.javascript`, `findings.document.pdf.submit_form`, `findings.document.pdf.embedded_file` | flag |
//! | `findings.document.pdf.uri` (recorded) | allow |
//! | `findings.image` (a hidden file in a disk image, trees of an image that show different files) | flag |
//! | `findings.image.shortcut_with_hidden_payload` (a shortcut at an image's root beside a hidden executable or script) | block |
//!
//! A type entry names a type (`pe-dll`), its group (`windows_script`) or
//! the group's family (`script`, both kinds of script): the most specific
//! entry decides.
//!
//! A [`Profile`] chooses a built-in policy by channel: `chat` (the default
//! above) or `p2p`, where disk images, installers and archives are judged by
//! what they hold and native code is flagged rather than blocked.
//!
//! In TOML (`xferscan scan --policy FILE`, or the `[policy]` section of a
//! [configuration](crate::config)), a file changes a built-in policy entry
//! by entry: the one its `base` names (`chat`, the default, or `p2p`), or
//! nothing with `base = "empty"`:
//!
//! ```toml
//! base = "p2p"
//!
//! [types]
//! executable = "flag"
//! "pe-dll" = "block"
//!
//! [findings]
//! encrypted = "block"
//! "name.extension_mismatch" = "allow"
//!
//! [signatures]
//! block_at = "medium"
//! flag_at = "low"
//!
//! [signatures.rules]
//! PE_UPX_Stub = "allow"
//! ```

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};
use std::ops::Range;

use serde::Deserialize;

use crate::error::Error;
use crate::finding::Severity;
use crate::finding::{FindingKind, is_finding_key_or_prefix};
use crate::report::Action;
use crate::types::{FileType, TypeGroup};

/// A delivery policy. `Policy::default()` is the built-in policy for chat
/// and P2P transfers documented in the module above.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    types: HashMap<String, Action>,
    findings: HashMap<String, Action>,
    rules: HashMap<String, Action>,
    block_at: Severity,
    flag_at: Severity,
}

impl Default for Policy {
    fn default() -> Self {
        let mut p = Policy::empty();
        for g in [
            "executable",
            "windows_script",
            "macro_document",
            "disk_image",
            "shortcut",
            "jar",
            "cab",
        ] {
            p.types.insert(g.into(), Action::Block);
        }
        for (k, a) in [
            ("encrypted", Action::Flag),
            ("limit", Action::Flag),
            ("unscannable", Action::Flag),
            ("container", Action::Flag),
            ("container.overlapping_entries", Action::Block),
            ("container.multiple_archives", Action::Block),
            ("container.link", Action::Allow),
            ("container.link_escapes", Action::Block),
            ("name", Action::Flag),
            ("name.bidi_control", Action::Block),
            ("name.double_extension", Action::Block),
            ("name.unsafe_path", Action::Block),
            ("stream.conflicting_piece", Action::Block),
            ("name.blocked_extension", Action::Block),
            ("type.polyglot", Action::Flag),
            ("document.svg.script", Action::Flag),
            ("launcher.remote_target", Action::Block),
            ("document.remote_template", Action::Flag),
            ("document.external_object", Action::Block),
            ("document.external_link", Action::Flag),
            ("document.external_link.handler", Action::Block),
            ("document.dde", Action::Flag),
            ("document.dde.command", Action::Block),
            ("document.chm.command", Action::Block),
            ("document.macro", Action::Block),
            ("document.xlm", Action::Block),
            ("document.sheet.very_hidden", Action::Flag),
            ("document.rtf.object", Action::Flag),
            ("document.equation", Action::Block),
            ("document.pdf.javascript", Action::Flag),
            ("document.pdf.javascript_on_open", Action::Block),
            ("document.pdf.launch", Action::Block),
            ("document.pdf.uri", Action::Allow),
            ("document.pdf.submit_form", Action::Flag),
            ("document.pdf.embedded_file", Action::Flag),
            ("image", Action::Flag),
            ("image.shortcut_with_hidden_payload", Action::Block),
        ] {
            p.findings.insert(k.into(), a);
        }
        p
    }
}

/// A built-in policy, chosen by where the files come from.
///
/// | entry | `chat` (the default) | `p2p` |
/// |---|---|---|
/// | `types.executable`, `types.windows_script`, `types.macro_document`, `types.shortcut` | block | flag |
/// | `types.disk_image`, `types.msi`, `types.jar`, `types.cab` | block | allow: judged by what they hold |
/// | `findings.name.blocked_extension` | block | allow (the true type decides) |
/// | `findings.name.risky_extension` | flag (as `findings.name`) | allow |
/// | `findings.document.macro`, `findings.document.xlm` (macros that do not run by themselves) | block | flag |
/// | everything else | as in the table above | the same |
///
/// In chat a file is one click from being run, and nobody sends an ISO or an
/// installer to a colleague by chat: those types are blocked whatever they
/// hold. On a P2P gateway installers, Linux images and archives are the
/// traffic itself: they are unpacked and judged by their contents, and
/// native code and scripts are flagged, so that the client can warn.
/// Deception (bidi controls, double extensions, shortcuts beside hidden
/// payloads), signatures and active document content block in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// Chat and mail: the built-in default.
    Chat,
    /// Peer-to-peer transfers: images, installers and archives judged by
    /// what is inside them.
    P2p,
}

impl Profile {
    /// Every profile, in the order the documentation lists them.
    pub const ALL: [Profile; 2] = [Profile::Chat, Profile::P2p];

    /// The profile's name in TOML and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Chat => "chat",
            Profile::P2p => "p2p",
        }
    }

    /// The profile of a name (`chat`, `p2p`).
    pub fn parse(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The profile's policy.
    pub fn policy(self) -> Policy {
        match self {
            Profile::Chat => Policy::default(),
            Profile::P2p => {
                let mut p = Policy::default();
                for (t, a) in [
                    ("executable", Action::Flag),
                    ("windows_script", Action::Flag),
                    ("macro_document", Action::Flag),
                    ("shortcut", Action::Flag),
                    ("disk_image", Action::Allow),
                    ("msi", Action::Allow),
                    ("jar", Action::Allow),
                    ("cab", Action::Allow),
                ] {
                    p.types.insert(t.into(), a);
                }
                for (k, a) in [
                    // The true type decides: a Linux image named .iso or an
                    // installer named .msi is the traffic itself, and what
                    // runs is flagged by its content.
                    ("name.blocked_extension", Action::Allow),
                    ("name.risky_extension", Action::Allow),
                    // Macros are flagged like executables; those that run
                    // by themselves still block.
                    ("document.macro", Action::Flag),
                    ("document.macro.autorun", Action::Block),
                    ("document.xlm", Action::Flag),
                    ("document.xlm.autorun", Action::Block),
                ] {
                    p.findings.insert(k.into(), a);
                }
                p
            }
        }
    }
}

impl Policy {
    /// The built-in policy of a [`Profile`]; `Policy::default()` is
    /// `Policy::profile(Profile::Chat)`.
    pub fn profile(profile: Profile) -> Self {
        profile.policy()
    }

    /// A policy that allows every type and finding except signatures, which
    /// still block at `high` and flag at `low`. Findings it does not name
    /// are allowed: never a silent clean, as they stay in the report.
    pub fn empty() -> Self {
        Policy {
            types: HashMap::new(),
            findings: HashMap::new(),
            rules: HashMap::new(),
            block_at: Severity::High,
            flag_at: Severity::Low,
        }
    }

    /// Sets the action for a type name (`pe-dll`) or group (`executable`).
    pub fn set_type(&mut self, key: &str, action: Action) -> &mut Self {
        self.types.insert(key.to_owned(), action);
        self
    }

    /// Sets the action for a finding key or key prefix (`container`).
    pub fn set_finding(&mut self, key: &str, action: Action) -> &mut Self {
        self.findings.insert(key.to_owned(), action);
        self
    }

    /// Sets the severities at which signatures block and flag.
    pub fn set_severity_thresholds(&mut self, block_at: Severity, flag_at: Severity) -> &mut Self {
        self.block_at = block_at;
        self.flag_at = flag_at;
        self
    }

    /// The action for a type, if the policy names it, its group or its
    /// group's family (the most specific decides).
    pub(crate) fn type_action(&self, ty: FileType) -> Option<(Action, String)> {
        if let Some(&a) = self.types.get(ty.name()) {
            return Some((a, format!("types.{}", ty.name())));
        }
        std::iter::once(ty.group())
            .chain(ty.group().family())
            .find_map(|g| {
                let g = g.as_str();
                self.types.get(g).map(|&a| (a, format!("types.{g}")))
            })
    }

    /// The action for a finding and the entry that chose it.
    pub(crate) fn decide(&self, kind: &FindingKind) -> (Action, String) {
        match kind {
            FindingKind::Signature(m) => {
                if let Some(&a) = self.rules.get(&m.rule) {
                    return (a, format!("signatures.rules.{}", m.rule));
                }
                if m.severity >= self.block_at {
                    (Action::Block, "signatures.block_at".into())
                } else if m.severity >= self.flag_at {
                    (Action::Flag, "signatures.flag_at".into())
                } else {
                    (Action::Allow, "signatures.flag_at".into())
                }
            }
            FindingKind::TrueType { ty } => self
                .type_action(*ty)
                .unwrap_or((Action::Allow, "types".into())),
            other => {
                let mut k = other.key();
                loop {
                    if let Some(&a) = self.findings.get(k) {
                        return (a, format!("findings.{k}"));
                    }
                    match k.rfind('.') {
                        Some(i) => k = &k[..i],
                        None => return (Action::Allow, "findings".into()),
                    }
                }
            }
        }
    }

    /// Reads a policy from TOML. `origin` names the file in errors, which
    /// give the line of the offending entry.
    pub fn from_toml(text: &str, origin: &str) -> Result<Policy, Error> {
        let err = |span: Option<Range<usize>>, message: String| Error::Policy {
            origin: origin.to_owned(),
            line: span.map(|s| line_of(text, s.start)).unwrap_or(1),
            message,
        };
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| err(e.span(), e.message().to_owned()))?;
        file.into_policy(&err)
    }

    /// Reads a policy from a table of a larger TOML document (the
    /// `[policy]` section of a [`Config`](crate::Config)), in the layout
    /// that [`Policy::from_toml`] reads. `err` makes the error of a span
    /// of that document.
    pub(crate) fn from_toml_table(
        table: toml::Spanned<toml::de::DeValue<'_>>,
        err: &dyn Fn(Option<Range<usize>>, String) -> Error,
    ) -> Result<Policy, Error> {
        let file = PolicyFile::deserialize(toml::de::ValueDeserializer::from(table))
            .map_err(|e| err(e.span(), e.message().to_owned()))?;
        file.into_policy(err)
    }
}

impl PolicyFile {
    /// The policy that the parsed file describes, once every name in it
    /// is checked.
    fn into_policy(
        self,
        err: &dyn Fn(Option<Range<usize>>, String) -> Error,
    ) -> Result<Policy, Error> {
        let file = self;
        let mut p = match file.base.as_ref().map(|b| (b.get_ref().as_str(), b.span())) {
            None | Some(("default", _)) => Policy::default(),
            Some(("empty", _)) => Policy::empty(),
            Some((name, span)) => match Profile::parse(name) {
                Some(profile) => profile.policy(),
                None => {
                    return Err(err(
                        Some(span),
                        format!(
                            "base must be \"chat\", \"p2p\", \"default\" (chat) or \"empty\", not {name:?}"
                        ),
                    ));
                }
            },
        };
        for (k, v) in &file.types {
            if TypeGroup::parse(k).is_none() && FileType::by_name(k).is_none() {
                return Err(err(
                    Some(v.span()),
                    format!("unknown type or type group {k:?}"),
                ));
            }
            p.types.insert(k.clone(), *v.get_ref());
        }
        for (k, v) in &file.findings {
            if !is_finding_key_or_prefix(k) {
                return Err(err(Some(v.span()), format!("unknown finding key {k:?}")));
            }
            p.findings.insert(k.clone(), *v.get_ref());
        }
        if let Some(s) = file.signatures {
            if let Some(b) = s.block_at {
                p.block_at = *b.get_ref();
            }
            if let Some(f) = s.flag_at {
                p.flag_at = *f.get_ref();
            }
            for (k, v) in s.rules {
                p.rules.insert(k, *v.get_ref());
            }
        }
        Ok(p)
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    base: Option<toml::Spanned<String>>,
    #[serde(default)]
    types: BTreeMap<String, toml::Spanned<Action>>,
    #[serde(default)]
    findings: BTreeMap<String, toml::Spanned<Action>>,
    signatures: Option<SignatureSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureSection {
    block_at: Option<toml::Spanned<Severity>>,
    flag_at: Option<toml::Spanned<Severity>>,
    #[serde(default)]
    rules: BTreeMap<String, toml::Spanned<Action>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::known;

    #[test]
    fn default_blocks_executables_and_flags_encryption() {
        let p = Policy::default();
        assert_eq!(
            p.type_action(known::PE_EXE).map(|a| a.0),
            Some(Action::Block)
        );
        assert_eq!(p.type_action(FileType::by_name("png").unwrap()), None);
        let enc = FindingKind::Encrypted {
            entry: "a".into(),
            method: "aes".into(),
            decrypted: false,
        };
        assert_eq!(p.decide(&enc), (Action::Flag, "findings.encrypted".into()));
    }

    #[test]
    fn prefixes_decide_when_no_exact_key() {
        let p = Policy::default();
        let k = FindingKind::DuplicateName { name: "x".into() };
        assert_eq!(p.decide(&k), (Action::Flag, "findings.container".into()));
    }

    #[test]
    fn profiles_differ_where_documented() {
        let chat = Policy::profile(Profile::Chat);
        let p2p = Policy::profile(Profile::P2p);
        assert_eq!(chat, Policy::default());
        let action = |p: &Policy, t| p.type_action(t).map(|a| a.0);
        assert_eq!(action(&chat, known::ISO), Some(Action::Block));
        assert_eq!(action(&p2p, known::ISO), Some(Action::Allow));
        assert_eq!(action(&p2p, known::MSI), Some(Action::Allow));
        assert_eq!(action(&p2p, known::PE_EXE), Some(Action::Flag));
        assert_eq!(action(&p2p, known::BATCH), Some(Action::Flag));
        let double = FindingKind::DoubleExtension {
            decoy: "pdf".into(),
            real: "exe".into(),
        };
        assert_eq!(p2p.decide(&double).0, Action::Block);
        for name in ["chat", "p2p"] {
            let from_file = Policy::from_toml(&format!("base = \"{name}\"\n"), "p.toml").unwrap();
            assert_eq!(from_file, Profile::parse(name).unwrap().policy());
        }
        assert!(Policy::from_toml("base = \"lan\"\n", "p.toml").is_err());
    }

    #[test]
    fn errors_name_the_line() {
        let text = "[types]\nexecutable = \"block\"\nbogus = \"allow\"\n";
        match Policy::from_toml(text, "p.toml") {
            Err(Error::Policy { line, message, .. }) => {
                assert_eq!(line, 3, "{message}");
            }
            other => panic!("{other:?}"),
        }
        let text = "[findings]\nencrypted = \"maybe\"\n";
        match Policy::from_toml(text, "p.toml") {
            Err(Error::Policy { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
    }
}

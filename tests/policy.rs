//! The delivery policy: defaults for chat transfers, and a TOML file that
//! changes the verdict.

use crate::util::*;
use xferscan::{Engine, Finding, FindingKind, Policy, Verdict};

#[test]
fn default_policy_blocks_executables_and_flags_encryption() {
    let r = scan("a.exe", tiny_pe(false));
    assert_eq!(r.verdict, Verdict::Malicious);
    let f = r.findings_with_key("type.executable").next().unwrap();
    assert_eq!(f.decided_by, "types.executable");
}

/// Whether `decided_by` is a policy entry that can decide this finding: a
/// signature threshold or its rule, its type or group, its key or a
/// prefix of it, or the fallback of its section.
fn entry_fits(f: &Finding) -> bool {
    let by = f.decided_by.as_str();
    match &f.kind {
        FindingKind::Signature(m) => {
            by == "signatures.block_at"
                || by == "signatures.flag_at"
                || by == format!("signatures.rules.{}", m.rule)
        }
        FindingKind::TrueType { ty } => {
            by == "types"
                || by == format!("types.{}", ty.name())
                || by == format!("types.{}", ty.group().as_str())
        }
        other => {
            let key = other.key();
            by == "findings"
                || by.strip_prefix("findings.").is_some_and(|k| {
                    key == k || (key.starts_with(k) && key.as_bytes().get(k.len()) == Some(&b'.'))
                })
        }
    }
}

#[test]
fn every_finding_says_which_entry_decided() {
    let inner = zip_of(&[("e.txt", &eicar()[..])], Method::Deflated);
    let pe = tiny_pe(false);
    let z = zip_of(
        &[
            ("deep.zip", &inner[..]),
            ("photo.jpg", &pe[..]),
            ("invoice.pdf.exe", &pe[..]),
            ("notes.txt", b"nothing here"),
        ],
        Method::Deflated,
    );
    let r = scan("x.zip", z);
    for f in &r.findings {
        assert!(
            entry_fits(f),
            "{} decided by {:?}",
            f.kind.key(),
            f.decided_by
        );
    }
    let decided = |key: &str| -> Vec<String> {
        r.findings_with_key(key)
            .map(|f| f.decided_by.clone())
            .collect()
    };
    assert_eq!(decided("signature"), ["signatures.block_at"]);
    assert!(
        decided("type.executable").contains(&"types.executable".to_string()),
        "{:?}",
        keys(&r)
    );
    assert!(
        decided("name.double_extension").contains(&"findings.name.double_extension".to_string())
    );
    // No entry of its own: its prefix decides.
    assert!(
        decided("name.extension_mismatch").contains(&"findings.name".to_string()),
        "{:?}",
        keys(&r)
    );
    // The check itself: a finding credited to another entry does not fit.
    let mut wrong = r.findings_with_key("signature").next().unwrap().clone();
    wrong.decided_by = "findings.encrypted".into();
    assert!(!entry_fits(&wrong));
}

#[test]
fn a_policy_file_changes_the_verdict() {
    let text = r#"
[types]
executable = "allow"

[findings]
"name.extension_mismatch" = "allow"
"name.blocked_extension" = "allow"

[signatures]
block_at = "critical"
flag_at = "high"
"#;
    let p = Policy::from_toml(text, "policy.toml").unwrap();
    let e = Engine::builder().policy(p).build().unwrap();
    assert_eq!(
        e.scan_bytes("a.exe", tiny_pe(false)).verdict,
        Verdict::Clean
    );
    assert_eq!(e.scan_bytes("e.txt", eicar()).verdict, Verdict::Suspicious);
    let strict = Policy::from_toml("[types]\nimage = \"block\"\n", "strict.toml").unwrap();
    let e = Engine::builder().policy(strict).build().unwrap();
    let r = e.scan_bytes("a.png", tiny_png());
    assert_eq!(r.verdict, Verdict::Malicious);
    assert_eq!(r.findings[0].decided_by, "types.image");
}

#[test]
fn a_bad_policy_file_names_the_line() {
    let text = "[types]\nexecutable = \"block\"\n\n[findings]\n\"no.such.key\" = \"flag\"\n";
    let err = Policy::from_toml(text, "bad.toml").unwrap_err().to_string();
    assert!(err.contains("bad.toml") && err.contains("line 5"), "{err}");
    let err = Policy::from_toml("[types]\nscript = \"sometimes\"\n", "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 2"), "{err}");
    let err = Policy::from_toml("[typos]\n", "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 1"), "{err}");
}

/// The two channel profiles: an installer sent by chat is blocked by its
/// type; on a P2P gateway it is flagged, and EICAR inside an archive still
/// blocks. The profile is chosen the same way from the API, a policy file
/// and a configuration.
#[test]
fn profiles_chat_blocks_types_p2p_judges_contents() {
    let p2p_engines = [
        Engine::builder()
            .profile(xferscan::Profile::P2p)
            .build()
            .unwrap(),
        Engine::builder()
            .policy(Policy::from_toml("base = \"p2p\"\n", "p2p.toml").unwrap())
            .build()
            .unwrap(),
        Engine::builder()
            .config_toml("[policy]\nbase = \"p2p\"\n", "xferscan.toml")
            .unwrap()
            .build()
            .unwrap(),
    ];
    let exe = tiny_pe(false);
    let chat = scan("setup.exe", exe.clone());
    assert_eq!(chat.verdict, Verdict::Malicious);
    for engine in &p2p_engines {
        let r = engine.scan_bytes("setup.exe", exe.clone());
        assert_eq!(r.verdict, Verdict::Suspicious, "{:?}", keys(&r));
        let f = r.findings_with_key("type.executable").next().unwrap();
        assert_eq!(f.decided_by, "types.executable");
        let blocked_name = r.findings_with_key("name.blocked_extension").next();
        assert_eq!(
            blocked_name.map(|f| f.action),
            Some(xferscan::Action::Allow)
        );
        // Signatures and deception still block.
        let zip = zip_of(&[("readme.txt", &eicar()[..])], Method::Deflated);
        let r = engine.scan_bytes("pack.zip", zip);
        assert_eq!(r.verdict, Verdict::Malicious);
        assert!(found_eicar(&r));
        let r = engine.scan_bytes("invoice.pdf.exe", exe.clone());
        assert_eq!(r.verdict, Verdict::Malicious, "{:?}", keys(&r));
    }
}

//! The delivery policy: defaults for chat transfers, and a TOML file that
//! changes the verdict.

use crate::util::*;
use xferscan::{Engine, Policy, Verdict};

#[test]
fn default_policy_blocks_executables_and_flags_encryption() {
    let r = scan("a.exe", tiny_pe(false));
    assert_eq!(r.verdict, Verdict::Malicious);
    let f = r.findings_with_key("type.executable").next().unwrap();
    assert_eq!(f.decided_by, "types.executable");
}

#[test]
fn every_finding_says_which_entry_decided() {
    let r = scan("x.zip", nest(2, "e.txt", &eicar(), Method::Deflated));
    assert!(r.findings.iter().all(|f| !f.decided_by.is_empty()));
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

//! The configuration file: every section takes effect, a bad file names its
//! line, sizes and durations parse, and the documented example is the
//! defaults written out.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::util::*;
use xferscan::config::{parse_duration, parse_size};
use xferscan::{Config, Engine, Error, Limits, ObjectHashes, Policy, Verdict};

/// A fresh folder of this test's own, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("xferscan-config-{}-{name}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn engine_from(text: &str) -> Engine {
    Engine::builder()
        .config_toml(text, "test.toml")
        .unwrap()
        .build()
        .unwrap()
}

/// The line and column of a configuration error, and its message.
fn error_at(text: &str) -> (usize, usize, String) {
    match Config::from_toml(text, "bad.toml") {
        Err(Error::Config {
            origin,
            line,
            column,
            message,
        }) => {
            assert_eq!(origin, "bad.toml");
            (line, column, message)
        }
        other => panic!("not a configuration error: {other:?}"),
    }
}

fn aes_zip(name: &str, data: &[u8], password: &str) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .with_aes_encryption(zip::AesMode::Aes256, password);
    w.start_file(name, opts).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap().into_inner()
}

#[test]
fn a_limit_takes_effect_and_the_others_keep_their_defaults() {
    let e = engine_from("[limits]\nmax_object_size = \"1K\"\n");
    assert_eq!(
        e.limits(),
        &Limits {
            max_object_bytes: 1024,
            ..Limits::default()
        }
    );
    // What unpacking produces keeps to it (the outer object is matched
    // whole, in windows).
    let r = e.scan_bytes("a.gz", gzip(&[7u8; 4096]));
    assert_eq!(r.objects[1].size, 1024);
    assert!(has_key(&r, "limit.object_size"), "{:?}", keys(&r));
    let e = engine_from("[limits]\nmax_depth = 0\n");
    let r = e.scan_bytes("a.zip", zip_of(&[("e.txt", &eicar()[..])], Method::Stored));
    assert!(has_key(&r, "limit.depth"), "{:?}", keys(&r));
    assert_eq!(r.objects.len(), 1);
}

#[test]
fn every_limit_key_is_read() {
    let c = Config::from_toml(
        "[limits]\nmax_depth = 3\nmax_objects = 40\nmax_object_size = 5000\n\
         max_total_size = \"2G\"\nmax_ratio = 7\nmax_time = \"2m\"\n\
         max_stream_size = \"3G\"\nstream_memory = \"1M\"\n",
        "t.toml",
    )
    .unwrap();
    assert_eq!(
        c.limits,
        Some(Limits {
            max_depth: 3,
            max_objects: 40,
            max_object_bytes: 5000,
            max_total_bytes: 2 << 30,
            max_ratio: 7,
            max_time: Duration::from_secs(120),
            max_stream_bytes: 3 << 30,
            stream_memory_bytes: 1 << 20,
        })
    );
    let c = Config::from_toml("[limits]\nmax_time = 9\n", "t.toml").unwrap();
    assert_eq!(c.limits.unwrap().max_time, Duration::from_secs(9));
    // No section: the builder's limits are left alone.
    assert_eq!(Config::from_toml("", "t.toml").unwrap().limits, None);
}

#[test]
fn an_inline_policy_entry_takes_effect() {
    let e = engine_from("[policy.types]\nimage = \"block\"\n");
    let r = e.scan_bytes("a.png", tiny_png());
    assert_eq!(r.verdict, Verdict::Malicious);
    assert_eq!(r.findings[0].decided_by, "types.image");
    // The rest of the built-in policy is still there.
    assert_eq!(
        e.scan_bytes("a.exe", tiny_pe(false)).verdict,
        Verdict::Malicious
    );

    let text = "[policy]\nbase = \"empty\"\n\n[policy.findings]\nencrypted = \"block\"\n\n\
                [policy.signatures]\nblock_at = \"critical\"\nflag_at = \"high\"\n\n\
                [policy.signatures.rules]\nEICAR_Test_File = \"allow\"\n";
    let c = Config::from_toml(text, "t.toml").unwrap();
    let e = Engine::builder().config(&c).build().unwrap();
    // base = "empty": executables are allowed.
    assert_eq!(
        e.scan_bytes("a.exe", tiny_pe(false)).verdict,
        Verdict::Clean
    );
    let r = e.scan_bytes("e.txt", eicar());
    assert!(found_eicar(&r));
    assert_eq!(r.verdict, Verdict::Clean);
    assert_eq!(r.findings[0].decided_by, "signatures.rules.EICAR_Test_File");
}

#[test]
fn a_policy_file_is_read_from_the_configurations_folder() {
    let dir = TempDir::new("policy-file");
    dir.write("policies/strict.toml", "[types]\nimage = \"block\"\n");
    let cfg = dir.write(
        "conf/xferscan.toml",
        "[policy]\nfile = \"../policies/strict.toml\"\n",
    );
    let e = Engine::builder()
        .config_path(&cfg)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        e.scan_bytes("a.png", tiny_png()).verdict,
        Verdict::Malicious
    );
    // A bad policy file is the policy's error, naming that file.
    dir.write(
        "policies/strict.toml",
        "[types]\nimage = \"block\"\nbogus = \"flag\"\n",
    );
    let err = Config::from_path(&cfg).unwrap_err();
    assert!(
        matches!(&err, Error::Policy { origin, line: 3, .. } if origin.ends_with("strict.toml")),
        "{err}"
    );
    // A missing one is an I/O error naming it.
    std::fs::remove_file(dir.0.join("policies/strict.toml")).unwrap();
    let err = Config::from_path(&cfg).unwrap_err();
    assert!(
        matches!(&err, Error::Io { path, .. } if path.ends_with("policies/strict.toml")),
        "{err}"
    );
}

#[test]
fn a_rule_folder_is_read_from_the_configurations_folder() {
    let dir = TempDir::new("rules");
    dir.write(
        "rules/marker.yar",
        "rule Config_Marker { meta: severity = \"high\" strings: $a = \"plugh-marker\" condition: $a }",
    );
    let cfg = dir.write(
        "xferscan.toml",
        "[rules]\nbuiltin = false\npaths = [\"rules/\"]\n",
    );
    let c = Config::from_path(&cfg).unwrap();
    assert_eq!(c.rule_paths, [dir.0.join("rules/")]);
    assert_eq!(c.builtin_rules, Some(false));
    let e = Engine::builder()
        .config_path(&cfg)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(e.rule_count(), 1);
    let r = e.scan_bytes("a.txt", b"a plugh-marker here".to_vec());
    assert!(r.matched("Config_Marker"));
    assert_eq!(r.verdict, Verdict::Malicious);
    // Without the built-in pack, EICAR is not found.
    assert!(!found_eicar(&e.scan_bytes("e.txt", eicar())));
    // From text, a relative path stays relative to the current folder.
    let c = Config::from_toml("[rules]\npaths = [\"rules/\"]\n", "t.toml").unwrap();
    assert_eq!(c.rule_paths, [Path::new("rules/")]);
}

#[test]
fn builtin_rules_can_be_left_out() {
    let e = engine_from("[rules]\nbuiltin = false\n");
    assert_eq!(e.rule_count(), 0);
    assert!(!found_eicar(&e.scan_bytes("e.txt", eicar())));
    let e = engine_from("[rules]\nbuiltin = true\n");
    assert!(e.rule_count() > 0);
    assert!(found_eicar(&e.scan_bytes("e.txt", eicar())));
}

#[test]
fn passwords_replace_the_built_in_list() {
    let ours = aes_zip("e.txt", &eicar(), "from-the-config");
    let theirs = aes_zip("e.txt", &eicar(), "infected");
    let e = engine_from("passwords = [\"from-the-config\"]\n");
    assert!(found_eicar(&e.scan_bytes("a.zip", ours.clone())));
    assert!(!found_eicar(&e.scan_bytes("b.zip", theirs.clone())));
    // Controls: the built-in list opens one and not the other.
    assert!(!found_eicar(&scan("a.zip", ours)));
    assert!(found_eicar(&scan("b.zip", theirs)));
}

#[test]
fn hashes_take_effect() {
    let z = zip_of(&[("a.txt", &b"alpha"[..])], Method::Deflated);
    let e = engine_from("hashes = \"every\"\n");
    let r = e.scan_bytes("a.zip", z.clone());
    assert_eq!(r.verdict, Verdict::Clean);
    assert!(
        r.objects.iter().all(|o| o.sha256.is_some()),
        "{:?}",
        r.objects
    );
    let e = engine_from("hashes = \"none\"\n");
    assert!(e.scan_bytes("e.txt", eicar()).objects[0].sha256.is_none());
    let c = Config::from_toml("hashes = \"flagged\"\n", "t.toml").unwrap();
    assert_eq!(c.hashes, Some(ObjectHashes::Flagged));
}

#[test]
fn the_serve_table_is_kept_as_written() {
    let c = Config::from_toml(
        "[serve]\nlisten = \"127.0.0.1:3310\"\nworkers = 4\n[serve.tls]\ncert = \"a.pem\"\n",
        "t.toml",
    )
    .unwrap();
    assert_eq!(c.serve["listen"].as_str(), Some("127.0.0.1:3310"));
    assert_eq!(c.serve["workers"].as_integer(), Some(4));
    assert_eq!(c.serve["tls"]["cert"].as_str(), Some("a.pem"));
    assert!(Config::from_toml("", "t.toml").unwrap().serve.is_empty());
}

#[test]
fn what_the_file_leaves_out_the_builder_keeps() {
    let mut b = Engine::builder();
    b.default_rules(false).limits(Limits {
        max_depth: 2,
        ..Limits::default()
    });
    b.config_toml("hashes = \"every\"\n", "t.toml").unwrap();
    let e = b.build().unwrap();
    assert_eq!(e.rule_count(), 0);
    assert_eq!(e.limits().max_depth, 2);
}

#[test]
fn unknown_keys_and_sections_name_their_line() {
    let (line, column, m) =
        error_at("hashes = \"every\"\n\n[limits]\nmax_depth = 3\nmax_deepness = 4\n");
    assert_eq!((line, column), (5, 1), "{m}");
    assert!(m.contains("max_deepness"), "{m}");
    let (line, _, m) = error_at("[rules]\nbuiltin = true\n\n[scanning]\nthreads = 2\n");
    assert_eq!(line, 4, "{m}");
    let (line, _, m) = error_at("passwords = []\ncolour = \"blue\"\n");
    assert_eq!(line, 2, "{m}");
    let (line, _, m) = error_at("[rules]\nbuiltin = true\nfolders = [\"x\"]\n");
    assert_eq!(line, 3, "{m}");
}

#[test]
fn bad_values_name_their_line_and_column() {
    let (line, column, m) = error_at("[limits]\nmax_depth = 3\nmax_object_size = \"12Q\"\n");
    assert_eq!((line, column), (3, 19), "{m}");
    assert!(m.contains("max_object_size"), "{m}");
    let (line, _, m) = error_at("[limits]\nmax_total_size = -1\n");
    assert_eq!(line, 2, "{m}");
    let (line, _, m) = error_at("[limits]\n\nmax_time = \"soon\"\n");
    assert_eq!(line, 3, "{m}");
    let (line, _, m) = error_at("[limits]\nmax_depth = \"deep\"\n");
    assert_eq!(line, 2, "{m}");
    let (line, _, m) = error_at("[limits]\nmax_depth = -1\n");
    assert_eq!(line, 2, "{m}");
    let (line, _, m) = error_at("\nhashes = \"some\"\n");
    assert_eq!(line, 2, "{m}");
    let (line, _, m) = error_at("[rules]\nbuiltin = \"yes\"\n");
    assert_eq!(line, 2, "{m}");
    let (line, _, m) = error_at("passwords = \"infected\"\n");
    assert_eq!(line, 1, "{m}");
    // Not TOML at all.
    let (line, _, m) = error_at("[rules]\nbuiltin = true\npaths = [\"a.yar\"\n");
    assert_eq!(line, 3, "{m}");
}

#[test]
fn a_bad_inline_policy_names_the_configurations_line() {
    let text = "hashes = \"every\"\n\n[policy]\nbase = \"default\"\n\n[policy.findings]\n\
                encrypted = \"block\"\n\"no.such.key\" = \"flag\"\n";
    let (line, _, m) = error_at(text);
    assert_eq!(line, 8, "{m}");
    assert!(m.contains("no.such.key"), "{m}");
    let (line, _, m) = error_at("[policy]\nbase = \"lenient\"\n");
    assert_eq!(line, 2, "{m}");
    let (line, _, m) = error_at("[policy.types]\nexecutable = \"block\"\nscript = \"sometimes\"\n");
    assert_eq!(line, 3, "{m}");
    let (line, _, m) =
        error_at("[policy]\n[policy.signatures]\nblock_at = \"high\"\nflag = \"low\"\n");
    assert_eq!(line, 4, "{m}");
    let (line, _, m) = error_at("[policy]\nfile = \"p.toml\"\n[policy.types]\nimage = \"block\"\n");
    assert_eq!(line, 3, "{m}");
    assert!(m.contains("either"), "{m}");
    let (line, _, m) = error_at("\npolicy = \"p.toml\"\n");
    assert_eq!(line, 2, "{m}");
    // The error says which file, line and column.
    let err = Config::from_toml("[policy]\nbase = \"lenient\"\n", "conf/xferscan.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("conf/xferscan.toml") && err.contains("line 2, column 8"),
        "{err}"
    );
}

#[test]
fn sizes_and_durations_parse() {
    for (text, want) in [
        ("0", 0),
        ("512", 512),
        ("512K", 512 << 10),
        ("512k", 512 << 10),
        ("100M", 100 << 20),
        ("100MB", 100 << 20),
        ("100 MiB", 100 << 20),
        ("2G", 2 << 30),
        ("2gib", 2 << 30),
        ("1T", 1 << 40),
        ("64B", 64),
        (" 7 ", 7),
    ] {
        assert_eq!(parse_size(text), Some(want), "{text:?}");
    }
    for text in [
        "",
        "M",
        "-1",
        "1.5G",
        "12Q",
        "100 M B",
        "99999999999999999999",
        "17179869184G",
    ] {
        assert_eq!(parse_size(text), None, "{text:?}");
    }
    for (text, want) in [
        ("120", Duration::from_secs(120)),
        ("120s", Duration::from_secs(120)),
        ("2m", Duration::from_secs(120)),
        ("2min", Duration::from_secs(120)),
        ("1h", Duration::from_secs(3600)),
        ("500ms", Duration::from_millis(500)),
    ] {
        assert_eq!(parse_duration(text), Some(want), "{text:?}");
    }
    for text in ["", "s", "soon", "1.5s", "-3s", "2d"] {
        assert_eq!(parse_duration(text), None, "{text:?}");
    }
    // Integers in the file are bytes and seconds.
    let c = Config::from_toml(
        "[limits]\nmax_object_size = 4096\nmax_total_size = \"512K\"\nmax_time = 30\n",
        "t.toml",
    )
    .unwrap();
    let l = c.limits.unwrap();
    assert_eq!(
        (l.max_object_bytes, l.max_total_bytes, l.max_time),
        (4096, 512 << 10, Duration::from_secs(30))
    );
}

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/xferscan.example.toml");

#[test]
fn the_example_file_is_the_defaults_written_out() {
    let c = Config::from_path(EXAMPLE).unwrap();
    assert_eq!(c.builtin_rules, Some(true));
    assert!(c.rule_paths.is_empty());
    assert_eq!(c.limits, Some(Limits::default()));
    assert_eq!(c.policy, Some(Policy::default()));
    assert_eq!(
        c.passwords.as_deref(),
        Some(
            &xferscan::DEFAULT_PASSWORDS
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()[..]
        )
    );
    assert_eq!(c.hashes, Some(ObjectHashes::default()));
    // The daemon's own tests check that [serve] is its defaults.
    assert!(c.serve.contains_key("workers"));
    let e = Engine::builder()
        .config_path(EXAMPLE)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(e.limits(), &Limits::default());
    assert_eq!(e.policy(), &Policy::default());
    assert_eq!(e.rule_count(), engine().rule_count());
}

#[test]
fn the_readme_shows_the_example_file() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let example = std::fs::read_to_string(EXAMPLE).unwrap();
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .expect("README has a Configuration section");
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```\n").next())
        .expect("the section has a toml block");
    assert_eq!(
        block, example,
        "README's Configuration example differs from xferscan.example.toml"
    );
}

/// The command, where this build has it (the `cli` feature).
fn command() -> Option<std::process::Command> {
    option_env!("CARGO_BIN_EXE_xferscan").map(std::process::Command::new)
}

#[test]
fn the_command_reads_the_file_and_its_flags_win() {
    // Without the `cli` feature there is no command to run.
    let Some(_) = command() else { return };
    let dir = TempDir::new("command");
    let cfg = dir.write(
        "xferscan.toml",
        "hashes = \"every\"\n[rules]\nbuiltin = false\n[limits]\nmax_object_size = \"1K\"\n",
    );
    // What unpacking produces keeps to the object size limit.
    let input = dir.0.join("data.gz");
    std::fs::write(&input, gzip(&[b'x'; 4096])).unwrap();
    let run = |extra: &[&str]| {
        let out = command()
            .unwrap()
            .args(["scan", "--json", "--config"])
            .arg(&cfg)
            .args(extra)
            .arg(&input)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        report
    };
    let r = run(&[]);
    assert_eq!(r["objects"][1]["size"], 1024);
    assert!(r["objects"][0]["sha256"].is_string(), "{r}");
    let r = run(&["--max-object-size", "2K", "--sha256", "none"]);
    assert_eq!(r["objects"][1]["size"], 2048);
    assert!(r["objects"][0].get("sha256").is_none(), "{r}");

    // A bad file: status 2, and the file and line on standard error.
    let bad = dir.write("bad.toml", "[limits]\nmax_depth = 3\nmax_dept = 4\n");
    let out = command()
        .unwrap()
        .args(["scan", "--config"])
        .arg(&bad)
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("line 3"), "{err}");
}

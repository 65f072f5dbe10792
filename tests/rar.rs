//! RAR 4 and RAR 5: stored entries scanned (in folders too), and what
//! cannot be read (compressed, encrypted entries or headers, other volumes)
//! said, never passed as clean.

use crate::rar_writer::{RarOptions, block4, rar4, rar5};
use crate::util::*;
use xferscan::Verdict;

type Writer = fn(&[(&str, &[u8])], RarOptions) -> Vec<u8>;
const WRITERS: [(&str, Writer); 2] = [("rar4", rar4), ("rar5", rar5)];

#[test]
fn eicar_in_a_stored_entry_is_found_in_a_subfolder() {
    let e = eicar();
    for (v, w) in WRITERS {
        let a = w(
            &[("readme.txt", b"hello"), ("docs/sub/e.com", &e)],
            RarOptions::default(),
        );
        let r = scan("files.rar", a);
        assert!(found_eicar(&r), "{v}: {:?}", keys(&r));
        let (path, _) = deepest(&r);
        assert_eq!(path.name(), "docs/sub/e.com", "{v}");
        assert!(!has_key(&r, "unscannable.unsupported_format"), "{v}");
    }
}

#[test]
fn a_rar_of_text_files_is_clean() {
    for (v, w) in WRITERS {
        let a = w(
            &[("a.txt", b"alpha"), ("notes/b.txt", b"beta")],
            RarOptions::default(),
        );
        let r = scan("clean.rar", a);
        assert_clean(&r);
        assert_eq!(r.objects.len(), 3, "{v}");
        assert!(r.findings.is_empty(), "{v}: {:?}", keys(&r));
    }
}

#[test]
fn encrypted_entries_are_flagged_never_clean() {
    let e = eicar();
    for (v, w) in WRITERS {
        let a = w(
            &[("e.txt", &e)],
            RarOptions {
                encrypted: true,
                ..RarOptions::default()
            },
        );
        let r = scan("enc.rar", a);
        assert!(has_key(&r, "encrypted"), "{v}: {:?}", keys(&r));
        assert_ne!(r.verdict, Verdict::Clean, "{v}");
        // An encrypted entry's bytes are not handed on as its content.
        assert_eq!(r.objects.len(), 1, "{v}");
    }
}

#[test]
fn encrypted_headers_are_said_as_such() {
    for (v, w) in WRITERS {
        let a = w(
            &[("e.txt", b"x")],
            RarOptions {
                encrypted_headers: true,
                ..RarOptions::default()
            },
        );
        let r = scan("hidden.rar", a);
        assert!(has_key(&r, "encrypted.headers"), "{v}: {:?}", keys(&r));
        assert_ne!(r.verdict, Verdict::Clean, "{v}");
    }
}

#[test]
fn the_first_volume_alone_is_scanned_and_the_rest_said_missing() {
    let e = eicar();
    for (v, w) in WRITERS {
        let a = w(
            &[("e.com", &e), ("big.bin", b"the first part of it")],
            RarOptions {
                volume: true,
                last_split: true,
                ..RarOptions::default()
            },
        );
        let r = scan("set.part1.rar", a);
        assert!(found_eicar(&r), "{v}: {:?}", keys(&r));
        assert!(
            has_key(&r, "unscannable.missing_volume"),
            "{v}: {:?}",
            keys(&r)
        );
        // What the volume holds of the split entry is scanned too.
        assert!(r.objects.iter().any(|o| o.path.name() == "big.bin"), "{v}");
    }
}

#[test]
fn compressed_entries_that_cannot_be_decoded_are_never_clean() {
    for (v, w) in WRITERS {
        let a = w(
            &[("a.txt", b"not really compressed")],
            RarOptions {
                method: 3,
                ..RarOptions::default()
            },
        );
        let r = scan("packed.rar", a);
        // Without unrar, an unsupported method; with it, bytes that do
        // not decode as the method claims: malformed.
        let key = if cfg!(feature = "rar") {
            "unscannable.malformed"
        } else {
            "unscannable.unsupported_method"
        };
        assert!(has_key(&r, key), "{v}: {:?}", keys(&r));
        assert_ne!(r.verdict, Verdict::Clean, "{v}");
    }
}

#[test]
fn a_cut_archive_scans_what_is_there() {
    let e = eicar();
    for (v, w) in WRITERS {
        let a = w(
            &[("e.com", &e), ("after.txt", b"the entry after it")],
            RarOptions::default(),
        );
        let cut = a[..a.len() - 30].to_vec();
        let r = scan("cut.rar", cut);
        assert!(found_eicar(&r), "{v}: {:?}", keys(&r));
        assert!(has_key(&r, "unscannable.malformed"), "{v}: {:?}", keys(&r));
    }
}

#[test]
fn a_stored_entry_whose_bytes_changed_is_a_checksum_mismatch() {
    for (v, w) in WRITERS {
        let mut a = w(&[("a.txt", b"alpha")], RarOptions::default());
        let at = a
            .windows(5)
            .position(|x| x == b"alpha")
            .expect("the stored bytes");
        a[at] = b'A';
        let r = scan("changed.rar", a);
        assert!(
            has_key(&r, "container.checksum_mismatch"),
            "{v}: {:?}",
            keys(&r)
        );
    }
}

/// The archives of `tests/data/rar/` (see its README).
#[cfg(feature = "rar")]
fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/rar/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[cfg(feature = "rar")]
#[test]
fn compressed_entries_are_decoded_by_unrar() {
    for (file, inner) in [("version.rar", "VERSION"), ("solid.rar", ".gitignore")] {
        let r = scan(file, data(file));
        assert!(
            r.objects
                .iter()
                .any(|o| o.path.name() == inner && o.size > 0),
            "{file}: {:?} {:?}",
            r.objects
                .iter()
                .map(|o| o.path.to_string())
                .collect::<Vec<_>>(),
            keys(&r)
        );
        assert!(r.findings.is_empty(), "{file}: {:?}", keys(&r));
        assert_clean(&r);
    }
}

#[cfg(feature = "rar")]
#[test]
fn an_encrypted_entry_opens_with_a_candidate_password() {
    let without = scan("crypted.rar", data("crypted.rar"));
    assert!(has_key(&without, "encrypted"), "{:?}", keys(&without));
    assert_eq!(without.objects.len(), 1);
    let engine = xferscan::Engine::builder()
        .passwords(["wrong", "unrar"])
        .build()
        .unwrap();
    let r = engine.scan_bytes("crypted.rar", data("crypted.rar"));
    let opened = r.findings.iter().any(|f| {
        matches!(
            &f.kind,
            xferscan::FindingKind::Encrypted {
                decrypted: true,
                ..
            }
        )
    });
    assert!(opened, "{:?}", keys(&r));
    let inner = r
        .objects
        .iter()
        .find(|o| o.path.name() == ".gitignore")
        .expect("the decrypted entry");
    assert_eq!(inner.size, "target\nCargo.lock\n".len() as u64);
}

#[cfg(feature = "rar")]
#[test]
fn encrypted_headers_open_with_a_candidate_password() {
    let engine = xferscan::Engine::builder()
        .passwords(["wrong"])
        .build()
        .unwrap();
    let r = engine.scan_bytes("hpw.rar", data("comment-hpw-password.rar"));
    assert!(has_key(&r, "encrypted.headers"), "{:?}", keys(&r));
    assert_ne!(r.verdict, Verdict::Clean);
    assert_eq!(r.objects.len(), 1);
    // "password" is among the built-in candidates.
    let r = scan("hpw.rar", data("comment-hpw-password.rar"));
    assert!(
        r.objects.iter().any(|o| o.path.name() == ".gitignore"),
        "{:?}",
        keys(&r)
    );
    let opened = r.findings.iter().any(|f| {
        matches!(
            &f.kind,
            xferscan::FindingKind::EncryptedHeaders {
                decrypted: true,
                ..
            }
        )
    });
    assert!(opened, "{:?}", keys(&r));
}

/// `copy /b photo.jpg + a.rar`: 7-Zip and WinRAR open the picture as the
/// archive by its signature, so the archive is read behind the picture.
#[test]
fn a_rar_glued_behind_a_picture_is_opened() {
    for (v, w) in WRITERS {
        for picture in [tiny_jpeg(), tiny_png()] {
            let mut f = picture;
            f.extend(w(
                &[("invoice.js", b"WScript.Echo(1);")],
                RarOptions::default(),
            ));
            let r = scan("photo.jpg", f);
            assert!(has_key(&r, "type.polyglot"), "{v}: {:?}", keys(&r));
            assert!(
                r.objects.iter().any(|o| o.path.name() == "invoice.js"),
                "{v}"
            );
            assert_eq!(r.verdict, Verdict::Malicious, "{v}");
        }
    }
}

/// A recovery record (0x78) without LONG_BLOCK: unrar and WinRAR skip its
/// data size whatever the flag says, readers that go by the flag do not.
/// Here the record's data covers the header of a stored decoy, so unrar
/// reads the file inside the decoy's data, under the same name.
#[test]
fn a_block_sized_apart_is_read_as_unrar_reads_it_and_said() {
    let body: &[u8] = b"Set sh = CreateObject(\"WScript.Shell\")\r\n";
    let inner = rar4(&[("notes.txt", body)], RarOptions::default());
    // Its file header and data: past the signature (7) and the main
    // header (13), before the end block (7).
    let hidden = &inner[20..inner.len() - 7];
    let outer = rar4(&[("notes.txt", hidden)], RarOptions::default());
    let decoy_header = outer.len() - 20 - hidden.len() - 7;
    let mut record = (decoy_header as u32).to_le_bytes().to_vec();
    record.extend([0u8; 15]);
    let mut a = outer[..20].to_vec();
    a.extend(block4(0x78, 0, &record));
    a.extend(&outer[20..]);
    let r = scan("files.rar", a);
    assert!(has_key(&r, "unscannable.malformed"), "{:?}", keys(&r));
    assert!(
        r.objects
            .iter()
            .any(|o| o.path.name() == "notes.txt" && o.size == body.len() as u64),
        "{:?}",
        r.objects
            .iter()
            .map(|o| (o.path.name(), o.size))
            .collect::<Vec<_>>()
    );
}

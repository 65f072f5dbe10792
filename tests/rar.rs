//! RAR 4 and RAR 5: stored entries scanned (in folders too), and what
//! cannot be read (compressed, encrypted entries or headers, other volumes)
//! said, never passed as clean.

use crate::rar_writer::{RarOptions, rar4, rar5};
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
fn compressed_entries_are_an_unsupported_method() {
    for (v, w) in WRITERS {
        let a = w(
            &[("a.txt", b"not really compressed")],
            RarOptions {
                method: 3,
                ..RarOptions::default()
            },
        );
        let r = scan("packed.rar", a);
        assert!(
            has_key(&r, "unscannable.unsupported_method"),
            "{v}: {:?}",
            keys(&r)
        );
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

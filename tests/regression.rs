//! Regressions, each named after what it once did wrong, with where it
//! was found.

use crate::util::*;

/// Found by fuzz/archive_structured: a zip whose first KiB holds `%PDF-`
/// (in an entry's stored content) was typed as a PDF and never unpacked, so
/// the EICAR in its other entry was missed. A zip that also reads as a PDF
/// is both; the zip is unpacked.
#[test]
fn zip_with_a_pdf_marker_in_its_first_kib_is_still_unpacked() {
    let z = zip_of(
        &[("a.pdf", b"%PDF-1.4 tiny"), ("e.txt", &eicar())],
        Method::Stored,
    );
    let r = scan("fuzz.zip", z.clone());
    assert!(found_eicar(&r), "{:?}", keys(&r));
    let r = scan(
        "fuzz.zip",
        zip_of(
            &[("a.pdf", b"%PDF-1.4 tiny"), ("e.txt", &eicar())],
            Method::Deflated,
        ),
    );
    assert!(found_eicar(&r), "{:?}", keys(&r));
}

//! OpenDocument packages saved with a password: their entries are
//! unpacked as any zip's, and each one the manifest says is encrypted is
//! a finding ([`crate::format::odf`]): its bytes are ciphertext, never a
//! clean document. Read in every zip that has the manifest, whatever its
//! `mimetype` or name says. Decryption (PBKDF2 and AES-256, or Blowfish in
//! old documents) is not done: such a document stays encrypted.

use super::Unpacked;
use crate::finding::FindingKind;
use crate::format::odf;

/// Adds a finding for each entry the package's manifest says is
/// encrypted.
pub(crate) fn encryption(out: &mut Unpacked) {
    let Some(manifest) = out.children.iter().find(|c| {
        c.name
            .trim_start_matches('/')
            .eq_ignore_ascii_case(odf::MANIFEST)
    }) else {
        return;
    };
    let found: Vec<FindingKind> = odf::encrypted_entries(&manifest.data)
        .into_iter()
        .map(|e| FindingKind::Encrypted {
            entry: e.path,
            method: format!("odf-{}", e.algorithm),
            decrypted: false,
        })
        .collect();
    out.findings.extend(found);
}

//! CMS (PKCS #7) messages, S/MIME's bodies: the content of a signed one is
//! a child (a MIME entity, which the engine reads as a message), and an
//! encrypted one is said to be encrypted: it cannot be read without its
//! recipient's key.

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::cms::{self, Cms};
use crate::report::Origin;

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    match cms::read(data) {
        Some(Cms::Signed(content)) => {
            out.push_drained(
                "<signed content>".to_owned(),
                Origin::Decoded,
                ctx.budget.take(content),
            );
        }
        Some(Cms::Encrypted(kind)) => out.findings.push(FindingKind::Encrypted {
            entry: "<pkcs7>".into(),
            method: format!("cms {kind}"),
            decrypted: false,
        }),
        Some(Cms::Malformed(detail)) => out.findings.push(FindingKind::Malformed {
            detail: format!("pkcs7: {detail}"),
        }),
        Some(Cms::Detached) | None => {}
    }
    out
}

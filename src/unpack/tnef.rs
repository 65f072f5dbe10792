//! TNEF (`winmail.dat`): Outlook's wrapping of a message's attachments and
//! rich body, read by `format::tnef`. Every attachment is a child, named by
//! its long file name with its other names (the title, the 8.3 name) beside
//! it; an embedded message is a child that is a TNEF stream of its own; the
//! body is a child as text, as HTML and as RTF (decompressed), where RTF
//! carries embedded objects. Other byte-string properties of some size are
//! scanned too, so that nothing Outlook could open is left unread.

use std::ops::Range;

use bytes::Bytes;

use super::{Ctx, Unpacked};
use crate::finding::FindingKind;
use crate::format::tnef::{
    self, PT_BINARY, PT_OBJECT, PT_STRING8, PT_UNICODE, Rtf, Value, att, prop,
};
use crate::limits::LimitKind;
use crate::report::Origin;

/// At most this many byte strings are kept as one attachment's data: a
/// property list can repeat PR_ATTACH_DATA_OBJ in thousands of values, and
/// each is compared with those kept before it.
const MAX_ATTACHMENT_PARTS: usize = 64;

/// Byte-string properties shorter than this are identifiers and flags,
/// not content; longer ones that no rule here names are scanned as they
/// are.
const OTHER_PROPERTY_MIN: usize = 256;

/// An attachment as its attributes describe it.
#[derive(Default)]
struct Attachment {
    title: Option<String>,
    long_name: Option<String>,
    short_name: Option<String>,
    display_name: Option<String>,
    /// Its bytes, and those of embedded messages (label, range).
    data: Vec<(&'static str, Range<usize>)>,
    /// Parts past [`MAX_ATTACHMENT_PARTS`], not scanned on their own.
    dropped: usize,
}

impl Attachment {
    /// Keeps a part of the attachment's data, or counts it as dropped.
    fn keep(&mut self, label: &'static str, range: Range<usize>) {
        if self.data.len() < MAX_ATTACHMENT_PARTS {
            self.data.push((label, range));
        } else {
            self.dropped += 1;
        }
    }
}

pub(crate) fn unpack(data: &Bytes, ctx: &mut Ctx<'_>) -> Unpacked {
    let mut out = Unpacked::default();
    let mut current: Option<Attachment> = None;
    let mut bad_sums = 0usize;
    let mut index = 0usize;
    for a in tnef::attributes(data) {
        let a = match a {
            Ok(a) => a,
            Err(e) => {
                out.findings.push(FindingKind::Malformed {
                    detail: e.to_string(),
                });
                break;
            }
        };
        if !a.checksum_ok {
            bad_sums += 1;
        }
        let body = &data[a.data.clone()];
        match (a.level, a.id) {
            (_, att::ATTACH_REND_DATA) => {
                if let Some(done) = current.take() {
                    emit(done, &mut index, data, ctx, &mut out);
                }
                current = Some(Attachment::default());
            }
            (2, att::ATTACH_TITLE) => {
                let t = current.get_or_insert_with(Attachment::default);
                t.title = Some(text8(body));
            }
            (2, att::ATTACH_DATA) => {
                current
                    .get_or_insert_with(Attachment::default)
                    .keep("", a.data.clone());
            }
            (2, att::ATTACHMENT) => {
                let t = current.get_or_insert_with(Attachment::default);
                let base = a.data.start;
                let r = tnef::mapi_values(body, |v| {
                    attachment_property(t, &v, base, data, &mut out, ctx);
                });
                if let Err(e) = r {
                    out.findings.push(FindingKind::Malformed {
                        detail: e.to_string(),
                    });
                }
            }
            (1, att::BODY) => {
                push(&mut out, ctx, "<body.txt>", data, a.data.clone());
            }
            (1, att::MAPI_PROPS) => {
                let base = a.data.start;
                let r =
                    tnef::mapi_values(body, |v| message_property(&v, base, data, &mut out, ctx));
                if let Err(e) = r {
                    out.findings.push(FindingKind::Malformed {
                        detail: e.to_string(),
                    });
                }
            }
            _ => {}
        }
    }
    if let Some(done) = current.take() {
        emit(done, &mut index, data, ctx, &mut out);
    }
    if bad_sums > 0 {
        out.findings.push(FindingKind::Malformed {
            detail: format!(
                "{bad_sums} TNEF attribute(s) whose checksum does not match their data"
            ),
        });
    }
    out
}

/// Reads a property of an attachment: its names and its bytes.
fn attachment_property(
    t: &mut Attachment,
    v: &Value,
    base: usize,
    data: &Bytes,
    out: &mut Unpacked,
    ctx: &mut Ctx<'_>,
) {
    let range = base + v.data.start..base + v.data.end;
    let bytes = &data[range.clone()];
    let name = || match v.ty {
        PT_UNICODE => Some(text16(bytes)),
        PT_STRING8 => Some(text8(bytes)),
        _ => None,
    };
    match v.id {
        prop::ATTACH_LONG_FILENAME => t.long_name = name().or(t.long_name.take()),
        prop::ATTACH_FILENAME => t.short_name = name().or(t.short_name.take()),
        prop::DISPLAY_NAME => t.display_name = name().or(t.display_name.take()),
        prop::ATTACH_DATA_OBJ if v.ty == PT_OBJECT => {
            // An interface identifier (IID_IMessage for a message, which
            // is a TNEF stream of its own; IID_IStorage for OLE), then the
            // object.
            if range.len() > 16 {
                t.keep("<embedded object>", range.start + 16..range.end);
            }
        }
        prop::ATTACH_DATA_OBJ if v.ty == PT_BINARY => {
            // Usually the same bytes as the attachment's data attribute:
            // scanned once (a second reading only when they differ; the
            // parts kept are few, so the comparison is bounded).
            if !t.data.iter().any(|(_, r)| data[r.clone()] == *bytes) {
                t.keep("", range);
            }
        }
        _ => other_property(v, range, data, out, ctx),
    }
}

/// Reads a property of the message: its body in HTML or RTF, and any other
/// long byte string.
fn message_property(v: &Value, base: usize, data: &Bytes, out: &mut Unpacked, ctx: &mut Ctx<'_>) {
    let range = base + v.data.start..base + v.data.end;
    match v.id {
        prop::BODY_HTML => push(out, ctx, "<body.html>", data, range),
        prop::RTF_COMPRESSED => {
            let cap = usize::try_from(ctx.budget.limits().max_object_bytes).unwrap_or(usize::MAX);
            let mut rtf = Vec::new();
            let how = tnef::decompress_rtf(&data[range.clone()], &mut rtf, cap);
            let drained = ctx.budget.take(rtf);
            out.push_drained("<body.rtf>".into(), Origin::Decoded, drained);
            match how {
                Rtf::Done => {}
                Rtf::Cut => out.findings.push(FindingKind::Limit {
                    limit: LimitKind::ObjectSize,
                    detail: "the compressed RTF body was decoded up to an object's limit".into(),
                }),
                Rtf::Broken(what) => {
                    out.findings.push(FindingKind::Malformed {
                        detail: format!("compressed RTF body: {what}"),
                    });
                    // Read as it is as well: its literals are most of it.
                    push(out, ctx, "<body.rtf, compressed>", data, range);
                }
            }
        }
        _ => other_property(v, range, data, out, ctx),
    }
}

fn other_property(
    v: &Value,
    range: Range<usize>,
    data: &Bytes,
    out: &mut Unpacked,
    ctx: &mut Ctx<'_>,
) {
    if range.len() >= OTHER_PROPERTY_MIN {
        let label = format!("<MAPI property {:#06x}>", v.id);
        let range = if v.ty == PT_OBJECT && range.len() > 16 {
            range.start + 16..range.end
        } else {
            range
        };
        push(out, ctx, &label, data, range);
    }
}

/// One attachment's children: its bytes under its long name, with its
/// other names beside it.
fn emit(t: Attachment, index: &mut usize, data: &Bytes, ctx: &mut Ctx<'_>, out: &mut Unpacked) {
    *index += 1;
    let mut names: Vec<String> = Vec::new();
    for n in [t.long_name, t.title, t.short_name, t.display_name]
        .into_iter()
        .flatten()
    {
        if !n.is_empty() && !names.contains(&n) {
            names.push(n);
        }
    }
    let (name, origin) = if names.is_empty() {
        (format!("<attachment {index}>"), Origin::Decoded)
    } else {
        (names.remove(0), Origin::Entry)
    };
    if t.dropped > 0 {
        out.findings.push(FindingKind::Limit {
            limit: LimitKind::Objects,
            detail: format!(
                "{name:?}: {} data parts past the first {MAX_ATTACHMENT_PARTS} were not scanned on their own",
                t.dropped
            ),
        });
    }
    for (label, range) in t.data {
        if ctx.budget.objects_left() == 0 {
            out.entries_cut(out.children.len());
            return;
        }
        let child_name = if label.is_empty() {
            name.clone()
        } else {
            format!("{name} {label}")
        };
        let origin = if label.is_empty() {
            origin
        } else {
            Origin::Decoded
        };
        let before = out.children.len();
        out.push_slice(child_name, origin, data.slice(range), ctx.budget);
        if out.children.len() > before
            && let Some(c) = out.children.last_mut()
        {
            c.alt_names.clone_from(&names);
        }
    }
}

/// A part of the stream as a child: the body, a long property. A stream
/// can hold a property for every 256 bytes: past the object budget the
/// rest are one limit finding, not children.
fn push(out: &mut Unpacked, ctx: &mut Ctx<'_>, label: &str, data: &Bytes, range: Range<usize>) {
    if range.is_empty() {
        return;
    }
    if out.children.len() as u64 >= ctx.budget.objects_left() {
        if !out.findings.iter().any(|f| {
            matches!(
                f,
                FindingKind::Limit {
                    limit: LimitKind::Objects,
                    ..
                }
            )
        }) {
            out.entries_cut(out.children.len());
        }
        return;
    }
    let origin = Origin::Carved {
        offset: range.start as u64,
    };
    out.push_slice(label.into(), origin, data.slice(range), ctx.budget);
}

/// An 8-bit string (the code page is not known here): up to its NUL.
fn text8(b: &[u8]) -> String {
    let end = memchr::memchr(0, b).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// A UTF-16LE string: up to its NUL.
fn text16(b: &[u8]) -> String {
    let mut s = crate::format::utf16::decode(b, false);
    s.truncate(s.find('\0').unwrap_or(s.len()));
    s
}

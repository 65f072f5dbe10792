//! PowerPoint 97-2003's `PowerPoint Document` stream ([MS-PPT] 2.3): a
//! tree of records, each an 8-byte header (version and instance, type,
//! length) and a body, a container's body being more records. The VBA
//! project and every embedded OLE object are not storages of the outer
//! compound file, as in Word and Excel, but compound files of their own in
//! `ExOleObjStg` atoms (type `0x1011`), zlib-compressed when the atom's
//! instance is 1. This reader finds them; the unpacker inflates them.
//!
//! Pure: spans of the stream. The walk visits each record once (linear in
//! the stream), descends at most [`MAX_DEPTH`] containers, and a record
//! that runs past its container ends that container's walk.

use std::ops::Range;

/// Containers nested deeper than this are not entered.
pub(crate) const MAX_DEPTH: usize = 32;

/// The record type of an `ExOleObjStg` atom (an OLE object's or the VBA
/// project's storage).
const EX_OLE_OBJ_STG: u16 = 0x1011;

/// One storage atom's body.
#[derive(Debug, PartialEq)]
pub(crate) struct Storage {
    /// The body: for a compressed one, the 4-byte size it declares, then a
    /// zlib stream.
    pub body: Range<usize>,
    pub compressed: bool,
}

/// What the walk found.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Walked {
    pub storages: Vec<Storage>,
    /// A record runs past its container, or the stream ends inside a
    /// header: the first such offset.
    pub broken_at: Option<usize>,
    /// Containers deeper than [`MAX_DEPTH`] were skipped.
    pub too_deep: bool,
    /// The walk stopped at `max` storages.
    pub cut: bool,
}

/// The storage atoms of a `PowerPoint Document` stream, at most `max`.
pub(crate) fn storages(s: &[u8], max: usize) -> Walked {
    let mut out = Walked::default();
    // The ends of the containers the walk is in, the stream's first.
    let mut ends = vec![s.len()];
    let mut at = 0;
    while let Some(&end) = ends.last() {
        if at >= end {
            at = end;
            ends.pop();
            continue;
        }
        let header = match s.get(at..at + 8).filter(|_| at + 8 <= end) {
            Some(h) => h,
            None => {
                out.broken_at.get_or_insert(at);
                at = end;
                continue;
            }
        };
        let ver_instance = u16::from_le_bytes([header[0], header[1]]);
        let ty = u16::from_le_bytes([header[2], header[3]]);
        let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let body = at + 8;
        let Some(record_end) = body.checked_add(len).filter(|&e| e <= end) else {
            out.broken_at.get_or_insert(at);
            at = end;
            continue;
        };
        if ver_instance & 0x000f == 0x000f {
            if ends.len() > MAX_DEPTH {
                out.too_deep = true;
                at = record_end;
            } else {
                ends.push(record_end);
                at = body;
            }
            continue;
        }
        if ty == EX_OLE_OBJ_STG {
            if out.storages.len() >= max {
                out.cut = true;
                break;
            }
            out.storages.push(Storage {
                body: body..record_end,
                compressed: ver_instance >> 4 == 1,
            });
        }
        at = record_end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(ver: u16, instance: u16, ty: u16, body: &[u8]) -> Vec<u8> {
        let mut r = (ver | instance << 4).to_le_bytes().to_vec();
        r.extend(ty.to_le_bytes());
        r.extend((body.len() as u32).to_le_bytes());
        r.extend(body);
        r
    }

    #[test]
    fn storages_at_the_top_and_inside_containers() {
        let mut s = record(0, 0, 0x0ff5, &[1, 2, 3, 4]);
        let plain = s.len() + 8;
        s.extend(record(0, 0, 0x1011, b"plain"));
        let mut inner = record(0, 0, 0x03e8, &[0; 4]);
        inner.extend(record(0, 1, 0x1011, b"\x10\0\0\0zz"));
        let container_at = s.len();
        s.extend(record(0xf, 0, 0x03e8, &inner));
        let packed = container_at + 8 + 12 + 8;
        let w = storages(&s, 10);
        assert_eq!(
            w.storages,
            vec![
                Storage {
                    body: plain..plain + 5,
                    compressed: false
                },
                Storage {
                    body: packed..packed + 6,
                    compressed: true
                },
            ]
        );
        assert_eq!(w.broken_at, None);
        assert_eq!(storages(&s, 1).storages.len(), 1);
        assert!(storages(&s, 1).cut);
    }

    #[test]
    fn a_record_past_its_container_ends_the_container() {
        let mut inner = record(0, 0, 0x1011, b"ok");
        inner.extend([0, 0, 0x11, 0x10, 0xff, 0, 0, 0]);
        let mut s = record(0xf, 0, 0x03e8, &inner);
        s.extend(record(0, 0, 0x1011, b"after"));
        let w = storages(&s, 10);
        assert_eq!(w.storages.len(), 2);
        assert_eq!(w.broken_at, Some(8 + 10));
        // Nesting past the bound is skipped, not followed.
        let mut deep = record(0, 0, 0x1011, b"x");
        for _ in 0..40 {
            deep = record(0xf, 0, 0x03e8, &deep);
        }
        let w = storages(&deep, 10);
        assert!(w.too_deep);
        assert!(w.storages.is_empty());
    }
}

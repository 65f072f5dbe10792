#![no_main]
//! Structure-aware: the fuzzer describes an archive (entries, names,
//! methods, nesting, and lies told in its headers); the description is
//! written out with the tests' zip writer, EICAR goes into one entry, and
//! the scan must find it or say why it could not (a limit or an
//! ambiguity, never a clean).

#[path = "../../tests/util/mod.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod util;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use util::{Header, Method, ZipWriter};

#[derive(Arbitrary, Debug)]
enum Lie {
    None,
    LocalOnly,
    Descriptor,
    PrependJunk(u8),
    AppendJunk(u8),
}

#[derive(Arbitrary, Debug)]
struct Entry {
    name: String,
    content: Vec<u8>,
    method: u8,
    lie: Lie,
}

#[derive(Arbitrary, Debug)]
struct Archive {
    entries: Vec<Entry>,
    eicar_at: u8,
    nest: u8,
}

fuzz_target!(|a: Archive| {
    if a.entries.is_empty() || a.entries.len() > 40 {
        return;
    }
    let pick = a.eicar_at as usize % a.entries.len();
    let mut z = ZipWriter::new();
    let mut tail = Vec::new();
    for (i, e) in a.entries.iter().enumerate() {
        let content = if i == pick {
            util::eicar()
        } else {
            e.content.iter().take(512).copied().collect()
        };
        let method = [Method::Stored, Method::Deflated, Method::Bzip2][e.method as usize % 3];
        let name = if e.name.is_empty() {
            format!("e{i}")
        } else {
            e.name.chars().take(40).collect()
        };
        match e.lie {
            Lie::None => {
                z.entry(&name, &content, method);
            }
            Lie::Descriptor => {
                z.entry_with_descriptor(&name, &content, method);
            }
            Lie::LocalOnly => {
                let packed = method.compress(&content);
                z.local(&Header::new(&name, method.code(), &content, &packed));
                z.raw(&packed);
            }
            Lie::PrependJunk(n) if i == 0 => {
                z.raw(&vec![n; n as usize]);
                z.entry(&name, &content, method);
            }
            Lie::AppendJunk(n) => {
                tail.extend(std::iter::repeat_n(n, n as usize));
                z.entry(&name, &content, method);
            }
            Lie::PrependJunk(_) => {
                z.entry(&name, &content, method);
            }
        }
    }
    let mut bytes = z.finish();
    bytes.extend(tail);
    let bytes = util::nest(a.nest as usize % 3, "inner.zip", &bytes, Method::Deflated);
    let r = util::engine().scan_bytes("fuzz.zip", bytes);
    assert!(util::found_eicar(&r), "EICAR missed: {:#?}", r.findings);
});

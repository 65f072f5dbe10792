//! Properties over generated inputs: no panic, deterministic reports,
//! limits that hold, archives that give back every entry, and any chunking
//! of a stream giving the same report.

use proptest::prelude::*;

use crate::util::*;
use xferscan::{Engine, Limits, ObjectHashes};

/// An engine whose reports hash every object, so that entries can be found
/// by their bytes.
fn hashing() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| engine_hashing(ObjectHashes::Every))
}

fn entries() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    prop::collection::vec(
        (
            "[a-z]{1,8}(/[a-z]{1,8})?\\.(txt|bin|dat)",
            prop::collection::vec(any::<u8>(), 0..300),
        ),
        1..12,
    )
    .prop_map(|v| {
        // Unique names, so that each entry is its own object.
        v.into_iter()
            .enumerate()
            .map(|(i, (n, d))| (format!("{i}-{n}"), d))
            .collect()
    })
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Stored),
        Just(Method::Deflated),
        Just(Method::Bzip2)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn detection_and_scanning_never_panic(data in prop::collection::vec(any::<u8>(), 0..2000)) {
        let r = scan("x", data);
        prop_assert!(!r.objects.is_empty());
    }

    #[test]
    fn mutated_archives_never_panic(es in entries(), m in method(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let refs: Vec<(&str, &[u8])> = es.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let mut z = zip_of(&refs, m);
        for (i, b) in flips {
            let at = i.index(z.len());
            z[at] = b;
        }
        let r = scan("m.zip", z);
        prop_assert!(!r.objects.is_empty());
    }

    #[test]
    fn reports_are_deterministic(es in entries(), m in method()) {
        let refs: Vec<(&str, &[u8])> = es.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let z = zip_of(&refs, m);
        prop_assert_eq!(scan("a.zip", z.clone()), scan("a.zip", z));
    }

    #[test]
    fn zip_unpacking_gives_back_every_entry(es in entries(), m in method()) {
        let refs: Vec<(&str, &[u8])> = es.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let r = hashing().scan_bytes("a.zip", zip_of(&refs, m));
        for (name, data) in &es {
            let want = sha256_hex(data);
            prop_assert!(r.objects.iter().any(|o| o.sha256.as_deref() == Some(want.as_str()) && o.path.name() == name), "{} missing", name);
        }
    }

    #[test]
    fn mail_unpacking_gives_back_every_attachment(
        es in entries(),
        breaks in prop::collection::vec((any::<prop::sample::Index>(), prop_oneof![Just("\r\n"), Just(" ")]), 0..10),
    ) {
        let mut parts = Vec::new();
        for (n, d) in &es {
            let mut body = b64(d);
            for (at, s) in &breaks {
                let at = at.index(body.len() + 1);
                body.splice(at..at, s.bytes());
            }
            let headers = format!(
                "Content-Type: application/octet-stream; name=\"{n}\"\r\nContent-Transfer-Encoding: base64"
            );
            parts.push((headers, body));
        }
        let refs: Vec<(&str, &[u8])> = parts.iter().map(|(h, b)| (h.as_str(), &b[..])).collect();
        let r = hashing().scan_bytes("a.eml", message(&refs));
        for (name, data) in &es {
            let want = sha256_hex(data);
            prop_assert!(r.objects.iter().any(|o| o.sha256.as_deref() == Some(want.as_str()) && o.path.name() == name), "{} missing", name);
        }
    }

    #[test]
    fn tar_unpacking_gives_back_every_entry(es in entries()) {
        let mut t = TarWriter::new();
        for (n, d) in &es {
            t.file(n, d);
        }
        let r = hashing().scan_bytes("a.tar", t.finish());
        for (name, data) in &es {
            let want = sha256_hex(data);
            prop_assert!(r.objects.iter().any(|o| o.sha256.as_deref() == Some(want.as_str()) && o.path.name() == name), "{} missing", name);
        }
    }

    #[test]
    fn eicar_in_any_one_entry_is_found(es in entries(), m in method(), pick in any::<prop::sample::Index>(), deep in 0usize..3) {
        let mut es = es;
        let i = pick.index(es.len());
        es[i].1 = eicar();
        let refs: Vec<(&str, &[u8])> = es.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let z = nest(deep, "wrapped.zip", &zip_of(&refs, m), m);
        prop_assert!(found_eicar(&scan("a.zip", z)));
    }

    #[test]
    fn limits_always_hold(
        es in entries(),
        m in method(),
        depth in 0usize..6,
        max_depth in 0u32..4,
        max_objects in 1u64..8,
        max_object_bytes in 1u64..400,
        max_total_bytes in 0u64..1500,
    ) {
        let refs: Vec<(&str, &[u8])> = es.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let z = nest(depth, "inner.zip", &zip_of(&refs, m), m);
        let limits = Limits { max_depth, max_objects, max_object_bytes, max_total_bytes, ..Limits::default() };
        let e = Engine::builder().default_rules(false).limits(limits.clone()).build().unwrap();
        let r = e.scan_bytes("a.zip", z);
        prop_assert!(r.objects.len() as u64 <= max_objects.max(1));
        prop_assert!(r.objects.iter().all(|o| o.depth <= max_depth));
        // Unpacked objects keep to the object limit; the outer one is
        // scanned whole, in windows when it is larger.
        prop_assert!(r.objects.iter().all(|o| o.depth == 0 || o.size <= max_object_bytes));
        prop_assert_eq!(r.objects[0].windowed, r.objects[0].size > max_object_bytes);
        let produced: u64 = r.objects.iter().filter(|o| o.depth > 0).map(|o| o.size).sum();
        prop_assert!(produced <= max_total_bytes);
    }

    #[test]
    fn any_chunking_of_a_reader_gives_the_same_report(es in entries(), m in method(), cuts in prop::collection::vec(1usize..64, 1..20)) {
        struct Chunks<'a> { data: &'a [u8], cuts: Vec<usize>, i: usize }
        impl std::io::Read for Chunks<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let want = self.cuts[self.i % self.cuts.len()];
                self.i += 1;
                let n = want.min(buf.len()).min(self.data.len());
                buf[..n].copy_from_slice(&self.data[..n]);
                self.data = &self.data[n..];
                Ok(n)
            }
        }
        let refs: Vec<(&str, &[u8])> = es.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let z = zip_of(&refs, m);
        let a = engine().scan_bytes("a.zip", z.clone());
        let b = engine().scan_reader("a.zip", Chunks { data: &z, cuts, i: 0 }).unwrap();
        prop_assert_eq!(a, b);
    }
}

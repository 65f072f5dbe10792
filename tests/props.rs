//! Properties over generated inputs: reports that hold together (a tree of
//! objects, findings tied to them, the verdict their strongest action,
//! limits kept) and come out the same twice, archives that give back every
//! entry, and any chunking of a stream giving the same report.

use proptest::prelude::*;

use crate::util::*;
use xferscan::{Action, Engine, Limits, ObjectHashes, Report, Verdict};

/// What every report holds, whatever the input: `Err` names the broken
/// invariant. `limits` are the engine's.
fn invariants(r: &Report, limits: &Limits) -> Result<(), String> {
    let objects = &r.objects;
    if objects.is_empty() {
        return Err("no object: the outer file is always reported".into());
    }
    if objects.len() as u64 > limits.max_objects.max(1) {
        return Err(format!("{} objects, over max_objects", objects.len()));
    }
    for (i, o) in objects.iter().enumerate() {
        if o.id != i {
            return Err(format!("object {i} has id {}", o.id));
        }
        match o.parent {
            None if i == 0 && o.depth == 0 && o.path.names().len() == 1 => {}
            None => {
                return Err(format!(
                    "object {i} has no parent and is not the outer file"
                ));
            }
            Some(p) if p >= i => {
                return Err(format!("object {i} comes before its parent {p}"));
            }
            Some(p) => {
                let parent = &objects[p];
                if o.depth != parent.depth + 1 {
                    return Err(format!(
                        "object {i} at depth {} under a parent at depth {}",
                        o.depth, parent.depth
                    ));
                }
                let (names, up) = (o.path.names(), parent.path.names());
                if names.len() != up.len() + 1 || !names.starts_with(up) {
                    return Err(format!("object {i}'s path {names:?} is not below {up:?}"));
                }
            }
        }
        if o.depth > limits.max_depth {
            return Err(format!("object {i} at depth {}, over max_depth", o.depth));
        }
        // Unpacked objects keep to the object limit; the outer one is
        // matched whole, in windows past it.
        if o.depth > 0 && o.size > limits.max_object_bytes {
            return Err(format!(
                "object {i} of {} bytes, over max_object_bytes",
                o.size
            ));
        }

        if o.duplicate_of.is_some_and(|d| d >= i) {
            return Err(format!("object {i} duplicates a later object"));
        }
    }
    if let Some(o) = objects.first()
        && o.windowed != (o.size > limits.max_object_bytes)
    {
        return Err(format!(
            "the outer object of {} bytes, windowed {}",
            o.size, o.windowed
        ));
    }
    let unpacked: u64 = objects
        .iter()
        .filter(|o| o.depth > 0 && o.duplicate_of.is_none())
        .map(|o| o.size)
        .sum();
    if unpacked > limits.max_total_bytes {
        return Err(format!("{unpacked} bytes unpacked, over max_total_bytes"));
    }
    for (i, f) in r.findings.iter().enumerate() {
        let Some(o) = objects.get(f.object) else {
            return Err(format!(
                "finding {i} names object {}, which is not there",
                f.object
            ));
        };
        if !f.path.names().starts_with(o.path.names()) {
            return Err(format!(
                "finding {i} at {:?} is not at or below its object {:?}",
                f.path.names(),
                o.path.names()
            ));
        }
    }
    let strongest = r
        .findings
        .iter()
        .map(|f| f.action.verdict())
        .max()
        .unwrap_or(Verdict::Clean);
    // Past the cap on findings, the verdict still counts the ones not listed.
    let cut = r.findings.iter().any(|f| f.kind.key() == "limit.findings");
    if r.verdict != strongest && !(cut && r.verdict > strongest) {
        return Err(format!(
            "verdict {:?}, but the strongest finding is {strongest:?}",
            r.verdict
        ));
    }
    Ok(())
}

/// `invariants`, scanning twice: the same input gives the same report.
fn check(e: &Engine, name: &str, data: Vec<u8>) -> Result<Report, TestCaseError> {
    let r = e.scan_bytes(name, data.clone());
    invariants(&r, e.limits()).map_err(TestCaseError::fail)?;
    prop_assert_eq!(&e.scan_bytes(name, data), &r, "a second scan differs");
    Ok(r)
}

/// A way to break a report, or the limits it is checked against.
type Break = fn(&mut Report, &mut Limits);

/// Each invariant can fail: a real report passes, and every way of
/// breaking it is caught.
#[test]
fn the_invariants_catch_broken_reports() {
    let inner = zip_of(
        &[("e.txt", &eicar()[..]), ("a.txt", b"alpha")],
        Method::Deflated,
    );
    let outer = zip_of(
        &[("inner.zip", &inner[..]), ("copy.zip", &inner[..])],
        Method::Stored,
    );
    let limits = Limits::default();
    let r = scan("outer.zip", outer);
    assert!(r.objects.iter().any(|o| o.depth == 2));
    assert!(r.objects.iter().any(|o| o.duplicate_of.is_some()));
    assert_eq!(invariants(&r, &limits), Ok(()));
    let breaks: Vec<(&str, Break)> = vec![
        ("no object", |r, _| r.objects.clear()),
        ("over max_objects", |r, l| {
            l.max_objects = r.objects.len() as u64 - 1
        }),
        ("has id", |r, _| r.objects[1].id = 2),
        ("no parent", |r, _| r.objects[1].parent = None),
        ("before its parent", |r, _| {
            let last = r.objects.len() - 1;
            r.objects[1].parent = Some(last);
        }),
        ("at depth", |r, _| r.objects[1].depth += 1),
        ("is not below", |r, _| {
            r.objects[1].path = xferscan::ObjectPath::root("x")
        }),
        ("over max_depth", |_, l| l.max_depth = 1),
        ("over max_object_bytes", |r, l| {
            l.max_object_bytes = r.objects[1].size - 1
        }),
        ("duplicates a later", |r, _| {
            let last = r.objects.len() - 1;
            r.objects[1].duplicate_of = Some(last);
        }),
        ("over max_total_bytes", |r, l| {
            let unpacked: u64 = r.objects[1..]
                .iter()
                .filter(|o| o.duplicate_of.is_none())
                .map(|o| o.size)
                .sum();
            l.max_total_bytes = unpacked - 1;
        }),
        ("which is not there", |r, _| {
            r.findings[0].object = r.objects.len()
        }),
        ("not at or below", |r, _| {
            let f = &mut r.findings[0];
            f.path = xferscan::ObjectPath::root("elsewhere");
        }),
        ("strongest finding", |r, _| r.verdict = Verdict::Suspicious),
        ("strongest finding", |r, _| {
            for f in &mut r.findings {
                f.action = Action::Allow;
            }
        }),
    ];
    for (want, break_it) in breaks {
        let (mut r, mut l) = (r.clone(), limits.clone());
        break_it(&mut r, &mut l);
        match invariants(&r, &l) {
            Err(e) => assert!(e.contains(want), "wanted {want:?}, got {e:?}"),
            Ok(()) => panic!("{want:?} was not caught"),
        }
    }
}

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
    fn any_bytes_give_a_consistent_report(data in prop::collection::vec(any::<u8>(), 0..2000)) {
        check(engine(), "x", data)?;
    }

    #[test]
    fn mutated_archives_give_a_consistent_report(es in entries(), m in method(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let refs: Vec<(&str, &[u8])> = es.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let mut z = zip_of(&refs, m);
        for (i, b) in flips {
            let at = i.index(z.len());
            z[at] = b;
        }
        check(engine(), "m.zip", z)?;
    }

    #[test]
    fn nested_archives_give_a_consistent_report(es in entries(), m in method(), deep in 0usize..3, eicar_at in prop::option::of(any::<prop::sample::Index>())) {
        let mut es = es;
        if let Some(i) = eicar_at {
            let i = i.index(es.len());
            es[i].1 = eicar();
        }
        // The same archive twice inside, so that duplicates are reported.
        let refs: Vec<(&str, &[u8])> = es.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
        let z = zip_of(&refs, m);
        let twice = zip_of(&[("a.zip", &z[..]), ("b.zip", &z[..])], m);
        let r = check(engine(), "a.zip", nest(deep, "wrapped.zip", &twice, m))?;
        prop_assert_eq!(found_eicar(&r), eicar_at.is_some());
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
        let r = check(&e, "a.zip", z)?;
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

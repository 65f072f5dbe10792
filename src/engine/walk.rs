//! The walk: one work queue per scan. Each object is judged (type, name,
//! type policy), matched against the signatures and, if it is a container,
//! unpacked; its children join the queue. Nothing here recurses.

use std::collections::VecDeque;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use std::panic::{AssertUnwindSafe, catch_unwind};

use bytes::Bytes;

use sha2::{Digest, Sha256};

use super::collect::{Sink, State, hex, sha256_hex};
use super::judge;
use super::{Inner, ScanOptions};
use crate::budget::Budget;
use crate::detect;
use crate::finding::FindingKind;
use crate::format::keys::KeyBytes;
use crate::limits::LimitKind;
use crate::report::{self, ObjectHashes, ObjectInfo, ObjectPath, Origin, Report, StopReason};
use crate::signatures::{ObjectType, ScanFailure};
use crate::types::{FileType, TypeGroup};
use crate::unpack::{self, Ctx};

/// One object waiting in the queue.
struct Pending {
    parent: Option<usize>,
    path: ObjectPath,
    origin: Origin,
    /// Other names its container's readers show for it; checked as its
    /// name is.
    alt_names: Vec<String>,
    data: Bytes,
    depth: u32,
    /// Whether siblings share its buffer.
    shared: bool,
    findings: Vec<FindingKind>,
    /// The type its container declares for it (script text of a page),
    /// taken when its content reads as text.
    declared: Option<FileType>,
    /// Zeros after its bytes that were not kept (a sparse virtual disk's
    /// end): what its partitions may run into.
    zeros_after: u64,
    /// Passwords that a container above it gave for what it holds (a
    /// mail's text), tried before the scan's own; shared down the tree.
    hints: Option<Arc<[String]>>,
}

/// Most passwords that containers above an object give for it, nearest
/// first.
const MAX_HINTS: usize = 2 * crate::format::passhint::MAX;

/// What the rules are told of an object's true type.
fn rules_type(ty: FileType) -> ObjectType {
    ObjectType {
        name: ty.name(),
        group: ty.group().as_str(),
    }
}

/// The label of an outer object that came without a name.
pub(super) fn root_label(name: &str) -> &str {
    if name.is_empty() { "<input>" } else { name }
}

/// How much of an outer object matched in windows is read for its type.
const LARGE_HEAD: usize = 4 << 20;

/// An outer object too large to match whole: its bytes for unpacking (a
/// memory map: only what the unpackers read is paged in), and a reader of
/// windows for the signatures, so that matching never holds more than one
/// window.
pub(crate) struct Large<'a> {
    /// Fills a buffer from an offset; returns how much it filled.
    pub read: &'a dyn Fn(u64, &mut [u8]) -> std::io::Result<usize>,
}

/// What a scan carries from object to object.
struct Walk<'a> {
    inner: &'a Inner,
    budget: Budget,
    passwords: &'a [String],
    local_path: bool,
    queue: VecDeque<Pending>,
    large: Option<Large<'a>>,
}

/// Scans the outer object `data` and everything in it. With `large`, the
/// outer object is matched in windows read through it.
pub(super) fn run(
    inner: &Inner,
    name: &str,
    data: Bytes,
    first: Vec<FindingKind>,
    opts: &ScanOptions,
    sink: &mut dyn Sink,
    large: Option<Large<'_>>,
) -> Report {
    let passwords = opts.passwords_with(&inner.passwords);
    let mut walk = Walk {
        inner,
        budget: Budget::with_cancel(&inner.limits, opts.cancel.clone()),
        passwords: &passwords,
        local_path: opts.local_path,
        queue: VecDeque::new(),
        large,
    };
    let mut st = State::new(&inner.policy, sink, opts.first_hit, data.clone());
    let root_path = ObjectPath::root(root_label(name));
    // The outer file is always scanned, whatever the object limit.
    let _ = walk.budget.admit();
    // The outer object goes first, outside the queue: a scan of one file
    // that holds nothing never allocates one.
    let mut outer = Some(Pending {
        parent: None,
        path: root_path.clone(),
        origin: Origin::Input {
            named: !name.is_empty() && name != "-",
        },
        alt_names: Vec::new(),
        data,
        depth: 0,
        shared: false,
        findings: first,
        declared: None,
        zeros_after: 0,
        hints: None,
    });
    let mut said = false;
    while let Some(obj) = outer.take().or_else(|| walk.queue.pop_front()) {
        // The next object's start (where detection and the rules begin)
        // and its last KiB (trailers), on their way in while this one is
        // examined; what lies between is read in order, which the CPU's
        // own prefetching follows.
        if let Some(next) = walk.queue.front() {
            crate::prefetch::prefetch(&next.data, 8 << 10, 1 << 10);
        }
        // The outer object is always recorded and judged, so that a report
        // never lacks it; past it, a spent budget ends the walk.
        if obj.parent.is_some()
            && let Err(limit) = walk.budget.check_time()
        {
            let left = walk.queue.len() + 1;
            st.finding(
                obj.parent.unwrap_or(0),
                &obj.path,
                FindingKind::Limit {
                    limit,
                    detail: format!("{left} objects were not scanned"),
                },
            );
            said = true;
            break;
        }
        walk.process(obj, &mut st);
        if st.stopped().is_some() {
            break;
        }
    }
    // Cancelled or out of time, during the last object or between two:
    // what the unpackers left undone is in their findings, and the report
    // says it is incomplete.
    if let Err(limit) = walk.budget.check_time() {
        if !said {
            let detail = "the scan ended before it was done".to_owned();
            st.finding(0, &root_path, FindingKind::Limit { limit, detail });
        }
        st.stop(if limit == LimitKind::Cancelled {
            StopReason::Cancelled
        } else {
            StopReason::Time
        });
    }
    st.into_report(inner.hashes)
}

impl Walk<'_> {
    /// One object: a duplicate is recorded, anything else examined.
    fn process(&mut self, mut obj: Pending, st: &mut State<'_>) {
        let hashes = self.inner.hashes;
        let id = st.objects.len();
        let windowed = obj.parent.is_none() && self.large.is_some();
        // No child can be as long as an outer object too large to match.
        let earlier = if windowed {
            None
        } else {
            st.dedup.earlier(id, &obj.data, obj.shared)
        };
        // A clone of the path (a reference count) lends the name without
        // copying it while `obj` moves on.
        let path = obj.path.clone();
        let name = judge::judged_name(path.name(), self.local_path, obj.parent.is_none());
        let named = obj.origin.is_named();
        if let Some(orig) = earlier {
            // The same bytes again: report them here, scan them once. The
            // name may still change what they are (text named .vbs).
            let mut types = st.objects[orig].types.clone();
            let first_ty = report::primary(&types);
            judge::refine(&mut types, name, named);
            judge::declare(&mut types, obj.declared);
            let ty = report::primary(&types);
            let first_finding = st.findings.len();
            st.object(ObjectInfo {
                id,
                parent: obj.parent,
                path: obj.path.clone(),
                origin: obj.origin,
                depth: obj.depth,
                types,
                size: obj.data.len() as u64,
                sha256: st.objects[orig].sha256.clone(),
                windowed: false,
                duplicate_of: Some(orig),
            });
            for f in std::mem::take(&mut obj.findings) {
                st.finding(id, &obj.path, f);
            }
            for f in judge::placement(&self.inner.policy, ty, name, &obj.alt_names, named) {
                st.finding(id, &obj.path, f);
            }
            st.duplicate(id, orig);
            // The rules see the type: bytes that are a script here and
            // text where first seen are matched again as a script.
            if ty != first_ty && !windowed {
                self.signatures(&obj, ty, id, st);
            }
            // Its own name can flag it where the first copy was not.
            st.hash_if_flagged(id, first_finding, &obj.data, hashes);
            return;
        }
        let every = hashes == ObjectHashes::Every;
        let sha256 = (every && !windowed).then(|| sha256_hex(&obj.data));
        let data = obj.data.clone();
        let first_finding = st.findings.len();
        self.examine(obj, id, name, sha256, windowed, st);
        if every && windowed {
            st.give_root_its_hash();
        }
        st.hash_if_flagged(id, first_finding, &data, hashes);
    }

    /// Judgement, signatures and unpacking of an object not seen before in
    /// this scan.
    fn examine(
        &mut self,
        mut obj: Pending,
        id: usize,
        name: &str,
        sha256: Option<String>,
        windowed: bool,
        st: &mut State<'_>,
    ) {
        let inner = self.inner;
        let named = obj.origin.is_named();
        let mut det = judge::detect(inner, &obj.data, windowed.then_some(LARGE_HEAD));
        // What detection learnt of the bytes' keys holds for the whole
        // object only when it read the whole object.
        let keys = if windowed { KeyBytes::ANY } else { det.keys };
        judge::refine(&mut det.types, name, named);
        judge::declare(&mut det.types, obj.declared);
        let ty = det.primary();
        st.object(ObjectInfo {
            id,
            parent: obj.parent,
            path: obj.path.clone(),
            origin: obj.origin,
            depth: obj.depth,
            // Moved, not copied: the unpacker reads them from the record.
            types: std::mem::take(&mut det.types),
            size: obj.data.len() as u64,
            sha256,
            windowed,
            duplicate_of: None,
        });
        let placed = st.findings.len();
        for f in std::mem::take(&mut obj.findings) {
            st.finding(id, &obj.path, f);
        }
        st.mark_placement(placed);
        for f in det.findings.drain(..) {
            st.finding(id, &obj.path, f);
        }
        let placed = st.findings.len();
        for f in judge::placement(&inner.policy, ty, name, &obj.alt_names, named) {
            st.finding(id, &obj.path, f);
        }
        st.mark_placement(placed);
        if st.stopped().is_some() {
            return;
        }
        if windowed {
            self.windowed_signatures(&obj, ty, id, st);
        } else {
            self.signatures(&obj, ty, id, st);
        }
        if st.stopped().is_some() {
            return;
        }
        self.unpack(&obj, id, name, keys, st);
    }

    /// The signatures of an object whose true type is `ty` (the rules see
    /// it as `xferscan_type` and `xferscan_group`).
    fn signatures(&mut self, obj: &Pending, ty: FileType, id: usize, st: &mut State<'_>) {
        let result = self
            .inner
            .rules
            .scan(&obj.data, rules_type(ty), self.budget.time_left());
        self.signature_findings(result, obj, id, st);
    }

    /// The signatures of an outer object too large to match whole: in
    /// overlapping windows, hashed on the way.
    fn windowed_signatures(&mut self, obj: &Pending, ty: FileType, id: usize, st: &mut State<'_>) {
        let Some(large) = &self.large else {
            return;
        };
        let mut hasher = Sha256::new();
        // The deadline and the host's cancel are checked at each window.
        let budget = &self.budget;
        let read = |off: u64, buf: &mut [u8]| match budget.check_time() {
            Ok(()) => (large.read)(off, buf),
            Err(limit) => Err(std::io::Error::other(limit.as_str())),
        };
        let result = self.inner.rules.scan_blocks(
            obj.data.len() as u64,
            rules_type(ty),
            self.budget.time_left(),
            read,
            |b| hasher.update(b),
        );
        if result.is_err()
            && let Err(limit) = self.budget.check_time()
        {
            st.finding(
                id,
                &obj.path,
                FindingKind::Limit {
                    limit,
                    detail: "the windowed signature scan stopped before the end".into(),
                },
            );
            return;
        }
        if result.is_ok() {
            st.set_root_sha256(hex(&hasher.finalize()));
        }
        self.signature_findings(result, obj, id, st);
    }

    fn signature_findings(
        &mut self,
        result: Result<Vec<crate::finding::SignatureMatch>, ScanFailure>,
        obj: &Pending,
        id: usize,
        st: &mut State<'_>,
    ) {
        match result {
            Ok(matches) => {
                for m in matches {
                    st.finding(id, &obj.path, FindingKind::Signature(m));
                }
            }
            Err(ScanFailure::Timeout) => st.finding(
                id,
                &obj.path,
                FindingKind::Limit {
                    limit: LimitKind::Time,
                    detail: "the signature scan of this object timed out".into(),
                },
            ),
            Err(ScanFailure::Other(detail)) => {
                st.finding(id, &obj.path, FindingKind::ScanError { detail })
            }
        }
    }

    /// Unpacks a container (object `id`, whose types are recorded, and
    /// whose bytes hold `keys`) and queues its children, each admitted by
    /// the budget.
    fn unpack(&mut self, obj: &Pending, id: usize, name: &str, keys: KeyBytes, st: &mut State<'_>) {
        let recorded = &st.objects[id].types;
        let ty = report::primary(recorded);
        // A copy for the unpacker only where it has work: most objects are
        // leaves, and the record is mutably borrowed from here on.
        // Inside the panic boundary as the unpacking is: a panic there makes
        // the object one to unpack, and the unpacker's own boundary reports
        // it, rather than ending the scan.
        let work = catch_unwind(AssertUnwindSafe(|| {
            unpack::has_work(recorded, &obj.data, keys)
        }));
        let Some(types) = work.unwrap_or(true).then(|| recorded.clone()) else {
            // Never a silent clean: an archive or disk image that we cannot
            // open is said to be unopened.
            if matches!(ty.group(), TypeGroup::Archive | TypeGroup::DiskImage) {
                st.finding(
                    id,
                    &obj.path,
                    FindingKind::UnsupportedFormat {
                        format: ty.name().to_owned(),
                    },
                );
            }
            return;
        };
        if let Err(limit) = self.budget.may_unpack_at(obj.depth) {
            st.finding(
                id,
                &obj.path,
                FindingKind::Limit {
                    limit,
                    detail: format!("a container at depth {} was not unpacked", obj.depth),
                },
            );
            return;
        }
        // The passwords a container above gave come first: the sender's
        // message names the one that opens its attachment.
        let with_hints: Vec<String>;
        let passwords = match &obj.hints {
            Some(h) => {
                with_hints = unpack::passwords_first(h, self.passwords);
                &with_hints[..]
            }
            None => self.passwords,
        };
        let mut ctx = Ctx {
            budget: &mut self.budget,
            passwords,
            zeros_after: obj.zeros_after,
        };
        let mut unpacked = catch_unwind(AssertUnwindSafe(|| {
            unpack::unpack(&types, name, &obj.data, keys, &mut ctx)
        }))
        .unwrap_or_else(|_| unpack::Unpacked {
            findings: vec![FindingKind::Malformed {
                detail: "the container could not be unpacked".into(),
            }],
            ..Default::default()
        });
        let declared: Vec<Option<FileType>> = (0..unpacked.children.len())
            .map(|i| unpacked.declared_type(i))
            .collect();
        // Mostly empty: looked up, not spread over every child.
        let zeros = std::mem::take(&mut unpacked.zeros_after);
        let hints = inherited_hints(&unpacked.passwords, obj.hints.as_ref());
        for f in unpacked.findings {
            st.finding(id, &obj.path, f);
        }
        for (later, earlier) in
            detect::names::collisions(unpacked.children.iter().map(|c| c.name.as_str()))
        {
            let path = obj.path.child(&unpacked.children[later].name);
            let other = unpacked.children[earlier].name.clone();
            st.finding(id, &path, FindingKind::NormalizationCollision { other });
        }
        let mut refused: HashMap<LimitKind, usize> = HashMap::new();
        // Room for the children really unpacked, in the record of copies,
        // the report's objects and the queue, once rather than growing a
        // step at a time (each step a copy of all of it).
        st.dedup.reserve(unpacked.children.len());
        st.objects.reserve(unpacked.children.len());
        self.queue.reserve(unpacked.children.len());
        for (i, (child, declared)) in unpacked.children.into_iter().zip(declared).enumerate() {
            let zeros_after = zeros.iter().find(|(j, _)| *j == i).map_or(0, |(_, n)| *n);
            match self.budget.admit() {
                Ok(()) => self.queue.push_back(Pending {
                    parent: Some(id),
                    path: obj.path.child(&child.name),
                    origin: child.origin,
                    alt_names: child.alt_names,
                    shared: child.shared,
                    data: child.data.into_bytes(),
                    depth: obj.depth + 1,
                    findings: child.findings,
                    declared,
                    zeros_after,
                    hints: hints.clone(),
                }),
                Err(limit) => *refused.entry(limit).or_default() += 1,
            }
        }
        let mut refused: Vec<_> = refused.into_iter().collect();
        refused.sort_by_key(|r| r.0.as_str());
        for (limit, n) in refused {
            st.finding(
                id,
                &obj.path,
                FindingKind::Limit {
                    limit,
                    detail: format!("{n} unpacked objects were not scanned"),
                },
            );
        }
    }
}

/// The passwords a container's children inherit: those it gave itself,
/// then those given above it, none twice, at most [`MAX_HINTS`].
fn inherited_hints(given: &[String], above: Option<&Arc<[String]>>) -> Option<Arc<[String]>> {
    if given.is_empty() {
        return above.cloned();
    }
    let mut all: Vec<String> = Vec::with_capacity(MAX_HINTS);
    for p in given.iter().chain(above.into_iter().flat_map(|a| a.iter())) {
        if all.len() < MAX_HINTS && !all.contains(p) {
            all.push(p.clone());
        }
    }
    Some(all.into())
}

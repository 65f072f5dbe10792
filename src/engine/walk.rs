//! The walk: one work queue per scan. Each object is judged (type, name,
//! type policy), matched against the signatures and, if it is a container,
//! unpacked; its children join the queue. Nothing here recurses.

use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};

use bytes::Bytes;

use super::collect::{Sink, State, sha256_hex};
use super::judge;
use super::{Inner, ScanOptions};
use crate::budget::Budget;
use crate::detect::{self, Detection, known};
use crate::finding::FindingKind;
use crate::limits::LimitKind;
use crate::report::{ObjectHashes, ObjectInfo, ObjectPath, Origin, Report, StopReason};
use crate::signatures::ScanFailure;
use crate::types::TypeGroup;
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
}

/// The label of an outer object that came without a name.
pub(super) fn root_label(name: &str) -> &str {
    if name.is_empty() { "<input>" } else { name }
}

/// What a scan carries from object to object.
struct Walk<'a> {
    inner: &'a Inner,
    budget: Budget,
    passwords: &'a [String],
    local_path: bool,
    queue: VecDeque<Pending>,
}

/// Scans the outer object `data` and everything in it.
pub(super) fn run(
    inner: &Inner,
    name: &str,
    data: Bytes,
    first: Vec<FindingKind>,
    opts: &ScanOptions,
    sink: &mut dyn Sink,
) -> Report {
    let passwords = opts.passwords_with(&inner.passwords);
    let mut walk = Walk {
        inner,
        budget: Budget::with_cancel(&inner.limits, opts.cancel.clone()),
        passwords: &passwords,
        local_path: opts.local_path,
        queue: VecDeque::new(),
    };
    let mut st = State::new(&inner.policy, sink, opts.first_hit, data.clone());
    // The outer file is always scanned, whatever the object limit.
    let _ = walk.budget.admit();
    walk.queue.push_back(Pending {
        parent: None,
        path: ObjectPath::root(root_label(name)),
        origin: Origin::Input {
            named: !name.is_empty() && name != "-",
        },
        alt_names: Vec::new(),
        data,
        depth: 0,
        shared: false,
        findings: first,
    });
    while let Some(obj) = walk.queue.pop_front() {
        if let Err(limit) = walk.budget.check_time() {
            let left = walk.queue.len() + 1;
            st.finding(
                obj.parent.unwrap_or(0),
                &obj.path,
                FindingKind::Limit {
                    limit,
                    detail: format!("{left} objects were not scanned"),
                },
            );
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
    fn process(&mut self, obj: Pending, st: &mut State<'_>) {
        let hashes = self.inner.hashes;
        let id = st.objects.len();
        let earlier = st.dedup.earlier(id, &obj.data, obj.shared);
        let name =
            judge::judged_name(obj.path.name(), self.local_path, obj.parent.is_none()).to_owned();
        let named = obj.origin.is_named();
        if let Some(orig) = earlier {
            // The same bytes again: report them here, scan them once. The
            // name may still change what they are (text named .vbs).
            let mut types = st.objects[orig].types.clone();
            judge::refine(&mut types, &name, named);
            let ty = types.first().map(|t| t.ty).unwrap_or(known::DATA);
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
                duplicate_of: Some(orig),
            });
            for f in obj.findings {
                st.finding(id, &obj.path, f);
            }
            for f in judge::placement(&self.inner.policy, ty, &name, &obj.alt_names, named) {
                st.finding(id, &obj.path, f);
            }
            st.duplicate(id, orig);
            // Its own name can flag it where the first copy was not.
            st.hash_if_flagged(id, first_finding, &obj.data, hashes);
            return;
        }
        let sha256 = (hashes == ObjectHashes::Every).then(|| sha256_hex(&obj.data));
        let data = obj.data.clone();
        let first_finding = st.findings.len();
        self.examine(obj, id, &name, sha256, st);
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
        st: &mut State<'_>,
    ) {
        let inner = self.inner;
        let named = obj.origin.is_named();
        let mut det = judge::detect(inner, &obj.data);
        judge::refine(&mut det.types, name, named);
        let ty = det.primary();
        st.object(ObjectInfo {
            id,
            parent: obj.parent,
            path: obj.path.clone(),
            origin: obj.origin,
            depth: obj.depth,
            types: det.types.clone(),
            size: obj.data.len() as u64,
            sha256,
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
        self.signatures(&obj, id, st);
        if st.stopped().is_some() {
            return;
        }
        self.unpack(&obj, &det, id, name, st);
    }

    fn signatures(&mut self, obj: &Pending, id: usize, st: &mut State<'_>) {
        match self.inner.rules.scan(&obj.data, self.budget.time_left()) {
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

    /// Unpacks a container and queues its children, each admitted by the
    /// budget.
    fn unpack(
        &mut self,
        obj: &Pending,
        det: &Detection,
        id: usize,
        name: &str,
        st: &mut State<'_>,
    ) {
        let ty = det.primary();
        if !unpack::has_work(&det.types, &obj.data) {
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
        }
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
        let mut ctx = Ctx {
            budget: &mut self.budget,
            passwords: self.passwords,
        };
        let unpacked = catch_unwind(AssertUnwindSafe(|| {
            unpack::unpack(&det.types, name, &obj.data, &mut ctx)
        }))
        .unwrap_or_else(|_| unpack::Unpacked {
            children: Vec::new(),
            findings: vec![FindingKind::Malformed {
                detail: "the container could not be unpacked".into(),
            }],
        });
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
        for child in unpacked.children {
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

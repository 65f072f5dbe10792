//! Findings as they come: each is decided by the policy on arrival (so the
//! verdict only rises, which is what makes first-hit mode and an early
//! verdict sound), told to the host's [`Sink`], and kept for the
//! [`Report`]. Identical objects found twice get the first one's findings
//! repeated at their own place once the walk is done.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::dedup::Dedup;
use crate::finding::FindingKind;
use crate::limits::LimitKind;
use crate::policy::Policy;
use crate::report::{
    Action, Finding, ObjectHashes, ObjectInfo, ObjectPath, REPORT_SCHEMA, Report, StopReason,
    Verdict,
};

/// Findings one report holds at most; the verdict still counts the rest.
const MAX_FINDINGS: usize = 10_000;

/// What a [`Sink`] tells the scan after each call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on scanning.
    Continue,
    /// Stop the scan: the report returned says it is incomplete, and why.
    Stop,
}

/// Sees each object and finding of a scan as it happens, in the order of
/// the report, and may stop the scan (the shape of ripgrep's `Sink`). The
/// engine still returns the full [`Report`] of what was scanned.
///
/// ```
/// use xferscan::{Engine, Finding, Flow, ScanOptions, Sink, Verdict};
///
/// /// Stops at the first finding that is not allowed.
/// struct FirstWarning(Option<String>);
/// impl Sink for FirstWarning {
///     fn finding(&mut self, f: &Finding, _verdict: Verdict) -> Flow {
///         self.0 = Some(f.kind.key().to_owned());
///         Flow::Stop
///     }
/// }
///
/// let engine = Engine::builder().build()?;
/// let mut sink = FirstWarning(None);
/// let report = engine.scan_bytes_into("a.txt", b"plain".to_vec(), &ScanOptions::new(), &mut sink);
/// assert!(report.complete && sink.0.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Sink {
    /// An object was admitted and is being scanned. Its hash, where the
    /// report gives one, may come later.
    fn object(&mut self, object: &ObjectInfo) -> Flow {
        let _ = object;
        Flow::Continue
    }

    /// A finding, with the action the policy chose, and the verdict so far
    /// (which only rises).
    fn finding(&mut self, finding: &Finding, verdict: Verdict) -> Flow {
        let _ = (finding, verdict);
        Flow::Continue
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn object(&mut self, object: &ObjectInfo) -> Flow {
        (**self).object(object)
    }

    fn finding(&mut self, finding: &Finding, verdict: Verdict) -> Flow {
        (**self).finding(finding, verdict)
    }
}

/// The sink of a scan that only wants its report.
pub(crate) struct NoSink;

impl Sink for NoSink {}

/// What one scan has found so far.
pub(super) struct State<'s> {
    policy: &'s Policy,
    sink: &'s mut dyn Sink,
    first_hit: bool,
    pub(super) objects: Vec<ObjectInfo>,
    pub(super) findings: Vec<Finding>,
    verdict: Verdict,
    stopped: Option<StopReason>,
    /// The outer file, for its SHA-256 if the verdict is not clean.
    root: Bytes,
    /// The outer file's SHA-256, where it was computed as it was read (an
    /// object matched in windows is never read whole).
    root_sha256: Option<String>,
    pub(super) dedup: Dedup,
    duplicates: Vec<(usize, usize)>,
    /// Findings about where an object sits rather than what its bytes are:
    /// what its container said of the entry, its name, its type as named.
    /// A duplicate has its own, so these are not repeated onto it.
    placement: HashSet<usize>,
    findings_cut: bool,
}

impl<'s> State<'s> {
    pub(super) fn new(
        policy: &'s Policy,
        sink: &'s mut dyn Sink,
        first_hit: bool,
        root: Bytes,
    ) -> Self {
        State {
            policy,
            sink,
            first_hit,
            objects: Vec::new(),
            findings: Vec::new(),
            verdict: Verdict::Clean,
            stopped: None,
            dedup: Dedup::new(&root),
            root,
            root_sha256: None,
            duplicates: Vec::new(),
            placement: HashSet::new(),
            findings_cut: false,
        }
    }

    /// Why the scan must end now, if it must.
    pub(super) fn stopped(&self) -> Option<StopReason> {
        self.stopped
    }

    /// Ends the scan early for `reason` (the first reason stays).
    pub(super) fn stop(&mut self, reason: StopReason) {
        self.stopped.get_or_insert(reason);
    }

    /// Records an object and tells the sink.
    pub(super) fn object(&mut self, info: ObjectInfo) {
        self.objects.push(info);
        if self.stopped.is_none()
            && let Some(o) = self.objects.last()
            && self.sink.object(o) == Flow::Stop
        {
            self.stop(StopReason::Sink);
        }
    }

    /// The outer file's SHA-256, computed by whoever read it.
    pub(super) fn set_root_sha256(&mut self, hex: String) {
        self.root_sha256 = Some(hex);
    }

    /// Gives the outer object the SHA-256 computed as it was read.
    pub(super) fn give_root_its_hash(&mut self) {
        if let Some(o) = self.objects.first_mut() {
            o.sha256.clone_from(&self.root_sha256);
        }
    }

    /// The SHA-256 of object `id` with bytes `data`.
    fn hash_of(&self, id: usize, data: &[u8]) -> String {
        match (&self.root_sha256, id) {
            (Some(h), 0) => h.clone(),
            _ => sha256_hex(data),
        }
    }

    /// Records that `dup` holds the same bytes as `orig`.
    pub(super) fn duplicate(&mut self, dup: usize, orig: usize) {
        self.duplicates.push((dup, orig));
    }

    /// The hash an operator looks up: of an object that a finding of its
    /// own (from `first_finding` on) flags or blocks.
    pub(super) fn hash_if_flagged(
        &mut self,
        id: usize,
        first_finding: usize,
        data: &[u8],
        which: ObjectHashes,
    ) {
        if which != ObjectHashes::None
            && self.objects[id].sha256.is_none()
            && self.findings[first_finding..]
                .iter()
                .any(|f| f.object == id && f.action != Action::Allow)
        {
            self.objects[id].sha256 = Some(self.hash_of(id, data));
        }
    }

    /// Marks the findings from `from` on as about placement.
    pub(super) fn mark_placement(&mut self, from: usize) {
        self.placement.extend(from..self.findings.len());
    }

    /// A finding, decided by the policy as it arrives.
    pub(super) fn finding(&mut self, object: usize, path: &ObjectPath, kind: FindingKind) {
        let (action, decided_by) = self.policy.decide(&kind);
        self.push(Finding {
            object,
            path: path.clone(),
            kind,
            action,
            decided_by,
        });
    }

    fn push(&mut self, f: Finding) {
        self.verdict = self.verdict.max(f.action.verdict());
        let blocked = f.action == Action::Block;
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(f);
            self.tell_sink();
        } else if !self.findings_cut {
            self.findings_cut = true;
            let kind = FindingKind::Limit {
                limit: LimitKind::Findings,
                detail: format!("findings past the first {MAX_FINDINGS} are not listed"),
            };
            let (action, decided_by) = self.policy.decide(&kind);
            self.verdict = self.verdict.max(action.verdict());
            let path = f.path.clone();
            self.findings.push(Finding {
                object: f.object,
                path,
                kind,
                action,
                decided_by,
            });
            self.tell_sink();
        }
        if blocked && self.first_hit {
            self.stop(StopReason::FirstHit);
        }
    }

    /// Tells the sink of the last finding, while the scan goes on.
    fn tell_sink(&mut self) {
        if self.stopped.is_none()
            && let Some(f) = self.findings.last()
            && self.sink.finding(f, self.verdict) == Flow::Stop
        {
            self.stop(StopReason::Sink);
        }
    }

    /// The report: duplicates get their originals' findings, and hashes are
    /// filled in.
    pub(super) fn into_report(mut self, hashes: ObjectHashes) -> Report {
        self.mirror_duplicates();
        self.finish_hashes(hashes);
        Report {
            schema: REPORT_SCHEMA,
            verdict: self.verdict,
            complete: self.stopped.is_none(),
            stopped: self.stopped,
            objects: self.objects,
            findings: self.findings,
        }
    }

    /// The outer file's SHA-256 when the verdict is not clean, and each
    /// duplicate's from the object it repeats.
    fn finish_hashes(&mut self, which: ObjectHashes) {
        if which != ObjectHashes::None
            && self.verdict != Verdict::Clean
            && self.objects.first().is_some_and(|o| o.sha256.is_none())
        {
            let h = self.hash_of(0, &self.root);
            if let Some(o) = self.objects.first_mut() {
                o.sha256 = Some(h);
            }
        }
        for &(dup, orig) in &self.duplicates {
            if self.objects[dup].sha256.is_none() {
                self.objects[dup].sha256 = self.objects[orig].sha256.clone();
            }
        }
    }

    /// Repeats the findings of each scanned object's subtree at every other
    /// place its bytes occur. Deepest duplicates go first, so that findings
    /// they gain are repeated again by duplicates of their ancestors.
    fn mirror_duplicates(&mut self) {
        if self.duplicates.is_empty() {
            return;
        }
        let originals: HashSet<usize> = self.duplicates.iter().map(|d| d.1).collect();
        let mut subtree: HashMap<usize, Vec<usize>> = HashMap::new();
        for i in 0..self.findings.len() {
            self.register(i, &originals, &mut subtree);
        }
        let mut dups = self.duplicates.clone();
        dups.sort_by_key(|&(d, _)| std::cmp::Reverse(self.objects[d].depth));
        for (dup, orig) in dups {
            let Some(list) = subtree.get(&orig).cloned() else {
                continue;
            };
            let (from, to) = (
                self.objects[orig].path.clone(),
                self.objects[dup].path.clone(),
            );
            for fi in list {
                let f = &self.findings[fi];
                if f.object == orig && self.placement.contains(&fi) {
                    continue;
                }
                let Some(path) = f.path.rebase(&from, &to) else {
                    continue;
                };
                let copy = Finding {
                    object: dup,
                    path,
                    kind: f.kind.clone(),
                    action: f.action,
                    decided_by: f.decided_by.clone(),
                };
                if self.findings.len() >= MAX_FINDINGS {
                    self.push(copy);
                    return;
                }
                self.push(copy);
                let new = self.findings.len() - 1;
                self.register(new, &originals, &mut subtree);
            }
        }
    }

    /// Files finding `i` under every original among its object's ancestors.
    fn register(
        &self,
        i: usize,
        originals: &HashSet<usize>,
        subtree: &mut HashMap<usize, Vec<usize>>,
    ) {
        let mut o = Some(self.findings[i].object);
        while let Some(id) = o {
            if originals.contains(&id) {
                subtree.entry(id).or_default().push(i);
            }
            o = self.objects.get(id).and_then(|x| x.parent);
        }
    }
}

pub(super) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub(super) fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(H[(x >> 4) as usize] as char);
        s.push(H[(x & 15) as usize] as char);
    }
    s
}

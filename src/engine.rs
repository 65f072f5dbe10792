//! The engine: built once, shared by all threads, it takes each file through
//! detection, signature matching and unpacking over an explicit work queue.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::dedup::Dedup;
use crate::detect::{self, Detection, Detector, TypeGroup, known};
use crate::error::Error;
use crate::limits::{Budget, LimitKind, Limits};
use crate::policy::Policy;
use crate::report::{
    Action, Finding, FindingKind, ObjectHashes, ObjectInfo, ObjectPath, Report, TypeAt, Verdict,
};
use crate::signatures::{self, RuleSets, ScanFailure};
use crate::unpack::{self, Ctx};

/// Findings one report holds at most; the verdict still counts the rest.
const MAX_FINDINGS: usize = 10_000;

/// Passwords tried on every encrypted entry unless the builder replaces them:
/// the ones malware senders write in the message.
pub const DEFAULT_PASSWORDS: &[&str] =
    &["infected", "malware", "virus", "password", "1234", "123456"];

/// The scanning engine. Build it once with [`Engine::builder`], share it (it
/// is `Send + Sync` and cheap to clone), and scan from any number of threads.
///
/// ```
/// let engine = xferscan::Engine::builder().build()?;
/// let report = engine.scan_bytes("hello.txt", b"hello".to_vec());
/// assert_eq!(report.verdict, xferscan::Verdict::Clean);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    rules: RuleSets,
    detector: Detector,
    limits: Limits,
    policy: Policy,
    passwords: Vec<String>,
    hashes: ObjectHashes,
}

/// Builds an [`Engine`].
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    default_rules: bool,
    sources: Vec<(String, String)>,
    paths: Vec<PathBuf>,
    limits: Limits,
    policy: Policy,
    passwords: Vec<String>,
    hashes: ObjectHashes,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            default_rules: true,
            sources: Vec::new(),
            paths: Vec::new(),
            limits: Limits::default(),
            policy: Policy::default(),
            passwords: DEFAULT_PASSWORDS.iter().map(|s| s.to_string()).collect(),
            hashes: ObjectHashes::default(),
        }
    }
}

impl EngineBuilder {
    /// Whether the built-in rule pack is compiled in (it is by default).
    pub fn default_rules(&mut self, yes: bool) -> &mut Self {
        self.default_rules = yes;
        self
    }

    /// Adds YARA rules from source; `origin` names them in errors and gives
    /// them their namespace (its file stem).
    pub fn rules_source(&mut self, origin: &str, source: &str) -> &mut Self {
        self.sources.push((origin.to_owned(), source.to_owned()));
        self
    }

    /// Adds rules from a file, from every `.yar`/`.yara` file below a
    /// folder, or from a file of precompiled rules (`xferscan rules
    /// compile`). Only load precompiled rules that you made: yara-x does not
    /// defend against hostile ones.
    pub fn rules_path(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.paths.push(path.as_ref().to_owned());
        self
    }

    /// Sets the limits of every scan.
    pub fn limits(&mut self, limits: Limits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// Sets the delivery policy.
    pub fn policy(&mut self, policy: Policy) -> &mut Self {
        self.policy = policy;
        self
    }

    /// Replaces the passwords tried on encrypted entries (by default
    /// [`DEFAULT_PASSWORDS`]). Per-scan hints come on top, through
    /// [`ScanOptions`].
    pub fn passwords<I, S>(&mut self, passwords: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.passwords = passwords.into_iter().map(Into::into).collect();
        self
    }

    /// Which objects the report gives a SHA-256 for (by default
    /// [`ObjectHashes::Flagged`]).
    pub fn object_hashes(&mut self, which: ObjectHashes) -> &mut Self {
        self.hashes = which;
        self
    }

    /// Compiles the rules and builds the engine.
    ///
    /// # Errors
    ///
    /// A rule file that cannot be read or does not compile (the error names
    /// the file and line), or a precompiled file that cannot be loaded.
    pub fn build(&self) -> Result<Engine, Error> {
        let mut sources = self.sources.clone();
        let mut compiled = Vec::new();
        for p in &self.paths {
            for file in signatures::rule_files(p)? {
                let bytes = std::fs::read(&file).map_err(|source| Error::Io {
                    path: file.clone(),
                    source,
                })?;
                if signatures::is_compiled(&bytes) {
                    compiled.push(signatures::load_compiled(&file, &bytes)?);
                } else {
                    let text = String::from_utf8(bytes).map_err(|_| Error::RuleCompile {
                        origin: file.display().to_string(),
                        message: "not UTF-8 text and not compiled rules".into(),
                    })?;
                    sources.push((file.display().to_string(), text));
                }
            }
        }
        let mut sets = Vec::new();
        if let Some(r) = signatures::compile(self.default_rules, &sources)? {
            sets.push(r);
        }
        sets.extend(compiled);
        Ok(Engine {
            inner: Arc::new(Inner {
                rules: RuleSets::new(sets),
                detector: Detector::new(),
                limits: self.limits.clone(),
                policy: self.policy.clone(),
                passwords: self.passwords.clone(),
                hashes: self.hashes,
            }),
        })
    }
}

/// Options of one scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    passwords: Vec<String>,
    local_path: bool,
}

impl ScanOptions {
    /// Options with nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a candidate password for this scan's encrypted entries, such as
    /// one found in the chat message that carried the file. Tried before
    /// the engine's own list.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.passwords.push(password.into());
        self
    }

    /// Says that the name is a path on this machine (as in `scan_path`), not
    /// the name the file was sent with: only its last component is judged.
    pub fn local_path(mut self, yes: bool) -> Self {
        self.local_path = yes;
        self
    }
}

/// One object waiting in the queue.
struct Pending {
    parent: Option<usize>,
    path: ObjectPath,
    data: Bytes,
    depth: u32,
    /// Whether its last name is a real name (not a carved region's label).
    named: bool,
    /// Other names its container's readers show for it; checked as its
    /// name is.
    alt_names: Vec<String>,
    /// Whether siblings share its buffer.
    shared: bool,
    findings: Vec<FindingKind>,
}

impl Engine {
    /// A builder with the built-in rules, default limits, the built-in
    /// policy and the default passwords.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// The limits of every scan.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The delivery policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// How many YARA rules are loaded.
    pub fn rule_count(&self) -> usize {
        self.inner.rules.len()
    }

    /// Scans a file held in memory, under the name it was sent with (`""`
    /// when it has none). Children of archives are slices of `data` where
    /// they are stored, so pass `Bytes` or a `Vec<u8>` you no longer need.
    ///
    /// ```
    /// let engine = xferscan::Engine::builder().build()?;
    /// let report = engine.scan_bytes("photo.jpg", b"MZ\x90\x00".to_vec());
    /// println!("{}", serde_json::to_string(&report)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scan_bytes(&self, name: &str, data: impl Into<Bytes>) -> Report {
        self.scan_bytes_with(name, data, &ScanOptions::default())
    }

    /// [`scan_bytes`](Self::scan_bytes) with per-scan options.
    pub fn scan_bytes_with(
        &self,
        name: &str,
        data: impl Into<Bytes>,
        opts: &ScanOptions,
    ) -> Report {
        let data: Bytes = data.into();
        let max = self.inner.limits.max_object_bytes;
        let mut first = Vec::new();
        let data = if data.len() as u64 > max {
            first.push(FindingKind::Limit {
                limit: LimitKind::ObjectSize,
                detail: format!("only the first {max} of {} bytes were scanned", data.len()),
            });
            data.slice(..max as usize)
        } else {
            data
        };
        self.run(name, data, opts, first)
    }

    /// Scans what a reader gives, up to the object size limit; more is
    /// reported as a limit finding and not read.
    ///
    /// # Errors
    ///
    /// The reader's own error.
    pub fn scan_reader<R: Read>(&self, name: &str, reader: R) -> Result<Report, Error> {
        self.scan_reader_with(name, reader, &ScanOptions::default())
    }

    /// [`scan_reader`](Self::scan_reader) with per-scan options.
    ///
    /// # Errors
    ///
    /// The reader's own error.
    pub fn scan_reader_with<R: Read>(
        &self,
        name: &str,
        reader: R,
        opts: &ScanOptions,
    ) -> Result<Report, Error> {
        let max = self.inner.limits.max_object_bytes;
        let mut buf = Vec::new();
        reader
            .take(max.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|source| Error::Read {
                name: name.to_owned(),
                source,
            })?;
        Ok(self.finish_read(name, buf, opts))
    }

    /// Scans what was read, at most one byte past the object size limit.
    fn finish_read(&self, name: &str, mut buf: Vec<u8>, opts: &ScanOptions) -> Report {
        let max = self.inner.limits.max_object_bytes;
        let mut first = Vec::new();
        if buf.len() as u64 > max {
            buf.truncate(max as usize);
            first.push(FindingKind::Limit {
                limit: LimitKind::ObjectSize,
                detail: format!("only the first {max} bytes were read and scanned"),
            });
        }
        self.run(name, Bytes::from(buf), opts, first)
    }

    /// Scans a file on disk; its path is its name.
    ///
    /// # Errors
    ///
    /// The file cannot be opened or read.
    pub fn scan_path(&self, path: impl AsRef<Path>) -> Result<Report, Error> {
        self.scan_path_with(path, &ScanOptions::new())
    }

    /// [`scan_path`](Self::scan_path) with per-scan options; the path is
    /// always taken as a local path (only its last component is judged).
    ///
    /// # Errors
    ///
    /// The file cannot be opened or read.
    pub fn scan_path_with(
        &self,
        path: impl AsRef<Path>,
        opts: &ScanOptions,
    ) -> Result<Report, Error> {
        let path = path.as_ref();
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let max = self.inner.limits.max_object_bytes;
        // The file system's length is a hint for one allocation, never
        // trusted: reading stops at the limit whatever it says.
        let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut buf = Vec::with_capacity(hint.min(max.saturating_add(1)) as usize);
        file.take(max.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(io)?;
        let opts = opts.clone().local_path(true);
        Ok(self.finish_read(&path.display().to_string(), buf, &opts))
    }

    fn run(&self, name: &str, data: Bytes, opts: &ScanOptions, first: Vec<FindingKind>) -> Report {
        let inner = &*self.inner;
        let mut budget = Budget::new(&inner.limits);
        // Per-scan hints first, then the engine's list; most scans have no
        // hints, and then the engine's list is used as it is.
        let passwords: std::borrow::Cow<'_, [String]> = if opts.passwords.is_empty() {
            std::borrow::Cow::Borrowed(&inner.passwords)
        } else {
            let mut all = opts.passwords.clone();
            all.extend(
                inner
                    .passwords
                    .iter()
                    .filter(|p| !opts.passwords.contains(p))
                    .cloned(),
            );
            std::borrow::Cow::Owned(all)
        };
        let mut st = State::new(&inner.policy, data.clone());
        let mut queue = VecDeque::new();
        let root_name = if name.is_empty() { "<input>" } else { name };
        // The outer file is always scanned, whatever the object limit.
        let _ = budget.admit(0);
        queue.push_back(Pending {
            parent: None,
            path: ObjectPath::root(root_name),
            data,
            depth: 0,
            named: !name.is_empty() && name != "-",
            alt_names: Vec::new(),
            shared: false,
            findings: first,
        });
        while let Some(obj) = queue.pop_front() {
            if budget.check_time().is_err() {
                let left = queue.len() + 1;
                st.finding(
                    obj.parent.unwrap_or(0),
                    &obj.path,
                    FindingKind::Limit {
                        limit: LimitKind::Time,
                        detail: format!("{left} objects were not scanned"),
                    },
                );
                break;
            }
            self.process(
                obj,
                &mut st,
                &mut budget,
                &passwords,
                opts.local_path,
                &mut queue,
            );
        }
        st.mirror_duplicates();
        st.finish_hashes(inner.hashes);
        Report {
            verdict: st.verdict,
            objects: st.objects,
            findings: st.findings,
        }
    }

    /// One object: a duplicate is recorded, anything else examined.
    fn process(
        &self,
        obj: Pending,
        st: &mut State<'_>,
        budget: &mut Budget,
        passwords: &[String],
        local_path: bool,
        queue: &mut VecDeque<Pending>,
    ) {
        let inner = &*self.inner;
        let id = st.objects.len();
        let earlier = st.dedup.earlier(id, &obj.data, obj.shared);
        let name = obj.path.name().to_owned();
        // A local path's folders are the operator's, not the sender's.
        let name = if local_path && obj.parent.is_none() {
            detect::names::file_name(&name).to_owned()
        } else {
            name
        };
        if let Some(orig) = earlier {
            // The same bytes again: report them here, scan them once. The
            // name may still change what they are (text named .vbs).
            let mut types = st.objects[orig].types.clone();
            if obj.named
                && let Some(t) = types.first_mut()
            {
                t.ty = detect::refine_by_name(t.ty, &name);
            }
            let ty = types.first().map(|t| t.ty).unwrap_or(known::DATA);
            let first_finding = st.findings.len();
            st.objects.push(ObjectInfo {
                id,
                parent: obj.parent,
                path: obj.path.clone(),
                depth: obj.depth,
                types,
                size: obj.data.len() as u64,
                sha256: st.objects[orig].sha256.clone(),
                duplicate_of: Some(orig),
            });
            for f in obj.findings {
                st.finding(id, &obj.path, f);
            }
            if obj.named {
                self.check_name(&name, &obj.alt_names, ty, id, &obj.path, st);
            }
            self.type_policy(ty, id, &obj.path, st);
            st.duplicates.push((id, orig));
            // Its own name can flag it where the first copy was not.
            st.hash_if_flagged(id, first_finding, &obj.data, inner.hashes);
            return;
        }
        let sha256 = (inner.hashes == ObjectHashes::Every).then(|| sha256_hex(&obj.data));
        let data = obj.data.clone();
        let first_finding = st.findings.len();
        self.examine(obj, id, name, sha256, st, budget, passwords, queue);
        st.hash_if_flagged(id, first_finding, &data, inner.hashes);
    }

    /// Detection, names, signatures and unpacking of an object not seen
    /// before in this scan.
    #[allow(clippy::too_many_arguments)]
    fn examine(
        &self,
        obj: Pending,
        id: usize,
        name: String,
        sha256: Option<String>,
        st: &mut State<'_>,
        budget: &mut Budget,
        passwords: &[String],
        queue: &mut VecDeque<Pending>,
    ) {
        let inner = &*self.inner;
        let det = catch_unwind(AssertUnwindSafe(|| inner.detector.detect(&obj.data)))
            .unwrap_or_else(|_| Detection {
                types: vec![TypeAt {
                    ty: known::DATA,
                    offset: 0,
                }],
                findings: vec![FindingKind::Malformed {
                    detail: "type detection failed on this object".into(),
                }],
            });
        let mut det = det;
        if obj.named
            && let Some(t) = det.types.first_mut()
        {
            t.ty = detect::refine_by_name(t.ty, &name);
        }
        let ty = det.primary();
        st.objects.push(ObjectInfo {
            id,
            parent: obj.parent,
            path: obj.path.clone(),
            depth: obj.depth,
            types: det.types.clone(),
            size: obj.data.len() as u64,
            sha256,
            duplicate_of: None,
        });
        let placed = st.findings.len();
        for f in obj.findings {
            st.finding(id, &obj.path, f);
        }
        st.mark_placement(placed);
        for f in det.findings.drain(..) {
            st.finding(id, &obj.path, f);
        }
        let placed = st.findings.len();
        if obj.named {
            self.check_name(&name, &obj.alt_names, ty, id, &obj.path, st);
        }
        self.type_policy(ty, id, &obj.path, st);
        st.mark_placement(placed);
        match inner.rules.scan(&obj.data, budget.time_left()) {
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
        let is_container = is_container(&det, &obj.data);
        if !is_container {
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
        if obj.depth >= inner.limits.max_depth {
            st.finding(
                id,
                &obj.path,
                FindingKind::Limit {
                    limit: LimitKind::Depth,
                    detail: format!("a container at depth {} was not unpacked", obj.depth),
                },
            );
            return;
        }
        let mut ctx = Ctx { budget, passwords };
        let unpacked = catch_unwind(AssertUnwindSafe(|| {
            unpack::unpack(&det, &name, &obj.data, &mut ctx)
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
            match budget.admit(obj.depth + 1) {
                Ok(()) => queue.push_back(Pending {
                    parent: Some(id),
                    path: obj.path.child(&child.name),
                    named: !child.name.starts_with('<'),
                    alt_names: child.alt_names,
                    shared: child.shared,
                    data: child.data,
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

    /// A finding for a true type that the policy acts on.
    fn type_policy(
        &self,
        ty: crate::detect::FileType,
        id: usize,
        path: &ObjectPath,
        st: &mut State<'_>,
    ) {
        if let Some((action, _)) = self.inner.policy.type_action(ty)
            && action != Action::Allow
        {
            st.finding(id, path, FindingKind::TrueType { ty });
        }
    }

    /// The checks on an object's name, and on each other name its
    /// container's readers show for it (a zip entry's header name beside
    /// its Unicode Path name): what a user of any of those readers sees is
    /// judged. A finding that the name already gave is not repeated.
    fn check_name(
        &self,
        name: &str,
        alt_names: &[String],
        ty: crate::detect::FileType,
        id: usize,
        path: &ObjectPath,
        st: &mut State<'_>,
    ) {
        let mut found = Vec::new();
        detect::names::check(name, ty, &mut found);
        for alt in alt_names {
            // Text that another reader writes out as `.vbs` is a script
            // there.
            let alt_ty = detect::refine_by_name(ty, alt);
            let mut more = Vec::new();
            detect::names::check(alt, alt_ty, &mut more);
            if alt_ty != ty
                && let Some((action, _)) = self.inner.policy.type_action(alt_ty)
                && action != Action::Allow
            {
                more.push(FindingKind::TrueType { ty: alt_ty });
            }
            for f in more {
                // The length is the entry's bytes, judged on the name: the
                // same bytes read as CP437 can take three times as many in
                // UTF-8 without being any longer on screen.
                if !matches!(f, FindingKind::LongName { .. }) && !found.contains(&f) {
                    found.push(f);
                }
            }
        }
        for f in found {
            st.finding(id, path, f);
        }
    }
}

/// True when unpacking has something to do with this object.
fn is_container(det: &Detection, data: &[u8]) -> bool {
    det.types.len() > 1
        || unpack::unpacks(det.primary())
        || unpack::carries_data_uris(det.primary(), data)
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &x in b {
        s.push(H[(x >> 4) as usize] as char);
        s.push(H[(x & 15) as usize] as char);
    }
    s
}

/// What one scan has found so far.
struct State<'p> {
    policy: &'p Policy,
    objects: Vec<ObjectInfo>,
    findings: Vec<Finding>,
    verdict: Verdict,
    /// The outer file, for its SHA-256 if the verdict is not clean.
    root: Bytes,
    dedup: Dedup,
    duplicates: Vec<(usize, usize)>,
    /// Findings about where an object sits rather than what its bytes are:
    /// what its container said of the entry, its name, its type as named.
    /// A duplicate has its own, so these are not repeated onto it.
    placement: HashSet<usize>,
    findings_cut: bool,
}

impl<'p> State<'p> {
    fn new(policy: &'p Policy, root: Bytes) -> Self {
        State {
            policy,
            objects: Vec::new(),
            findings: Vec::new(),
            verdict: Verdict::Clean,
            dedup: Dedup::new(&root),
            root,
            duplicates: Vec::new(),
            placement: HashSet::new(),
            findings_cut: false,
        }
    }

    /// The hash an operator looks up: of an object that a finding of its
    /// own (from `first_finding` on) flags or blocks.
    fn hash_if_flagged(
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
            self.objects[id].sha256 = Some(sha256_hex(data));
        }
    }

    /// The outer file's SHA-256 when the verdict is not clean, and each
    /// duplicate's from the object it repeats.
    fn finish_hashes(&mut self, which: ObjectHashes) {
        if which != ObjectHashes::None
            && self.verdict != Verdict::Clean
            && let Some(o) = self.objects.first_mut()
            && o.sha256.is_none()
        {
            o.sha256 = Some(sha256_hex(&self.root));
        }
        for &(dup, orig) in &self.duplicates {
            if self.objects[dup].sha256.is_none() {
                self.objects[dup].sha256 = self.objects[orig].sha256.clone();
            }
        }
    }

    /// Marks the findings from `from` on as about placement.
    fn mark_placement(&mut self, from: usize) {
        self.placement.extend(from..self.findings.len());
    }

    fn finding(&mut self, object: usize, path: &ObjectPath, kind: FindingKind) {
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
        if self.findings.len() < MAX_FINDINGS {
            self.findings.push(f);
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

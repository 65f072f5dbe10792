//! YARA signatures: rules compiled once and shared by all threads (yara-x
//! `Rules` are `Send + Sync`), and a scanner kept per thread (a yara-x
//! `Scanner` is neither, and costs far more to create than to reuse).
//!
//! The built-in pack in `signatures/` is compiled into the binary, so a scan
//! needs no file on disk.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::error::Error;
use crate::finding::Severity;
use crate::finding::{MetaValue, Metadata, SignatureMatch};

/// The built-in rule pack: (origin, source).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "signatures/eicar.yar",
        include_str!("../signatures/eicar.yar"),
    ),
    (
        "signatures/scripts.yar",
        include_str!("../signatures/scripts.yar"),
    ),
    (
        "signatures/office.yar",
        include_str!("../signatures/office.yar"),
    ),
    ("signatures/lnk.yar", include_str!("../signatures/lnk.yar")),
    (
        "signatures/packers.yar",
        include_str!("../signatures/packers.yar"),
    ),
];

/// The namespace of the built-in rules.
pub const BUILTIN_NAMESPACE: &str = "xferscan";

/// The external variable that holds the true type of the object a rule
/// sees (`powershell`, `html`, `javascript`...; see [`crate::FileType::name`]),
/// empty when the host gave none. Every rule compiled here may use it.
pub const GLOBAL_TYPE: &str = "xferscan_type";
/// The external variable that holds the group of that type
/// (`windows_script`, `text`...; see [`crate::TypeGroup::as_str`]).
pub const GLOBAL_GROUP: &str = "xferscan_group";

/// What the rules are told about the object they see (the engine fills it
/// from the true type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ObjectType {
    /// The type's name.
    pub name: &'static str,
    /// Its group's name.
    pub group: &'static str,
}

/// Sets the type variables on a scanner. Rules compiled elsewhere (loaded
/// precompiled) may not declare them: that is not an error.
fn set_type<E>(mut set: impl FnMut(&str, &'static str) -> Result<(), E>, ty: ObjectType) {
    let _ = set(GLOBAL_TYPE, ty.name);
    let _ = set(GLOBAL_GROUP, ty.group);
}

/// Compiles the built-in pack (if asked) and rule sources into one set.
pub(crate) fn compile(
    builtin: bool,
    sources: &[(String, String)],
) -> Result<Option<yara_x::Rules>, Error> {
    if !builtin && sources.is_empty() {
        return Ok(None);
    }
    let mut compiler = yara_x::Compiler::new();
    for var in [GLOBAL_TYPE, GLOBAL_GROUP] {
        compiler
            .define_global(var, "")
            .map_err(|e| Error::RuleCompile {
                origin: var.to_owned(),
                message: e.to_string(),
            })?;
    }
    if builtin {
        compiler.new_namespace(BUILTIN_NAMESPACE);
        for (origin, src) in BUILTIN {
            compiler
                .add_source(yara_x::SourceCode::from(*src).with_origin(*origin))
                .map_err(|e| Error::RuleCompile {
                    origin: (*origin).to_owned(),
                    message: e.to_string(),
                })?;
        }
    }
    for (origin, src) in sources {
        let ns = Path::new(origin)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "user".into());
        compiler.new_namespace(&ns);
        compiler
            .add_source(yara_x::SourceCode::from(src.as_str()).with_origin(origin.as_str()))
            .map_err(|e| Error::RuleCompile {
                origin: origin.clone(),
                message: e.to_string(),
            })?;
    }
    Ok(Some(compiler.build()))
}

/// True for a file that starts like yara-x's serialized rules.
pub(crate) fn is_compiled(bytes: &[u8]) -> bool {
    bytes.starts_with(b"YARA-X\0\0")
}

/// Loads precompiled rules (from `xferscan rules compile`).
pub(crate) fn load_compiled(path: &Path, bytes: &[u8]) -> Result<yara_x::Rules, Error> {
    yara_x::Rules::deserialize(bytes).map_err(|e| Error::CompiledRules {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Rule files under a path: the file itself, or every `.yar`/`.yara` file
/// below a folder, in a stable order.
pub(crate) fn rule_files(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_owned()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in rd {
            let entry = entry.map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yar" | "yara" | "yarc")
            ) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Compiled rules: a handle that any number of engines and threads share
/// (cloning it is cheap). Build engines that differ only in policy or limits
/// from one handle ([`EngineBuilder::rules`](crate::EngineBuilder::rules)),
/// so that a policy change never recompiles rules.
///
/// Each thread keeps a scanner per rule set it has scanned with. Once the
/// last handle to a rule set is gone, the thread drops its scanner at its
/// next scan; [`release_thread_scanners`] drops them all at once, for a
/// thread that will not scan again soon.
#[derive(Debug, Clone)]
pub struct Rules(Arc<RuleSets>);

impl Rules {
    pub(crate) fn new(sets: Vec<yara_x::Rules>) -> Self {
        Rules(Arc::new(RuleSets::new(sets)))
    }

    /// How many rules there are in all.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no rules at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when both handles are the same compiled rules.
    pub fn same_as(&self, other: &Rules) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Scans `data`, an object of type `ty`, with every rule set, on this
    /// thread's scanners.
    pub(crate) fn scan(
        &self,
        data: &[u8],
        ty: ObjectType,
        timeout: Duration,
    ) -> Result<Vec<SignatureMatch>, ScanFailure> {
        self.0.scan(data, ty, timeout)
    }
}

/// Drops the calling thread's cached scanners (and with them its hold on
/// the compiled rules they scan with). A host calls this from a worker
/// thread that goes idle after an engine swap; scans work as before after
/// it, at the cost of creating a scanner again.
pub fn release_thread_scanners() {
    SCANNERS.with(|cell| {
        if let Ok(mut cache) = cell.try_borrow_mut() {
            cache.clear();
        }
    });
}

/// How many scanners the calling thread holds (for tests and statistics).
pub fn thread_scanner_count() -> usize {
    SCANNERS.with(|cell| cell.try_borrow().map(|c| c.len()).unwrap_or(0))
}

/// Compiled rule sets shared by all threads, with a token whose death tells
/// the threads' scanner caches to let go of them.
#[derive(Debug)]
pub(crate) struct RuleSets {
    sets: Vec<Arc<yara_x::Rules>>,
    alive: Arc<()>,
}

type ScannerOf<'a> = yara_x::Scanner<'a>;

self_cell::self_cell!(
    struct CachedScanner {
        owner: Arc<yara_x::Rules>,
        #[not_covariant]
        dependent: ScannerOf,
    }
);

struct CacheEntry {
    alive: Weak<()>,
    scanner: CachedScanner,
    /// The type its globals were last set to: most objects of a scan are of
    /// few types, and setting a global looks it up and converts the value.
    globals: Option<ObjectType>,
}

thread_local! {
    /// This thread's scanners, one per rule set of each live engine.
    static SCANNERS: RefCell<Vec<CacheEntry>> = const { RefCell::new(Vec::new()) };
}

/// Why a signature scan could not finish.
#[derive(Debug)]
pub(crate) enum ScanFailure {
    Timeout,
    Other(String),
}

impl RuleSets {
    pub(crate) fn new(sets: Vec<yara_x::Rules>) -> Self {
        RuleSets {
            sets: sets.into_iter().map(Arc::new).collect(),
            alive: Arc::new(()),
        }
    }

    /// How many rules there are in all.
    pub(crate) fn len(&self) -> usize {
        self.sets.iter().map(|s| s.iter().len()).sum()
    }

    /// Scans `data`, an object of type `ty`, with every rule set, on this
    /// thread's scanners.
    pub(crate) fn scan(
        &self,
        data: &[u8],
        ty: ObjectType,
        timeout: Duration,
    ) -> Result<Vec<SignatureMatch>, ScanFailure> {
        let mut out = Vec::new();
        let timeout = timeout.max(Duration::from_secs(1));
        SCANNERS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut cache) => {
                cache.retain(|e| e.alive.strong_count() > 0);
                for set in &self.sets {
                    let idx = match cache
                        .iter()
                        .position(|e| Arc::ptr_eq(e.scanner.borrow_owner(), set))
                    {
                        Some(i) => i,
                        None => {
                            cache.push(CacheEntry {
                                alive: Arc::downgrade(&self.alive),
                                scanner: CachedScanner::new(set.clone(), |r| {
                                    yara_x::Scanner::new(r)
                                }),
                                globals: None,
                            });
                            cache.len() - 1
                        }
                    };
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let entry = &mut cache[idx];
                        let globals = &mut entry.globals;
                        entry
                            .scanner
                            .with_dependent_mut(|_, s| run(s, data, ty, timeout, globals, &mut out))
                    }));
                    match result {
                        Ok(r) => r?,
                        Err(_) => {
                            // A scanner that panicked is not reused.
                            cache.swap_remove(idx);
                            return Err(ScanFailure::Other("the signature engine panicked".into()));
                        }
                    }
                }
                Ok(())
            }
            // Re-entered on this thread (a scan from inside a scan): use
            // scanners of its own.
            Err(_) => {
                for set in &self.sets {
                    let mut s = yara_x::Scanner::new(set);
                    run(&mut s, data, ty, timeout, &mut None, &mut out)?;
                }
                Ok(())
            }
        })?;
        Ok(out)
    }
}

/// One scan; the globals are set only when `ty` differs from what they
/// hold (`globals`, updated).
fn run(
    s: &mut yara_x::Scanner<'_>,
    data: &[u8],
    ty: ObjectType,
    timeout: Duration,
    globals: &mut Option<ObjectType>,
    out: &mut Vec<SignatureMatch>,
) -> Result<(), ScanFailure> {
    s.set_timeout(timeout);
    // Each global that changes, alone: setting one makes a string value
    // (two allocations), and objects of one group often follow each other.
    let was = globals.replace(ty);
    if was.map(|w| w.name) != Some(ty.name) {
        let _ = s.set_global(GLOBAL_TYPE, ty.name);
    }
    if was.map(|w| w.group) != Some(ty.group) {
        let _ = s.set_global(GLOBAL_GROUP, ty.group);
    }
    let results = s.scan(data).map_err(failure)?;
    collect(&results, out);
    Ok(())
}

fn failure(e: yara_x::ScanError) -> ScanFailure {
    match e {
        yara_x::ScanError::Timeout => ScanFailure::Timeout,
        other => ScanFailure::Other(other.to_string()),
    }
}

/// The matches of a scan as our model has them.
fn collect(results: &yara_x::ScanResults<'_, '_>, out: &mut Vec<SignatureMatch>) {
    for r in results.matching_rules() {
        let mut metadata = Vec::new();
        let mut severity = Severity::High;
        for (k, v) in r.metadata() {
            let value = match v {
                yara_x::MetaValue::Integer(i) => MetaValue::Integer(i),
                yara_x::MetaValue::Float(f) => MetaValue::Float(f),
                yara_x::MetaValue::Bool(b) => MetaValue::Bool(b),
                yara_x::MetaValue::String(s) => {
                    if k == "severity" {
                        severity = Severity::parse(s).unwrap_or(Severity::High);
                    }
                    MetaValue::String(s.to_owned())
                }
                yara_x::MetaValue::Bytes(b) => {
                    MetaValue::String(String::from_utf8_lossy(b.as_ref()).into_owned())
                }
            };
            metadata.push((k.to_owned(), value));
        }
        out.push(SignatureMatch {
            namespace: r.namespace().to_owned(),
            rule: r.identifier().to_owned(),
            tags: r.tags().map(|t| t.identifier().to_owned()).collect(),
            metadata: Metadata(metadata),
            severity,
        });
    }
}

/// Bytes of one window of a block scan, and how much consecutive windows
/// overlap: a pattern up to the overlap long is found wherever it lies.
pub const BLOCK_WINDOW: usize = 32 << 20;
/// See [`BLOCK_WINDOW`].
pub const BLOCK_OVERLAP: usize = 1 << 20;

impl Rules {
    /// Scans an object too large to hold whole, in overlapping windows that
    /// `read` fills (`read(offset, buffer)` fills as much of the buffer as
    /// the object has from `offset`). yara-x's block scanner evaluates what
    /// patterns can decide; module conditions, `filesize` and `uint*` reads
    /// are undefined there (see `yara_x::blocks`). `each` sees every byte
    /// once, in order (for a hash of the whole).
    pub(crate) fn scan_blocks(
        &self,
        len: u64,
        ty: ObjectType,
        timeout: Duration,
        mut read: impl FnMut(u64, &mut [u8]) -> std::io::Result<usize>,
        mut each: impl FnMut(&[u8]),
    ) -> Result<Vec<SignatureMatch>, ScanFailure> {
        let timeout = timeout.max(Duration::from_secs(1));
        let mut scanners: Vec<yara_x::blocks::Scanner<'_>> = self
            .0
            .sets
            .iter()
            .map(|r| {
                let mut s = yara_x::blocks::Scanner::new(r);
                s.set_timeout(timeout);
                set_type(|k, v| s.set_global(k, v).map(|_| ()), ty);
                s
            })
            .collect();
        let window = usize::try_from(len).map_or(BLOCK_WINDOW, |l| l.min(BLOCK_WINDOW));
        let mut buf = vec![0u8; window];
        let mut pos = 0u64;
        // Bytes of the buffer already handed to `each` (the overlap).
        let mut seen_to = 0u64;
        while pos < len {
            let want = usize::try_from(len - pos).map_or(window, |l| l.min(window));
            let mut got = 0;
            while got < want {
                let n = read(pos + got as u64, &mut buf[got..want]).map_err(|e| {
                    ScanFailure::Other(format!("reading at {}: {e}", pos + got as u64))
                })?;
                if n == 0 {
                    break;
                }
                got += n;
            }
            let block = &buf[..got];
            let fresh = usize::try_from(seen_to.saturating_sub(pos))
                .unwrap_or(got)
                .min(got);
            each(&block[fresh..]);
            seen_to = pos + got as u64;
            let base = usize::try_from(pos)
                .map_err(|_| ScanFailure::Other("offset past the address space".into()))?;
            for s in &mut scanners {
                s.scan(base, block).map_err(failure)?;
            }
            if got < want || pos + (got as u64) >= len {
                break;
            }
            pos += (window - BLOCK_OVERLAP.min(window / 2)) as u64;
        }
        let mut out = Vec::new();
        for s in &mut scanners {
            let results = s.finish().map_err(failure)?;
            collect(&results, &mut out);
        }
        Ok(out)
    }
}

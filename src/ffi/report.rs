//! The report, read without JSON (verdict, findings, objects) or as JSON.
//! Strings handed out are borrowed from the report: NUL-terminated, valid
//! until the report is freed. They are made on the first call that asks for
//! one, so a host that reads only the verdict pays for none.

use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use super::boundary::{OnPanic, c_string, guard, guard_result, handle, non_null, write_out};
use super::result::xferscan_result;
use crate::{Action, FindingKind, MetaValue, Origin, Report, StopReason, Verdict};

/// The delivery decision.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum xferscan_verdict {
    /// No finding asks for more than delivery.
    Clean = 0,
    /// Some finding is flagged by the policy: deliver with a warning, or
    /// hold.
    Suspicious = 1,
    /// Some finding is blocked by the policy: do not deliver.
    Malicious = 2,
}

impl From<Verdict> for xferscan_verdict {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Clean => xferscan_verdict::Clean,
            Verdict::Suspicious => xferscan_verdict::Suspicious,
            Verdict::Malicious => xferscan_verdict::Malicious,
        }
    }
}

impl OnPanic for xferscan_verdict {
    fn on_panic() -> Self {
        xferscan_verdict::Malicious
    }
}

/// What the policy does with a finding.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum xferscan_action {
    /// Recorded; the verdict stays clean.
    Allow = 0,
    /// The verdict becomes at least suspicious.
    Flag = 1,
    /// The verdict becomes malicious.
    Block = 2,
}

impl From<Action> for xferscan_action {
    fn from(a: Action) -> Self {
        match a {
            Action::Allow => xferscan_action::Allow,
            Action::Flag => xferscan_action::Flag,
            Action::Block => xferscan_action::Block,
        }
    }
}

impl OnPanic for xferscan_action {
    fn on_panic() -> Self {
        xferscan_action::Block
    }
}

/// Why a scan ended before its work was done.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum xferscan_stop_reason {
    /// It did not: the report is complete.
    None = 0,
    /// The finding callback asked to stop.
    Callback = 1,
    /// First-hit mode stopped at the first blocked finding.
    FirstHit = 2,
    /// The host cancelled the scan.
    Cancelled = 3,
    /// The scan's time limit ran out.
    Time = 4,
    /// A reason newer than this header.
    Other = 5,
}

impl OnPanic for xferscan_stop_reason {
    fn on_panic() -> Self {
        xferscan_stop_reason::Other
    }
}

/// Where an object came from.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum xferscan_origin {
    /// The outer object, as the caller handed it over.
    Input = 0,
    /// An entry of its container, under the name the container gives it.
    Entry = 1,
    /// An entry that its container gives no name.
    Unnamed = 2,
    /// A region of its parent found by what it holds.
    Carved = 3,
    /// Its parent's content decoded.
    Decoded = 4,
    /// An origin newer than this header.
    Other = 5,
}

impl OnPanic for xferscan_origin {
    fn on_panic() -> Self {
        xferscan_origin::Other
    }
}

/// The result of one scan. Read it with the accessors below; free it with
/// xferscan_report_free. It holds no reference to its engine, so engine
/// and report may be freed in any order.
///
/// Thread safety: a report is not changed by its accessors' callers; any
/// number of threads may read one report at once.
pub struct xferscan_report {
    pub(crate) report: Report,
    strings: OnceLock<Strings>,
    json: OnceLock<CString>,
}

struct Strings {
    findings: Vec<FindingStrings>,
    objects: Vec<ObjectStrings>,
}

struct FindingStrings {
    key: CString,
    path: CString,
    decided_by: CString,
    description: CString,
    rule: Option<CString>,
    namespace: Option<CString>,
    tags: Vec<CString>,
    meta: Vec<(CString, CString)>,
}

struct ObjectStrings {
    path: CString,
    types: Vec<CString>,
    sha256: Option<CString>,
}

impl xferscan_report {
    pub(crate) fn new(report: Report) -> Self {
        xferscan_report {
            report,
            strings: OnceLock::new(),
            json: OnceLock::new(),
        }
    }

    fn strings(&self) -> &Strings {
        self.strings.get_or_init(|| Strings {
            findings: self
                .report
                .findings
                .iter()
                .map(|f| {
                    let sig = match &f.kind {
                        FindingKind::Signature(m) => Some(m),
                        _ => None,
                    };
                    FindingStrings {
                        key: c_string(f.kind.key()),
                        path: c_string(&f.path.to_string()),
                        decided_by: c_string(&f.decided_by),
                        description: c_string(&f.kind.describe()),
                        rule: sig.map(|m| c_string(&m.rule)),
                        namespace: sig.map(|m| c_string(&m.namespace)),
                        tags: sig
                            .map(|m| m.tags.iter().map(|t| c_string(t)).collect())
                            .unwrap_or_default(),
                        meta: sig
                            .map(|m| {
                                m.metadata
                                    .0
                                    .iter()
                                    .map(|(k, v)| (c_string(k), c_string(&meta_text(v))))
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect(),
            objects: self
                .report
                .objects
                .iter()
                .map(|o| ObjectStrings {
                    path: c_string(&o.path.to_string()),
                    types: o.types.iter().map(|t| c_string(t.ty.name())).collect(),
                    sha256: o.sha256.as_deref().map(c_string),
                })
                .collect(),
        })
    }

    fn finding(&self, i: usize) -> Option<&FindingStrings> {
        self.strings().findings.get(i)
    }

    fn object(&self, i: usize) -> Option<&ObjectStrings> {
        self.strings().objects.get(i)
    }
}

fn meta_text(v: &MetaValue) -> String {
    match v {
        MetaValue::Integer(i) => i.to_string(),
        MetaValue::Float(f) => f.to_string(),
        MetaValue::Bool(b) => b.to_string(),
        MetaValue::String(s) => s.clone(),
    }
}

fn ptr(s: Option<&CString>) -> *const c_char {
    s.map_or(std::ptr::null(), |s| s.as_ptr())
}

/// A report from C, or None for NULL.
///
/// # Safety
///
/// `r` is NULL or a live report.
unsafe fn rep<'a>(r: *const xferscan_report) -> Option<&'a xferscan_report> {
    // SAFETY: forwarded.
    unsafe { handle(r) }.ok()
}

/// Frees a report and every string borrowed from it. NULL is fine; freeing
/// twice is undefined behaviour.
///
/// # Safety
///
/// `report` is NULL or a live report, not used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_free(report: *mut xferscan_report) {
    // SAFETY: forwarded.
    guard(|| unsafe { super::boundary::free(report) })
}

/// The verdict. NULL gives XFERSCAN_VERDICT_MALICIOUS: a caller that lost
/// its report fails closed.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_verdict(
    report: *const xferscan_report,
) -> xferscan_verdict {
    // SAFETY: forwarded.
    guard(|| {
        unsafe { rep(report) }.map_or(xferscan_verdict::Malicious, |r| r.report.verdict.into())
    })
}

/// True when every object in the scan's queue was scanned. False for NULL.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_complete(report: *const xferscan_report) -> bool {
    // SAFETY: forwarded.
    guard(|| unsafe { rep(report) }.is_some_and(|r| r.report.complete))
}

/// Why the scan ended early; XFERSCAN_STOP_REASON_NONE when it did not.
/// NULL gives XFERSCAN_STOP_REASON_OTHER.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_stopped(
    report: *const xferscan_report,
) -> xferscan_stop_reason {
    guard(|| {
        // SAFETY: forwarded.
        let Some(r) = (unsafe { rep(report) }) else {
            return xferscan_stop_reason::Other;
        };
        match r.report.stopped {
            None => xferscan_stop_reason::None,
            Some(StopReason::Sink) => xferscan_stop_reason::Callback,
            Some(StopReason::FirstHit) => xferscan_stop_reason::FirstHit,
            Some(StopReason::Cancelled) => xferscan_stop_reason::Cancelled,
            Some(StopReason::Time) => xferscan_stop_reason::Time,
        }
    })
}

/// How many findings the report holds (0 for NULL).
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_count(report: *const xferscan_report) -> usize {
    // SAFETY: forwarded.
    guard(|| unsafe { rep(report) }.map_or(0, |r| r.report.findings.len()))
}

/// How many objects were scanned: the outer file and everything unpacked
/// from it (0 for NULL).
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_object_count(report: *const xferscan_report) -> usize {
    // SAFETY: forwarded.
    guard(|| unsafe { rep(report) }.map_or(0, |r| r.report.objects.len()))
}

/// The report as JSON (the layout of `xferscan scan --json`, with its
/// "schema" version): `*out` is NUL-terminated, `*out_len` its length
/// without the NUL; both borrowed from the report until it is freed.
///
/// # Safety
///
/// `report` is NULL or a live report; `out` and `out_len` are NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_json(
    report: *const xferscan_report,
    out: *mut *const c_char,
    out_len: *mut usize,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let r = unsafe { handle(report) }?;
        non_null(out)?;
        non_null(out_len)?;
        let json = r.json.get_or_init(|| {
            // A report always serializes; an empty object if it did not.
            c_string(&serde_json::to_string(&r.report).unwrap_or_else(|_| "{}".into()))
        });
        // SAFETY: checked above.
        unsafe {
            write_out(out, json.as_ptr());
            write_out(out_len, json.as_bytes().len());
        }
        Ok(())
    })
}

/// A string of finding `index`, or NULL.
///
/// # Safety
///
/// `report` is NULL or a live report.
unsafe fn finding_str(
    report: *const xferscan_report,
    index: usize,
    get: impl FnOnce(&FindingStrings) -> *const c_char,
) -> *const c_char {
    guard(|| {
        // SAFETY: forwarded.
        unsafe { rep(report) }
            .and_then(|r| r.finding(index))
            .map_or(std::ptr::null(), get)
    })
}

/// The finding's stable key, such as "signature", "type.executable",
/// "name.double_extension", "limit.cancelled": what policies name it by.
///
/// NULL when `report` is NULL or `index` is not below
/// xferscan_report_finding_count. Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_key(
    report: *const xferscan_report,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe { finding_str(report, index, |f| f.key.as_ptr()) }
}

/// Where the finding's object sits, outer name first, joined with
/// " > " ("mail.zip > docs/a.zip > run.exe"); control characters are
/// escaped.
///
/// NULL when `report` is NULL or `index` is not below
/// xferscan_report_finding_count. Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_path(
    report: *const xferscan_report,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe { finding_str(report, index, |f| f.path.as_ptr()) }
}

/// The policy entry that chose the finding's action, such as
/// "types.executable".
///
/// NULL when `report` is NULL or `index` is not below
/// xferscan_report_finding_count. Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_decided_by(
    report: *const xferscan_report,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe { finding_str(report, index, |f| f.decided_by.as_ptr()) }
}

/// A one-line description of the finding, for people.
///
/// NULL when `report` is NULL or `index` is not below
/// xferscan_report_finding_count. Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_description(
    report: *const xferscan_report,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe { finding_str(report, index, |f| f.description.as_ptr()) }
}

/// The identifier of the rule that matched; NULL when the finding is
/// not a signature.
///
/// NULL when `report` is NULL or `index` is not below
/// xferscan_report_finding_count. Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_rule(
    report: *const xferscan_report,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe { finding_str(report, index, |f| ptr(f.rule.as_ref())) }
}

/// The namespace of the rule that matched; NULL when the finding is not
/// a signature.
///
/// NULL when `report` is NULL or `index` is not below
/// xferscan_report_finding_count. Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_namespace(
    report: *const xferscan_report,
    index: usize,
) -> *const c_char {
    // SAFETY: forwarded.
    unsafe { finding_str(report, index, |f| ptr(f.namespace.as_ref())) }
}

/// What the policy does with finding `index`. XFERSCAN_ACTION_BLOCK when
/// `report` is NULL or `index` is out of range (it fails closed).
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_action(
    report: *const xferscan_report,
    index: usize,
) -> xferscan_action {
    guard(|| {
        // SAFETY: forwarded.
        unsafe { rep(report) }
            .and_then(|r| r.report.findings.get(index))
            .map_or(xferscan_action::Block, |f| f.action.into())
    })
}

/// The index (below xferscan_report_object_count) of the object finding
/// `index` is about; SIZE_MAX when `report` is NULL or `index` is out of
/// range.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_object(
    report: *const xferscan_report,
    index: usize,
) -> usize {
    guard(|| {
        // SAFETY: forwarded.
        unsafe { rep(report) }
            .and_then(|r| r.report.findings.get(index))
            .map_or(usize::MAX, |f| f.object)
    })
}

/// How many tags the rule of finding `index` has (0 when it is not a
/// signature, out of range, or `report` is NULL).
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_tag_count(
    report: *const xferscan_report,
    index: usize,
) -> usize {
    // SAFETY: forwarded.
    guard(|| {
        unsafe { rep(report) }
            .and_then(|r| r.finding(index))
            .map_or(0, |f| f.tags.len())
    })
}

/// Tag `tag` of the rule of finding `index`; NULL when out of range.
/// Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_tag(
    report: *const xferscan_report,
    index: usize,
    tag: usize,
) -> *const c_char {
    guard(|| {
        // SAFETY: forwarded.
        ptr(unsafe { rep(report) }
            .and_then(|r| r.finding(index))
            .and_then(|f| f.tags.get(tag)))
    })
}

/// How many metadata entries the rule of finding `index` has, in the
/// rule's order (0 when it is not a signature or out of range).
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_meta_count(
    report: *const xferscan_report,
    index: usize,
) -> usize {
    // SAFETY: forwarded.
    guard(|| {
        unsafe { rep(report) }
            .and_then(|r| r.finding(index))
            .map_or(0, |f| f.meta.len())
    })
}

/// Metadata entry `meta` of the rule of finding `index`: its name in
/// `*out_name` and its value as text (integers and floats in decimal,
/// booleans as "true"/"false") in `*out_value`, both borrowed from the
/// report. XFERSCAN_RESULT_INVALID_PARAMETER when out of range.
///
/// # Safety
///
/// `report` is NULL or a live report; the outs are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_finding_meta(
    report: *const xferscan_report,
    index: usize,
    meta: usize,
    out_name: *mut *const c_char,
    out_value: *mut *const c_char,
) -> xferscan_result {
    guard_result(|| {
        // SAFETY: forwarded.
        let r = unsafe { handle(report) }?;
        non_null(out_name)?;
        non_null(out_value)?;
        let (k, v) = r
            .finding(index)
            .and_then(|f| f.meta.get(meta))
            .ok_or(xferscan_result::InvalidParameter)?;
        // SAFETY: checked above.
        unsafe {
            write_out(out_name, k.as_ptr());
            write_out(out_value, v.as_ptr());
        }
        Ok(())
    })
}

/// Object `index`'s path, outer name first, joined with " > "; NULL when
/// out of range. Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_object_path(
    report: *const xferscan_report,
    index: usize,
) -> *const c_char {
    guard(|| {
        // SAFETY: forwarded.
        ptr(unsafe { rep(report) }
            .and_then(|r| r.object(index))
            .map(|o| &o.path))
    })
}

/// Object `index`'s SHA-256 in lowercase hex; NULL when the engine's hash
/// setting did not ask for it, or out of range. Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_object_sha256(
    report: *const xferscan_report,
    index: usize,
) -> *const c_char {
    guard(|| {
        // SAFETY: forwarded.
        ptr(unsafe { rep(report) }
            .and_then(|r| r.object(index))
            .and_then(|o| o.sha256.as_ref()))
    })
}

/// How many types were found in object `index` (0 when out of range).
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_object_type_count(
    report: *const xferscan_report,
    index: usize,
) -> usize {
    // SAFETY: forwarded.
    guard(|| {
        unsafe { rep(report) }
            .and_then(|r| r.report.objects.get(index))
            .map_or(0, |o| o.types.len())
    })
}

/// Type `ty` of object `index` by name ("zip", "pe-exe", "text", ...); the
/// true type is type 0. NULL when out of range. Borrowed from the report.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_object_type(
    report: *const xferscan_report,
    index: usize,
    ty: usize,
) -> *const c_char {
    guard(|| {
        // SAFETY: forwarded.
        ptr(unsafe { rep(report) }
            .and_then(|r| r.object(index))
            .and_then(|o| o.types.get(ty)))
    })
}

/// Object `index`'s size in bytes, as scanned (0 when out of range).
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_object_size(
    report: *const xferscan_report,
    index: usize,
) -> u64 {
    // SAFETY: forwarded.
    guard(|| {
        unsafe { rep(report) }
            .and_then(|r| r.report.objects.get(index))
            .map_or(0, |o| o.size)
    })
}

/// Object `index`'s container, an object index; SIZE_MAX for the outer
/// file or when out of range.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_object_parent(
    report: *const xferscan_report,
    index: usize,
) -> usize {
    guard(|| {
        // SAFETY: forwarded.
        unsafe { rep(report) }
            .and_then(|r| r.report.objects.get(index))
            .and_then(|o| o.parent)
            .unwrap_or(usize::MAX)
    })
}

/// Where object `index` came from; XFERSCAN_ORIGIN_OTHER when out of range.
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_object_origin(
    report: *const xferscan_report,
    index: usize,
) -> xferscan_origin {
    guard(|| {
        // SAFETY: forwarded.
        match unsafe { rep(report) }
            .and_then(|r| r.report.objects.get(index))
            .map(|o| o.origin)
        {
            Some(Origin::Input { .. }) => xferscan_origin::Input,
            Some(Origin::Entry) => xferscan_origin::Entry,
            Some(Origin::Unnamed) => xferscan_origin::Unnamed,
            Some(Origin::Carved { .. }) => xferscan_origin::Carved,
            Some(Origin::Decoded) => xferscan_origin::Decoded,
            _ => xferscan_origin::Other,
        }
    })
}

/// True when object `index` was too large to match whole and its
/// signatures were matched in overlapping windows (module conditions,
/// filesize and uint reads not evaluated there).
///
/// # Safety
///
/// `report` is NULL or a live report.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn xferscan_report_object_windowed(
    report: *const xferscan_report,
    index: usize,
) -> bool {
    // SAFETY: forwarded.
    guard(|| {
        unsafe { rep(report) }
            .and_then(|r| r.report.objects.get(index))
            .is_some_and(|o| o.windowed)
    })
}

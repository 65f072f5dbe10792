//! The judgement of one object that needs no unpacking and no signature:
//! its true type, the type as its name refines it, the name checks and the
//! type policy. Pure, and callable on the first bytes of a file
//! ([`Engine::judge_head`]) to give a verdict before the rest arrives.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{Engine, Inner, ScanOptions};
use crate::detect::{self, Detection, known};
use crate::finding::FindingKind;
use crate::policy::Policy;
use crate::report::{Action, Finding, ObjectPath, TypeAt, Verdict};
use crate::types::FileType;

/// The type detection of an object's bytes, inside a panic boundary: a
/// detector bug is a finding, never a crash.
/// With `head`, the object is too large to be read whole for its type
/// (see [`Detector::detect_large`](crate::detect::Detector::detect_large)).
pub(super) fn detect(inner: &Inner, data: &[u8], head: Option<usize>) -> Detection {
    catch_unwind(AssertUnwindSafe(|| match head {
        Some(head) => inner.detector.detect_large(data, head),
        None => inner.detector.detect(data),
    }))
    .unwrap_or_else(|_| Detection {
        types: vec![TypeAt {
            ty: known::DATA,
            offset: 0,
        }],
        findings: vec![FindingKind::Malformed {
            detail: "type detection failed on this object".into(),
        }],
        ..Detection::default()
    })
}

/// The name the checks judge: a local path's folders are the operator's,
/// not the sender's.
pub(super) fn judged_name(name: &str, local_path: bool, root: bool) -> &str {
    if local_path && root {
        detect::names::file_name(name)
    } else {
        name
    }
}

/// Refines the true type by the name (text named `.vbs` is VBScript), in
/// place, when the name is the sender's.
pub(super) fn refine(types: &mut [TypeAt], name: &str, named: bool) {
    if named && let Some(t) = types.first_mut() {
        t.ty = detect::refine_by_name(t.ty, name);
    }
}

/// Takes the type a container declares for an object (the text of a
/// page's `<script>` element is JavaScript, run by the browser inside its
/// page, whatever language it reads as) when its content reads as text or
/// as a script: what detection found by structure (a program) stays.
pub(super) fn declare(types: &mut [TypeAt], declared: Option<FileType>) {
    use crate::types::TypeGroup as G;
    if let (Some(d), Some(t)) = (declared, types.first_mut())
        && matches!(
            t.ty.group(),
            G::Text | G::Unknown | G::WindowsScript | G::OtherScript
        )
    {
        t.ty = d;
    }
}

/// What the name and the true type say of an object: the name checks (for a
/// name the sender chose) and the type policy. `alt_names` are the other
/// names its container's readers show for it (a zip entry's header name
/// beside its Unicode Path name): what a user of any of those readers sees
/// is judged, and a finding the name already gave is not repeated.
pub(super) fn placement(
    policy: &Policy,
    ty: FileType,
    name: &str,
    alt_names: &[String],
    named: bool,
) -> Vec<FindingKind> {
    let mut found = Vec::new();
    if named {
        detect::names::check(name, ty, &mut found);
        for alt in alt_names {
            // Text that another reader writes out as `.vbs` is a script
            // there.
            let alt_ty = detect::refine_by_name(ty, alt);
            let mut more = Vec::new();
            detect::names::check(alt, alt_ty, &mut more);
            if alt_ty != ty && acts_on(policy, alt_ty) {
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
    }
    if acts_on(policy, ty) {
        found.push(FindingKind::TrueType { ty });
    }
    found
}

/// True when the policy does more than allow this type.
fn acts_on(policy: &Policy, ty: FileType) -> bool {
    policy
        .type_action(ty)
        .is_some_and(|(action, _)| action != Action::Allow)
}

/// What the first bytes of a file settle, whatever follows them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HeadJudgement {
    /// The verdict these findings give; the full scan's can only be the
    /// same or stronger.
    pub verdict: Verdict,
    /// The true type, when the head settles it.
    pub true_type: Option<FileType>,
    /// The findings no later byte can overturn, decided by the policy, each
    /// also in the full scan's report of the same file.
    pub findings: Vec<Finding>,
}

impl HeadJudgement {
    /// True when the head already decides that the file is blocked: a
    /// gateway can stop receiving it.
    pub fn blocked(&self) -> bool {
        self.verdict == Verdict::Malicious
    }
}

impl Engine {
    /// Judges a file from its name and first bytes, before the rest has
    /// arrived: the findings that no later byte can overturn, under this
    /// engine's policy. The name is judged whole (a bidi control, a double
    /// extension, a path leaving its folder); the true type only where the
    /// head settles it (a PE whose headers are all there, a shortcut), and
    /// with it the type policy and the extension check. What depends on
    /// later bytes (signatures, containers, a type read from the whole
    /// file) is left to the full scan, whose findings include all of these.
    ///
    /// ```
    /// let engine = xferscan::Engine::builder().build()?;
    /// let j = engine.judge_head("invoice.pdf.exe", b"", &xferscan::ScanOptions::new());
    /// assert!(j.blocked()); // a double extension, whatever the bytes
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn judge_head(&self, name: &str, head: &[u8], opts: &ScanOptions) -> HeadJudgement {
        let inner = &*self.inner;
        let named = !name.is_empty() && name != "-";
        let judged = judged_name(name, opts.local_path, true);
        let settled = catch_unwind(AssertUnwindSafe(|| inner.detector.settled_type(head)))
            .ok()
            .flatten();
        let kinds = match settled {
            Some(ty) => placement(&inner.policy, ty, judged, &[], named),
            // The name alone: every check but the one against the type.
            None => placement(&inner.policy, known::DATA, judged, &[], named)
                .into_iter()
                .filter(|k| {
                    !matches!(
                        k,
                        FindingKind::ExtensionMismatch { .. } | FindingKind::TrueType { .. }
                    )
                })
                .collect(),
        };
        let path = ObjectPath::root(super::walk::root_label(name));
        let mut verdict = Verdict::Clean;
        let findings = kinds
            .into_iter()
            .map(|kind| {
                let (action, decided_by) = inner.policy.decide(&kind);
                verdict = verdict.max(action.verdict());
                Finding {
                    object: 0,
                    path: path.clone(),
                    kind,
                    action,
                    decided_by,
                }
            })
            .collect();
        HeadJudgement {
            verdict,
            true_type: settled,
            findings,
        }
    }
}

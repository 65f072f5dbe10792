//! The layering of `src/`: which top-level module may use which, as
//! `../shared/DESIGN.md` draws it. A `use crate::x` that breaks it, or an
//! import circle, fails here before it sets in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What each top-level module may use (besides itself).
const ALLOWED: &[(&str, &[&str])] = &[
    ("types", &[]),
    ("limits", &[]),
    ("error", &[]),
    ("clock", &[]),
    // Cache hints: a leaf, as the clock is.
    ("prefetch", &[]),
    ("finding", &["limits", "types"]),
    ("report", &["finding", "types"]),
    ("budget", &["clock", "limits"]),
    ("policy", &["error", "finding", "report", "types"]),
    ("format", &["finding", "types"]),
    (
        "detect",
        &["finding", "format", "report", "types", "limits"],
    ),
    (
        "unpack",
        &[
            "budget", "finding", "format", "limits", "prefetch", "report", "types",
        ],
    ),
    ("signatures", &["error", "finding"]),
    // The C API wraps the public API only: the crate root's re-exports
    // (`crate::Engine`), which this check does not count as a module.
    ("ffi", &[]),
    (
        "config",
        &["error", "limits", "policy", "report", "engine", "types"],
    ),
    // The daemon belongs to the command (`mod serve` in main.rs) and uses
    // the library through its public API only, never its internals.
    ("serve", &[]),
];

/// `text` without its items under `#[cfg(test)]`, each from the attribute
/// to its end: its braces closed, or its `;` or `,` outside brackets. Only
/// those: a test helper in the middle of a file hides nothing after it.
fn without_tests(text: &str) -> String {
    const ATTR: &str = "#[cfg(test)]";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(ATTR) {
        out.push_str(&rest[..at]);
        let item = &rest[at + ATTR.len()..];
        let mut depth = 0i32;
        let mut end = item.len();
        for (i, c) in item.char_indices() {
            match c {
                '{' | '[' | '(' => depth += 1,
                '}' | ']' | ')' => {
                    depth -= 1;
                    if depth < 0 {
                        end = i;
                        break;
                    }
                    if depth == 0 && c == '}' {
                        end = i + 1;
                        break;
                    }
                }
                ';' | ',' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// The `crate::x` paths a file uses outside its tests.
fn uses(text: &str) -> BTreeSet<String> {
    let code: String = without_tests(text)
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let code = code.as_str();
    let mut out = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    let modules: BTreeSet<String> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            p.file_stem().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let entry = g.entry(top.clone()).or_default();
            for u in uses(&text) {
                if u != top && modules.contains(&u) {
                    entry.insert(u);
                }
            }
        }
    }
    g
}

#[test]
fn each_module_uses_only_what_the_design_allows() {
    let g = graph();
    for (module, allowed) in ALLOWED {
        let Some(used) = g.get(*module) else { continue };
        for u in used {
            assert!(
                allowed.contains(&u.as_str()),
                "{module} uses {u}, which the layering does not allow"
            );
        }
    }
}

#[test]
fn there_is_no_import_circle() {
    let g = graph();
    for start in g.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = g[start].iter().collect();
        while let Some(m) = stack.pop() {
            assert_ne!(m, start, "{start} reaches itself through its imports");
            if seen.insert(m.clone())
                && let Some(next) = g.get(m)
            {
                stack.extend(next.iter());
            }
        }
    }
}

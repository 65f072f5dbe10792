//! The layering of `src/`: which top-level module may use which, as
//! `../shared/DESIGN.md` draws it. A `use crate::x` that breaks it, or an
//! import circle, fails here before it sets in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

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

/// Whether `tokens` are the attribute `#[cfg(test)]` (the `#` then its
/// bracket).
fn is_cfg_test(hash: &TokenTree, bracket: Option<&TokenTree>) -> bool {
    let (TokenTree::Punct(p), Some(TokenTree::Group(g))) = (hash, bracket) else {
        return false;
    };
    p.as_char() == '#'
        && g.delimiter() == Delimiter::Bracket
        && g.stream().to_string().replace(' ', "") == "cfg(test)"
}

/// The `crate::x` modules `tokens` use outside their items under
/// `#[cfg(test)]`. The file is read as the compiler lexes it, so a brace or
/// a `crate::` inside a string, a character or a comment counts for
/// nothing. A test item runs from its attribute to its end: its braces
/// closed, or its `;` or `,` at its own level. `crate::{a, b::c}` names
/// `a` and `b`.
fn uses_in(tokens: TokenStream, out: &mut BTreeSet<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        if is_cfg_test(&tokens[i], tokens.get(i + 1)) {
            i += 2;
            while let Some(t) = tokens.get(i) {
                i += 1;
                match t {
                    TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
                    TokenTree::Punct(p) if matches!(p.as_char(), ';' | ',') => break,
                    _ => {}
                }
            }
            continue;
        }
        match &tokens[i] {
            TokenTree::Ident(id) if id == "crate" => {
                let sep = tokens.get(i + 1..i + 3).is_some_and(|t| {
                    t.iter()
                        .all(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ':'))
                });
                if sep {
                    match tokens.get(i + 3) {
                        Some(TokenTree::Ident(name)) => {
                            out.insert(name.to_string());
                        }
                        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                            group_heads(g.stream(), out);
                        }
                        _ => {}
                    }
                }
            }
            TokenTree::Group(g) => uses_in(g.stream(), out),
            _ => {}
        }
        i += 1;
    }
}

/// The first name of each path in a `use` group: `a` and `b` of
/// `{a, b::c, d::{e, f}}`.
fn group_heads(tokens: TokenStream, out: &mut BTreeSet<String>) {
    let mut head = true;
    for t in tokens {
        match t {
            TokenTree::Ident(name) if head => {
                out.insert(name.to_string());
                head = false;
            }
            TokenTree::Punct(p) if p.as_char() == ',' => head = true,
            _ => head = false,
        }
    }
}

/// The `crate::x` paths a file uses outside its tests.
fn uses(text: &str) -> BTreeSet<String> {
    let tokens: TokenStream = text.parse().expect("a source file that lexes");
    let mut out = BTreeSet::new();
    uses_in(tokens, &mut out);
    out
}

#[test]
fn the_reading_skips_test_items_and_nothing_else() {
    let text = r#"
        use crate::types::FileType;
        const BRACE: char = '{';
        // a comment with crate::report and a } brace
        #[cfg(test)]
        mod tests {
            use crate::unpack::Ctx;
            const S: &str = "}";
        }
        #[cfg(test)]
        use crate::budget::Budget;
        use crate::{detect::x, format};
        fn f() -> &'static str {
            "crate::limits"
        }
        #[cfg(any(test, feature = "_fuzz"))]
        fn fuzz_only() { crate::finding::x(); }
    "#;
    let got: Vec<String> = uses(text).into_iter().collect();
    assert_eq!(got, ["detect", "finding", "format", "types"]);
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

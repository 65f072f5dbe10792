//! One configuration file for the whole engine, in TOML: the rules, the
//! limits, the delivery policy, the passwords and the hashes. The `xferscan`
//! command reads it (`--config FILE`); a program that links the library
//! reads it with [`Config::from_path`] or straight into a builder with
//! [`EngineBuilder::config_path`].
//!
//! Every section and key may be left out, and what is left out keeps its
//! default. A key or section that is not listed below is an error, as is a
//! value of the wrong kind; the error names the file, the line and the
//! column.
//!
//! ```toml
//! # Candidate passwords for encrypted archives. They replace the built-in
//! # list (DEFAULT_PASSWORDS). Top-level keys come before the first [section].
//! passwords = ["infected", "from-our-users"]
//! # Which objects a report gives the SHA-256 of: "flagged", "every", "none".
//! hashes = "every"
//!
//! [rules]
//! builtin = true                       # the built-in pack
//! paths = ["rules/", "local.yar"]      # files, folders, precompiled rules
//!
//! [limits]
//! max_depth = 10
//! max_objects = 5000
//! max_object_size = "50M"              # bytes, or with K, M, G (of 1024)
//! max_total_size = "1G"
//! max_ratio = 500
//! max_time = "30s"                     # seconds, or with ms, s, m, h
//! max_stream_size = "16G"              # the outer object, matched in windows past max_object_size
//! stream_memory = "4M"                 # of a stream in memory before it spills to a temporary file
//!
//! [policy]                             # inline, as a policy file has it...
//! base = "default"
//! [policy.types]
//! "pe-dll" = "flag"
//! [policy.findings]
//! encrypted = "block"
//! [policy.signatures]
//! block_at = "medium"
//! [policy.signatures.rules]
//! PE_UPX_Stub = "allow"
//!
//! [serve]                              # not read by the library
//! ```
//!
//! Relative paths (`[rules] paths`, `[policy] file`) are read from the
//! folder of the configuration file when it is loaded from a file
//! ([`Config::from_path`]), from the current folder otherwise
//! ([`Config::from_toml`]).
//!
//! `[policy]` holds either the policy itself, in exactly the layout of a
//! policy file ([`Policy::from_toml`]: `base`, `[policy.types]`,
//! `[policy.findings]`, `[policy.signatures]`,
//! `[policy.signatures.rules]`), or one key, `file = "policy.toml"`, that
//! names a policy file.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::IgnoredAny;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::engine::EngineBuilder;
use crate::error::Error;
use crate::limits::Limits;
use crate::policy::Policy;
use crate::report::ObjectHashes;

/// An engine configuration, read from TOML (see the [module
/// documentation](self) for the format). Each field is what the file says,
/// or nothing where it says nothing; [`EngineBuilder::config`] applies it.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// `[rules] builtin`: whether the built-in rule pack is compiled in.
    pub builtin_rules: Option<bool>,
    /// `[rules] paths`: rule files, folders of them and precompiled rules,
    /// relative ones already resolved (see the module documentation).
    pub rule_paths: Vec<PathBuf>,
    /// `[limits]`: [`Limits::default`] with the keys that the section
    /// names replaced, or `None` when there is no such section.
    pub limits: Option<Limits>,
    /// `[policy]`: the policy written inline or read from its file.
    pub policy: Option<Policy>,
    /// `passwords`: the candidate passwords for encrypted entries, which
    /// replace [`DEFAULT_PASSWORDS`](crate::DEFAULT_PASSWORDS).
    pub passwords: Option<Vec<String>>,
    /// `hashes`: which objects a report gives the SHA-256 of.
    pub hashes: Option<ObjectHashes>,
    /// `[serve]`: settings of the `xferscan` command's daemon. The library
    /// does not interpret this table; it keeps it as written, unchecked,
    /// for the program that serves scans.
    pub serve: toml::Table,
}

impl Config {
    /// Reads a configuration from TOML. `origin` names it in errors;
    /// relative paths in it are left relative (to the current folder).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for TOML that does not parse, an unknown key or
    /// section, or a value of the wrong kind, with its line and column;
    /// what reading a `[policy] file` gives ([`Error::Io`],
    /// [`Error::Policy`]).
    pub fn from_toml(text: &str, origin: &str) -> Result<Config, Error> {
        parse(text, origin, None)
    }

    /// Reads a configuration file. Relative paths in it are read from the
    /// file's folder.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, and those of
    /// [`Config::from_toml`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Config, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        parse(
            &text,
            &path.display().to_string(),
            Some(path.parent().unwrap_or(Path::new(""))),
        )
    }
}

impl EngineBuilder {
    /// Applies a configuration: what it sets replaces what was set before
    /// (the limits as a whole, when it has a `[limits]` section), its rule
    /// paths are added to those given before, and what it leaves out is
    /// left as it was. Its `[serve]` table is not used.
    pub fn config(&mut self, config: &Config) -> &mut Self {
        if let Some(yes) = config.builtin_rules {
            self.default_rules(yes);
        }
        for p in &config.rule_paths {
            self.rules_path(p);
        }
        if let Some(limits) = &config.limits {
            self.limits(limits.clone());
        }
        if let Some(policy) = &config.policy {
            self.policy(policy.clone());
        }
        if let Some(passwords) = &config.passwords {
            self.passwords(passwords.iter().cloned());
        }
        if let Some(which) = config.hashes {
            self.object_hashes(which);
        }
        self
    }

    /// Reads a configuration from TOML ([`Config::from_toml`]) and applies
    /// it ([`EngineBuilder::config`]).
    ///
    /// # Errors
    ///
    /// Those of [`Config::from_toml`]; the builder is left as it was.
    pub fn config_toml(&mut self, text: &str, origin: &str) -> Result<&mut Self, Error> {
        let config = Config::from_toml(text, origin)?;
        Ok(self.config(&config))
    }

    /// Reads a configuration file ([`Config::from_path`]) and applies it
    /// ([`EngineBuilder::config`]).
    ///
    /// # Errors
    ///
    /// Those of [`Config::from_path`]; the builder is left as it was.
    pub fn config_path(&mut self, path: impl AsRef<Path>) -> Result<&mut Self, Error> {
        let config = Config::from_path(path)?;
        Ok(self.config(&config))
    }
}

/// Reads a size: a number of bytes, or a number with `K`, `M`, `G` or `T`
/// (powers of 1024, with or without a trailing `B` or `iB`, in any case),
/// such as `"512K"`, `"100M"` or `"2GiB"`. `None` when it is not one or
/// does not fit in 64 bits.
pub fn parse_size(text: &str) -> Option<u64> {
    let (n, unit) = number_and_unit(text)?;
    let shift = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return None,
    };
    n.checked_mul(1 << shift)
}

/// Reads a duration: a number of seconds, or a number with `ms`, `s`, `m`
/// or `h`, such as `"120s"`, `"2m"` or `"500ms"`. `None` when it is not
/// one.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let (n, unit) = number_and_unit(text)?;
    match unit.to_ascii_lowercase().as_str() {
        "ms" => Some(Duration::from_millis(n)),
        "" | "s" => Some(Duration::from_secs(n)),
        "m" | "min" => n.checked_mul(60).map(Duration::from_secs),
        "h" => n.checked_mul(3600).map(Duration::from_secs),
        _ => None,
    }
}

/// The leading decimal number of `text` and what follows it, both trimmed.
fn number_and_unit(text: &str) -> Option<(u64, &str)> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    Some((n.parse().ok()?, unit.trim()))
}

/// The top level of a configuration file; `[policy]` is taken out before
/// and read by the policy's own parser.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    rules: Option<RulesSection>,
    limits: Option<LimitsSection>,
    /// Never present here: named so that errors list it among the keys.
    #[serde(rename = "policy")]
    _policy: Option<IgnoredAny>,
    passwords: Option<Vec<String>>,
    hashes: Option<Spanned<String>>,
    serve: Option<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesSection {
    builtin: Option<bool>,
    #[serde(default)]
    paths: Vec<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsSection {
    max_depth: Option<u32>,
    max_objects: Option<u64>,
    max_object_size: Option<Spanned<toml::Value>>,
    max_total_size: Option<Spanned<toml::Value>>,
    max_ratio: Option<u64>,
    max_time: Option<Spanned<toml::Value>>,
    max_stream_size: Option<Spanned<toml::Value>>,
    stream_memory: Option<Spanned<toml::Value>>,
}

/// What makes an error of a span of the text.
type MakeError<'a> = &'a dyn Fn(Option<Range<usize>>, String) -> Error;

fn parse(text: &str, origin: &str, base: Option<&Path>) -> Result<Config, Error> {
    let err = |span: Option<Range<usize>>, message: String| {
        let (line, column) = span.map_or((1, 1), |s| line_and_column(text, s.start));
        Error::Config {
            origin: origin.to_owned(),
            line,
            column,
            message,
        }
    };
    let resolve = |p: PathBuf| match base {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p,
    };
    let mut doc = DeTable::parse(text).map_err(|e| err(e.span(), e.message().to_owned()))?;
    let policy = doc.get_mut().remove("policy");
    let file = File::deserialize(toml::de::Deserializer::from(doc))
        .map_err(|e| err(e.span(), e.message().to_owned()))?;

    let mut config = Config::default();
    if let Some(rules) = file.rules {
        config.builtin_rules = rules.builtin;
        config.rule_paths = rules.paths.into_iter().map(resolve).collect();
    }
    if let Some(l) = file.limits {
        config.limits = Some(limits(l, &err)?);
    }
    if let Some(p) = policy {
        config.policy = Some(policy_section(p, &err, &resolve)?);
    }
    config.passwords = file.passwords;
    if let Some(h) = file.hashes {
        config.hashes = Some(match h.get_ref().as_str() {
            "flagged" => ObjectHashes::Flagged,
            "every" => ObjectHashes::Every,
            "none" => ObjectHashes::None,
            other => {
                return Err(err(
                    Some(h.span()),
                    format!("hashes must be \"flagged\", \"every\" or \"none\", not {other:?}"),
                ));
            }
        });
    }
    config.serve = file.serve.unwrap_or_default();
    Ok(config)
}

fn limits(s: LimitsSection, err: MakeError<'_>) -> Result<Limits, Error> {
    let mut l = Limits::default();
    if let Some(v) = s.max_depth {
        l.max_depth = v;
    }
    if let Some(v) = s.max_objects {
        l.max_objects = v;
    }
    if let Some(v) = s.max_object_size {
        l.max_object_bytes = size("max_object_size", &v, err)?;
    }
    if let Some(v) = s.max_total_size {
        l.max_total_bytes = size("max_total_size", &v, err)?;
    }
    if let Some(v) = s.max_ratio {
        l.max_ratio = v;
    }
    if let Some(v) = s.max_stream_size {
        l.max_stream_bytes = size("max_stream_size", &v, err)?;
    }
    if let Some(v) = s.stream_memory {
        l.stream_memory_bytes = size("stream_memory", &v, err)?;
    }
    if let Some(v) = s.max_time {
        let d = match v.get_ref() {
            toml::Value::Integer(n) => u64::try_from(*n).ok().map(Duration::from_secs),
            toml::Value::String(t) => parse_duration(t),
            _ => None,
        };
        l.max_time = d.ok_or_else(|| {
            err(
                Some(v.span()),
                "max_time must be seconds, or a string such as \"120s\" or \"2m\"".into(),
            )
        })?;
    }
    Ok(l)
}

fn size(key: &str, v: &Spanned<toml::Value>, err: MakeError<'_>) -> Result<u64, Error> {
    let n = match v.get_ref() {
        toml::Value::Integer(n) => u64::try_from(*n).ok(),
        toml::Value::String(t) => parse_size(t),
        _ => None,
    };
    n.ok_or_else(|| {
        err(
            Some(v.span()),
            format!("{key} must be bytes, or a string such as \"100M\" or \"2G\""),
        )
    })
}

/// `[policy]`: `file = "..."` alone, or the policy inline.
fn policy_section(
    mut section: Spanned<DeValue<'_>>,
    err: MakeError<'_>,
    resolve: &dyn Fn(PathBuf) -> PathBuf,
) -> Result<Policy, Error> {
    let span = section.span();
    let DeValue::Table(table) = section.get_mut() else {
        return Err(err(Some(span), "policy must be a table".into()));
    };
    let Some(file) = table.remove("file") else {
        return Policy::from_toml_table(section, err);
    };
    if let Some((key, _)) = table.iter().next() {
        return Err(err(
            Some(key.span()),
            "[policy] holds either `file` or the policy itself, not both".into(),
        ));
    }
    let DeValue::String(name) = file.get_ref() else {
        return Err(err(Some(file.span()), "policy file must be a path".into()));
    };
    let path = resolve(PathBuf::from(name.as_ref()));
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    Policy::from_toml(&text, &path.display().to_string())
}

/// The line and column (in characters), both from 1, of a byte offset.
fn line_and_column(text: &str, byte: usize) -> (usize, usize) {
    let mut at = byte.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

//! Building an engine: rules (compiled here, or shared from another engine),
//! limits, policy, passwords.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{DEFAULT_PASSWORDS, Engine, Inner};
use crate::detect::Detector;
use crate::error::Error;
use crate::limits::Limits;
use crate::policy::Policy;
use crate::report::ObjectHashes;
use crate::signatures::{self, Rules};

/// Builds an [`Engine`].
#[derive(Debug, Clone)]
pub struct EngineBuilder {
    default_rules: bool,
    sources: Vec<(String, String)>,
    paths: Vec<PathBuf>,
    rules: Option<Rules>,
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
            rules: None,
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

    /// Uses rules already compiled (from [`build_rules`](Self::build_rules)
    /// or [`Engine::rules`]) instead of compiling any: engines that differ
    /// only in policy or limits share one compiled set. The rule settings
    /// above are then ignored.
    ///
    /// ```
    /// use xferscan::{Engine, Policy};
    /// let first = Engine::builder().build()?;
    /// let stricter = Engine::builder()
    ///     .rules(first.rules().clone())
    ///     .policy(Policy::empty())
    ///     .build()?;
    /// assert!(stricter.rules().same_as(first.rules()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rules(&mut self, rules: Rules) -> &mut Self {
        self.rules = Some(rules);
        self
    }

    /// Sets the limits of every scan.
    pub fn limits(&mut self, limits: Limits) -> &mut Self {
        self.limits = limits;
        self
    }

    /// The limits as set so far, to change one of them (the C API's
    /// `xferscan_engine_builder_set_limit`).
    ///
    /// ```
    /// let mut b = xferscan::Engine::builder();
    /// b.limits_mut().max_depth = 4;
    /// assert_eq!(b.build()?.limits().max_depth, 4);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn limits_mut(&mut self) -> &mut Limits {
        &mut self.limits
    }

    /// Sets the delivery policy.
    pub fn policy(&mut self, policy: Policy) -> &mut Self {
        self.policy = policy;
        self
    }

    /// Sets the built-in policy of a channel: `Profile::Chat` (the
    /// default) or `Profile::P2p`.
    ///
    /// ```
    /// use xferscan::{Engine, Profile};
    /// let engine = Engine::builder().profile(Profile::P2p).build()?;
    /// # Ok::<(), xferscan::Error>(())
    /// ```
    pub fn profile(&mut self, profile: crate::policy::Profile) -> &mut Self {
        self.policy(profile.policy())
    }

    /// Replaces the passwords tried on encrypted entries (by default
    /// [`DEFAULT_PASSWORDS`]). Per-scan hints come on top, through
    /// [`ScanOptions`](crate::ScanOptions). The empty password is tried
    /// last whatever the list: it is what a user gets by pressing Enter at
    /// 7-Zip's prompt, and `unzip -P ""` opens what it encrypted.
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

    /// Compiles the rules this builder names (the built-in pack, sources,
    /// files, precompiled files) into a handle that engines share.
    ///
    /// # Errors
    ///
    /// A rule file that cannot be read or does not compile (the error names
    /// the file and line), or a precompiled file that cannot be loaded.
    pub fn build_rules(&self) -> Result<Rules, Error> {
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
        Ok(Rules::new(sets))
    }

    /// Builds the engine, compiling the rules unless
    /// [`rules`](Self::rules) handed it compiled ones.
    ///
    /// # Errors
    ///
    /// As [`build_rules`](Self::build_rules).
    pub fn build(&self) -> Result<Engine, Error> {
        let rules = match &self.rules {
            Some(r) => r.clone(),
            None => self.build_rules()?,
        };
        Ok(Engine {
            inner: Arc::new(Inner {
                rules,
                detector: Detector::new(),
                limits: self.limits.clone(),
                policy: self.policy.clone(),
                passwords: with_empty(&self.passwords),
                hashes: self.hashes,
            }),
        })
    }
}

/// The engine's candidate passwords: the configured ones, then the empty
/// one (its key is public, so what it encrypted is no secret to scan past).
fn with_empty(passwords: &[String]) -> Vec<String> {
    let mut all = passwords.to_vec();
    if !all.iter().any(String::is_empty) {
        all.push(String::new());
    }
    all
}

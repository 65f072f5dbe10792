//! What really is an error: a file that cannot be read, rules that do not
//! compile, a policy or a configuration that does not parse. A malformed or
//! hostile input is never an error; it is a finding in the report.

use std::io;
use std::path::PathBuf;

/// An error of the engine's set-up or of reading an input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read.
    #[error("can not read `{}`: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A reader given to [`Engine::scan_reader`](crate::Engine::scan_reader)
    /// failed.
    #[error("can not read `{name}`: {source}")]
    Read {
        /// The name the input was scanned under.
        name: String,
        /// Why.
        source: io::Error,
    },
    /// YARA rules that do not compile. The message names the file and line.
    #[error("rules from `{origin}` do not compile:\n{message}")]
    RuleCompile {
        /// The file (or built-in pack member) the rules came from.
        origin: String,
        /// The compiler's message, with line and column.
        message: String,
    },
    /// A file given as precompiled rules that is not one (or is from another
    /// version of yara-x).
    #[error("`{}` is not a usable compiled rules file: {message}", path.display())]
    CompiledRules {
        /// The path.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A policy file that does not parse or names what does not exist.
    #[error("policy `{origin}`, line {line}: {message}")]
    Policy {
        /// The file the policy came from.
        origin: String,
        /// The line, counted from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A configuration file that does not parse, has a key or section it
    /// should not, or a value of the wrong kind.
    #[error("configuration `{origin}`, line {line}, column {column}: {message}")]
    Config {
        /// The file the configuration came from.
        origin: String,
        /// The line, counted from 1.
        line: usize,
        /// The column, in characters counted from 1.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

//! The `xferscan` command: scans files, folders and standard input with the
//! built-in rules (and any others), and exits like clamscan: 0 when all is
//! clean, 1 when something was found, 2 on an error. `xferscan serve` is
//! the daemon that speaks clamd's protocol and ICAP (see `serve/`).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod serve;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use xferscan::config::{parse_duration, parse_size};
use xferscan::{Config, Engine, ObjectHashes, Policy, Profile, Report, ScanOptions, Verdict};

#[derive(Parser)]
#[command(
    name = "xferscan",
    version,
    about = "Decides whether a transferred file is safe to deliver"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files, folders (recursively) and `-` (standard input).
    Scan(ScanArgs),
    /// Work with rule files.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Serve scans over clamd's socket protocol (Unix socket, TCP) and ICAP,
    /// until SIGTERM; SIGHUP reloads the rules.
    Serve(serve::ServeArgs),
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Compile rule files or folders into one precompiled file that
    /// `--rules` accepts (with the built-in pack unless told otherwise).
    Compile {
        /// Rule files or folders.
        paths: Vec<PathBuf>,
        /// Where to write the compiled rules.
        #[arg(short, long)]
        output: PathBuf,
        /// Leave the built-in rule pack out.
        #[arg(long)]
        no_default_rules: bool,
    },
}

#[derive(Args)]
struct ScanArgs {
    /// Files, folders, or `-` for standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// A configuration file in TOML (see README.md); the flags below, when
    /// given, win over it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// More rules: a file, a folder of .yar files, or precompiled rules
    /// (on top of the configuration's).
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Leave the built-in rule pack out.
    #[arg(long)]
    no_default_rules: bool,
    /// Print one JSON report per input, one per line.
    #[arg(long)]
    json: bool,
    /// Which objects the JSON report gives a SHA-256 for: `flagged` (the
    /// default), `every` or `none`. The text lines show none.
    #[arg(long, value_name = "WHICH", value_parser = ["none", "flagged", "every"])]
    sha256: Option<String>,
    /// A delivery policy in TOML (see README.md); its `base` names the
    /// profile it changes.
    #[arg(long, value_name = "FILE", conflicts_with = "profile")]
    policy: Option<PathBuf>,
    /// The built-in policy of a channel: `chat` (the default: executables,
    /// scripts, shortcuts and disk images blocked) or `p2p` (images,
    /// installers and archives judged by what they hold; executables
    /// flagged).
    #[arg(long, value_name = "PROFILE", value_parser = ["chat", "p2p"])]
    profile: Option<String>,
    /// A candidate password for encrypted archives (repeatable), tried
    /// before the configuration's list.
    #[arg(long = "password", value_name = "PASSWORD")]
    passwords: Vec<String>,
    /// The text of the message that carried the files (a chat message, a
    /// mail's body): the passwords it names ("pw: 4471") are tried after
    /// --password's.
    #[arg(long = "message-text", value_name = "TEXT")]
    message_text: Option<String>,
    /// Deepest nesting of containers.
    #[arg(long)]
    max_depth: Option<u32>,
    /// Most objects in one scan.
    #[arg(long)]
    max_objects: Option<u64>,
    /// Largest object, such as 100M.
    #[arg(long, value_parser = size)]
    max_object_size: Option<u64>,
    /// Most bytes unpacked in one scan, such as 400M.
    #[arg(long, value_parser = size)]
    max_total_size: Option<u64>,
    /// Largest compression ratio of one entry.
    #[arg(long)]
    max_ratio: Option<u64>,
    /// Longest scan of one input: seconds, or such as 2m.
    #[arg(long, value_parser = duration)]
    max_time: Option<Duration>,
    /// Threads scanning in parallel (default: all cores).
    #[arg(short = 'j', long)]
    threads: Option<usize>,
    /// Stop reading an input as soon as its name and first bytes decide
    /// that it is blocked (an executable, a lying name), and report what
    /// decided: a pipeline can cut the transfer there.
    #[arg(long)]
    early: bool,
    /// Stop scanning an input at its first blocked finding.
    #[arg(long)]
    first_hit: bool,
}

fn size(s: &str) -> Result<u64, String> {
    parse_size(s).ok_or_else(|| format!("not a size: {s:?} (use bytes or K, M, G)"))
}

fn duration(s: &str) -> Result<Duration, String> {
    parse_duration(s).ok_or_else(|| format!("not a duration: {s:?} (use seconds or ms, s, m, h)"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan(args) => scan(args),
        Command::Serve(args) => serve::run(args),
        Command::Rules(RulesCommand::Compile {
            paths,
            output,
            no_default_rules,
        }) => match xferscan::compile_rules(&paths, !no_default_rules) {
            Ok(bytes) => match std::fs::write(&output, bytes) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("xferscan: can not write `{}`: {e}", output.display());
                    ExitCode::from(2)
                }
            },
            Err(e) => {
                eprintln!("xferscan: {e}");
                ExitCode::from(2)
            }
        },
    }
}

/// The engine of the configuration file, if one is given, with the flags
/// given on top: a flag given wins over the file, rule paths add up.
fn build_engine(args: &ScanArgs) -> Result<Engine, String> {
    let config = match &args.config {
        Some(p) => Config::from_path(p).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    let mut limits = config.limits.clone().unwrap_or_default();
    if let Some(v) = args.max_depth {
        limits.max_depth = v;
    }
    if let Some(v) = args.max_objects {
        limits.max_objects = v;
    }
    if let Some(v) = args.max_object_size {
        limits.max_object_bytes = v;
    }
    if let Some(v) = args.max_total_size {
        limits.max_total_bytes = v;
    }
    if let Some(v) = args.max_ratio {
        limits.max_ratio = v;
    }
    if let Some(v) = args.max_time {
        limits.max_time = v;
    }
    let hashes = match args.sha256.as_deref() {
        Some("every") => ObjectHashes::Every,
        Some("none") => ObjectHashes::None,
        Some(_) => ObjectHashes::Flagged,
        None => match config.hashes {
            Some(which) => which,
            None if args.json => ObjectHashes::Flagged,
            // The text lines show no hashes: none are computed for them.
            None => ObjectHashes::None,
        },
    };
    let mut b = Engine::builder();
    b.config(&config).limits(limits).object_hashes(hashes);
    if args.no_default_rules {
        b.default_rules(false);
    }
    for r in &args.rules {
        b.rules_path(r);
    }
    if let Some(p) = args.profile.as_deref().and_then(Profile::parse) {
        b.profile(p);
    }
    if let Some(p) = &args.policy {
        let text = std::fs::read_to_string(p)
            .map_err(|e| format!("can not read `{}`: {e}", p.display()))?;
        b.policy(Policy::from_toml(&text, &p.display().to_string()).map_err(|e| e.to_string())?);
    }
    b.build().map_err(|e| e.to_string())
}

/// One input to scan, or the error found while listing inputs.
enum Job {
    Stdin,
    /// A file and its length, which orders the work.
    File(PathBuf, u64),
    Error(String),
}

impl Job {
    fn len(&self) -> u64 {
        match self {
            Job::File(_, len) => *len,
            _ => 0,
        }
    }
}

fn collect(paths: &[PathBuf]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for p in paths {
        if p == Path::new("-") {
            jobs.push(Job::Stdin);
            continue;
        }
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut jobs),
            Ok(m) => jobs.push(Job::File(p.clone(), m.len())),
            Err(e) => jobs.push(Job::Error(format!("{}: can not read: {e}", p.display()))),
        }
    }
    jobs
}

/// Regular files below a folder, in a stable order; links inside folders
/// are not followed.
fn walk(dir: &Path, jobs: &mut Vec<Job>) {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => return jobs.push(Job::Error(format!("{}: can not read: {e}", dir.display()))),
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => walk(&p, jobs),
            Ok(m) if m.is_file() => jobs.push(Job::File(p, m.len())),
            Ok(_) => {}
            Err(e) => jobs.push(Job::Error(format!("{}: can not read: {e}", p.display()))),
        }
    }
}

fn scan(args: ScanArgs) -> ExitCode {
    let engine = match build_engine(&args) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("xferscan: {e}");
            return ExitCode::from(2);
        }
    };
    let mut opts = ScanOptions::new()
        .local_path(true)
        .first_hit(args.first_hit);
    for p in &args.passwords {
        opts = opts.password(p.clone());
    }
    if let Some(text) = &args.message_text {
        opts = opts.message_text(text);
    }
    let jobs = collect(&args.paths);
    let threads = args
        .threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .clamp(1, 256)
        .min(jobs.len().max(1));
    // The largest files go first, so that no thread is left with a big one
    // at the end while the others idle; reports still print in input order.
    let mut jobs: Vec<_> = jobs.into_iter().enumerate().collect();
    jobs.sort_by_key(|(_, j)| std::cmp::Reverse(j.len()));
    let next = Mutex::new(jobs.into_iter());
    // Each worker prints what is ready in input order itself, under one
    // lock: a printing thread woken for every report preempted a worker
    // on each (two context switches per file, 1% of the CPU time of a
    // folder of small archives on two cores).
    let out = Mutex::new(InOrder {
        pending: std::collections::BTreeMap::new(),
        want: 0,
        worst: 0,
        json: args.json,
    });
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (engine, opts, next, out, early) = (&engine, &opts, &next, &out, args.early);
            s.spawn(move || {
                loop {
                    let job = match next.lock() {
                        Ok(mut it) => it.next(),
                        Err(_) => None,
                    };
                    let Some((i, job)) = job else { break };
                    let result = match job {
                        Job::Stdin if early => {
                            scan_early(engine, "-", std::io::stdin().lock(), opts)
                                .map_err(|e| format!("-: {e}"))
                        }
                        Job::Stdin => engine
                            .scan_reader_with("-", std::io::stdin().lock(), opts)
                            .map(|r| ("-".to_owned(), r))
                            .map_err(|e| format!("-: {e}")),
                        Job::File(p, _) if early => std::fs::File::open(&p)
                            .map_err(|e| format!("{}: can not read: {e}", p.display()))
                            .and_then(|f| {
                                scan_early(engine, &p.display().to_string(), f, opts)
                                    .map_err(|e| format!("{}: {e}", p.display()))
                            }),
                        Job::File(p, _) => engine
                            .scan_path_with(&p, opts)
                            .map(|r| (p.display().to_string(), r))
                            .map_err(|e| e.to_string()),
                        Job::Error(e) => Err(e),
                    };
                    match out.lock() {
                        Ok(mut o) => o.add(i, result),
                        Err(_) => break,
                    }
                }
            });
        }
    });
    let worst = out.into_inner().map_or(2, |o| o.worst);
    ExitCode::from(worst)
}

/// The reports of a run, printed in input order as they become ready.
struct InOrder {
    pending: std::collections::BTreeMap<usize, Result<(String, Report), String>>,
    want: usize,
    /// The exit code so far: 0 all clean, 1 a verdict not clean, 2 an error.
    worst: u8,
    json: bool,
}

impl InOrder {
    /// Takes report `i`, then prints every report that is next in order.
    fn add(&mut self, i: usize, r: Result<(String, Report), String>) {
        self.pending.insert(i, r);
        let stdout = std::io::stdout();
        while let Some(r) = self.pending.remove(&self.want) {
            self.want += 1;
            match r {
                Ok((name, report)) => {
                    if report.verdict != Verdict::Clean {
                        self.worst = self.worst.max(1);
                    }
                    let line = if self.json {
                        serde_json::to_string(&report)
                            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
                    } else {
                        human(&name, &report)
                    };
                    let _ = writeln!(stdout.lock(), "{line}");
                }
                Err(e) => {
                    self.worst = 2;
                    eprintln!("xferscan: {e}");
                }
            }
        }
    }
}

/// Streams `reader` into a scan and stops reading as soon as the name and
/// the first bytes decide that it is blocked; the report is then of what
/// was read, and the name shown says where reading stopped.
fn scan_early<R: std::io::Read>(
    engine: &Engine,
    name: &str,
    mut reader: R,
    opts: &ScanOptions,
) -> Result<(String, Report), String> {
    let mut stream = engine.stream(name, opts);
    let mut shown = name.to_owned();
    loop {
        if stream.progress().blocked() {
            shown = format!("{name} (stopped reading at {} bytes)", stream.received_to());
            break;
        }
        let mut buf = vec![0u8; 64 << 10];
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.to_string()),
        };
        buf.truncate(n);
        stream.feed(buf).map_err(|e| e.to_string())?;
    }
    let report = stream.finish().map_err(|e| e.to_string())?;
    Ok((shown, report))
}

/// One line: the input, its verdict, and each finding that the policy does
/// not allow, with where it sits and the policy entry that decided.
fn human(name: &str, r: &Report) -> String {
    let verdict = match r.verdict {
        Verdict::Clean => "CLEAN",
        Verdict::Suspicious => "SUSPICIOUS",
        Verdict::Malicious => "MALICIOUS",
    };
    let mut line = format!("{name}: {verdict}");
    let shown: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f.action != xferscan::Action::Allow)
        .map(|f| {
            let action = format!("{:?}", f.action).to_ascii_lowercase();
            format!(
                "[{action} by {}] {}: {}",
                f.decided_by,
                f.path,
                f.kind.describe()
            )
        })
        .collect();
    if !shown.is_empty() {
        line.push_str(" -- ");
        line.push_str(&shown.join("; "));
    }
    line
}

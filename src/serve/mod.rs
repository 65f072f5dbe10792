//! `xferscan serve`: the engine loaded once and shared, spoken to in
//! clamd's socket protocol (Unix socket, TCP) and in ICAP.
//!
//! - `clamd`, `icap`: the protocols as pure functions over bytes;
//! - `clamd_io`, `icap_io`: one connection of each on a thread of its own,
//!   moving bytes between the socket and those functions;
//! - `evloop`: the scanning threads, which serve clamd's sockets themselves
//!   (PING, VERSION, INSTREAM) and hand everything else to a thread;
//! - `pool`: the queue of scans from connection threads;
//! - `net`: sockets, deadlines, descriptors passed on a Unix socket;
//! - `config`: the `[serve]` table;
//! - here: the listeners, the connection threads, reloads, shutdown and
//!   logs.
//!
//! Threads: `workers` that scan (the event loop), one accepting ICAP, and
//! one per connection handed over or on ICAP (bounded, with the event
//! loop's, by `max_connections`). A connection thread's scan waits in a
//! queue of `queue` scans (backpressure) for `queue_timeout` at most.

mod cache;
pub mod clamd;
mod clamd_io;
pub mod config;
mod evloop;
pub mod icap;
mod icap_io;
mod net;
mod pool;
mod util;

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use xferscan::{Config, Engine, Report, ScanOptions, SharedEngine};

use config::ServeConfig;
use net::{Conn, Listener, Stream};
use pool::Pool;

/// The command line of `xferscan serve`; flags win over `[serve]`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The configuration file (rules, limits, policy and `[serve]`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// clamd protocol on this Unix socket.
    #[arg(long, value_name = "PATH")]
    pub unix: Option<PathBuf>,
    /// clamd protocol on TCP, such as 127.0.0.1:3310 (a bare port is on
    /// loopback).
    #[arg(long, value_name = "ADDR:PORT")]
    pub tcp: Option<String>,
    /// ICAP on TCP, such as 127.0.0.1:1344 (service icap://HOST:PORT/xferscan).
    #[arg(long, value_name = "ADDR:PORT")]
    pub icap: Option<String>,
    /// More rules: a file, a folder of .yar files, or precompiled rules.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Leave the built-in rule pack out.
    #[arg(long)]
    pub no_default_rules: bool,
    /// Scanning threads (default: `[serve] workers`, else one per core).
    #[arg(long)]
    pub workers: Option<usize>,
}

/// What an engine is built from, again at each reload.
#[derive(Debug, Clone)]
struct Sources {
    config: Option<PathBuf>,
    rules: Vec<PathBuf>,
    no_default_rules: bool,
}

/// What clients are told about the engine in use.
#[derive(Debug)]
struct Meta {
    /// The rules' and policy's digest: 16 hex digits.
    digest: String,
    /// When the engine was loaded, as clamd prints a database's date.
    loaded: String,
}

/// The daemon's shared state.
pub(crate) struct Daemon {
    cfg: ServeConfig,
    sources: Sources,
    engine: SharedEngine,
    meta: RwLock<Arc<Meta>>,
    pool: Pool,
    connections: AtomicUsize,
    scans: AtomicU64,
    stopping: Arc<AtomicBool>,
    /// Set once the connections are done: the scanning threads end.
    quit: AtomicBool,
    reload: Arc<AtomicBool>,
    conn_threads: ConnThreads,
    /// Streams found clean by the engine in use (`[serve] clean_cache`).
    clean: cache::CleanCache,
}

impl Daemon {
    /// Runs `f` on a worker and waits for what it returns. A panic in `f`
    /// fails this scan alone.
    pub(crate) fn on_worker<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, pool::Failed> {
        self.pool.run(f, self.cfg.queue_timeout)
    }

    /// The options of every scan.
    pub(crate) fn scan_options(&self) -> ScanOptions {
        ScanOptions::new().first_hit(self.cfg.first_hit)
    }

    fn meta(&self) -> Arc<Meta> {
        match self.meta.read() {
            Ok(m) => Arc::clone(&m),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    /// The `VERSION` line: version, rules digest, load time.
    pub(crate) fn version(&self) -> String {
        let m = self.meta();
        clamd::version_line(env!("CARGO_PKG_VERSION"), &m.digest, &m.loaded)
    }

    /// The ICAP `ISTag`, unquoted: changes with the rules and policy.
    pub(crate) fn istag(&self) -> String {
        format!("xferscan-{}", self.meta().digest)
    }

    /// Asks for a reload (done by the main thread, beside the engine in
    /// use).
    pub(crate) fn request_reload(&self) {
        self.reload.store(true, Ordering::Relaxed);
    }

    /// Asks for a graceful shutdown.
    pub(crate) fn request_shutdown(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// True when the rules on disk differ from those loaded.
    pub(crate) fn rules_changed(&self) -> bool {
        self.changed_digest().is_some()
    }

    /// The digest of the rules on disk, when it differs from the loaded one.
    fn changed_digest(&self) -> Option<String> {
        digest_of(&self.sources)
            .ok()
            .filter(|d| *d != self.meta().digest)
    }

    pub(crate) fn stats(&self) -> clamd::Stats {
        clamd::Stats {
            busy: self.pool.busy_now(),
            workers: self.pool.workers(),
            queued: self.pool.queued(),
            connections: self.connections.load(Ordering::Relaxed),
            idle_timeout: self.cfg.idle_timeout.as_secs(),
            scans: self.scans.load(Ordering::Relaxed),
        }
    }

    /// One line per scan on stderr, in JSON.
    pub(crate) fn log_scan(&self, s: ScanLog<'_>) {
        self.scans.fetch_add(1, Ordering::Relaxed);
        let f = s.report.and_then(Report::deciding_finding);
        // Serialized straight from a struct: no map of values built first
        // (that cost more than the line, once per scan).
        let line = ScanLine {
            event: "scan",
            proto: s.proto,
            client: s.client,
            command: s.command,
            name: s.name,
            size: s.size,
            verdict: match (s.report, s.cached) {
                (Some(r), _) => LineVerdict::Verdict(r.verdict),
                (None, true) => LineVerdict::Verdict(xferscan::Verdict::Clean),
                (None, false) => LineVerdict::Error("error"),
            },
            decided: f.map(clamd::finding_name),
            decided_by: f.map(|f| f.decided_by.as_str()),
            early: s.early,
            cached: s.cached,
            reply: s.reply,
            ms: (s.started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
        };
        if let Ok(text) = serde_json::to_string(&line) {
            log_text(text);
        }
    }

    pub(crate) fn cfg(&self) -> &ServeConfig {
        &self.cfg
    }

    pub(crate) fn engine(&self) -> Engine {
        self.engine.get()
    }

    pub(crate) fn clean_cache(&self) -> &cache::CleanCache {
        &self.clean
    }

    pub(crate) fn stopping(&self) -> &AtomicBool {
        &self.stopping
    }
}

/// What one scan's log line says.
pub(crate) struct ScanLog<'a> {
    pub proto: &'static str,
    pub client: &'a str,
    pub command: &'a str,
    pub name: &'a str,
    pub size: u64,
    pub report: Option<&'a Report>,
    /// Answered from the cache of clean streams (no report: clean).
    pub cached: bool,
    pub early: bool,
    pub reply: &'a str,
    pub started: Instant,
}

/// A scan's log line, in its fields' order.
#[derive(serde::Serialize)]
struct ScanLine<'a> {
    event: &'static str,
    proto: &'static str,
    client: &'a str,
    command: &'a str,
    name: &'a str,
    size: u64,
    verdict: LineVerdict,
    decided: Option<String>,
    decided_by: Option<&'a str>,
    early: bool,
    /// Only on lines of streams answered from the cache.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    cached: bool,
    reply: &'a str,
    ms: f64,
}

/// The verdict, or `"error"` when there is no report.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum LineVerdict {
    Verdict(xferscan::Verdict),
    Error(&'static str),
}

/// What the logging thread is sent.
enum LogMsg {
    Line(String),
    /// Write out what came before, then say so.
    Flush(std::sync::mpsc::SyncSender<()>),
}

/// The logging thread's queue, once started: scans hand their line over
/// instead of each writing to stderr (one write, and one lock of the
/// file, per batch rather than per scan).
static LOG: std::sync::OnceLock<std::sync::mpsc::SyncSender<LogMsg>> = std::sync::OnceLock::new();

/// How long the logging thread lets lines gather between two writes.
const LOG_BATCH: Duration = Duration::from_millis(20);

fn start_logger() {
    let (tx, rx) = std::sync::mpsc::sync_channel::<LogMsg>(4096);
    let spawned = std::thread::Builder::new()
        .name("log".into())
        .spawn(move || {
            let mut out = std::io::BufWriter::new(std::io::stderr());
            while let Ok(first) = rx.recv() {
                let mut next = Some(first);
                while let Some(m) = next {
                    match m {
                        LogMsg::Line(l) => {
                            let _ = writeln!(out, "{l}");
                        }
                        LogMsg::Flush(done) => {
                            let _ = out.flush();
                            let _ = done.send(());
                        }
                    }
                    next = rx.try_recv().ok();
                }
                let _ = out.flush();
                // Lines written in batches: a wake-up of this thread for
                // every scan's line cost the daemon more than the line.
                std::thread::sleep(LOG_BATCH);
            }
        });
    if spawned.is_ok() {
        let _ = LOG.set(tx);
    }
}

fn log_line(v: &serde_json::Value) {
    log_text(v.to_string());
}

fn log_text(mut line: String) {
    if let Some(tx) = LOG.get() {
        // Blocks when the queue is full: logging pushes back, never grows.
        match tx.send(LogMsg::Line(line)) {
            Ok(()) => return,
            Err(std::sync::mpsc::SendError(LogMsg::Line(l))) => line = l,
            Err(_) => return,
        }
    }
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Waits (a second at most) until every line logged so far is written.
fn flush_log() {
    if let Some(tx) = LOG.get() {
        let (done_tx, done_rx) = std::sync::mpsc::sync_channel(1);
        if tx.send(LogMsg::Flush(done_tx)).is_ok() {
            let _ = done_rx.recv_timeout(Duration::from_secs(1));
        }
    }
}

fn log_event(event: &str, fields: serde_json::Value) {
    let mut v = serde_json::json!({ "event": event });
    if let (Some(o), serde_json::Value::Object(f)) = (v.as_object_mut(), fields) {
        o.extend(f);
    }
    log_line(&v);
}

/// Builds an engine from its sources, and the digest clients see.
fn load(src: &Sources) -> Result<(Engine, Meta), String> {
    let config = match &src.config {
        Some(p) => Config::from_path(p).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    let mut b = Engine::builder();
    b.config(&config);
    if src.no_default_rules {
        b.default_rules(false);
    }
    for r in &src.rules {
        b.rules_path(r);
    }
    let engine = b.build().map_err(|e| e.to_string())?;
    let digest = digest_of(src)?;
    Ok((
        engine,
        Meta {
            digest,
            loaded: util::ctime(SystemTime::now()),
        },
    ))
}

/// A digest of everything that judges: this version (with its built-in
/// rules and policy), the configuration file, the policy file it names,
/// and every rule file. Identical instances give identical digests.
fn digest_of(src: &Sources) -> Result<String, String> {
    let mut h = blake3::Hasher::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(&[u8::from(src.no_default_rules)]);
    let mut rule_paths = Vec::new();
    if let Some(p) = &src.config {
        let text = std::fs::read(p).map_err(|e| format!("can not read `{}`: {e}", p.display()))?;
        h.update(&text);
        let config = Config::from_path(p).map_err(|e| e.to_string())?;
        rule_paths.extend(config.rule_paths.iter().cloned());
        // A policy kept in its own file.
        let table: Option<toml::Table> = std::str::from_utf8(&text)
            .ok()
            .and_then(|t| toml::from_str(t).ok());
        let file = table
            .as_ref()
            .and_then(|t| t.get("policy"))
            .and_then(|p| p.get("file"))
            .and_then(|f| f.as_str());
        if let Some(f) = file {
            let base = p.parent().unwrap_or(Path::new(""));
            if let Ok(bytes) = std::fs::read(base.join(f)) {
                h.update(&bytes);
            }
        }
    }
    rule_paths.extend(src.rules.iter().cloned());
    for p in rule_paths {
        let mut files = Vec::new();
        list_files(&p, &mut files, 0);
        files.sort();
        for f in files {
            h.update(f.as_os_str().as_encoded_bytes());
            if let Ok(bytes) = std::fs::read(&f) {
                h.update(&(bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
        }
    }
    Ok(h.finalize().to_hex()[..16].to_owned())
}

fn list_files(p: &Path, out: &mut Vec<PathBuf>, depth: u32) {
    if depth > 16 {
        return;
    }
    match std::fs::read_dir(p) {
        Ok(rd) => {
            for e in rd.flatten() {
                list_files(&e.path(), out, depth + 1);
            }
        }
        Err(_) => out.push(p.to_owned()),
    }
}

/// Runs the daemon until SIGTERM, SIGINT or SHUTDOWN.
pub fn run(args: ServeArgs) -> ExitCode {
    start_logger();
    let r = serve(args);
    if let Err(e) = &r {
        log_event("fatal", serde_json::json!({ "error": e }));
    }
    flush_log();
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xferscan: {e}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let sources = Sources {
        config: args.config.clone(),
        rules: args.rules.clone(),
        no_default_rules: args.no_default_rules,
    };
    let mut cfg = match &args.config {
        Some(p) => {
            let c = Config::from_path(p).map_err(|e| e.to_string())?;
            ServeConfig::from_table(&c.serve)?
        }
        None => ServeConfig::default(),
    };
    if let Some(p) = args.unix {
        cfg.unix = Some(p);
    }
    if let Some(a) = &args.tcp {
        cfg.tcp = Some(config::addr(a)?);
    }
    if let Some(a) = &args.icap {
        cfg.icap = Some(config::addr(a)?);
    }
    if let Some(w) = args.workers {
        cfg.workers = w;
    }
    if cfg.unix.is_none() && cfg.tcp.is_none() && cfg.icap.is_none() {
        return Err(
            "nothing to listen on: give --unix, --tcp or --icap (or [serve] unix, tcp, icap)"
                .into(),
        );
    }
    if cfg.workers == 0 {
        cfg.workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    }
    cfg.workers = cfg.workers.clamp(1, 1024);
    cfg.queue = cfg.queue.max(1);

    let started = Instant::now();
    let (engine, meta) = load(&sources)?;

    // Listeners before anything runs, so that a port in use fails at once.
    let mut listeners: Vec<(Listener, Proto)> = Vec::new();
    if let Some(p) = &cfg.unix {
        listeners.push((Listener::Unix(bind_unix(p, cfg.unix_mode)?), Proto::Clamd));
    }
    if let Some(a) = cfg.tcp {
        let l =
            std::net::TcpListener::bind(a).map_err(|e| format!("can not listen on {a}: {e}"))?;
        set_nodelay(&l);
        listeners.push((Listener::Tcp(l), Proto::Clamd));
    }
    if let Some(a) = cfg.icap {
        let l =
            std::net::TcpListener::bind(a).map_err(|e| format!("can not listen on {a}: {e}"))?;
        set_nodelay(&l);
        listeners.push((Listener::Tcp(l), Proto::Icap));
    }

    let stopping = Arc::new(AtomicBool::new(false));
    let reload = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&stopping))
            .map_err(|e| format!("can not catch signal {sig}: {e}"))?;
    }
    signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&reload))
        .map_err(|e| format!("can not catch SIGHUP: {e}"))?;
    // SIGPIPE is ignored by Rust's runtime already: a client gone mid-reply
    // is an EPIPE on that connection alone.

    let pool =
        Pool::new(cfg.workers, cfg.queue).map_err(|e| format!("can not start the workers: {e}"))?;
    let workers = cfg.workers;
    let max_connections = cfg.max_connections;
    let clean = cache::CleanCache::new(cfg.clean_cache);
    let d = Arc::new(Daemon {
        cfg,
        sources,
        engine: SharedEngine::new(engine),
        meta: RwLock::new(Arc::new(meta)),
        pool,
        connections: AtomicUsize::new(0),
        scans: AtomicU64::new(0),
        stopping,
        quit: AtomicBool::new(false),
        reload,
        conn_threads: ConnThreads::new(max_connections),
        clean,
    });
    // clamd's listeners go to the scanning threads' event loop; ICAP's
    // keeps an accepting thread and a thread per connection.
    let mut addrs = Vec::new();
    let mut clamd_listeners = Vec::new();
    let mut accept_threads = Vec::new();
    for (l, proto) in listeners {
        addrs.push(match &l {
            Listener::Tcp(t) => format!(
                "{}:{}",
                proto.name(),
                t.local_addr()
                    .map_or_else(|_| "?".into(), |a| a.to_string())
            ),
            Listener::Unix(_) => format!("{}:unix", proto.name()),
        });
        if let Proto::Clamd = proto {
            clamd_listeners.push(l);
            continue;
        }
        let d = Arc::clone(&d);
        let t = std::thread::Builder::new()
            .name(format!("accept-{}", proto.name()))
            .spawn(move || accept_loop(&d, &l, proto))
            .map_err(|e| format!("can not start a listener: {e}"))?;
        accept_threads.push(t);
    }
    let lp = Arc::new(
        evloop::Loop::new(clamd_listeners, d.pool.event_fd())
            .map_err(|e| format!("can not start the event loop: {e}"))?,
    );
    let mut scan_threads = Vec::new();
    for i in 0..d.pool.workers() {
        let (d, lp) = (Arc::clone(&d), Arc::clone(&lp));
        let t = std::thread::Builder::new()
            .name(format!("scan-{i}"))
            .spawn(move || evloop::run(&d, &lp))
            .map_err(|e| format!("can not start the workers: {e}"))?;
        scan_threads.push(t);
    }
    log_event(
        "ready",
        serde_json::json!({
            "listen": addrs,
            "workers": workers,
            "rules": d.engine().rule_count(),
            "digest": d.meta().digest,
            "load_ms": started.elapsed().as_millis() as u64,
        }),
    );

    // The main thread: reloads, the rules watch, and the shutdown.
    let mut last_watch = Instant::now();
    // Files that failed to load are not tried again until they change.
    let mut failed: Option<String> = None;
    while !d.stopping.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        let watch = d.cfg.watch_rules;
        if !watch.is_zero() && last_watch.elapsed() >= watch {
            last_watch = Instant::now();
            if let Some(disk) = d.changed_digest()
                && failed.as_deref() != Some(disk.as_str())
                && !do_reload(&d)
            {
                failed = Some(disk);
            }
        }
        if d.reload.swap(false, Ordering::Relaxed) {
            do_reload(&d);
        }
        lp.conns.sweep(&d);
    }

    log_event(
        "stopping",
        serde_json::json!({ "connections": d.connections.load(Ordering::Relaxed) }),
    );
    lp.stop_accepting();
    for t in accept_threads {
        let _ = t.join();
    }
    if let Some(p) = &d.cfg.unix {
        let _ = std::fs::remove_file(p);
    }
    let deadline = Instant::now() + d.cfg.shutdown_grace;
    while d.connections.load(Ordering::Relaxed) > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        lp.conns.sweep(&d);
    }
    let left = d.connections.load(Ordering::Relaxed);
    log_event(
        "stopped",
        serde_json::json!({ "unfinished_connections": left }),
    );
    d.pool.close();
    d.quit.store(true, Ordering::Relaxed);
    if left == 0 {
        // Each ends within its wait's tick; with scans still running, the
        // process's end cuts them off instead.
        for t in scan_threads {
            let _ = t.join();
        }
    }
    Ok(())
}

/// Builds the new engine beside the old one; scans in flight keep theirs.
/// False when it failed and the old engine stays.
fn do_reload(d: &Daemon) -> bool {
    let started = Instant::now();
    match load(&d.sources) {
        Ok((engine, meta)) => {
            let digest = meta.digest.clone();
            d.engine.swap(engine);
            if let Ok(mut m) = d.meta.write() {
                *m = Arc::new(meta);
            }
            log_event(
                "reload",
                serde_json::json!({
                    "digest": digest,
                    "rules": d.engine().rule_count(),
                    "ms": started.elapsed().as_millis() as u64,
                }),
            );
            true
        }
        Err(e) => {
            log_event(
                "reload_failed",
                serde_json::json!({ "error": e, "kept": d.meta().digest }),
            );
            false
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Proto {
    Clamd,
    Icap,
}

impl Proto {
    fn name(self) -> &'static str {
        match self {
            Proto::Clamd => "clamd",
            Proto::Icap => "icap",
        }
    }
}

fn bind_unix(p: &Path, mode: u32) -> Result<std::os::unix::net::UnixListener, String> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    // A socket left by an earlier run is replaced; anything else is not.
    if let Ok(m) = std::fs::symlink_metadata(p) {
        if m.file_type().is_socket() {
            if std::os::unix::net::UnixStream::connect(p).is_ok() {
                return Err(format!("`{}` is in use by another daemon", p.display()));
            }
            let _ = std::fs::remove_file(p);
        } else {
            return Err(format!("`{}` exists and is not a socket", p.display()));
        }
    }
    let l = std::os::unix::net::UnixListener::bind(p)
        .map_err(|e| format!("can not listen on `{}`: {e}", p.display()))?;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("can not set the mode of `{}`: {e}", p.display()))?;
    Ok(l)
}

/// Sets TCP_NODELAY on a listener: the connections it accepts inherit it
/// (one system call per listener rather than one per connection).
fn set_nodelay(l: &std::net::TcpListener) {
    let on: libc::c_int = 1;
    // SAFETY: setsockopt on a descriptor we hold, with a live int.
    unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(l),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            (&raw const on).cast(),
            std::mem::size_of_val(&on) as libc::socklen_t,
        )
    };
}

/// Decrements the connection count when a connection ends, however.
struct Counted<'a>(&'a AtomicUsize);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How long a connection thread waits for another connection before it
/// ends (when more than [`CONN_THREADS_KEPT`] are left).
const CONN_THREAD_IDLE: Duration = Duration::from_secs(60);
/// Connection threads that never end: a connection queued while the others
/// ended is always taken.
const CONN_THREADS_KEPT: usize = 4;

/// What a connection thread is given.
pub(crate) enum ConnJob {
    /// A new connection.
    New(Stream, Proto),
    /// A connection from the event loop (still counted), to serve from
    /// where it is.
    Resume(Box<dyn FnOnce() + Send>),
}

/// Connection threads outlive their connection and wait for the next one:
/// a thread per connection, but not a thread created per connection (its
/// stack's mapping and unmapping cost more than a small scan). At most
/// `max_connections` and a few are alive; the queue holds as many
/// connections as may be open, so it never refuses one that was admitted.
pub(crate) struct ConnThreads {
    tx: SyncSender<ConnJob>,
    rx: Arc<Mutex<Receiver<ConnJob>>>,
    threads: Arc<AtomicUsize>,
    idle: Arc<AtomicUsize>,
}

impl ConnThreads {
    fn new(max_connections: usize) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel(max_connections + CONN_THREADS_KEPT);
        ConnThreads {
            tx,
            rx: Arc::new(Mutex::new(rx)),
            threads: Arc::new(AtomicUsize::new(0)),
            idle: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// Serves one connection; the count drops when it ends, however.
fn serve_conn(d: &Arc<Daemon>, job: ConnJob) {
    let _counted = Counted(&d.connections);
    // A panic ends this connection alone.
    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| match job {
        ConnJob::New(stream, Proto::Clamd) => clamd_io::handle(d, Conn::new(stream)),
        ConnJob::New(stream, Proto::Icap) => icap_io::handle(d, Conn::new(stream)),
        ConnJob::Resume(f) => f(),
    }));
}

/// Hands a connection to a waiting thread, or starts one.
pub(crate) fn dispatch(d: &Arc<Daemon>, job: ConnJob) {
    let ct = &d.conn_threads;
    let limit = d.cfg.max_connections + CONN_THREADS_KEPT;
    if ct.idle.load(Ordering::Relaxed) > 0 || ct.threads.load(Ordering::Relaxed) >= limit {
        if ct.tx.try_send(job).is_err() {
            // Cannot happen while connections are counted; if it did, the
            // connection is closed and no longer counted.
            d.connections.fetch_sub(1, Ordering::Relaxed);
        }
        return;
    }
    ct.threads.fetch_add(1, Ordering::Relaxed);
    let dd = Arc::clone(d);
    let (rx, threads, idle) = (
        Arc::clone(&ct.rx),
        Arc::clone(&ct.threads),
        Arc::clone(&ct.idle),
    );
    let spawned = std::thread::Builder::new()
        .name("conn".into())
        .stack_size(1 << 20)
        .spawn(move || {
            serve_conn(&dd, job);
            loop {
                idle.fetch_add(1, Ordering::Relaxed);
                let next = match rx.lock() {
                    Ok(r) => r.recv_timeout(CONN_THREAD_IDLE),
                    Err(p) => p.into_inner().recv_timeout(CONN_THREAD_IDLE),
                };
                idle.fetch_sub(1, Ordering::Relaxed);
                match next {
                    Ok(job) => serve_conn(&dd, job),
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        let left =
                            threads.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                                (t > CONN_THREADS_KEPT).then(|| t - 1)
                            });
                        if left.is_ok() {
                            return;
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            threads.fetch_sub(1, Ordering::Relaxed);
        });
    if spawned.is_err() {
        ct.threads.fetch_sub(1, Ordering::Relaxed);
        d.connections.fetch_sub(1, Ordering::Relaxed);
    }
}

fn accept_loop(d: &Arc<Daemon>, l: &Listener, proto: Proto) {
    while !d.stopping.load(Ordering::Relaxed) {
        let stream = match l.accept_tick() {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(e) => {
                log_event(
                    "accept_error",
                    serde_json::json!({ "error": e.to_string() }),
                );
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let n = d.connections.fetch_add(1, Ordering::Relaxed) + 1;
        if n > d.cfg.max_connections {
            d.connections.fetch_sub(1, Ordering::Relaxed);
            refuse(d, stream, proto);
            continue;
        }
        dispatch(d, ConnJob::New(stream, proto));
    }
}

/// Over `max_connections`: ICAP is told 503; a clamd client gets an
/// error line (clamd has no reply of its own for this), ended as the
/// command it has sent so far asks (`z`: NUL), so that it reads an error
/// rather than a reset. Nothing here waits for the client: what it has
/// sent is read without waiting, and our side is ended.
pub(crate) fn refuse(d: &Daemon, stream: Stream, proto: Proto) {
    let mut conn = Conn::new(stream);
    log_event(
        "refused",
        serde_json::json!({ "proto": proto.name(), "client": conn.peer, "why": "max_connections" }),
    );
    match proto {
        Proto::Icap => {
            let _ = conn.send(
                &icap::status_response(503, &d.istag(), true),
                Duration::from_millis(200),
            );
        }
        Proto::Clamd => {
            if conn.set_nonblocking(true).is_err() {
                return;
            }
            while let Ok(Some(_)) = conn.read_now() {
                if conn.pending().len() >= 4096 {
                    break;
                }
            }
            let term = if conn.pending().first() == Some(&b'z') {
                '\0'
            } else {
                '\n'
            };
            let line = format!("{}{term}", clamd::OVERLOADED);
            let _ = conn.send_last(line.as_bytes(), Duration::from_millis(200));
            conn.shutdown_write();
        }
    }
}

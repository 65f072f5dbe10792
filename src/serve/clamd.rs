//! clamd's socket protocol as pure functions over bytes: splitting and
//! parsing commands, INSTREAM's chunk framing, the reply lines and the
//! names that say what decided. The connection code (`clamd_io`) only moves
//! bytes between these and the socket.
//!
//! The behaviour follows clamd 1.4 (`clamd/server-th.c`, `session.c`) and
//! what its clients parse; `../shared/research/integration.md` §2.1 has the
//! details.

use std::path::PathBuf;

use xferscan::{Action, Finding, FindingKind, Report, Verdict};

/// The longest command line accepted, terminator included: a path of
/// `PATH_MAX` and the longest command name.
pub const MAX_COMMAND: usize = 4096 + 32;

/// How a command was framed, which is how its reply is terminated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// `zCMD\0`: the reply ends in `\0`.
    Nul,
    /// `nCMD\n`: the reply ends in `\n`.
    Newline,
    /// `CMD\n`, clamd's old style: the reply ends in `\n`, and only some
    /// commands are accepted.
    Bare,
}

impl Term {
    /// The byte that ends a reply.
    pub fn byte(self) -> u8 {
        match self {
            Term::Nul => 0,
            Term::Newline | Term::Bare => b'\n',
        }
    }
}

/// What [`split_command`] found at the front of a buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Split<'a> {
    /// No whole command yet: read more.
    Need,
    /// More than [`MAX_COMMAND`] bytes without a terminator.
    TooLong,
    /// One command: its text without prefix and terminator, and how many
    /// bytes of the buffer it took.
    Line {
        /// How it was framed.
        term: Term,
        /// The command and its argument.
        text: &'a [u8],
        /// Bytes taken from the buffer.
        consumed: usize,
    },
}

/// Finds the first command in `buf`: `z...\0`, `n...\n` (a trailing `\r`
/// dropped) or, old style, `...\n`.
pub fn split_command(buf: &[u8]) -> Split<'_> {
    let Some(&first) = buf.first() else {
        return Split::Need;
    };
    let (term, start, end) = match first {
        b'z' => (Term::Nul, 1, 0u8),
        b'n' => (Term::Newline, 1, b'\n'),
        _ => (Term::Bare, 0, b'\n'),
    };
    match memchr::memchr(end, buf) {
        Some(i) if i + 1 > MAX_COMMAND => Split::TooLong,
        Some(i) => {
            let mut text = &buf[start..i];
            if term != Term::Nul
                && let Some(t) = text.strip_suffix(b"\r")
            {
                text = t;
            }
            Split::Line {
                term,
                text,
                consumed: i + 1,
            }
        }
        None if buf.len() >= MAX_COMMAND => Split::TooLong,
        None => Split::Need,
    }
}

/// How a path command goes through a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathScan {
    /// `SCAN`: stops at the first file found.
    Scan,
    /// `CONTSCAN`: goes on after a file found.
    Cont,
    /// `MULTISCAN`: as CONTSCAN (scanned in parallel by clamd).
    Multi,
    /// `ALLMATCHSCAN`: goes on, and names every match of every file.
    AllMatch,
}

/// A command of clamd's protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `PING`: `PONG`.
    Ping,
    /// `VERSION`.
    Version,
    /// `VERSIONCOMMANDS`: the version and the commands understood.
    VersionCommands,
    /// `RELOAD`: `RELOADING`, then the rules are reloaded.
    Reload,
    /// `SELFCHECK`: reloads if the rules changed on disk.
    SelfCheck,
    /// `SHUTDOWN` (and the old `QUIT`): no reply; the daemon stops.
    Shutdown,
    /// `STATS`: the pool's state, ending in `END`.
    Stats,
    /// `IDSESSION`: many commands on one connection, replies numbered.
    IdSession,
    /// `END`: ends a session.
    End,
    /// `INSTREAM`: the file follows in chunks.
    Instream,
    /// `FILDES`: a file descriptor follows (Unix socket only).
    Fildes,
    /// `SCAN`, `CONTSCAN`, `MULTISCAN`, `ALLMATCHSCAN` and a path on the
    /// daemon's own disk.
    Path(PathScan, PathBuf),
}

impl Command {
    /// The command's name as a client writes it, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Ping => "PING",
            Command::Version => "VERSION",
            Command::VersionCommands => "VERSIONCOMMANDS",
            Command::Reload => "RELOAD",
            Command::SelfCheck => "SELFCHECK",
            Command::Shutdown => "SHUTDOWN",
            Command::Stats => "STATS",
            Command::IdSession => "IDSESSION",
            Command::End => "END",
            Command::Instream => "INSTREAM",
            Command::Fildes => "FILDES",
            Command::Path(PathScan::Scan, _) => "SCAN",
            Command::Path(PathScan::Cont, _) => "CONTSCAN",
            Command::Path(PathScan::Multi, _) => "MULTISCAN",
            Command::Path(PathScan::AllMatch, _) => "ALLMATCHSCAN",
        }
    }

    /// Allowed inside `IDSESSION` (clamd's list).
    pub fn allowed_in_session(&self) -> bool {
        matches!(
            self,
            Command::Path(PathScan::Scan, _)
                | Command::Instream
                | Command::Fildes
                | Command::Version
                | Command::Ping
                | Command::Stats
                | Command::VersionCommands
                | Command::End
        )
    }
}

/// The commands listed by `VERSIONCOMMANDS`, in clamd's order.
pub const COMMANDS: &[&str] = &[
    "SCAN",
    "QUIT",
    "RELOAD",
    "SELFCHECK",
    "PING",
    "CONTSCAN",
    "VERSIONCOMMANDS",
    "VERSION",
    "END",
    "SHUTDOWN",
    "MULTISCAN",
    "FILDES",
    "STATS",
    "IDSESSION",
    "INSTREAM",
    "ALLMATCHSCAN",
];

/// Why a command line is refused: clamd answers `UNKNOWN COMMAND` to all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a command, a missing argument, or trailing bytes.
    Unknown,
    /// A command that needs a `z` or `n` prefix sent without one.
    NeedsPrefix,
}

/// Parses a command line as [`split_command`] cut it.
pub fn parse_command(term: Term, text: &[u8]) -> Result<Command, Refused> {
    let (name, arg) = match memchr::memchr(b' ', text) {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    let path = |kind| match arg {
        Some(a) if !a.is_empty() => {
            use std::os::unix::ffi::OsStrExt;
            Ok(Command::Path(
                kind,
                PathBuf::from(std::ffi::OsStr::from_bytes(a)),
            ))
        }
        _ => Err(Refused::Unknown),
    };
    let cmd = match name {
        b"SCAN" => return path(PathScan::Scan),
        b"CONTSCAN" => return path(PathScan::Cont),
        b"MULTISCAN" => return path(PathScan::Multi),
        b"ALLMATCHSCAN" => return needs_prefix(term, path(PathScan::AllMatch)),
        b"PING" => (Command::Ping, true),
        b"VERSION" => (Command::Version, true),
        b"VERSIONCOMMANDS" => (Command::VersionCommands, false),
        b"RELOAD" => (Command::Reload, true),
        b"SELFCHECK" => (Command::SelfCheck, true),
        b"SHUTDOWN" | b"QUIT" => (Command::Shutdown, true),
        b"STATS" => (Command::Stats, false),
        b"IDSESSION" => (Command::IdSession, false),
        b"END" => (Command::End, false),
        b"INSTREAM" => (Command::Instream, false),
        b"FILDES" => (Command::Fildes, true),
        _ => return Err(Refused::Unknown),
    };
    if arg.is_some() {
        return Err(Refused::Unknown);
    }
    match cmd {
        (c, true) => Ok(c),
        (c, false) => needs_prefix(term, Ok(c)),
    }
}

fn needs_prefix(term: Term, c: Result<Command, Refused>) -> Result<Command, Refused> {
    match term {
        Term::Bare => Err(Refused::NeedsPrefix),
        _ => c,
    }
}

/// One reply: `[<id>: ]<body><terminator>`; `id` is the command's number
/// inside a session.
pub fn reply(term: Term, id: Option<u64>, body: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 12);
    if let Some(id) = id {
        out.extend_from_slice(format!("{id}: ").as_bytes());
    }
    out.extend_from_slice(body.as_bytes());
    out.push(term.byte());
    out
}

/// clamd's reply when a chunk header declares more than the stream may
/// still take.
pub const SIZE_LIMIT: &str = "INSTREAM size limit exceeded. ERROR";
/// clamd's reply to a command it does not know (and to `END` outside a
/// session).
pub const UNKNOWN: &str = "UNKNOWN COMMAND";
/// A command inside a session that clamd does not take there.
pub const INVALID_IN_SESSION: &str = "Command invalid inside IDSESSION. ERROR";
/// An unprefixed command inside a session.
pub const PREFIX_IN_SESSION: &str =
    "Only nCMDS\\n and zCMDS\\0 are accepted inside IDSESSION. ERROR";
/// A command turned off by configuration.
pub const UNAVAILABLE: &str = "COMMAND UNAVAILABLE";
/// No command arrived in time (always `\n`-terminated, as clamd does).
pub const READ_TIMED_OUT: &[u8] = b"COMMAND READ TIMED OUT\n";
/// A connection past `max_connections`.
pub const OVERLOADED: &str = "Server overloaded, try again. ERROR";

/// FILDES without a descriptor.
pub const NO_FD: &str = "FILDES: didn't receive file descriptor. ERROR";

/// The verdict of a scan as a clamd client reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `OK`.
    Clean,
    /// `<name> FOUND`.
    Found(String),
}

/// What a report says to a clamd client: malicious is FOUND, suspicious is
/// FOUND when `suspicious_found`, else OK. The name says what decided.
pub fn outcome(report: &Report, suspicious_found: bool) -> Outcome {
    match report.verdict {
        Verdict::Clean => Outcome::Clean,
        Verdict::Suspicious if !suspicious_found => Outcome::Clean,
        _ => Outcome::Found(
            report
                .deciding_finding()
                .map_or_else(|| "Xferscan.Unknown".to_owned(), finding_name),
        ),
    }
}

/// Every distinct name that would be FOUND, for `ALLMATCHSCAN`.
pub fn all_names(report: &Report, suspicious_found: bool) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for f in &report.findings {
        let counts = f.action == Action::Block || (suspicious_found && f.action == Action::Flag);
        if counts {
            let n = finding_name(f);
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

/// The name of a finding for a client: the rule for a signature, else
/// `Xferscan.` and the finding key in camel case
/// (`name.double_extension` → `Xferscan.Name.DoubleExtension`). Only
/// letters, digits, `.`, `_` and `-`: no `:` (clients cut the reply there)
/// and no space.
pub fn finding_name(f: &Finding) -> String {
    match &f.kind {
        FindingKind::Signature(m) => clean_name(&m.rule),
        other => key_name(other.key()),
    }
}

/// `type.executable` → `Xferscan.Type.Executable`.
pub fn key_name(key: &str) -> String {
    let mut out = String::from("Xferscan");
    for part in key.split('.') {
        out.push('.');
        for word in part.split('_') {
            let mut chars = word.chars();
            if let Some(c) = chars.next() {
                out.extend(c.to_uppercase());
                out.extend(chars);
            }
        }
    }
    clean_name(&out)
}

fn clean_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() {
        "Xferscan.Unnamed".into()
    } else {
        s
    }
}

/// `<label>: OK` or `<label>: <name> FOUND`.
pub fn scan_line(label: &str, outcome: &Outcome) -> String {
    let label = shown_label(label);
    match outcome {
        Outcome::Clean => format!("{label}: OK"),
        Outcome::Found(name) => format!("{label}: {name} FOUND"),
    }
}

/// A label (a path, as the file system spells it) fit for a reply line: a
/// control character becomes `?`, so that a file named `a.txt: OK\n`
/// cannot write a reply line of its own that clients read as its verdict.
fn shown_label(label: &str) -> std::borrow::Cow<'_, str> {
    if label.chars().any(char::is_control) {
        label
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect::<String>()
            .into()
    } else {
        label.into()
    }
}

/// `<label>: <message> ERROR`; a `:` in the message would cut it short in
/// clients, so it becomes `-`.
pub fn error_line(label: &str, message: &str) -> String {
    let label = shown_label(label);
    let m: String = message
        .chars()
        .map(|c| if c == ':' || c.is_control() { '-' } else { c })
        .collect();
    format!("{label}: {m} ERROR")
}

/// The `VERSION` reply: `xferscan <version>/<rules digest>/<load time>`,
/// clamd's `ClamAV <version>/<db version>/<db date>` layout.
pub fn version_line(version: &str, digest: &str, loaded: &str) -> String {
    format!("xferscan {version}/{digest}/{loaded}")
}

/// The `VERSIONCOMMANDS` reply: the version ended by `|`, then the
/// commands.
pub fn version_commands_line(version: &str) -> String {
    let mut s = format!("{version}| COMMANDS:");
    for c in COMMANDS {
        s.push(' ');
        s.push_str(c);
    }
    s
}

/// What the `STATS` reply says.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Workers busy scanning.
    pub busy: usize,
    /// Workers in all.
    pub workers: usize,
    /// Scans waiting for a worker.
    pub queued: usize,
    /// Open connections.
    pub connections: usize,
    /// Idle timeout, in seconds.
    pub idle_timeout: u64,
    /// Scans done since start.
    pub scans: u64,
}

/// The `STATS` reply, in clamd's layout (which it calls "subject to
/// change"), ending in `END`.
pub fn stats_text(s: &Stats) -> String {
    format!(
        "POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live {} idle {} max {} idle-timeout {}\nQUEUE: {} items\nCONNECTIONS: {}\nSCANS: {}\nMEMSTATS: heap N/A mmap N/A used N/A free N/A releasable N/A pools N/A pools_used N/A pools_total N/A\nEND",
        s.busy,
        s.workers.saturating_sub(s.busy),
        s.workers,
        s.idle_timeout,
        s.queued,
        s.connections,
        s.scans,
    )
}

/// INSTREAM's framing: `<u32 big-endian length><bytes>` chunks up to a
/// zero length. Fed whatever the socket gave, in any cuts.
#[derive(Debug)]
pub struct Instream {
    quota: u64,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Header {
        have: [u8; 4],
        n: usize,
    },
    Data {
        left: u64,
    },
    Done,
    /// A chunk of `len` bytes was refused.
    Refused {
        len: u64,
    },
}

/// What [`Instream::step`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// Everything given was taken: read more.
    Need,
    /// Bytes of the file.
    Data(&'a [u8]),
    /// The zero-length chunk: the file is whole. Bytes after it are not
    /// taken.
    End,
    /// A chunk header declared more than the stream may still take
    /// ([`SIZE_LIMIT`]); its bytes are not read.
    TooLarge,
}

impl Instream {
    /// A stream that may take `max` bytes in all.
    pub fn new(max: u64) -> Self {
        Instream {
            quota: max,
            state: State::Header { have: [0; 4], n: 0 },
        }
    }

    /// Takes bytes from the front of `input`: how many it took, and what
    /// they were. Call again with the rest until it says [`Step::Need`].
    pub fn step<'a>(&mut self, input: &'a [u8]) -> (usize, Step<'a>) {
        let mut at = 0;
        loop {
            match &mut self.state {
                State::Done => return (at, Step::End),
                State::Refused { .. } => return (at, Step::TooLarge),
                State::Header { have, n } => {
                    let take = (4 - *n).min(input.len() - at);
                    have[*n..*n + take].copy_from_slice(&input[at..at + take]);
                    *n += take;
                    at += take;
                    if *n < 4 {
                        return (at, Step::Need);
                    }
                    let len = u64::from(u32::from_be_bytes(*have));
                    if len == 0 {
                        self.state = State::Done;
                        return (at, Step::End);
                    }
                    if len > self.quota {
                        self.state = State::Refused { len };
                        return (at, Step::TooLarge);
                    }
                    self.quota -= len;
                    self.state = State::Data { left: len };
                }
                State::Data { left } => {
                    let avail = (input.len() - at) as u64;
                    if avail == 0 {
                        return (at, Step::Need);
                    }
                    let take = (*left).min(avail) as usize;
                    *left -= take as u64;
                    if *left == 0 {
                        self.state = State::Header { have: [0; 4], n: 0 };
                    }
                    return (at + take, Step::Data(&input[at..at + take]));
                }
            }
        }
    }

    /// After [`Step::TooLarge`]: a decoder that reads on past the refused
    /// chunk to the zero length, taking `max` bytes in all, so that the
    /// rest of the stream can be read and dropped. `None` when the refused
    /// chunk alone is over `max`, or nothing was refused.
    pub fn past_refusal(&self, max: u64) -> Option<Instream> {
        match self.state {
            State::Refused { len } if len <= max => Some(Instream {
                quota: max - len,
                state: State::Data { left: len },
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_cannot_write_a_reply_line_of_its_own() {
        let found = Outcome::Found("Eicar-Test-Signature".into());
        assert_eq!(
            scan_line("/srv/report.txt: OK\n", &found),
            "/srv/report.txt: OK?: Eicar-Test-Signature FOUND"
        );
        assert_eq!(
            error_line("/srv/a\r\0b", "cannot open"),
            "/srv/a??b: cannot open ERROR"
        );
        assert_eq!(scan_line("stream", &Outcome::Clean), "stream: OK");
    }

    fn line(buf: &[u8]) -> (Term, &[u8], usize) {
        match split_command(buf) {
            Split::Line {
                term,
                text,
                consumed,
            } => (term, text, consumed),
            other => panic!("no line: {other:?}"),
        }
    }

    #[test]
    fn the_three_framings_and_their_terminators() {
        // Rocket.Chat, clamdscan, capybara: z...\0
        assert_eq!(line(b"zPING\0"), (Term::Nul, &b"PING"[..], 6));
        // go-clamd, python-clamd, Nextcloud: n...\n
        assert_eq!(
            line(b"nINSTREAM\n\0\0"),
            (Term::Newline, &b"INSTREAM"[..], 10)
        );
        assert_eq!(line(b"nPING\r\n"), (Term::Newline, &b"PING"[..], 7));
        assert_eq!(line(b"PING\n"), (Term::Bare, &b"PING"[..], 5));
        assert_eq!(split_command(b"zPIN"), Split::Need);
        assert_eq!(split_command(b""), Split::Need);
        assert_eq!(reply(Term::Nul, None, "PONG"), b"PONG\0");
        assert_eq!(reply(Term::Newline, None, "PONG"), b"PONG\n");
        assert_eq!(reply(Term::Bare, None, "PONG"), b"PONG\n");
        // Discourse's health check reads `1: PONG\0`.
        assert_eq!(reply(Term::Nul, Some(1), "PONG"), b"1: PONG\0");
    }

    #[test]
    fn a_command_too_long_is_said_so_before_its_terminator() {
        let long = vec![b'A'; MAX_COMMAND];
        assert_eq!(split_command(&long), Split::TooLong);
        let mut z = b"zSCAN /".to_vec();
        z.extend(vec![b'a'; MAX_COMMAND]);
        z.push(0);
        assert_eq!(split_command(&z), Split::TooLong);
        assert_eq!(split_command(&long[..100]), Split::Need);
    }

    #[test]
    fn commands_parse_as_clamd_parses_them() {
        use Command::*;
        let p = |b: &[u8]| {
            let (t, text, _) = line(b);
            parse_command(t, text)
        };
        assert_eq!(p(b"zPING\0"), Ok(Ping));
        assert_eq!(p(b"nVERSION\n"), Ok(Version));
        assert_eq!(p(b"nVERSIONCOMMANDS\n"), Ok(VersionCommands));
        assert_eq!(p(b"zIDSESSION\0"), Ok(IdSession));
        assert_eq!(p(b"zEND\0"), Ok(End));
        assert_eq!(p(b"zINSTREAM\0"), Ok(Instream));
        assert_eq!(p(b"zFILDES\0"), Ok(Fildes));
        assert_eq!(p(b"zRELOAD\0"), Ok(Reload));
        assert_eq!(p(b"zSHUTDOWN\0"), Ok(Shutdown));
        assert_eq!(p(b"nSTATS\n"), Ok(Stats));
        assert_eq!(
            p(b"zCONTSCAN /tmp/a file\0"),
            Ok(Path(PathScan::Cont, "/tmp/a file".into()))
        );
        assert_eq!(
            p(b"zMULTISCAN /x\0"),
            Ok(Path(PathScan::Multi, "/x".into()))
        );
        assert_eq!(
            p(b"zALLMATCHSCAN /x\0"),
            Ok(Path(PathScan::AllMatch, "/x".into()))
        );
        assert_eq!(p(b"SCAN /x\n"), Ok(Path(PathScan::Scan, "/x".into())));
        // A missing argument, trailing bytes, an unknown name.
        assert_eq!(p(b"zSCAN\0"), Err(Refused::Unknown));
        assert_eq!(p(b"zSCAN \0"), Err(Refused::Unknown));
        assert_eq!(p(b"zPING now\0"), Err(Refused::Unknown));
        assert_eq!(p(b"zHELLO\0"), Err(Refused::Unknown));
        assert_eq!(p(b"zping\0"), Err(Refused::Unknown));
        // INSTREAM and the session commands need a prefix.
        assert_eq!(p(b"INSTREAM\n"), Err(Refused::NeedsPrefix));
        assert_eq!(p(b"IDSESSION\n"), Err(Refused::NeedsPrefix));
        assert_eq!(p(b"PING\n"), Ok(Ping));
    }

    #[test]
    fn versioncommands_is_read_as_capybara_reads_it() {
        let v = version_line("0.1.0", "abc123", "Sun Nov 29 11:15:50 2026");
        assert_eq!(v, "xferscan 0.1.0/abc123/Sun Nov 29 11:15:50 2026");
        let vc = version_commands_line(&v);
        let (_, cmds) = vc.split_once("| COMMANDS:").unwrap();
        let cmds: Vec<&str> = cmds.split_whitespace().collect();
        for c in ["INSTREAM", "PING", "VERSION", "IDSESSION", "END", "FILDES"] {
            assert!(cmds.contains(&c), "{c}");
        }
    }

    /// The chunks of a file, as clients frame them.
    fn framed(data: &[u8], chunk: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for c in data.chunks(chunk) {
            out.extend((c.len() as u32).to_be_bytes());
            out.extend(c);
        }
        out.extend([0, 0, 0, 0]);
        out
    }

    /// Feeds `wire` to a decoder in reads of `cut` bytes.
    fn decode(wire: &[u8], cut: usize, max: u64) -> (Vec<u8>, Option<Step<'static>>, usize) {
        let mut d = Instream::new(max);
        let mut out = Vec::new();
        let mut pending: Vec<u8> = Vec::new();
        let mut used = 0;
        for piece in wire.chunks(cut) {
            pending.extend_from_slice(piece);
            loop {
                let (n, step) = d.step(&pending);
                let end = match step {
                    Step::Need => None,
                    Step::Data(b) => {
                        out.extend_from_slice(b);
                        pending.drain(..n);
                        used += n;
                        continue;
                    }
                    Step::End => Some(Step::End),
                    Step::TooLarge => Some(Step::TooLarge),
                };
                pending.drain(..n);
                used += n;
                if end.is_some() {
                    return (out, end, used);
                }
                break;
            }
        }
        (out, None, used)
    }

    #[test]
    fn instream_chunks_decode_at_any_cut() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        // go-clamd 1024, Discourse 2048, pyclamd 4096, clamdscan 8188,
        // Nextcloud 8192, and one whole chunk.
        for chunk in [1, 1024, 2048, 4096, 8188, 8192, 20_000] {
            let wire = framed(&data, chunk);
            for cut in [1, 2, 3, 5, 4096, wire.len()] {
                let (got, end, used) = decode(&wire, cut, 1 << 20);
                assert_eq!(end, Some(Step::End), "chunk {chunk} cut {cut}");
                assert_eq!(got, data, "chunk {chunk} cut {cut}");
                assert_eq!(used, wire.len());
            }
        }
    }

    #[test]
    fn bytes_after_the_last_chunk_are_left_alone() {
        // pyclamd's empty-chunk quirk: a second zero length follows.
        let mut wire = framed(b"abcd", 4096);
        wire.extend([0, 0, 0, 0]);
        let (got, end, used) = decode(&wire, wire.len(), 100);
        assert_eq!((got.as_slice(), end), (&b"abcd"[..], Some(Step::End)));
        assert_eq!(used, wire.len() - 4);
    }

    #[test]
    fn the_limit_is_checked_at_each_chunk_header() {
        let data = vec![7u8; 3000];
        // Exactly the limit passes.
        let (got, end, _) = decode(&framed(&data, 1000), 7, 3000);
        assert_eq!((got.len(), end), (3000, Some(Step::End)));
        // One byte over is refused at the header of the chunk that would
        // pass it, before its bytes.
        let (got, end, _) = decode(&framed(&data, 1000), 7, 2999);
        assert_eq!((got.len(), end), (2000, Some(Step::TooLarge)));
        // A length of 2^32-1 with the header split across reads.
        let wire = [0xff, 0xff, 0xff, 0xff, 1, 2, 3];
        let (got, end, used) = decode(&wire, 1, 100 << 20);
        assert_eq!((got.len(), end, used), (0, Some(Step::TooLarge), 4));
        assert_eq!(SIZE_LIMIT, "INSTREAM size limit exceeded. ERROR");
    }

    #[test]
    fn a_refused_stream_can_be_read_on_to_its_end() {
        let data = vec![7u8; 5000];
        let wire = framed(&data, 1000);
        let mut d = Instream::new(2500);
        let mut at = 0;
        loop {
            let (n, step) = d.step(&wire[at..]);
            at += n;
            match step {
                Step::Data(_) => continue,
                Step::TooLarge => break,
                other => panic!("{other:?}"),
            }
        }
        // Two chunks were taken; the third's header was refused.
        assert_eq!(at, 2 * 1004 + 4);
        assert!(d.past_refusal(999).is_none(), "the refused chunk is over");
        let mut rest = d.past_refusal(3000).unwrap();
        let mut skipped = 0;
        loop {
            let (n, step) = rest.step(&wire[at..]);
            at += n;
            match step {
                Step::Data(b) => skipped += b.len(),
                Step::End => break,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((skipped, at), (3000, wire.len()));
        // Nothing refused yet, or nothing at all: no decoder.
        let mut d = Instream::new(2500);
        let (_, _) = d.step(&wire);
        assert!(d.past_refusal(10).is_none(), "nothing refused yet");
        assert!(Instream::new(0).past_refusal(10).is_none());
    }

    #[test]
    fn names_have_no_colon_and_say_what_decided() {
        assert_eq!(key_name("type.executable"), "Xferscan.Type.Executable");
        assert_eq!(
            key_name("name.double_extension"),
            "Xferscan.Name.DoubleExtension"
        );
        assert_eq!(key_name("encrypted"), "Xferscan.Encrypted");
        assert_eq!(clean_name("Win:Test Weird"), "Win_Test_Weird");
        assert_eq!(
            scan_line("stream", &Outcome::Found("EICAR_Test_File".into())),
            "stream: EICAR_Test_File FOUND"
        );
        assert_eq!(scan_line("stream", &Outcome::Clean), "stream: OK");
        assert_eq!(
            error_line("stream", "disk: full"),
            "stream: disk- full ERROR"
        );
    }

    #[test]
    fn reports_become_clamd_verdicts() {
        let engine = xferscan::Engine::builder().build().unwrap();
        let eicar = [
            "X5O!P%@AP[4\\PZX54(P^)7CC)7}$",
            "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*",
        ]
        .concat();
        let r = engine.scan_bytes("stream", eicar.into_bytes());
        assert_eq!(outcome(&r, true), Outcome::Found("EICAR_Test_File".into()));
        let r = engine.scan_bytes("stream", b"hello".to_vec());
        assert_eq!(outcome(&r, true), Outcome::Clean);
        let mut pe = b"MZ\x90\x00".to_vec();
        pe.resize(512, 0);
        let r = engine.scan_bytes("invoice.pdf.exe", pe);
        match outcome(&r, true) {
            Outcome::Found(n) => assert!(n.starts_with("Xferscan."), "{n}"),
            Outcome::Clean => panic!("a PE passed: {r:?}"),
        }
        assert!(!all_names(&r, true).is_empty());
    }

    #[test]
    fn stats_end_in_end() {
        let s = stats_text(&Stats::default());
        assert!(s.starts_with("POOLS: 1\n"));
        assert!(s.ends_with("\nEND"));
    }
}

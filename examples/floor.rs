//! The floor that issue 6 measures the pipeline against: inflate every
//! compressed byte and run one yara-x pass over every layer, and nothing
//! else (no type detection, no name checks, no second readings, no hashing,
//! no budget). It opens what the benchmark corpus holds: zip (through the
//! `zip` crate), gzip, tar, and mail (mbox files and messages, through
//! `mail-parser`, whose decoded parts are its layers: a mail's attachments
//! are layers that must be decoded to be scanned at all).
//!
//! `cargo run --release --example floor -- RULES DIR [THREADS]`
//!
//! It prints the layers and bytes it scanned; `bench/run.sh` times it
//! beside `xferscan scan` with the same rules and threads.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: floor RULES DIR [THREADS]");
        std::process::exit(2);
    }
    let src = std::fs::read_to_string(&args[1]).expect("rules");
    let rules = yara_x::compile(src.as_str()).expect("rules compile");
    let threads: usize = args.get(3).and_then(|t| t.parse().ok()).unwrap_or(2);
    let mut files = Vec::new();
    walk(Path::new(&args[2]), &mut files);
    let next = Mutex::new(files.into_iter());
    let totals = Mutex::new((0u64, 0u64, 0u64));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut scanner = yara_x::Scanner::new(&rules);
                let mut t = (0u64, 0u64, 0u64);
                loop {
                    let Some(p) = next.lock().unwrap().next() else {
                        break;
                    };
                    let data = std::fs::read(&p).expect("read");
                    layer(&mut scanner, &data, &mut t);
                }
                let mut all = totals.lock().unwrap();
                all.0 += t.0;
                all.1 += t.1;
                all.2 += t.2;
            });
        }
    });
    let (layers, bytes, matches) = *totals.lock().unwrap();
    println!("floor: {layers} layers, {bytes} bytes scanned, {matches} matches");
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// One yara-x pass over `data`, then every layer inside it.
fn layer(scanner: &mut yara_x::Scanner<'_>, data: &[u8], t: &mut (u64, u64, u64)) {
    t.0 += 1;
    t.1 += data.len() as u64;
    if let Ok(r) = scanner.scan(data) {
        t.2 += r.matching_rules().len() as u64;
    }
    if data.starts_with(b"PK\x03\x04") {
        if let Ok(mut z) = zip::ZipArchive::new(Cursor::new(data)) {
            for i in 0..z.len() {
                let mut child = Vec::new();
                if let Ok(mut f) = z.by_index(i) {
                    if f.is_dir() || f.read_to_end(&mut child).is_err() {
                        continue;
                    }
                } else {
                    continue;
                }
                layer(scanner, &child, t);
            }
        }
    } else if data.starts_with(b"\x1f\x8b") {
        let mut child = Vec::new();
        if flate2::read::MultiGzDecoder::new(data)
            .read_to_end(&mut child)
            .is_ok()
        {
            layer(scanner, &child, t);
        }
    } else if is_mail(data) {
        // An mbox file: each message from its "From " line to the next.
        let mut starts: Vec<usize> = std::iter::once(0)
            .chain(memchr::memmem::find_iter(data, b"\nFrom ").map(|p| p + 1))
            .collect();
        starts.push(data.len());
        let parser = mail_parser::MessageParser::new().with_mime_headers();
        for w in starts.windows(2) {
            let Some(message) = parser.parse(&data[w[0]..w[1]]) else {
                continue;
            };
            for part in &message.parts {
                let body: &[u8] = match &part.body {
                    mail_parser::PartType::Binary(b) | mail_parser::PartType::InlineBinary(b) => b,
                    mail_parser::PartType::Text(t) | mail_parser::PartType::Html(t) => t.as_bytes(),
                    _ => continue,
                };
                layer(scanner, body, t);
            }
        }
    } else if data.len() >= 512 && &data[257..262] == b"ustar" {
        let mut at = 0usize;
        while at + 512 <= data.len() && data[at] != 0 {
            let h = &data[at..at + 512];
            let size = std::str::from_utf8(&h[124..136])
                .ok()
                .map(|s| s.trim_matches(|c: char| c == '\0' || c == ' '))
                .and_then(|s| usize::from_str_radix(s, 8).ok())
                .unwrap_or(0);
            let body = at + 512;
            let end = body.saturating_add(size).min(data.len());
            if h[156] == b'0' || h[156] == 0 {
                layer(scanner, &data[body..end], t);
            }
            at = body.saturating_add(size.div_ceil(512).saturating_mul(512));
        }
    }
}

/// A mail message or an mbox file: an mbox's "From " line, or a header
/// block that declares MIME.
fn is_mail(data: &[u8]) -> bool {
    let head = &data[..data.len().min(1024)];
    data.starts_with(b"From ") || memchr::memmem::find(head, b"\nMIME-Version:").is_some()
}

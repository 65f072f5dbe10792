//! A clamd-protocol load client for `bench/serve.sh`: CLIENTS threads, each
//! sending the files of a folder in turn as `zINSTREAM` (8188-byte chunks,
//! as clamdscan sends them) on a new connection per scan, for SECONDS at
//! most. Prints one line: scans answered, scans per second, p50 and p99
//! latency in milliseconds, errors, and how many replies said FOUND.
//!
//! usage: serve_load ADDR:PORT|/unix/socket SECONDS CLIENTS FOLDER LABEL

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Most scans one thread makes, whatever the time.
const MAX_PER_CLIENT: usize = 200_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, seconds, clients, folder, label] = args.as_slice() else {
        return Err("usage: serve_load ADDR:PORT SECONDS CLIENTS FOLDER LABEL".into());
    };
    let seconds: u64 = seconds.parse()?;
    let clients: usize = clients.parse()?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for p in &paths {
        files.push(frame(&std::fs::read(p)?));
    }
    if files.is_empty() {
        return Err("no files".into());
    }
    let files = std::sync::Arc::new(files);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut threads = Vec::new();
    for c in 0..clients {
        let files = std::sync::Arc::clone(&files);
        let addr = addr.clone();
        threads.push(std::thread::spawn(move || {
            let mut lat = Vec::new();
            let (mut errors, mut found) = (0u64, 0u64);
            let mut first_error: Option<String> = None;
            let mut i = c;
            while Instant::now() < deadline && lat.len() < MAX_PER_CLIENT {
                let t = Instant::now();
                match scan(&addr, &files[i % files.len()]) {
                    Ok(reply) if reply.ends_with(b"FOUND\0") => {
                        found += 1;
                        lat.push(t.elapsed());
                    }
                    Ok(reply) if reply.ends_with(b"OK\0") => lat.push(t.elapsed()),
                    other => {
                        errors += 1;
                        if first_error.is_none() {
                            first_error = Some(match other {
                                Ok(r) => format!("reply {:?}", String::from_utf8_lossy(&r)),
                                Err(e) => e.to_string(),
                            });
                        }
                    }
                }
                i += 1;
            }
            (lat, errors, found, first_error)
        }));
    }
    let mut lat = Vec::new();
    let (mut errors, mut found) = (0u64, 0u64);
    let mut first_error = None;
    for t in threads {
        let (l, e, f, fe) = t.join().map_err(|_| "a client thread panicked")?;
        lat.extend(l);
        errors += e;
        found += f;
        first_error = first_error.or(fe);
    }
    if let Some(e) = first_error {
        eprintln!("{label}: first error: {e}");
    }
    let elapsed = started.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{label:<10} scans {:>7}  scans/s {:>8.1}  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {errors}  found {found}",
        lat.len(),
        lat.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
    );
    Ok(())
}

/// `zINSTREAM\0`, 8188-byte chunks, the zero chunk.
fn frame(data: &[u8]) -> Vec<u8> {
    let mut out = b"zINSTREAM\0".to_vec();
    for c in data.chunks(8188) {
        out.extend((c.len() as u32).to_be_bytes());
        out.extend(c);
    }
    out.extend([0, 0, 0, 0]);
    out
}

/// One scan on a new connection; the reply read to EOF.
fn scan(addr: &str, wire: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut reply = Vec::new();
    if addr.starts_with('/') {
        let mut s = std::os::unix::net::UnixStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        s.write_all(wire)?;
        s.read_to_end(&mut reply)?;
    } else {
        let mut s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        s.write_all(wire)?;
        s.read_to_end(&mut reply)?;
    }
    Ok(reply)
}

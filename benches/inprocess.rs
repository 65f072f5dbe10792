//! In-process costs: a 10 KB attachment through the whole pipeline with one
//! shared engine, against a bare yara-x scan of the same bytes with a reused
//! scanner; a zip of 1,000 small entries against the floor (inflate and
//! one yara-x pass per entry); scans per second on 1 and 2 threads; engine
//! start-up with the built-in rules compiled and with precompiled rules.
//!
//! With `--features capi` it also times the C API's scans of the same
//! attachment (the `extern "C"` functions, called as C calls them: the
//! copying `xferscan_engine_scan_bytes` and `xferscan_engine_scan_bytes_owned`,
//! which hands the buffer over) against the Rust API, in the same run.
//!
//! Run with `cargo bench --bench inprocess`. It prints figures and ratios
//! measured in this one run; it asserts nothing. Each comparison alternates
//! its two sides in rounds and prints the median round (see `alternated`).

#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use xferscan::Engine;

fn attachment() -> Vec<u8> {
    // 10 KB of ordinary text: what most chat attachments look like.
    let words = [
        "meeting", "report", "figures", "attached", "please", "review", "budget", "team",
    ];
    let mut s = String::new();
    let mut i = 0usize;
    while s.len() < 10_240 {
        s.push_str(words[(i * 7 + i / 3) % words.len()]);
        s.push(if i % 12 == 11 { '\n' } else { ' ' });
        i += 1;
    }
    s.truncate(10_240);
    s.into_bytes()
}

fn per_op(n: u32, mut f: impl FnMut()) -> Duration {
    for _ in 0..n / 10 {
        f();
    }
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed() / n
}

/// Rounds of a comparison: `a` and `b` alternated, each round timed alone.
const ROUNDS: u32 = 9;

/// `a` against `b`, `n` operations each, alternated in rounds so that
/// drift in the machine hits both alike: the median round's time per
/// operation of each, and the median of the rounds' ratios a / b. On a
/// shared machine a burst of someone else's work lands in a round or two;
/// the median leaves them out, where one long timing of each (or their
/// sums) took them in whole.
fn alternated(n: u32, mut a: impl FnMut(), mut b: impl FnMut()) -> (Duration, Duration, f64) {
    let per_round = (n / ROUNDS).max(1);
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let x = per_op(per_round, &mut a);
        let y = per_op(per_round, &mut b);
        ratios.push(x.as_secs_f64() / y.as_secs_f64());
        ta.push(x);
        tb.push(y);
    }
    ta.sort();
    tb.sort();
    ratios.sort_by(f64::total_cmp);
    let mid = (ROUNDS / 2) as usize;
    (ta[mid], tb[mid], ratios[mid])
}

/// The pipeline against a bare yara-x scan of the same bytes, for one rule
/// set; returns the engine for the thread figures.
fn compare(label: &str, sources: &[(&str, &str)], default_rules: bool, data: &[u8]) -> Engine {
    let n = 20_000;
    let mut b = Engine::builder();
    b.default_rules(default_rules);
    for (origin, src) in sources {
        b.rules_source(origin, src);
    }
    let engine = b.build().expect("rules");
    let bytes = bytes::Bytes::from(data.to_vec());

    let mut compiler = yara_x::Compiler::new();
    // The globals that the built-in rules read, declared as the engine
    // declares them (the bare scan leaves them empty).
    for var in ["xferscan_type", "xferscan_group"] {
        compiler.define_global(var, "").expect("global");
    }
    let builtin = if default_rules {
        xferscan::BUILTIN
    } else {
        &[]
    };
    for (origin, src) in builtin.iter().chain(sources) {
        compiler
            .add_source(yara_x::SourceCode::from(*src).with_origin(*origin))
            .expect("rules");
    }
    let rules = compiler.build();
    let mut scanner = yara_x::Scanner::new(&rules);
    let (pipeline, bare, ratio) = alternated(
        n,
        || {
            black_box(engine.scan_bytes("notes.txt", bytes.clone()));
        },
        || {
            black_box(scanner.scan(data).expect("scan").matching_rules().len());
        },
    );
    let create = per_op(200, || {
        black_box(yara_x::Scanner::new(&rules));
    });

    println!("10 KB attachment, {label} ({} rules)", engine.rule_count());
    println!(
        "  xferscan scan_bytes (shared engine): {:>8.2} us",
        pipeline.as_secs_f64() * 1e6
    );
    println!(
        "  bare yara-x scan, reused scanner:    {:>8.2} us",
        bare.as_secs_f64() * 1e6
    );
    println!(
        "  yara-x Scanner::new:                 {:>8.2} us",
        create.as_secs_f64() * 1e6
    );
    println!("  ratio xferscan / bare yara-x:        {ratio:>8.2} (target <= 1.25)");
    engine
}

/// The benchmark's 100 rules (`bench/gen_rules.py`), if Python is there.
fn benchmark_rules() -> Option<String> {
    let out = std::env::temp_dir().join(format!("xferscan-rules-{}.yar", std::process::id()));
    let ok = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/gen_rules.py"))
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let text = std::fs::read_to_string(&out).ok();
    std::fs::remove_file(&out).ok();
    text.filter(|_| ok)
}

/// The C API against the Rust API on one engine, per call, alternating the
/// two in rounds so that drift in the machine hits both alike.
#[cfg(feature = "capi")]
fn c_api(engine: &Engine, data: &[u8]) {
    use std::ptr;
    use xferscan::ffi::{engine as fe, report as fr, result::xferscan_result, scan};

    // SAFETY: the handles are made, used and freed here, as C would.
    unsafe {
        let mut b = ptr::null_mut();
        assert_eq!(fe::xferscan_engine_builder_new(&mut b), xferscan_result::Ok);
        let mut e = ptr::null_mut();
        assert_eq!(
            fe::xferscan_engine_builder_build(b, &mut e),
            xferscan_result::Ok
        );
        fe::xferscan_engine_builder_free(b);
        let name = c"notes.txt";
        let bytes = bytes::Bytes::from(data.to_vec());
        let n = 5_000;
        // The host keeps its buffer: a free callback that frees nothing
        // (the library has let go of the buffer when the call returns).
        unsafe extern "C" fn keep(_: *mut std::ffi::c_void, _: *const u8, _: usize) {}
        let (mut rust, mut rust_copy, mut c, mut c_owned) = (
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
        );
        for _ in 0..4 {
            rust += per_op(n, || {
                black_box(engine.scan_bytes("notes.txt", bytes.clone()).verdict);
            });
            rust_copy += per_op(n, || {
                black_box(engine.scan_bytes("notes.txt", data.to_vec()).verdict);
            });
            c += per_op(n, || {
                let mut r = ptr::null_mut();
                let rc = scan::xferscan_engine_scan_bytes(
                    e,
                    name.as_ptr(),
                    data.as_ptr(),
                    data.len(),
                    ptr::null(),
                    &mut r,
                );
                black_box((rc, fr::xferscan_report_verdict(r)));
                fr::xferscan_report_free(r);
            });
            c_owned += per_op(n, || {
                let mut r = ptr::null_mut();
                let rc = scan::xferscan_engine_scan_bytes_owned(
                    e,
                    name.as_ptr(),
                    data.as_ptr(),
                    data.len(),
                    Some(keep),
                    ptr::null_mut(),
                    ptr::null(),
                    &mut r,
                );
                black_box((rc, fr::xferscan_report_verdict(r)));
                fr::xferscan_report_free(r);
            });
        }
        fe::xferscan_engine_free(e);
        let us = |d: Duration| d.as_secs_f64() * 1e6 / 4.0;
        println!("10 KB attachment, C API against Rust API (built-in rules, same run)");
        println!("  Rust scan_bytes (Bytes, no copy):   {:>8.2} us", us(rust));
        println!(
            "  Rust scan_bytes (Vec copy):         {:>8.2} us",
            us(rust_copy)
        );
        println!("  C xferscan_engine_scan_bytes:       {:>8.2} us", us(c));
        println!(
            "  C xferscan_engine_scan_bytes_owned: {:>8.2} us",
            us(c_owned)
        );
        println!(
            "  ratio C copy / Rust (no copy):      {:>8.3}",
            c.as_secs_f64() / rust.as_secs_f64()
        );
        println!(
            "  ratio C owned / Rust (no copy):     {:>8.3} (goal <= 1.05)",
            c_owned.as_secs_f64() / rust.as_secs_f64()
        );
    }
}

/// A zip of 1,000 small deflated entries (text, JSON, CSV, images' worth of
/// random bytes), as a chat export or a folder of thumbnails.
fn small_entries_zip() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut seed = 0x2545_f491_u32;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect()
    };
    for i in 0..1000 {
        let (name, body) = match i % 4 {
            0 => (
                format!("notes/n{i}.txt"),
                attachment()[..2000 + i % 3000].to_vec(),
            ),
            1 => (
                format!("chat/{i}.json"),
                format!("{{\"id\": {i}, \"from\": \"user{i}\", \"text\": \"see you at {i}\"}}")
                    .repeat(20)
                    .into_bytes(),
            ),
            2 => (
                format!("data/t{i}.csv"),
                "a,b,c\n1,2,3\n".repeat(100).into_bytes(),
            ),
            _ => (format!("thumbs/p{i}.jpg"), {
                let mut b = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00".to_vec();
                b.extend(random(3000));
                b
            }),
        };
        w.start_file(name, opts).expect("zip entry");
        w.write_all(&body).expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

/// The pipeline's cost per entry of a zip of 1,000 small entries against the
/// floor's: inflate each entry (the `zip` crate) and one yara-x pass over it
/// and over the zip, with a reused scanner, nothing else.
fn zip_of_small_entries(engine: &Engine, rules_src: &[&str]) {
    use std::io::Read;
    let zip = small_entries_zip();
    let bytes = bytes::Bytes::from(zip.clone());
    let n = 450;
    let mut compiler = yara_x::Compiler::new();
    for var in ["xferscan_type", "xferscan_group"] {
        compiler.define_global(var, "").expect("global");
    }
    for src in rules_src {
        compiler.add_source(*src).expect("rules");
    }
    let rules = compiler.build();
    let mut scanner = yara_x::Scanner::new(&rules);
    let (pipeline, floor, ratio) = alternated(
        n,
        || {
            black_box(engine.scan_bytes("export.zip", bytes.clone()));
        },
        || {
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(&zip[..])).expect("zip");
            black_box(scanner.scan(&zip).expect("scan").matching_rules().len());
            let mut buf = Vec::new();
            for i in 0..z.len() {
                buf.clear();
                z.by_index(i)
                    .expect("entry")
                    .read_to_end(&mut buf)
                    .expect("inflate");
                black_box(scanner.scan(&buf).expect("scan").matching_rules().len());
            }
        },
    );
    let per_entry = |d: Duration| d.as_secs_f64() * 1e6 / 1000.0;
    println!(
        "zip of 1,000 small entries ({} KB), per entry",
        zip.len() / 1000
    );
    println!(
        "  xferscan scan_bytes:                 {:>8.2} us",
        per_entry(pipeline)
    );
    println!(
        "  floor (zip crate + yara-x):          {:>8.2} us",
        per_entry(floor)
    );
    println!("  ratio xferscan / floor:              {ratio:>8.2} (target <= 1.15)");
}

fn main() {
    let data = attachment();
    let engine = compare("built-in rules", &[], true, &data);
    #[cfg(feature = "capi")]
    c_api(&engine, &data);
    match benchmark_rules() {
        Some(src) => {
            compare(
                "the benchmark's rules, no built-in pack",
                &[("bench.yar", &src)],
                false,
                &data,
            );
        }
        None => println!("(python3 missing: the benchmark's 100 rules were not measured)"),
    }
    let builtin: Vec<&str> = xferscan::BUILTIN.iter().map(|(_, src)| *src).collect();
    zip_of_small_entries(&engine, &builtin);
    let bytes = bytes::Bytes::from(data.clone());

    for threads in [1usize, 2] {
        let per_thread = 20_000;
        let t = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..threads {
                let (engine, bytes) = (&engine, &bytes);
                s.spawn(move || {
                    for _ in 0..per_thread {
                        black_box(engine.scan_bytes("notes.txt", bytes.clone()));
                    }
                });
            }
        });
        let rate = (threads * per_thread) as f64 / t.elapsed().as_secs_f64();
        println!("  scans per second on {threads} thread(s):      {rate:>10.0}");
    }

    let t = Instant::now();
    let e = Engine::builder().build().expect("rules");
    let builtin = t.elapsed();
    drop(e);
    let dir = std::env::temp_dir().join(format!("xferscan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("builtin.yarc");
    std::fs::write(&path, xferscan::compile_rules(&[], true).expect("compile")).expect("write");
    let t = Instant::now();
    let e = Engine::builder()
        .default_rules(false)
        .rules_path(&path)
        .build()
        .expect("load");
    let precompiled = t.elapsed();
    drop(e);
    std::fs::remove_dir_all(&dir).ok();
    println!("engine start-up");
    println!(
        "  compiling the built-in rules:        {:>8.2} ms",
        builtin.as_secs_f64() * 1e3
    );
    println!(
        "  loading precompiled rules:           {:>8.2} ms",
        precompiled.as_secs_f64() * 1e3
    );
}

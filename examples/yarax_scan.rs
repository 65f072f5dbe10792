//! The reference for the streaming benchmark (`bench/stream.sh`): a bare
//! yara-x scan of one file with xferscan's built-in rules, and nothing else
//! (no type detection, no unpacking). Prints the rules that matched.
//!
//! usage: yarax_scan FILE

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: yarax_scan FILE");
        return ExitCode::from(2);
    };
    let mut compiler = yara_x::Compiler::new();
    for (origin, src) in xferscan::BUILTIN {
        if let Err(e) = compiler.add_source(yara_x::SourceCode::from(*src).with_origin(*origin)) {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    }
    let rules = compiler.build();
    let mut scanner = yara_x::Scanner::new(&rules);
    match scanner.scan_file(&path) {
        Ok(results) => {
            let mut n = 0;
            for r in results.matching_rules() {
                println!("{}", r.identifier());
                n += 1;
            }
            ExitCode::from(u8::from(n > 0))
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

#![no_main]
//! Name checks and the policy parser: any text gives findings or a clean
//! error, never a panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (String, String)| {
    let (name, policy) = input;
    let _ = xferscan::fuzzing::detect_and_name(b"", &name);
    let _ = xferscan::detect::names::displayed(&name);
    let _ = xferscan::Policy::from_toml(&policy, "fuzz.toml");
});

//! `sysotel_rules::fuzz_condition` on arbitrary text: parsing, compiling,
//! indexing and evaluating a condition must never panic. Input that is not
//! UTF-8 is skipped (rule files are read as UTF-8 text).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        sysotel_rules::fuzz_condition(text);
    }
});

//! `sysotel::decode::decode` on arbitrary bytes: any record the ring buffer
//! could hand over (short, mis-sized, unknown kind, lengths past their
//! buffers) must give an `Ok` or a `DecodeError`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = sysotel::decode::decode(data) {
        // The accessors every later stage starts with.
        let _ = (event.kind(), event.header());
    }
});

//! sysotel kernel programs.
//!
//! Built only for `bpfel-unknown-none` (by `exporter/build.rs` through
//! aya-build); on the host the crate compiles to an empty binary so workspace
//! tools such as `cargo clippy --workspace` still work.
//!
//! Handlers are thin: each `#[tracepoint]`/`#[raw_tracepoint]` function calls
//! a `try_*` function returning `Result<(), i64>` and ignores the error, which
//! has already been counted in `STATS`.
#![cfg_attr(target_arch = "bpf", no_std)]
#![cfg_attr(target_arch = "bpf", no_main)]

#[cfg(target_arch = "bpf")]
mod cgroups;
#[cfg(target_arch = "bpf")]
mod cpu_slot;
#[cfg(target_arch = "bpf")]
mod floor;
#[cfg(target_arch = "bpf")]
mod kernel;
#[cfg(target_arch = "bpf")]
mod maps;
#[cfg(target_arch = "bpf")]
mod paths;
#[cfg(target_arch = "bpf")]
mod process;
#[cfg(target_arch = "bpf")]
mod security;
#[cfg(target_arch = "bpf")]
mod syscall_stats;
#[cfg(target_arch = "bpf")]
mod syscalls;
#[cfg(target_arch = "bpf")]
mod task_storage;

#[cfg(target_arch = "bpf")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    // The verifier rejects programs whose panic paths are reachable, so this is
    // never executed in a loaded program.
    loop {}
}

#[cfg(target_arch = "bpf")]
#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 13] = *b"Dual MIT/GPL\0";

#[cfg(not(target_arch = "bpf"))]
fn main() {}

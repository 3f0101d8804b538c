//! Handing freed start-up memory back to the kernel.
//!
//! Start-up is the agent's most allocation-heavy moment: aya parses the
//! kernel's whole BTF (tens of thousands of types) to relocate and load the
//! programs, and the process table is seeded from `/proc`. Those allocations
//! are freed once the programs are attached, but glibc's allocator keeps the
//! pages, so they would stay in the agent's RSS for its whole life. The same
//! goes for the buffers of an event burst, so the pipeline also calls this
//! once per report interval.

/// Returns free heap pages to the kernel; a no-op off glibc.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it has no
    // preconditions and cannot fail in a way that matters (0 = nothing freed).
    unsafe {
        libc::malloc_trim(0);
    }
}

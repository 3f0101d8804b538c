//! Raising RLIMIT_MEMLOCK (kernels before 5.11 charge BPF maps to it).

use std::io;

/// Raises RLIMIT_MEMLOCK to infinity, returning the previous soft limit.
///
/// # Errors
/// The `setrlimit` error (without CAP_SYS_RESOURCE the hard limit caps it).
pub fn raise_memlock() -> io::Result<u64> {
    let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &raw mut old) };
    let new = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
    // SAFETY: valid pointer to an initialised rlimit.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &raw const new) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(old.rlim_cur)
}

//! Mounting tracefs and bpffs when the host has not.

use std::{ffi::CString, io, path::Path};

use thiserror::Error;

/// tracefs: needed to attach tracepoints (their ids live there).
pub const TRACEFS: (&str, &str) = ("/sys/kernel/tracing", "tracefs");
/// bpffs: not needed by sysotel itself (it pins nothing), reported by `check`.
pub const BPFFS: (&str, &str) = ("/sys/fs/bpf", "bpf");

#[derive(Debug, Error)]
#[error("cannot mount {fstype} at {path}: {source}")]
pub struct MountError {
    pub path: &'static str,
    pub fstype: &'static str,
    #[source]
    pub source: io::Error,
}

/// Whether a filesystem of `fstype` is mounted at `path` (from /proc/self/mounts).
#[must_use]
pub fn is_mounted(path: &str, fstype: &str) -> bool {
    std::fs::read_to_string("/proc/self/mounts").is_ok_and(|m| mounts_contain(&m, path, fstype))
}

fn mounts_contain(mounts: &str, path: &str, fstype: &str) -> bool {
    mounts.lines().any(|l| {
        let mut f = l.split_whitespace();
        let _dev = f.next();
        f.next() == Some(path) && f.next() == Some(fstype)
    })
}

/// Mounts `fstype` at `path` unless it already is. Returns whether it mounted.
///
/// # Errors
/// [`MountError`] when the mount syscall fails (usually: not privileged).
pub fn ensure_mounted((path, fstype): (&'static str, &'static str)) -> Result<bool, MountError> {
    if is_mounted(path, fstype) {
        return Ok(false);
    }
    let err = |source| MountError { path, fstype, source };
    if !Path::new(path).exists() {
        std::fs::create_dir_all(path).map_err(err)?;
    }
    let c_path = CString::new(path).map_err(|e| err(io::Error::other(e)))?;
    let c_type = CString::new(fstype).map_err(|e| err(io::Error::other(e)))?;
    // SAFETY: valid NUL-terminated strings; no data argument.
    let rc = unsafe { libc::mount(c_type.as_ptr(), c_path.as_ptr(), c_type.as_ptr(), 0, std::ptr::null()) };
    if rc != 0 {
        return Err(err(io::Error::last_os_error()));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mount_table() {
        let m = "tracefs /sys/kernel/tracing tracefs rw 0 0\nbpf /sys/fs/bpf bpf rw 0 0\n";
        assert!(mounts_contain(m, "/sys/kernel/tracing", "tracefs"));
        assert!(!mounts_contain(m, "/sys/kernel/debug", "debugfs"));
        assert!(!mounts_contain(m, "/sys/fs/bpf", "tracefs"));
    }
}

//! A process's vital signs from `/proc`: whether it is still running and
//! its resident memory, for tests that watch the agent through a fault.

use std::fs;

/// `VmRSS` of `pid` in KiB; `None` once the process is gone.
#[must_use]
pub fn vm_rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `pid` is alive and not a zombie.
#[must_use]
pub fn alive(pid: u32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // The state follows the parenthesised command name.
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
    state.is_some_and(|s| s != "Z" && s != "X")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_resident() {
        let me = std::process::id();
        assert!(alive(me));
        assert!(vm_rss_kib(me).is_some_and(|kib| kib > 0));
    }

    #[test]
    fn a_pid_that_cannot_exist_is_neither() {
        // Above the kernel's pid_max limit (2^22).
        assert!(!alive(u32::MAX));
        assert_eq!(vm_rss_kib(u32::MAX), None);
    }
}

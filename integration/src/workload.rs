//! Activity for the agent to observe, tagged with a marker no other process uses.

use std::io;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The program [`run_marker_exec`] executes, exactly as passed to execve.
pub const ECHO_PATH: &str = "/bin/echo";

/// A string unique across processes and calls: `sysotel-<pid>-<ns>-<n>`.
#[must_use]
pub fn unique_marker() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("sysotel-{}-{nanos}-{n}", std::process::id())
}

/// Runs `/bin/echo <marker>` as a direct child of this process and waits for
/// it. Returns `(child pid, parent pid)`, the parent being this process.
///
/// # Errors
/// When the child cannot be spawned or reaped.
pub fn run_marker_exec(marker: &str) -> io::Result<(u32, u32)> {
    let mut child =
        Command::new(ECHO_PATH).arg(marker).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let pid = child.id();
    child.wait()?;
    Ok((pid, std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_differ() {
        assert_ne!(unique_marker(), unique_marker());
    }

    #[test]
    fn runs_echo_as_our_child() {
        let (child_pid, parent_pid) = run_marker_exec(&unique_marker()).expect("run echo");
        assert_ne!(child_pid, parent_pid);
        assert_eq!(parent_pid, std::process::id());
    }
}

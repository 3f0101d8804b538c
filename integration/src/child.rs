//! Stopping a child process by its PID: SIGTERM, a grace period, then SIGKILL.

use std::io;
use std::process::{Child, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

use crate::poll::POLL_INTERVAL;

/// Asks `child` to stop with SIGTERM, waits up to `grace`, then kills it.
/// Returns at once if it has already exited.
///
/// # Errors
/// When signalling or reaping the child fails.
pub(crate) fn terminate(child: &mut Child, grace: Duration) -> io::Result<ExitStatus> {
    if let Some(status) = child.try_wait()? {
        return Ok(status);
    }
    let pid = libc::pid_t::try_from(child.id()).map_err(io::Error::other)?;
    // SAFETY: kill(2) has no memory-safety preconditions. The child is not yet
    // reaped (we own its handle), so `pid` still names it.
    if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        thread::sleep(POLL_INTERVAL);
    }
    child.kill()?;
    child.wait()
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Command;

    use super::*;

    #[test]
    fn sigterm_stops_a_sleeper() {
        let mut child = Command::new("sleep").arg("30").spawn().expect("spawn sleep");
        let status = terminate(&mut child, Duration::from_secs(5)).expect("terminate");
        assert_eq!(status.signal(), Some(libc::SIGTERM));
    }

    #[test]
    fn sigkill_after_the_grace_period() {
        let mut child = Command::new("sh").args(["-c", "trap '' TERM; sleep 30"]).spawn().expect("spawn sh");
        thread::sleep(Duration::from_millis(200)); // let the trap install
        let status = terminate(&mut child, Duration::from_millis(300)).expect("terminate");
        assert_eq!(status.signal(), Some(libc::SIGKILL));
    }
}

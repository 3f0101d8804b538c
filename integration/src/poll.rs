//! Polling with a deadline, for conditions that have no event to wait on.

use std::thread;
use std::time::{Duration, Instant};

/// How often [`poll_until`] probes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Calls `probe` every [`POLL_INTERVAL`] until it returns `Some` or `timeout`
/// has passed. `probe` runs at least once, and once more at the deadline.
pub fn poll_until<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::sleep(POLL_INTERVAL.min(deadline - now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_first_success() {
        let mut calls = 0;
        let found = poll_until(Duration::from_secs(5), || {
            calls += 1;
            (calls == 3).then_some(calls)
        });
        assert_eq!(found, Some(3));
    }

    #[test]
    fn gives_up_at_the_deadline() {
        let start = Instant::now();
        assert_eq!(poll_until(Duration::from_millis(120), || None::<()>), None);
        assert!(start.elapsed() >= Duration::from_millis(120));
    }
}

//! Conversion of kernel `CLOCK_BOOTTIME` timestamps to wall-clock time.
//!
//! eBPF stamps events with `bpf_ktime_get_boot_ns()`. The offset between
//! `CLOCK_REALTIME` and `CLOCK_BOOTTIME` is measured at start-up (and may be
//! re-measured); adding it gives the wall time OTLP expects.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Converts boot-time nanoseconds to wall-clock time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BootClock {
    /// `REALTIME - BOOTTIME` in ns.
    offset_ns: i128,
}

impl BootClock {
    /// Measures the current offset.
    #[must_use]
    pub fn measure() -> Self {
        let real = read_clock(libc::CLOCK_REALTIME);
        let boot = read_clock(libc::CLOCK_BOOTTIME);
        Self { offset_ns: real - boot }
    }

    /// A clock with a known offset (tests).
    #[must_use]
    pub const fn with_offset_ns(offset_ns: i128) -> Self {
        Self { offset_ns }
    }

    /// Wall-clock time of a boot-time timestamp.
    #[must_use]
    pub fn to_system_time(&self, boot_ns: u64) -> SystemTime {
        let ns = i128::from(boot_ns) + self.offset_ns;
        match u64::try_from(ns) {
            Ok(ns) => UNIX_EPOCH + Duration::from_nanos(ns),
            Err(_) => UNIX_EPOCH,
        }
    }

    /// Current `CLOCK_BOOTTIME` in ns.
    #[must_use]
    pub fn now_boot_ns() -> u64 {
        u64::try_from(read_clock(libc::CLOCK_BOOTTIME)).unwrap_or(0)
    }
}

fn read_clock(clock: libc::clockid_t) -> i128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer; both clocks exist on every Linux.
    unsafe { libc::clock_gettime(clock, &raw mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_offset() {
        let c = BootClock::with_offset_ns(1_000_000_000_000);
        assert_eq!(c.to_system_time(5), UNIX_EPOCH + Duration::from_nanos(1_000_000_000_005));
    }

    #[test]
    fn measured_offset_is_plausible() {
        let c = BootClock::measure();
        let now = c.to_system_time(BootClock::now_boot_ns());
        let diff = SystemTime::now().duration_since(now).unwrap_or_else(|e| e.duration());
        assert!(diff < Duration::from_secs(1), "{diff:?}");
    }
}

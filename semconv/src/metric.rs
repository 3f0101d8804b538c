//! Metric names (none yet; syscall and self-metrics arrive with the signals work).

/// Every metric name sysotel emits.
pub const ALL: &[&str] = &[];

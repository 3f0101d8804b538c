//! Counters of the reader stage, shared with the self-metrics.

use std::sync::atomic::{AtomicU64, Ordering};

/// What the ring-buffer reader saw. Every record is counted once as
/// received and then exactly once as queued, a decode error, or a queue drop.
#[derive(Debug, Default)]
pub struct SourceCounters {
    pub received: AtomicU64,
    pub queued: AtomicU64,
    pub decode_errors: AtomicU64,
    pub queue_full: AtomicU64,
}

impl SourceCounters {
    /// Snapshot `(received, queued, decode_errors, queue_full)`.
    #[must_use]
    pub fn snapshot(&self) -> (u64, u64, u64, u64) {
        (
            self.received.load(Ordering::Relaxed),
            self.queued.load(Ordering::Relaxed),
            self.decode_errors.load(Ordering::Relaxed),
            self.queue_full.load(Ordering::Relaxed),
        )
    }
}

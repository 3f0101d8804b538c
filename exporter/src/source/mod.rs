//! Event source: the BPF ring buffer, read on fd readiness.

mod counters;
mod ringbuf;

pub use counters::SourceCounters;
pub use ringbuf::{ReaderError, run_reader};

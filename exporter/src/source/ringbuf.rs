//! Ring-buffer reader: waits on the map's fd with `AsyncFd`, decodes each
//! record in place and hands it on with `try_send`.
//!
//! The kernel side batches wake-ups (records are submitted without waking
//! the reader until a sixteenth of the ring is waiting), so the reader also
//! drains on a short timer ([`DRAIN_INTERVAL`]): an event is at most that
//! late, and a busy ring still wakes it at once.
//!
//! The reader never blocks on the rest of the pipeline: a full queue drops
//! the event and counts it. Decode errors are counted and logged once per
//! reason.

use std::{
    collections::HashSet,
    sync::{Arc, atomic::Ordering},
};

use aya::maps::{MapData, RingBuf};
use thiserror::Error;
use tokio::{
    io::{Interest, unix::AsyncFd},
    sync::{mpsc, watch},
};

use super::SourceCounters;
use crate::decode::{Event, decode};

#[derive(Debug, Error)]
pub enum ReaderError {
    #[error("cannot register the ring buffer with the event loop: {0}")]
    Register(std::io::Error),
    #[error("waiting for ring-buffer readiness failed: {0}")]
    Wait(std::io::Error),
}

/// How often the reader drains records that did not wake it.
///
/// Each drain wakes the reader, then the pipeline and the sinks on other
/// worker threads; at a few thousand records a second those wake-ups, not
/// the records, were a fifth of the agent's CPU (13-15 µs per process start
/// in an exec storm with 10 ms, 9-12 µs with 50 ms). Records then wait in
/// export batches for a second (logs) or five (spans), so 50 ms more is not
/// felt, and a ring a sixteenth full still wakes the reader at once.
///
/// Reading late is safe for container names: `cgroup_mkdir` records name a
/// cgroup whose directory is gone by the time its other records are read
/// (50 ms lost that race before they existed).
pub const DRAIN_INTERVAL: std::time::Duration = std::time::Duration::from_millis(50);

/// Reads until `stop` changes or the queue's receiver is gone.
///
/// # Errors
/// [`ReaderError`] when the fd cannot be registered or polled.
pub async fn run_reader(
    ring: RingBuf<MapData>,
    tx: mpsc::Sender<Event>,
    counters: Arc<SourceCounters>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), ReaderError> {
    // SAFETY: the ring buffer owns its map fd for as long as it lives, and the
    // `AsyncFd` owns the ring buffer, so the fd stays open and unchanged.
    let mut fd = unsafe { AsyncFd::register_with_interest(ring, Interest::READABLE) }
        .map_err(|e| ReaderError::Register(e.into_parts().1))?;
    let mut logged = HashSet::new();
    let mut tick = tokio::time::interval(DRAIN_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let mut guard = tokio::select! {
            g = fd.readable_mut() => g.map_err(ReaderError::Wait)?,
            _ = tick.tick() => {
                if !drain(fd.get_mut(), &tx, &counters, &mut logged) {
                    return Ok(());
                }
                continue;
            }
            _ = stop.changed() => {
                // Drain what is already in the buffer before stopping.
                let open = drain(fd.get_mut(), &tx, &counters, &mut logged);
                let _ = open;
                return Ok(());
            }
        };
        let open = drain(guard.get_inner_mut(), &tx, &counters, &mut logged);
        guard.clear_ready();
        if !open {
            return Ok(());
        }
    }
}

/// Consumes every available record. Returns false when the receiver is gone.
fn drain(
    ring: &mut RingBuf<MapData>,
    tx: &mpsc::Sender<Event>,
    counters: &SourceCounters,
    logged: &mut HashSet<&'static str>,
) -> bool {
    while let Some(item) = ring.next() {
        counters.received.fetch_add(1, Ordering::Relaxed);
        match decode(&item) {
            Ok(event) => match tx.try_send(event) {
                Ok(()) => {
                    counters.queued.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    counters.queue_full.fetch_add(1, Ordering::Relaxed);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return false,
            },
            Err(e) => {
                counters.decode_errors.fetch_add(1, Ordering::Relaxed);
                if logged.insert(e.reason()) {
                    tracing::warn!(error = %e, "dropping malformed ring-buffer record (further ones with this reason are only counted)");
                }
            }
        }
    }
    true
}

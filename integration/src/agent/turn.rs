//! One agent at a time per test process.
//!
//! Tests in one binary run on parallel threads; two agents would each load the
//! eBPF programs and compete for two CPUs. A [`Turn`] is held for an agent's
//! whole life and waits for the previous holder to let go.

use std::sync::{Condvar, Mutex, PoisonError};

static BUSY: Mutex<bool> = Mutex::new(false);
static FREED: Condvar = Condvar::new();

/// The right to run an agent; released on drop.
#[derive(Debug)]
pub(super) struct Turn(());

impl Turn {
    /// Blocks until no other [`Turn`] is held.
    pub(super) fn take() -> Self {
        let mut busy = BUSY.lock().unwrap_or_else(PoisonError::into_inner);
        while *busy {
            busy = FREED.wait(busy).unwrap_or_else(PoisonError::into_inner);
        }
        *busy = true;
        Self(())
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        *BUSY.lock().unwrap_or_else(PoisonError::into_inner) = false;
        FREED.notify_one();
    }
}

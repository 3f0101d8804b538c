//! What the probes report.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use crate::export::ExportStats;

/// Shared health state, updated by the pipeline.
#[derive(Debug, Default)]
pub struct HealthState {
    attached: AtomicBool,
    stopping: AtomicBool,
    /// Present when telemetry goes to a collector.
    export: Option<Arc<ExportStats>>,
}

impl HealthState {
    /// State for an agent whose exports are observed by `export`, if any.
    #[must_use]
    pub fn new(export: Option<Arc<ExportStats>>) -> Self {
        Self { export, ..Self::default() }
    }

    pub fn set_attached(&self) {
        self.attached.store(true, Ordering::Relaxed);
    }

    pub fn set_stopping(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    /// Liveness.
    #[must_use]
    pub fn live(&self) -> bool {
        true
    }

    /// Readiness, and why not.
    pub fn ready(&self) -> Result<(), &'static str> {
        if self.stopping.load(Ordering::Relaxed) {
            return Err("shutting down");
        }
        if !self.attached.load(Ordering::Relaxed) {
            return Err("eBPF programs not attached yet");
        }
        match &self.export {
            Some(stats) if !stats.attempted() => Err("waiting for the first export attempt"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    #[test]
    fn ready_after_attach_and_first_export() {
        let stats = Arc::new(ExportStats::default());
        let s = HealthState::new(Some(Arc::clone(&stats)));
        assert_eq!(s.ready(), Err("eBPF programs not attached yet"));
        s.set_attached();
        assert_eq!(s.ready(), Err("waiting for the first export attempt"));
        stats.attempts.fetch_add(1, Ordering::Relaxed);
        assert_eq!(s.ready(), Ok(()));
        s.set_stopping();
        assert!(s.ready().is_err());
        let terminal = HealthState::new(None);
        terminal.set_attached();
        assert_eq!(terminal.ready(), Ok(()));
    }
}

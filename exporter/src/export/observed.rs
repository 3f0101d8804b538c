//! An exporter wrapper that counts what the real exporter did.
//!
//! The SDK's batch processor hides export outcomes; wrapping the OTLP
//! exporter lets the agent count exported and failed records (self-metrics)
//! and know when the first export attempt finished (readiness).

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use opentelemetry_sdk::{
    Resource,
    error::OTelSdkResult,
    logs::{LogBatch, LogExporter},
};

/// Outcome counters shared with the rest of the agent.
#[derive(Debug, Default)]
pub struct ExportStats {
    pub exported_records: AtomicU64,
    pub failed_records: AtomicU64,
    pub failed_batches: AtomicU64,
    /// Export attempts that finished, successfully or not.
    pub attempts: AtomicU64,
    /// Records the agent dropped instead of handing them to an SDK export
    /// queue that was full (the SDK would have dropped them uncounted).
    pub queue_dropped: AtomicU64,
}

impl ExportStats {
    /// Whether at least one export attempt has finished.
    #[must_use]
    pub fn attempted(&self) -> bool {
        self.attempts.load(Ordering::Relaxed) > 0
    }
}

/// Delegates to `inner` and records each outcome in `stats`.
pub struct Observed<E> {
    inner: E,
    stats: Arc<ExportStats>,
    /// Records taken out of the batch queue for export (by this exporter
    /// only), so the sink can tell how full the queue is.
    taken: Arc<AtomicU64>,
}

impl<E> Observed<E> {
    pub fn new(inner: E, stats: Arc<ExportStats>) -> Self {
        Self { inner, stats, taken: Arc::new(AtomicU64::new(0)) }
    }

    /// Also counts the records taken for export into `taken`.
    #[must_use]
    pub fn with_taken(mut self, taken: Arc<AtomicU64>) -> Self {
        self.taken = taken;
        self
    }
}

impl<E: fmt::Debug> fmt::Debug for Observed<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observed").field("inner", &self.inner).finish_non_exhaustive()
    }
}

impl<E: LogExporter> LogExporter for Observed<E> {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let n = batch.iter().count() as u64;
        self.taken.fetch_add(n, Ordering::Relaxed);
        let result = self.inner.export(batch).await;
        self.record(n, &result, "log");
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<E: opentelemetry_sdk::trace::SpanExporter> opentelemetry_sdk::trace::SpanExporter for Observed<E> {
    async fn export(&self, batch: Vec<opentelemetry_sdk::trace::SpanData>) -> OTelSdkResult {
        let n = batch.len() as u64;
        let result = self.inner.export(batch).await;
        self.record(n, &result, "span");
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<E> Observed<E> {
    /// Counts one export attempt of `n` records.
    fn record(&self, n: u64, result: &OTelSdkResult, what: &str) {
        match result {
            Ok(()) => {
                self.stats.exported_records.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                self.stats.failed_records.fetch_add(n, Ordering::Relaxed);
                if self.stats.failed_batches.fetch_add(1, Ordering::Relaxed) == 0 {
                    tracing::warn!("OTLP {what} export failed ({e}); {n} records lost; later failures are counted");
                }
            }
        }
        self.stats.attempts.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _};
    use opentelemetry_sdk::logs::{InMemoryLogExporter, SdkLoggerProvider};

    use super::*;

    #[test]
    fn counts_exported_records() {
        let stats = Arc::new(ExportStats::default());
        let inner = InMemoryLogExporter::default();
        let provider =
            SdkLoggerProvider::builder().with_simple_exporter(Observed::new(inner.clone(), Arc::clone(&stats))).build();
        let logger = provider.logger("t");
        for _ in 0..3 {
            let mut r = logger.create_log_record();
            r.set_event_name("x");
            logger.emit(r);
        }
        assert_eq!(stats.exported_records.load(Ordering::Relaxed), 3);
        assert!(stats.attempted());
        assert_eq!(inner.get_emitted_logs().unwrap().len(), 3);
    }
}

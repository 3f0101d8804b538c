//! Export outcome counters ([`ExportStats`]), and an SDK span exporter
//! wrapper that fills them.
//!
//! The SDK's batch processor hides export outcomes; wrapping the OTLP span
//! exporter lets the agent count exported and failed spans (self-metrics).
//! The log sink counts its own exports the same way, and the first
//! finished log export makes the agent ready.

use std::{
    fmt,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use opentelemetry_sdk::{Resource, error::OTelSdkResult};

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
    /// Counts one finished export attempt of `n` records of which `failed`
    /// were lost (`error` says why; without it they were rejected by the
    /// receiver). The first failure is logged; later ones are only counted.
    pub fn record(&self, n: u64, failed: u64, error: Option<&str>, what: &str) {
        let failed = failed.min(n);
        self.exported_records.fetch_add(n - failed, Ordering::Relaxed);
        if failed > 0 {
            self.failed_records.fetch_add(failed, Ordering::Relaxed);
            if self.failed_batches.fetch_add(1, Ordering::Relaxed) == 0 {
                let why = error.map_or_else(|| "the receiver rejected them".to_owned(), str::to_owned);
                tracing::warn!("OTLP {what} export failed ({why}); {failed} records lost; later failures are counted");
            }
        }
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }

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
}

impl<E> Observed<E> {
    pub fn new(inner: E, stats: Arc<ExportStats>) -> Self {
        Self { inner, stats }
    }
}

impl<E: fmt::Debug> fmt::Debug for Observed<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observed").field("inner", &self.inner).finish_non_exhaustive()
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
        let error = result.as_ref().err().map(ToString::to_string);
        let failed = if error.is_some() { n } else { 0 };
        self.stats.record(n, failed, error.as_deref(), what);
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

    use super::*;

    #[test]
    fn counts_exported_spans() {
        let stats = Arc::new(ExportStats::default());
        let inner = InMemorySpanExporter::default();
        let provider =
            SdkTracerProvider::builder().with_simple_exporter(Observed::new(inner.clone(), Arc::clone(&stats))).build();
        let tracer = provider.tracer("t");
        for _ in 0..3 {
            tracer.start("x").end();
        }
        assert_eq!(stats.exported_records.load(Ordering::Relaxed), 3);
        assert!(stats.attempted());
        assert_eq!(inner.get_finished_spans().unwrap().len(), 3);
    }

    #[test]
    fn rejected_records_count_as_failed() {
        let stats = ExportStats::default();
        stats.record(10, 3, None, "log");
        stats.record(5, 9, Some("down"), "log");
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        assert_eq!((load(&stats.exported_records), load(&stats.failed_records)), (7, 8));
        assert_eq!((load(&stats.failed_batches), load(&stats.attempts)), (2, 2));
    }
}

//! Every export request the receiver has accepted, per signal, in arrival order.

use std::sync::{Mutex, MutexGuard, PoisonError};

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;

#[derive(Debug, Default)]
pub(super) struct Store {
    logs: Mutex<Vec<ExportLogsServiceRequest>>,
    traces: Mutex<Vec<ExportTraceServiceRequest>>,
    metrics: Mutex<Vec<ExportMetricsServiceRequest>>,
}

/// A panic in one test thread must not hide the data from the others.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    pub(super) fn push_logs(&self, request: ExportLogsServiceRequest) {
        lock(&self.logs).push(request);
    }

    pub(super) fn push_traces(&self, request: ExportTraceServiceRequest) {
        lock(&self.traces).push(request);
    }

    pub(super) fn push_metrics(&self, request: ExportMetricsServiceRequest) {
        lock(&self.metrics).push(request);
    }

    pub(super) fn logs(&self) -> Vec<ExportLogsServiceRequest> {
        lock(&self.logs).clone()
    }

    pub(super) fn traces(&self) -> Vec<ExportTraceServiceRequest> {
        lock(&self.traces).clone()
    }

    pub(super) fn metrics(&self) -> Vec<ExportMetricsServiceRequest> {
        lock(&self.metrics).clone()
    }
}

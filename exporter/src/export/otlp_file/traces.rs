//! [`FileSpanExporter`]: an SDK [`SpanExporter`] writing each batch as one
//! `ExportTraceServiceRequest` line, converted with opentelemetry-proto's
//! `group_spans_by_resource_and_scope` under the resource given by
//! [`SpanExporter::set_resource`].

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use opentelemetry_proto::{
    tonic::collector::trace::v1::ExportTraceServiceRequest,
    transform::{common::tonic::ResourceAttributesWithSchema, trace::tonic::group_spans_by_resource_and_scope},
};
use opentelemetry_sdk::{
    error::OTelSdkResult,
    trace::{SpanData, SpanExporter},
};

use super::{FileError, JsonLinesFile};

/// Writes span batches to a [`JsonLinesFile`] as OTLP/JSON.
#[derive(Debug)]
pub struct FileSpanExporter {
    file: Arc<JsonLinesFile>,
    resource: ResourceAttributesWithSchema,
    shut_down: AtomicBool,
}

impl FileSpanExporter {
    /// An exporter appending to `file`; the resource comes from the
    /// provider through [`SpanExporter::set_resource`].
    #[must_use]
    pub fn new(file: Arc<JsonLinesFile>) -> Self {
        Self { file, resource: ResourceAttributesWithSchema::default(), shut_down: AtomicBool::new(false) }
    }

    /// The file written to (for its counters).
    #[must_use]
    pub fn file(&self) -> &Arc<JsonLinesFile> {
        &self.file
    }

    /// Converts and writes one batch; an empty batch writes nothing.
    ///
    /// # Errors
    /// [`FileError::ShutDown`] after shutdown, or the write's error.
    pub fn write_batch(&self, batch: Vec<SpanData>) -> Result<(), FileError> {
        if self.shut_down.load(Ordering::Relaxed) {
            return Err(FileError::ShutDown);
        }
        if batch.is_empty() {
            return Ok(());
        }
        self.file.write_request(&spans_request(batch, &self.resource))
    }
}

impl SpanExporter for FileSpanExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        std::future::ready(self.write_batch(batch).map_err(Into::into))
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        self.shut_down.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.resource = resource.into();
    }
}

/// The batch as one request: one resource, one `ScopeSpans` per scope.
#[must_use]
pub fn spans_request(batch: Vec<SpanData>, resource: &ResourceAttributesWithSchema) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest { resource_spans: group_spans_by_resource_and_scope(batch, resource) }
}

/// Writes `req` as one OTLP/JSON line; a request without spans writes
/// nothing. For the span batches the agent encodes itself (see
/// `export::wire_spans`).
///
/// # Errors
/// The write's [`FileError`] (also counted in [`JsonLinesFile::errors`]).
pub fn write_traces(file: &JsonLinesFile, req: &ExportTraceServiceRequest) -> Result<(), FileError> {
    if req.resource_spans.iter().all(|r| r.scope_spans.iter().all(|s| s.spans.is_empty())) {
        return Ok(());
    }
    file.write_request(req)
}

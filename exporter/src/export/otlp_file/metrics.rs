//! [`write_metrics`]: one `ExportMetricsServiceRequest` per line, for the
//! metrics the agent already builds as protobuf (see `otlp_wire`).

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;

use super::{FileError, JsonLinesFile};

/// Writes `req` as one OTLP/JSON line; a request without resource metrics
/// writes nothing.
///
/// # Errors
/// The write's [`FileError`] (also counted in [`JsonLinesFile::errors`]).
pub fn write_metrics(file: &JsonLinesFile, req: &ExportMetricsServiceRequest) -> Result<(), FileError> {
    if req.resource_metrics.is_empty() {
        return Ok(());
    }
    file.write_request(req)
}

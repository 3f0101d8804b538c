//! [`write_logs`]: one `ExportLogsServiceRequest` per line, for the log
//! batches the agent encodes itself (see `wire_logs`).

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;

use super::{FileError, JsonLinesFile};

/// Writes `req` as one OTLP/JSON line; a request without records writes
/// nothing.
///
/// # Errors
/// The write's [`FileError`] (also counted in [`JsonLinesFile::errors`]).
pub fn write_logs(file: &JsonLinesFile, req: &ExportLogsServiceRequest) -> Result<(), FileError> {
    if req.resource_logs.iter().all(|r| r.scope_logs.iter().all(|s| s.log_records.is_empty())) {
        return Ok(());
    }
    file.write_request(req)
}

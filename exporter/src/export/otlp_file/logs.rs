//! [`FileLogExporter`]: an SDK [`LogExporter`] writing each batch as one
//! `ExportLogsServiceRequest` line.
//!
//! Records are converted with opentelemetry-proto's `transform` impls
//! (time, observed time, severity, event name, body, attributes, trace and
//! span ids, flags), grouped per instrumentation scope under the resource
//! given by [`LogExporter::set_resource`]. The grouping is redone here
//! rather than calling `group_logs_by_resource_and_scope`, because that
//! conversion panics on a record without an observed timestamp (possible
//! through the public `LogBatch::new`); such a record gets its own
//! timestamp, or the export time, instead.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::SystemTime,
};

use opentelemetry::{InstrumentationScope, logs::LogRecord as _};
use opentelemetry_proto::{
    tonic::{
        collector::logs::v1::ExportLogsServiceRequest,
        logs::v1::{LogRecord, ResourceLogs, ScopeLogs},
        resource::v1::Resource,
    },
    transform::common::tonic::ResourceAttributesWithSchema,
};
use opentelemetry_sdk::{
    error::OTelSdkResult,
    logs::{LogBatch, LogExporter, SdkLogRecord},
};

use super::{FileError, JsonLinesFile};

/// Writes log batches to a [`JsonLinesFile`] as OTLP/JSON.
#[derive(Debug)]
pub struct FileLogExporter {
    file: Arc<JsonLinesFile>,
    resource: ResourceAttributesWithSchema,
    shut_down: AtomicBool,
}

impl FileLogExporter {
    /// An exporter appending to `file`; the resource comes from the
    /// provider through [`LogExporter::set_resource`].
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
    pub fn write_batch(&self, batch: &LogBatch<'_>) -> Result<(), FileError> {
        if self.shut_down.load(Ordering::Relaxed) {
            return Err(FileError::ShutDown);
        }
        let req = logs_request(batch, &self.resource);
        if req.resource_logs.iter().all(|r| r.scope_logs.is_empty()) {
            return Ok(());
        }
        self.file.write_request(&req)
    }
}

impl LogExporter for FileLogExporter {
    fn export(&self, batch: LogBatch<'_>) -> impl Future<Output = OTelSdkResult> + Send {
        std::future::ready(self.write_batch(&batch).map_err(Into::into))
    }

    fn shutdown_with_timeout(&self, _timeout: std::time::Duration) -> OTelSdkResult {
        self.shut_down.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.resource = resource.into();
    }
}

/// The batch as one request: one resource, one `ScopeLogs` per scope (the
/// record's `target`, when set, replaces the scope name, as the OTLP
/// exporter does), in order of first appearance.
#[must_use]
pub fn logs_request(batch: &LogBatch<'_>, resource: &ResourceAttributesWithSchema) -> ExportLogsServiceRequest {
    let mut index: HashMap<InstrumentationScope, usize> = HashMap::new();
    let mut scope_logs: Vec<ScopeLogs> = Vec::new();
    for (record, scope) in batch.iter() {
        let key = scope_key(record, scope);
        let i = *index.entry(key).or_insert_with_key(|key| {
            scope_logs.push(ScopeLogs {
                scope: Some((key, None).into()),
                schema_url: key.schema_url().unwrap_or_default().to_owned(),
                log_records: Vec::new(),
            });
            scope_logs.len() - 1
        });
        if let Some(group) = scope_logs.get_mut(i) {
            group.log_records.push(log_record(record));
        }
    }
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: resource.attributes.0.clone(),
                dropped_attributes_count: 0,
                entity_refs: Vec::new(),
            }),
            scope_logs,
            schema_url: resource.schema_url.clone().unwrap_or_default(),
        }],
    }
}

fn scope_key(record: &SdkLogRecord, scope: &InstrumentationScope) -> InstrumentationScope {
    let name = record.target().cloned().unwrap_or_else(|| scope.name().to_owned().into());
    let mut builder = InstrumentationScope::builder(name).with_attributes(scope.attributes().cloned());
    if let Some(version) = scope.version() {
        builder = builder.with_version(version.to_owned());
    }
    if let Some(schema_url) = scope.schema_url() {
        builder = builder.with_schema_url(schema_url.to_owned());
    }
    builder.build()
}

fn log_record(record: &SdkLogRecord) -> LogRecord {
    if record.observed_timestamp().is_some() {
        return record.into();
    }
    let mut record = record.clone();
    record.set_observed_timestamp(record.timestamp().unwrap_or_else(SystemTime::now));
    (&record).into()
}

#[cfg(test)]
mod tests {
    use opentelemetry::logs::{AnyValue, Logger as _, LoggerProvider as _, Severity};
    use opentelemetry_proto::tonic::common::v1::any_value;
    use opentelemetry_sdk::logs::SdkLoggerProvider;

    use super::*;

    #[test]
    fn groups_by_scope_and_fills_a_missing_observed_time() {
        // `create_log_record` leaves the observed time unset; only
        // `Logger::emit` fills it, so a hand-made batch can lack it.
        let provider = SdkLoggerProvider::builder().build();
        let logger = provider.logger("a");
        let mut r1 = logger.create_log_record();
        r1.set_body(AnyValue::from("one"));
        r1.set_severity_number(Severity::Warn);
        r1.set_timestamp(SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(7));
        let mut r2 = logger.create_log_record();
        r2.set_target("custom");
        let r3 = logger.create_log_record();
        let a = InstrumentationScope::builder("a").with_version("1").build();
        let data = [(&r1, &a), (&r2, &a), (&r3, &a)];
        let req = logs_request(&LogBatch::new(&data), &ResourceAttributesWithSchema::default());

        let scopes = &req.resource_logs[0].scope_logs;
        let names: Vec<_> = scopes.iter().map(|s| s.scope.as_ref().unwrap().name.as_str()).collect();
        assert_eq!(names, ["a", "custom"]);
        assert_eq!(scopes[0].scope.as_ref().unwrap().version, "1");
        assert_eq!(scopes[0].log_records.len(), 2);
        let first = &scopes[0].log_records[0];
        assert_eq!((first.time_unix_nano, first.observed_time_unix_nano), (7, 7));
        assert_eq!(first.severity_number, 13);
        assert_eq!(first.body.as_ref().unwrap().value, Some(any_value::Value::StringValue("one".into())));
        assert!(scopes[0].log_records[1].observed_time_unix_nano > 0, "export time used");
    }

    #[test]
    fn empty_batch_writes_nothing_and_shutdown_refuses() {
        let dir = tempfile::tempdir().unwrap();
        let file = Arc::new(JsonLinesFile::open(dir.path().join("logs.jsonl")).unwrap());
        let exporter = FileLogExporter::new(Arc::clone(&file));
        exporter.write_batch(&LogBatch::new(&[])).unwrap();
        assert_eq!(file.lines_written(), 0);
        exporter.shutdown().unwrap();
        assert!(matches!(exporter.write_batch(&LogBatch::new(&[])), Err(FileError::ShutDown)));
    }
}

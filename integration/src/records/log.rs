//! One flat entry per OTLP log record.

use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs};

use super::value::{AttrValue, Attributes, hex};

/// A log record with the attributes of its resource and the name of its scope.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    pub event_name: String,
    pub severity_number: i32,
    pub severity_text: String,
    pub body: Option<AttrValue>,
    pub time_unix_nano: u64,
    pub observed_time_unix_nano: u64,
    /// Lower-case hex; empty when unset.
    pub trace_id: String,
    /// Lower-case hex; empty when unset.
    pub span_id: String,
    pub attributes: Attributes,
    pub resource: Attributes,
    pub scope_name: String,
}

impl LogEntry {
    fn new(record: &LogRecord, resource: &Attributes, scope_name: &str) -> Self {
        Self {
            event_name: record.event_name.clone(),
            severity_number: record.severity_number,
            severity_text: record.severity_text.clone(),
            body: record.body.as_ref().map(AttrValue::from),
            time_unix_nano: record.time_unix_nano,
            observed_time_unix_nano: record.observed_time_unix_nano,
            trace_id: hex(&record.trace_id),
            span_id: hex(&record.span_id),
            attributes: Attributes::from(&record.attributes[..]),
            resource: resource.clone(),
            scope_name: scope_name.to_owned(),
        }
    }
}

/// Every log record in `batches`, in order of arrival.
#[must_use]
pub fn flatten_logs(batches: &[ResourceLogs]) -> Vec<LogEntry> {
    let mut entries = Vec::new();
    for batch in batches {
        let resource = Attributes::of_resource(batch.resource.as_ref());
        for scope in &batch.scope_logs {
            let scope_name = scope.scope.as_ref().map_or("", |s| s.name.as_str());
            for record in &scope.log_records {
                entries.push(LogEntry::new(record, &resource, scope_name));
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
    use opentelemetry_proto::tonic::logs::v1::ScopeLogs;
    use opentelemetry_proto::tonic::resource::v1::Resource;

    use super::*;

    fn int_kv(key: &str, i: i64) -> KeyValue {
        let value = AnyValue { value: Some(any_value::Value::IntValue(i)) };
        KeyValue { key: key.into(), value: Some(value), ..Default::default() }
    }

    #[test]
    fn carries_resource_scope_and_ids() {
        let record = LogRecord {
            event_name: "sysotel.process.exec".into(),
            severity_number: 9,
            time_unix_nano: 42,
            trace_id: vec![0xab; 16],
            span_id: vec![0x01; 8],
            attributes: vec![int_kv("process.pid", 7)],
            ..Default::default()
        };
        let batch = ResourceLogs {
            resource: Some(Resource { attributes: vec![int_kv("host.pid", 1)], ..Default::default() }),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope { name: "sysotel".into(), ..Default::default() }),
                log_records: vec![record.clone(), record],
                ..Default::default()
            }],
            ..Default::default()
        };
        let entries = flatten_logs(&[batch]);
        assert_eq!(entries.len(), 2);
        let entry = &entries[0];
        assert_eq!(entry.event_name, "sysotel.process.exec");
        assert_eq!(entry.severity_number, 9);
        assert_eq!(entry.time_unix_nano, 42);
        assert_eq!(entry.trace_id, "ab".repeat(16));
        assert_eq!(entry.span_id, "01".repeat(8));
        assert_eq!(entry.attributes.int("process.pid"), Some(7));
        assert_eq!(entry.resource.int("host.pid"), Some(1));
        assert_eq!(entry.scope_name, "sysotel");
        assert_eq!(entry.body, None);
    }
}

//! One flat entry per OTLP span.

use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, Span, span};

use super::value::{Attributes, hex};

/// A span with the attributes of its resource and the name of its scope.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanEntry {
    pub name: String,
    /// The OTLP `SpanKind` number (1 internal, 2 server, 3 client, …).
    pub kind: i32,
    /// Lower-case hex.
    pub trace_id: String,
    /// Lower-case hex.
    pub span_id: String,
    /// Lower-case hex; empty for a root span.
    pub parent_span_id: String,
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    /// The OTLP `StatusCode` number (0 unset, 1 ok, 2 error).
    pub status_code: i32,
    pub status_message: String,
    pub attributes: Attributes,
    pub events: Vec<SpanEventEntry>,
    pub resource: Attributes,
    pub scope_name: String,
}

/// An event recorded on a span.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanEventEntry {
    pub name: String,
    pub time_unix_nano: u64,
    pub attributes: Attributes,
}

impl SpanEventEntry {
    fn new(event: &span::Event) -> Self {
        Self {
            name: event.name.clone(),
            time_unix_nano: event.time_unix_nano,
            attributes: Attributes::from(&event.attributes[..]),
        }
    }
}

impl SpanEntry {
    fn new(span: &Span, resource: &Attributes, scope_name: &str) -> Self {
        let status = span.status.clone().unwrap_or_default();
        Self {
            name: span.name.clone(),
            kind: span.kind,
            trace_id: hex(&span.trace_id),
            span_id: hex(&span.span_id),
            parent_span_id: hex(&span.parent_span_id),
            start_time_unix_nano: span.start_time_unix_nano,
            end_time_unix_nano: span.end_time_unix_nano,
            status_code: status.code,
            status_message: status.message,
            attributes: Attributes::from(&span.attributes[..]),
            events: span.events.iter().map(SpanEventEntry::new).collect(),
            resource: resource.clone(),
            scope_name: scope_name.to_owned(),
        }
    }
}

/// Every span in `batches`, in order of arrival.
#[must_use]
pub fn flatten_spans(batches: &[ResourceSpans]) -> Vec<SpanEntry> {
    let mut entries = Vec::new();
    for batch in batches {
        let resource = Attributes::of_resource(batch.resource.as_ref());
        for scope in &batch.scope_spans {
            let scope_name = scope.scope.as_ref().map_or("", |s| s.name.as_str());
            for span in &scope.spans {
                entries.push(SpanEntry::new(span, &resource, scope_name));
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::trace::v1::{ScopeSpans, Status};

    use super::*;

    #[test]
    fn carries_ids_status_and_events() {
        let span = Span {
            name: "connect".into(),
            kind: 3,
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            status: Some(Status { code: 2, message: "refused".into() }),
            events: vec![span::Event { name: "retry".into(), time_unix_nano: 5, ..Default::default() }],
            ..Default::default()
        };
        let batch = ResourceSpans {
            scope_spans: vec![ScopeSpans { spans: vec![span], ..Default::default() }],
            ..Default::default()
        };
        let entries = flatten_spans(&[batch]);
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(entry.name, "connect");
        assert_eq!(entry.kind, 3);
        assert_eq!(entry.trace_id, "01".repeat(16));
        assert_eq!(entry.span_id, "02".repeat(8));
        assert_eq!(entry.parent_span_id, "");
        assert_eq!((entry.status_code, entry.status_message.as_str()), (2, "refused"));
        assert_eq!(entry.events[0].name, "retry");
        assert_eq!(entry.events[0].time_unix_nano, 5);
        assert!(entry.resource.is_empty());
        assert_eq!(entry.scope_name, "");
    }
}

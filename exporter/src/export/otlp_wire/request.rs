//! [`WireRequest`]: what a [`super::WireSender`] can send, one implementation
//! per signal: `ExportMetricsServiceRequest` as the metrics pipeline builds
//! it, and [`EncodedLogs`] and [`EncodedTraces`], logs and traces requests
//! already encoded as protobuf.

use bytes::Bytes;
use opentelemetry_proto::tonic::collector::{
    logs::v1::{ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse},
    metrics::v1::{ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse},
    trace::v1::{ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse},
};
use prost::Message as _;

use super::{config::Signal, json};

/// An OTLP export request of one signal, with its response type.
pub trait WireRequest: Send + Sync + 'static {
    /// The signal whose [`super::WireConfig`] the sender must be built from.
    const SIGNAL: Signal;
    /// gRPC method path, e.g.
    /// `/opentelemetry.proto.collector.logs.v1.LogsService/Export`.
    const GRPC_PATH: &'static str;
    /// The `Export…ServiceResponse` (its partial success).
    type Response: prost::Message + Default + Send + Sync + 'static;

    /// The request body in binary protobuf.
    fn protobuf(&self) -> Bytes;

    /// The request body in OTLP/JSON.
    ///
    /// # Errors
    /// A description when the request cannot be represented as JSON.
    fn json(&self) -> Result<Vec<u8>, String>;

    /// Items rejected (data points, log records) and the collector's
    /// message (`None` when empty).
    fn rejected(response: &Self::Response) -> (i64, Option<String>);

    /// The partial success of an OTLP/JSON answer; anything unreadable
    /// counts as full success.
    fn json_response(body: &[u8]) -> Self::Response;
}

impl WireRequest for ExportMetricsServiceRequest {
    const SIGNAL: Signal = Signal::Metrics;
    const GRPC_PATH: &'static str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    type Response = ExportMetricsServiceResponse;

    fn protobuf(&self) -> Bytes {
        self.encode_to_vec().into()
    }

    fn json(&self) -> Result<Vec<u8>, String> {
        json::encode(self).map_err(|e| e.to_string())
    }

    fn rejected(response: &Self::Response) -> (i64, Option<String>) {
        response.partial_success.as_ref().map_or((0, None), |p| (p.rejected_data_points, message(&p.error_message)))
    }

    fn json_response(body: &[u8]) -> Self::Response {
        let partial_success =
            json::partial_success(body, "rejectedDataPoints").map(|(rejected_data_points, error_message)| {
                ExportMetricsPartialSuccess { rejected_data_points, error_message }
            });
        ExportMetricsServiceResponse { partial_success }
    }
}

/// A complete `ExportLogsServiceRequest`, already encoded as protobuf.
///
/// Sent as is over gRPC and `http/protobuf`; for `http/json` it is decoded
/// and re-encoded once per [`super::WireSender::send`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodedLogs(pub Bytes);

impl WireRequest for EncodedLogs {
    const SIGNAL: Signal = Signal::Logs;
    const GRPC_PATH: &'static str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
    type Response = ExportLogsServiceResponse;

    fn protobuf(&self) -> Bytes {
        self.0.clone()
    }

    fn json(&self) -> Result<Vec<u8>, String> {
        let req = ExportLogsServiceRequest::decode(&self.0[..])
            .map_err(|e| format!("not an ExportLogsServiceRequest: {e}"))?;
        json::encode(&req).map_err(|e| e.to_string())
    }

    fn rejected(response: &Self::Response) -> (i64, Option<String>) {
        response.partial_success.as_ref().map_or((0, None), |p| (p.rejected_log_records, message(&p.error_message)))
    }

    fn json_response(body: &[u8]) -> Self::Response {
        let partial_success =
            json::partial_success(body, "rejectedLogRecords").map(|(rejected_log_records, error_message)| {
                ExportLogsPartialSuccess { rejected_log_records, error_message }
            });
        ExportLogsServiceResponse { partial_success }
    }
}

/// A complete `ExportTraceServiceRequest`, already encoded as protobuf
/// (sent like [`EncodedLogs`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodedTraces(pub Bytes);

impl WireRequest for EncodedTraces {
    const SIGNAL: Signal = Signal::Traces;
    const GRPC_PATH: &'static str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    type Response = ExportTraceServiceResponse;

    fn protobuf(&self) -> Bytes {
        self.0.clone()
    }

    fn json(&self) -> Result<Vec<u8>, String> {
        let req = ExportTraceServiceRequest::decode(&self.0[..])
            .map_err(|e| format!("not an ExportTraceServiceRequest: {e}"))?;
        json::encode(&req).map_err(|e| e.to_string())
    }

    fn rejected(response: &Self::Response) -> (i64, Option<String>) {
        response.partial_success.as_ref().map_or((0, None), |p| (p.rejected_spans, message(&p.error_message)))
    }

    fn json_response(body: &[u8]) -> Self::Response {
        let partial_success = json::partial_success(body, "rejectedSpans")
            .map(|(rejected_spans, error_message)| ExportTracePartialSuccess { rejected_spans, error_message });
        ExportTraceServiceResponse { partial_success }
    }
}

fn message(text: &str) -> Option<String> {
    Some(text.to_owned()).filter(|m| !m.is_empty())
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::{
        common::v1::{AnyValue, any_value},
        logs::v1::{LogRecord, ResourceLogs, ScopeLogs},
    };
    use serde_json::Value;

    use super::*;

    fn logs() -> ExportLogsServiceRequest {
        let record = LogRecord {
            time_unix_nano: 5,
            severity_number: 9,
            body: Some(AnyValue { value: Some(any_value::Value::StringValue("exec /bin/true".into())) }),
            trace_id: vec![0xab; 16],
            ..Default::default()
        };
        ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                scope_logs: vec![ScopeLogs { log_records: vec![record], ..Default::default() }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn encoded_logs_go_out_as_given() {
        let bytes = Bytes::from(logs().encode_to_vec());
        let req = EncodedLogs(bytes.clone());
        assert_eq!(req.protobuf(), bytes);
        assert_eq!(req.protobuf().as_ptr(), bytes.as_ptr(), "no copy");

        let v: Value = serde_json::from_slice(&req.json().unwrap()).unwrap();
        let record = &v["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0];
        assert_eq!(record["timeUnixNano"], "5");
        assert_eq!(record["body"]["stringValue"], "exec /bin/true");
        assert_eq!(record["traceId"], "abababababababababababababababab");
        assert!(v["resourceLogs"][0].get("resource").is_none(), "null dropped: {v}");
        let back: ExportLogsServiceRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, logs());

        assert!(EncodedLogs(Bytes::from_static(b"\xff\xff")).json().unwrap_err().contains("ExportLogsServiceRequest"));
    }

    #[test]
    fn partial_successes_per_signal() {
        let body = br#"{"partialSuccess":{"rejectedLogRecords":"4","errorMessage":"too big"}}"#;
        let r = EncodedLogs::json_response(body);
        assert_eq!(EncodedLogs::rejected(&r), (4, Some("too big".into())));
        // The metrics key does not count for logs, nor the other way round.
        let r = EncodedLogs::json_response(br#"{"partialSuccess":{"rejectedDataPoints":4}}"#);
        assert_eq!(EncodedLogs::rejected(&r), (0, None));
        let r = ExportMetricsServiceRequest::json_response(body);
        assert_eq!(ExportMetricsServiceRequest::rejected(&r), (0, Some("too big".into())));
        assert_eq!(EncodedLogs::rejected(&EncodedLogs::json_response(b"")), (0, None));

        let r = ExportMetricsServiceResponse {
            partial_success: Some(ExportMetricsPartialSuccess {
                rejected_data_points: 2,
                error_message: String::new(),
            }),
        };
        assert_eq!(ExportMetricsServiceRequest::rejected(&r), (2, None));
        assert_eq!(ExportMetricsServiceRequest::rejected(&Default::default()), (0, None));

        let r = EncodedTraces::json_response(br#"{"partialSuccess":{"rejectedSpans":"3","errorMessage":"late"}}"#);
        assert_eq!(EncodedTraces::rejected(&r), (3, Some("late".into())));
        assert_eq!(EncodedTraces::rejected(&EncodedTraces::json_response(body)), (0, Some("too big".into())));
    }

    #[test]
    fn encoded_traces_go_out_as_given() {
        use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
        let req = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span { name: "connect".into(), span_id: vec![7; 8], ..Default::default() }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let bytes = Bytes::from(req.encode_to_vec());
        let wire = EncodedTraces(bytes.clone());
        assert_eq!(wire.protobuf().as_ptr(), bytes.as_ptr(), "no copy");
        let v: Value = serde_json::from_slice(&wire.json().unwrap()).unwrap();
        let span = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!((span["name"].as_str(), span["spanId"].as_str()), (Some("connect"), Some("0707070707070707")));
        assert!(EncodedTraces(Bytes::from_static(b"\xff")).json().unwrap_err().contains("ExportTraceServiceRequest"));
    }
}

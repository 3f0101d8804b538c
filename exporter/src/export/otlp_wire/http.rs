//! OTLP/HTTP: the request body (binary protobuf or OTLP/JSON, optionally
//! gzipped) and one POST through a hyper client with rustls (ring).
//!
//! hyper-util + hyper-rustls rather than reqwest: reqwest 0.13's rustls
//! features either pull in aws-lc-rs (which makes rustls' process default
//! ambiguous for kube's `ClientConfig::builder()`) or, without a provider,
//! make every default-built reqwest client in the process panic, including
//! the blocking one opentelemetry-otlp builds for the SDK exporters. The
//! crates used here are already in the dependency tree (tonic, kube).

use std::io::Write as _;

use bytes::Bytes;
use flate2::{Compression as GzLevel, write::GzEncoder};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::{
    HeaderMap, Request, Uri,
    header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER, USER_AGENT as UA},
};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use prost::Message as _;

use super::{
    USER_AGENT,
    config::{Compression, Protocol, WireConfig},
    error::{BuildError, RejectStatus, SendErrorKind},
    grpc::error_chain,
    request::WireRequest,
    retry::{AttemptError, Retry, http_retry},
    tls::TlsMaterial,
};

/// Response bodies beyond this are cut (they only carry a status message).
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

pub(crate) struct HttpTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    uri: Uri,
    headers: HeaderMap,
    json: bool,
    gzip: bool,
}

impl HttpTransport {
    pub(crate) fn new(config: &WireConfig, tls: &TlsMaterial) -> Result<HttpTransport, BuildError> {
        let uri: Uri = config.endpoint.parse().map_err(|e: hyper::http::uri::InvalidUri| BuildError::Endpoint {
            endpoint: config.endpoint.clone(),
            detail: e.to_string(),
        })?;
        let json = config.protocol == Protocol::HttpJson;
        let gzip = config.compression == Compression::Gzip;
        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let bad = |detail: String| BuildError::Header { name: name.clone(), detail };
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|e| bad(e.to_string()))?;
            headers.append(header, HeaderValue::from_str(value).map_err(|e| bad(e.to_string()))?);
        }
        let content_type = if json { "application/json" } else { "application/x-protobuf" };
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if gzip {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        headers.insert(UA, HeaderValue::from_static(USER_AGENT));

        let mut connector = HttpConnector::new();
        connector.enforce_http(false);
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(config.timeout));
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls.rustls()?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(HttpTransport { client, uri, headers, json, gzip })
    }

    /// The request body, ready to send (once for all attempts).
    pub(crate) fn encode<R: WireRequest>(&self, req: &R) -> Result<Bytes, String> {
        let raw = if self.json { Bytes::from(req.json()?) } else { req.protobuf() };
        if !self.gzip {
            return Ok(raw);
        }
        let mut gz = GzEncoder::new(Vec::with_capacity(raw.len() / 4), GzLevel::default());
        gz.write_all(&raw).map_err(|e| e.to_string())?;
        gz.finish().map(Bytes::from).map_err(|e| e.to_string())
    }

    /// One POST of a body from [`HttpTransport::encode`].
    pub(crate) async fn export<R: WireRequest>(&self, body: Bytes) -> Result<R::Response, AttemptError> {
        let mut request = Request::post(self.uri.clone()).body(Full::new(body)).map_err(|e| AttemptError {
            kind: SendErrorKind::Encode,
            retry: Retry::No,
            detail: e.to_string(),
        })?;
        *request.headers_mut() = self.headers.clone();
        let response = self.client.request(request).await.map_err(|e| AttemptError {
            kind: SendErrorKind::Unreachable,
            retry: Retry::Backoff,
            detail: error_chain(&e),
        })?;
        let status = response.status();
        let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // A body that cannot be read is not worth failing an accepted export for.
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map(http_body_util::Collected::to_bytes)
            .unwrap_or_default();
        if status.is_success() {
            return Ok(self.decode_response::<R>(&body));
        }
        let code = status.as_u16();
        Err(AttemptError {
            kind: SendErrorKind::Rejected(RejectStatus::Http(code)),
            retry: http_retry(code, retry_after.as_deref()),
            detail: self.error_message(&body).unwrap_or_else(|| status.to_string()),
        })
    }

    /// The partial-success answer; an empty or undecodable body means full success.
    fn decode_response<R: WireRequest>(&self, body: &[u8]) -> R::Response {
        if self.json { R::json_response(body) } else { R::Response::decode(body).unwrap_or_default() }
    }

    /// The message of a `google.rpc.Status` error body, else its text.
    fn error_message(&self, body: &[u8]) -> Option<String> {
        if body.is_empty() {
            return None;
        }
        let message = if self.json {
            serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        } else {
            tonic_types::Status::decode(body).ok().map(|s| s.message).filter(|m| !m.is_empty())
        };
        let text = message.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
        Some(text.chars().filter(|c| !c.is_control()).take(256).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, io::Read as _};

    use flate2::read::GzDecoder;
    use opentelemetry_proto::tonic::collector::metrics::v1::{
        ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
    };

    use super::*;
    use crate::export::otlp_wire::config::Signal;

    fn transport(pairs: &[(&str, &str)]) -> HttpTransport {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        let config = WireConfig::resolve(Signal::Metrics, &|k| map.get(k).cloned()).unwrap();
        HttpTransport::new(&config, &TlsMaterial::load(&config.tls).unwrap()).unwrap()
    }

    fn request() -> ExportMetricsServiceRequest {
        ExportMetricsServiceRequest { resource_metrics: vec![Default::default()] }
    }

    #[test]
    fn headers_and_bodies() {
        let t =
            transport(&[("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cret"), ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")]);
        assert_eq!(t.headers["api-key"], "s3cret");
        assert_eq!(t.headers[CONTENT_TYPE], "application/x-protobuf");
        assert_eq!(t.headers[CONTENT_ENCODING], "gzip");
        let mut raw = Vec::new();
        GzDecoder::new(&t.encode(&request()).unwrap()[..]).read_to_end(&mut raw).unwrap();
        assert_eq!(ExportMetricsServiceRequest::decode(&raw[..]).unwrap(), request());

        let t = transport(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]);
        assert_eq!(t.headers[CONTENT_TYPE], "application/json");
        assert!(!t.headers.contains_key(CONTENT_ENCODING));
        // Fields in the order of the message (any order is valid JSON).
        assert_eq!(&t.encode(&request()).unwrap()[..], br#"{"resourceMetrics":[{"scopeMetrics":[],"schemaUrl":""}]}"#);
    }

    #[test]
    fn responses() {
        let proto = transport(&[]);
        let partial = ExportMetricsServiceResponse {
            partial_success: Some(ExportMetricsPartialSuccess { rejected_data_points: 3, error_message: "dup".into() }),
        };
        type Metrics = ExportMetricsServiceRequest;
        assert_eq!(proto.decode_response::<Metrics>(&partial.encode_to_vec()), partial);
        assert_eq!(proto.decode_response::<Metrics>(b""), ExportMetricsServiceResponse::default());
        let status = tonic_types::Status { code: 3, message: "bad metric".into(), details: vec![] };
        assert_eq!(proto.error_message(&status.encode_to_vec()).as_deref(), Some("bad metric"));

        let json = transport(&[("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/json")]);
        let body = br#"{"partialSuccess":{"rejectedDataPoints":"2","errorMessage":"x"}}"#;
        assert_eq!(json.decode_response::<Metrics>(body).partial_success.unwrap().rejected_data_points, 2);
        assert_eq!(json.error_message(br#"{"code":3,"message":"nope"}"#).as_deref(), Some("nope"));
        assert_eq!(json.error_message(b"plain\ntext").as_deref(), Some("plaintext"));
    }

    #[test]
    fn logs_bodies_and_responses() {
        use opentelemetry_proto::tonic::collector::logs::v1::{
            ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
        };

        use crate::export::otlp_wire::EncodedLogs;

        let req = ExportLogsServiceRequest { resource_logs: vec![Default::default()] };
        let logs = EncodedLogs(req.encode_to_vec().into());
        let proto = transport(&[]);
        assert_eq!(proto.encode(&logs).unwrap(), logs.0, "protobuf goes out as given");
        let partial = ExportLogsServiceResponse {
            partial_success: Some(ExportLogsPartialSuccess { rejected_log_records: 3, error_message: "x".into() }),
        };
        assert_eq!(proto.decode_response::<EncodedLogs>(&partial.encode_to_vec()), partial);

        let json = transport(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]);
        assert_eq!(&json.encode(&logs).unwrap()[..], br#"{"resourceLogs":[{"scopeLogs":[],"schemaUrl":""}]}"#);
        let body = br#"{"partialSuccess":{"rejectedLogRecords":3,"errorMessage":"x"}}"#;
        assert_eq!(json.decode_response::<EncodedLogs>(body), partial);
    }
}

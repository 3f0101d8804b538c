//! OTLP/gRPC: one export attempt through tonic's generic unary client over a
//! lazily connecting channel, at the request's [`WireRequest::GRPC_PATH`],
//! with a codec ([`BytesCodec`]) that sends the pre-encoded protobuf as is.

use std::{error::Error as _, time::Duration};

use bytes::Bytes;
use hyper::http::uri::PathAndQuery;
use tonic::{
    Code, Status,
    client::Grpc,
    codec::CompressionEncoding,
    metadata::{AsciiMetadataKey, AsciiMetadataValue},
    transport::{Channel, Endpoint},
};
use tonic_types::StatusExt as _;

use super::{
    USER_AGENT,
    codec::BytesCodec,
    config::{Compression, WireConfig},
    error::{BuildError, RejectStatus, SendErrorKind},
    request::WireRequest,
    retry::{AttemptError, Retry, grpc_retry},
    tls::TlsMaterial,
};

pub(crate) struct GrpcTransport {
    client: Grpc<Channel>,
    metadata: Vec<(AsciiMetadataKey, AsciiMetadataValue)>,
}

impl GrpcTransport {
    /// Must run inside a Tokio runtime (the channel spawns its worker).
    pub(crate) fn new(config: &WireConfig, tls: &TlsMaterial) -> Result<GrpcTransport, BuildError> {
        let bad_endpoint = |e: &dyn std::fmt::Display| BuildError::Endpoint {
            endpoint: config.endpoint.clone(),
            detail: e.to_string(),
        };
        let mut endpoint = Endpoint::from_shared(config.endpoint.clone())
            .map_err(|e| bad_endpoint(&e))?
            .connect_timeout(config.timeout)
            .user_agent(USER_AGENT)
            .map_err(|e| bad_endpoint(&e))?;
        if config.is_tls() {
            endpoint = endpoint.tls_config(tls.tonic()).map_err(|e| BuildError::Tls(error_chain(&e)))?;
        }
        let mut client = Grpc::new(endpoint.connect_lazy());
        if config.compression == Compression::Gzip {
            client = client.send_compressed(CompressionEncoding::Gzip).accept_compressed(CompressionEncoding::Gzip);
        }
        let metadata = config
            .headers
            .iter()
            .map(|(k, v)| {
                let key = k.parse::<AsciiMetadataKey>();
                let value = v.parse::<AsciiMetadataValue>();
                match (key, value) {
                    (Ok(key), Ok(value)) => Ok((key, value)),
                    (Err(e), _) => Err(BuildError::Header { name: k.clone(), detail: e.to_string() }),
                    (_, Err(e)) => Err(BuildError::Header { name: k.clone(), detail: e.to_string() }),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(GrpcTransport { client, metadata })
    }

    /// One attempt with `body`, `R`'s request in protobuf; `timeout` goes to
    /// the server as `grpc-timeout`.
    pub(crate) async fn export<R: WireRequest>(
        &self,
        body: Bytes,
        timeout: Duration,
    ) -> Result<R::Response, AttemptError> {
        let mut request = tonic::Request::new(body);
        request.set_timeout(timeout);
        for (key, value) in &self.metadata {
            request.metadata_mut().insert(key.clone(), value.clone());
        }
        match self.unary::<R>(request).await {
            Ok(response) => Ok(response.into_inner()),
            Err(status) => Err(classify(&status)),
        }
    }

    /// What opentelemetry-proto's generated `export` does, for any path.
    async fn unary<R: WireRequest>(
        &self,
        request: tonic::Request<Bytes>,
    ) -> Result<tonic::Response<R::Response>, Status> {
        let mut client = self.client.clone();
        client.ready().await.map_err(|e| Status::unknown(format!("Service was not ready: {e}")))?;
        let path = PathAndQuery::from_static(R::GRPC_PATH);
        client.unary(request, path, BytesCodec::<R::Response>::default()).await
    }
}

/// Statuses made by the client from a transport error (no connection, TLS
/// handshake, connect timeout) carry that error as source; statuses the
/// server sent do not.
fn classify(status: &Status) -> AttemptError {
    let detail = error_chain(status);
    if source_is::<tonic::TimeoutExpired>(status) || status.code() == Code::DeadlineExceeded {
        return AttemptError { kind: SendErrorKind::Timeout, retry: Retry::Backoff, detail };
    }
    if status.source().is_some() {
        return AttemptError { kind: SendErrorKind::Unreachable, retry: Retry::Backoff, detail };
    }
    let code = status.code();
    let retry_info = status.get_details_retry_info().and_then(|info| info.retry_delay);
    AttemptError {
        kind: SendErrorKind::Rejected(RejectStatus::Grpc(code)),
        retry: grpc_retry(code, retry_info),
        detail,
    }
}

fn source_is<E: std::error::Error + 'static>(status: &Status) -> bool {
    let mut source = status.source();
    while let Some(e) = source {
        if e.is::<E>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// `error: cause: cause` on one line.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use tonic_types::StatusExt as _;

    use super::*;

    #[test]
    fn server_statuses_are_rejections() {
        let e = classify(&Status::unavailable("overloaded"));
        assert_eq!((e.kind, e.retry), (SendErrorKind::Rejected(RejectStatus::Grpc(Code::Unavailable)), Retry::Backoff));
        let e = classify(&Status::invalid_argument("bad"));
        assert_eq!(e.retry, Retry::No);
        assert_eq!(classify(&Status::deadline_exceeded("late")).kind, SendErrorKind::Timeout);
    }

    #[test]
    fn retry_info_is_honoured() {
        let details = tonic_types::ErrorDetails::with_retry_info(Some(Duration::from_millis(250)));
        let status = Status::with_error_details(Code::ResourceExhausted, "slow down", details);
        assert_eq!(classify(&status).retry, Retry::After(Duration::from_millis(250)));
    }
}

//! OTLP/HTTP with protobuf bodies, as a minimal HTTP/1.1 client over `TcpStream`.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{Context as _, bail};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use prost::Message;

/// How long to wait for a reply.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends one logs export to `endpoint` (`http://host:port`) at `/v1/logs`.
///
/// # Errors
/// As [`post_protobuf`].
pub fn logs_http(endpoint: &str, request: &ExportLogsServiceRequest) -> anyhow::Result<()> {
    post_protobuf(endpoint, "/v1/logs", request)
}

/// POSTs `message` as `application/x-protobuf` to `endpoint` + `path` and
/// checks for a 2xx status.
///
/// # Errors
/// When `endpoint` is not `http://host:port`, the exchange fails, or the
/// status is not 2xx (the error holds the raw response).
pub fn post_protobuf(endpoint: &str, path: &str, message: &impl Message) -> anyhow::Result<()> {
    let authority = endpoint
        .strip_prefix("http://")
        .with_context(|| format!("{endpoint} is not an http:// endpoint"))?
        .trim_end_matches('/');
    let body = message.encode_to_vec();
    let mut stream = TcpStream::connect(authority).with_context(|| format!("connecting to {authority}"))?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/x-protobuf\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).with_context(|| format!("reading the reply of {authority}"))?;
    let response = String::from_utf8_lossy(&response);
    let status = response.split_whitespace().nth(1).unwrap_or_default();
    if !status.starts_with('2') {
        bail!("POST {endpoint}{path} failed:\n{response}");
    }
    Ok(())
}

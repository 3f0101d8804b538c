//! [`WireSender`]: sends a prebuilt `ExportMetricsServiceRequest` over the
//! configured transport, retrying retryable failures within the timeout.

use std::time::Duration;

use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use tokio::time::Instant;

use super::{
    config::{Protocol, Signal, WireConfig},
    error::{BuildError, SendError, SendErrorKind},
    grpc::GrpcTransport,
    http::HttpTransport,
    retry::{AttemptError, Retry, RetryPolicy},
    tls::TlsMaterial,
};

/// How an export that the collector accepted went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendOutcome {
    /// Requests sent, the successful one included.
    pub attempts: u32,
    /// Data points the collector reported as rejected (partial success).
    pub rejected_data_points: i64,
    /// The collector's partial-success message (a warning when nothing was
    /// rejected), if any.
    pub message: Option<String>,
}

impl SendOutcome {
    /// Whether the collector rejected part of the data.
    #[must_use]
    pub fn is_partial(&self) -> bool {
        self.rejected_data_points > 0
    }
}

enum Transport {
    Grpc(GrpcTransport),
    Http(Box<HttpTransport>),
}

/// An OTLP metrics sender for requests built outside the SDK.
///
/// Cheap to share behind an `Arc`; `send` takes `&self` and may run
/// concurrently. The gRPC channel connects on first use and reconnects by
/// itself; the HTTP client pools connections.
pub struct WireSender {
    transport: Transport,
    timeout: Duration,
    retry: RetryPolicy,
    endpoint: String,
}

impl WireSender {
    /// Builds the sender; reads the TLS files named in `config`.
    ///
    /// # Errors
    /// [`BuildError`] when called outside a Tokio runtime, when `config` is
    /// not the metrics configuration, or when TLS files, endpoint or headers
    /// are unusable.
    pub fn new(config: &WireConfig) -> Result<WireSender, BuildError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(BuildError::NoRuntime);
        }
        if config.signal != Signal::Metrics {
            return Err(BuildError::WrongSignal(config.signal));
        }
        let tls = if config.is_tls() { TlsMaterial::load(&config.tls)? } else { TlsMaterial::none() };
        let transport = match config.protocol {
            Protocol::Grpc => Transport::Grpc(GrpcTransport::new(config, &tls)?),
            Protocol::HttpProtobuf | Protocol::HttpJson => Transport::Http(Box::new(HttpTransport::new(config, &tls)?)),
        };
        Ok(WireSender {
            transport,
            timeout: config.timeout,
            retry: RetryPolicy::default(),
            endpoint: config.endpoint.clone(),
        })
    }

    /// Replaces the default [`RetryPolicy`].
    #[must_use]
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> WireSender {
        self.retry = retry;
        self
    }

    /// The URL requests go to.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Sends one request. Retryable failures (connection errors, gRPC
    /// UNAVAILABLE and the like, HTTP 429/502/503/504) are retried up to the
    /// policy's limit with backoff or the server's delay; the whole call,
    /// retries included, ends within the configured timeout.
    ///
    /// # Errors
    /// [`SendError`] with the last attempt's failure.
    pub async fn send(&self, req: ExportMetricsServiceRequest) -> Result<SendOutcome, SendError> {
        let deadline = Instant::now() + self.timeout;
        let body = match &self.transport {
            Transport::Http(http) => Some(http.encode(&req).map_err(|detail| SendError {
                kind: SendErrorKind::Encode,
                attempts: 0,
                detail,
            })?),
            Transport::Grpc(_) => None,
        };
        let mut attempts = 0;
        loop {
            attempts += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let attempt = async {
                match (&self.transport, &body) {
                    (Transport::Grpc(grpc), _) => grpc.export(req.clone(), remaining).await,
                    (Transport::Http(http), Some(body)) => http.export(body.clone()).await,
                    (Transport::Http(_), None) => unreachable_body(),
                }
            };
            let error = match tokio::time::timeout(remaining, attempt).await {
                Ok(Ok(response)) => return Ok(outcome(attempts, response)),
                Ok(Err(error)) => error,
                Err(_) => {
                    return Err(SendError {
                        kind: SendErrorKind::Timeout,
                        attempts,
                        detail: format!("no answer within {:?}", self.timeout),
                    });
                }
            };
            let throttle = match error.retry {
                Retry::No => return Err(finish(error, attempts)),
                Retry::Backoff => None,
                Retry::After(delay) => Some(delay),
            };
            if attempts > self.retry.max_retries {
                return Err(finish(error, attempts));
            }
            let delay = self.retry.delay(attempts, throttle);
            if Instant::now() + delay >= deadline {
                let mut error = finish(error, attempts);
                error.detail.push_str(" (no time left for a retry within the timeout)");
                return Err(error);
            }
            tracing::debug!(attempt = attempts, ?delay, error = %error.detail, "OTLP export failed, retrying");
            tokio::time::sleep(delay).await;
        }
    }
}

/// The HTTP body is always encoded before the loop; kept as an error rather
/// than a panic.
fn unreachable_body() -> Result<ExportMetricsServiceResponse, AttemptError> {
    Err(AttemptError { kind: SendErrorKind::Encode, retry: Retry::No, detail: "request body missing".into() })
}

fn finish(error: AttemptError, attempts: u32) -> SendError {
    SendError { kind: error.kind, attempts, detail: error.detail }
}

fn outcome(attempts: u32, response: ExportMetricsServiceResponse) -> SendOutcome {
    let (rejected_data_points, message) = match response.partial_success {
        Some(p) => (p.rejected_data_points, Some(p.error_message).filter(|m| !m.is_empty())),
        None => (0, None),
    };
    SendOutcome { attempts, rejected_data_points, message }
}

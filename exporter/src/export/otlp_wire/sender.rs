//! [`WireSender`]: sends a prebuilt request ([`WireRequest`]) over the
//! configured transport, retrying retryable failures within the timeout.

use std::{marker::PhantomData, time::Duration};

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use tokio::time::Instant;

use super::{
    config::{Protocol, WireConfig},
    error::{BuildError, SendError, SendErrorKind},
    grpc::GrpcTransport,
    http::HttpTransport,
    request::WireRequest,
    retry::{AttemptError, Retry, RetryPolicy},
    tls::TlsMaterial,
};

/// How an export that the collector accepted went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendOutcome {
    /// Requests sent, the successful one included.
    pub attempts: u32,
    /// Items (data points, log records) the collector reported as rejected
    /// (partial success).
    pub rejected: i64,
    /// The collector's partial-success message (a warning when nothing was
    /// rejected), if any.
    pub message: Option<String>,
}

impl SendOutcome {
    /// Whether the collector rejected part of the data.
    #[must_use]
    pub fn is_partial(&self) -> bool {
        self.rejected > 0
    }
}

enum Transport {
    Grpc(GrpcTransport),
    Http(Box<HttpTransport>),
}

/// An OTLP sender of `R` requests built outside the SDK: metrics by
/// default, or [`super::EncodedLogs`].
///
/// Cheap to share behind an `Arc`; `send` takes `&self` and may run
/// concurrently. The gRPC channel connects on first use and reconnects by
/// itself; the HTTP client pools connections.
///
/// In expressions the default does not apply: name the type where it is not
/// inferred (`WireSender::<EncodedLogs>::new`, `let s: WireSender = ..`).
pub struct WireSender<R: WireRequest = ExportMetricsServiceRequest> {
    transport: Transport,
    timeout: Duration,
    retry: RetryPolicy,
    endpoint: String,
    request: PhantomData<fn(R)>,
}

impl<R: WireRequest> WireSender<R> {
    /// Builds the sender; reads the TLS files named in `config`.
    ///
    /// # Errors
    /// [`BuildError`] when called outside a Tokio runtime, when `config` is
    /// not the configuration of `R`'s signal, or when TLS files, endpoint or
    /// headers are unusable.
    pub fn new(config: &WireConfig) -> Result<WireSender<R>, BuildError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(BuildError::NoRuntime);
        }
        if config.signal != R::SIGNAL {
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
            request: PhantomData,
        })
    }

    /// Replaces the default [`RetryPolicy`].
    #[must_use]
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> WireSender<R> {
        self.retry = retry;
        self
    }

    /// The URL requests go to.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The configured timeout, the bound of one [`WireSender::send`] with
    /// its retries.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends one request, encoded once for all attempts. Retryable failures
    /// (connection errors, gRPC UNAVAILABLE and the like, HTTP
    /// 429/502/503/504) are retried up to the policy's limit with backoff or
    /// the server's delay; the whole call, retries included, ends within the
    /// configured timeout.
    ///
    /// # Errors
    /// [`SendError`] with the last attempt's failure.
    pub async fn send(&self, req: R) -> Result<SendOutcome, SendError> {
        let deadline = Instant::now() + self.timeout;
        let body = match &self.transport {
            Transport::Http(http) => {
                http.encode(&req).map_err(|detail| SendError { kind: SendErrorKind::Encode, attempts: 0, detail })?
            }
            Transport::Grpc(_) => req.protobuf(),
        };
        // Only the body is needed from here on (a metrics request is large).
        drop(req);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let attempt = async {
                match &self.transport {
                    Transport::Grpc(grpc) => grpc.export::<R>(body.clone(), remaining).await,
                    Transport::Http(http) => http.export::<R>(body.clone()).await,
                }
            };
            let error = match tokio::time::timeout(remaining, attempt).await {
                Ok(Ok(response)) => return Ok(outcome::<R>(attempts, &response)),
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

fn finish(error: AttemptError, attempts: u32) -> SendError {
    SendError { kind: error.kind, attempts, detail: error.detail }
}

fn outcome<R: WireRequest>(attempts: u32, response: &R::Response) -> SendOutcome {
    let (rejected, message) = R::rejected(response);
    SendOutcome { attempts, rejected, message }
}

//! Errors of the OTLP wire sender: [`BuildError`] when it cannot be set up,
//! [`SendError`] when an export finally failed (after retries).

use std::{fmt, path::PathBuf};

use thiserror::Error;

use super::config::Signal;

/// The sender cannot be built from its [`super::WireConfig`].
#[derive(Debug, Error)]
pub enum BuildError {
    #[error("the OTLP sender must be built inside a Tokio runtime")]
    NoRuntime,
    /// The configuration is for another signal (the one given) than the
    /// sender's requests.
    #[error("the OTLP sender was given the {0:?} configuration, which is not its signal's")]
    WrongSignal(Signal),
    #[error("cannot read {var}={path:?}: {source}")]
    ReadFile {
        var: String,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{var}={path:?} holds no usable {what}: {detail}")]
    BadPem { var: String, path: PathBuf, what: &'static str, detail: String },
    #[error("invalid OTLP endpoint {endpoint:?}: {detail}")]
    Endpoint { endpoint: String, detail: String },
    #[error("invalid OTLP header {name:?}: {detail}")]
    Header { name: String, detail: String },
    #[error("TLS setup failed: {0}")]
    Tls(String),
}

/// The status with which a collector refused an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectStatus {
    Grpc(tonic::Code),
    Http(u16),
}

/// What went wrong, coarsely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendErrorKind {
    /// No answer: connection refused or reset, DNS, TLS handshake.
    Unreachable,
    /// The collector answered with an error status.
    Rejected(RejectStatus),
    /// The export did not finish within the configured timeout.
    Timeout,
    /// The request could not be serialized or compressed.
    Encode,
}

impl fmt::Display for SendErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendErrorKind::Unreachable => f.write_str("collector unreachable"),
            SendErrorKind::Rejected(RejectStatus::Grpc(code)) => write!(f, "rejected with gRPC status {code:?}"),
            SendErrorKind::Rejected(RejectStatus::Http(code)) => write!(f, "rejected with HTTP status {code}"),
            SendErrorKind::Timeout => f.write_str("timed out"),
            SendErrorKind::Encode => f.write_str("cannot encode the request"),
        }
    }
}

/// An export that failed for good.
#[derive(Debug, Error)]
#[error("OTLP export failed after {attempts} attempt(s): {kind}: {detail}")]
pub struct SendError {
    pub(crate) kind: SendErrorKind,
    pub(crate) attempts: u32,
    pub(crate) detail: String,
}

impl SendError {
    #[must_use]
    pub fn kind(&self) -> SendErrorKind {
        self.kind
    }

    /// Requests sent, retries included (0 when encoding failed).
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The transport's message (free text, not for metric labels).
    #[must_use]
    pub fn detail(&self) -> &str {
        &self.detail
    }

    /// A short, low-cardinality label for self-metrics: `unreachable`,
    /// `timeout`, `encode`, `grpc_<code>` (e.g. `grpc_unavailable`) or
    /// `http_<status>` for the statuses OTLP names (400, 401, 403, 404, 413,
    /// 429, 500, 502, 503, 504) and `http_4xx`/`http_5xx`/`http_other` otherwise.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self.kind {
            SendErrorKind::Unreachable => "unreachable",
            SendErrorKind::Timeout => "timeout",
            SendErrorKind::Encode => "encode",
            SendErrorKind::Rejected(RejectStatus::Grpc(code)) => grpc_reason(code),
            SendErrorKind::Rejected(RejectStatus::Http(status)) => http_reason(status),
        }
    }
}

fn grpc_reason(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "grpc_ok",
        Code::Cancelled => "grpc_cancelled",
        Code::Unknown => "grpc_unknown",
        Code::InvalidArgument => "grpc_invalid_argument",
        Code::DeadlineExceeded => "grpc_deadline_exceeded",
        Code::NotFound => "grpc_not_found",
        Code::AlreadyExists => "grpc_already_exists",
        Code::PermissionDenied => "grpc_permission_denied",
        Code::ResourceExhausted => "grpc_resource_exhausted",
        Code::FailedPrecondition => "grpc_failed_precondition",
        Code::Aborted => "grpc_aborted",
        Code::OutOfRange => "grpc_out_of_range",
        Code::Unimplemented => "grpc_unimplemented",
        Code::Internal => "grpc_internal",
        Code::Unavailable => "grpc_unavailable",
        Code::DataLoss => "grpc_data_loss",
        Code::Unauthenticated => "grpc_unauthenticated",
    }
}

fn http_reason(status: u16) -> &'static str {
    match status {
        400 => "http_400",
        401 => "http_401",
        403 => "http_403",
        404 => "http_404",
        413 => "http_413",
        429 => "http_429",
        500 => "http_500",
        502 => "http_502",
        503 => "http_503",
        504 => "http_504",
        s if (400..500).contains(&s) => "http_4xx",
        s if (500..600).contains(&s) => "http_5xx",
        _ => "http_other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: SendErrorKind) -> SendError {
        SendError { kind, attempts: 4, detail: "boom".into() }
    }

    #[test]
    fn reasons_are_low_cardinality() {
        assert_eq!(err(SendErrorKind::Unreachable).reason(), "unreachable");
        assert_eq!(
            err(SendErrorKind::Rejected(RejectStatus::Grpc(tonic::Code::Unavailable))).reason(),
            "grpc_unavailable"
        );
        assert_eq!(err(SendErrorKind::Rejected(RejectStatus::Http(503))).reason(), "http_503");
        assert_eq!(err(SendErrorKind::Rejected(RejectStatus::Http(418))).reason(), "http_4xx");
        assert_eq!(err(SendErrorKind::Rejected(RejectStatus::Http(302))).reason(), "http_other");
    }

    #[test]
    fn display_has_attempts_and_detail() {
        let e = err(SendErrorKind::Rejected(RejectStatus::Http(503))).to_string();
        assert_eq!(e, "OTLP export failed after 4 attempt(s): rejected with HTTP status 503: boom");
    }
}

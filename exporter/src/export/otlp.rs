//! Where the SDK's span exporters send: a collector or an OTLP/JSON file,
//! and the error when such an exporter cannot be built. (Log records do
//! not go through the SDK: see [`super::wire_logs`].)

use std::sync::Arc;

use thiserror::Error;

use crate::config::Protocol;

#[derive(Debug, Error)]
#[error("cannot build the {protocol} exporter: {source}")]
pub struct OtlpSetupError {
    pub protocol: &'static str,
    #[source]
    pub source: super::sdk_tls::SdkTlsError,
}

/// Where a provider's exporter sends records.
#[derive(Clone)]
pub enum Destination {
    /// A collector, with TLS from the `OTEL_EXPORTER_OTLP_*CERTIFICATE` variables.
    Otlp(Protocol),
    /// OTLP/JSON lines in a file (the collector's `otlpjsonfile` format).
    File(Arc<super::otlp_file::JsonLinesFile>),
}

impl Destination {
    /// Name for messages.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Destination::Otlp(p) => p.as_str(),
            Destination::File(_) => "otlp-json file",
        }
    }
}

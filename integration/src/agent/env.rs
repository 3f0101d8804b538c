//! The environment that points the agent at a collector.

/// `OTEL_EXPORTER_OTLP_PROTOCOL` values the agent supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtlpProtocol {
    Grpc,
    HttpProtobuf,
}

impl OtlpProtocol {
    /// Both, for tests that cover each transport.
    pub const ALL: [Self; 2] = [Self::Grpc, Self::HttpProtobuf];

    /// The value of `OTEL_EXPORTER_OTLP_PROTOCOL`.
    #[must_use]
    pub const fn env_value(self) -> &'static str {
        match self {
            Self::Grpc => "grpc",
            Self::HttpProtobuf => "http/protobuf",
        }
    }
}

/// Variables for exporting to `endpoint` over `protocol`, with short batch
/// delays so data arrives within a test's patience:
/// `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL`,
/// `OTEL_BLRP_SCHEDULE_DELAY=200`, `OTEL_METRIC_EXPORT_INTERVAL=1000`,
/// `RUST_LOG=info`.
#[must_use]
pub fn otlp_env(protocol: OtlpProtocol, endpoint: &str) -> Vec<(String, String)> {
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.env_value()),
        ("OTEL_BLRP_SCHEDULE_DELAY", "200"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "1000"),
        ("RUST_LOG", "info"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

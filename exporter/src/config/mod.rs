//! Configuration: the standard `OTEL_*` environment variables decide where
//! telemetry goes ([`otel_env`]); an optional YAML file holds the agent's
//! own settings ([`file`]), which command-line flags override.

pub mod file;
pub mod otel_env;
pub mod slow;

pub use file::{AgentFile, ConfigFileError, load_file};
pub use otel_env::{ConfigError, ExportConfig, LogsOutput, MetricsOutput, Protocol, TracesOutput, export_config};
pub use slow::{SlowConfigError, SlowThresholds, parse_slow};

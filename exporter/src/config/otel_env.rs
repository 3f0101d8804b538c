//! Export settings from the standard OpenTelemetry environment
//! variables (and the command line).
//!
//! The OTLP exporter of opentelemetry-rust reads endpoint, headers, timeout,
//! compression and batching variables itself; what it does not do is pick
//! the transport from `OTEL_EXPORTER_OTLP_PROTOCOL`, honour
//! `OTEL_SDK_DISABLED` or `OTEL_LOGS_EXPORTER`. This module decides those.

use thiserror::Error;

/// An OTLP/JSON lines file (shared by the sinks of one signal).
pub type OutputFile = std::sync::Arc<crate::export::otlp_file::JsonLinesFile>;

/// Where log records go.
#[derive(Clone, Debug)]
pub enum LogsOutput {
    /// One readable line per event on stdout (the default without a collector).
    Terminal,
    /// OTLP to a collector.
    Otlp(Protocol),
    /// OTLP/JSON lines in `<SYSOTEL_OUTPUT_DIR>/logs.jsonl`.
    File(OutputFile),
    /// Nowhere (`OTEL_LOGS_EXPORTER=none` or `OTEL_SDK_DISABLED=true`).
    Disabled,
}

impl PartialEq for LogsOutput {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Otlp(a), Self::Otlp(b)) => a == b,
            (Self::File(a), Self::File(b)) => a.path() == b.path(),
            (Self::Terminal, Self::Terminal) | (Self::Disabled, Self::Disabled) => true,
            _ => false,
        }
    }
}

/// OTLP transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    HttpProtobuf,
    HttpJson,
}

impl Protocol {
    /// The spec's name for it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
        }
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{var}={value:?} is not valid: expected one of {expected}")]
    Invalid { var: &'static str, value: String, expected: &'static str },
    #[error("SYSOTEL_OUTPUT_DIR: {0}")]
    OutputFile(#[from] crate::export::otlp_file::FileError),
}

/// Where spans go.
#[derive(Clone, Debug)]
pub enum TracesOutput {
    Otlp(Protocol),
    /// OTLP/JSON lines in `<SYSOTEL_OUTPUT_DIR>/traces.jsonl`.
    File(OutputFile),
    /// One line per span on stdout.
    Console,
    Disabled,
}

impl PartialEq for TracesOutput {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Otlp(a), Self::Otlp(b)) => a == b,
            (Self::File(a), Self::File(b)) => a.path() == b.path(),
            (Self::Console, Self::Console) | (Self::Disabled, Self::Disabled) => true,
            _ => false,
        }
    }
}

/// Where metrics go.
#[derive(Clone, Debug)]
pub enum MetricsOutput {
    /// OTLP to a collector (transport settings from the `OTEL_EXPORTER_OTLP_*` variables).
    Otlp,
    /// OTLP/JSON lines in `<SYSOTEL_OUTPUT_DIR>/metrics.jsonl`.
    File(OutputFile),
    /// A summary line per resource on stdout each interval.
    Console,
    /// Not collected: the syscall programs are not even attached.
    Disabled,
}

impl PartialEq for MetricsOutput {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::File(a), Self::File(b)) => a.path() == b.path(),
            (Self::Otlp, Self::Otlp) | (Self::Console, Self::Console) | (Self::Disabled, Self::Disabled) => true,
            _ => false,
        }
    }
}

/// Settings of the export pipelines.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportConfig {
    pub logs: LogsOutput,
    /// The endpoint in effect, for messages (the SDK reads it itself).
    pub logs_endpoint: Option<String>,
    pub metrics: MetricsOutput,
    pub traces: TracesOutput,
    /// `OTEL_METRIC_EXPORT_INTERVAL` (default 60 s).
    pub metric_interval: std::time::Duration,
}

/// Reads the variables through `var` (`std::env::var` in production).
///
/// - `OTEL_SDK_DISABLED=true` disables every signal.
/// - `OTEL_LOGS_EXPORTER`: `otlp`, `console` (terminal lines) or `none`;
///   when unset, `otlp` if an OTLP endpoint variable is set, else `console`.
/// - `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL`, then `OTEL_EXPORTER_OTLP_PROTOCOL`:
///   `grpc`, `http/protobuf` (the spec's default) or `http/json`.
///
/// Empty values count as unset.
///
/// # Errors
/// [`ConfigError::Invalid`] naming the variable, its value and the choices.
pub fn export_config(var: &dyn Fn(&str) -> Option<String>) -> Result<ExportConfig, ConfigError> {
    let get = |k: &str| var(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let endpoint = get("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT").or_else(|| get("OTEL_EXPORTER_OTLP_ENDPOINT"));
    let metric_interval = match get("OTEL_METRIC_EXPORT_INTERVAL") {
        None => std::time::Duration::from_secs(60),
        Some(v) => match v.parse::<u64>() {
            Ok(ms) if ms > 0 => std::time::Duration::from_millis(ms),
            _ => {
                return Err(ConfigError::Invalid {
                    var: "OTEL_METRIC_EXPORT_INTERVAL",
                    value: v,
                    expected: "a positive number of milliseconds",
                });
            }
        },
    };
    if get("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Ok(ExportConfig {
            logs: LogsOutput::Disabled,
            logs_endpoint: None,
            metrics: MetricsOutput::Disabled,
            traces: TracesOutput::Disabled,
            metric_interval,
        });
    }
    // Without a collector, SYSOTEL_OUTPUT_DIR sends every signal to OTLP/JSON
    // files there instead of the terminal.
    let no_endpoint = endpoint.is_none()
        && get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT").is_none()
        && get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_none();
    let files: Option<[OutputFile; 3]> = match get("SYSOTEL_OUTPUT_DIR").filter(|_| no_endpoint) {
        Some(dir) => {
            let open = |name: &str| {
                crate::export::otlp_file::JsonLinesFile::open(std::path::Path::new(&dir).join(name))
                    .map(std::sync::Arc::new)
            };
            Some([open("logs.jsonl")?, open("traces.jsonl")?, open("metrics.jsonl")?])
        }
        None => None,
    };
    let traces_endpoint =
        get("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() || get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some();
    let traces = match get("OTEL_TRACES_EXPORTER").map(|v| v.to_ascii_lowercase()).as_deref() {
        None if traces_endpoint => TracesOutput::Otlp(protocol_for("TRACES", &get)?),
        None => match &files {
            Some(f) => TracesOutput::File(f[1].clone()),
            None => TracesOutput::Disabled,
        },
        Some("none") => TracesOutput::Disabled,
        Some("otlp") => TracesOutput::Otlp(protocol_for("TRACES", &get)?),
        Some("console") => TracesOutput::Console,
        Some(other) => {
            return Err(ConfigError::Invalid {
                var: "OTEL_TRACES_EXPORTER",
                value: other.to_string(),
                expected: "otlp, console, none",
            });
        }
    };
    let any_endpoint =
        get("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() || get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT").is_some();
    let metrics = match get("OTEL_METRICS_EXPORTER").map(|v| v.to_ascii_lowercase()).as_deref() {
        None if any_endpoint => MetricsOutput::Otlp,
        None => match &files {
            Some(f) => MetricsOutput::File(f[2].clone()),
            None => MetricsOutput::Disabled,
        },
        Some("none") => MetricsOutput::Disabled,
        Some("otlp") => MetricsOutput::Otlp,
        Some("console") => MetricsOutput::Console,
        Some(other) => {
            return Err(ConfigError::Invalid {
                var: "OTEL_METRICS_EXPORTER",
                value: other.to_string(),
                expected: "otlp, console, none",
            });
        }
    };
    let exporter = match get("OTEL_LOGS_EXPORTER").map(|v| v.to_ascii_lowercase()) {
        None if endpoint.is_some() => "otlp".to_string(),
        None => "console".to_string(),
        Some(v) => v,
    };
    let logs = match (exporter.as_str(), &files) {
        ("console", Some(f)) if get("OTEL_LOGS_EXPORTER").is_none() => LogsOutput::File(f[0].clone()),
        (other, _) => logs_output(other, &get)?,
    };

    Ok(ExportConfig { logs, logs_endpoint: endpoint, metrics, traces, metric_interval })
}

/// The logs output an `OTEL_LOGS_EXPORTER` value names.
fn logs_output(value: &str, get: &dyn Fn(&str) -> Option<String>) -> Result<LogsOutput, ConfigError> {
    Ok(match value {
        "otlp" => LogsOutput::Otlp(protocol_for("LOGS", get)?),
        "console" => LogsOutput::Terminal,
        "none" => LogsOutput::Disabled,
        other => {
            return Err(ConfigError::Invalid {
                var: "OTEL_LOGS_EXPORTER",
                value: other.to_string(),
                expected: "otlp, console, none",
            });
        }
    })
}

/// The protocol of one signal (`LOGS`, `TRACES`): its own variable, then the
/// generic one, then `http/protobuf`.
fn protocol_for(signal: &'static str, get: &dyn Fn(&str) -> Option<String>) -> Result<Protocol, ConfigError> {
    let own: &'static str = match signal {
        "TRACES" => "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "METRICS" => "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
        _ => "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL",
    };
    let (var, value) = match get(own) {
        Some(v) => (own, v),
        None => match get("OTEL_EXPORTER_OTLP_PROTOCOL") {
            Some(v) => ("OTEL_EXPORTER_OTLP_PROTOCOL", v),
            None => return Ok(Protocol::HttpProtobuf),
        },
    };
    match value.as_str() {
        "grpc" => Ok(Protocol::Grpc),
        "http/protobuf" => Ok(Protocol::HttpProtobuf),
        "http/json" => Ok(Protocol::HttpJson),
        _ => Err(ConfigError::Invalid { var, value, expected: "grpc, http/protobuf, http/json" }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Result<ExportConfig, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        export_config(&|k| map.get(k).cloned())
    }

    #[test]
    fn no_endpoint_means_terminal() {
        assert_eq!(cfg(&[]).unwrap().logs, LogsOutput::Terminal);
        assert_eq!(cfg(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "")]).unwrap().logs, LogsOutput::Terminal);
    }

    #[test]
    fn endpoint_selects_otlp_and_protocol() {
        let c =
            cfg(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]).unwrap();
        assert_eq!(c.logs, LogsOutput::Otlp(Protocol::Grpc));
        assert_eq!(c.logs_endpoint.as_deref(), Some("http://x:4317"));
        let c = cfg(&[("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://x:4318/v1/logs")]).unwrap();
        assert_eq!(c.logs, LogsOutput::Otlp(Protocol::HttpProtobuf));
        let c = cfg(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/json"),
        ])
        .unwrap();
        assert_eq!(c.logs, LogsOutput::Otlp(Protocol::HttpJson));
    }

    #[test]
    fn exporter_selection_and_disable() {
        assert_eq!(cfg(&[("OTEL_LOGS_EXPORTER", "none")]).unwrap().logs, LogsOutput::Disabled);
        assert_eq!(cfg(&[("OTEL_LOGS_EXPORTER", "otlp")]).unwrap().logs, LogsOutput::Otlp(Protocol::HttpProtobuf));
        assert_eq!(
            cfg(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"), ("OTEL_LOGS_EXPORTER", "console")]).unwrap().logs,
            LogsOutput::Terminal
        );
        assert_eq!(
            cfg(&[("OTEL_SDK_DISABLED", "TRUE"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x")]).unwrap().logs,
            LogsOutput::Disabled
        );
    }

    #[test]
    fn metrics_selection_and_interval() {
        let c = cfg(&[]).unwrap();
        assert_eq!((c.metrics, c.metric_interval), (MetricsOutput::Disabled, std::time::Duration::from_secs(60)));
        let c = cfg(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"), ("OTEL_METRIC_EXPORT_INTERVAL", "1000")]).unwrap();
        assert_eq!((c.metrics, c.metric_interval), (MetricsOutput::Otlp, std::time::Duration::from_secs(1)));
        assert_eq!(cfg(&[("OTEL_METRICS_EXPORTER", "console")]).unwrap().metrics, MetricsOutput::Console);
        assert_eq!(
            cfg(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"), ("OTEL_METRICS_EXPORTER", "none")]).unwrap().metrics,
            MetricsOutput::Disabled
        );
        assert!(cfg(&[("OTEL_METRIC_EXPORT_INTERVAL", "soon")]).is_err());
        assert!(cfg(&[("OTEL_METRICS_EXPORTER", "prometheus")]).is_err());
    }

    #[test]
    fn traces_selection_and_protocol() {
        assert_eq!(cfg(&[]).unwrap().traces, TracesOutput::Disabled);
        let c = cfg(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        ])
        .unwrap();
        assert_eq!(c.traces, TracesOutput::Otlp(Protocol::Grpc));
        assert_eq!(c.logs, LogsOutput::Otlp(Protocol::HttpProtobuf));
        assert_eq!(cfg(&[("OTEL_TRACES_EXPORTER", "console")]).unwrap().traces, TracesOutput::Console);
        assert!(cfg(&[("OTEL_TRACES_EXPORTER", "zipkin")]).is_err());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e =
            cfg(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://x"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "udp")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "OTEL_EXPORTER_OTLP_PROTOCOL=\"udp\" is not valid: expected one of grpc, http/protobuf, http/json"
        );
        assert!(cfg(&[("OTEL_LOGS_EXPORTER", "kafka")]).is_err());
    }
}

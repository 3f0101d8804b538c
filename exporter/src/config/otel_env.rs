//! Export settings from the standard OpenTelemetry environment
//! variables (and the command line).
//!
//! The OTLP exporter of opentelemetry-rust reads endpoint, headers, timeout,
//! compression and batching variables itself; what it does not do is pick
//! the transport from `OTEL_EXPORTER_OTLP_PROTOCOL`, honour
//! `OTEL_SDK_DISABLED` or `OTEL_LOGS_EXPORTER`. This module decides those.

use thiserror::Error;

/// Where log records go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogsOutput {
    /// One readable line per event on stdout (the default without a collector).
    Terminal,
    /// OTLP to a collector.
    Otlp(Protocol),
    /// Nowhere (`OTEL_LOGS_EXPORTER=none` or `OTEL_SDK_DISABLED=true`).
    Disabled,
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

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var}={value:?} is not valid: expected one of {expected}")]
    Invalid { var: &'static str, value: String, expected: &'static str },
}

/// Where spans go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TracesOutput {
    Otlp(Protocol),
    /// One line per span on stdout.
    Console,
    Disabled,
}

/// Where metrics go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsOutput {
    /// OTLP to a collector (transport settings from the `OTEL_EXPORTER_OTLP_*` variables).
    Otlp,
    /// A summary line per resource on stdout each interval.
    Console,
    /// Not collected: the syscall programs are not even attached.
    Disabled,
}

/// Settings of the export pipelines.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    let traces_endpoint =
        get("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() || get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_some();
    let traces = match get("OTEL_TRACES_EXPORTER").map(|v| v.to_ascii_lowercase()).as_deref() {
        None if traces_endpoint => TracesOutput::Otlp(protocol_for("TRACES", &get)?),
        None | Some("none") => TracesOutput::Disabled,
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
        None | Some("none") => MetricsOutput::Disabled,
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
    let logs = match exporter.as_str() {
        "otlp" => LogsOutput::Otlp(protocol_for("LOGS", &get)?),
        "console" => LogsOutput::Terminal,
        "none" => LogsOutput::Disabled,
        other => {
            return Err(ConfigError::Invalid {
                var: "OTEL_LOGS_EXPORTER",
                value: other.to_string(),
                expected: "otlp, console, none",
            });
        }
    };
    Ok(ExportConfig { logs, logs_endpoint: endpoint, metrics, traces, metric_interval })
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

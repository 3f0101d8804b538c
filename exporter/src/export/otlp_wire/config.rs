//! [`WireConfig`]: the OTLP exporter settings of one signal, resolved from
//! the `OTEL_EXPORTER_OTLP_*` variables by a pure function
//! ([`WireConfig::resolve`]) over a variable lookup.
//!
//! For every setting the signal's own variable
//! (`OTEL_EXPORTER_OTLP_METRICS_TIMEOUT`) wins over the generic one
//! (`OTEL_EXPORTER_OTLP_TIMEOUT`); a value that is empty or only blanks counts
//! as unset. Files named by the TLS variables are only read when a sender is
//! built.

use std::{path::PathBuf, time::Duration};

use hyper::Uri;
use thiserror::Error;

use super::headers::parse_headers;
pub use crate::config::Protocol;

/// Default of `OTEL_EXPORTER_OTLP_TIMEOUT`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default endpoint for `http/protobuf` and `http/json` (before the signal path).
pub const DEFAULT_HTTP_ENDPOINT: &str = "http://localhost:4318";
/// Default endpoint for `grpc`.
pub const DEFAULT_GRPC_ENDPOINT: &str = "http://localhost:4317";

/// An OTLP signal: selects the `_<SIGNAL>_` variables and the HTTP path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    Logs,
    Metrics,
    Traces,
}

impl Signal {
    /// The infix of the signal's variables: `LOGS`, `METRICS`, `TRACES`.
    #[must_use]
    pub fn env_name(self) -> &'static str {
        match self {
            Signal::Logs => "LOGS",
            Signal::Metrics => "METRICS",
            Signal::Traces => "TRACES",
        }
    }

    /// The OTLP/HTTP path appended to the generic endpoint: `/v1/metrics` etc.
    #[must_use]
    pub fn http_path(self) -> &'static str {
        match self {
            Signal::Logs => "/v1/logs",
            Signal::Metrics => "/v1/metrics",
            Signal::Traces => "/v1/traces",
        }
    }
}

/// Payload compression (`OTEL_EXPORTER_OTLP_[SIGNAL_]COMPRESSION`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Compression {
    #[default]
    None,
    Gzip,
}

/// A file path together with the variable that named it, for error messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvPath {
    pub var: String,
    pub path: PathBuf,
}

/// A client certificate and its key (mutual TLS); both or neither are set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientIdentityFiles {
    /// `OTEL_EXPORTER_OTLP_[SIGNAL_]CLIENT_CERTIFICATE`: PEM certificate chain.
    pub certificate: EnvPath,
    /// `OTEL_EXPORTER_OTLP_[SIGNAL_]CLIENT_KEY`: PEM private key.
    pub key: EnvPath,
}

/// TLS files; they apply to `https` endpoints only.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct TlsFiles {
    /// `OTEL_EXPORTER_OTLP_[SIGNAL_]CERTIFICATE`: PEM CA bundle trusted
    /// *instead of* the system roots. `None`: the system roots.
    pub ca_certificate: Option<EnvPath>,
    pub client_identity: Option<ClientIdentityFiles>,
}

/// Exporter settings of one signal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireConfig {
    pub signal: Signal,
    pub protocol: Protocol,
    /// Full URL (`http` or `https`); for HTTP it includes the signal path.
    pub endpoint: String,
    /// Extra request headers (gRPC metadata), keys lowercased.
    pub headers: Vec<(String, String)>,
    /// Bound on one export including its retries.
    pub timeout: Duration,
    pub compression: Compression,
    pub tls: TlsFiles,
    /// `OTEL_EXPORTER_OTLP_[SIGNAL_]INSECURE`: for a gRPC endpoint given
    /// without scheme, `true` means `http://`, `false` (default) `https://`.
    /// An explicit scheme always wins.
    pub insecure: bool,
}

/// A variable whose value cannot be used.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var}={value:?} is not valid: {reason}")]
    Invalid { var: String, value: String, reason: String },
    #[error("{present} is set but {missing} is not: a client certificate needs both")]
    IncompleteIdentity { present: String, missing: String },
}

impl WireConfig {
    /// Resolves the settings of `signal` from `lookup` (`std::env::var(..).ok()`
    /// in production, a map in tests).
    ///
    /// # Errors
    /// [`ConfigError`] naming the first variable whose value is unusable.
    pub fn resolve(signal: Signal, lookup: &dyn Fn(&str) -> Option<String>) -> Result<WireConfig, ConfigError> {
        let vars = Vars { signal, lookup };
        let protocol = match vars.get("PROTOCOL") {
            None => Protocol::HttpProtobuf,
            Some((var, value)) => match value.as_str() {
                "grpc" => Protocol::Grpc,
                "http/protobuf" => Protocol::HttpProtobuf,
                "http/json" => Protocol::HttpJson,
                _ => return Err(invalid(var, value, "expected grpc, http/protobuf or http/json")),
            },
        };
        let insecure = match vars.get("INSECURE") {
            None => false,
            Some((var, value)) => match value.to_ascii_lowercase().as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(invalid(var, value, "expected true or false")),
            },
        };
        let endpoint = endpoint(&vars, protocol, insecure)?;
        let headers = match vars.get("HEADERS") {
            None => Vec::new(),
            Some((var, value)) => parse_headers(&value).map_err(|reason| invalid(var, value, &reason))?,
        };
        let timeout = match vars.get("TIMEOUT") {
            None => DEFAULT_TIMEOUT,
            Some((var, value)) => match value.parse::<u64>() {
                Ok(ms) if ms > 0 => Duration::from_millis(ms),
                _ => return Err(invalid(var, value, "expected a positive number of milliseconds")),
            },
        };
        let compression = match vars.get("COMPRESSION") {
            None => Compression::None,
            Some((var, value)) => match value.to_ascii_lowercase().as_str() {
                "gzip" => Compression::Gzip,
                "none" => Compression::None,
                _ => return Err(invalid(var, value, "expected gzip or none")),
            },
        };
        let tls = tls_files(&vars)?;
        Ok(WireConfig { signal, protocol, endpoint, headers, timeout, compression, tls, insecure })
    }

    /// [`WireConfig::resolve`] over the process environment.
    ///
    /// # Errors
    /// As [`WireConfig::resolve`].
    pub fn from_env(signal: Signal) -> Result<WireConfig, ConfigError> {
        WireConfig::resolve(signal, &|k| std::env::var(k).ok())
    }

    /// Whether the endpoint uses TLS.
    #[must_use]
    pub fn is_tls(&self) -> bool {
        self.endpoint.starts_with("https://")
    }
}

/// Looks up `OTEL_EXPORTER_OTLP_<SIGNAL>_<suffix>`, then `OTEL_EXPORTER_OTLP_<suffix>`.
struct Vars<'a> {
    signal: Signal,
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Vars<'_> {
    fn signal_var(&self, suffix: &str) -> String {
        format!("OTEL_EXPORTER_OTLP_{}_{suffix}", self.signal.env_name())
    }

    fn value(&self, var: &str) -> Option<String> {
        (self.lookup)(var).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// `(variable, value)` of the first set variable.
    fn get(&self, suffix: &str) -> Option<(String, String)> {
        self.get_signal(suffix).or_else(|| self.get_generic(suffix))
    }

    fn get_signal(&self, suffix: &str) -> Option<(String, String)> {
        let var = self.signal_var(suffix);
        self.value(&var).map(|v| (var, v))
    }

    fn get_generic(&self, suffix: &str) -> Option<(String, String)> {
        let var = format!("OTEL_EXPORTER_OTLP_{suffix}");
        self.value(&var).map(|v| (var, v))
    }
}

fn invalid(var: String, value: String, reason: &str) -> ConfigError {
    ConfigError::Invalid { var, value, reason: reason.to_string() }
}

/// The signal's variable is used as is; the generic one gets the signal path
/// for HTTP (the spec's rule); gRPC endpoints without scheme follow `insecure`.
fn endpoint(vars: &Vars<'_>, protocol: Protocol, insecure: bool) -> Result<String, ConfigError> {
    let grpc = protocol == Protocol::Grpc;
    let (var, raw, append_path) = match (vars.get_signal("ENDPOINT"), vars.get_generic("ENDPOINT")) {
        (Some((var, value)), _) => (Some(var), value, false),
        (None, Some((var, value))) => (Some(var), value, !grpc),
        (None, None) if grpc => (None, DEFAULT_GRPC_ENDPOINT.to_string(), false),
        (None, None) => (None, DEFAULT_HTTP_ENDPOINT.to_string(), true),
    };
    let bad = |reason: &str| invalid(var.clone().unwrap_or_default(), raw.clone(), reason);
    let mut url = if raw.contains("://") {
        raw.clone()
    } else if grpc {
        format!("{}://{raw}", if insecure { "http" } else { "https" })
    } else {
        return Err(bad("an http/protobuf or http/json endpoint needs an http:// or https:// scheme"));
    };
    let uri: Uri = url.parse().map_err(|_| bad("not a valid URL"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(bad("the scheme must be http or https"));
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("the URL has no host"));
    }
    if append_path {
        url = format!("{}{}", url.trim_end_matches('/'), vars.signal.http_path());
    }
    Ok(url)
}

fn tls_files(vars: &Vars<'_>) -> Result<TlsFiles, ConfigError> {
    let path = |suffix: &str| vars.get(suffix).map(|(var, value)| EnvPath { var, path: PathBuf::from(value) });
    let ca_certificate = path("CERTIFICATE");
    let client_identity = match (path("CLIENT_CERTIFICATE"), path("CLIENT_KEY")) {
        (Some(certificate), Some(key)) => Some(ClientIdentityFiles { certificate, key }),
        (None, None) => None,
        (Some(c), None) => {
            return Err(ConfigError::IncompleteIdentity { present: c.var, missing: vars.signal_var("CLIENT_KEY") });
        }
        (None, Some(k)) => {
            return Err(ConfigError::IncompleteIdentity {
                present: k.var,
                missing: vars.signal_var("CLIENT_CERTIFICATE"),
            });
        }
    };
    Ok(TlsFiles { ca_certificate, client_identity })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn resolve(signal: Signal, pairs: &[(&str, &str)]) -> Result<WireConfig, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect();
        WireConfig::resolve(signal, &|k| map.get(k).cloned())
    }

    fn metrics(pairs: &[(&str, &str)]) -> WireConfig {
        resolve(Signal::Metrics, pairs).unwrap()
    }

    fn error_var(pairs: &[(&str, &str)]) -> String {
        match resolve(Signal::Metrics, pairs).unwrap_err() {
            ConfigError::Invalid { var, .. } => var,
            e @ ConfigError::IncompleteIdentity { .. } => panic!("unexpected {e}"),
        }
    }

    #[test]
    fn defaults() {
        let c = metrics(&[]);
        assert_eq!(c.protocol, Protocol::HttpProtobuf);
        assert_eq!(c.endpoint, "http://localhost:4318/v1/metrics");
        assert!(c.headers.is_empty());
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert_eq!(c.compression, Compression::None);
        assert_eq!(c.tls, TlsFiles::default());
        assert!(!c.insecure && !c.is_tls());
        let g = metrics(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
        assert_eq!(g.endpoint, "http://localhost:4317");
        assert_eq!(resolve(Signal::Logs, &[]).unwrap().endpoint, "http://localhost:4318/v1/logs");
        assert_eq!(resolve(Signal::Traces, &[]).unwrap().endpoint, "http://localhost:4318/v1/traces");
    }

    #[test]
    fn protocol_signal_var_wins() {
        let c =
            metrics(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/json")]);
        assert_eq!(c.protocol, Protocol::HttpJson);
        // Another signal's variable does not count.
        let c = metrics(&[("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "grpc")]);
        assert_eq!(c.protocol, Protocol::HttpProtobuf);
        // Empty is unset.
        let c = metrics(&[("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", " "), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
        assert_eq!(c.protocol, Protocol::Grpc);
        assert_eq!(error_var(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http")]), "OTEL_EXPORTER_OTLP_PROTOCOL");
    }

    #[test]
    fn endpoint_rules() {
        let generic = |proto: &str, ep: &str| {
            metrics(&[("OTEL_EXPORTER_OTLP_PROTOCOL", proto), ("OTEL_EXPORTER_OTLP_ENDPOINT", ep)]).endpoint
        };
        assert_eq!(generic("http/protobuf", "http://c:4318"), "http://c:4318/v1/metrics");
        assert_eq!(generic("http/protobuf", "https://c/otlp/"), "https://c/otlp/v1/metrics");
        assert_eq!(generic("grpc", "http://c:4317"), "http://c:4317");
        let c = metrics(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://c:9090/custom"),
        ]);
        assert_eq!(c.endpoint, "http://c:9090/custom");
        // Scheme-less gRPC endpoints follow INSECURE; an explicit scheme wins.
        let grpc = |pairs: &[(&str, &str)]| {
            let mut all = vec![("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")];
            all.extend_from_slice(pairs);
            metrics(&all).endpoint
        };
        assert_eq!(grpc(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "c:4317")]), "https://c:4317");
        assert_eq!(
            grpc(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "c:4317"), ("OTEL_EXPORTER_OTLP_METRICS_INSECURE", "TRUE")]),
            "http://c:4317"
        );
        assert_eq!(
            grpc(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c:4317"), ("OTEL_EXPORTER_OTLP_INSECURE", "true")]),
            "https://c:4317"
        );
        assert!(metrics(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "https://c")]).is_tls());
    }

    #[test]
    fn bad_endpoints_name_the_variable() {
        assert_eq!(error_var(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "c:4318")]), "OTEL_EXPORTER_OTLP_ENDPOINT");
        assert_eq!(
            error_var(&[("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "ftp://c")]),
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
        );
        assert_eq!(error_var(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://")]), "OTEL_EXPORTER_OTLP_ENDPOINT");
        assert_eq!(error_var(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a b")]), "OTEL_EXPORTER_OTLP_ENDPOINT");
        assert_eq!(error_var(&[("OTEL_EXPORTER_OTLP_INSECURE", "yes")]), "OTEL_EXPORTER_OTLP_INSECURE");
    }

    #[test]
    fn headers_timeout_compression() {
        let c = metrics(&[
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=1"),
            ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "X-Key=s%20t,b=2"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "gzip"),
        ]);
        assert_eq!(c.headers, vec![("x-key".to_string(), "s t".to_string()), ("b".to_string(), "2".to_string())]);
        assert_eq!(c.timeout, Duration::from_millis(2500));
        assert_eq!(c.compression, Compression::Gzip);
        assert_eq!(metrics(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "none")]).compression, Compression::None);
        assert_eq!(error_var(&[("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "10s")]), "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT");
        assert_eq!(error_var(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "0")]), "OTEL_EXPORTER_OTLP_TIMEOUT");
        assert_eq!(error_var(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd")]), "OTEL_EXPORTER_OTLP_COMPRESSION");
        assert_eq!(error_var(&[("OTEL_EXPORTER_OTLP_HEADERS", "k")]), "OTEL_EXPORTER_OTLP_HEADERS");
        let e = resolve(Signal::Metrics, &[("OTEL_EXPORTER_OTLP_HEADERS", "k")]).unwrap_err().to_string();
        assert!(e.contains("OTEL_EXPORTER_OTLP_HEADERS=\"k\""), "{e}");
    }

    #[test]
    fn tls_files() {
        let c = metrics(&[
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/ca.pem"),
            ("OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE", "/c.pem"),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/k.pem"),
        ]);
        let ca = c.tls.ca_certificate.unwrap();
        assert_eq!((ca.var.as_str(), ca.path), ("OTEL_EXPORTER_OTLP_CERTIFICATE", PathBuf::from("/ca.pem")));
        let id = c.tls.client_identity.unwrap();
        assert_eq!(id.certificate.var, "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE");
        assert_eq!(id.key.path, PathBuf::from("/k.pem"));
        let e = resolve(Signal::Traces, &[("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/k.pem")]).unwrap_err();
        assert_eq!(
            e,
            ConfigError::IncompleteIdentity {
                present: "OTEL_EXPORTER_OTLP_CLIENT_KEY".into(),
                missing: "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE".into()
            }
        );
    }
}

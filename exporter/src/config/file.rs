//! The YAML configuration file (`--config`).
//!
//! Unknown keys are errors (a typo must not be silently ignored), and every
//! error names the file, line and column.
//!
//! ```yaml
//! proc_root: /host/proc          # the host's /proc
//! health_addr: 0.0.0.0:8686      # /healthz and /readyz
//! queue_capacity: 16384          # reader -> pipeline queue
//! process_table_capacity: 131072
//! ring_buffer_bytes: 4194304     # power-of-two multiple of the page size
//! report_interval_secs: 10
//! shutdown_timeout_secs: 10
//! security_events: all           # or a list: file,network,privilege,... or none
//! watch_paths: [/srv/secrets/]   # reads below these are reported too
//! rules: [/etc/sysotel/rules.yaml]
//! default_rules: true            # the built-in ruleset
//! ```

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use thiserror::Error;

/// Settings from the file; absent keys keep their defaults.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AgentFile {
    pub proc_root: Option<PathBuf>,
    pub health_addr: Option<SocketAddr>,
    pub queue_capacity: Option<usize>,
    pub process_table_capacity: Option<usize>,
    pub ring_buffer_bytes: Option<u32>,
    pub report_interval_secs: Option<u64>,
    pub shutdown_timeout_secs: Option<u64>,
    /// Slow-syscall thresholds, see [`super::slow`].
    pub slow_syscalls: Option<String>,
    /// Extra secret patterns (regexes) redacted from command lines.
    pub redact_patterns: Option<Vec<String>>,
    /// Reported security-event categories (`all`, `none`, or a comma list).
    pub security_events: Option<String>,
    /// Path prefixes whose reads are reported, beyond the defaults.
    pub watch_paths: Option<Vec<String>>,
    /// Rule files loaded after the built-in ruleset.
    pub rules: Option<Vec<PathBuf>>,
    /// Whether the built-in ruleset is loaded.
    pub default_rules: Option<bool>,
    /// Skip rules that use unknown fields instead of failing.
    pub lenient_rules: Option<bool>,
}

#[derive(Debug, Error)]
pub enum ConfigFileError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Parse { path: String, line: usize, column: usize, message: String },
}

/// Reads and parses `path`.
///
/// # Errors
/// [`ConfigFileError`] with the location of the first problem.
pub fn load_file(path: &Path) -> Result<AgentFile, ConfigFileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigFileError::Read { path: path.display().to_string(), source })?;
    parse(&text, &path.display().to_string())
}

/// Parses configuration text; `origin` names it in errors.
///
/// # Errors
/// [`ConfigFileError::Parse`].
pub fn parse(text: &str, origin: &str) -> Result<AgentFile, ConfigFileError> {
    if text.trim().is_empty() {
        return Ok(AgentFile::default());
    }
    serde_yaml_ng::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        ConfigFileError::Parse { path: origin.to_string(), line, column, message: e.to_string() }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_keys() {
        let f = parse("proc_root: /host/proc\nhealth_addr: 0.0.0.0:8686\nqueue_capacity: 10\n", "t").unwrap();
        assert_eq!(f.proc_root.as_deref(), Some(Path::new("/host/proc")));
        assert_eq!(f.health_addr, Some("0.0.0.0:8686".parse().unwrap()));
        assert_eq!(f.queue_capacity, Some(10));
        assert_eq!(parse("", "t").unwrap(), AgentFile::default());
    }

    #[test]
    fn errors_name_line_and_reason() {
        let e = parse("proc_root: /p\nqueue_capacty: 3\n", "agent.yaml").unwrap_err().to_string();
        assert!(e.starts_with("agent.yaml:2:1: "), "{e}");
        assert!(e.contains("unknown field `queue_capacty`"), "{e}");
        let e = parse("health_addr: nowhere\n", "a.yaml").unwrap_err().to_string();
        assert!(e.starts_with("a.yaml:1:"), "{e}");
        assert!(load_file(Path::new("/nonexistent/sysotel.yaml")).is_err());
    }
}

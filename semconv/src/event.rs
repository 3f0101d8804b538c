//! Event names (the `EventName` field of OTLP log records).
//!
//! Names are static, low cardinality and namespaced; each documents its
//! default severity.

/// A process replaced its image with `execve`/`execveat`. Severity INFO (9).
pub const PROCESS_EXEC: &str = "sysotel.process.exec";

/// The agent started and attached its eBPF programs. Severity INFO (9).
pub const AGENT_START: &str = "sysotel.agent.start";

/// A container's first process was seen (its cgroup appeared). The
/// container is the record's Resource. Severity INFO (9).
pub const CONTAINER_START: &str = "sysotel.container.start";

/// A container's last cgroup went away. Severity INFO (9).
pub const CONTAINER_STOP: &str = "sysotel.container.stop";

/// Every event name sysotel emits.
pub const ALL: &[&str] = &[PROCESS_EXEC, AGENT_START, CONTAINER_START, CONTAINER_STOP];

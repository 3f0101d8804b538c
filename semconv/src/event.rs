//! Event names (the `EventName` field of OTLP log records).
//!
//! Names are static, low cardinality and namespaced; each documents its
//! default severity.

/// A process replaced its image with `execve`/`execveat`. Severity INFO (9).
pub const PROCESS_EXEC: &str = "sysotel.process.exec";

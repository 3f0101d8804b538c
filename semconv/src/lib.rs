//! Names of the attributes, events and metrics sysotel emits.
//!
//! Standard OpenTelemetry names are re-exported from
//! `opentelemetry-semantic-conventions` (never retyped); names the
//! conventions do not define live under our own `sysotel.` namespace
//! (custom names take an application prefix; `otel.*` is reserved).

pub mod attribute;
pub mod event;
pub mod metric;

/// Our namespace prefix.
pub const NAMESPACE: &str = "sysotel";

/// Instrumentation scope name used for every signal.
pub const SCOPE: &str = "sysotel";

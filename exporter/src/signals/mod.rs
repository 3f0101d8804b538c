//! Signals: turning enriched events into OpenTelemetry records.
//!
//! [`logs`] builds [`LogEvent`]s, a transport-neutral log record (event
//! name, severity, time, attributes) that every sink renders its own way.

pub mod attrs;
pub mod logs;
pub mod metrics;
pub mod security;
pub mod traces;

pub use attrs::AttrWriter;
pub use logs::{Attr, LogEvent, agent_start_log, container_log, exec_log};

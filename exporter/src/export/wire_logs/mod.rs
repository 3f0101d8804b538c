//! OTLP logs without the SDK's record copies.
//!
//! Log records are the agent's highest-volume signal (every security event
//! and finding). The SDK path cloned each record into its batch queue and
//! again into opentelemetry-proto structs before encoding; a flood profile
//! put 57 % of the agent's CPU there. Here:
//! - [`encode`]: a [`crate::signals::LogEvent`] is written once, as
//!   protobuf, straight into its Resource's buffer;
//! - [`security`]: a security event's record encoded from the record
//!   itself, with no `LogEvent` in between (the flood's hot path);
//! - [`batch`]: the open batch, one buffer per Resource (host or
//!   container), framed as one `ExportLogsServiceRequest`;
//! - [`sink`]: the [`crate::export::LogSink`] and its export task, over the
//!   `otlp_wire` sender (gRPC, HTTP protobuf or JSON, TLS, retries) or an
//!   OTLP/JSON file, with bounded, counted queues.

pub mod batch;
pub mod encode;
pub mod security;
pub mod sink;

pub use sink::{BatchSettings, DEFAULT_BATCH, DEFAULT_QUEUE, Destination, SetupError, WireLogSink};

//! sysotel: an eBPF-driven, OpenTelemetry-native observability exporter.
//!
//! The pipeline, one module per stage:
//! [`source`] (ring buffer over `AsyncFd`) -> [`decode`] (pure bytes to
//! events) -> [`process`] (process table) and [`enrich`] -> [`signals`]
//! (OpenTelemetry records) -> [`export`] (terminal or OTLP). [`bpf`] loads
//! and attaches the kernel programs, [`check`] reports what the host offers,
//! [`pipeline`] wires the stages together.

pub mod bpf;
pub mod check;
pub mod config;
pub mod decode;
pub mod detect;
pub mod enrich;
pub mod export;
pub mod health;
pub mod pipeline;
pub mod process;
pub mod security;
pub mod signals;
pub mod source;
pub mod system;
pub mod util;

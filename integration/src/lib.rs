//! Support for sysotel's root-only end-to-end tests.
//!
//! A test wires real parts together and asserts on what arrives:
//!
//! ```text
//! workload ──exec──▶ kernel ──eBPF──▶ agent ──OTLP──▶ rotel ──OTLP/gRPC──▶ receiver
//! ```
//!
//! - [`gate`] decides whether the tests run at all (`SYSOTEL_INTEGRATION=1`, root).
//! - [`receiver`] is an in-process OTLP gRPC server that keeps every request;
//!   [`records`] flattens them into owned values that are easy to assert on.
//! - [`rotel`] runs the real rotel collector in front of the receiver.
//! - [`agent`] runs the sysotel binary named by `SYSOTEL_BIN`.
//! - [`workload`] produces activity tagged with a unique marker; [`podman`]
//!   runs it in real containers; [`flood`] opens many marker files at once.
//! - [`events`] names the records the tests expect.
//! - [`send`] pushes OTLP requests over gRPC or HTTP/protobuf.
//! - [`net`] and [`poll`] pick loopback ports and wait with deadlines;
//!   [`vitals`] reads whether a process is alive and its RSS.

pub mod agent;
pub mod cprog;
pub mod events;
pub mod fake_kube;
pub mod flood;
pub mod gate;
pub mod loops;
pub mod net;
pub mod podman;
pub mod poll;
pub mod receiver;
pub mod records;
pub mod rotel;
pub mod send;
pub mod stack;
pub mod triggers;
pub mod vitals;
pub mod workload;

pub use scratch::ScratchDir;

mod child;
mod scratch;

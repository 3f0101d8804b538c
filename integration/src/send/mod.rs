//! Pushing OTLP requests to a collector, over both transports it serves.
//!
//! Both functions block the calling thread; call them from a plain `#[test]`,
//! not from inside an async runtime.

mod grpc;
mod http;

pub use grpc::logs_grpc;
pub use http::{logs_http, post_protobuf};

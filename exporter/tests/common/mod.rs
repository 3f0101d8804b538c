//! Helpers shared by the exporter's integration tests.

#![allow(dead_code, reason = "each test file uses part of the helpers")]

pub mod grpc;
pub mod http;
pub mod pki;

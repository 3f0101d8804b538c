//! Liveness and readiness over HTTP (`/healthz`, `/readyz`) for Kubernetes
//! probes.
//!
//! - `/healthz`: 200 while the agent's event loop runs.
//! - `/readyz`: 200 once the eBPF programs are attached and the first export
//!   attempt finished (delivered, or the collector is known unreachable);
//!   503 before. Terminal output is ready as soon as programs are attached.

mod server;
mod state;

pub use server::{HealthError, serve};
pub use state::HealthState;

//! Enrichment: what the agent knows about the process and container behind
//! an event.
//!
//! Pure functions over caches: the [`crate::process::ProcessTable`] for
//! processes, [`container::CgroupResolver`] for cgroups and containers, and
//! (in a cluster) the Kubernetes pod cache.

pub mod container;
mod identity;
pub mod k8s;
mod process;
pub mod redact;

pub use identity::{ContainerIdentity, container_identity};
pub use process::{ProcessContext, process_context, process_identity_taking};

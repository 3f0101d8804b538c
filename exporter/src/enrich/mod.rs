//! Enrichment: what the agent knows about the process behind an event.
//!
//! Pure functions over the [`crate::process::ProcessTable`]; later stages
//! (containers, Kubernetes) add their attributes here too.

mod process;

pub use process::{ProcessContext, process_context};

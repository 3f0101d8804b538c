//! Traces at the kernel boundary.
//!
//! [`ids`] derives span and trace ids deterministically, so a child can name
//! a parent span that has not ended yet; [`process`] keeps one open span per
//! process image and decides where traces start; [`record`] is the
//! transport-neutral finished span the sinks export.

pub mod conn;
pub mod ids;
pub mod process;
pub mod record;

pub use conn::{Connections, Opened};
pub use ids::{IdSalt, SpanRef};
pub use process::ProcessSpans;
pub use record::SpanRecord;

//! A finished span, ready for a sink.

use std::{sync::Arc, time::SystemTime};

use opentelemetry::{
    KeyValue,
    trace::{SpanId, SpanKind},
};

use super::SpanRef;
use crate::enrich::ContainerIdentity;

/// A finished span.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanRecord {
    pub name: String,
    pub kind: SpanKind,
    pub ids: SpanRef,
    /// `None` for a trace root.
    pub parent: Option<SpanId>,
    pub start: SystemTime,
    pub end: SystemTime,
    pub attributes: Vec<KeyValue>,
    /// Whether it ended in error (non-zero exit, killed).
    pub error: Option<String>,
    /// The container whose Resource the span goes under.
    pub container: Option<Arc<ContainerIdentity>>,
}

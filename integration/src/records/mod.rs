//! Flat, owned views of received OTLP data, one entry per record.
//!
//! OTLP nests records under resource and scope; assertions want one value per
//! log record, span or data point, carrying its resource attributes along.
//! The flatteners take the nested protobuf and return such entries:
//!
//! - [`flatten_logs`] → [`LogEntry`]
//! - [`flatten_spans`] → [`SpanEntry`]
//! - [`flatten_metrics`] → [`MetricPoint`]
//!
//! Attribute values are [`AttrValue`]s in an [`Attributes`] map with typed
//! getters (`attributes.int("process.pid")`).

mod log;
mod metric;
mod span;
mod value;

pub use log::{LogEntry, flatten_logs};
pub use metric::{MetricKind, MetricPoint, PointValue, flatten_metrics};
pub use span::{SpanEntry, SpanEventEntry, flatten_spans};
pub use value::{AttrValue, Attributes, hex};

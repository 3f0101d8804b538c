//! One flat entry per OTLP metric data point.

use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::{Metric, NumberDataPoint, ResourceMetrics, metric, number_data_point};

use super::value::Attributes;

/// The metric's data type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    Gauge,
    Sum,
    Histogram,
    ExponentialHistogram,
    Summary,
    /// A metric without data.
    Empty,
}

/// The value of one data point.
#[derive(Clone, Debug, PartialEq)]
pub enum PointValue {
    Int(i64),
    Double(f64),
    Histogram {
        count: u64,
        sum: Option<f64>,
        bucket_counts: Vec<u64>,
        explicit_bounds: Vec<f64>,
    },
    ExponentialHistogram {
        count: u64,
        sum: Option<f64>,
    },
    Summary {
        count: u64,
        sum: f64,
    },
    /// A number data point with no value set.
    Empty,
}

impl PointValue {
    /// The value of an `Int` or `Double` point as `f64`.
    #[must_use]
    #[expect(clippy::cast_precision_loss, reason = "test assertions on counters far below 2^53")]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Int(i) => Some(*i as f64),
            Self::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// The value of an `Int` point.
    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The observation count of a histogram or summary point.
    #[must_use]
    pub fn count(&self) -> Option<u64> {
        match self {
            Self::Histogram { count, .. } | Self::ExponentialHistogram { count, .. } | Self::Summary { count, .. } => {
                Some(*count)
            }
            _ => None,
        }
    }
}

/// A data point with its metric's identity, its resource and its scope.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricPoint {
    pub name: String,
    pub description: String,
    pub unit: String,
    pub kind: MetricKind,
    /// Only meaningful for `Sum`.
    pub is_monotonic: bool,
    /// The OTLP `AggregationTemporality` number (1 delta, 2 cumulative); 0 when
    /// the kind has none.
    pub temporality: i32,
    pub value: PointValue,
    pub attributes: Attributes,
    pub start_time_unix_nano: u64,
    pub time_unix_nano: u64,
    pub resource: Attributes,
    pub scope_name: String,
}

/// Every data point in `batches`, in order of arrival.
#[must_use]
pub fn flatten_metrics(batches: &[ResourceMetrics]) -> Vec<MetricPoint> {
    let mut points = Vec::new();
    for batch in batches {
        let resource = Attributes::of_resource(batch.resource.as_ref());
        for scope in &batch.scope_metrics {
            let scope_name = scope.scope.as_ref().map_or("", |s| s.name.as_str());
            for metric in &scope.metrics {
                let template = MetricPoint {
                    name: metric.name.clone(),
                    description: metric.description.clone(),
                    unit: metric.unit.clone(),
                    kind: MetricKind::Empty,
                    is_monotonic: false,
                    temporality: 0,
                    value: PointValue::Empty,
                    attributes: Attributes::default(),
                    start_time_unix_nano: 0,
                    time_unix_nano: 0,
                    resource: resource.clone(),
                    scope_name: scope_name.to_owned(),
                };
                push_points(metric, &template, &mut points);
            }
        }
    }
    points
}

/// Appends one point per data point of `metric`, filled in from `template`.
fn push_points(metric: &Metric, template: &MetricPoint, out: &mut Vec<MetricPoint>) {
    let point = |kind: MetricKind, attributes: &[KeyValue], start: u64, time: u64, value: PointValue| MetricPoint {
        kind,
        value,
        attributes: Attributes::from(attributes),
        start_time_unix_nano: start,
        time_unix_nano: time,
        ..template.clone()
    };
    match &metric.data {
        None => out.push(point(MetricKind::Empty, &[], 0, 0, PointValue::Empty)),
        Some(metric::Data::Gauge(g)) => out.extend(
            g.data_points
                .iter()
                .map(|p| point(MetricKind::Gauge, &p.attributes, p.start_time_unix_nano, p.time_unix_nano, number(p))),
        ),
        Some(metric::Data::Sum(s)) => out.extend(s.data_points.iter().map(|p| MetricPoint {
            is_monotonic: s.is_monotonic,
            temporality: s.aggregation_temporality,
            ..point(MetricKind::Sum, &p.attributes, p.start_time_unix_nano, p.time_unix_nano, number(p))
        })),
        Some(metric::Data::Histogram(h)) => out.extend(h.data_points.iter().map(|p| {
            let value = PointValue::Histogram {
                count: p.count,
                sum: p.sum,
                bucket_counts: p.bucket_counts.clone(),
                explicit_bounds: p.explicit_bounds.clone(),
            };
            MetricPoint {
                temporality: h.aggregation_temporality,
                ..point(MetricKind::Histogram, &p.attributes, p.start_time_unix_nano, p.time_unix_nano, value)
            }
        })),
        Some(metric::Data::ExponentialHistogram(h)) => out.extend(h.data_points.iter().map(|p| {
            let value = PointValue::ExponentialHistogram { count: p.count, sum: p.sum };
            MetricPoint {
                temporality: h.aggregation_temporality,
                ..point(
                    MetricKind::ExponentialHistogram,
                    &p.attributes,
                    p.start_time_unix_nano,
                    p.time_unix_nano,
                    value,
                )
            }
        })),
        Some(metric::Data::Summary(s)) => out.extend(s.data_points.iter().map(|p| {
            let value = PointValue::Summary { count: p.count, sum: p.sum };
            point(MetricKind::Summary, &p.attributes, p.start_time_unix_nano, p.time_unix_nano, value)
        })),
    }
}

fn number(point: &NumberDataPoint) -> PointValue {
    match point.value {
        Some(number_data_point::Value::AsInt(i)) => PointValue::Int(i),
        Some(number_data_point::Value::AsDouble(d)) => PointValue::Double(d),
        None => PointValue::Empty,
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::metrics::v1::{Gauge, HistogramDataPoint, ScopeMetrics, Sum};

    use super::*;

    fn int_point(i: i64) -> NumberDataPoint {
        NumberDataPoint { value: Some(number_data_point::Value::AsInt(i)), time_unix_nano: 9, ..Default::default() }
    }

    fn metric(name: &str, data: metric::Data) -> Metric {
        Metric { name: name.into(), unit: "1".into(), data: Some(data), ..Default::default() }
    }

    #[test]
    fn one_point_per_data_point() {
        let sum = Sum { data_points: vec![int_point(3), int_point(4)], aggregation_temporality: 2, is_monotonic: true };
        let gauge = Gauge {
            data_points: vec![NumberDataPoint {
                value: Some(number_data_point::Value::AsDouble(0.5)),
                ..Default::default()
            }],
        };
        let histogram = opentelemetry_proto::tonic::metrics::v1::Histogram {
            data_points: vec![HistogramDataPoint { count: 6, sum: Some(1.0), ..Default::default() }],
            aggregation_temporality: 1,
        };
        let batch = ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![
                    metric("events", metric::Data::Sum(sum)),
                    metric("load", metric::Data::Gauge(gauge)),
                    metric("latency", metric::Data::Histogram(histogram)),
                ],
                ..Default::default()
            }],
            ..Default::default()
        };
        let points = flatten_metrics(&[batch]);
        assert_eq!(points.len(), 4);
        assert_eq!(points[1].name, "events");
        assert_eq!(points[1].kind, MetricKind::Sum);
        assert!(points[1].is_monotonic);
        assert_eq!(points[1].temporality, 2);
        assert_eq!(points[1].value.as_int(), Some(4));
        assert_eq!(points[1].time_unix_nano, 9);
        assert_eq!(points[2].kind, MetricKind::Gauge);
        assert_eq!(points[2].value.as_f64(), Some(0.5));
        assert_eq!(points[3].value.count(), Some(6));
        assert_eq!(points[3].temporality, 1);
        assert_eq!(points[3].unit, "1");
    }
}

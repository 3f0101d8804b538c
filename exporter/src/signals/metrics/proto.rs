//! Conversions to OTLP protobuf types shared by the metric builders.

use opentelemetry::{KeyValue, Value};
use opentelemetry_proto::tonic::{
    common::v1::{AnyValue, ArrayValue, InstrumentationScope, KeyValue as PKeyValue, any_value},
    metrics::v1::{AggregationTemporality, Gauge, Metric, NumberDataPoint, Sum, metric::Data, number_data_point},
    resource::v1::Resource,
};

/// A protobuf attribute from an OpenTelemetry one.
#[must_use]
pub fn kv(kv: &KeyValue) -> PKeyValue {
    PKeyValue { key: kv.key.to_string(), value: Some(value(&kv.value)), ..Default::default() }
}

/// A string attribute.
#[must_use]
pub fn str_kv(key: &str, v: impl Into<String>) -> PKeyValue {
    PKeyValue {
        key: key.to_string(),
        value: Some(AnyValue { value: Some(any_value::Value::StringValue(v.into())) }),
        ..Default::default()
    }
}

fn value(v: &Value) -> AnyValue {
    use opentelemetry::Array;
    let inner = match v {
        Value::Bool(b) => any_value::Value::BoolValue(*b),
        Value::I64(i) => any_value::Value::IntValue(*i),
        Value::F64(f) => any_value::Value::DoubleValue(*f),
        Value::String(s) => any_value::Value::StringValue(s.to_string()),
        Value::Array(a) => {
            let values = match a {
                Array::Bool(v) => v.iter().map(|b| Value::Bool(*b)).collect::<Vec<_>>(),
                Array::I64(v) => v.iter().map(|i| Value::I64(*i)).collect(),
                Array::F64(v) => v.iter().map(|f| Value::F64(*f)).collect(),
                Array::String(v) => v.iter().map(|s| Value::String(s.clone())).collect(),
                _ => Vec::new(),
            };
            any_value::Value::ArrayValue(ArrayValue { values: values.iter().map(value).collect() })
        }
        other => any_value::Value::StringValue(other.to_string()),
    };
    AnyValue { value: Some(inner) }
}

/// A Resource from attributes.
#[must_use]
pub fn resource(attrs: &[KeyValue]) -> Resource {
    Resource { attributes: attrs.iter().map(kv).collect(), ..Default::default() }
}

/// Our instrumentation scope.
#[must_use]
pub fn scope() -> InstrumentationScope {
    InstrumentationScope {
        name: semconv::SCOPE.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        ..Default::default()
    }
}

/// An integer data point.
#[must_use]
pub fn int_point(attributes: Vec<PKeyValue>, start_ns: u64, now_ns: u64, v: u64) -> NumberDataPoint {
    NumberDataPoint {
        attributes,
        start_time_unix_nano: start_ns,
        time_unix_nano: now_ns,
        value: Some(number_data_point::Value::AsInt(i64::try_from(v).unwrap_or(i64::MAX))),
        ..Default::default()
    }
}

/// A cumulative monotonic Sum.
#[must_use]
pub fn counter(name: &str, description: &str, unit: &str, points: Vec<NumberDataPoint>) -> Metric {
    Metric {
        name: name.to_string(),
        description: description.to_string(),
        unit: unit.to_string(),
        data: Some(Data::Sum(Sum {
            data_points: points,
            aggregation_temporality: AggregationTemporality::Cumulative as i32,
            is_monotonic: true,
        })),
        ..Default::default()
    }
}

/// A Gauge.
#[must_use]
pub fn gauge(name: &str, description: &str, unit: &str, points: Vec<NumberDataPoint>) -> Metric {
    Metric {
        name: name.to_string(),
        description: description.to_string(),
        unit: unit.to_string(),
        data: Some(Data::Gauge(Gauge { data_points: points })),
        ..Default::default()
    }
}

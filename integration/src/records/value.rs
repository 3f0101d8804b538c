//! Owned attribute values and attribute maps, converted from OTLP protobuf.

use std::collections::BTreeMap;
use std::fmt::Write;

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;

/// One OTLP `AnyValue`, owned and easy to match on.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    Str(String),
    Int(i64),
    Bool(bool),
    Double(f64),
    Array(Vec<AttrValue>),
    Bytes(Vec<u8>),
    /// A nested `KeyValueList`.
    Map(Attributes),
    /// A string-table index (only used by the profiles signal).
    StrIndex(i32),
    /// An `AnyValue` with no value set.
    Empty,
}

impl AttrValue {
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Bool(b) => Some(*b),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_double(&self) -> Option<f64> {
        match self {
            Self::Double(d) => Some(*d),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_array(&self) -> Option<&[AttrValue]> {
        match self {
            Self::Array(values) => Some(values),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Bytes(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// The array's elements as strings; `None` if this is not an array of strings.
    #[must_use]
    pub fn as_str_array(&self) -> Option<Vec<&str>> {
        self.as_array()?.iter().map(AttrValue::as_str).collect()
    }
}

impl From<&AnyValue> for AttrValue {
    fn from(value: &AnyValue) -> Self {
        match &value.value {
            None => Self::Empty,
            Some(any_value::Value::StringValue(s)) => Self::Str(s.clone()),
            Some(any_value::Value::IntValue(i)) => Self::Int(*i),
            Some(any_value::Value::BoolValue(b)) => Self::Bool(*b),
            Some(any_value::Value::DoubleValue(d)) => Self::Double(*d),
            Some(any_value::Value::BytesValue(b)) => Self::Bytes(b.clone()),
            Some(any_value::Value::ArrayValue(a)) => Self::Array(a.values.iter().map(Self::from).collect()),
            Some(any_value::Value::KvlistValue(kv)) => Self::Map(Attributes::from(&kv.values[..])),
            Some(any_value::Value::StringValueStrindex(i)) => Self::StrIndex(*i),
        }
    }
}

/// Attributes by key. A repeated key keeps its last value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributes(BTreeMap<String, AttrValue>);

impl Attributes {
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&AttrValue> {
        self.0.get(key)
    }

    #[must_use]
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }

    #[must_use]
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key)?.as_int()
    }

    #[must_use]
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key)?.as_bool()
    }

    #[must_use]
    pub fn double(&self, key: &str) -> Option<f64> {
        self.get(key)?.as_double()
    }

    #[must_use]
    pub fn str_array(&self, key: &str) -> Option<Vec<&str>> {
        self.get(key)?.as_str_array()
    }

    #[must_use]
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &AttrValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The attributes of an optional OTLP `Resource`; empty when it is unset.
    #[must_use]
    pub fn of_resource(resource: Option<&Resource>) -> Self {
        resource.map_or_else(Self::default, |r| Self::from(&r.attributes[..]))
    }
}

impl From<&[KeyValue]> for Attributes {
    fn from(pairs: &[KeyValue]) -> Self {
        let map = pairs
            .iter()
            .map(|kv| {
                let value = kv.value.as_ref().map_or(AttrValue::Empty, AttrValue::from);
                (kv.key.clone(), value)
            })
            .collect();
        Self(map)
    }
}

/// Lower-case hex of an OTLP trace or span id; empty for an unset id.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::{ArrayValue, KeyValueList};

    use super::*;

    fn any(value: any_value::Value) -> AnyValue {
        AnyValue { value: Some(value) }
    }

    fn kv(key: &str, value: any_value::Value) -> KeyValue {
        KeyValue { key: key.into(), value: Some(any(value)), ..Default::default() }
    }

    #[test]
    fn converts_every_value_kind() {
        let args = ArrayValue {
            values: vec![
                any(any_value::Value::StringValue("/bin/echo".into())),
                any(any_value::Value::StringValue("hi".into())),
            ],
        };
        let nested = KeyValueList { values: vec![kv("inner", any_value::Value::IntValue(1))] };
        let attrs = Attributes::from(
            &[
                kv("s", any_value::Value::StringValue("x".into())),
                kv("i", any_value::Value::IntValue(-3)),
                kv("b", any_value::Value::BoolValue(true)),
                kv("d", any_value::Value::DoubleValue(1.5)),
                kv("y", any_value::Value::BytesValue(vec![1, 2])),
                kv("a", any_value::Value::ArrayValue(args)),
                kv("m", any_value::Value::KvlistValue(nested)),
                KeyValue { key: "e".into(), value: None, ..Default::default() },
            ][..],
        );
        assert_eq!(attrs.str("s"), Some("x"));
        assert_eq!(attrs.int("i"), Some(-3));
        assert_eq!(attrs.bool("b"), Some(true));
        assert_eq!(attrs.double("d"), Some(1.5));
        assert_eq!(attrs.get("y").and_then(AttrValue::as_bytes), Some(&[1u8, 2][..]));
        assert_eq!(attrs.str_array("a"), Some(vec!["/bin/echo", "hi"]));
        let Some(AttrValue::Map(inner)) = attrs.get("m") else { panic!("m is not a map") };
        assert_eq!(inner.int("inner"), Some(1));
        assert_eq!(attrs.get("e"), Some(&AttrValue::Empty));
        assert_eq!(attrs.str("i"), None, "a typed getter must not coerce");
        assert_eq!(attrs.len(), 8);
    }

    #[test]
    fn hex_is_lower_case_and_padded() {
        assert_eq!(hex(&[0x00, 0xab, 0x0f]), "00ab0f");
        assert_eq!(hex(&[]), "");
    }
}

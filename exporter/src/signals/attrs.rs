//! Where a record's attributes go. [`AttrWriter`] lets one mapping function
//! (the semantic-convention names and which value goes where) serve two
//! destinations: a `Vec<Attr>` of OpenTelemetry `(Key, AnyValue)` pairs for
//! a [`LogEvent`](super::LogEvent), or an encoder that writes the OTLP
//! protobuf directly (the log sink's fast path for security records, which
//! skips the pairs, their strings and their drop).

use opentelemetry::{Key, StringValue, logs::AnyValue};

use super::logs::Attr;

/// A destination for one record's attributes, in order.
pub trait AttrWriter {
    fn int(&mut self, key: &'static str, value: i64);
    fn bool(&mut self, key: &'static str, value: bool);
    /// A string the writer may keep without copying it.
    fn string(&mut self, key: &'static str, value: String);
    /// A borrowed string (copied by writers that keep it).
    fn str(&mut self, key: &'static str, value: &str);
    /// A string known at compile time.
    fn static_str(&mut self, key: &'static str, value: &'static str);
    /// A map of string values. An encoder keeps `entries`' order; the
    /// OpenTelemetry API's `AnyValue::Map` is a hash map and does not.
    fn string_map(&mut self, key: &'static str, entries: Vec<(&'static str, String)>);
}

impl AttrWriter for Vec<Attr> {
    fn int(&mut self, key: &'static str, value: i64) {
        self.push((Key::from_static_str(key), AnyValue::Int(value)));
    }

    fn bool(&mut self, key: &'static str, value: bool) {
        self.push((Key::from_static_str(key), AnyValue::Boolean(value)));
    }

    fn string(&mut self, key: &'static str, value: String) {
        self.push((Key::from_static_str(key), AnyValue::String(value.into())));
    }

    fn str(&mut self, key: &'static str, value: &str) {
        self.string(key, value.to_owned());
    }

    fn static_str(&mut self, key: &'static str, value: &'static str) {
        self.push((Key::from_static_str(key), AnyValue::String(StringValue::from(value))));
    }

    fn string_map(&mut self, key: &'static str, entries: Vec<(&'static str, String)>) {
        let map = entries.into_iter().map(|(k, v)| (Key::from_static_str(k), AnyValue::String(v.into()))).collect();
        self.push((Key::from_static_str(key), AnyValue::Map(Box::new(map))));
    }
}

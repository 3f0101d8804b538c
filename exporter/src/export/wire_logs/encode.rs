//! Protobuf encoding of OTLP logs straight from [`LogEvent`]s.
//!
//! The SDK path copies every record three times (into an `SdkLogRecord`,
//! into the batch queue, into opentelemetry-proto's structs) before prost
//! encodes it. Here a record is written once, as the bytes of a
//! `LogRecord` field of a `ScopeLogs` message, into the buffer of its
//! resource; a request is then those buffers framed as
//! `ExportLogsServiceRequest { resource_logs: [ResourceLogs { resource,
//! scope_logs: [ScopeLogs { scope, log_records }] }] }`.
//!
//! The output decodes to the same messages as the SDK's conversion (tests
//! compare them field by field): time, observed time, severity number,
//! event name, body, attributes, trace and span ids, and flags (the
//! sampled bit when a trace context is set). Varints are minimal: a nested
//! message's length is written after the message, into room left for it
//! (one byte, two for a record), moving the message when the length needs
//! another width.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::{
    Array, KeyValue, StringValue, Value,
    logs::{AnyValue, Severity},
};
use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};

use crate::signals::{AttrWriter, LogEvent, traces::SpanRef};

// Field numbers (opentelemetry-proto, logs/v1, common/v1, resource/v1,
// collector/logs/v1).
const REQUEST_RESOURCE_LOGS: u32 = 1;
const RESOURCE_LOGS_RESOURCE: u32 = 1;
const RESOURCE_LOGS_SCOPE_LOGS: u32 = 2;
const RESOURCE_LOGS_SCHEMA_URL: u32 = 3;
const SCOPE_LOGS_SCOPE: u32 = 1;
/// `ScopeLogs.log_records`: every encoded record is this field.
const SCOPE_LOGS_LOG_RECORDS: u32 = 2;
const SCOPE_NAME: u32 = 1;
const RESOURCE_ATTRIBUTES: u32 = 1;
const RECORD_TIME: u32 = 1;
const RECORD_SEVERITY_NUMBER: u32 = 2;
const RECORD_BODY: u32 = 5;
const RECORD_ATTRIBUTES: u32 = 6;
const RECORD_FLAGS: u32 = 8;
const RECORD_TRACE_ID: u32 = 9;
const RECORD_SPAN_ID: u32 = 10;
const RECORD_OBSERVED_TIME: u32 = 11;
const RECORD_EVENT_NAME: u32 = 12;
const KEY_VALUE_KEY: u32 = 1;
const KEY_VALUE_VALUE: u32 = 2;
const ANY_STRING: u32 = 1;
const ANY_BOOL: u32 = 2;
const ANY_INT: u32 = 3;
const ANY_DOUBLE: u32 = 4;
const ANY_ARRAY: u32 = 5;
const ANY_KVLIST: u32 = 6;
const ANY_BYTES: u32 = 7;
/// `ArrayValue.values` and `KeyValueList.values`.
const LIST_VALUES: u32 = 1;
/// W3C trace flags: sampled (the agent's spans are always recorded).
const FLAG_SAMPLED: u32 = 1;

pub(crate) fn nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// A length-delimited field whose content `body` writes; its length is
/// filled in afterwards.
pub(crate) fn nested(buf: &mut Vec<u8>, field: u32, body: impl FnOnce(&mut Vec<u8>)) {
    nested_sized(buf, field, 1, body);
}

/// [`nested`] with room for a `width`-byte length left before the content,
/// so content of about the expected size is never moved: a record (a few
/// hundred bytes to a few kB) takes 2, an attribute 1.
pub(crate) fn nested_sized(buf: &mut Vec<u8>, field: u32, width: usize, body: impl FnOnce(&mut Vec<u8>)) {
    encode_key(field, WireType::LengthDelimited, buf);
    let at = buf.len();
    buf.resize(at + width, 0);
    body(buf);
    let len = buf.len() - at - width;
    let needed = encoded_len_varint(len as u64);
    if needed > width {
        buf.resize(buf.len() + needed - width, 0);
        buf.copy_within(at + width..at + width + len, at + needed);
    } else if needed < width {
        buf.copy_within(at + width..at + width + len, at + needed);
        buf.truncate(at + needed + len);
    }
    let mut slot = &mut buf[at..at + needed];
    encode_varint(len as u64, &mut slot);
}

pub(crate) fn bytes_field(buf: &mut Vec<u8>, field: u32, value: &[u8]) {
    encode_key(field, WireType::LengthDelimited, buf);
    encode_varint(value.len() as u64, buf);
    buf.extend_from_slice(value);
}

/// A proto3 string field: left out when empty, like prost does.
pub(crate) fn string_field(buf: &mut Vec<u8>, field: u32, value: &str) {
    if !value.is_empty() {
        bytes_field(buf, field, value.as_bytes());
    }
}

pub(crate) fn varint_field(buf: &mut Vec<u8>, field: u32, value: u64) {
    encode_key(field, WireType::Varint, buf);
    encode_varint(value, buf);
}

pub(crate) fn fixed64_field(buf: &mut Vec<u8>, field: u32, value: u64) {
    encode_key(field, WireType::SixtyFourBit, buf);
    buf.extend_from_slice(&value.to_le_bytes());
}

/// An `AnyValue` message's content. A `oneof` member is written even when
/// it holds its type's default.
fn any_value(buf: &mut Vec<u8>, value: &AnyValue) {
    match value {
        AnyValue::String(s) => bytes_field(buf, ANY_STRING, s.as_str().as_bytes()),
        AnyValue::Boolean(b) => varint_field(buf, ANY_BOOL, u64::from(*b)),
        AnyValue::Int(i) => varint_field(buf, ANY_INT, i64_bits(*i)),
        AnyValue::Double(d) => fixed64_field(buf, ANY_DOUBLE, d.to_bits()),
        AnyValue::Bytes(b) => bytes_field(buf, ANY_BYTES, b),
        AnyValue::ListAny(items) => nested(buf, ANY_ARRAY, |buf| {
            for item in items.iter() {
                nested(buf, LIST_VALUES, |buf| any_value(buf, item));
            }
        }),
        AnyValue::Map(map) => nested(buf, ANY_KVLIST, |buf| {
            for (k, v) in map.iter() {
                nested(buf, LIST_VALUES, |buf| key_value(buf, k.as_str(), |buf| any_value(buf, v)));
            }
        }),
        // `AnyValue` is non-exhaustive: a future kind is written as its
        // text rather than lost.
        other => bytes_field(buf, ANY_STRING, format!("{other:?}").as_bytes()),
    }
}

/// int64 on the wire: the two's-complement bits as a varint.
#[allow(clippy::cast_sign_loss, reason = "protobuf int64 is the two's-complement bit pattern")]
fn i64_bits(v: i64) -> u64 {
    v as u64
}

/// A `KeyValue` message's content.
pub(crate) fn key_value(buf: &mut Vec<u8>, key: &str, value: impl FnOnce(&mut Vec<u8>)) {
    string_field(buf, KEY_VALUE_KEY, key);
    nested(buf, KEY_VALUE_VALUE, value);
}

/// An `AnyValue` message's content for a Resource attribute value.
pub(crate) fn resource_value(buf: &mut Vec<u8>, value: &Value) {
    fn list<T>(buf: &mut Vec<u8>, items: &[T], each: impl Fn(&mut Vec<u8>, &T)) {
        nested(buf, ANY_ARRAY, |buf| {
            for item in items {
                nested(buf, LIST_VALUES, |buf| each(buf, item));
            }
        });
    }
    match value {
        Value::Bool(b) => varint_field(buf, ANY_BOOL, u64::from(*b)),
        Value::I64(i) => varint_field(buf, ANY_INT, i64_bits(*i)),
        Value::F64(d) => fixed64_field(buf, ANY_DOUBLE, d.to_bits()),
        Value::String(s) => bytes_field(buf, ANY_STRING, s.as_str().as_bytes()),
        Value::Array(Array::Bool(v)) => list(buf, v, |buf, b| varint_field(buf, ANY_BOOL, u64::from(*b))),
        Value::Array(Array::I64(v)) => list(buf, v, |buf, i| varint_field(buf, ANY_INT, i64_bits(*i))),
        Value::Array(Array::F64(v)) => list(buf, v, |buf, d| fixed64_field(buf, ANY_DOUBLE, d.to_bits())),
        Value::Array(Array::String(v)) => {
            list(buf, v, |buf, s: &StringValue| bytes_field(buf, ANY_STRING, s.as_str().as_bytes()));
        }
        other => bytes_field(buf, ANY_STRING, other.to_string().as_bytes()),
    }
}

/// The content of a `Resource` message with `attributes`; a key given
/// twice keeps its last value (as the SDK's `Resource` does).
#[must_use]
pub fn resource(attributes: &[KeyValue]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64 * attributes.len());
    for (i, kv) in attributes.iter().enumerate() {
        if attributes[i + 1..].iter().any(|later| later.key == kv.key) {
            continue;
        }
        nested(&mut buf, RESOURCE_ATTRIBUTES, |buf| {
            key_value(buf, kv.key.as_str(), |buf| resource_value(buf, &kv.value))
        });
    }
    buf
}

/// Appends `event` to `buf` as one `ScopeLogs.log_records` field.
pub fn record(buf: &mut Vec<u8>, event: &LogEvent, observed: SystemTime) {
    let head = RecordHead {
        time: event.time,
        observed,
        severity: event.severity,
        body: event.body.as_deref(),
        trace: event.trace.as_ref(),
        event_name: event.event_name,
    };
    record_with(buf, &head, |buf| {
        for (key, value) in &event.attributes {
            nested(buf, RECORD_ATTRIBUTES, |buf| key_value(buf, key.as_str(), |buf| any_value(buf, value)));
        }
    });
}

/// A record's fields other than its attributes.
pub struct RecordHead<'a> {
    pub time: SystemTime,
    pub observed: SystemTime,
    pub severity: Severity,
    pub body: Option<&'a str>,
    pub trace: Option<&'a SpanRef>,
    pub event_name: &'static str,
}

/// Appends one `ScopeLogs.log_records` field: `head`'s fields, with the
/// `attributes` fields written by `attributes` in their place.
pub fn record_with(buf: &mut Vec<u8>, head: &RecordHead<'_>, attributes: impl FnOnce(&mut Vec<u8>)) {
    nested_sized(buf, SCOPE_LOGS_LOG_RECORDS, 2, |buf| {
        fixed64_field(buf, RECORD_TIME, nanos(head.time));
        fixed64_field(buf, RECORD_OBSERVED_TIME, nanos(head.observed));
        varint_field(buf, RECORD_SEVERITY_NUMBER, head.severity as u64);
        if let Some(body) = head.body {
            nested(buf, RECORD_BODY, |buf| bytes_field(buf, ANY_STRING, body.as_bytes()));
        }
        attributes(buf);
        if let Some(trace) = head.trace {
            encode_key(RECORD_FLAGS, WireType::ThirtyTwoBit, buf);
            buf.extend_from_slice(&FLAG_SAMPLED.to_le_bytes());
            bytes_field(buf, RECORD_TRACE_ID, &trace.trace_id.to_bytes());
            bytes_field(buf, RECORD_SPAN_ID, &trace.span_id.to_bytes());
        }
        string_field(buf, RECORD_EVENT_NAME, head.event_name);
    });
}

/// Writes attributes as `LogRecord.attributes` fields into a record being
/// encoded (inside [`record_with`]'s closure), straight from their values.
pub struct ProtoAttrs<'a>(pub &'a mut Vec<u8>);

impl ProtoAttrs<'_> {
    fn attribute(&mut self, key: &str, value: impl FnOnce(&mut Vec<u8>)) {
        nested(self.0, RECORD_ATTRIBUTES, |buf| key_value(buf, key, value));
    }
}

impl AttrWriter for ProtoAttrs<'_> {
    fn int(&mut self, key: &'static str, value: i64) {
        self.attribute(key, |buf| varint_field(buf, ANY_INT, i64_bits(value)));
    }

    fn bool(&mut self, key: &'static str, value: bool) {
        self.attribute(key, |buf| varint_field(buf, ANY_BOOL, u64::from(value)));
    }

    fn string(&mut self, key: &'static str, value: String) {
        self.str(key, &value);
    }

    fn str(&mut self, key: &'static str, value: &str) {
        self.attribute(key, |buf| bytes_field(buf, ANY_STRING, value.as_bytes()));
    }

    fn static_str(&mut self, key: &'static str, value: &'static str) {
        self.str(key, value);
    }

    fn string_map(&mut self, key: &'static str, entries: Vec<(&'static str, String)>) {
        self.attribute(key, |buf| {
            nested(buf, ANY_KVLIST, |buf| {
                for (k, v) in &entries {
                    nested(buf, LIST_VALUES, |buf| {
                        key_value(buf, k, |buf| bytes_field(buf, ANY_STRING, v.as_bytes()));
                    });
                }
            });
        });
    }
}

/// The records of one resource, ready to frame.
pub struct ResourceRecords<'a> {
    /// `Resource` content from [`resource`].
    pub resource: &'a [u8],
    pub schema_url: &'a str,
    /// Concatenated [`record`] output.
    pub records: &'a [u8],
}

/// Appends one `ResourceLogs` (one scope, `scope`) to a request being built
/// in `buf`. The lengths are known up front, so the records are copied
/// once and never moved.
pub fn resource_logs(buf: &mut Vec<u8>, scope: &str, part: &ResourceRecords<'_>) {
    buf.reserve(head_room(part.resource.len(), scope.len()) + part.records.len() + part.schema_url.len() + 6);
    resource_logs_head(buf, scope, part.resource, part.schema_url, part.records.len());
    buf.extend_from_slice(part.records);
    resource_logs_tail(buf, part.schema_url);
}

/// What comes before the records in [`resource_logs`]: the `ResourceLogs`
/// field's key and length, the Resource, and the `ScopeLogs` field's key,
/// length and scope, for `records_len` bytes of records.
pub fn resource_logs_head(buf: &mut Vec<u8>, scope: &str, resource: &[u8], schema_url: &str, records_len: usize) {
    let scope_msg_len = if scope.is_empty() { 0 } else { framed_len(scope.len()) };
    let scope_logs_len = framed_len(scope_msg_len) + records_len;
    let mut resource_logs_len = framed_len(resource.len()) + framed_len(scope_logs_len);
    if !schema_url.is_empty() {
        resource_logs_len += framed_len(schema_url.len());
    }
    header(buf, REQUEST_RESOURCE_LOGS, resource_logs_len);
    bytes_field(buf, RESOURCE_LOGS_RESOURCE, resource);
    header(buf, RESOURCE_LOGS_SCOPE_LOGS, scope_logs_len);
    header(buf, SCOPE_LOGS_SCOPE, scope_msg_len);
    string_field(buf, SCOPE_NAME, scope);
}

/// What comes after the records in [`resource_logs`].
pub fn resource_logs_tail(buf: &mut Vec<u8>, schema_url: &str) {
    string_field(buf, RESOURCE_LOGS_SCHEMA_URL, schema_url);
}

/// An upper bound of [`resource_logs_head`]'s size: four keys, four
/// lengths of at most five bytes, the resource and the scope name.
#[must_use]
pub fn head_room(resource_len: usize, scope_len: usize) -> usize {
    resource_len + scope_len + 4 * (1 + 5)
}

/// Size of a length-delimited field (number below 16) of `len` bytes.
fn framed_len(len: usize) -> usize {
    1 + encoded_len_varint(len as u64) + len
}

/// Key and length of a length-delimited field whose content follows.
fn header(buf: &mut Vec<u8>, field: u32, len: usize) {
    encode_key(field, WireType::LengthDelimited, buf);
    encode_varint(len as u64, buf);
}

#[cfg(test)]
#[path = "encode_tests.rs"]
mod tests;

//! OTLP/JSON encoding (spec `protocol/otlp.md` "JSON Protobuf Encoding").
//!
//! opentelemetry-proto's `with-serde` impls already follow it: lowerCamelCase
//! keys, trace/span ids as hex, 64-bit integers as decimal strings, enums as
//! numbers, `oneof`s flattened (`"histogram": {..}`, `"asInt": "42"`). Two
//! things are fixed up here: unset message/optional fields come out as
//! `null` (`"resource": null`, `"max": null`), which not every receiver's
//! parser takes for "absent", so null members are dropped (from the
//! serialized text, in one pass: going through a `serde_json::Value` tree
//! took most of the agent's CPU when logs went to a file); and the response's
//! rejected count (`rejectedDataPoints`, `rejectedLogRecords`: int64) may
//! arrive as a string or a number.

use serde::Serialize;
use serde_json::Value;

/// The request as OTLP/JSON bytes.
pub(crate) fn encode(req: &impl Serialize) -> Result<Vec<u8>, serde_json::Error> {
    Ok(drop_null_members(&serde_json::to_vec(req)?))
}

/// Compact JSON (as `serde_json::to_vec` writes it: no whitespace) without
/// the object members whose value is `null`. Nulls inside arrays stay.
fn drop_null_members(json: &[u8]) -> Vec<u8> {
    const NULL: &[u8] = b":null";
    let mut out = Vec::with_capacity(json.len());
    // Whether each open container is an object.
    let mut objects: Vec<bool> = Vec::with_capacity(16);
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'"' => {
                let end = string_end(json, i);
                let is_key = objects.last() == Some(&true) && matches!(out.last(), Some(b'{' | b','));
                if is_key && json[end..].starts_with(NULL) {
                    match json.get(end + NULL.len()) {
                        // `"k":null,` goes with its comma.
                        Some(b',') => {
                            i = end + NULL.len() + 1;
                            continue;
                        }
                        // `,"k":null}` takes the comma before it.
                        Some(b'}') => {
                            if out.last() == Some(&b',') {
                                out.pop();
                            }
                            i = end + NULL.len();
                            continue;
                        }
                        _ => {}
                    }
                }
                out.extend_from_slice(&json[i..end]);
                i = end;
            }
            b @ (b'{' | b'[') => {
                objects.push(b == b'{');
                out.push(b);
                i += 1;
            }
            b @ (b'}' | b']') => {
                objects.pop();
                out.push(b);
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The index just past the string that opens at `start` (a `"`).
fn string_end(json: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < json.len() {
        match json[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    json.len()
}

/// The `partialSuccess` of a response: the count under `count_key`
/// (`rejectedDataPoints`, `rejectedLogRecords`; 0 when missing) and the
/// message. `None` when there is none or the body is unreadable, which
/// counts as full success.
pub(crate) fn partial_success(body: &[u8], count_key: &str) -> Option<(i64, String)> {
    let value = serde_json::from_slice::<Value>(body).ok()?;
    let partial = value.get("partialSuccess").filter(|p| p.is_object())?;
    let rejected = match partial.get(count_key) {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    };
    let message = partial.get("errorMessage").and_then(Value::as_str).unwrap_or_default().to_string();
    Some((rejected, message))
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::{
        collector::metrics::v1::ExportMetricsServiceRequest,
        common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value},
        metrics::v1::{
            Exemplar, Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
            exemplar, metric, number_data_point,
        },
    };
    use serde_json::json;

    use super::*;

    fn kv(key: &str, value: any_value::Value) -> KeyValue {
        KeyValue { key: key.into(), value: Some(AnyValue { value: Some(value) }), ..Default::default() }
    }

    fn request() -> ExportMetricsServiceRequest {
        let histogram = HistogramDataPoint {
            attributes: vec![kv("sysotel.syscall.name", any_value::Value::StringValue("read".into()))],
            start_time_unix_nano: 1,
            time_unix_nano: 2,
            count: 3,
            sum: Some(0.5),
            bucket_counts: vec![1, 2],
            explicit_bounds: vec![0.1],
            exemplars: vec![Exemplar {
                time_unix_nano: 2,
                span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
                trace_id: vec![0xab; 16],
                value: Some(exemplar::Value::AsDouble(0.2)),
                ..Default::default()
            }],
            min: Some(0.01),
            ..Default::default()
        };
        let counter = NumberDataPoint {
            attributes: vec![kv("n", any_value::Value::IntValue(5))],
            time_unix_nano: 2,
            value: Some(number_data_point::Value::AsInt(42)),
            ..Default::default()
        };
        let metrics = vec![
            Metric {
                name: "sysotel.syscall.duration".into(),
                unit: "s".into(),
                data: Some(metric::Data::Histogram(Histogram {
                    aggregation_temporality: 2,
                    data_points: vec![histogram],
                })),
                ..Default::default()
            },
            Metric {
                name: "sysotel.syscalls".into(),
                data: Some(metric::Data::Sum(Sum {
                    aggregation_temporality: 2,
                    is_monotonic: true,
                    data_points: vec![counter],
                })),
                ..Default::default()
            },
        ];
        ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: None,
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(InstrumentationScope { name: "sysotel".into(), ..Default::default() }),
                    metrics,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        }
    }

    #[test]
    fn follows_otlp_json() {
        let v: Value = serde_json::from_slice(&encode(&request()).unwrap()).unwrap();
        let rm = &v["resourceMetrics"][0];
        assert!(rm.get("resource").is_none(), "null dropped: {rm}");
        let metrics = &rm["scopeMetrics"][0]["metrics"];
        let h = &metrics[0]["histogram"];
        assert_eq!(h["aggregationTemporality"], json!(2));
        let p = &h["dataPoints"][0];
        assert_eq!(p["attributes"][0], json!({"key": "sysotel.syscall.name", "value": {"stringValue": "read"}}));
        assert_eq!((&p["startTimeUnixNano"], &p["timeUnixNano"], &p["count"]), (&json!("1"), &json!("2"), &json!("3")));
        assert_eq!(p["bucketCounts"], json!(["1", "2"]));
        assert_eq!(p["explicitBounds"], json!([0.1]));
        assert_eq!((&p["sum"], &p["min"]), (&json!(0.5), &json!(0.01)));
        assert!(p.get("max").is_none());
        let e = &p["exemplars"][0];
        assert_eq!(e["traceId"], json!("abababababababababababababababab"));
        assert_eq!(e["spanId"], json!("0102030405060708"));
        assert_eq!(e["asDouble"], json!(0.2));
        let s = &metrics[1]["sum"];
        assert_eq!(s["isMonotonic"], json!(true));
        assert_eq!(s["dataPoints"][0]["asInt"], json!("42"));
        assert_eq!(s["dataPoints"][0]["attributes"][0]["value"], json!({"intValue": "5"}));
        // And it reads back into the same request.
        let back: ExportMetricsServiceRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, request());
    }

    /// The definition `drop_null_members` must match: remove null members
    /// from every object of the parsed tree.
    fn drop_nulls(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|_, v| !v.is_null());
                map.values_mut().for_each(drop_nulls);
            }
            Value::Array(items) => items.iter_mut().for_each(drop_nulls),
            _ => {}
        }
    }

    fn same_as_tree(text: &str) {
        let mut want: Value = serde_json::from_str(text).unwrap();
        drop_nulls(&mut want);
        let compact = serde_json::to_vec(&serde_json::from_str::<Value>(text).unwrap()).unwrap();
        let got = drop_null_members(&compact);
        let got: Value = serde_json::from_slice(&got)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&drop_null_members(&compact))));
        assert_eq!(got, want, "{text}");
    }

    #[test]
    fn null_members_go_and_everything_else_stays() {
        for text in [
            r#"{"a":null}"#,
            r#"{"a":null,"b":null}"#,
            r#"{"a":1,"b":null}"#,
            r#"{"a":null,"b":1}"#,
            r#"{"a":1,"b":null,"c":2}"#,
            r#"{"a":{"x":null},"b":[null,{"y":null,"z":"null"}]}"#,
            r#"[null,{"a":null},[{"b":null}]]"#,
            r#"{"k\"\\":null,"s":"\":null,\"a\":null}","t":":null"}"#,
            r#"{"":null,"null":"null","n":[],"o":{}}"#,
        ] {
            if serde_json::from_str::<Value>(text).is_ok() {
                same_as_tree(text);
            }
        }
    }

    #[test]
    fn requests_lose_only_their_nulls() {
        let mut req = request();
        // Unset optional fields: they serialize as null.
        req.resource_metrics[0].resource = None;
        let direct = encode(&req).unwrap();
        let mut want = serde_json::to_value(&req).unwrap();
        drop_nulls(&mut want);
        assert_eq!(serde_json::from_slice::<Value>(&direct).unwrap(), want);
        assert!(!String::from_utf8(direct).unwrap().contains("null"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_documents_match_the_tree(
            doc in proptest::collection::vec((0u8..8, "[a-z\\\\\":]{0,4}"), 0..40)
        ) {
            // A random nesting of objects, arrays, nulls and tricky strings.
            let mut text = String::new();
            let mut open: Vec<bool> = Vec::new();
            let mut first = true;
            for (op, s) in doc {
                let in_object = open.last() == Some(&true);
                let sep = if first { "" } else { "," };
                let key = if in_object { format!("{}:", serde_json::to_string(&s).unwrap()) } else { String::new() };
                match op {
                    0 => { text += &format!("{sep}{key}{{"); open.push(true); first = true; continue; }
                    1 => { text += &format!("{sep}{key}["); open.push(false); first = true; continue; }
                    2 | 3 => text += &format!("{sep}{key}null"),
                    4 => text += &format!("{sep}{key}{}", serde_json::to_string(&s).unwrap()),
                    5 => { if let Some(o) = open.pop() { text.push(if o { '}' } else { ']' }); } }
                    _ => text += &format!("{sep}{key}1"),
                }
                first = false;
            }
            while let Some(o) = open.pop() { text.push(if o { '}' } else { ']' }); }
            let text = format!("[{text}]");
            if serde_json::from_str::<Value>(&text).is_ok() {
                same_as_tree(&text);
            }
        }
    }

    #[test]
    fn responses_take_strings_or_numbers() {
        let body = br#"{"partialSuccess":{"rejectedDataPoints":"2","errorMessage":"x"}}"#;
        assert_eq!(partial_success(body, "rejectedDataPoints"), Some((2, "x".into())));
        let body = br#"{"partialSuccess":{"rejectedLogRecords":7}}"#;
        assert_eq!(partial_success(body, "rejectedLogRecords"), Some((7, String::new())));
        assert_eq!(partial_success(body, "rejectedDataPoints"), Some((0, String::new())));
        assert_eq!(partial_success(br#"{"partialSuccess":null}"#, "rejectedLogRecords"), None);
        assert_eq!(partial_success(b"{}", "rejectedDataPoints"), None);
        assert_eq!(partial_success(b"", "rejectedDataPoints"), None);
    }
}

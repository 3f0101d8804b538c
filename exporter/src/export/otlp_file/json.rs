//! OTLP/JSON encoding of one request as one line.
//!
//! opentelemetry-proto's `with-serde` impls already follow the spec
//! (`protocol/otlp.md`, "JSON Protobuf Encoding"): lowerCamelCase keys,
//! trace/span ids as hex, 64-bit integers as decimal strings, enums as
//! numbers. Unset message/optional fields come out as `null`, which is
//! dropped here, as in `otlp_wire::json` (that module is private to the
//! wire sender, so its small helper is mirrored rather than shared).

use serde::Serialize;
use serde_json::Value;

/// The request as compact OTLP/JSON bytes, without a trailing newline.
///
/// Compact `serde_json` output never contains a raw newline (strings escape
/// it), so the result is always exactly one line.
pub(crate) fn encode_line(req: &impl Serialize) -> Result<Vec<u8>, serde_json::Error> {
    let mut value = serde_json::to_value(req)?;
    drop_nulls(&mut value);
    serde_json::to_vec(&value)
}

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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn drops_nulls_at_any_depth_and_stays_one_line() {
        let line = encode_line(&json!({"a": null, "b": [{"c": null, "d": "x\ny"}], "e": {"f": null}})).unwrap();
        assert_eq!(line, br#"{"b":[{"d":"x\ny"}],"e":{}}"#);
        assert!(!line.contains(&b'\n'));
    }
}

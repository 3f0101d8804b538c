//! OTLP/JSON encoding of one request as one line.
//!
//! The encoding (spec `protocol/otlp.md`, "JSON Protobuf Encoding", nulls
//! dropped) is the wire sender's, `otlp_wire::json`; this adds the one-line
//! guarantee the file format needs.

use serde::Serialize;

/// The request as compact OTLP/JSON bytes, without a trailing newline.
///
/// Compact `serde_json` output never contains a raw newline (strings escape
/// it), so the result is always exactly one line.
pub(crate) fn encode_line(req: &impl Serialize) -> Result<Vec<u8>, serde_json::Error> {
    crate::export::otlp_wire::json::encode(req)
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

//! `OTEL_EXPORTER_OTLP_[SIGNAL_]HEADERS` parsing: `key=value,key2=value2`
//! with percent-encoded values (W3C Baggage syntax, spec
//! `protocol/exporter.md`). Pure; the transports take the result as is.

use hyper::header::{HeaderName, HeaderValue};

/// Parses a header list; `Err` carries why, for [`super::ConfigError`].
///
/// Empty entries (a trailing comma) are skipped; an entry without `=` or with
/// an empty key is an error, as is a key that is not a header name or a value
/// that does not decode to visible ASCII (gRPC metadata allows nothing else).
/// Keys are lowercased.
pub(crate) fn parse_headers(raw: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let Some((key, value)) = entry.split_once('=') else {
            return Err(format!("entry {entry:?} has no '='"));
        };
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() {
            return Err(format!("entry {entry:?} has an empty key"));
        }
        if HeaderName::from_bytes(key.as_bytes()).is_err() {
            return Err(format!("{key:?} is not a valid header name"));
        }
        let value =
            percent_decode(value.trim()).ok_or_else(|| format!("the value of {key:?} is badly percent-encoded"))?;
        if !value.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) || HeaderValue::from_str(&value).is_err() {
            return Err(format!("the value of {key:?} is not printable ASCII"));
        }
        out.push((key, value));
    }
    Ok(out)
}

/// Decodes `%XX` escapes; `None` for a truncated escape, bad hex or non-UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(raw: &str) -> Vec<(String, String)> {
        parse_headers(raw).unwrap()
    }

    #[test]
    fn parses_and_decodes() {
        assert_eq!(
            pairs("api-key=abc, Authorization=Basic%20dXNlcjpwdw%3D%3D ,"),
            vec![("api-key".into(), "abc".into()), ("authorization".into(), "Basic dXNlcjpwdw==".into())]
        );
        assert_eq!(pairs("k=a=b"), vec![("k".into(), "a=b".into())]);
        assert_eq!(pairs("k="), vec![("k".into(), String::new())]);
        assert!(pairs("").is_empty());
    }

    #[test]
    fn rejects_malformed() {
        assert!(parse_headers("novalue").unwrap_err().contains("no '='"));
        assert!(parse_headers("=v").unwrap_err().contains("empty key"));
        assert!(parse_headers("bad key=v").unwrap_err().contains("header name"));
        assert!(parse_headers("k=%4").unwrap_err().contains("percent"));
        assert!(parse_headers("k=%zz").unwrap_err().contains("percent"));
        assert!(parse_headers("k=%0A").unwrap_err().contains("printable"));
        assert!(parse_headers("k=%C3%A9").unwrap_err().contains("printable"));
    }
}

//! Lossless text from kernel bytes.
//!
//! Paths and arguments are bytes, not always UTF-8. [`escape_bytes`] keeps
//! valid UTF-8 as it is and writes every byte of an invalid sequence as
//! `\xNN` (and a literal backslash as `\\` only when escaping was needed), so
//! nothing is dropped and the original bytes can be recovered.

use std::borrow::Cow;

/// Text for `bytes`: borrowed when it is valid UTF-8, escaped otherwise.
#[must_use]
pub fn escape_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(escape_invalid(bytes)),
    }
}

fn escape_invalid(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    while !bytes.is_empty() {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                push_escaped_backslashes(&mut out, s);
                break;
            }
            Err(e) => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                // SAFETY-free: `valid` is valid UTF-8 by construction.
                push_escaped_backslashes(&mut out, std::str::from_utf8(valid).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len());
                for b in &rest[..bad] {
                    out.push_str(&format!("\\x{b:02x}"));
                }
                bytes = &rest[bad..];
            }
        }
    }
    out
}

fn push_escaped_backslashes(out: &mut String, s: &str) {
    for c in s.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
}

/// The last path component of `path` (the whole input when it has no `/`).
#[must_use]
pub fn basename(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// Joins arguments with spaces, quoting those that need it, for display.
#[must_use]
pub fn display_command_line(args: &[Vec<u8>]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let text = escape_bytes(a);
        if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c == '"' || c == '\'') {
            out.push('"');
            out.push_str(&text.replace('\\', "\\\\").replace('"', "\\\""));
            out.push('"');
        } else {
            out.push_str(&text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_borrowed_unchanged() {
        assert!(matches!(escape_bytes("héllo\\x".as_bytes()), Cow::Borrowed("héllo\\x")));
    }

    #[test]
    fn invalid_bytes_are_escaped_not_dropped() {
        assert_eq!(escape_bytes(b"a\xffb\\c"), "a\\xffb\\\\c");
        assert_eq!(escape_bytes(b"\xe2\x82"), "\\xe2\\x82");
    }

    #[test]
    fn basename_and_command_line() {
        assert_eq!(basename(b"/usr/bin/ls"), b"ls");
        assert_eq!(basename(b"ls"), b"ls");
        assert_eq!(basename(b"/usr/bin/"), b"");
        let args = vec![b"sh".to_vec(), b"-c".to_vec(), b"echo hi".to_vec(), Vec::new()];
        assert_eq!(display_command_line(&args), "sh -c \"echo hi\" \"\"");
    }
}

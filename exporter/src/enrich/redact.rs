//! Secret redaction in command lines, before anything leaves the host.
//!
//! Applied to argument vectors before they become log attributes, span
//! attributes or terminal lines. Built-in patterns cover the usual ways
//! secrets ride on command lines; deployments add their own regexes
//! (`redact_patterns` in the config file, `--redact-pattern`).
//!
//! - `--password=…`, `--token=…`, `--secret=…`, `--api-key=…`,
//!   `--access-key=…`, `--auth=…` (and `-password=`, `:` separators);
//! - the value after a bare `--password`/`--token`/… flag;
//! - `NAME=value` where NAME ends in TOKEN, SECRET, PASSWORD, PASSWD, API_KEY
//!   or is `AWS_SECRET_ACCESS_KEY`;
//! - `Bearer <token>` and `Basic <credentials>`;
//! - credentials in URLs (`scheme://user:password@host`).
//!
//! Secrets are replaced by `[REDACTED]`, keeping what names them.
//!
//! Almost no argument holds a secret, so one [`RegexSet`] of every pattern
//! screens each argument in a single pass; only an argument it matches is
//! rewritten, and the others are neither copied nor scanned again.

use regex::{Regex, RegexSet};
use thiserror::Error;

/// The replacement text.
pub const REDACTED: &str = "[REDACTED]";

const FLAGS: &str =
    r"password|passwd|pass|pwd|token|secret|api[-_]?key|access[-_]?key|secret[-_]?key|auth|credentials?";

#[derive(Debug, Error)]
#[error("redaction pattern {pattern:?} is not a valid regex: {source}")]
pub struct RedactError {
    pub pattern: String,
    #[source]
    pub source: regex::Error,
}

/// Compiled redaction rules.
#[derive(Clone, Debug)]
pub struct Redactor {
    /// (pattern, replacement with `$1` keeping the name part).
    inline: Vec<(Regex, &'static str)>,
    flag: Regex,
    custom: Vec<Regex>,
    /// Every pattern above: whether a text needs a closer look.
    any: RegexSet,
}

impl Redactor {
    /// The built-in rules plus `custom` regexes (whole matches are replaced).
    ///
    /// # Errors
    /// [`RedactError`] for the first pattern that does not compile.
    pub fn new(custom: &[String]) -> Result<Self, RedactError> {
        let re = |p: &str| Regex::new(p).expect("built-in redaction pattern");
        let inline = vec![
            (re(&format!(r"(?i)(-{{1,2}}(?:{FLAGS})[=:])[^\s]+")), "${1}[REDACTED]"),
            (
                re(r"(?i)\b([A-Z0-9_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|SECRET_ACCESS_KEY)=)[^\s]+"),
                "${1}[REDACTED]",
            ),
            (re(r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9\-._~+/]+=*"), "${1}[REDACTED]"),
            (re(r"(://[^:/@\s]+:)[^@\s]+@"), "${1}[REDACTED]@"),
        ];
        let flag = re(&format!(r"(?i)^-{{1,2}}(?:{FLAGS})$"));
        let custom: Vec<Regex> = custom
            .iter()
            .map(|p| Regex::new(p).map_err(|source| RedactError { pattern: p.clone(), source }))
            .collect::<Result<_, _>>()?;
        let patterns = inline.iter().map(|(r, _)| r).chain([&flag]).chain(&custom).map(Regex::as_str);
        let any = RegexSet::new(patterns).map_err(|source| RedactError { pattern: "(all patterns)".into(), source })?;
        Ok(Self { inline, flag, custom, any })
    }

    /// Redacts one text.
    #[must_use]
    pub fn text(&self, s: &str) -> String {
        if !self.any.is_match(s) {
            return s.to_owned();
        }
        self.rewrite(s)
    }

    /// Applies every replacing pattern to a text the screen matched.
    fn rewrite(&self, s: &str) -> String {
        let mut out = s.to_string();
        for (re, with) in &self.inline {
            if re.is_match(&out) {
                out = re.replace_all(&out, *with).into_owned();
            }
        }
        for re in &self.custom {
            if re.is_match(&out) {
                out = re.replace_all(&out, REDACTED).into_owned();
            }
        }
        out
    }

    /// Redacts an argument vector in place, including the value after a
    /// bare sensitive flag. Non-UTF-8 arguments are checked through their
    /// lossless escaped form and kept as they are when nothing matches.
    pub fn redact_args(&self, args: &mut [Vec<u8>]) {
        let mut hide_next = false;
        for a in args {
            if hide_next {
                *a = REDACTED.as_bytes().to_vec();
                hide_next = false;
                continue;
            }
            let text = crate::util::text::escape_bytes(a);
            if !self.any.is_match(&text) {
                continue;
            }
            hide_next = self.flag.is_match(&text);
            // Screened just above: straight to the rewrite.
            let red = self.rewrite(&text);
            if red != text {
                *a = red.into_bytes();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r() -> Redactor {
        Redactor::new(&[]).unwrap()
    }

    fn args(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn inline_secrets() {
        let r = r();
        assert_eq!(r.text("mysql --password=hunter2 -h db"), "mysql --password=[REDACTED] -h db");
        assert_eq!(r.text("tool --api-key:abc123"), "tool --api-key:[REDACTED]");
        assert_eq!(r.text("AWS_SECRET_ACCESS_KEY=wJalr aws s3 ls"), "AWS_SECRET_ACCESS_KEY=[REDACTED] aws s3 ls");
        assert_eq!(r.text("GITHUB_TOKEN=ghp_x"), "GITHUB_TOKEN=[REDACTED]");
        assert_eq!(r.text("curl -H Authorization: Bearer eyJhbGc.x.y"), "curl -H Authorization: Bearer [REDACTED]");
        assert_eq!(
            r.text("git clone https://bob:s3cret@example.com/r"),
            "git clone https://bob:[REDACTED]@example.com/r"
        );
        assert_eq!(r.text("ls -la /tmp"), "ls -la /tmp");
    }

    #[test]
    fn value_after_a_bare_flag() {
        let redacted = |v: &[&str]| {
            let mut a = args(v);
            r().redact_args(&mut a);
            a
        };
        assert_eq!(
            redacted(&["psql", "--password", "hunter2", "-d", "app"]),
            args(&["psql", "--password", "[REDACTED]", "-d", "app"])
        );
        assert_eq!(redacted(&["x", "--token=abc", "keep"]), args(&["x", "--token=[REDACTED]", "keep"]));
        // The last argument being a bare flag hides nothing past the end.
        assert_eq!(redacted(&["ls", "-la", "--token"]), args(&["ls", "-la", "--token"]));
        assert_eq!(redacted(&["ls", "-la", "/tmp"]), args(&["ls", "-la", "/tmp"]));
    }

    #[test]
    fn the_screen_matches_whatever_a_pattern_matches() {
        // Each built-in shape, and a custom pattern, must pass the one-pass
        // screen; texts without secrets must not.
        let r = Redactor::new(&["sk_live_[0-9a-z]+".to_string()]).unwrap();
        for secret in ["--password=x", "-pwd:x", "DB_PASSWORD=x", "Bearer abc", "https://u:p@h", "pay sk_live_abc1"] {
            assert!(r.any.is_match(secret), "{secret}");
            assert_ne!(r.text(secret), secret, "{secret}");
        }
        // A bare flag passes too: it hides the next argument.
        assert!(r.any.is_match("--token"));
        for plain in ["/bin/true", "ls -la /tmp", "--verbose", "https://example.com/a:b"] {
            assert!(!r.any.is_match(plain), "{plain}");
        }
    }

    #[test]
    fn custom_patterns_and_errors() {
        let r = Redactor::new(&["sk_live_[0-9a-z]+".to_string()]).unwrap();
        assert_eq!(r.text("pay sk_live_abc123 now"), "pay [REDACTED] now");
        assert!(Redactor::new(&["(".to_string()]).is_err());
        // Non-UTF-8 arguments without secrets are kept byte for byte; with
        // one, redacted through their escaped form.
        let mut a = vec![b"\xff\xfe".to_vec(), b"--token=\xffs".to_vec()];
        r.redact_args(&mut a);
        assert_eq!(a, vec![b"\xff\xfe".to_vec(), b"--token=[REDACTED]".to_vec()]);
    }
}

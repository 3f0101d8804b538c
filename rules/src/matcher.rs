//! Precompiled right-hand sides of comparisons and how they test one value.
//!
//! Everything that can be prepared is prepared when the rule is compiled:
//! regexes and globs are built, `icontains` needles lowercased, `in` lists
//! sorted for binary search, `pmatch` prefixes stripped of trailing `/`.
//! Testing a value allocates nothing.

use std::borrow::Cow;
use std::net::IpAddr;

use globset::GlobMatcher;
use regex::Regex;

use crate::event::Value;
use crate::net::Cidr;

/// Ordering comparisons on numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A compiled comparison.
#[derive(Debug, Clone)]
pub(crate) enum Matcher {
    Exists,
    StrEq(Box<str>),
    StrNe(Box<str>),
    /// `in` / `intersects`; sorted.
    StrIn(Box<[Box<str>]>),
    StartsWith(Box<str>),
    EndsWith(Box<str>),
    Contains(Box<str>),
    /// ASCII case-insensitive; the needle is lowercased.
    IContains(Box<str>),
    /// `bcontains`: the value's bytes contain these.
    BContains(Box<[u8]>),
    /// `bstartswith`: the value's bytes start with these.
    BStartsWith(Box<[u8]>),
    Glob(Box<GlobMatcher>),
    /// Anchored at both ends, like Falco's `regex`.
    Regex(Box<Regex>),
    /// Path prefixes without trailing `/` (the root stays `/`).
    Pmatch(Box<[Box<str>]>),
    Num(Cmp, i64),
    /// `in` / `intersects` on numbers; sorted.
    NumIn(Box<[i64]>),
    BoolEq(bool),
    /// Network fields: the address lies in one of the networks (`=`, `in`),
    /// or in none of them (`!=`, when `ne`).
    Net {
        nets: Box<[Cidr]>,
        ne: bool,
    },
}

impl Matcher {
    /// Tests one extracted value. Absent values never match (except that
    /// `exists` is false for them too).
    pub fn matches(&self, value: &Value<'_>) -> bool {
        match value {
            Value::None => false,
            Value::Str(s) => self.on_str(s),
            Value::Num(n) => self.on_num(*n),
            Value::Bool(b) => self.on_bool(*b),
            Value::Many(items) if items.is_empty() => false,
            // `!=` holds when no item is equal; everything else when any item matches.
            Value::Many(items) => match self {
                Matcher::StrNe(x) => items.iter().all(|s| **s != **x),
                Matcher::Net { ne: true, .. } => items.iter().all(|s| self.on_str(s)),
                _ => items.iter().any(|s: &Cow<'_, str>| self.on_str(s)),
            },
        }
    }

    fn on_str(&self, s: &str) -> bool {
        match self {
            Matcher::Exists => true,
            Matcher::StrEq(x) => s == &**x,
            Matcher::StrNe(x) => s != &**x,
            Matcher::StrIn(set) => set.binary_search_by(|x| (**x).cmp(s)).is_ok(),
            Matcher::StartsWith(x) => s.starts_with(&**x),
            Matcher::EndsWith(x) => s.ends_with(&**x),
            Matcher::Contains(x) => s.contains(&**x),
            Matcher::IContains(x) => contains_ignore_ascii_case(s, x),
            Matcher::BContains(b) => b.is_empty() || s.as_bytes().windows(b.len()).any(|w| w == &**b),
            Matcher::BStartsWith(b) => s.as_bytes().starts_with(b),
            Matcher::Glob(g) => g.is_match(s),
            Matcher::Regex(r) => r.is_match(s),
            Matcher::Pmatch(prefixes) => prefixes.iter().any(|p| path_under(s, p)),
            // Numbers and booleans given as text.
            Matcher::Num(..) | Matcher::NumIn(_) => s.trim().parse().is_ok_and(|n| self.on_num(n)),
            Matcher::BoolEq(_) => s.parse().is_ok_and(|b| self.on_bool(b)),
            // An address that does not parse is in no network; like a missing
            // value, it makes `!=` false too.
            Matcher::Net { nets, ne } => match s.trim().parse::<IpAddr>() {
                Ok(ip) => nets.iter().any(|n| n.contains(ip)) != *ne,
                Err(_) => false,
            },
        }
    }

    fn on_num(&self, n: i64) -> bool {
        match self {
            Matcher::Exists => true,
            Matcher::Num(cmp, x) => match cmp {
                Cmp::Eq => n == *x,
                Cmp::Ne => n != *x,
                Cmp::Lt => n < *x,
                Cmp::Le => n <= *x,
                Cmp::Gt => n > *x,
                Cmp::Ge => n >= *x,
            },
            Matcher::NumIn(set) => set.binary_search(&n).is_ok(),
            _ => false,
        }
    }

    fn on_bool(&self, b: bool) -> bool {
        match self {
            Matcher::Exists => true,
            Matcher::BoolEq(x) => b == *x,
            _ => false,
        }
    }
}

/// True when `path` is `prefix` or lies below it (`/etc/x` under `/etc`).
fn path_under(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/') || prefix.ends_with('/'),
        None => false,
    }
}

/// `needle` must already be ASCII-lowercase.
fn contains_ignore_ascii_case(hay: &str, needle: &str) -> bool {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    needle.is_empty() || hay.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pmatch_is_a_path_prefix_match() {
        assert!(path_under("/etc", "/etc"));
        assert!(path_under("/etc/shadow", "/etc"));
        assert!(!path_under("/etcetera", "/etc"));
        assert!(path_under("/anything", "/"));
        assert!(!path_under("/et", "/etc"));
    }

    #[test]
    fn icontains_ignores_ascii_case() {
        assert!(contains_ignore_ascii_case("Hello WORLD", "o wor"));
        assert!(!contains_ignore_ascii_case("Hello", "hellO!"));
        assert!(contains_ignore_ascii_case("", ""));
    }

    #[test]
    fn many_values_match_any_but_ne_needs_none() {
        let many = Value::Many(vec!["bash".into(), "sshd".into()]);
        assert!(Matcher::StrEq("sshd".into()).matches(&many));
        assert!(!Matcher::StrNe("sshd".into()).matches(&many));
        assert!(Matcher::StrNe("zsh".into()).matches(&many));
        assert!(!Matcher::Exists.matches(&Value::Many(vec![])));
        assert!(!Matcher::StrNe("x".into()).matches(&Value::None));
    }

    #[test]
    fn net_matches_addresses_in_networks() {
        let rfc1918: Box<[Cidr]> =
            ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].iter().map(|s| Cidr::parse(s).unwrap()).collect();
        let inside = Matcher::Net { nets: rfc1918.clone(), ne: false };
        let outside = Matcher::Net { nets: rfc1918, ne: true };
        assert!(inside.matches(&"192.168.1.10".into()));
        assert!(!outside.matches(&"192.168.1.10".into()));
        assert!(!inside.matches(&"8.8.8.8".into()));
        assert!(outside.matches(&"8.8.8.8".into()));
        // Missing or unparsable addresses match neither way.
        for v in [Value::None, "not-an-ip".into()] {
            assert!(!inside.matches(&v) && !outside.matches(&v));
        }
    }

    #[test]
    fn bytes_operators_compare_raw_bytes() {
        let b = |s: &str| -> Box<[u8]> { s.as_bytes().into() };
        assert!(Matcher::BContains(b("GET /")).matches(&"xGET /index".into()));
        assert!(!Matcher::BContains(b("POST")).matches(&"GET /".into()));
        assert!(Matcher::BStartsWith(b("\x7fELF")).matches(&"\x7fELF..".into()));
        assert!(!Matcher::BStartsWith(b("ELF")).matches(&"\x7fELF".into()));
    }
}

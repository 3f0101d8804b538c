//! Whether a path, as a caller passed it, can be matched against watched
//! prefixes byte by byte.
//!
//! The kernel decides whether a read-only open is worth a record by comparing
//! the path's first bytes with the watched prefixes (`/etc/shadow`...). That
//! is only sound for a path already in normal form: absolute, with no empty,
//! `.` or `..` component. `shadow` opened in `/etc`, `/etc/./shadow`,
//! `//etc/shadow` and `/tmp/../etc/shadow` all name `/etc/shadow` without
//! starting with it. Such a path goes to userspace, which joins it to the
//! caller's directory, normalises it and decides ([`needs_resolution`]).
//!
//! The check runs on every read-only open in the kernel, so it works a word
//! at a time: per 8 bytes, two byte-equality masks gathered into bit sets,
//! then three patterns found with shifts. No per-byte loop.

/// Bytes of the path the check sees (the watched prefixes' maximum length).
pub const PATH_SHAPE_BYTES: usize = 64;

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const ONES: u64 = 0x0101_0101_0101_0101;
/// Moves bit 0 of byte `i` to bit `56 + i` (see [`byte_bits`]).
const GATHER: u64 = 0x0102_0408_1020_4080;

/// Bit `i` set when byte `i` of `word` (little-endian) is `c`.
#[must_use]
#[inline(always)]
pub const fn byte_bits(word: u64, c: u8) -> u64 {
    let x = word ^ (c as u64).wrapping_mul(ONES);
    // 0x80 in each byte of `x` that is zero, nothing elsewhere (no carry
    // crosses a byte: (b & 0x7f) + 0x7f <= 0xfe).
    let zero = !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7);
    (zero >> 7).wrapping_mul(GATHER) >> 56
}

/// Whether the path whose first bytes are `words` (little-endian, `len`
/// bytes valid: the string's length, or more than [`PATH_SHAPE_BYTES`] when
/// it is longer) must be resolved before a prefix comparison: relative, or
/// with a `//`, `/./` or `/../` (or a trailing `/.` or `/..`) in its first
/// [`PATH_SHAPE_BYTES`] bytes. Bytes past `len` are ignored, whatever they
/// hold.
///
/// A `.` or `..` component that starts in the last three bytes seen may be
/// missed: it can only change components past the longest watched prefix.
#[must_use]
#[inline(always)]
pub fn needs_resolution(words: &[u64; PATH_SHAPE_BYTES / 8], len: usize) -> bool {
    if len == 0 {
        return false;
    }
    if words[0] as u8 != b'/' {
        return true;
    }
    let mut slashes = 0u64;
    let mut dots = 0u64;
    let mut k = 0;
    while k < words.len() {
        if k * 8 >= len {
            break;
        }
        slashes |= byte_bits(words[k], b'/') << (k * 8);
        dots |= byte_bits(words[k], b'.') << (k * 8);
        k += 1;
    }
    let (valid, end) = if len >= PATH_SHAPE_BYTES { (u64::MAX, 0) } else { ((1u64 << len) - 1, 1u64 << len) };
    let s = slashes & valid;
    let d = dots & valid;
    // Where a component may end: a slash, or the end of the string.
    let e = s | end;
    let empty = s & (s >> 1);
    let dot = s & (d >> 1) & (e >> 2);
    let dot_dot = s & (d >> 1) & (d >> 2) & (e >> 3);
    empty | dot | dot_dot != 0
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::{string::String, vec::Vec};

    use super::*;

    /// The path's first 64 bytes as words, with `junk` after its end (the
    /// kernel's buffer holds whatever an earlier call left there).
    fn words_of(path: &[u8], junk: u8) -> ([u64; 8], usize) {
        let mut bytes = [junk; PATH_SHAPE_BYTES];
        let n = path.len().min(PATH_SHAPE_BYTES);
        bytes[..n].copy_from_slice(&path[..n]);
        if n < PATH_SHAPE_BYTES {
            bytes[n] = 0;
        }
        let mut words = [0u64; 8];
        for (i, w) in words.iter_mut().enumerate() {
            *w = u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap());
        }
        (words, path.len().min(PATH_SHAPE_BYTES + 1))
    }

    /// The rule, written plainly over the bytes the kernel sees.
    fn reference(path: &str) -> bool {
        if path.is_empty() {
            return false;
        }
        if !path.starts_with('/') {
            return true;
        }
        let seen = &path[..path.len().min(PATH_SHAPE_BYTES)];
        let complete = path.len() < PATH_SHAPE_BYTES;
        let parts: Vec<&str> = seen[1..].split('/').collect();
        parts.iter().enumerate().any(|(i, c)| {
            let last = i + 1 == parts.len();
            // The last part of a cut path may go on past what was seen.
            let whole = !last || complete;
            (c.is_empty() && !last) || (whole && (*c == "." || *c == ".."))
        })
    }

    fn check(path: &str) {
        for junk in [0u8, b'/', b'.', b'a'] {
            let (w, len) = words_of(path.as_bytes(), junk);
            assert_eq!(needs_resolution(&w, len), reference(path), "{path:?} (junk {junk:?})");
        }
    }

    #[test]
    fn normal_paths_are_compared_as_they_are() {
        for p in ["/", "/etc/shadow", "/dev/null", "/root/.ssh/id_rsa", "/home/u/.bashrc", "/a/...", "/etc/", "/.x/..y"]
        {
            check(p);
            assert!(!needs_resolution(&words_of(p.as_bytes(), b'/').0, p.len()), "{p}");
        }
    }

    #[test]
    fn relative_and_dotted_paths_are_resolved_first() {
        for p in [
            "shadow",
            "./shadow",
            "../etc/shadow",
            "//etc/shadow",
            "/etc//shadow",
            "/etc/./shadow",
            "/tmp/../etc/shadow",
            "/etc/ssh/..",
            "/etc/.",
            "/.",
            "/..",
            "/usr/lib/x86_64-linux-gnu/../../../etc/shadow",
        ] {
            check(p);
            assert!(needs_resolution(&words_of(p.as_bytes(), 0).0, p.len()), "{p}");
        }
    }

    #[test]
    fn every_position_of_a_pattern_is_found_and_nothing_past_the_end() {
        // Each pattern at each offset, in paths shorter and longer than the
        // bytes seen; then normal paths of every length.
        for pad in 0..70 {
            let a: String = "a".repeat(pad);
            for tail in ["//x", "/./x", "/../x", "/.", "/..", "/.x", "/..x", "/x.", "/"] {
                check(&std::format!("/{a}{tail}"));
                check(&std::format!("/{a}{tail}/and/more/bytes/after/it/to/pass/sixty-four"));
            }
        }
    }

    #[test]
    fn byte_bits_marks_exactly_the_matching_bytes() {
        let w = u64::from_le_bytes(*b"/a./\x00\x80/.");
        assert_eq!(byte_bits(w, b'/'), 0b0100_1001);
        assert_eq!(byte_bits(w, b'.'), 0b1000_0100);
        assert_eq!(byte_bits(w, 0), 0b0001_0000);
        assert_eq!(byte_bits(w, 0x80), 0b0010_0000);
    }
}

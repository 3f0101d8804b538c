//! Deterministic span and trace ids.
//!
//! Ids hash what identifies the thing (a process image: pid, start time and
//! exec number; a container: its id) together with a per-boot salt (the
//! kernel's `boot_id`), so they are stable within a boot and do not collide
//! across hosts or reboots. A child computes nothing: it reads its parent's
//! id from the open span, which exists from the parent's exec.

use std::hash::{Hash, Hasher};

use opentelemetry::trace::{SpanId, TraceId};

/// The ids of one span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanRef {
    pub trace_id: TraceId,
    pub span_id: SpanId,
}

/// Per-boot salt mixed into every id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdSalt(String);

impl IdSalt {
    /// From `/proc/sys/kernel/random/boot_id` (under `proc_root`), or the
    /// agent's start time when it cannot be read.
    #[must_use]
    pub fn from_boot_id(proc_root: &std::path::Path) -> Self {
        let id = std::fs::read_to_string(proc_root.join("sys/kernel/random/boot_id"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| format!("{:?}", std::time::SystemTime::now()));
        Self(id)
    }

    /// A fixed salt (tests).
    #[must_use]
    pub fn fixed(s: &str) -> Self {
        Self(s.to_string())
    }

    fn hash64(&self, parts: &impl Hash, lane: u8) -> u64 {
        // FNV-1a over a stable encoding: the same on every run and build.
        struct Fnv(u64);
        impl Hasher for Fnv {
            fn finish(&self) -> u64 {
                self.0
            }
            fn write(&mut self, bytes: &[u8]) {
                for b in bytes {
                    self.0 ^= u64::from(*b);
                    self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        self.0.hash(&mut h);
        lane.hash(&mut h);
        parts.hash(&mut h);
        // Final avalanche (splitmix64) so nearby pids give unrelated ids.
        let mut z = h.finish().wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A non-zero span id for `parts`.
    pub fn span_id(&self, parts: &impl Hash) -> SpanId {
        SpanId::from_bytes(self.hash64(parts, 1).max(1).to_be_bytes())
    }

    /// A non-zero trace id for `parts`.
    pub fn trace_id(&self, parts: &impl Hash) -> TraceId {
        let hi = self.hash64(parts, 2);
        let lo = self.hash64(parts, 3).max(1);
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&hi.to_be_bytes());
        b[8..].copy_from_slice(&lo.to_be_bytes());
        TraceId::from_bytes(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_distinct_and_valid() {
        let a = IdSalt::fixed("boot-a");
        assert_eq!(a.span_id(&(1u32, 2u64)), a.span_id(&(1u32, 2u64)));
        assert_ne!(a.span_id(&(1u32, 2u64)), a.span_id(&(2u32, 2u64)));
        assert_ne!(a.span_id(&(1u32, 2u64)), IdSalt::fixed("boot-b").span_id(&(1u32, 2u64)));
        assert_ne!(a.trace_id(&"c"), TraceId::INVALID);
        assert_ne!(a.span_id(&"c"), SpanId::INVALID);
    }
}

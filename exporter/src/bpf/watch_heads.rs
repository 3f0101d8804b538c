//! The first-stage filter of watched-path reads (`SEC_WATCH_HEADS`).
//!
//! Every unwatched open for reading used to pay for a string read of its
//! path and a lookup in the `SEC_WATCH` LPM trie (two helper calls, about
//! 100 ns here). The kernel now reads the path's first 64 bytes once, keeps
//! the first `n` of them (`n` is the shortest watched prefix's length, at most
//! 8: the "head") and looks the head up in a small open-addressed table it
//! reads with inlined array lookups. Only a path whose head is a watched
//! prefix's head goes on to the trie. (A path not in normal form never gets
//! here: userspace judges it, see `security::watch`.)
//!
//! No watched read is lost: a path below a watched prefix starts with that
//! prefix's first `n` bytes. A path shorter than `n` bytes holds a NUL in its
//! head (whatever follows it), and no watched prefix does, so it never
//! matches by accident.

use exporter_common::events::security::{
    SEC_WATCH_HEAD_PROBES, SEC_WATCH_HEAD_SLOTS, SEC_WATCH_PREFIX_MAX, watch_head_mask, watch_head_slot,
};

/// The table and mask to load; a mask of 0 turns the filter off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchHeads {
    pub mask: u64,
    /// `(slot, head)` pairs of the filled slots.
    pub slots: Vec<(u32, u64)>,
}

impl WatchHeads {
    /// No filter: every read is checked against the trie.
    pub const OFF: WatchHeads = WatchHeads { mask: 0, slots: Vec::new() };

    /// Builds the table for the trie keys `(bits, data)` of the watched
    /// prefixes. Off when there are none, or when a head cannot be placed
    /// within [`SEC_WATCH_HEAD_PROBES`] slots of its home.
    #[must_use]
    pub fn build(keys: &[(u32, [u8; SEC_WATCH_PREFIX_MAX])]) -> WatchHeads {
        let Some(shortest) = keys.iter().map(|(bits, _)| (*bits / 8) as usize).min() else {
            return WatchHeads::OFF;
        };
        if shortest == 0 {
            return WatchHeads::OFF;
        }
        let mask = watch_head_mask(shortest);
        let mut table = vec![0u64; SEC_WATCH_HEAD_SLOTS as usize];
        for (_, data) in keys {
            let head = head_of(data, mask);
            if !place(&mut table, head) {
                return WatchHeads::OFF;
            }
        }
        let slots = table.iter().enumerate().filter(|(_, h)| **h != 0).map(|(i, h)| (i as u32, *h)).collect();
        WatchHeads { mask, slots }
    }

    /// What the kernel decides for a path: `true` when it goes on to the
    /// trie. Follows the kernel's probe sequence; only the tests need it.
    #[cfg(test)]
    fn passes(&self, path: &[u8]) -> bool {
        if self.mask == 0 {
            return true;
        }
        let mut raw = [0u8; 8];
        let n = path.len().min(8);
        raw[..n].copy_from_slice(&path[..n]);
        let head = u64::from_le_bytes(raw) & self.mask;
        let home = watch_head_slot(head);
        for probe in 0..SEC_WATCH_HEAD_PROBES {
            let slot = (home + probe) & (SEC_WATCH_HEAD_SLOTS - 1);
            match self.slots.iter().find(|(s, _)| *s == slot) {
                Some((_, h)) if *h == head => return true,
                Some(_) => {}
                None => return false,
            }
        }
        false
    }
}

/// The head of a prefix: its first bytes, as the kernel reads a path.
fn head_of(data: &[u8; SEC_WATCH_PREFIX_MAX], mask: u64) -> u64 {
    let mut raw = [0u8; 8];
    raw.copy_from_slice(&data[..8]);
    u64::from_le_bytes(raw) & mask
}

/// Puts `head` in its first free slot (or finds it there already).
fn place(table: &mut [u64], head: u64) -> bool {
    let home = watch_head_slot(head);
    for probe in 0..SEC_WATCH_HEAD_PROBES {
        let slot = ((home + probe) & (SEC_WATCH_HEAD_SLOTS - 1)) as usize;
        if table[slot] == head {
            return true;
        }
        if table[slot] == 0 {
            table[slot] = head;
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(prefixes: &[&str]) -> Vec<(u32, [u8; SEC_WATCH_PREFIX_MAX])> {
        prefixes
            .iter()
            .map(|p| {
                let mut data = [0u8; SEC_WATCH_PREFIX_MAX];
                data[..p.len()].copy_from_slice(p.as_bytes());
                ((p.len() * 8) as u32, data)
            })
            .collect()
    }

    /// A path with `garbage` after its NUL, as user memory may hold.
    fn c_path(path: &str, garbage: u8) -> Vec<u8> {
        let mut v = path.as_bytes().to_vec();
        v.push(0);
        v.extend_from_slice(&[garbage; 8]);
        v
    }

    #[test]
    fn heads_pass_watched_paths_and_stop_the_rest() {
        let prefixes = crate::security::config::DEFAULT_WATCH;
        let heads = WatchHeads::build(&keys(prefixes));
        assert_eq!(heads.mask, u64::MAX, "every default prefix is at least 8 bytes");
        for p in prefixes {
            assert!(heads.passes(&c_path(p, b'x')), "{p}");
            assert!(heads.passes(&c_path(&format!("{p}more/file"), 0)), "{p}");
        }
        for p in ["/dev/null", "/etc/passwd", "/usr/lib/libc.so.6", "/proc/self/stat", "relative/etc/shadow", "/"] {
            assert!(!heads.passes(&c_path(p, b'/')), "{p}");
        }
    }

    #[test]
    fn a_short_prefix_shortens_every_head() {
        let heads = WatchHeads::build(&keys(&["/etc/shadow", "/srv"]));
        assert_eq!(heads.mask, watch_head_mask(4));
        assert!(heads.passes(&c_path("/srv/data", 0)));
        assert!(heads.passes(&c_path("/etc/shadow", 0)));
        // Same 4-byte head as /etc/shadow: passes the first stage, and the
        // trie decides.
        assert!(heads.passes(&c_path("/etc/passwd", 0)));
        assert!(!heads.passes(&c_path("/usr/bin", 0)));
        // Shorter than the head: its NUL is in the head, whatever follows.
        assert!(!heads.passes(&c_path("/sr", b'v')));
    }

    #[test]
    fn no_prefixes_or_root_turn_the_filter_off() {
        assert_eq!(WatchHeads::build(&[]), WatchHeads::OFF);
        let heads = WatchHeads::build(&keys(&["/", "/etc/shadow"]));
        assert_eq!(heads.mask, watch_head_mask(1));
        assert!(heads.passes(&c_path("/anything", 0)));
    }

    #[test]
    fn a_full_table_places_every_head() {
        let many: Vec<String> = (0..256).map(|i| format!("/{i:07}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let heads = WatchHeads::build(&keys(&refs));
        assert_eq!(heads.mask, u64::MAX);
        assert_eq!(heads.slots.len(), 256);
        for p in &many {
            assert!(heads.passes(&c_path(&format!("{p}/x"), 0)), "{p}");
        }
        assert!(!heads.passes(&c_path("/9999999", 0)));
    }

    #[test]
    fn heads_that_cannot_be_placed_turn_the_filter_off() {
        // Nine 8-byte heads with one home slot: the ninth has no slot left.
        let mut same = Vec::new();
        let mut i = 0u32;
        while same.len() < (SEC_WATCH_HEAD_PROBES + 1) as usize {
            let p = format!("/{i:07}");
            if watch_head_slot(u64::from_le_bytes(p.as_bytes().try_into().unwrap())) == 7 {
                same.push(p);
            }
            i += 1;
        }
        let refs: Vec<&str> = same.iter().map(String::as_str).collect();
        assert_eq!(WatchHeads::build(&keys(&refs)), WatchHeads::OFF);
        assert_eq!(WatchHeads::build(&keys(&refs[..8])).slots.len(), 8);
    }
}

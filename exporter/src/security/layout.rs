//! From the catalog and the configuration to the kernel tables: one
//! [`SecLayout`] per enabled syscall number, and the watched path prefixes.

use exporter_common::events::security::{
    SEC_ARG_NONE, SEC_FILTER_KILL_OTHER, SEC_FILTER_NONE, SEC_FILTER_OPEN, SEC_FILTER_PRCTL_NAME, SEC_FLAGS_DEREF,
    SEC_SOCKLEN_PTR, SEC_WATCH_MAX_ENTRIES, SEC_WATCH_PREFIX_MAX, SecLayout,
};
use exporter_common::syscalls::SyscallSpec;

use super::{
    catalog::{Arg, Filter, SYSCALLS, SyscallDef},
    config::SecurityConfig,
};

/// The kernel layout of one syscall.
#[must_use]
pub fn layout_of(def: &SyscallDef) -> SecLayout {
    let idx = |kind: Arg, n: usize| def.nth_of(kind, n).map_or(SEC_ARG_NONE, |i| i as u8);
    let deref = match def.nth_of(Arg::OpenHow, 0).or_else(|| def.nth_of(Arg::CapData, 0)) {
        Some(i) => i as u8,
        None => SEC_ARG_NONE,
    };
    let sock_len = match (def.nth_of(Arg::SockLen, 0), def.nth_of(Arg::SockLenPtr, 0)) {
        (Some(i), _) => i as u8,
        (None, Some(i)) => i as u8 | SEC_SOCKLEN_PTR,
        (None, None) => SEC_ARG_NONE,
    };
    let (filter, filter_arg) = match def.filter {
        Filter::None => (SEC_FILTER_NONE, SEC_ARG_NONE),
        Filter::Open => match (def.nth_of(Arg::OpenFlags, 0), def.nth_of(Arg::OpenHow, 0)) {
            (Some(i), _) => (SEC_FILTER_OPEN, i as u8),
            (None, Some(_)) => (SEC_FILTER_OPEN, SEC_FLAGS_DEREF),
            (None, None) => (SEC_FILTER_NONE, SEC_ARG_NONE),
        },
        Filter::PrctlName => (SEC_FILTER_PRCTL_NAME, SEC_ARG_NONE),
        Filter::KillOther(sig) => (SEC_FILTER_KILL_OTHER, sig),
    };
    SecLayout {
        enabled: 1,
        path: [idx(Arg::Path, 0), idx(Arg::Path, 1)],
        aux: idx(Arg::Str, 0),
        sock: idx(Arg::Sockaddr, 0),
        sock_len,
        deref,
        filter,
        filter_arg,
        base_fd: base_fd(def),
        reserved: [0; 6],
    }
}

/// The descriptor the kernel names: the `*at` directory of the first path,
/// or the descriptor of a call that has no path at all.
fn base_fd(def: &SyscallDef) -> u8 {
    match def.nth_of(Arg::Path, 0) {
        Some(p) if p > 0 && def.args[p - 1].1 == Arg::Dirfd => (p - 1) as u8,
        Some(_) => SEC_ARG_NONE,
        None if def.category == super::catalog::Category::File || def.name == "finit_module" => {
            def.nth_of(Arg::Fd, 0).map_or(SEC_ARG_NONE, |i| i as u8)
        }
        None => SEC_ARG_NONE,
    }
}

/// `(nr, layout)` for every syscall of an enabled category that exists on
/// this architecture.
#[must_use]
pub fn kernel_layouts(config: &SecurityConfig) -> Vec<(u32, SecLayout)> {
    SYSCALLS
        .iter()
        .filter(|d| config.categories.contains(&d.category))
        .filter_map(|d| Some((d.nr()?, layout_of(d))))
        .collect()
}

/// Merges the security layouts into the other per-syscall specs (slow
/// thresholds, connection roles), sorted by number.
#[must_use]
pub fn merge_specs(specs: Vec<(u32, SyscallSpec)>, layouts: Vec<(u32, SecLayout)>) -> Vec<(u32, SyscallSpec)> {
    let mut by_nr: std::collections::BTreeMap<u32, SyscallSpec> = specs.into_iter().collect();
    for (nr, security) in layouts {
        by_nr.entry(nr).or_insert(SyscallSpec::OFF).security = security;
    }
    by_nr.into_iter().collect()
}

/// The LPM-trie keys of the watched prefixes: `(bits, data)`.
///
/// # Errors
/// A prefix that is empty, not absolute, or longer than the kernel compares.
pub fn watch_keys(config: &SecurityConfig) -> Result<Vec<(u32, [u8; SEC_WATCH_PREFIX_MAX])>, String> {
    if config.watch.len() > SEC_WATCH_MAX_ENTRIES as usize {
        return Err(format!("at most {SEC_WATCH_MAX_ENTRIES} watched paths, got {}", config.watch.len()));
    }
    config
        .watch
        .iter()
        .map(|p| {
            if !p.starts_with('/') {
                return Err(format!("watched path {p:?} is not absolute"));
            }
            if p.len() > SEC_WATCH_PREFIX_MAX {
                return Err(format!("watched path {p:?} is longer than {SEC_WATCH_PREFIX_MAX} bytes"));
            }
            let mut data = [0u8; SEC_WATCH_PREFIX_MAX];
            data[..p.len()].copy_from_slice(p.as_bytes());
            Ok(((p.len() * 8) as u32, data))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use exporter_common::events::security::SEC_FILTER_OPEN;

    use super::*;
    use crate::security::catalog::{Category, by_name};

    #[test]
    fn layouts_point_at_the_right_arguments() {
        let l = layout_of(by_name("openat").unwrap());
        assert_eq!((l.path, l.filter, l.filter_arg), ([1, SEC_ARG_NONE], SEC_FILTER_OPEN, 2));
        let l = layout_of(by_name("openat2").unwrap());
        assert_eq!((l.deref, l.filter_arg), (2, SEC_FLAGS_DEREF));
        let l = layout_of(by_name("renameat2").unwrap());
        assert_eq!(l.path, [1, 3]);
        let l = layout_of(by_name("accept4").unwrap());
        assert_eq!((l.sock, l.sock_len), (1, 2 | SEC_SOCKLEN_PTR));
        let l = layout_of(by_name("mount").unwrap());
        assert_eq!((l.path, l.aux), ([0, 1], 2));
        let l = layout_of(by_name("tgkill").unwrap());
        assert_eq!((l.filter, l.filter_arg), (SEC_FILTER_KILL_OTHER, 2));
        let l = layout_of(by_name("capset").unwrap());
        assert_eq!(l.deref, 1);
        assert_eq!(layout_of(by_name("unlinkat").unwrap()).base_fd, 0);
        assert_eq!(layout_of(by_name("unlink").unwrap()).base_fd, SEC_ARG_NONE);
        assert_eq!(layout_of(by_name("fchmod").unwrap()).base_fd, 0);
        assert_eq!(layout_of(by_name("finit_module").unwrap()).base_fd, 0);
        assert_eq!(layout_of(by_name("connect").unwrap()).base_fd, SEC_ARG_NONE);
    }

    #[test]
    fn categories_filter_the_table() {
        let mut cfg = SecurityConfig::default();
        cfg.categories.retain(|c| *c == Category::Module);
        let names: Vec<u32> = kernel_layouts(&cfg).into_iter().map(|(nr, _)| nr).collect();
        assert_eq!(names.len(), 3);
    }

    #[test]
    fn merge_keeps_slow_thresholds() {
        let slow = vec![(2, SyscallSpec { threshold_ns: 5, ..SyscallSpec::OFF })];
        let l = layout_of(by_name("openat").unwrap());
        let merged = merge_specs(slow, vec![(2, l), (90, l)]);
        assert_eq!(merged.len(), 2);
        assert_eq!((merged[0].1.threshold_ns, merged[0].1.security), (5, l));
        assert_eq!((merged[1].0, merged[1].1.threshold_ns), (90, 0));
    }

    #[test]
    fn watch_keys_are_checked() {
        let mut cfg = SecurityConfig { watch: vec!["/etc/shadow".into()], ..SecurityConfig::default() };
        let keys = watch_keys(&cfg).unwrap();
        assert_eq!(keys[0].0, 11 * 8);
        assert_eq!(&keys[0].1[..11], b"/etc/shadow");
        cfg.watch = vec!["etc".into()];
        assert!(watch_keys(&cfg).unwrap_err().contains("not absolute"));
        cfg.watch = vec![format!("/{}", "a".repeat(80))];
        assert!(watch_keys(&cfg).unwrap_err().contains("longer"));
    }
}

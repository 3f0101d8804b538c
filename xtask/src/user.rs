//! Who we run as: root, or a user holding the capabilities eBPF loading needs.

use std::fs;

const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;

/// Whether the effective user id is 0.
pub fn is_root() -> bool {
    status_field("Uid:").and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0")) == Some(true)
}

/// Root, `CAP_SYS_ADMIN`, or `CAP_BPF` together with `CAP_PERFMON`.
pub fn can_load_bpf() -> bool {
    let effective = status_field("CapEff:").and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok());
    let has = |cap: u32| effective.is_some_and(|caps| caps & (1 << cap) != 0);
    is_root() || has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON))
}

/// The value of a `/proc/self/status` line such as `Uid:`.
fn status_field(name: &str) -> Option<String> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| line.strip_prefix(name)).map(str::to_owned)
}

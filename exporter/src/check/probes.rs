//! The individual probes.

use std::path::Path;

use caps::{CapSet, Capability};

use super::{Finding, Report};
use crate::{
    bpf::{self, offsets::VMLINUX_BTF},
    system,
};

/// Runs every probe. With `try_load`, and when privileges and tracefs allow
/// it, also loads and attaches the programs once and detaches them.
#[must_use]
pub fn run_checks(try_load: bool) -> Report {
    let mut findings = Vec::new();
    let privileged = privileges(&mut findings);
    kernel_version(&mut findings);
    let resolved = btf(&mut findings);
    let tracefs_ok = tracefs(&mut findings, has(Capability::CAP_SYS_ADMIN));
    cgroup2(&mut findings);
    memlock(&mut findings);
    if try_load && privileged && tracefs_ok {
        load(&mut findings, resolved);
    }
    Report { findings }
}

fn has(cap: Capability) -> bool {
    caps::has_cap(None, CapSet::Effective, cap).unwrap_or(false)
}

fn privileges(out: &mut Vec<Finding>) -> bool {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    let bpf = has(Capability::CAP_BPF) || has(Capability::CAP_SYS_ADMIN);
    let perfmon = has(Capability::CAP_PERFMON) || has(Capability::CAP_SYS_ADMIN);
    if bpf && perfmon {
        let who =
            if euid == 0 { "running as root".to_string() } else { format!("uid {euid} with CAP_BPF and CAP_PERFMON") };
        out.push(Finding::ok("privileges", who));
        return true;
    }
    out.push(Finding::fail(
        "privileges",
        format!(
            "uid {euid} lacks {}: loading eBPF programs needs root, or CAP_BPF + CAP_PERFMON (+ CAP_SYS_RESOURCE, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH for full data); run `sudo sysotel run`",
            match (bpf, perfmon) {
                (false, false) => "CAP_BPF and CAP_PERFMON",
                (false, true) => "CAP_BPF",
                _ => "CAP_PERFMON",
            }
        ),
    ));
    false
}

fn kernel_version(out: &mut Vec<Finding>) {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let release = release.trim();
    match parse_version(release) {
        Some(v) if v >= (5, 8) => {
            out.push(Finding::ok("kernel", format!("Linux {release} (BPF ring buffer needs 5.8)")))
        }
        Some(_) => out.push(Finding::fail(
            "kernel",
            format!("Linux {release} is older than 5.8, which introduced the BPF ring buffer sysotel uses"),
        )),
        None => out.push(Finding::warn("kernel", format!("cannot parse kernel release {release:?}"))),
    }
}

/// `(major, minor)` of a kernel release such as `6.18.44-fc`.
pub(crate) fn parse_version(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

fn btf(out: &mut Vec<Finding>) -> bpf::offsets::Resolved {
    let unknown = bpf::offsets::Resolved { offsets: exporter_common::offsets::KernelOffsets::UNKNOWN, missing: vec![] };
    if !Path::new(VMLINUX_BTF).exists() {
        out.push(Finding::warn(
            "btf",
            format!("{VMLINUX_BTF} is absent (kernel without CONFIG_DEBUG_INFO_BTF): no fork events, and parent pids, arguments and effective ids come from /proc only"),
        ));
        return unknown;
    }
    match bpf::resolve_offsets(Path::new(VMLINUX_BTF)) {
        Ok(r) if r.missing.is_empty() => {
            out.push(Finding::ok("btf", format!("{VMLINUX_BTF}: all kernel structure offsets resolved")));
            r
        }
        Ok(r) => {
            out.push(Finding::warn(
                "btf",
                format!("some kernel fields are unknown, their data will be missing: {}", r.missing.join("; ")),
            ));
            r
        }
        Err(e) => {
            out.push(Finding::warn("btf", format!("{e}; events will lack parent pids, arguments and effective ids")));
            unknown
        }
    }
}

fn tracefs(out: &mut Vec<Finding>, can_mount: bool) -> bool {
    let (path, fstype) = system::TRACEFS;
    if !system::is_mounted(path, fstype) {
        if can_mount {
            out.push(Finding::ok("tracefs", format!("not mounted at {path}; `sysotel run` mounts it")));
            return true;
        }
        out.push(Finding::fail(
            "tracefs",
            format!(
                "not mounted at {path} and mounting needs CAP_SYS_ADMIN: run `mount -t tracefs tracefs {path}` as root"
            ),
        ));
        return false;
    }
    let id = Path::new(path).join("events/sched/sched_process_exec/id");
    match std::fs::read_to_string(&id) {
        Ok(_) => {
            out.push(Finding::ok("tracefs", format!("mounted at {path}, sched tracepoints present")));
            true
        }
        Err(e) => {
            out.push(Finding::fail(
                "tracefs",
                format!("cannot read {}: {e} (tracefs is root-only by default)", id.display()),
            ));
            false
        }
    }
}

fn cgroup2(out: &mut Vec<Finding>) {
    let found = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"].into_iter().find(|p| system::is_mounted(p, "cgroup2"));
    match found {
        Some(p) => out.push(Finding::ok("cgroup2", format!("mounted at {p}"))),
        None => out.push(Finding::warn(
            "cgroup2",
            "no cgroup2 mount found: container attribution by cgroup id is unavailable",
        )),
    }
}

fn memlock(out: &mut Vec<Finding>) {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: valid out-pointer.
    unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &raw mut lim) };
    let show = |v: u64| if v == libc::RLIM_INFINITY { "unlimited".to_string() } else { format!("{} KiB", v / 1024) };
    let detail = format!(
        "RLIMIT_MEMLOCK {} (raised at start; kernels >= 5.11 account BPF memory to the cgroup instead)",
        show(lim.rlim_cur)
    );
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let memcg = parse_version(release.trim()).is_some_and(|v| v >= (5, 11));
    if lim.rlim_cur == libc::RLIM_INFINITY || has(Capability::CAP_SYS_RESOURCE) || memcg {
        out.push(Finding::ok("memlock", detail));
    } else {
        out.push(Finding::warn("memlock", format!("{detail}; without CAP_SYS_RESOURCE it cannot be raised")));
    }
}

fn load(out: &mut Vec<Finding>, resolved: bpf::offsets::Resolved) {
    if let Err(e) = system::ensure_mounted(system::TRACEFS) {
        out.push(Finding::fail("load", e.to_string()));
        return;
    }
    let _ = system::raise_memlock();
    match bpf::load_and_attach(
        &resolved,
        std::process::id(),
        bpf::LoadOptions {
            syscall_metrics: true,
            specs: crate::security::layout::kernel_layouts(&crate::security::SecurityConfig::default())
                .into_iter()
                .map(|(nr, security)| {
                    (
                        nr,
                        exporter_common::syscalls::SyscallSpec {
                            security,
                            ..exporter_common::syscalls::SyscallSpec::OFF
                        },
                    )
                })
                .collect(),
            watch: Vec::new(),
            ring_bytes: None,
        },
    ) {
        Ok(loaded) => {
            let names: Vec<&str> = loaded.attached.iter().map(|a| a.program).collect();
            out.push(Finding::ok(
                "load",
                format!("attached and detached {} programs: {}", names.len(), names.join(", ")),
            ));
        }
        Err(e) => out.push(Finding::fail("load", e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kernel_releases() {
        assert_eq!(parse_version("6.18.44-fc-v669"), Some((6, 18)));
        assert_eq!(parse_version("5.4.0"), Some((5, 4)));
        assert_eq!(parse_version("garbage"), None);
    }
}

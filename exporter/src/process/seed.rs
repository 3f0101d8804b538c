//! Seeding the table from `/proc` at start-up.
//!
//! Processes may vanish mid-read and some entries may not parse; both are
//! counted and skipped, never fatal.

use std::{path::Path, sync::Arc};

use procfs::process::Process;

use super::{ProcessInfo, ProcessTable};
use crate::decode::exec::split_args;

/// What seeding found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SeedStats {
    pub seeded: usize,
    /// Processes that vanished or could not be read.
    pub skipped: usize,
}

/// Adds every process under `proc_root` (normally `/proc`; the host's
/// `/proc` mounted elsewhere when sysotel runs in a container), skipping
/// `skip_pid` (the agent) and pids the table already knows from events.
///
/// # Errors
/// The `procfs` error when `proc_root` itself cannot be listed.
pub fn seed_from_proc(table: &mut ProcessTable, proc_root: &Path, skip_pid: u32) -> procfs::ProcResult<SeedStats> {
    let mut stats = SeedStats::default();
    for entry in procfs::process::all_processes_with_root(proc_root)? {
        let Ok(process) = entry else {
            stats.skipped += 1;
            continue;
        };
        let Ok(pid) = u32::try_from(process.pid()) else {
            stats.skipped += 1;
            continue;
        };
        if pid == skip_pid || table.get(pid).is_some() {
            continue;
        }
        match read_process(&process, proc_root) {
            Some(info) => {
                table.insert(info);
                stats.seeded += 1;
            }
            None => stats.skipped += 1,
        }
    }
    Ok(stats)
}

fn read_process(process: &Process, proc_root: &Path) -> Option<ProcessInfo> {
    let stat = process.stat().ok()?;
    let pid = u32::try_from(stat.pid).ok()?;
    let status = process.status().ok();
    let cmdline = std::fs::read(proc_root.join(pid.to_string()).join("cmdline")).unwrap_or_default();
    let exe = process.exe().ok().map(|p| p.into_os_string().into_encoded_bytes());
    let exe_memfd = exe.as_deref().is_some_and(|e| e.starts_with(b"/memfd:"));
    let exe_deleted = exe.as_deref().is_some_and(|e| e.ends_with(b" (deleted)"));
    Some(ProcessInfo {
        pid,
        ppid: u32::try_from(stat.ppid).ok().filter(|&p| p != 0),
        start_ticks: Some(stat.starttime),
        exe: exe.map(Arc::from),
        args: split_args(&cmdline).into(),
        comm: stat.comm.into_bytes(),
        uid: status.as_ref().map(|s| s.ruid),
        euid: status.as_ref().map(|s| s.euid),
        gid: status.as_ref().map(|s| s.rgid),
        egid: status.as_ref().map(|s| s.egid),
        cgroup_id: None,
        exe_memfd,
        exe_deleted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_this_test_process_with_its_parent() {
        let mut t = ProcessTable::new(100_000, procfs::ticks_per_second());
        let stats = seed_from_proc(&mut t, Path::new("/proc"), 0).unwrap();
        assert!(stats.seeded > 1);
        let me = t.get(std::process::id()).expect("own process seeded");
        assert_eq!(me.ppid, Some(std::os::unix::process::parent_id()));
        assert!(!me.args.is_empty());
        assert!(me.start_ticks.is_some());
    }

    #[test]
    fn missing_proc_root_is_an_error_not_a_panic() {
        let mut t = ProcessTable::new(10, 100);
        assert!(seed_from_proc(&mut t, Path::new("/nonexistent-proc"), 0).is_err());
    }
}

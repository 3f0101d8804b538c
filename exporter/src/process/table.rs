//! The table itself and how fork, exec and exit change it.

use std::{collections::HashMap, sync::Arc};

use super::ProcessInfo;
use crate::decode::{ExecEvent, ExitEvent, ForkEvent};

/// Bounded map of live processes.
#[derive(Debug)]
pub struct ProcessTable {
    procs: HashMap<u32, ProcessInfo>,
    capacity: usize,
    tick_ns: u64,
    /// New processes not recorded because the table was full.
    pub rejected_full: u64,
}

impl ProcessTable {
    /// A table of at most `capacity` processes; `ticks_per_second` is the
    /// kernel's USER_HZ (`sysconf(_SC_CLK_TCK)`).
    #[must_use]
    pub fn new(capacity: usize, ticks_per_second: u64) -> Self {
        Self { procs: HashMap::new(), capacity, tick_ns: 1_000_000_000 / ticks_per_second.max(1), rejected_full: 0 }
    }

    /// Boot-time ns to the table's tick unit.
    #[must_use]
    pub fn ticks(&self, boot_ns: Option<u64>) -> Option<u64> {
        boot_ns.map(|ns| ns / self.tick_ns)
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.procs.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }

    /// The live process with this pid.
    #[must_use]
    pub fn get(&self, pid: u32) -> Option<&ProcessInfo> {
        self.procs.get(&pid)
    }

    /// Inserts or replaces an entry, unless the table is full.
    pub fn insert(&mut self, info: ProcessInfo) {
        if self.procs.len() >= self.capacity && !self.procs.contains_key(&info.pid) {
            self.rejected_full += 1;
            return;
        }
        self.procs.insert(info.pid, info);
    }

    /// A new process: it starts as a copy of its parent's image.
    pub fn on_fork(&mut self, ev: &ForkEvent) {
        let parent = self.procs.get(&ev.header.pid);
        let child = ProcessInfo {
            pid: ev.child_pid,
            ppid: Some(ev.header.pid),
            start_ticks: self.ticks(ev.child_start_time_ns),
            exe: parent.and_then(|p| p.exe.clone()),
            args: parent.map(|p| Arc::clone(&p.args)).unwrap_or_default(),
            comm: ev.header.comm.clone(),
            uid: Some(ev.header.uid),
            euid: parent.and_then(|p| p.euid),
            gid: Some(ev.header.gid),
            egid: parent.and_then(|p| p.egid),
            cgroup_id: Some(ev.header.cgroup_id),
            exe_memfd: parent.is_some_and(|p| p.exe_memfd),
            exe_deleted: parent.is_some_and(|p| p.exe_deleted),
        };
        self.insert(child);
    }

    /// A new image in an existing (or unseen) process. Returns the entry.
    pub fn on_exec(&mut self, ev: &ExecEvent) -> Option<&ProcessInfo> {
        let h = &ev.header;
        let start = self.ticks(h.start_time_ns);
        let previous = self.procs.remove(&h.pid).filter(|p| p.same_start(start));
        let ppid = h.ppid.or_else(|| previous.as_ref().and_then(|p| p.ppid));
        let args = if ev.args_missing {
            previous.as_ref().map(|p| Arc::clone(&p.args)).unwrap_or_default()
        } else {
            Arc::from(ev.args.as_slice())
        };
        let info = ProcessInfo {
            pid: h.pid,
            ppid,
            start_ticks: start.or_else(|| previous.as_ref().and_then(|p| p.start_ticks)),
            exe: Some(Arc::from(ev.filename.as_slice())),
            args,
            comm: h.comm.clone(),
            uid: Some(h.uid),
            euid: ev.euid,
            gid: Some(h.gid),
            egid: ev.egid,
            cgroup_id: Some(h.cgroup_id),
            exe_memfd: ev.exe_memfd,
            exe_deleted: ev.exe_deleted,
        };
        self.insert(info);
        self.procs.get(&h.pid)
    }

    /// The process ended: its entry is removed and returned.
    pub fn on_exit(&mut self, ev: &ExitEvent) -> Option<ProcessInfo> {
        let start = self.ticks(ev.header.start_time_ns);
        match self.procs.get(&ev.header.pid) {
            Some(p) if p.same_start(start) => self.procs.remove(&ev.header.pid),
            _ => None,
        }
    }

    /// Removes entries for which `alive(pid, start_ticks)` is false (exits
    /// that were lost, e.g. to a full ring buffer). Returns how many.
    pub fn sweep(&mut self, alive: impl Fn(u32, Option<u64>) -> bool) -> usize {
        let before = self.procs.len();
        self.procs.retain(|&pid, p| alive(pid, p.start_ticks));
        before - self.procs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Header;

    fn header(pid: u32, ppid: Option<u32>, start_ns: Option<u64>) -> Header {
        Header {
            ktime_ns: 0,
            pid,
            tid: pid,
            ppid,
            uid: 1000,
            gid: 1000,
            cgroup_id: 7,
            start_time_ns: start_ns,
            comm: b"sh".to_vec(),
        }
    }

    fn exec(pid: u32, ppid: Option<u32>, start_ns: u64, file: &[u8], args: &[&[u8]]) -> ExecEvent {
        ExecEvent {
            header: header(pid, ppid, Some(start_ns)),
            old_pid: pid,
            filename: file.to_vec(),
            filename_truncated: false,
            args: args.iter().map(|a| a.to_vec()).collect(),
            args_truncated: false,
            args_missing: false,
            exe_memfd: false,
            exe_deleted: false,
            euid: Some(0),
            egid: Some(0),
        }
    }

    #[test]
    fn fork_inherits_parent_image_then_exec_replaces_it() {
        let mut t = ProcessTable::new(100, 100);
        t.on_exec(&exec(10, Some(1), 1_000_000_000, b"/bin/bash", &[b"bash"]));
        t.on_fork(&ForkEvent {
            header: header(10, Some(1), None),
            child_pid: 11,
            child_start_time_ns: Some(2_000_000_000),
        });
        let child = t.get(11).unwrap();
        assert_eq!(
            (child.ppid, child.exe.as_deref(), child.start_ticks),
            (Some(10), Some(&b"/bin/bash"[..]), Some(200))
        );
        let e = t.on_exec(&exec(11, None, 2_000_000_000, b"/bin/ls", &[b"ls", b"-l"])).unwrap();
        assert_eq!(e.ppid, Some(10), "ppid comes from the fork when the kernel gave none");
        assert_eq!(&e.args[..], [b"ls".to_vec(), b"-l".to_vec()]);
    }

    #[test]
    fn pid_reuse_does_not_inherit_the_old_process() {
        let mut t = ProcessTable::new(100, 100);
        t.on_exec(&exec(20, Some(5), 1_000_000_000, b"/old", &[b"old"]));
        // pid 20 exits without us seeing it, then a new process gets pid 20.
        let mut ev = exec(20, None, 9_000_000_000, b"/new", &[b"new"]);
        ev.header.ppid = None;
        let e = t.on_exec(&ev).unwrap();
        assert_eq!(e.ppid, None, "must not take the old process's parent");
        assert_eq!(e.start_ticks, Some(900));
        // An exit carrying the old start time must not remove the new entry.
        t.on_exit(&ExitEvent { header: header(20, None, Some(1_000_000_000)), status: Some(0) });
        assert!(t.get(20).is_some());
        t.on_exit(&ExitEvent { header: header(20, None, Some(9_000_000_000)), status: Some(0) });
        assert!(t.get(20).is_none());
    }

    #[test]
    fn capacity_is_bounded_and_counted() {
        let mut t = ProcessTable::new(2, 100);
        for pid in 1..=3 {
            t.insert(ProcessInfo { pid, ..Default::default() });
        }
        assert_eq!((t.len(), t.rejected_full), (2, 1));
        // Replacing an existing pid is always allowed.
        t.insert(ProcessInfo { pid: 1, comm: b"x".to_vec(), ..Default::default() });
        assert_eq!(t.get(1).unwrap().comm, b"x");
    }

    #[test]
    fn missing_args_keep_previous_ones_and_sweep_removes_dead() {
        let mut t = ProcessTable::new(10, 100);
        t.on_exec(&exec(30, Some(1), 1_000_000_000, b"/a", &[b"a", b"1"]));
        let mut ev = exec(30, Some(1), 1_000_000_000, b"/a", &[]);
        ev.args_missing = true;
        assert_eq!(t.on_exec(&ev).unwrap().args.len(), 2);
        t.insert(ProcessInfo { pid: 31, ..Default::default() });
        assert_eq!(t.sweep(|pid, _| pid == 30), 1);
        assert!(t.get(31).is_none());
    }
}

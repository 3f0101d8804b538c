//! The decoded common header.

use exporter_common::EventHeader;

/// Header fields common to every event, in userspace form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// `CLOCK_BOOTTIME` ns of the event.
    pub ktime_ns: u64,
    pub pid: u32,
    pub tid: u32,
    /// `None` when the kernel could not read the parent.
    pub ppid: Option<u32>,
    pub uid: u32,
    pub gid: u32,
    pub cgroup_id: u64,
    /// `CLOCK_BOOTTIME` ns at which the process started, when known.
    pub start_time_ns: Option<u64>,
    /// `comm` up to the first NUL.
    pub comm: Vec<u8>,
}

impl Header {
    pub(super) fn from_raw(raw: &EventHeader) -> Self {
        let comm_len = raw.comm.iter().position(|&b| b == 0).unwrap_or(raw.comm.len());
        Header {
            ktime_ns: raw.ktime_ns,
            pid: raw.pid,
            tid: raw.tid,
            ppid: (raw.ppid != 0).then_some(raw.ppid),
            uid: raw.uid,
            gid: raw.gid,
            cgroup_id: raw.cgroup_id,
            start_time_ns: (raw.start_time_ns != 0).then_some(raw.start_time_ns),
            comm: raw.comm[..comm_len].to_vec(),
        }
    }
}

//! Process attributes from the event header and the process table.

use std::sync::Arc;

use crate::{decode::Header, process::ProcessInfo};

/// The process an event belongs to, merged from the kernel header (always
/// right for ids) and the table (image, arguments, parent when the kernel
/// could not read it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessContext {
    pub pid: u32,
    pub tid: u32,
    pub ppid: Option<u32>,
    pub uid: u32,
    pub gid: u32,
    pub euid: Option<u32>,
    pub egid: Option<u32>,
    pub cgroup_id: u64,
    pub comm: Vec<u8>,
    pub exe: Option<Arc<[u8]>>,
    pub args: Vec<Vec<u8>>,
}

/// Merges `header` with the table entry `info`, if any.
#[must_use]
pub fn process_context(header: &Header, info: Option<&ProcessInfo>) -> ProcessContext {
    ProcessContext {
        comm: header.comm.clone(),
        args: info.map(|i| i.args.to_vec()).unwrap_or_default(),
        ..identity(header, info)
    }
}

/// [`process_context`] without the command line (`args` left empty), for
/// records that do not carry it (a security event then copies no argv),
/// taking the header's comm instead of copying it: the caller is done with
/// the header.
#[must_use]
pub fn process_identity_taking(header: &mut Header, info: Option<&ProcessInfo>) -> ProcessContext {
    let comm = std::mem::take(&mut header.comm);
    ProcessContext { comm, ..identity(header, info) }
}

/// Everything but the comm and the command line.
fn identity(header: &Header, info: Option<&ProcessInfo>) -> ProcessContext {
    ProcessContext {
        pid: header.pid,
        tid: header.tid,
        ppid: header.ppid.or_else(|| info.and_then(|i| i.ppid)),
        uid: header.uid,
        gid: header.gid,
        euid: info.and_then(|i| i.euid),
        egid: info.and_then(|i| i.egid),
        cgroup_id: header.cgroup_id,
        comm: Vec::new(),
        exe: info.and_then(|i| i.exe.clone()),
        args: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_fills_what_the_kernel_lacks() {
        let header = Header {
            ktime_ns: 0,
            pid: 5,
            tid: 6,
            ppid: None,
            uid: 1,
            gid: 2,
            cgroup_id: 9,
            start_time_ns: None,
            comm: b"c".to_vec(),
        };
        let info = ProcessInfo {
            pid: 5,
            ppid: Some(4),
            exe: Some(b"/x".as_slice().into()),
            euid: Some(0),
            ..Default::default()
        };
        let ctx = process_context(&header, Some(&info));
        assert_eq!((ctx.ppid, ctx.euid, ctx.exe.as_deref()), (Some(4), Some(0), Some(&b"/x"[..])));
        let bare = process_context(&header, None);
        assert_eq!((bare.ppid, bare.exe), (None, None));
    }
}

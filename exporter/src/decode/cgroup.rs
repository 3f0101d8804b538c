//! Decoding of `cgroup_mkdir` records.

use exporter_common::{
    EventHeader, EventKind,
    events::{
        CgroupData,
        cgroup::{CGROUP_PATH_MAX, CGROUP_PATH_TRUNCATED},
    },
};

use super::{DecodeError, Header, check_size, read_pod};

/// A cgroup2 cgroup was created. The header describes the task that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupMkdirEvent {
    pub header: Header,
    /// The cgroup's id (the value tasks inside report as their cgroup id).
    pub id: u64,
    /// Depth below the cgroup2 root.
    pub level: u32,
    /// Path below the cgroup2 mount, starting with `/`, lossily decoded.
    pub path: String,
    /// The kernel cut the path at [`CGROUP_PATH_MAX`] bytes.
    pub truncated: bool,
}

pub(super) fn decode(bytes: &[u8], raw: &EventHeader, header: Header) -> Result<CgroupMkdirEvent, DecodeError> {
    check_size::<exporter_common::events::CgroupEvent>(bytes, raw, EventKind::CgroupMkdir)?;
    // Rare (one per cgroup created): the whole payload is copied.
    let d: CgroupData = read_pod(bytes, size_of::<EventHeader>())?;
    let len = d.path_len as usize;
    if len > CGROUP_PATH_MAX {
        return Err(DecodeError::LengthOutOfRange { field: "path_len", len: d.path_len, max: CGROUP_PATH_MAX });
    }
    Ok(CgroupMkdirEvent {
        header,
        id: d.id,
        level: d.level,
        path: String::from_utf8_lossy(&d.path[..len]).into_owned(),
        truncated: d.flags & CGROUP_PATH_TRUNCATED != 0,
    })
}

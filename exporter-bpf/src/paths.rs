//! Turning a `struct path` (mount + dentry) into path components, the way
//! the kernel's `d_path` walks: up `d_parent` to the mount's root, then on
//! from the mount point in the parent mount, until the root of the mount
//! namespace. Each step fills one fixed slot of the record (leaf first; an
//! empty slot marks a mount crossing), so no offset depends on earlier
//! names and the verifier sees the same state at every iteration.
//!
//! Used for the working directory (`current->fs->pwd`) and for descriptors
//! (`current->files->fdt->fd[n]->f_path`) of security events.

use aya_ebpf::helpers::generated::{bpf_get_current_task, bpf_probe_read_kernel_str};
use exporter_common::{
    events::security::{SEC_BASE_PART_MAX, SEC_BASE_PARTS},
    offsets::{KernelOffsets, OFF_EXE, OFF_PATHS},
};

use crate::kernel::{read_at, read_ptr};

type Parts = [[u8; SEC_BASE_PART_MAX]; SEC_BASE_PARTS];

/// The walk's outcome: slots used, and whether something was cut.
pub(crate) struct Walked {
    pub depth: u16,
    pub truncated: bool,
}

/// The current task's working directory.
#[inline(always)]
pub(crate) unsafe fn cwd(off: &KernelOffsets, out: *mut Parts) -> Result<Walked, i64> {
    if !off.has(OFF_PATHS | OFF_EXE) {
        return Err(0);
    }
    let task = unsafe { bpf_get_current_task() } as *const u8;
    let fs = unsafe { read_ptr(task, off.task_fs) }?;
    let mnt = unsafe { read_ptr(fs, off.fs_pwd_mnt) }?;
    let dentry = unsafe { read_ptr(fs, off.fs_pwd_dentry) }?;
    unsafe { walk(off, mnt, dentry, out) }
}

/// The path of the current task's descriptor `fd`.
#[inline(always)]
pub(crate) unsafe fn fd_path(off: &KernelOffsets, fd: u32, out: *mut Parts) -> Result<Walked, i64> {
    if !off.has(OFF_PATHS | OFF_EXE) {
        return Err(0);
    }
    let task = unsafe { bpf_get_current_task() } as *const u8;
    let files = unsafe { read_ptr(task, off.task_files) }?;
    let fdt = unsafe { read_ptr(files, off.files_fdt) }?;
    let max = unsafe { read_at::<u32>(fdt, off.fdtable_max_fds) }?;
    if fd >= max || fd >= 1 << 20 {
        return Err(0);
    }
    let table = unsafe { read_ptr(fdt, off.fdtable_fd) }?;
    let file = unsafe { read_ptr(table, fd * 8) }?;
    if file.is_null() {
        return Err(0);
    }
    let mnt = unsafe { read_ptr(file, off.file_mnt) }?;
    let dentry = unsafe { read_ptr(file, off.file_dentry) }?;
    unsafe { walk(off, mnt, dentry, out) }
}

#[inline(always)]
unsafe fn walk(off: &KernelOffsets, vfsmnt: *const u8, dentry: *const u8, out: *mut Parts) -> Result<Walked, i64> {
    let mut mount = unsafe { vfsmnt.sub(off.mount_mnt as usize) };
    let mut dentry = dentry;
    let mut cut = false;
    for i in 0..SEC_BASE_PARTS {
        let slot = unsafe { (&raw mut (*out)[i]).cast::<u8>() };
        let mnt_root = unsafe { read_ptr(mount, off.mount_mnt + off.vfsmount_root) }?;
        let parent = unsafe { read_ptr(dentry, off.dentry_parent) }?;
        if dentry == mnt_root || dentry == parent {
            let mount_parent = unsafe { read_ptr(mount, off.mount_parent) }?;
            if dentry != mnt_root || mount_parent == mount || mount_parent.is_null() {
                return Ok(Walked { depth: i as u16, truncated: cut });
            }
            // Cross into the parent mount, at the mount point.
            unsafe { *slot = 0 };
            dentry = unsafe { read_ptr(mount, off.mount_mountpoint) }?;
            mount = mount_parent;
            continue;
        }
        let name = unsafe { read_ptr(dentry, off.dentry_name) }?;
        let n = unsafe { bpf_probe_read_kernel_str(slot.cast(), SEC_BASE_PART_MAX as u32, name.cast()) };
        if n <= 0 {
            return Err(-1);
        }
        if n as usize >= SEC_BASE_PART_MAX {
            cut = true;
        }
        dentry = parent;
    }
    Ok(Walked { depth: SEC_BASE_PARTS as u16, truncated: true })
}

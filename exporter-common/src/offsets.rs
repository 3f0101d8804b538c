//! Kernel structure offsets resolved from the running kernel's BTF.
//!
//! Rust eBPF emits no CO-RE relocations, so userspace reads the offsets of the
//! few `task_struct`/`mm_struct`/`cred` fields the programs need from
//! `/sys/kernel/btf/vmlinux` at start-up and writes them into the `OFFSETS`
//! global before loading. Each group of fields has a bit in
//! [`KernelOffsets::valid`]; programs skip a read whose group is not valid and
//! mark the event instead.

use core::mem::size_of;

/// `task_struct.real_parent` and `task_struct.tgid` are known.
pub const OFF_PARENT: u32 = 1 << 0;
/// `task_struct.group_leader` and `task_struct.start_boottime` are known.
pub const OFF_START: u32 = 1 << 1;
/// `task_struct.mm`, `mm_struct.arg_start`/`arg_end` are known.
pub const OFF_ARGS: u32 = 1 << 2;
/// `task_struct.cred`, `cred.euid`/`egid` are known.
pub const OFF_CRED: u32 = 1 << 3;
/// `task_struct.exit_code` is known.
pub const OFF_EXIT: u32 = 1 << 4;
/// `task_struct.pid` and `task_struct.tgid` are known.
pub const OFF_PIDS: u32 = 1 << 5;
/// `mm_struct.exe_file`, `file.f_path.dentry`, `dentry.d_inode`,
/// `dentry.d_name.name` and `inode.i_nlink` are known (executable checks).
pub const OFF_EXE: u32 = 1 << 6;
/// The fields needed to turn a `struct path` into a string (working
/// directory and descriptors of security events): `task_struct.fs`,
/// `fs_struct.pwd`, `path.mnt`, `dentry.d_parent`, `dentry.d_name.len`,
/// `vfsmount.mnt_root`, `mount.mnt`, `mount.mnt_parent`,
/// `mount.mnt_mountpoint`, `task_struct.files`, `files_struct.fdt`,
/// `fdtable.fd` and `fdtable.max_fds` (with [`OFF_EXE`]).
pub const OFF_PATHS: u32 = 1 << 7;

#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelOffsets {
    /// `OFF_*` bits of the groups below that were resolved.
    pub valid: u32,
    pub task_pid: u32,
    pub task_tgid: u32,
    pub task_real_parent: u32,
    pub task_group_leader: u32,
    pub task_start_boottime: u32,
    pub task_exit_code: u32,
    pub task_mm: u32,
    pub task_cred: u32,
    pub mm_arg_start: u32,
    pub mm_arg_end: u32,
    pub cred_euid: u32,
    pub cred_egid: u32,
    pub mm_exe_file: u32,
    /// `file.f_path` + `path.dentry`.
    pub file_dentry: u32,
    pub dentry_inode: u32,
    /// `dentry.d_name` + `qstr.name`.
    pub dentry_name: u32,
    pub inode_nlink: u32,
    pub task_fs: u32,
    /// `fs_struct.pwd` + `path.mnt`.
    pub fs_pwd_mnt: u32,
    /// `fs_struct.pwd` + `path.dentry`.
    pub fs_pwd_dentry: u32,
    /// `file.f_path` + `path.mnt`.
    pub file_mnt: u32,
    pub dentry_parent: u32,
    /// `dentry.d_name` + `qstr.len`.
    pub dentry_name_len: u32,
    pub vfsmount_root: u32,
    /// Offset of the embedded `struct vfsmount` in `struct mount`.
    pub mount_mnt: u32,
    pub mount_parent: u32,
    pub mount_mountpoint: u32,
    pub task_files: u32,
    pub files_fdt: u32,
    pub fdtable_fd: u32,
    pub fdtable_max_fds: u32,
    /// Reserved, zero.
    pub reserved: [u32; 2],
}

impl KernelOffsets {
    /// No offsets known: every group is disabled.
    pub const UNKNOWN: KernelOffsets = KernelOffsets {
        valid: 0,
        task_pid: 0,
        task_tgid: 0,
        task_real_parent: 0,
        task_group_leader: 0,
        task_start_boottime: 0,
        task_exit_code: 0,
        task_mm: 0,
        task_cred: 0,
        mm_arg_start: 0,
        mm_arg_end: 0,
        cred_euid: 0,
        cred_egid: 0,
        mm_exe_file: 0,
        file_dentry: 0,
        dentry_inode: 0,
        dentry_name: 0,
        inode_nlink: 0,
        task_fs: 0,
        fs_pwd_mnt: 0,
        fs_pwd_dentry: 0,
        file_mnt: 0,
        dentry_parent: 0,
        dentry_name_len: 0,
        vfsmount_root: 0,
        mount_mnt: 0,
        mount_parent: 0,
        mount_mountpoint: 0,
        task_files: 0,
        files_fdt: 0,
        fdtable_fd: 0,
        fdtable_max_fds: 0,
        reserved: [0; 2],
    };

    /// Whether every bit of `group` is resolved.
    #[must_use]
    pub const fn has(&self, group: u32) -> bool {
        self.valid & group == group
    }
}

const _: () = assert!(size_of::<KernelOffsets>() == 136);

#[cfg(feature = "user")]
unsafe impl aya::Pod for KernelOffsets {}

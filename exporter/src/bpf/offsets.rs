//! Kernel structure offsets from the running kernel's BTF.
//!
//! Rust eBPF has no CO-RE relocations, so we do their job once at start-up:
//! find each field in `/sys/kernel/btf/vmlinux` (descending into anonymous
//! structs and unions, as `mm_struct` wraps its fields in one) and hand the
//! byte offsets to the programs through the `OFFSETS` global. A group whose
//! fields are not all found stays disabled; the programs then mark their
//! events instead of reading garbage.

use std::path::Path;

use btf_rs::{Btf, Type};
use exporter_common::offsets::{
    KernelOffsets, OFF_ARGS, OFF_CRED, OFF_EXE, OFF_EXIT, OFF_PARENT, OFF_PATHS, OFF_PIDS, OFF_START,
};
use thiserror::Error;

/// Where the kernel exposes its own BTF.
pub const VMLINUX_BTF: &str = "/sys/kernel/btf/vmlinux";

#[derive(Debug, Error)]
pub enum OffsetsError {
    #[error("cannot read kernel BTF at {path}: {source}")]
    Read { path: String, source: btf_rs::Error },
    #[error("struct {0} not found in kernel BTF")]
    NoStruct(String),
    #[error("field {strukt}.{field} not found in kernel BTF")]
    NoField { strukt: String, field: String },
    #[error("field {strukt}.{field} is a bitfield")]
    Bitfield { strukt: String, field: String },
}

/// Resolved offsets plus the fields that could not be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub offsets: KernelOffsets,
    /// One message per group left disabled.
    pub missing: Vec<String>,
}

/// Resolves every offset group from the BTF file at `path`.
///
/// # Errors
/// [`OffsetsError::Read`] when the BTF cannot be parsed at all; missing
/// fields only disable their group (see [`Resolved::missing`]).
pub fn resolve_offsets(path: &Path) -> Result<Resolved, OffsetsError> {
    let btf = Btf::from_file(path).map_err(|source| OffsetsError::Read { path: path.display().to_string(), source })?;
    Ok(resolve_with(&|s, f| field_offset(&btf, s, f)))
}

/// Fills [`KernelOffsets`] group by group using `lookup(struct, field)`.
pub fn resolve_with(lookup: &dyn Fn(&str, &str) -> Result<u32, OffsetsError>) -> Resolved {
    let mut o = KernelOffsets::UNKNOWN;
    let mut missing = Vec::new();
    let mut group = |bit: u32, fields: &[(&str, &str)], o: &mut KernelOffsets| -> Option<Vec<u32>> {
        let mut out = Vec::with_capacity(fields.len());
        for (s, f) in fields {
            match lookup(s, f) {
                Ok(v) => out.push(v),
                Err(e) => {
                    missing.push(e.to_string());
                    return None;
                }
            }
        }
        o.valid |= bit;
        Some(out)
    };
    if let Some(v) = group(OFF_PIDS, &[("task_struct", "pid"), ("task_struct", "tgid")], &mut o) {
        (o.task_pid, o.task_tgid) = (v[0], v[1]);
    }
    if let Some(v) = group(OFF_PARENT, &[("task_struct", "real_parent"), ("task_struct", "tgid")], &mut o) {
        (o.task_real_parent, o.task_tgid) = (v[0], v[1]);
    }
    if let Some(v) = group(OFF_START, &[("task_struct", "group_leader"), ("task_struct", "start_boottime")], &mut o) {
        (o.task_group_leader, o.task_start_boottime) = (v[0], v[1]);
    }
    if let Some(v) =
        group(OFF_ARGS, &[("task_struct", "mm"), ("mm_struct", "arg_start"), ("mm_struct", "arg_end")], &mut o)
    {
        (o.task_mm, o.mm_arg_start, o.mm_arg_end) = (v[0], v[1], v[2]);
    }
    if let Some(v) = group(OFF_CRED, &[("task_struct", "cred"), ("cred", "euid"), ("cred", "egid")], &mut o) {
        (o.task_cred, o.cred_euid, o.cred_egid) = (v[0], v[1], v[2]);
    }
    if let Some(v) = group(OFF_EXIT, &[("task_struct", "exit_code")], &mut o) {
        o.task_exit_code = v[0];
    }
    let exe = [
        ("mm_struct", "exe_file"),
        ("file", "f_path"),
        ("path", "dentry"),
        ("dentry", "d_inode"),
        ("dentry", "d_name"),
        ("qstr", "name"),
        ("inode", "i_nlink"),
    ];
    if let Some(v) = group(OFF_EXE, &exe, &mut o) {
        o.mm_exe_file = v[0];
        o.file_dentry = v[1] + v[2];
        o.dentry_inode = v[3];
        o.dentry_name = v[4] + v[5];
        o.inode_nlink = v[6];
    }
    let paths = [
        ("task_struct", "fs"),
        ("fs_struct", "pwd"),
        ("path", "mnt"),
        ("path", "dentry"),
        ("file", "f_path"),
        ("dentry", "d_parent"),
        ("dentry", "d_name"),
        ("qstr", "len"),
        ("vfsmount", "mnt_root"),
        ("mount", "mnt"),
        ("mount", "mnt_parent"),
        ("mount", "mnt_mountpoint"),
        ("task_struct", "files"),
        ("files_struct", "fdt"),
        ("fdtable", "fd"),
        ("fdtable", "max_fds"),
    ];
    if let Some(v) = group(OFF_PATHS, &paths, &mut o) {
        o.task_fs = v[0];
        o.fs_pwd_mnt = v[1] + v[2];
        o.fs_pwd_dentry = v[1] + v[3];
        o.file_mnt = v[4] + v[2];
        o.dentry_parent = v[5];
        o.dentry_name_len = v[6] + v[7];
        o.vfsmount_root = v[8];
        o.mount_mnt = v[9];
        o.mount_parent = v[10];
        o.mount_mountpoint = v[11];
        o.task_files = v[12];
        o.files_fdt = v[13];
        o.fdtable_fd = v[14];
        o.fdtable_max_fds = v[15];
    }
    Resolved { offsets: o, missing }
}

/// Byte offset of `field` in `struct strukt`.
fn field_offset(btf: &Btf, strukt: &str, field: &str) -> Result<u32, OffsetsError> {
    let types = btf.resolve_types_by_name(strukt).map_err(|_| OffsetsError::NoStruct(strukt.to_string()))?;
    let s = types
        .iter()
        .find_map(|t| match t {
            Type::Struct(s) if !s.members.is_empty() => Some(s),
            _ => None,
        })
        .ok_or_else(|| OffsetsError::NoStruct(strukt.to_string()))?;
    let no_field = || OffsetsError::NoField { strukt: strukt.to_string(), field: field.to_string() };
    let bits = find_member(btf, s, field, 0, 0).ok_or_else(no_field)?;
    if bits % 8 != 0 {
        return Err(OffsetsError::Bitfield { strukt: strukt.to_string(), field: field.to_string() });
    }
    Ok(bits / 8)
}

/// Depth-first search of `field`, descending into anonymous members.
fn find_member(btf: &Btf, s: &btf_rs::Struct, field: &str, base_bits: u32, depth: u32) -> Option<u32> {
    if depth > 8 {
        return None;
    }
    for m in &s.members {
        let name = btf.resolve_name(m).unwrap_or_default();
        let bits = base_bits + m.bit_offset();
        if name == field {
            return Some(bits);
        }
        if name.is_empty() {
            let inner = btf.resolve_chained_type(m).ok()?;
            if let Type::Struct(inner) | Type::Union(inner) = &inner
                && let Some(found) = find_member(btf, inner, field, bits, depth + 1)
            {
                return Some(found);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_field_disables_only_its_group() {
        let r = resolve_with(&|s, f| {
            if f == "arg_end" { Err(OffsetsError::NoField { strukt: s.into(), field: f.into() }) } else { Ok(8) }
        });
        assert!(r.offsets.has(OFF_PIDS | OFF_PARENT | OFF_START | OFF_CRED | OFF_EXIT | OFF_EXE | OFF_PATHS));
        assert!(!r.offsets.has(OFF_ARGS));
        assert_eq!(r.missing, vec!["field mm_struct.arg_end not found in kernel BTF".to_string()]);
    }

    #[test]
    fn resolves_running_kernel_when_btf_present() {
        let path = Path::new(VMLINUX_BTF);
        if !path.exists() {
            eprintln!("skipping: no {VMLINUX_BTF}");
            return;
        }
        let r = resolve_offsets(path).expect("parse vmlinux BTF");
        assert!(r.missing.is_empty(), "{:?}", r.missing);
        // pid and tgid are adjacent pid_t fields in every kernel since 2.6.
        assert_eq!(r.offsets.task_tgid, r.offsets.task_pid + 4);
        assert!(r.offsets.mm_arg_end > r.offsets.mm_arg_start);
        // qstr: { hash, len } then name.
        assert_eq!(r.offsets.dentry_name, r.offsets.dentry_name_len + 4);
    }
}

//! Reads of kernel structures through offsets resolved from BTF at load time.

use aya_ebpf::helpers::bpf_probe_read_kernel;

/// Reads a `T` at `base + offset` from kernel memory.
#[inline(always)]
pub unsafe fn read_at<T>(base: *const u8, offset: u32) -> Result<T, i64> {
    unsafe { bpf_probe_read_kernel(base.add(offset as usize).cast::<T>()) }.map_err(i64::from)
}

/// Reads a pointer at `base + offset`.
#[inline(always)]
pub unsafe fn read_ptr(base: *const u8, offset: u32) -> Result<*const u8, i64> {
    unsafe { read_at::<u64>(base, offset) }.map(|p| p as *const u8)
}

//! A task-local storage map (`BPF_MAP_TYPE_TASK_STORAGE`, Linux 5.11+ for
//! tracing programs), which aya-ebpf 0.2 does not wrap. Defined the way
//! aya's BTF maps are: a `.maps` struct whose pointer fields carry the
//! map's type, key, value and flags in BTF for the loader.
//!
//! A lookup is a pointer chase from the current task, with no hashing and no
//! LRU bookkeeping, and the storage dies with the task.

use core::ptr;

use aya_ebpf::{
    bindings::{BPF_F_NO_PREALLOC, BPF_LOCAL_STORAGE_GET_F_CREATE, bpf_map_type::BPF_MAP_TYPE_TASK_STORAGE},
    helpers::generated::{bpf_get_current_task_btf, bpf_task_storage_get},
};

#[repr(C)]
pub struct TaskStorage<T> {
    r#type: *const [i32; BPF_MAP_TYPE_TASK_STORAGE as usize],
    key: *const i32,
    value: *const T,
    max_entries: *const [i32; 0],
    map_flags: *const [i32; BPF_F_NO_PREALLOC as usize],
}

// SAFETY: the fields are placeholders the loader reads from BTF; they are
// never dereferenced.
unsafe impl<T> Sync for TaskStorage<T> {}

impl<T> TaskStorage<T> {
    pub const fn new() -> Self {
        Self {
            r#type: ptr::null(),
            key: ptr::null(),
            value: ptr::null(),
            max_entries: ptr::null(),
            map_flags: ptr::null(),
        }
    }

    /// `task`'s value, created zeroed on first use; `None` when the kernel
    /// cannot allocate it. `task` must be a trusted task pointer (a
    /// `tp_btf` argument).
    #[inline(always)]
    pub fn of_task_or_create(&self, task: *mut core::ffi::c_void) -> Option<*mut T> {
        let map = ptr::from_ref(self).cast_mut().cast();
        let p =
            unsafe { bpf_task_storage_get(map, task.cast(), ptr::null_mut(), BPF_LOCAL_STORAGE_GET_F_CREATE.into()) };
        if p.is_null() { None } else { Some(p.cast()) }
    }

    /// The current task's value if it has one.
    #[inline(always)]
    pub fn current(&self) -> Option<*mut T> {
        let map = ptr::from_ref(self).cast_mut().cast();
        let task = unsafe { bpf_get_current_task_btf() };
        let p = unsafe { bpf_task_storage_get(map, task.cast(), ptr::null_mut(), 0) };
        if p.is_null() { None } else { Some(p.cast()) }
    }
}

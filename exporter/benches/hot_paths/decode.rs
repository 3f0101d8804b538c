//! `decode::decode` on records encoded from the shared structs, sized as
//! the kernel sends them (security records only up to their used bytes).

use std::hint::black_box;

use criterion::Criterion;
use exporter_common::{
    Event as Record, EventHeader, EventKind,
    events::{
        ExecData, ExitData, ForkData, SecurityData,
        exec::{ARGS_MAX, FILENAME_MAX},
        security::{SEC_AUX_MAX, SEC_BASE_PART_MAX, SEC_BASE_PARTS, SEC_PATH_MAX, SEC_SOCK_MAX, SEC_WATCHED_PATH},
    },
};
use sysotel::decode::{Event, decode};

use crate::fixtures::{AT_FDCWD, O_RDONLY};

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).expect("lengths here are small")
}

fn header(kind: EventKind, size: usize) -> EventHeader {
    let mut comm = [0u8; 16];
    comm[..4].copy_from_slice(b"bash");
    EventHeader {
        kind: kind as u32,
        size: len_u32(size),
        ktime_ns: 1_000,
        pid: 42,
        tid: 42,
        ppid: 1,
        uid: 1000,
        gid: 1000,
        reserved: 0,
        cgroup_id: 63,
        start_time_ns: 5_000_000,
        comm,
    }
}

fn bytes_of<T>(value: &T) -> Vec<u8> {
    // SAFETY: a view of a `#[repr(C)]` record made of integers and arrays
    // without padding (the shared crate's const asserts check that).
    unsafe { std::slice::from_raw_parts(std::ptr::from_ref(value).cast::<u8>(), size_of::<T>()) }.to_vec()
}

/// `execve("/usr/bin/cc", ["cc", "-O2", "-c", "main.c"])`.
fn exec_record() -> Vec<u8> {
    let (filename, args) = (b"/usr/bin/cc", b"cc\0-O2\0-c\0main.c\0");
    let mut data = Box::new(ExecData {
        old_pid: 42,
        flags: 0,
        euid: 1000,
        egid: 1000,
        filename_len: len_u32(filename.len()),
        args_len: len_u32(args.len()),
        filename: [0; FILENAME_MAX],
        args: [0; ARGS_MAX],
    });
    data.filename[..filename.len()].copy_from_slice(filename);
    data.args[..args.len()].copy_from_slice(args);
    bytes_of(&Record { header: header(EventKind::Exec, size_of::<Record<ExecData>>()), data: *data })
}

/// `openat(AT_FDCWD, "/etc/shadow", O_RDONLY) = 3`, watched path, cut to
/// the bytes the kernel sends (`SecurityData::used_len`).
fn security_record() -> Vec<u8> {
    let path = b"/etc/shadow";
    let mut data = Box::new(SecurityData {
        nr: 257,
        flags: SEC_WATCHED_PATH,
        ret: 3,
        args: [AT_FDCWD, 0x7ffd_0000_1000, O_RDONLY, 0, 0, 0],
        deref: 0,
        path_len: [u16::try_from(path.len()).expect("short path"), 0],
        aux_len: 0,
        sock_len: 0,
        base_depth: 0,
        reserved: [0; 3],
        aux: [0; SEC_AUX_MAX],
        sock: [0; SEC_SOCK_MAX],
        path: [[0; SEC_PATH_MAX]; 2],
        base: [[0; SEC_BASE_PART_MAX]; SEC_BASE_PARTS],
    });
    data.path[0][..path.len()].copy_from_slice(path);
    let used = size_of::<EventHeader>() + SecurityData::used_len(data.path_len, data.base_depth);
    let mut bytes = bytes_of(&Record { header: header(EventKind::Security, used), data: *data });
    bytes.truncate(used);
    bytes
}

fn fork_record() -> Vec<u8> {
    let data = ForkData { child_pid: 43, reserved: 0, child_start_time_ns: 6_000_000 };
    bytes_of(&Record { header: header(EventKind::Fork, size_of::<Record<ForkData>>()), data })
}

fn exit_record() -> Vec<u8> {
    let data = ExitData { exit_code: 0, flags: 0 };
    bytes_of(&Record { header: header(EventKind::Exit, size_of::<Record<ExitData>>()), data })
}

pub fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    let records = [
        ("exec", exec_record()),
        ("security_openat", security_record()),
        ("fork", fork_record()),
        ("exit", exit_record()),
    ];
    for (name, bytes) in &records {
        // A broken fixture would time the error path instead.
        match decode(bytes) {
            Ok(Event::Security(s)) => assert_eq!(s.paths[0].as_deref(), Some(&b"/etc/shadow"[..])),
            Ok(_) => {}
            Err(e) => panic!("{name}: {e}"),
        }
        g.bench_function(*name, |b| b.iter(|| decode(black_box(bytes))));
    }
    g.finish();
}

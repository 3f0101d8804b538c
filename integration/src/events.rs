//! The `EventName` of each kind of log record, spelled out here as the
//! wire contract the tests check. They are deliberately not imported from
//! the agent's `semconv` crate: a renamed event must fail the tests.

/// A process image started (`execve`/`execveat`).
pub const EXEC: &str = "sysotel.process.exec";
/// File security events.
pub const FILE: &str = "sysotel.security.file";
/// Socket security events.
pub const NETWORK: &str = "sysotel.security.network";
/// User, group and capability changes.
pub const PRIVILEGE: &str = "sysotel.security.privilege";
/// Namespace, mount, pivot_root and chroot calls.
pub const ISOLATION: &str = "sysotel.security.isolation";
/// Kernel module loads and removals.
pub const MODULE: &str = "sysotel.security.module";
/// `bpf()` calls.
pub const BPF: &str = "sysotel.security.bpf";
/// ptrace and process_vm_readv/writev.
pub const PTRACE: &str = "sysotel.security.ptrace";
/// memfd_create and prctl(PR_SET_NAME).
pub const EVASION: &str = "sysotel.security.evasion";
/// Signals sent to another process.
pub const SIGNAL: &str = "sysotel.security.signal";
/// Detection-rule findings.
pub const FINDING: &str = "sysotel.security.finding";

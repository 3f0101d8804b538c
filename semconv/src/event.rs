//! Event names (the `EventName` field of OTLP log records).
//!
//! Names are static, low cardinality and namespaced; each documents its
//! default severity.

/// A process replaced its image with `execve`/`execveat`. Severity INFO (9).
pub const PROCESS_EXEC: &str = "sysotel.process.exec";

/// The agent started and attached its eBPF programs. Severity INFO (9).
pub const AGENT_START: &str = "sysotel.agent.start";

/// A container's first process was seen (its cgroup appeared). The
/// container is the record's Resource. Severity INFO (9).
pub const CONTAINER_START: &str = "sysotel.container.start";

/// A container's last cgroup went away. Severity INFO (9).
pub const CONTAINER_STOP: &str = "sysotel.container.stop";

/// A file was opened for writing (or a watched file for reading), removed,
/// renamed, linked, truncated, or had its mode or owner changed. Severity
/// INFO (9).
pub const SECURITY_FILE: &str = "sysotel.security.file";

/// A socket was connected, accepted, bound or put to listen. Severity INFO (9).
pub const SECURITY_NETWORK: &str = "sysotel.security.network";

/// A process changed its user or group ids or its capabilities. Severity
/// INFO (9).
pub const SECURITY_PRIVILEGE: &str = "sysotel.security.privilege";

/// unshare, setns, mount, umount2, pivot_root or chroot. Severity INFO (9).
pub const SECURITY_ISOLATION: &str = "sysotel.security.isolation";

/// A kernel module was loaded or removed (or that was attempted). Severity
/// INFO (9).
pub const SECURITY_MODULE: &str = "sysotel.security.module";

/// A `bpf()` call. Severity INFO (9).
pub const SECURITY_BPF: &str = "sysotel.security.bpf";

/// ptrace, process_vm_readv or process_vm_writev. Severity INFO (9).
pub const SECURITY_PTRACE: &str = "sysotel.security.ptrace";

/// memfd_create, or a process renamed itself with prctl(PR_SET_NAME).
/// Severity INFO (9).
pub const SECURITY_EVASION: &str = "sysotel.security.evasion";

/// A signal sent to another process. Severity INFO (9).
pub const SECURITY_SIGNAL: &str = "sysotel.security.signal";

/// A detection rule matched an event. Severity from the rule's priority.
pub const SECURITY_FINDING: &str = "sysotel.security.finding";

/// Every event name sysotel emits.
pub const ALL: &[&str] = &[
    PROCESS_EXEC,
    AGENT_START,
    CONTAINER_START,
    CONTAINER_STOP,
    SECURITY_FILE,
    SECURITY_NETWORK,
    SECURITY_PRIVILEGE,
    SECURITY_ISOLATION,
    SECURITY_MODULE,
    SECURITY_BPF,
    SECURITY_PTRACE,
    SECURITY_EVASION,
    SECURITY_SIGNAL,
    SECURITY_FINDING,
];

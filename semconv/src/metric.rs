//! Metric names, each with its instrument and unit in the doc comment.

/// Completed system calls (Counter, `{syscall}`), by `sysotel.syscall.name`,
/// with `error.type` on failed calls. Aggregated in the kernel per cgroup.
pub const SYSCALLS: &str = "sysotel.syscalls";

/// Duration of system calls from entry to return (Histogram, `s`), by
/// `sysotel.syscall.name`; log2 buckets from the kernel.
pub const SYSCALL_DURATION: &str = "sysotel.syscall.duration";

/// Records read from the kernel ring buffer (Counter, `{event}`).
pub const AGENT_EVENTS: &str = "sysotel.agent.events";

/// Events and records lost, by `sysotel.drop.reason` (Counter, `{event}`).
pub const AGENT_DROPS: &str = "sysotel.agent.drops";

/// Records handed to a collector, by `sysotel.signal` and
/// `sysotel.export.outcome` (Counter, `{record}`).
pub const AGENT_EXPORTS: &str = "sysotel.agent.exports";

/// Processes in the agent's process table (Gauge, `{process}`).
pub const AGENT_PROCESS_TABLE_SIZE: &str = "sysotel.agent.process_table.size";

/// cgroups known to the agent (Gauge, `{cgroup}`).
pub const AGENT_CGROUPS: &str = "sysotel.agent.cgroups";

/// Bytes waiting in the kernel ring buffer when a program last wrote to it
/// (Gauge, `By`).
pub const AGENT_RINGBUF_USAGE: &str = "sysotel.agent.ringbuf.usage";

/// Every metric name sysotel emits.
pub const ALL: &[&str] = &[
    SYSCALLS,
    SYSCALL_DURATION,
    AGENT_EVENTS,
    AGENT_DROPS,
    AGENT_EXPORTS,
    AGENT_PROCESS_TABLE_SIZE,
    AGENT_CGROUPS,
    AGENT_RINGBUF_USAGE,
];

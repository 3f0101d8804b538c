//! Attribute keys.

pub use opentelemetry_semantic_conventions::attribute::{
    CLIENT_ADDRESS, CLIENT_PORT, ERROR_TYPE, FILE_PATH, NETWORK_PEER_ADDRESS, NETWORK_PEER_PORT, NETWORK_TYPE,
    PROCESS_EXIT_CODE, SERVER_ADDRESS, SERVER_PORT,
};
pub use opentelemetry_semantic_conventions::attribute::{
    CONTAINER_ID, CONTAINER_RUNTIME_NAME, HOST_ARCH, HOST_ID, HOST_NAME, K8S_POD_UID, OS_TYPE, PROCESS_COMMAND,
    PROCESS_COMMAND_ARGS, PROCESS_EXECUTABLE_NAME, PROCESS_EXECUTABLE_PATH, PROCESS_PARENT_PID, PROCESS_PID,
    PROCESS_REAL_USER_ID, PROCESS_USER_ID,
};
pub use opentelemetry_semantic_conventions::attribute::{
    CONTAINER_IMAGE_NAME, CONTAINER_IMAGE_TAGS, K8S_CONTAINER_NAME, K8S_CONTAINER_RESTART_COUNT, K8S_CRONJOB_NAME,
    K8S_DAEMONSET_NAME, K8S_DAEMONSET_UID, K8S_DEPLOYMENT_NAME, K8S_JOB_NAME, K8S_JOB_UID, K8S_NAMESPACE_NAME,
    K8S_NODE_NAME, K8S_POD_NAME, K8S_POD_START_TIME, K8S_REPLICASET_NAME, K8S_REPLICASET_UID, K8S_STATEFULSET_NAME,
    K8S_STATEFULSET_UID,
};
pub use opentelemetry_semantic_conventions::attribute::{
    FILE_DIRECTORY, FILE_NAME, NETWORK_LOCAL_ADDRESS, NETWORK_LOCAL_PORT, NETWORK_TRANSPORT, SECURITY_RULE_CATEGORY,
    SECURITY_RULE_DESCRIPTION, SECURITY_RULE_NAME, SECURITY_RULE_RULESET_NAME, SECURITY_RULE_UUID,
};
pub use opentelemetry_semantic_conventions::resource::{SERVICE_NAME, SERVICE_VERSION};

/// Effective group id of the process (the conventions define no process
/// group ids, only `file.group.id`).
///
/// # Examples
/// `0`, `1000`
pub const PROCESS_GROUP_ID: &str = "sysotel.process.group.id";

/// Real group id of the process.
///
/// # Examples
/// `0`, `1000`
pub const PROCESS_REAL_GROUP_ID: &str = "sysotel.process.real_group.id";

/// Thread id that performed the action, when it differs from the pid.
///
/// # Examples
/// `4243`
pub const PROCESS_THREAD_ID: &str = "sysotel.process.thread.id";

/// cgroup v2 id of the process (inode number of its cgroup2 directory).
///
/// # Examples
/// `63`
pub const CGROUP_ID: &str = "sysotel.cgroup.id";

/// Path of the process's cgroup v2 directory, relative to the cgroup2 mount.
///
/// # Examples
/// `/kubepods/besteffort/pod1b2c.../cri-containerd-4f1e...scope`, `/libpod_parent/libpod-b9e7...`
pub const CGROUP_PATH: &str = "sysotel.cgroup.path";

/// `true` when the argument vector was longer than the kernel-side buffer
/// and was cut.
///
/// # Examples
/// `true`
pub const EXEC_ARGS_TRUNCATED: &str = "sysotel.exec.args_truncated";

/// `true` when the executed file name was longer than the kernel-side
/// buffer and was cut.
///
/// # Examples
/// `true`
pub const EXEC_FILENAME_TRUNCATED: &str = "sysotel.exec.filename_truncated";

/// `true` when the kernel could not read the argument vector; the arguments
/// shown, if any, come from what the agent knew before.
///
/// # Examples
/// `true`
pub const EXEC_ARGS_MISSING: &str = "sysotel.exec.args_missing";

/// Names of the eBPF programs the agent attached.
///
/// # Examples
/// `["sched_process_exec", "sched_process_fork"]`
pub const AGENT_PROGRAMS: &str = "sysotel.agent.programs";

/// Signal that terminated the process (the conventions have only
/// `process.exit.code`).
///
/// # Examples
/// `9`, `15`
pub const PROCESS_EXIT_SIGNAL: &str = "sysotel.process.exit.signal";

/// Name of a system call on the agent's architecture.
///
/// # Examples
/// `openat`, `getppid`
pub const SYSCALL_NAME: &str = "sysotel.syscall.name";

/// Return value of a system call (negative errno on failure).
///
/// # Examples
/// `0`, `3`, `-2`
pub const SYSCALL_RETURN: &str = "sysotel.syscall.return";

/// Bytes written on a connection's descriptor, counted in the kernel.
///
/// # Examples
/// `512`
pub const CONNECTION_SENT_BYTES: &str = "sysotel.connection.sent_bytes";

/// Bytes read from a connection's descriptor, counted in the kernel.
///
/// # Examples
/// `2048`
pub const CONNECTION_RECEIVED_BYTES: &str = "sysotel.connection.received_bytes";

/// Why the agent lost an event or record.
///
/// # Examples
/// `ringbuf_full`, `queue_full`, `decode_error`, `export_failed`
pub const DROP_REASON: &str = "sysotel.drop.reason";

/// OpenTelemetry signal of an agent self-metric data point.
///
/// # Examples
/// `logs`, `metrics`, `traces`
pub const SIGNAL: &str = "sysotel.signal";

/// Outcome of handing records to a collector.
///
/// # Examples
/// `success`, `failure`
pub const EXPORT_OUTCOME: &str = "sysotel.export.outcome";

/// The arguments of a security-relevant syscall by name, rendered the way
/// rules see them (`evt.arg.NAME`).
///
/// # Examples
/// `{flags: "O_WRONLY|O_CREAT", mode: "0644", name: "out.txt"}`
pub const SYSCALL_ARGS: &str = "sysotel.syscall.args";

/// A path argument was longer than the kernel side keeps and was cut.
pub const SYSCALL_ARGS_TRUNCATED: &str = "sysotel.syscall.args_truncated";

/// The second path of a call: the destination of rename and link, the
/// target a symlink points to.
///
/// # Examples
/// `/tmp/new-name`, `../etc/shadow`
pub const FILE_TARGET_PATH: &str = "sysotel.file.target_path";

/// False when a relative path could not be made absolute (the process had
/// exited or closed the directory descriptor before the agent looked).
pub const FILE_PATH_RESOLVED: &str = "sysotel.file.path_resolved";

/// An open for reading reported because its path is watched.
pub const FILE_WATCHED: &str = "sysotel.file.watched";

/// The process's executable is a memfd (fileless execution).
pub const PROCESS_EXECUTABLE_MEMFD: &str = "sysotel.process.executable.memfd";

/// The process's executable has no links left (deleted, or a memfd).
pub const PROCESS_EXECUTABLE_DELETED: &str = "sysotel.process.executable.deleted";

/// The rule's priority in Falco's spelling.
///
/// # Examples
/// `Warning`, `Critical`
pub const RULE_PRIORITY: &str = "sysotel.rule.priority";

/// The rule's tags (MITRE ATT&CK ids among them).
///
/// # Examples
/// `["container", "shell", "mitre_execution", "T1059"]`
pub const RULE_TAGS: &str = "sysotel.rule.tags";

/// Event name of the record that triggered the finding.
///
/// # Examples
/// `sysotel.process.exec`, `sysotel.security.file`
pub const RULE_EVENT: &str = "sysotel.rule.event";

/// Every attribute key sysotel emits (standard and our own). The registry
/// test in `semconv/tests` fails when one is missing from `semconv/model`.
pub const ALL: &[&str] = &[
    CONTAINER_ID,
    CONTAINER_RUNTIME_NAME,
    K8S_POD_UID,
    K8S_POD_NAME,
    K8S_NAMESPACE_NAME,
    K8S_NODE_NAME,
    K8S_POD_START_TIME,
    K8S_CONTAINER_NAME,
    K8S_CONTAINER_RESTART_COUNT,
    CONTAINER_IMAGE_NAME,
    CONTAINER_IMAGE_TAGS,
    K8S_DEPLOYMENT_NAME,
    K8S_REPLICASET_NAME,
    K8S_REPLICASET_UID,
    K8S_STATEFULSET_NAME,
    K8S_STATEFULSET_UID,
    K8S_DAEMONSET_NAME,
    K8S_DAEMONSET_UID,
    K8S_JOB_NAME,
    K8S_JOB_UID,
    K8S_CRONJOB_NAME,
    CGROUP_PATH,
    HOST_ARCH,
    HOST_ID,
    HOST_NAME,
    OS_TYPE,
    PROCESS_COMMAND,
    PROCESS_COMMAND_ARGS,
    PROCESS_EXECUTABLE_NAME,
    PROCESS_EXECUTABLE_PATH,
    PROCESS_PARENT_PID,
    PROCESS_PID,
    PROCESS_REAL_USER_ID,
    PROCESS_USER_ID,
    SERVICE_NAME,
    SERVICE_VERSION,
    PROCESS_GROUP_ID,
    PROCESS_REAL_GROUP_ID,
    PROCESS_THREAD_ID,
    CGROUP_ID,
    EXEC_ARGS_TRUNCATED,
    EXEC_FILENAME_TRUNCATED,
    EXEC_ARGS_MISSING,
    AGENT_PROGRAMS,
    ERROR_TYPE,
    SYSCALL_NAME,
    DROP_REASON,
    SIGNAL,
    EXPORT_OUTCOME,
    PROCESS_EXIT_CODE,
    PROCESS_EXIT_SIGNAL,
    SYSCALL_RETURN,
    FILE_PATH,
    NETWORK_PEER_ADDRESS,
    NETWORK_PEER_PORT,
    NETWORK_TYPE,
    SERVER_ADDRESS,
    SERVER_PORT,
    CLIENT_ADDRESS,
    CLIENT_PORT,
    CONNECTION_SENT_BYTES,
    CONNECTION_RECEIVED_BYTES,
    FILE_DIRECTORY,
    FILE_NAME,
    NETWORK_LOCAL_ADDRESS,
    NETWORK_LOCAL_PORT,
    NETWORK_TRANSPORT,
    SECURITY_RULE_CATEGORY,
    SECURITY_RULE_DESCRIPTION,
    SECURITY_RULE_NAME,
    SECURITY_RULE_RULESET_NAME,
    SECURITY_RULE_UUID,
    SYSCALL_ARGS,
    SYSCALL_ARGS_TRUNCATED,
    FILE_TARGET_PATH,
    FILE_PATH_RESOLVED,
    FILE_WATCHED,
    PROCESS_EXECUTABLE_MEMFD,
    PROCESS_EXECUTABLE_DELETED,
    RULE_PRIORITY,
    RULE_TAGS,
    RULE_EVENT,
];

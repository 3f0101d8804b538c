//! Loads the embedded eBPF object, patches its globals and attaches programs.
//!
//! Programs stay attached as long as [`Loaded`] lives: aya detaches every
//! link when the `Ebpf` is dropped, and nothing is pinned, so a crash or
//! `kill -9` leaves nothing behind.

use aya::{
    Btf, Ebpf, EbpfLoader,
    maps::{
        Array, HashMap, MapData, PerCpuArray, PerCpuHashMap, RingBuf,
        lpm_trie::{Key, LpmTrie},
    },
    programs::{BtfTracePoint, RawTracePoint, TracePoint},
};
use exporter_common::{
    config::{AGENT_SLOW_SPECS, AGENT_SYSCALL_METRICS, AgentConfig},
    events::security::SEC_WATCH_PREFIX_MAX,
    offsets::KernelOffsets,
    syscalls::SyscallSpec,
};
use thiserror::Error;

use super::{offsets::Resolved, stats::KernelStats, syscall_maps::SyscallMaps, watch_heads::WatchHeads};

/// The eBPF object built by `build.rs` from `exporter-bpf`.
pub(super) static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/sysotel"));

#[derive(Debug, Error)]
pub enum LoadError {
    #[error(
        "this sysotel binary was built with AYA_BUILD_SKIP and embeds no eBPF object; rebuild with `cargo xtask build`"
    )]
    NoObject,
    #[error("loading the eBPF object failed: {0}")]
    Load(#[from] aya::EbpfError),
    #[error("program {0} is missing from the eBPF object")]
    MissingProgram(&'static str),
    #[error("map {0} is missing from the eBPF object")]
    MissingMap(&'static str),
    #[error("program {program}: {source}")]
    Program { program: &'static str, source: aya::programs::ProgramError },
    #[error("map {map}: {source}")]
    Map { map: &'static str, source: aya::maps::MapError },
    #[error("program {0} needs the kernel's BTF (/sys/kernel/btf/vmlinux), which could not be read")]
    NoBtf(&'static str),
}

/// Where a program is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hook {
    /// A classic tracepoint `category/name`.
    TracePoint { category: &'static str, name: &'static str },
    /// A raw tracepoint.
    Raw { name: &'static str },
    /// A BTF-typed raw tracepoint (`tp_btf`): arguments are typed kernel
    /// pointers, which helpers such as task storage accept.
    Btf { name: &'static str },
}

/// What a program is for; groups can be switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Process lifecycle events (always on).
    Process,
    /// `sys_enter`/`sys_exit`: per-cgroup syscall counts and latency
    /// histograms, slow calls, connections and security records.
    SyscallMetrics,
}

/// A program and its hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attached {
    pub program: &'static str,
    pub hook: Hook,
    pub group: Group,
}

/// Every program of the object and where it goes.
pub const PROGRAMS: [Attached; 9] = [
    Attached {
        program: "sched_process_exec",
        hook: Hook::TracePoint { category: "sched", name: "sched_process_exec" },
        group: Group::Process,
    },
    Attached { program: "sched_process_fork", hook: Hook::Raw { name: "sched_process_fork" }, group: Group::Process },
    Attached { program: "sched_process_exit", hook: Hook::Raw { name: "sched_process_exit" }, group: Group::Process },
    // Container naming, which every mode needs: a new cgroup's path.
    Attached {
        program: "cgroup_mkdir",
        hook: Hook::TracePoint { category: "cgroup", name: "cgroup_mkdir" },
        group: Group::Process,
    },
    // Before sys_exit: a cached cgroup id must never outlive a migration.
    Attached {
        program: "cgroup_attach_task",
        hook: Hook::Raw { name: "cgroup_attach_task" },
        group: Group::SyscallMetrics,
    },
    Attached {
        program: "cgroup_transfer_tasks",
        hook: Hook::Raw { name: "cgroup_transfer_tasks" },
        group: Group::SyscallMetrics,
    },
    // Before sys_enter: a call that leaves its CPU must always find it.
    Attached { program: "sched_switch", hook: Hook::Btf { name: "sched_switch" }, group: Group::SyscallMetrics },
    Attached { program: "sys_enter", hook: Hook::Raw { name: "sys_enter" }, group: Group::SyscallMetrics },
    Attached { program: "sys_exit", hook: Hook::Btf { name: "sys_exit" }, group: Group::SyscallMetrics },
];

/// Which groups to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    pub syscall_metrics: bool,
    /// `SYSCALL_SPECS` entries by syscall number (slow thresholds, connection
    /// roles, security layouts); any entry attaches the syscall programs.
    pub specs: Vec<(u32, SyscallSpec)>,
    /// Watched path prefixes for open reads: `(bits, bytes)`.
    pub watch: Vec<(u32, [u8; SEC_WATCH_PREFIX_MAX])>,
    /// Ring buffer size in bytes, when not the default.
    pub ring_bytes: Option<u32>,
}

/// A loaded and attached object.
pub struct Loaded {
    /// Keeps programs attached and maps alive.
    pub ebpf: Ebpf,
    pub attached: Vec<Attached>,
    pub events: RingBuf<MapData>,
    pub stats: KernelStats,
    /// Present when the syscall metrics group is loaded.
    pub syscalls: Option<SyscallMaps>,
}

/// Loads the object with `offsets` and the agent's own pid, and attaches
/// every program in [`PROGRAMS`].
///
/// # Errors
/// [`LoadError`] naming the program or map that failed.
pub fn load_and_attach(offsets: &Resolved, agent_pid: u32, options: LoadOptions) -> Result<Loaded, LoadError> {
    if OBJECT.is_empty() {
        return Err(LoadError::NoObject);
    }
    let mut flags = 0;
    if !options.specs.is_empty() {
        flags |= AGENT_SLOW_SPECS;
    }
    if options.syscall_metrics {
        flags |= AGENT_SYSCALL_METRICS;
    }
    let syscall_programs = flags != 0;
    let heads = WatchHeads::build(&options.watch);
    let agent = AgentConfig { agent_pid, flags, watch_head_mask: heads.mask };
    let kernel_offsets: KernelOffsets = offsets.offsets;
    let btf = Btf::from_sys_fs().ok();
    let mut loader = EbpfLoader::new();
    loader
        .btf(btf.as_ref())
        .override_global("OFFSETS", &kernel_offsets, true)
        .override_global("AGENT", &agent, true)
        // INFLIGHT is task-local storage, which aya has no typed wrapper for;
        // userspace never touches it.
        .allow_unsupported_maps();
    if let Some(bytes) = options.ring_bytes {
        loader.map_max_entries("EVENTS", bytes);
    }
    let mut ebpf = loader.load(OBJECT)?;
    if !options.specs.is_empty() {
        let map = ebpf.map_mut("SYSCALL_SPECS").ok_or(LoadError::MissingMap("SYSCALL_SPECS"))?;
        let mut specs: Array<&mut MapData, SyscallSpec> =
            Array::try_from(map).map_err(|source| LoadError::Map { map: "SYSCALL_SPECS", source })?;
        for (nr, spec) in &options.specs {
            specs.set(*nr, spec, 0).map_err(|source| LoadError::Map { map: "SYSCALL_SPECS", source })?;
        }
    }
    if !options.watch.is_empty() {
        let map = ebpf.map_mut("SEC_WATCH").ok_or(LoadError::MissingMap("SEC_WATCH"))?;
        let mut trie: LpmTrie<&mut MapData, [u8; SEC_WATCH_PREFIX_MAX], u8> =
            LpmTrie::try_from(map).map_err(|source| LoadError::Map { map: "SEC_WATCH", source })?;
        for (bits, data) in &options.watch {
            trie.insert(&Key::new(*bits, *data), 1, 0).map_err(|source| LoadError::Map { map: "SEC_WATCH", source })?;
        }
        let map = ebpf.map_mut("SEC_WATCH_HEADS").ok_or(LoadError::MissingMap("SEC_WATCH_HEADS"))?;
        let mut table: Array<&mut MapData, u64> =
            Array::try_from(map).map_err(|source| LoadError::Map { map: "SEC_WATCH_HEADS", source })?;
        for (slot, head) in &heads.slots {
            table.set(*slot, head, 0).map_err(|source| LoadError::Map { map: "SEC_WATCH_HEADS", source })?;
        }
        if heads.mask == 0 {
            tracing::warn!("watched-path heads do not fit their table: every read is checked against the full list");
        }
    }
    let mut attached = Vec::new();
    for spec in PROGRAMS {
        if spec.group == Group::SyscallMetrics && !syscall_programs {
            continue;
        }
        attach(&mut ebpf, spec, btf.as_ref())?;
        attached.push(spec);
    }
    let events = ebpf.take_map("EVENTS").ok_or(LoadError::MissingMap("EVENTS"))?;
    let events = RingBuf::try_from(events).map_err(|source| LoadError::Map { map: "EVENTS", source })?;
    let stats = ebpf.take_map("STATS").ok_or(LoadError::MissingMap("STATS"))?;
    let stats = PerCpuArray::try_from(stats).map_err(|source| LoadError::Map { map: "STATS", source })?;
    let syscalls = if options.syscall_metrics {
        let keys = ebpf.take_map("SYSCALL_KEYS").ok_or(LoadError::MissingMap("SYSCALL_KEYS"))?;
        let keys = Array::try_from(keys).map_err(|source| LoadError::Map { map: "SYSCALL_KEYS", source })?;
        let stats = ebpf.take_map("SYSCALL_STATS").ok_or(LoadError::MissingMap("SYSCALL_STATS"))?;
        let stats = PerCpuArray::try_from(stats).map_err(|source| LoadError::Map { map: "SYSCALL_STATS", source })?;
        let claims = ebpf.take_map("SYSCALL_CLAIMS").ok_or(LoadError::MissingMap("SYSCALL_CLAIMS"))?;
        let claims = HashMap::try_from(claims).map_err(|source| LoadError::Map { map: "SYSCALL_CLAIMS", source })?;
        let errnos = ebpf.take_map("SYSCALL_ERRNOS").ok_or(LoadError::MissingMap("SYSCALL_ERRNOS"))?;
        let errnos =
            PerCpuHashMap::try_from(errnos).map_err(|source| LoadError::Map { map: "SYSCALL_ERRNOS", source })?;
        Some(SyscallMaps::new(keys, stats, claims, errnos))
    } else {
        None
    };
    Ok(Loaded { ebpf, attached, events, stats: KernelStats::new(stats), syscalls })
}

/// Loads the program `spec` names and attaches it to its hook (`btf` is
/// needed for [`Hook::Btf`] only).
pub(super) fn attach(ebpf: &mut Ebpf, spec: Attached, btf: Option<&Btf>) -> Result<(), LoadError> {
    let name = spec.program;
    let err = |source| LoadError::Program { program: name, source };
    let program = ebpf.program_mut(name).ok_or(LoadError::MissingProgram(name))?;
    match spec.hook {
        Hook::TracePoint { category, name: tp } => {
            let p: &mut TracePoint = program.try_into().map_err(err)?;
            p.load().map_err(err)?;
            p.attach(category, tp).map_err(err)?;
        }
        Hook::Raw { name: tp } => {
            let p: &mut RawTracePoint = program.try_into().map_err(err)?;
            p.load().map_err(err)?;
            p.attach(tp).map_err(err)?;
        }
        Hook::Btf { name: tp } => {
            let btf = btf.ok_or(LoadError::NoBtf(name))?;
            let p: &mut BtfTracePoint = program.try_into().map_err(err)?;
            p.load(tp, btf).map_err(err)?;
            p.attach().map_err(err)?;
        }
    }
    Ok(())
}

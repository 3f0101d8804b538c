//! The running agent: wires source -> decode -> process table/enrich ->
//! signals -> export, and shuts it down cleanly.
//!
//! The ring-buffer reader runs as its own task and only ever `try_send`s
//! into a bounded queue; this consumer owns the process table and the sink.
//! On shutdown the reader drains what the kernel already wrote, the queue is
//! emptied, and the sink flushes within a bounded time.

use std::{future::Future, path::PathBuf, sync::Arc, time::Duration};

use exporter_common::stats::Stat;
use thiserror::Error;
use tokio::sync::{mpsc, watch};

use crate::{
    bpf::{self, KernelStats, LoadError},
    config::{ExportConfig, LogsOutput},
    decode::Event,
    decode::Header,
    enrich::{
        ContainerIdentity,
        container::{CgroupResolver, resolver::find_cgroup2_root},
        container_identity,
        k8s::{self, K8sConfig, K8sHandle, K8sStatus},
        process_context,
    },
    export::{self, ExportStats, LogSink, OtlpSetupError},
    health::HealthState,
    process::{ProcessTable, seed_from_proc},
    signals::{agent_start_log, exec_log},
    source::{ReaderError, SourceCounters, run_reader},
    system,
    util::clock::BootClock,
};

/// Options of `sysotel run`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub export: ExportConfig,
    /// Where the host's `/proc` is (`/proc`, or a host mount in a container).
    pub proc_root: PathBuf,
    /// Bound of the queue between the reader and the consumer.
    pub queue_capacity: usize,
    /// Bound of the process table.
    pub table_capacity: usize,
    /// Ring buffer size in bytes (a power-of-two multiple of the page size).
    pub ring_buffer_bytes: Option<u32>,
    /// How often losses are checked and logged.
    pub report_interval: Duration,
    /// Upper bound for flushing telemetry at shutdown.
    pub shutdown_timeout: Duration,
    /// Where to serve `/healthz` and `/readyz`, if anywhere.
    pub health_addr: Option<std::net::SocketAddr>,
}

#[derive(Debug, Error)]
pub enum PipelineError {
    #[error(transparent)]
    Mount(#[from] system::MountError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Export(#[from] OtlpSetupError),
    #[error("ring-buffer reader failed: {0}")]
    Reader(#[from] ReaderError),
    #[error(transparent)]
    Health(#[from] crate::health::HealthError),
    #[error("cannot read {path}: {source}")]
    Proc { path: String, source: procfs::ProcError },
}

/// Totals at exit.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunSummary {
    pub received: u64,
    pub decode_errors: u64,
    pub queue_full: u64,
    pub ringbuf_full: u64,
    pub logs_emitted: u64,
}

/// Runs until `shutdown` resolves.
///
/// # Errors
/// [`PipelineError`] when the agent cannot start (mounts, load, exporter)
/// or its reader fails.
pub async fn run(opts: RunOptions, shutdown: impl Future<Output = ()>) -> Result<RunSummary, PipelineError> {
    if system::ensure_mounted(system::TRACEFS)? {
        tracing::info!("mounted tracefs at {}", system::TRACEFS.0);
    }
    if let Err(e) = system::raise_memlock() {
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        if crate::check::kernel_at_least(release.trim(), (5, 11)) {
            tracing::debug!("cannot raise RLIMIT_MEMLOCK ({e}); not needed on this kernel (memcg accounting)");
        } else {
            tracing::warn!("cannot raise RLIMIT_MEMLOCK ({e}); loading may fail on kernels before 5.11");
        }
    }
    let resolved = match bpf::resolve_offsets(std::path::Path::new(bpf::offsets::VMLINUX_BTF)) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(
                "{e}; running without kernel structure offsets (no fork events, no arguments from the kernel)"
            );
            bpf::offsets::Resolved { offsets: exporter_common::offsets::KernelOffsets::UNKNOWN, missing: vec![] }
        }
    };
    for m in &resolved.missing {
        tracing::warn!("kernel BTF: {m}; the data that needs it will be missing");
    }

    let export_stats = Arc::new(ExportStats::default());
    let mut sink = export::build_log_sink(&opts.export.logs, &export_stats, &opts.proc_root)?;
    let observed = matches!(opts.export.logs, LogsOutput::Otlp(_)).then(|| Arc::clone(&export_stats));
    let health = Arc::new(HealthState::new(observed));
    let _health_task = match opts.health_addr {
        Some(addr) => {
            let (bound, serve) = crate::health::serve(addr, Arc::clone(&health)).await?;
            tracing::info!("health probes on http://{bound}/healthz and /readyz");
            Some(AbortOnDrop(tokio::spawn(serve)))
        }
        None => None,
    };
    let agent_pid = std::process::id();
    let loaded = bpf::load_and_attach(&resolved, agent_pid, opts.ring_buffer_bytes)?;
    let bpf::Loaded { ebpf, attached, events, stats } = loaded;
    let cgroup_root = std::fs::read_to_string("/proc/self/mounts").ok().and_then(|m| find_cgroup2_root(&m));
    if cgroup_root.is_none() {
        tracing::warn!("no cgroup2 mount found; containers are recognised from /proc/<pid>/cgroup only");
    }
    let pods = match k8s::start(K8sConfig::from_env()).await {
        Ok(handle) => {
            match handle.status() {
                K8sStatus::Disabled(why) => tracing::info!("Kubernetes metadata off: {why}"),
                _ => tracing::info!("watching this node's pods for Kubernetes metadata"),
            }
            Some(handle)
        }
        Err(e) => {
            tracing::warn!("Kubernetes metadata off: {e}; pods are attributed from cgroup paths only");
            None
        }
    };
    let mut enricher = Enricher {
        table: ProcessTable::new(opts.table_capacity, procfs::ticks_per_second()),
        cgroups: CgroupResolver::new(cgroup_root, opts.proc_root.clone(), 65_536, Duration::from_millis(20)),
        pods,
    };
    enricher.cgroups.scan();
    let clock = BootClock::measure();
    let program_names: Vec<&str> = attached.iter().map(|a| a.program).collect();
    sink.emit(agent_start_log(&program_names, clock.to_system_time(BootClock::now_boot_ns())));
    health.set_attached();

    let counters = Arc::new(SourceCounters::default());
    let (tx, mut rx) = mpsc::channel(opts.queue_capacity);
    let (stop_tx, stop_rx) = watch::channel(false);
    let reader = tokio::spawn(run_reader(events, tx, Arc::clone(&counters), stop_rx));

    let seeded = seed_from_proc(&mut enricher.table, &opts.proc_root, agent_pid)
        .map_err(|source| PipelineError::Proc { path: opts.proc_root.display().to_string(), source })?;
    let destination = match &opts.export.logs {
        LogsOutput::Terminal => "terminal".to_string(),
        LogsOutput::Otlp(p) => {
            format!("OTLP {} {}", p.as_str(), opts.export.logs_endpoint.as_deref().unwrap_or("(default endpoint)"))
        }
        LogsOutput::Disabled => "nowhere (disabled)".to_string(),
    };
    tracing::info!(
        "sysotel ready: {} programs attached ({}), {} processes seeded ({} skipped), logs to {destination}",
        attached.len(),
        program_names.join(", "),
        seeded.seeded,
        seeded.skipped,
    );

    let mut losses = LossReporter::default();
    let mut summary = RunSummary::default();
    let mut tick = tokio::time::interval(opts.report_interval);
    tick.tick().await;
    tokio::pin!(shutdown);
    let mut stopping = false;
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Some(ev) => handle(ev, &mut enricher, sink.as_mut(), &clock, &mut summary),
                None => break,
            },
            () = &mut shutdown, if !stopping => {
                stopping = true;
                health.set_stopping();
                tracing::info!("shutting down: draining events and flushing telemetry");
                let _ = stop_tx.send(true);
            }
            _ = tick.tick() => {
                losses.report(&counters, &stats);
                let proc_root = opts.proc_root.clone();
                let removed = enricher.table.sweep(|pid, _| proc_root.join(pid.to_string()).exists());
                if removed > 0 {
                    tracing::debug!("process table: removed {removed} processes whose exit was not seen");
                }
            }
        }
    }
    let reader_result = reader.await;
    // Detach the programs before flushing: nothing new can arrive.
    drop(ebpf);
    losses.report(&counters, &stats);
    let flush = tokio::task::spawn_blocking(move || sink.shutdown());
    match tokio::time::timeout(opts.shutdown_timeout, flush).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => tracing::warn!("flushing telemetry at shutdown failed: {e}"),
        Ok(Err(e)) => tracing::warn!("flush task failed: {e}"),
        Err(_) => {
            tracing::warn!("flushing telemetry took longer than {:?}; pending records lost", opts.shutdown_timeout)
        }
    }
    let (received, _, decode_errors, queue_full) = counters.snapshot();
    summary.received = received;
    summary.decode_errors = decode_errors;
    summary.queue_full = queue_full;
    summary.ringbuf_full = losses.ringbuf_full;
    match reader_result {
        Ok(Ok(())) => Ok(summary),
        Ok(Err(e)) => Err(e.into()),
        Err(e) => {
            tracing::error!("ring-buffer reader task panicked: {e}");
            Ok(summary)
        }
    }
}

/// The caches enrichment reads.
struct Enricher {
    table: ProcessTable,
    cgroups: CgroupResolver,
    /// The node's pods, when running in a cluster.
    pods: Option<K8sHandle>,
}

impl Enricher {
    /// The container of an event's process, if it runs in one.
    fn container(&mut self, header: &Header) -> Option<Arc<ContainerIdentity>> {
        let info = self.cgroups.resolve(header.cgroup_id, header.pid)?;
        let c = info.container.as_ref()?;
        let extra = self
            .pods
            .as_ref()
            .and_then(|p| {
                p.container_attributes(&c.id).or_else(|| c.pod_uid.as_deref().and_then(|u| p.pod_uid_attributes(u)))
            })
            .unwrap_or_default();
        container_identity(&info, extra)
    }
}

fn handle(ev: Event, enricher: &mut Enricher, sink: &mut dyn LogSink, clock: &BootClock, summary: &mut RunSummary) {
    match ev {
        Event::Exec(e) => {
            let info = enricher.table.on_exec(&e).cloned();
            let ctx = process_context(&e.header, info.as_ref());
            let container = enricher.container(&e.header);
            sink.emit(exec_log(&e, &ctx, container, clock.to_system_time(e.header.ktime_ns)));
            summary.logs_emitted += 1;
        }
        Event::Fork(f) => enricher.table.on_fork(&f),
        Event::Exit(x) => {
            enricher.table.on_exit(&x);
        }
    }
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Logs each kind of loss once per interval, with the increase.
#[derive(Default)]
struct LossReporter {
    decode_errors: u64,
    queue_full: u64,
    ringbuf_full: u64,
}

impl LossReporter {
    fn report(&mut self, counters: &SourceCounters, stats: &KernelStats) {
        let (_, _, decode_errors, queue_full) = counters.snapshot();
        let ringbuf_full = stats.totals().iter().find(|(s, _)| *s == Stat::RingbufFull).map_or(0, |(_, v)| *v);
        for (what, now, before) in [
            ("events lost: kernel ring buffer full", ringbuf_full, &mut self.ringbuf_full),
            ("events dropped: pipeline queue full", queue_full, &mut self.queue_full),
            ("malformed records dropped", decode_errors, &mut self.decode_errors),
        ] {
            if now > *before {
                tracing::warn!("{what}: {} in the last interval, {now} in total", now - *before);
                *before = now;
            }
        }
    }
}

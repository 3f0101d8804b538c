//! The running agent: wires source -> decode -> process table/enrich ->
//! signals -> export, and shuts it down cleanly.
//!
//! The ring-buffer reader runs as its own task and only ever `try_send`s
//! into a bounded queue; this consumer owns the process table and the sink.
//! On shutdown the reader drains what the kernel already wrote, the queue is
//! emptied, and the sink flushes within a bounded time.

mod enricher;
mod losses;
pub mod metrics;
mod retired;
mod security;

use std::{collections::HashMap, future::Future, path::PathBuf, sync::Arc, time::Duration};

use enricher::Enricher;
use exporter_common::stats::Stat;
use losses::{AbortOnDrop, LossReporter};
use metrics::{MetricsCollector, MetricsOut};
use thiserror::Error;
use tokio::sync::{mpsc, watch};

use crate::{
    bpf::{self, LoadError},
    config::{ExportConfig, LogsOutput, MetricsOutput},
    decode::Event,
    enrich::{
        container::{CgroupResolver, resolver::find_cgroup2_root},
        k8s::{self, K8sConfig, K8sStatus},
        process_context,
    },
    export::{self, ExportStats, LogSink, OtlpSetupError, SpanSink, otlp_wire},
    health::HealthState,
    process::{ProcessTable, seed_from_proc},
    security::watch::WatchList,
    signals::{
        agent_start_log, container_log, exec_log,
        metrics::AgentCounters,
        traces::{Connections, IdSalt, ProcessSpans, process::ExecInfo},
    },
    source::{ReaderError, SourceCounters, run_reader},
    system,
    util::clock::BootClock,
    util::text::{basename, escape_bytes},
};

/// Most events taken from the reader's queue at once. The consumer's
/// `select!` (its timers, the shutdown signal) then runs once per batch
/// rather than per event; at 100,000 events/s that poll was about 3 % of the
/// agent's CPU.
const RECV_BATCH: usize = 256;

/// Options of `sysotel run`.
#[derive(Clone)]
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
    /// Which syscalls become slow-syscall spans.
    pub slow: crate::config::SlowThresholds,
    /// Secret redaction for command lines.
    pub redact: crate::enrich::redact::Redactor,
    /// Security events (None: off).
    pub security: Option<crate::security::SecurityConfig>,
    /// Detection rules (None: no rules).
    pub rules: Option<Arc<sysotel_rules::Ruleset>>,
}

#[derive(Debug, Error)]
pub enum PipelineError {
    #[error(transparent)]
    Mount(#[from] system::MountError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Export(#[from] OtlpSetupError),
    #[error("logs export: {0}")]
    Logs(#[from] export::wire_logs::SetupError),
    #[error(transparent)]
    Traces(#[from] export::wire_spans::TracesSetupError),
    #[error("ring-buffer reader failed: {0}")]
    Reader(#[from] ReaderError),
    #[error(transparent)]
    Health(#[from] crate::health::HealthError),
    #[error("metrics export: {0}")]
    MetricsConfig(#[from] otlp_wire::ConfigError),
    #[error("metrics export: {0}")]
    MetricsSender(#[from] otlp_wire::BuildError),
    #[error("cannot read {path}: {source}")]
    Proc { path: String, source: procfs::ProcError },
    #[error("security events: {0}")]
    Security(String),
}

/// Totals at exit.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunSummary {
    pub received: u64,
    pub decode_errors: u64,
    pub queue_full: u64,
    pub ringbuf_full: u64,
    pub logs_emitted: u64,
    /// Reads the kernel left undecided (relative or unnormalised paths) that
    /// resolved outside every watched prefix: filtered, not lost.
    pub reads_not_watched: u64,
    /// Log records dropped because the export queue was full.
    pub export_queue_full: u64,
    /// Log records exported, and those whose export failed.
    pub logs_exported: u64,
    pub logs_failed: u64,
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

    // The agent's own Resource, read once (host identity, OTEL_* detectors).
    let resource = export::agent_resource(&opts.proc_root);
    let export_stats = Arc::new(ExportStats::default());
    let mut sink = export::build_log_sink(&opts.export.logs, &export_stats, &resource)?;
    let span_stats = Arc::new(ExportStats::default());
    let mut span_sink = export::build_span_sink(opts.export.traces.clone(), &resource, &span_stats)?;
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
    // The syscall programs feed metrics and slow-syscall spans.
    let syscall_programs =
        opts.export.metrics != MetricsOutput::Disabled || opts.export.traces != crate::config::TracesOutput::Disabled;
    let slow = if opts.export.traces == crate::config::TracesOutput::Disabled {
        Vec::new()
    } else {
        opts.slow.kernel_specs(true)
    };
    // Security events and findings are log records: with logs off, the
    // kernel does not produce them at all.
    let logs_on = opts.export.logs != LogsOutput::Disabled;
    let (security_layouts, watch) = match opts.security.as_ref().filter(|_| logs_on) {
        Some(cfg) => (
            crate::security::layout::kernel_layouts(cfg),
            crate::security::layout::watch_keys(cfg).map_err(PipelineError::Security)?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let load = bpf::LoadOptions {
        syscall_metrics: syscall_programs,
        specs: crate::security::layout::merge_specs(slow, security_layouts),
        watch,
        ring_bytes: opts.ring_buffer_bytes,
    };
    let loaded = bpf::load_and_attach(&resolved, agent_pid, load)?;
    let bpf::Loaded { ebpf, attached, events, stats, syscalls } = loaded;
    let metrics_out = match &opts.export.metrics {
        MetricsOutput::Otlp => Some(MetricsOut::Send(metrics_sender()?)),
        MetricsOutput::File(file) => Some(MetricsOut::Send(metrics_file(Arc::clone(file)))),
        MetricsOutput::Console => Some(MetricsOut::Console),
        MetricsOutput::Disabled => None,
    };
    let base_resource: Vec<opentelemetry::KeyValue> =
        resource.iter().map(|(k, v)| opentelemetry::KeyValue::new(k.clone(), v.clone())).collect();
    let mut metrics = metrics_out.map(|out| MetricsCollector::new(syscalls, out, base_resource));
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
        running: HashMap::new(),
        lifecycle: Vec::new(),
        spans: ProcessSpans::new(IdSalt::from_boot_id(&opts.proc_root), opts.table_capacity),
        conns: Connections::new(65_536),
        // Findings are log records: with logs off, rules are not evaluated.
        security: security::SecurityStage::new(
            opts.proc_root.clone(),
            opts.rules.clone().filter(|_| logs_on),
            opts.security.as_ref().map(|c| WatchList::new(&c.watch)).unwrap_or_default(),
        ),
    };
    enricher.cgroups.scan();
    let clock = BootClock::measure();
    let program_names: Vec<&str> = attached.iter().map(|a| a.program).collect();
    sink.emit(agent_start_log(&program_names, clock.to_system_time(BootClock::now_boot_ns())));
    health.set_attached();

    let records = logs_on || opts.export.traces != crate::config::TracesOutput::Disabled;
    if opts.rules.is_some() && !logs_on {
        tracing::info!("detection rules not evaluated: their findings are log records, and logs are off");
    }
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
        LogsOutput::File(f) => format!("file {}", f.path().display()),
        LogsOutput::Disabled => "nowhere (disabled)".to_string(),
    };
    tracing::info!(
        "sysotel ready: {} programs attached ({}), {} processes seeded ({} skipped), logs to {destination}",
        attached.len(),
        program_names.join(", "),
        seeded.seeded,
        seeded.skipped,
    );
    crate::system::release_free_memory();

    let mut losses = LossReporter::default();
    let mut summary = RunSummary::default();
    let mut tick = tokio::time::interval(opts.report_interval);
    tick.tick().await;
    let mut metrics_tick = tokio::time::interval(opts.export.metric_interval);
    metrics_tick.tick().await;
    tokio::pin!(shutdown);
    let mut stopping = false;
    let mut batch = Vec::with_capacity(RECV_BATCH);
    loop {
        tokio::select! {
            taken = rx.recv_many(&mut batch, RECV_BATCH) => {
                if taken == 0 {
                    break;
                }
                // One observed time for the batch: it left the ring buffer
                // at once, and a clock read per record was 2 % of the CPU.
                sink.observing(Some(std::time::SystemTime::now()));
                let mut out = Outputs { logs: sink.as_mut(), spans: span_sink.as_mut(), records };
                for ev in batch.drain(..) {
                    handle(ev, &mut enricher, &mut out, &clock, &opts.redact, &mut summary);
                }
                sink.observing(None);
            }
            () = &mut shutdown, if !stopping => {
                stopping = true;
                health.set_stopping();
                tracing::info!("shutting down: draining events and flushing telemetry");
                let _ = stop_tx.send(true);
            }
            _ = metrics_tick.tick(), if metrics.is_some() => {
                let agent = agent_counters(&counters, &stats, &export_stats, &span_stats, &enricher);
                if let Some(m) = metrics.as_mut() {
                    m.collect(&mut enricher, agent);
                }
            }
            _ = tick.tick() => {
                enricher.cgroups.scan();
                enricher.reap_stopped();
                emit_lifecycle(&mut enricher, &mut Outputs { logs: sink.as_mut(), spans: span_sink.as_mut(), records });
                losses.report(&counters, &stats, &export_stats);
                let proc_root = opts.proc_root.clone();
                let removed = enricher.table.sweep(|pid, _| proc_root.join(pid.to_string()).exists());
                enricher.spans.sweep(|pid| proc_root.join(pid.to_string()).exists());
                if removed > 0 {
                    tracing::debug!("process table: removed {removed} processes whose exit was not seen");
                }
                // After a burst the allocator keeps the freed pages: hand
                // them back so RSS follows the live data.
                crate::system::release_free_memory();
            }
        }
    }
    let reader_result = reader.await;
    if let Some(m) = metrics.as_mut() {
        // A last interval with the final totals, given the flush budget to leave.
        let agent = agent_counters(&counters, &stats, &export_stats, &span_stats, &enricher);
        let deadline = tokio::time::Instant::now() + opts.shutdown_timeout / 2;
        while m.is_busy() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        m.collect(&mut enricher, agent);
        while m.is_busy() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Detach the programs before flushing: nothing new can arrive.
    drop(ebpf);
    losses.report(&counters, &stats, &export_stats);
    let flush = tokio::task::spawn_blocking(move || {
        let logs = sink.shutdown();
        let spans = span_sink.shutdown().map_err(|e| format!("spans: {e}"));
        logs.and(spans)
    });
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
    summary.export_queue_full = export_stats.queue_dropped.load(std::sync::atomic::Ordering::Relaxed);
    summary.logs_exported = export_stats.exported_records.load(std::sync::atomic::Ordering::Relaxed);
    summary.logs_failed = export_stats.failed_records.load(std::sync::atomic::Ordering::Relaxed);
    match reader_result {
        Ok(Ok(())) => Ok(summary),
        Ok(Err(e)) => Err(e.into()),
        Err(e) => {
            tracing::error!("ring-buffer reader task panicked: {e}");
            Ok(summary)
        }
    }
}

/// Turns pending container starts and stops into records.
fn emit_lifecycle(enricher: &mut Enricher, out: &mut Outputs<'_>) {
    let now = std::time::SystemTime::now();
    for change in std::mem::take(&mut enricher.lifecycle) {
        let (ident, started) = match change {
            enricher::Lifecycle::Start(i) => (i, true),
            enricher::Lifecycle::Stop(i) => (i, false),
        };
        let mut log = container_log(Arc::clone(&ident), started, now);
        if started {
            log.trace = Some(enricher.spans.container_span(&ident, now));
        } else if let Some(span) = enricher.spans.container_stopped(&ident.id, now) {
            log.trace = Some(span.ids);
            out.spans.emit(span);
        }
        out.logs.emit(log);
    }
}

/// Where the consumer's records go.
struct Outputs<'a> {
    logs: &'a mut dyn LogSink,
    spans: &'a mut dyn SpanSink,
    /// Whether logs or traces are exported. Without them (metrics only),
    /// an exec only updates the process table and the container: no
    /// record is built, no rule evaluated, no argument redacted.
    records: bool,
}

/// The OTLP sender for metrics, from the `OTEL_EXPORTER_OTLP_[METRICS_]*`
/// variables (needs the Tokio runtime for gRPC).
fn metrics_sender() -> Result<metrics::SendFn, PipelineError> {
    let config = otlp_wire::WireConfig::from_env(otlp_wire::Signal::Metrics)?;
    let sender = Arc::new(otlp_wire::WireSender::new(&config)?);
    tracing::info!("metrics to OTLP {}", sender.endpoint());
    Ok(Arc::new(move |req| {
        let sender = Arc::clone(&sender);
        Box::pin(async move {
            match sender.send(req).await {
                Ok(outcome) if outcome.is_partial() => Err(format!(
                    "collector rejected {} data points: {}",
                    outcome.rejected,
                    outcome.message.unwrap_or_default()
                )),
                Ok(_) => Ok(0),
                Err(e) => Err(e.to_string()),
            }
        })
    }))
}

/// Metrics as OTLP/JSON lines in a file.
fn metrics_file(file: crate::config::otel_env::OutputFile) -> metrics::SendFn {
    Arc::new(move |req| {
        let file = Arc::clone(&file);
        Box::pin(async move { export::otlp_file::write_metrics(&file, &req).map(|()| 0).map_err(|e| e.to_string()) })
    })
}

/// The agent's self-metric totals right now.
fn agent_counters(
    counters: &SourceCounters,
    stats: &bpf::KernelStats,
    logs: &ExportStats,
    spans: &ExportStats,
    enricher: &Enricher,
) -> AgentCounters {
    use std::sync::atomic::Ordering::Relaxed;
    let (received, _, decode_errors, queue_full) = counters.snapshot();
    let kernel = stats.totals();
    let k = |s: Stat| kernel.iter().find(|(x, _)| *x == s).map_or(0, |(_, v)| *v);
    AgentCounters {
        events: received,
        ringbuf_full: k(Stat::RingbufFull),
        queue_full,
        decode_errors,
        syscall_stats_full: k(Stat::SyscallStatsFull),
        syscall_errnos_full: k(Stat::SyscallErrnosFull),
        logs_exported: logs.exported_records.load(Relaxed),
        logs_failed: logs.failed_records.load(Relaxed),
        logs_queue_dropped: logs.queue_dropped.load(Relaxed),
        // Filled in by the metrics collector, which owns those counters.
        metrics_exported: 0,
        metrics_failed: 0,
        traces_exported: spans.exported_records.load(Relaxed),
        traces_failed: spans.failed_records.load(Relaxed),
        ringbuf_used_bytes: stats.max(Stat::RingbufUsedBytes),
        process_table_size: enricher.table.len() as u64,
        cgroups: 0,
    }
}

fn handle(
    ev: Event,
    enricher: &mut Enricher,
    out: &mut Outputs<'_>,
    clock: &BootClock,
    redact: &crate::enrich::redact::Redactor,
    summary: &mut RunSummary,
) {
    match ev {
        Event::Exec(e) => {
            enricher.table.on_exec(&e);
            // Metrics need the container too: it names the cgroup of a
            // container that may be gone by the next scan.
            let container = enricher.container(&e.header);
            emit_lifecycle(enricher, out);
            if !out.records {
                // Metrics only: the table entry and the container are all
                // they need.
                return;
            }
            // The entry `on_exec` just wrote (neither step above touches
            // the table), and the parent's, borrowed rather than copied:
            // the span bookkeeping is a different field of the enricher.
            let info = enricher.table.get(e.header.pid);
            let mut ctx = process_context(&e.header, info);
            // Nothing leaves the host with a secret in it: logs and spans
            // take the arguments from `ctx`.
            redact.redact_args(&mut ctx.args);
            let time = clock.to_system_time(e.header.ktime_ns);
            let parent = ctx.ppid.and_then(|p| enricher.table.get(p));
            let (finished, span) = enricher.spans.on_exec(ExecInfo {
                pid: e.header.pid,
                ppid: ctx.ppid,
                parent_name: parent.map(|p| p.comm.as_slice()),
                parent_args: parent.map_or(&[], |p| &p.args[..]),
                start_ticks: info.and_then(|i| i.start_ticks),
                time,
                name: escape_bytes(basename(&e.filename)).into_owned(),
                attributes: process_span_attributes(&e, &ctx),
                container: container.clone(),
            });
            if let Some(f) = finished {
                out.spans.emit(f);
            }
            let matched =
                security::matching_rules(enricher, crate::detect::Subject::Exec(&e), &ctx, info, container.as_deref());
            let mut log = exec_log(&e, &ctx, container, time);
            log.trace = span;
            security::emit_with_findings(enricher, matched, log, out, summary);
        }
        Event::Fork(f) => enricher.table.on_fork(&f),
        Event::CgroupMkdir(c) => {
            tracing::debug!(cgroup_id = c.id, path = %c.path, truncated = c.truncated, "cgroup created");
            enricher.cgroups.learn(c.id, &c.path, c.truncated);
        }
        Event::Connection(c) => {
            let time = clock.to_system_time(c.start_ns);
            match c.op {
                crate::decode::ConnOp::Close => {
                    let end = clock.to_system_time(c.start_ns + c.duration_ns);
                    if let Some(span) = enricher.conns.close(c.header.pid, c.fd, end, c.bytes_sent, c.bytes_received) {
                        out.spans.emit(span);
                    }
                }
                op => {
                    let container = enricher.container(&c.header);
                    let parent = enricher.spans.current(c.header.pid);
                    let opened = crate::signals::traces::Opened {
                        pid: c.header.pid,
                        fd: c.fd,
                        op,
                        start: time,
                        addr: &c.addr,
                        parent,
                        container,
                    };
                    if let Some(prev) = enricher.conns.open(opened, enricher.spans.salt()) {
                        out.spans.emit(prev);
                    }
                }
            }
        }
        Event::Security(e) => security::handle_security(e, enricher, out, clock, summary),
        Event::SlowSyscall(e) => {
            let container = enricher.container(&e.header);
            let parent = enricher.spans.current(e.header.pid);
            out.spans.emit(slow_syscall_span(&e, parent, container, clock, &enricher.spans));
        }
        Event::Exit(x) => {
            enricher.table.on_exit(&x);
            let time = clock.to_system_time(x.header.ktime_ns);
            for span in enricher.conns.process_exited(x.header.pid, time) {
                out.spans.emit(span);
            }
            if let Some(span) = enricher.spans.on_exit(x.header.pid, time, x.exit_code(), x.signal()) {
                out.spans.emit(span);
            }
        }
    }
}

/// A span for a slow system call, under its process's span when the agent
/// has one (else the root of its own trace).
fn slow_syscall_span(
    e: &crate::decode::SlowSyscallEvent,
    parent: Option<crate::signals::traces::SpanRef>,
    container: Option<Arc<crate::enrich::ContainerIdentity>>,
    clock: &BootClock,
    spans: &ProcessSpans,
) -> crate::signals::traces::SpanRecord {
    use opentelemetry::KeyValue;
    use semconv::attribute as attr;

    use crate::{
        decode::Target,
        signals::metrics::syscalls::{errno_name, syscall_name},
        util::sockaddr::{SockAddr, parse_sockaddr},
    };
    let name = syscall_name(e.nr);
    let start = clock.to_system_time(e.start_ns);
    let mut a = vec![
        KeyValue::new(attr::SYSCALL_NAME, name.clone()),
        KeyValue::new(attr::PROCESS_PID, i64::from(e.header.pid)),
        KeyValue::new(attr::SYSCALL_RETURN, e.ret),
    ];
    let mut error = None;
    if (-4095..0).contains(&e.ret) {
        let errno = errno_name(u32::try_from(-e.ret).unwrap_or(0));
        a.push(KeyValue::new(attr::ERROR_TYPE, errno.clone()));
        error = Some(errno);
    }
    match &e.target {
        Some(Target::Path(p)) => a.push(KeyValue::new(attr::FILE_PATH, escape_bytes(p).into_owned())),
        Some(Target::Sockaddr(b)) => match parse_sockaddr(b) {
            Some(SockAddr::Inet { ip, port }) => {
                a.push(KeyValue::new(attr::NETWORK_PEER_ADDRESS, ip.to_string()));
                a.push(KeyValue::new(attr::NETWORK_PEER_PORT, i64::from(port)));
            }
            Some(SockAddr::Unix(path)) => a.push(KeyValue::new(attr::NETWORK_PEER_ADDRESS, path)),
            _ => {}
        },
        None => {}
    }
    let ids = match parent {
        Some(p) => crate::signals::traces::SpanRef {
            trace_id: p.trace_id,
            span_id: spans.salt().span_id(&(e.header.tid, e.start_ns, "syscall")),
        },
        None => crate::signals::traces::SpanRef {
            trace_id: spans.salt().trace_id(&(e.header.tid, e.start_ns, "syscall")),
            span_id: spans.salt().span_id(&(e.header.tid, e.start_ns, "syscall")),
        },
    };
    crate::signals::traces::SpanRecord {
        name,
        kind: opentelemetry::trace::SpanKind::Internal,
        ids,
        parent: parent.map(|p| p.span_id),
        start,
        end: start + std::time::Duration::from_nanos(e.duration_ns),
        attributes: a,
        error,
        container,
    }
}

/// Attributes of a process span.
fn process_span_attributes(
    e: &crate::decode::ExecEvent,
    ctx: &crate::enrich::ProcessContext,
) -> Vec<opentelemetry::KeyValue> {
    use opentelemetry::{KeyValue, Value};
    use semconv::attribute as attr;
    let mut a = vec![
        KeyValue::new(attr::PROCESS_PID, i64::from(ctx.pid)),
        KeyValue::new(attr::PROCESS_EXECUTABLE_PATH, escape_bytes(&e.filename).into_owned()),
    ];
    if let Some(ppid) = ctx.ppid {
        a.push(KeyValue::new(attr::PROCESS_PARENT_PID, i64::from(ppid)));
    }
    let args: Vec<opentelemetry::StringValue> = ctx.args.iter().map(|x| escape_bytes(x).into_owned().into()).collect();
    a.push(KeyValue::new(attr::PROCESS_COMMAND_ARGS, Value::Array(args.into())));
    a
}

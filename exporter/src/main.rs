//! The `sysotel` command line: `run` (the agent) and `check` (host report).

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, time::Duration};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use sysotel::{
    bpf::floor::{Floor, FloorKind},
    check, config, pipeline,
};
use tracing_subscriber::EnvFilter;

/// eBPF-driven, OpenTelemetry-native observability exporter.
///
/// Exports go where the standard OTEL_* environment variables say
/// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, ...); with no
/// endpoint set, events are printed to the terminal.
#[derive(Parser, Debug)]
#[command(name = "sysotel", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Load the eBPF programs and export events until SIGINT/SIGTERM.
    Run(Box<RunArgs>),
    /// Report which kernel features, privileges and mounts are present.
    Check {
        /// Only inspect; do not try to load and attach the programs.
        #[arg(long)]
        no_load: bool,
    },
    /// Detection rules: check rule files, list the loaded rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// For `cargo xtask bench`: attach only two bare counting hooks on the
    /// syscall tracepoints until SIGINT/SIGTERM (the floor sysotel's metrics
    /// are compared with).
    #[command(hide = true)]
    BenchFloor {
        /// Hooks that also read the clock at both ends and sum each call's
        /// duration: the least a latency metric costs.
        #[arg(long)]
        timed: bool,
    },
}

#[derive(Subcommand, Debug)]
enum RulesCommand {
    /// Check rule files (on top of the built-in ruleset, as `run` loads them);
    /// prints every problem as FILE:LINE:COLUMN: message and exits 1 if any.
    Validate {
        /// Rule files, in load order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Check the files alone, without the built-in ruleset.
        #[arg(long)]
        no_default_rules: bool,
        /// Skip (and list) rules that use fields sysotel does not have instead of
        /// failing, as Falco's `skip-if-unknown-filter` does; reports N of M loaded.
        #[arg(long)]
        lenient: bool,
    },
    /// List the rules `run` would load: the built-in ruleset and FILES.
    List {
        /// Extra rule files, in load order.
        files: Vec<PathBuf>,
        /// Leave out the built-in ruleset.
        #[arg(long)]
        no_default_rules: bool,
        /// Skip rules that use fields sysotel does not have (see `validate --lenient`).
        #[arg(long)]
        lenient: bool,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// YAML configuration file; flags and their environment variables override it.
    #[arg(long, env = "SYSOTEL_CONFIG")]
    config: Option<PathBuf>,
    /// The host's /proc (mount it elsewhere when running in a container) [default: /proc].
    #[arg(long, env = "SYSOTEL_PROC_ROOT")]
    proc_root: Option<PathBuf>,
    /// Serve /healthz and /readyz on this address (e.g. 0.0.0.0:8686) [default: off].
    #[arg(long, env = "SYSOTEL_HEALTH_ADDR")]
    health_addr: Option<SocketAddr>,
    /// Capacity of the queue between the ring-buffer reader and the pipeline [default: 16384].
    #[arg(long, env = "SYSOTEL_QUEUE_CAPACITY")]
    queue_capacity: Option<usize>,
    /// Maximum number of processes tracked [default: 131072].
    #[arg(long, env = "SYSOTEL_PROCESS_TABLE_CAPACITY")]
    process_table_capacity: Option<usize>,
    /// Kernel ring buffer size in bytes, a power-of-two multiple of the page size [default: 4194304].
    #[arg(long, env = "SYSOTEL_RING_BUFFER_BYTES")]
    ring_buffer_bytes: Option<u32>,
    /// Seconds between loss reports and container stop checks [default: 10].
    #[arg(long, env = "SYSOTEL_REPORT_INTERVAL_SECS")]
    report_interval_secs: Option<u64>,
    /// Slow-syscall thresholds, e.g. `default=100ms,clock_nanosleep=50ms,fsync=off`
    /// [default: 100ms for calls that do not wait by design].
    #[arg(long, env = "SYSOTEL_SLOW_SYSCALLS")]
    slow_syscalls: Option<String>,
    /// Extra regex whose matches are redacted from command lines (repeatable).
    #[arg(long = "redact-pattern")]
    redact_patterns: Vec<String>,
    /// Seconds allowed for flushing telemetry at shutdown [default: 10].
    #[arg(long)]
    shutdown_timeout_secs: Option<u64>,
    /// Security-event categories to report: `all`, `none`, or a comma list of
    /// file, network, privilege, isolation, module, bpf, ptrace, evasion, signal [default: all].
    #[arg(long, env = "SYSOTEL_SECURITY_EVENTS")]
    security_events: Option<String>,
    /// Also report reads below this path prefix (repeatable; comma list in the variable).
    #[arg(long = "watch-path", env = "SYSOTEL_WATCH_PATHS", value_delimiter = ',')]
    watch_paths: Vec<String>,
    /// Detection rule file, loaded after the built-in rules (repeatable; comma list in the variable).
    #[arg(long = "rules", env = "SYSOTEL_RULES", value_delimiter = ',')]
    rules: Vec<PathBuf>,
    /// Do not load the built-in detection rules.
    #[arg(long, env = "SYSOTEL_NO_DEFAULT_RULES")]
    no_default_rules: bool,
    /// Skip rules that use fields sysotel does not have instead of refusing to start.
    #[arg(long, env = "SYSOTEL_LENIENT_RULES")]
    lenient_rules: bool,
}

impl RunArgs {
    /// Flags (and their variables) over the file over the defaults.
    fn into_options(self, export: config::ExportConfig) -> anyhow::Result<pipeline::RunOptions> {
        let file = match &self.config {
            Some(path) => config::load_file(path)?,
            None => config::AgentFile::default(),
        };
        Ok(pipeline::RunOptions {
            export,
            proc_root: self.proc_root.or(file.proc_root).unwrap_or_else(|| PathBuf::from("/proc")),
            queue_capacity: self.queue_capacity.or(file.queue_capacity).unwrap_or(16_384).max(1),
            table_capacity: self.process_table_capacity.or(file.process_table_capacity).unwrap_or(131_072).max(1),
            ring_buffer_bytes: self.ring_buffer_bytes.or(file.ring_buffer_bytes),
            report_interval: Duration::from_secs(
                self.report_interval_secs.or(file.report_interval_secs).unwrap_or(10).max(1),
            ),
            shutdown_timeout: Duration::from_secs(
                self.shutdown_timeout_secs.or(file.shutdown_timeout_secs).unwrap_or(10),
            ),
            health_addr: self.health_addr.or(file.health_addr),
            redact: {
                let mut patterns = file.redact_patterns.unwrap_or_default();
                patterns.extend(self.redact_patterns);
                sysotel::enrich::redact::Redactor::new(&patterns)?
            },
            slow: config::parse_slow(self.slow_syscalls.or(file.slow_syscalls).as_deref().unwrap_or(""))?,
            security: {
                let list = self.security_events.or(file.security_events).unwrap_or_else(|| "all".into());
                let categories = sysotel::security::SecurityConfig::parse_categories(&list)
                    .map_err(|e| anyhow::anyhow!("security events: {e}"))?;
                let mut cfg = sysotel::security::SecurityConfig { categories, ..Default::default() };
                cfg.watch.extend(file.watch_paths.unwrap_or_default());
                cfg.watch.extend(self.watch_paths);
                cfg.watch.sort();
                cfg.watch.dedup();
                sysotel::security::layout::watch_keys(&cfg).map_err(|e| anyhow::anyhow!("watch paths: {e}"))?;
                (!cfg.categories.is_empty()).then_some(cfg)
            },
            rules: {
                let mut files = file.rules.unwrap_or_default();
                files.extend(self.rules);
                let builtin = !self.no_default_rules && file.default_rules.unwrap_or(true);
                let config = sysotel::detect::RulesConfig {
                    builtin,
                    files,
                    agent_pid: Some(std::process::id()),
                    lenient: self.lenient_rules || file.lenient_rules.unwrap_or(false),
                };
                if !config.builtin && config.files.is_empty() {
                    None
                } else {
                    let ruleset =
                        sysotel::detect::load(&config).map_err(|e| anyhow::anyhow!("invalid detection rules:\n{e}"))?;
                    Some(std::sync::Arc::new(ruleset))
                }
            },
        })
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new(format!("info,{}", sysotel::enrich::k8s::KUBE_LOG_DIRECTIVE))),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Check { no_load } => {
            let report = check::run_checks(!no_load);
            print!("{}", report.render());
            if report.can_run() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Command::Rules(cmd) => rules_command(cmd),
        Command::BenchFloor { timed } => exit_code(bench_floor(timed)),
        Command::Run(args) => exit_code(run(*args)),
    }
}

/// Success, or the error with its causes on stderr and a failure status.
fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sysotel: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Attaches the floor hooks, says `sysotel ready`, waits for SIGINT or
/// SIGTERM and prints what they counted.
fn bench_floor(timed: bool) -> anyhow::Result<()> {
    let _ = sysotel::system::raise_memlock();
    let mut signals = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: the set is initialised by sigemptyset before use, and blocking
    // the two signals in this (only) thread lets sigwait take them.
    let signals = unsafe {
        libc::sigemptyset(signals.as_mut_ptr());
        libc::sigaddset(signals.as_mut_ptr(), libc::SIGINT);
        libc::sigaddset(signals.as_mut_ptr(), libc::SIGTERM);
        libc::pthread_sigmask(libc::SIG_BLOCK, signals.as_ptr(), std::ptr::null_mut());
        signals.assume_init()
    };
    let kind = if timed { FloorKind::Timed } else { FloorKind::Count };
    let floor = Floor::attach(kind).context("cannot attach the floor hooks")?;
    let (enter, exit) = kind.names();
    eprintln!("sysotel ready: floor hooks attached ({enter}, {exit})");
    let mut signal = 0;
    // SAFETY: `signals` is a valid set and `signal` a valid out-pointer.
    unsafe { libc::sigwait(&raw const signals, &raw mut signal) };
    eprintln!("sysotel: floor hooks stopped: {}", floor.counts()?);
    Ok(())
}

fn rules_command(cmd: RulesCommand) -> ExitCode {
    let (files, builtin, lenient, list) = match cmd {
        RulesCommand::Validate { files, no_default_rules, lenient } => (files, !no_default_rules, lenient, false),
        RulesCommand::List { files, no_default_rules, lenient } => (files, !no_default_rules, lenient, true),
    };
    match sysotel::detect::load(&sysotel::detect::RulesConfig { builtin, files, agent_pid: None, lenient }) {
        Ok(ruleset) if list => {
            print!("{}", sysotel::detect::list_table(&ruleset));
            ExitCode::SUCCESS
        }
        Ok(ruleset) => {
            let enabled = ruleset.rules().iter().filter(|r| r.enabled).count();
            let loaded = ruleset.rules().len();
            println!("ok: {loaded} of {} rules loaded ({enabled} enabled)", loaded + ruleset.skipped().len());
            for s in ruleset.skipped() {
                println!("skipped: {}", s.describe());
            }
            for w in ruleset.warnings() {
                println!("warning: {w}");
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in errors.errors() {
                eprintln!("{e}");
            }
            eprintln!("{} error(s)", errors.errors().len());
            ExitCode::FAILURE
        }
    }
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    let export = config::export_config(&|k| std::env::var(k).ok()).context("invalid configuration")?;
    let opts = args.into_options(export).context("invalid configuration")?;
    let preflight = check::run_checks(false);
    if !preflight.can_run() {
        eprint!("{}", preflight.render());
        anyhow::bail!("this host cannot run sysotel as configured (see above; `sysotel check` has details)");
    }
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("tokio runtime")?;
    let summary = runtime.block_on(pipeline::run(opts, shutdown_signal()))?;
    tracing::info!(
        "stopped: {} records received, {} logs emitted, {} resolved reads outside the watched paths, \
         {} lost to a full ring buffer, {} dropped on a full queue, {} malformed; \
         logs exported {}, failed {}, dropped on a full export queue {}",
        summary.received,
        summary.logs_emitted,
        summary.reads_not_watched,
        summary.ringbuf_full,
        summary.queue_full,
        summary.decode_errors,
        summary.logs_exported,
        summary.logs_failed,
        summary.export_queue_full
    );
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot listen for SIGTERM: {e}");
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

//! The `sysotel` command line: `run` (the agent) and `check` (host report).

use std::{path::PathBuf, process::ExitCode, time::Duration};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use sysotel::{check, config, pipeline};
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
    Run(RunArgs),
    /// Report which kernel features, privileges and mounts are present.
    Check {
        /// Only inspect; do not try to load and attach the programs.
        #[arg(long)]
        no_load: bool,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// The host's /proc (mount it elsewhere when running in a container).
    #[arg(long, env = "SYSOTEL_PROC_ROOT", default_value = "/proc")]
    proc_root: PathBuf,
    /// Capacity of the queue between the ring-buffer reader and the pipeline.
    #[arg(long, env = "SYSOTEL_QUEUE_CAPACITY", default_value_t = 16_384)]
    queue_capacity: usize,
    /// Maximum number of processes tracked.
    #[arg(long, env = "SYSOTEL_PROCESS_TABLE_CAPACITY", default_value_t = 131_072)]
    process_table_capacity: usize,
    /// Kernel ring buffer size in bytes (power-of-two multiple of the page size).
    #[arg(long, env = "SYSOTEL_RING_BUFFER_BYTES")]
    ring_buffer_bytes: Option<u32>,
    /// Seconds between loss reports.
    #[arg(long, default_value_t = 10)]
    report_interval_secs: u64,
    /// Seconds allowed for flushing telemetry at shutdown.
    #[arg(long, default_value_t = 10)]
    shutdown_timeout_secs: u64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Check { no_load } => {
            let report = check::run_checks(!no_load);
            print!("{}", report.render());
            if report.can_run() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Command::Run(args) => match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("sysotel: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    let export = config::export_config(&|k| std::env::var(k).ok()).context("invalid configuration")?;
    let preflight = check::run_checks(false);
    if !preflight.can_run() {
        eprint!("{}", preflight.render());
        anyhow::bail!("this host cannot run sysotel as configured (see above; `sysotel check` has details)");
    }
    let opts = pipeline::RunOptions {
        export,
        proc_root: args.proc_root,
        queue_capacity: args.queue_capacity.max(1),
        table_capacity: args.process_table_capacity.max(1),
        ring_buffer_bytes: args.ring_buffer_bytes,
        report_interval: Duration::from_secs(args.report_interval_secs.max(1)),
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout_secs),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().context("tokio runtime")?;
    let summary = runtime.block_on(pipeline::run(opts, shutdown_signal()))?;
    tracing::info!(
        "stopped: {} records received, {} logs emitted, {} lost to a full ring buffer, {} dropped on a full queue, {} malformed",
        summary.received,
        summary.logs_emitted,
        summary.ringbuf_full,
        summary.queue_full,
        summary.decode_errors
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

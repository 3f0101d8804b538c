//! `cargo xtask bench [--quick]`: sysotel's overhead on syscall-bound and
//! exec-heavy C workloads against no tracer and bpftrace, plus its own memory
//! and CPU footprint. Every figure is the median of several runs in which the
//! configurations alternate (forward, then backward: no configuration is
//! always last), so machine drift hits all of them alike. Then
//! the event flood ([`flood`]): security events at stepped rates, with
//! sysotel's drops and CPU per event. Needs root: sysotel and bpftrace load
//! eBPF programs. `--flood-only` runs just the flood, `--storm-only` just
//! the exec storms; `--micro` runs the userspace micro-benchmarks instead
//! ([`micro`]), without root.

mod flood;
mod flood_report;
pub(crate) mod footprint;
mod machine;
mod micro;
mod report;
pub(crate) mod rotel;
mod runner;
mod stop_summary;
mod table;
mod tracer;
mod workloads;

use std::{thread, time::Duration};

use anyhow::{Context as _, Result, bail};

use self::{
    footprint::Sleepers,
    machine::Scratch,
    runner::{Measure, Point, Results, StartCpu},
    tracer::{Config, Tools},
    workloads::Binaries,
};
use crate::{build, setup, user};

/// Settling time after a tracer is ready, for every configuration alike.
const SETTLE: Duration = Duration::from_secs(3);
/// The CPU the one-CPU storms are pinned to.
const STORM_CPU: usize = 0;
/// Storms per configuration and run (see [`storm`]).
const STORM_REPEATS: usize = 3;
/// Sleepers for the process-table footprint test.
const SLEEPERS: usize = 10_000;
/// From the burst sample to the steady-state one: past one report interval
/// of the agent (10 s), well within the sleepers' 60 s.
const SETTLED_AFTER: Duration = Duration::from_secs(12);

#[derive(clap::Args)]
pub struct Options {
    /// 3 runs per figure instead of 5.
    #[arg(long)]
    quick: bool,
    /// Only the userspace micro-benchmarks (criterion; no root needed).
    #[arg(long, conflicts_with = "quick")]
    micro: bool,
    /// Only the event flood (security events at stepped rates; fewer steps with --quick).
    #[arg(long, conflicts_with = "micro")]
    flood_only: bool,
    /// Only the exec storms, without bpftrace (a few minutes).
    #[arg(long, conflicts_with_all = ["micro", "flood_only"])]
    storm_only: bool,
}

pub fn run(options: &Options) -> Result<()> {
    if options.micro {
        return micro::run();
    }
    if !user::is_root() {
        bail!(
            "`cargo xtask bench` must run as root: sysotel and bpftrace load eBPF programs (try `sudo -E cargo xtask bench`)"
        );
    }
    let env = setup::ensure(false)?;
    let sysotel = build::build(&env, true)?;
    let scratch = Scratch::new()?;
    let binaries = workloads::compile(scratch.path())?;
    let tools = Tools { sysotel, bpftrace: tracer::find_bpftrace(), scratch: scratch.path().to_owned() };
    if tools.bpftrace.is_none() {
        println!("bench: bpftrace not found; its configuration is skipped");
    }
    let machine = machine::Machine::read();
    if options.flood_only {
        println!("\nbench: {}", machine.describe());
        let steps = flood::run(&tools, &binaries.flood, options.quick, machine.cpus).context("event flood")?;
        println!();
        report::print_flood_only(&machine, &steps);
        return Ok(());
    }
    let runs = if options.quick { 3 } else { 5 };
    println!("\nbench: {runs} runs, configurations alternating within each run; {}", machine.describe());

    let mut results = Results::default();
    for run in 0..runs {
        for config in Config::order(run) {
            if config == Config::Bpftrace && (tools.bpftrace.is_none() || options.storm_only) {
                continue;
            }
            one_config(&mut results, &tools, &binaries, config, run, options.storm_only, machine.cpus)
                .with_context(|| format!("run {}, {}", run + 1, config.label()))?;
        }
    }
    if options.storm_only {
        println!();
        report::print_storm_only(&machine, runs, &results);
        return Ok(());
    }
    let many = many_processes(&tools).context("many-processes footprint")?;
    let steps = flood::run(&tools, &binaries.flood, options.quick, machine.cpus).context("event flood")?;
    println!();
    report::print(&machine, runs, &results, &many, &steps);
    Ok(())
}

/// Starts `config`'s tracer, runs every workload under it once (only the
/// storms with `storms_only`), stops it.
fn one_config(
    results: &mut Results,
    tools: &Tools,
    binaries: &Binaries,
    config: Config,
    run: usize,
    storms_only: bool,
    cpus: usize,
) -> Result<()> {
    let tracer = tracer::start(config, tools, run)?;
    thread::sleep(SETTLE);
    let full = tracer.as_ref().filter(|_| config == Config::Full);
    let sample_at = |results: &mut Results, point: Point| -> Result<()> {
        if let Some(tracer) = full {
            let sample = footprint::sample(tracer.pid())?;
            println!(
                "  run {} {:<22} {:<34} rss {:.1} MiB, cpu {:.2} s",
                run + 1,
                config.label(),
                point.label(),
                sample.rss_mib,
                sample.cpu_s
            );
            results.footprint.entry(point).or_default().push(sample);
        }
        Ok(())
    };
    sample_at(results, Point::Idle)?;
    let mut jobs = Vec::new();
    if !storms_only {
        jobs.push((Measure::Getppid, &binaries.getppid, workloads::GETPPID_CALLS));
        jobs.push((Measure::OpenClose, &binaries.open_close, workloads::OPEN_CLOSE_CALLS));
    }
    if config != Config::Bpftrace {
        for measure in Measure::STORMS {
            if measure.one_cpu() && cpus < 2 {
                continue;
            }
            let binary = match measure {
                Measure::ExecStorm | Measure::ExecStormOneCpu => &binaries.exec_storm,
                _ => &binaries.fork_exec_storm,
            };
            jobs.push((measure, binary, workloads::EXEC_STARTS));
        }
    }
    for (measure, binary, arg) in jobs {
        let value = if measure.is_storm() {
            let cpu = measure.one_cpu().then_some(STORM_CPU);
            let before = full.map(StormCpu::sample).transpose()?;
            let (rate, starts) = storm(binary, arg, cpu)?;
            if let (Some(before), Some(tracer)) = (before, full) {
                let cost = StormCpu::sample(tracer)?.per_start_since(&before, starts);
                results.start_cpu.entry(measure).or_default().push(cost);
            }
            rate
        } else {
            runner::measure(binary, &[arg.to_string()])?
        };
        println!("  run {} {:<22} {:<34} {value:.2}", run + 1, config.label(), measure.label());
        results.figures.entry((measure, config)).or_default().push(value);
        sample_at(results, Point::After(measure))?;
    }
    match tracer {
        Some(tracer) => tracer.stop(),
        None => Ok(()),
    }
}

/// A storm's figure for one run: the median of [`STORM_REPEATS`] storms
/// after a short unmeasured one, and how many processes they started in
/// all. One storm of a few thousand starts varies by several per cent from
/// the next on an idle machine (and the first after a pause is slower
/// still), as much as the overhead it is meant to show. `cpu`: the CPU the
/// storm is pinned to.
fn storm(binary: &std::path::Path, starts: u32, cpu: Option<usize>) -> Result<(f64, u32)> {
    let args = |n: u32| {
        let mut args = vec![n.to_string()];
        args.extend(cpu.map(|cpu| cpu.to_string()));
        args
    };
    runner::measure(binary, &args(starts / 10))?;
    let mut rates = Vec::with_capacity(STORM_REPEATS);
    for _ in 0..STORM_REPEATS {
        rates.push(runner::measure(binary, &args(starts))?);
    }
    let total = starts / 10 + starts * STORM_REPEATS as u32;
    Ok((runner::median(&rates).context("no storm ran")?, total))
}

/// CPU seconds used so far by a full-mode tracer and its collector.
struct StormCpu {
    agent_s: f64,
    collector_s: f64,
}

impl StormCpu {
    fn sample(tracer: &tracer::Tracer) -> Result<Self> {
        let collector_s = match tracer.collector_pid() {
            Some(pid) => footprint::sample(pid)?.cpu_s,
            None => 0.0,
        };
        Ok(Self { agent_s: footprint::sample(tracer.pid())?.cpu_s, collector_s })
    }

    /// The CPU used since `before`, per process start.
    fn per_start_since(&self, before: &Self, starts: u32) -> StartCpu {
        let per_start = |now: f64, then: f64| (now - then).max(0.0) * 1e6 / f64::from(starts.max(1));
        StartCpu {
            agent_us: per_start(self.agent_s, before.agent_s),
            collector_us: per_start(self.collector_s, before.collector_s),
        }
    }
}

/// sysotel (full) while up to `SLEEPERS` `sleep 60` children are alive.
pub struct ManyProcesses {
    pub before: footprint::Sample,
    pub during: footprint::Sample,
    /// [`SETTLED_AFTER`] later, the processes still alive.
    pub settled: footprint::Sample,
    pub started: usize,
    pub alive: usize,
    pub stopped_by: Option<String>,
}

fn many_processes(tools: &Tools) -> Result<ManyProcesses> {
    println!("\nbench: sysotel full with {SLEEPERS} `sleep 60` children");
    let tracer = tracer::start(Config::Full, tools, usize::MAX)?.context("sysotel full has a tracer")?;
    thread::sleep(SETTLE);
    let before = footprint::sample(tracer.pid())?;
    let mut sleepers = Sleepers::spawn(SLEEPERS, 500);
    thread::sleep(Duration::from_secs(3));
    let during = footprint::sample(tracer.pid())?;
    // The first sample still holds the burst of exec records in flight; the
    // agent returns freed memory once per report interval, so this one is
    // the steady state with the processes tracked.
    thread::sleep(SETTLED_AFTER);
    let settled = footprint::sample(tracer.pid())?;
    let alive = sleepers.alive();
    let (started, stopped_by) = (sleepers.started(), sleepers.stopped_by.take());
    println!(
        "  {started} started, {alive} alive: rss {:.1} -> {:.1} -> {:.1} MiB, cpu {:.2} -> {:.2} s{}",
        before.rss_mib,
        during.rss_mib,
        settled.rss_mib,
        before.cpu_s,
        during.cpu_s,
        stopped_by.as_deref().map(|why| format!(" ({why})")).unwrap_or_default()
    );
    drop(sleepers);
    tracer.stop()?;
    Ok(ManyProcesses { before, during, settled, started, alive, stopped_by })
}

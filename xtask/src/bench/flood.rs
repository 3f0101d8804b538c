//! The event flood: the `flood` C workload produces security events (write
//! opens and loopback connects) at stepped rates while sysotel, in full mode,
//! exports OTLP/gRPC to a rotel collector that discards everything. One agent
//! start and stop per step, so the counters of the summary sysotel logs when
//! it stops ([`stop_summary`]) belong to that step alone: they are the source
//! of every drop figure. The agent's CPU time (utime + stime) is sampled just
//! before the workload starts and once the agent's CPU use has gone quiet
//! after it (the pipeline has drained); everything the agent handled in that
//! window, including background events from the rest of the machine, is
//! charged to the workload's events, so CPU per event is an upper bound.

use std::{
    path::Path,
    process::Command,
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};

use super::{
    SETTLE, footprint,
    rotel::Rotel,
    stop_summary::{self, StopSummary},
    tracer::{self, Tools},
};

/// Target rates (events/s) of a full run; `None` is unpaced.
const STEPS: [Option<u64>; 7] =
    [Some(10_000), Some(25_000), Some(50_000), Some(100_000), Some(200_000), Some(400_000), None];
/// Target rates with `--quick`.
const QUICK_STEPS: [Option<u64>; 5] = [Some(10_000), Some(25_000), Some(100_000), Some(400_000), None];
/// Events/s one workload process is asked for at most before another is added.
const PER_WORKER: u64 = 50_000;
/// How long the agent may take to drain after the workload.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Ring-buffer records of one workload `connect` beyond its security record:
/// connection tracking opens a connection span at the connect and closes it
/// at the client's `close` (`accept4` with no address buffer, as the workload
/// calls it, opens none). Measured: 12 records per 10-event unit.
const CONN_RECORDS_PER_CONNECT: u64 = 2;
/// The agent has drained when it used less CPU than this over [`QUIET_WINDOW`].
const QUIET_CPU_S: f64 = 0.03;
const QUIET_WINDOW: Duration = Duration::from_secs(1);

/// One rate step's figures.
pub struct Step {
    /// Target events/s; `None` for unpaced.
    pub target: Option<u64>,
    pub workers: usize,
    /// Security events the workload's loop made, of which connects, and their rate.
    pub produced: u64,
    pub connects: u64,
    pub achieved: f64,
    /// The agent's counters over its whole run.
    pub summary: StopSummary,
    /// Agent CPU seconds from the workload's start until drained.
    pub cpu_s: f64,
    /// Whether the agent went quiet within [`DRAIN_TIMEOUT`].
    pub drained: bool,
}

impl Step {
    pub fn label(&self) -> String {
        self.target.map_or_else(|| "unpaced".to_owned(), |rate| format!("{}/s", thousands(rate)))
    }

    /// Ring-buffer records the workload's events make.
    pub fn records(&self) -> u64 {
        self.produced + self.connects * CONN_RECORDS_PER_CONNECT
    }

    /// Records the agent got or counted as lost beyond the workload's:
    /// the rest of the machine, the workload's set-up, the agent's start.
    /// Negative when workload records vanished without being counted.
    pub fn background(&self) -> i64 {
        let seen = self.summary.received + self.summary.ringbuf_full;
        i64::try_from(seen).unwrap_or(i64::MAX) - i64::try_from(self.records()).unwrap_or(i64::MAX)
    }

    /// Workload events that reached the pipeline (those dropped before it
    /// cost the agent nothing).
    pub fn handled(&self) -> u64 {
        self.produced.saturating_sub(self.summary.ringbuf_full + self.summary.queue_full)
    }

    pub fn cpu_per_million(&self) -> Option<f64> {
        let handled = self.handled();
        (handled > 0).then(|| self.cpu_s / handled as f64 * 1e6)
    }

    pub fn events_per_cpu_s(&self) -> Option<f64> {
        (self.cpu_s > 0.0).then(|| self.handled() as f64 / self.cpu_s)
    }
}

/// Runs every step; each step's raw figures are printed as it ends.
pub fn run(tools: &Tools, flood: &Path, quick: bool, cpus: usize) -> Result<Vec<Step>> {
    let seconds = if quick { 2 } else { 3 };
    let steps: &[Option<u64>] = if quick { &QUICK_STEPS } else { &STEPS };
    println!("\nbench: event flood, {seconds} s a step, sysotel full exporting OTLP/gRPC to rotel (blackhole)");
    let collector = Rotel::start()?;
    let mut results = Vec::new();
    for &target in steps {
        let workers = match target {
            Some(rate) => usize::try_from(rate.div_ceil(PER_WORKER)).unwrap_or(usize::MAX).clamp(1, cpus.max(1)),
            None => cpus.max(1),
        };
        let step = one_step(tools, &collector, flood, target, workers, seconds)
            .with_context(|| format!("event flood at {}", target.map_or("unpaced".into(), |r| format!("{r}/s"))))?;
        print_step(&step);
        results.push(step);
    }
    Ok(results)
}

fn one_step(
    tools: &Tools,
    collector: &Rotel,
    flood: &Path,
    target: Option<u64>,
    workers: usize,
    seconds: u32,
) -> Result<Step> {
    let dir = tools.scratch.join("flood-files");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let agent = tracer::start_otlp(tools, &collector.grpc_endpoint())?;
    thread::sleep(SETTLE);
    let before = footprint::sample(agent.pid())?.cpu_s;
    let output = Command::new(flood)
        .arg(target.unwrap_or(0).to_string())
        .arg(seconds.to_string())
        .arg(&dir)
        .arg(workers.to_string())
        .output()
        .with_context(|| format!("cannot start {}", flood.display()))?;
    if !output.status.success() {
        bail!("{} failed ({}): {}", flood.display(), output.status, String::from_utf8_lossy(&output.stderr).trim());
    }
    let (produced, connects, achieved) = parse_flood(&String::from_utf8_lossy(&output.stdout))?;
    let (after, drained) = wait_drained(agent.pid())?;
    let summary = stop_summary::find(&agent.stop_with_output()?)?;
    Ok(Step { target, workers, produced, connects, achieved, summary, cpu_s: after - before, drained })
}

/// Samples the agent's CPU time until it grows less than [`QUIET_CPU_S`]
/// over [`QUIET_WINDOW`]; returns the last sample and whether that happened
/// within [`DRAIN_TIMEOUT`].
fn wait_drained(pid: u32) -> Result<(f64, bool)> {
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let mut last = footprint::sample(pid)?.cpu_s;
    loop {
        thread::sleep(QUIET_WINDOW);
        let now = footprint::sample(pid)?.cpu_s;
        if now - last < QUIET_CPU_S {
            return Ok((now, true));
        }
        if Instant::now() > deadline {
            return Ok((now, false));
        }
        last = now;
    }
}

/// Reads the workload's `events=N connects=C ... rate=R` line.
fn parse_flood(text: &str) -> Result<(u64, u64, f64)> {
    let field = |key: &str| {
        text.split_whitespace()
            .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
            .with_context(|| format!("the flood workload printed no `{key}=`: {text:?}"))
    };
    let events = field("events")?.parse().context("flood events")?;
    let connects = field("connects")?.parse().context("flood connects")?;
    let rate = field("rate")?.parse().context("flood rate")?;
    Ok((events, connects, rate))
}

fn print_step(step: &Step) {
    let s = &step.summary;
    println!(
        "  flood {:<10} {} worker(s): produced {} at {}/s; agent received {}, logs emitted {}, exported {}; \
         drops: ring buffer {}, queue {}, export queue {}, export failed {}, malformed {}; cpu {:.2} s{}",
        step.label(),
        step.workers,
        thousands(step.produced),
        thousands(step.achieved.round() as u64),
        thousands(s.received),
        thousands(s.logs_emitted),
        thousands(s.logs_exported),
        s.ringbuf_full,
        s.queue_full,
        s.export_queue_full,
        s.export_failed,
        s.malformed,
        step.cpu_s,
        if step.drained { "" } else { " (not drained)" }
    );
}

/// `-1234` as `-1,234`.
pub fn signed_thousands(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!("{sign}{}", thousands(n.unsigned_abs()))
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{parse_flood, signed_thousands, thousands};

    #[test]
    fn reads_the_workload_line() {
        assert_eq!(
            parse_flood("events=199990 connects=19999 seconds=2.000 rate=99995\n").unwrap(),
            (199_990, 19_999, 99_995.0)
        );
        assert!(parse_flood("nothing").is_err());
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(signed_thousands(-1234), "-1,234");
    }
}

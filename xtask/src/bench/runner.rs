//! Running the workloads and keeping every run's figure.

use std::{collections::BTreeMap, path::Path, process::Command};

use anyhow::{Context as _, Result, bail};

use super::{footprint::Sample, tracer::Config};

/// What a workload measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Measure {
    /// ns per `syscall(SYS_getppid)`.
    Getppid,
    /// ns per `open("/dev/null")` + `close`.
    OpenClose,
    /// `/bin/true` starts per second with `posix_spawn` (glibc's child
    /// resets every signal: about 160 syscalls a start).
    ExecStorm,
    /// `/bin/true` starts per second with `fork` + `execve` (the issue's
    /// reference workload: about 33 syscalls a start).
    ForkExecStorm,
    /// [`Self::ExecStorm`] with the storm and its children pinned to one
    /// CPU, the tracer's userspace free to run on the others.
    ExecStormOneCpu,
    /// [`Self::ForkExecStorm`] pinned to one CPU.
    ForkExecStormOneCpu,
}

impl Measure {
    pub fn label(self) -> &'static str {
        match self {
            Self::Getppid => "getppid (ns/call)",
            Self::OpenClose => "open+close /dev/null (ns/pair)",
            Self::ExecStorm => "exec storm, posix_spawn (starts/s)",
            Self::ForkExecStorm => "exec storm, fork+execve (starts/s)",
            Self::ExecStormOneCpu => "exec storm, posix_spawn, one CPU (starts/s)",
            Self::ForkExecStormOneCpu => "exec storm, fork+execve, one CPU (starts/s)",
        }
    }

    /// The exec storms, in report order.
    pub const STORMS: [Self; 4] =
        [Self::ForkExecStorm, Self::ForkExecStormOneCpu, Self::ExecStorm, Self::ExecStormOneCpu];

    pub fn is_storm(self) -> bool {
        Self::STORMS.contains(&self)
    }

    /// Whether the workload runs pinned to one CPU.
    pub fn one_cpu(self) -> bool {
        matches!(self, Self::ExecStormOneCpu | Self::ForkExecStormOneCpu)
    }
}

/// Where in a full-mode run sysotel's footprint is sampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Point {
    Idle,
    After(Measure),
}

impl Point {
    pub fn label(self) -> String {
        match self {
            Self::Idle => "idle (3 s after ready)".to_owned(),
            Self::After(measure) => format!("after {}", measure.label().split(" (").next().unwrap_or_default()),
        }
    }
}

/// CPU time spent outside the storm per process start, in one full-mode
/// storm: by sysotel's userspace and by the collector it exports to.
#[derive(Clone, Copy, Debug)]
pub struct StartCpu {
    pub agent_us: f64,
    pub collector_us: f64,
}

/// Every run's figure, in run order.
#[derive(Default)]
pub struct Results {
    pub figures: BTreeMap<(Measure, Config), Vec<f64>>,
    pub footprint: BTreeMap<Point, Vec<Sample>>,
    pub start_cpu: BTreeMap<Measure, Vec<StartCpu>>,
}

impl Results {
    pub fn median(&self, measure: Measure, config: Config) -> Option<f64> {
        median(self.per_run(measure, config))
    }

    /// Every run's figure for `measure` under `config` (none when it did not run).
    fn per_run(&self, measure: Measure, config: Config) -> &[f64] {
        self.figures.get(&(measure, config)).map_or(&[], Vec::as_slice)
    }

    /// Per run, `config`'s cost added over no tracer divided by
    /// `reference`'s, from the same run: the configurations of one run
    /// alternate, so each ratio is free of the drift between runs. A run
    /// where `reference` added nothing is left out.
    pub fn paired_ratios(&self, measure: Measure, config: Config, reference: Config) -> Vec<f64> {
        let get = |c| self.per_run(measure, c);
        let (base, ours, theirs) = (get(Config::None), get(config), get(reference));
        base.iter().zip(ours).zip(theirs).filter(|((b, _), t)| **t > **b).map(|((b, o), t)| (o - b) / (t - b)).collect()
    }

    /// Per run, how much slower (%) `config` ran a rate workload than no
    /// tracer in the same run.
    pub fn paired_slowdowns(&self, measure: Measure, config: Config) -> Vec<f64> {
        self.per_run(measure, Config::None)
            .iter()
            .zip(self.per_run(measure, config))
            .filter(|(b, _)| **b > 0.0)
            .map(|(b, v)| (1.0 - v / b) * 100.0)
            .collect()
    }
}

/// The median (mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some(f64::midpoint(sorted[n / 2 - 1], sorted[n / 2])),
    }
}

/// The `PATH` workloads run with: their only variable.
const WORKLOAD_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Runs a workload binary with its arguments and parses the number it prints.
///
/// The workload gets a clean environment (only [`WORKLOAD_PATH`]), not the
/// bench's: `cargo run` puts four toolchain and target directories on
/// `LD_LIBRARY_PATH`. The dynamic loader would then search them all for
/// `libc.so.6` in every `/bin/true` an exec storm starts. That is 119
/// syscalls a start instead of 31 (85 of them failed opens), so the storm
/// would measure a different workload from the one users run.
pub fn measure(binary: &Path, args: &[String]) -> Result<f64> {
    let output = Command::new(binary)
        .env_clear()
        .env("PATH", WORKLOAD_PATH)
        .args(args)
        .output()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    if !output.status.success() {
        bail!("{} failed ({}): {}", binary.display(), output.status, String::from_utf8_lossy(&output.stderr).trim());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim().parse().with_context(|| format!("{} printed {text:?}, not a number", binary.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn paired_ratios_use_each_runs_own_figures() {
        let mut r = Results::default();
        r.figures.insert((Measure::Getppid, Config::None), vec![170.0, 200.0, 180.0]);
        r.figures.insert((Measure::Getppid, Config::Floor), vec![290.0, 300.0, 180.0]);
        r.figures.insert((Measure::Getppid, Config::Metrics), vec![410.0, 450.0, 400.0]);
        // The third run's floor added nothing: left out.
        assert_eq!(r.paired_ratios(Measure::Getppid, Config::Metrics, Config::Floor), vec![2.0, 2.5]);
        assert!(r.paired_ratios(Measure::OpenClose, Config::Metrics, Config::Floor).is_empty());
    }

    #[test]
    fn paired_slowdowns_compare_each_run_with_its_own_baseline() {
        let mut r = Results::default();
        r.figures.insert((Measure::ExecStorm, Config::None), vec![1000.0, 2000.0]);
        r.figures.insert((Measure::ExecStorm, Config::Full), vec![950.0, 2000.0]);
        let s = r.paired_slowdowns(Measure::ExecStorm, Config::Full);
        assert_eq!(s.len(), 2);
        assert!((s[0] - 5.0).abs() < 1e-9 && s[1].abs() < 1e-9, "{s:?}");
        assert!(r.paired_slowdowns(Measure::ForkExecStorm, Config::Full).is_empty());
    }
}

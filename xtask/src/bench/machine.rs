//! The machine under test, and the scratch directory the bench works in.

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{Context as _, Result};

pub struct Machine {
    pub kernel: String,
    pub cpu: String,
    pub cpus: usize,
    /// `/proc/stat` CPU ticks (all, stolen) when the bench started.
    start_ticks: Option<(u64, u64)>,
}

impl Machine {
    /// Kernel release from `/proc/sys/kernel/osrelease`, CPU model from `/proc/cpuinfo`.
    pub fn read() -> Self {
        let kernel =
            fs::read_to_string("/proc/sys/kernel/osrelease").map_or_else(|_| "unknown".into(), |s| s.trim().into());
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let field = |name: &str| {
            cpuinfo.lines().find_map(|line| {
                let (key, value) = line.split_once(':')?;
                (key.trim() == name).then(|| value.trim().to_owned())
            })
        };
        let cpu = field("model name")
            .or_else(|| field("Model"))
            .or_else(|| field("CPU part"))
            .unwrap_or_else(|| "unknown".into());
        let cpus = cpuinfo.lines().filter(|line| line.starts_with("processor")).count();
        Self { kernel, cpu, cpus, start_ticks: cpu_ticks() }
    }

    /// Share of CPU time the hypervisor stole from this VM since
    /// [`Self::read`]: above a few percent, figures are noisy.
    pub fn steal_since_start(&self) -> Option<f64> {
        let (total0, steal0) = self.start_ticks?;
        let (total1, steal1) = cpu_ticks()?;
        let total = total1.checked_sub(total0).filter(|t| *t > 0)?;
        Some(steal1.saturating_sub(steal0) as f64 / total as f64 * 100.0)
    }

    pub fn describe(&self) -> String {
        format!("kernel {}, CPU {} ({} CPUs)", self.kernel, self.cpu, self.cpus)
    }
}

/// All CPU ticks and stolen ticks, from the `cpu` line of `/proc/stat`
/// (user nice system idle iowait irq softirq steal ...).
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .take(8)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    Some((fields.iter().sum(), *fields.get(7)?))
}

/// A fresh directory under the system temp dir, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("sysotel-bench-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Self(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

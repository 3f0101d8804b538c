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
        Self { kernel, cpu, cpus }
    }

    pub fn describe(&self) -> String {
        format!("kernel {}, CPU {} ({} CPUs)", self.kernel, self.cpu, self.cpus)
    }
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

//! sysotel's footprint from `/proc/<pid>`: resident memory and CPU time, and
//! the many-sleepers test that fills its process table.

use std::{
    fs,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result};

/// Resident set size and CPU time (user + system) of one process.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub rss_mib: f64,
    pub cpu_s: f64,
}

/// Reads `VmRSS` from `/proc/<pid>/status` and utime + stime from `/proc/<pid>/stat`.
pub fn sample(pid: u32) -> Result<Sample> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).context("cannot read the tracer's status")?;
    let rss_kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .context("no VmRSS in /proc/<pid>/status")?;
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).context("cannot read the tracer's stat")?;
    // Fields after the `(comm)`: state is field 3, utime 14 and stime 15.
    let rest = stat.rsplit_once(')').map(|(_, rest)| rest).context("malformed /proc/<pid>/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |index: usize| fields.get(index).and_then(|value| value.parse::<f64>().ok());
    let (utime, stime) = ticks(11).zip(ticks(12)).context("no utime/stime in /proc/<pid>/stat")?;
    Ok(Sample { rss_mib: rss_kib / 1024.0, cpu_s: (utime + stime) / clock_ticks() })
}

/// `sysconf(_SC_CLK_TCK)` through `getconf`; 100 (Linux's USER_HZ) otherwise.
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Child `sleep 60` processes, all killed and reaped when dropped.
#[derive(Default)]
pub struct Sleepers {
    children: Vec<Child>,
    /// Why spawning stopped early, if it did.
    pub stopped_by: Option<String>,
}

impl Sleepers {
    /// Spawns up to `count` sleepers in batches, pausing between batches so
    /// the tracer keeps up with the exec events.
    pub fn spawn(count: usize, batch: usize) -> Self {
        let mut sleepers = Self::default();
        let started = Instant::now();
        while sleepers.children.len() < count {
            for _ in 0..batch.min(count - sleepers.children.len()) {
                match Command::new("sleep")
                    .arg("60")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                {
                    Ok(child) => sleepers.children.push(child),
                    Err(error) => {
                        sleepers.stopped_by = Some(format!("spawn failed after {}: {error}", sleepers.children.len()));
                        return sleepers;
                    }
                }
            }
            // `sleep 60` must outlive the measurement; stop if we are too slow.
            if started.elapsed() > Duration::from_secs(40) {
                sleepers.stopped_by = Some(format!("stopped after 40 s with {}", sleepers.children.len()));
                return sleepers;
            }
            thread::sleep(Duration::from_millis(20));
        }
        sleepers
    }

    /// How many sleepers are still running.
    pub fn alive(&mut self) -> usize {
        self.children.iter_mut().map(Child::try_wait).filter(|status| matches!(status, Ok(None))).count()
    }

    /// How many were started.
    pub fn started(&self) -> usize {
        self.children.len()
    }
}

impl Drop for Sleepers {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
        }
        for child in &mut self.children {
            let _ = child.wait();
        }
    }
}

//! The tracer configurations: nothing, the two-hook floors (`sysotel
//! bench-floor [--timed]`), sysotel (metrics only, or full exporting OTLP/gRPC to a
//! rotel that discards everything, the way it runs in production) and
//! bpftrace. A started tracer is stopped by `stop`, or killed when dropped,
//! so nothing outlives the bench even on error.

use std::{
    collections::VecDeque,
    fs::{self, File},
    io::{BufRead as _, BufReader, Read},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread::{self, JoinHandle},
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};

use super::rotel::Rotel;

/// How long a tracer may take to attach.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a tracer may take to exit after its signal before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// Lines of a tracer's output kept after it is ready, for [`Tracer::stop_with_output`].
const KEPT_LINES: usize = 32;

/// bpftrace doing sysotel's in-kernel metric work: a count and a latency
/// histogram per cgroup and syscall, from the raw syscall tracepoints.
const BPFTRACE_PROGRAM: &str = "tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; } \
     tracepoint:raw_syscalls:sys_exit /@start[tid]/ { @n[cgroup, args->id] = count(); \
     @lat[cgroup, args->id] = hist(nsecs - @start[tid]); delete(@start[tid]); }";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Config {
    None,
    /// Two bare counting hooks on the syscall tracepoints (`sysotel bench-floor`).
    Floor,
    /// The same two hooks, also reading the clock at both ends and summing
    /// each call's duration (`sysotel bench-floor --timed`): the least any
    /// latency metric costs.
    TimedFloor,
    Metrics,
    Full,
    Bpftrace,
}

impl Config {
    pub const ALL: [Self; 6] = [Self::None, Self::Floor, Self::TimedFloor, Self::Metrics, Self::Full, Self::Bpftrace];

    /// The configurations in run `run`'s order: forward in even runs and
    /// backward in odd ones, so that no configuration always comes last
    /// (after the most processes were spawned, the most memory dirtied).
    pub fn order(run: usize) -> [Self; 6] {
        let mut all = Self::ALL;
        if run % 2 == 1 {
            all.reverse();
        }
        all
    }

    /// One word for ratios: `metrics-added / floor-added`.
    pub fn short_name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Floor => "floor",
            Self::TimedFloor => "timed-floor",
            Self::Metrics => "metrics",
            Self::Full => "full",
            Self::Bpftrace => "bpftrace",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::None => "no tracer",
            Self::Floor => "two-hook floor (count only)",
            Self::TimedFloor => "two-hook floor + clock (time sum)",
            Self::Metrics => "sysotel metrics-only",
            Self::Full => "sysotel full",
            Self::Bpftrace => "bpftrace",
        }
    }
}

/// What the bench starts tracers from.
pub struct Tools {
    pub sysotel: PathBuf,
    pub bpftrace: Option<PathBuf>,
    /// Scratch directory for output files and captured stderr.
    pub scratch: PathBuf,
}

/// A running tracer.
pub struct Tracer {
    child: Child,
    signal: &'static str,
    drain: Option<JoinHandle<Vec<String>>>,
    /// The collector a full-mode agent exports to; dropped (killed) after
    /// the agent has stopped.
    collector: Option<Rotel>,
}

impl Tracer {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The collector's process, for a tracer that exports to one.
    pub fn collector_pid(&self) -> Option<u32> {
        self.collector.as_ref().map(Rotel::pid)
    }

    /// Signals the tracer (SIGTERM for sysotel, SIGINT for bpftrace), waits
    /// for it to exit.
    pub fn stop(self) -> Result<()> {
        self.stop_with_output().map(drop)
    }

    /// [`Self::stop`], returning the last lines the tracer printed after it
    /// was ready (sysotel's stderr: its final summary is the last line).
    pub fn stop_with_output(mut self) -> Result<Vec<String>> {
        let pid = self.child.id();
        let signalled = Command::new("kill")
            .arg(format!("-{}", self.signal))
            .arg(pid.to_string())
            .status()
            .is_ok_and(|status| status.success());
        let deadline = Instant::now() + STOP_TIMEOUT;
        let status = loop {
            if let Some(status) = self.child.try_wait().context("waitpid")? {
                break Some(status);
            }
            if !signalled || Instant::now() > deadline {
                break None;
            }
            thread::sleep(Duration::from_millis(20));
        };
        if status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
            bail!("tracer pid {pid} did not exit within {STOP_TIMEOUT:?} of SIG{}; killed it", self.signal);
        }
        let output = self.drain.take().and_then(|drain| drain.join().ok()).unwrap_or_default();
        Ok(output)
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Starts `config`'s tracer and waits until it is attached; `None` for no tracer.
pub fn start(config: Config, tools: &Tools, run: usize) -> Result<Option<Tracer>> {
    let stderr_log = tools.scratch.join(format!("tracer-{run}-{config:?}.stderr"));
    match config {
        Config::None => Ok(None),
        Config::Floor => {
            let mut cmd = Command::new(&tools.sysotel);
            cmd.arg("bench-floor");
            start_sysotel(cmd).map(Some)
        }
        Config::TimedFloor => {
            let mut cmd = Command::new(&tools.sysotel);
            cmd.args(["bench-floor", "--timed"]);
            start_sysotel(cmd).map(Some)
        }
        Config::Metrics => {
            let mut cmd = Command::new(&tools.sysotel);
            cmd.arg("run")
                .env("OTEL_LOGS_EXPORTER", "none")
                .env("OTEL_TRACES_EXPORTER", "none")
                .env("OTEL_METRICS_EXPORTER", "console")
                .env("OTEL_METRIC_EXPORT_INTERVAL", "60000");
            start_sysotel(cmd).map(Some)
        }
        Config::Full => {
            let collector = Rotel::start().context("the full configuration exports to rotel")?;
            let mut tracer = start_otlp(tools, &collector.grpc_endpoint())?;
            tracer.collector = Some(collector);
            Ok(Some(tracer))
        }
        Config::Bpftrace => {
            let bpftrace = tools.bpftrace.as_ref().context("bpftrace is not installed")?;
            // bpftrace 0.17 wants an unlimited RLIMIT_MEMLOCK; without
            // CAP_SYS_RESOURCE (some containers) it cannot be raised, and on
            // kernels with memcg-accounted BPF maps bpftrace runs anyway.
            let mut cmd = Command::new("sh");
            cmd.arg("-c")
                .arg(r#"ulimit -l unlimited 2>/dev/null; exec "$0" -e "$1""#)
                .arg(bpftrace)
                .arg(BPFTRACE_PROGRAM);
            let stderr =
                File::create(&stderr_log).with_context(|| format!("cannot create {}", stderr_log.display()))?;
            cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(stderr);
            let mut child = cmd.spawn().context("cannot start bpftrace")?;
            let stdout = child.stdout.take().context("bpftrace stdout")?;
            let mut tracer = Tracer { child, signal: "INT", drain: None, collector: None };
            let drain = wait_for_line(&mut tracer.child, stdout, "Attaching").with_context(|| {
                format!(
                    "bpftrace did not attach; its stderr: {}",
                    tail(&fs::read_to_string(&stderr_log).unwrap_or_default())
                )
            })?;
            tracer.drain = Some(drain);
            Ok(Some(tracer))
        }
    }
}

/// sysotel in full mode (the default `sysotel run`) exporting OTLP/gRPC to
/// `endpoint`: the full configuration and the event flood.
pub fn start_otlp(tools: &Tools, endpoint: &str) -> Result<Tracer> {
    let mut cmd = Command::new(&tools.sysotel);
    cmd.arg("run").env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint).env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    start_sysotel(cmd)
}

fn start_sysotel(mut cmd: Command) -> Result<Tracer> {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().context("cannot start sysotel")?;
    let stderr = child.stderr.take().context("sysotel stderr")?;
    let mut tracer = Tracer { child, signal: "TERM", drain: None, collector: None };
    tracer.drain = Some(wait_for_line(&mut tracer.child, stderr, "sysotel ready").context("sysotel did not start")?);
    Ok(tracer)
}

/// Reads `pipe` on a thread until a line contains `marker`; the thread then
/// keeps draining the pipe until it closes, and returns its last
/// [`KEPT_LINES`] lines.
fn wait_for_line(
    child: &mut Child,
    pipe: impl Read + Send + 'static,
    marker: &'static str,
) -> Result<JoinHandle<Vec<String>>> {
    let (tx, rx) = mpsc::channel::<String>();
    let drain = thread::spawn(move || {
        let mut kept = VecDeque::with_capacity(KEPT_LINES);
        let mut ready = false;
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if ready {
                if kept.len() == KEPT_LINES {
                    kept.pop_front();
                }
                kept.push_back(line);
            } else {
                ready = line.contains(marker);
                let _ = tx.send(line);
            }
        }
        kept.into()
    });
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut seen = String::new();
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) if line.contains(marker) => return Ok(drain),
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait().context("waitpid")?;
                bail!("exited ({status}) before printing `{marker}`; output: {}", tail(&seen));
            }
        }
        if Instant::now() > deadline {
            bail!("no `{marker}` within {READY_TIMEOUT:?}; output: {}", tail(&seen));
        }
    }
}

/// The last few lines of `text`, for error messages.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join(" | ")
}

/// `bpftrace` on `PATH`, else `/usr/bin/bpftrace`.
pub fn find_bpftrace() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("bpftrace"))
        .find(|file| Path::new(file).is_file())
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn runs_alternate_the_configuration_order() {
        assert_eq!(Config::order(0), Config::ALL);
        let mut back = Config::ALL;
        back.reverse();
        assert_eq!(Config::order(1), back);
        assert_eq!(Config::order(2), Config::ALL);
        assert_eq!(Config::order(1)[0], Config::Bpftrace);
    }
}

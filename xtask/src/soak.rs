//! `cargo xtask soak [--minutes N]` (root): sysotel in full mode exporting
//! OTLP to a rotel collector that discards everything, under a mixed
//! workload (process starts, file writes and removals, loopback
//! connections, a watched-file read that raises a finding) for N minutes.
//! Prints the agent's resident memory and CPU every 30 s, then the growth
//! over the second half of the run: memory should stay flat.

use std::{
    fs,
    io::{Read as _, Write as _},
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};

use crate::{
    bench::{footprint, rotel::Rotel},
    build, setup, user,
};

#[derive(clap::Args)]
pub struct Options {
    /// Minutes of workload.
    #[arg(long, default_value_t = 10)]
    minutes: u64,
    /// Seconds between memory samples.
    #[arg(long, default_value_t = 30)]
    every: u64,
}

/// Kills and reaps a child when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(options: &Options) -> Result<()> {
    if !user::is_root() {
        bail!("soak needs root (it loads eBPF programs)");
    }
    let env = setup::ensure(false)?;
    let sysotel = build::build(&env, true)?;
    let collector = Rotel::start()?;
    let scratch = std::env::temp_dir().join(format!("sysotel-soak-{}", std::process::id()));
    fs::create_dir_all(&scratch)?;
    let agent_log = scratch.join("agent.log");
    let mut agent = Guard(
        Command::new(&sysotel)
            .arg("run")
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.grpc_endpoint())
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
            .env("OTEL_METRIC_EXPORT_INTERVAL", "10000")
            .stdout(Stdio::null())
            .stderr(fs::File::create(&agent_log)?)
            .spawn()
            .context("starting sysotel")?,
    );
    wait_ready(&agent_log)?;
    let pid = agent.0.id();
    println!("soak: sysotel {} (pid {pid}) for {} min, OTLP to rotel (blackhole)", sysotel.display(), options.minutes);
    println!("{:>8} {:>10} {:>10} {:>12}", "time", "RSS MiB", "CPU s", "workload");
    let start = Instant::now();
    let end = start + Duration::from_secs(options.minutes * 60);
    let mut next_sample = start;
    let mut samples: Vec<(f64, f64)> = Vec::new();
    let mut rounds = 0u64;
    while Instant::now() < end {
        if Instant::now() >= next_sample {
            let s = footprint::sample(pid)?;
            let t = start.elapsed().as_secs_f64();
            println!("{:>7.0}s {:>10.1} {:>10.2} {:>12}", t, s.rss_mib, s.cpu_s, format!("{rounds} rounds"));
            samples.push((t, s.rss_mib));
            next_sample += Duration::from_secs(options.every);
        }
        if agent.0.try_wait()?.is_some() {
            bail!("sysotel exited during the soak; see {}", agent_log.display());
        }
        workload_round(&scratch)?;
        rounds += 1;
        thread::sleep(Duration::from_millis(200));
    }
    let last = footprint::sample(pid)?;
    samples.push((start.elapsed().as_secs_f64(), last.rss_mib));
    report(&samples);
    let _ = Command::new("kill").arg("-INT").arg(pid.to_string()).status();
    let _ = agent.0.wait();
    let log = fs::read_to_string(&agent_log).unwrap_or_default();
    if let Some(line) = log.lines().rev().find(|l| l.contains("stopped:")) {
        println!("{}", line.split("stopped:").nth(1).map_or(line, str::trim));
    }
    let _ = fs::remove_dir_all(&scratch);
    Ok(())
}

/// One round: 20 process starts, 200 file writes and removals, 10 loopback
/// connections, and a read of /etc/shadow (a finding).
fn workload_round(dir: &Path) -> Result<()> {
    for _ in 0..20 {
        Command::new("/bin/true").status()?;
    }
    for i in 0..200 {
        let p = dir.join(format!("f{i}"));
        fs::File::create(&p)?.write_all(b"soak")?;
        fs::remove_file(&p)?;
    }
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = thread::spawn(move || {
        for _ in 0..10 {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 4];
                let _ = s.read_exact(&mut buf);
            }
        }
    });
    for _ in 0..10 {
        TcpStream::connect(addr)?.write_all(b"ping")?;
    }
    let _ = server.join();
    let _ = fs::read("/etc/shadow");
    Ok(())
}

/// First, last and peak RSS, and the slope over the second half.
fn report(samples: &[(f64, f64)]) {
    let Some(&(_, first)) = samples.first() else { return };
    let (_, last) = *samples.last().unwrap_or(&(0.0, first));
    let peak = samples.iter().map(|s| s.1).fold(f64::MIN, f64::max);
    let half: Vec<&(f64, f64)> = samples.iter().filter(|s| s.0 >= samples.last().map_or(0.0, |l| l.0) / 2.0).collect();
    let slope = match (half.first(), half.last()) {
        (Some(a), Some(b)) if b.0 > a.0 => (b.1 - a.1) / ((b.0 - a.0) / 60.0),
        _ => 0.0,
    };
    println!("RSS: start {first:.1} MiB, end {last:.1} MiB, peak {peak:.1} MiB; second half {slope:+.2} MiB/min");
}

fn wait_ready(log: &Path) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let text = fs::read_to_string(log).unwrap_or_default();
        if text.contains("sysotel ready") {
            return Ok(());
        }
        if text.contains("sysotel: ") {
            bail!("sysotel did not start: {text}");
        }
        thread::sleep(Duration::from_millis(200));
    }
    bail!("sysotel not ready after 60 s; see {}", log.display())
}

//! The real rotel OTLP collector, forwarding to a test receiver.
//!
//! rotel comes from `PyPI` (`pip install rotel`), which ships the `rotel-agent`
//! binary inside the Python package; `ROTEL_AGENT` may name another binary.
//! [`Rotel::start`] listens for OTLP/gRPC and OTLP/HTTP on free loopback ports
//! and exports everything over OTLP/gRPC to the given endpoint, with a short
//! batch timeout so data shows up quickly. [`Rotel::start_on`] takes fixed
//! ports instead, so a test can [`Rotel::kill`] the collector and start a new
//! one where its clients already point.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;
use std::{env, thread};

use anyhow::{Context as _, bail};

use crate::child::terminate;
use crate::net::{free_ports, is_listening, loopback};
use crate::poll::poll_until;
use crate::scratch::{ScratchDir, dump_tail, read_log};

/// Overrides where the `rotel-agent` binary is.
pub const BINARY_VAR: &str = "ROTEL_AGENT";

/// How long rotel has to open its ports.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long rotel has to exit after SIGTERM.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// rotel's batch timeout: how long data may wait before being forwarded.
const BATCH_TIMEOUT: &str = "100ms";

/// A running rotel process; stopped (SIGTERM, then SIGKILL) on drop.
#[derive(Debug)]
pub struct Rotel {
    child: Child,
    grpc_port: u16,
    http_port: u16,
    log_path: PathBuf,
    /// Holds the log; dropped after the process is stopped.
    _scratch: ScratchDir,
}

impl Rotel {
    /// `$ROTEL_AGENT`, or `rotel-agent` inside the installed `rotel` Python package.
    ///
    /// # Errors
    /// When neither is found.
    pub fn binary() -> anyhow::Result<PathBuf> {
        if let Some(path) = env::var_os(BINARY_VAR) {
            return Ok(PathBuf::from(path));
        }
        let output = Command::new("python3")
            .args(["-c", "import rotel,os;print(os.path.join(os.path.dirname(rotel.__file__),'rotel-agent'))"])
            .output()
            .context("running python3 to locate rotel")?;
        if !output.status.success() {
            bail!(
                "rotel is not installed (pip install rotel) and {BINARY_VAR} is unset: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if !path.is_file() {
            bail!("{} does not exist", path.display());
        }
        Ok(path)
    }

    /// Starts rotel forwarding to `export_endpoint` (`http://host:port`, OTLP/gRPC)
    /// and waits until both of its receiver ports accept connections.
    ///
    /// # Errors
    /// When rotel cannot be found or started, exits early, or does not listen
    /// within 20 s (the error holds its output).
    pub fn start(export_endpoint: &str) -> anyhow::Result<Self> {
        let [grpc_port, http_port] = free_ports::<2>()?;
        Self::start_on(grpc_port, http_port, export_endpoint)
    }

    /// Like [`Rotel::start`], but listening on the given loopback ports, e.g.
    /// those of a rotel that was [killed](Rotel::kill).
    ///
    /// # Errors
    /// As [`Rotel::start`], and when a port is still taken.
    pub fn start_on(grpc_port: u16, http_port: u16, export_endpoint: &str) -> anyhow::Result<Self> {
        // Something else answering there would pass for rotel being up.
        for port in [grpc_port, http_port] {
            if is_listening(loopback(port)) {
                bail!("port {port} is already taken: cannot start rotel on it");
            }
        }
        let binary = Self::binary()?;
        let scratch = ScratchDir::create("rotel")?;
        let log_path = scratch.path().join("rotel.log");
        let log = File::create(&log_path)?;
        let mut command = Command::new(&binary);
        command
            .arg("start")
            .args(["--otlp-grpc-endpoint", &loopback(grpc_port).to_string()])
            .args(["--otlp-http-endpoint", &loopback(http_port).to_string()])
            .args(["--exporter", "otlp", "--otlp-exporter-protocol", "grpc"])
            .args(["--otlp-exporter-endpoint", export_endpoint])
            .args(["--batch-timeout", BATCH_TIMEOUT])
            .arg("--pid-file")
            .arg(scratch.path().join("rotel.pid"))
            .arg("--log-file")
            .arg(scratch.path().join("rotel-daemon.log"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        for (name, _) in env::vars_os() {
            if name.to_string_lossy().starts_with("ROTEL_") {
                command.env_remove(name);
            }
        }
        let child = command.spawn().with_context(|| format!("spawning {}", binary.display()))?;
        let mut rotel = Self { child, grpc_port, http_port, log_path, _scratch: scratch };
        rotel.wait_until_listening()?;
        Ok(rotel)
    }

    fn wait_until_listening(&mut self) -> anyhow::Result<()> {
        let ready = poll_until(START_TIMEOUT, || {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(Err(status));
            }
            let up = is_listening(loopback(self.grpc_port)) && is_listening(loopback(self.http_port));
            up.then_some(Ok(()))
        });
        match ready {
            Some(Ok(())) => Ok(()),
            Some(Err(status)) => bail!("rotel exited with {status} before listening:\n{}", self.log_text()),
            None => bail!("rotel did not listen within {START_TIMEOUT:?}:\n{}", self.log_text()),
        }
    }

    /// `http://127.0.0.1:PORT` of rotel's OTLP/gRPC receiver.
    #[must_use]
    pub fn grpc_endpoint(&self) -> String {
        format!("http://{}", loopback(self.grpc_port))
    }

    /// `http://127.0.0.1:PORT` of rotel's OTLP/HTTP receiver (paths `/v1/logs`, …).
    #[must_use]
    pub fn http_endpoint(&self) -> String {
        format!("http://{}", loopback(self.http_port))
    }

    /// The OTLP/gRPC and OTLP/HTTP receiver ports, for [`Rotel::start_on`].
    #[must_use]
    pub fn ports(&self) -> (u16, u16) {
        (self.grpc_port, self.http_port)
    }

    /// Kills rotel at once (SIGKILL, no chance to flush) and reaps it, as a
    /// crashed collector would go. Later calls, and dropping, return the same status.
    ///
    /// # Errors
    /// When the process cannot be signalled or reaped.
    pub fn kill(&mut self) -> std::io::Result<ExitStatus> {
        if let Some(status) = self.child.try_wait()? {
            return Ok(status);
        }
        self.child.kill()?;
        self.child.wait()
    }

    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Where rotel's stdout and stderr go.
    #[must_use]
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// rotel's output so far.
    #[must_use]
    pub fn log_text(&self) -> String {
        read_log(&self.log_path)
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        if let Err(e) = terminate(&mut self.child, STOP_GRACE) {
            eprintln!("stopping rotel (pid {}) failed: {e}", self.child.id());
        }
        if thread::panicking() {
            dump_tail("rotel output", &self.log_path);
        }
    }
}

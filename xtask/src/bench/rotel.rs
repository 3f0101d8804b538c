//! A rotel OTLP collector that discards everything (`--exporter blackhole`),
//! for the bench's event flood and for `cargo xtask soak`: sysotel exports
//! over real OTLP/gRPC, and the collector costs as little as one can.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};

/// How long rotel may take to listen.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

/// A running rotel, killed and reaped when dropped.
pub(crate) struct Rotel {
    child: Child,
    grpc_port: u16,
}

impl Rotel {
    /// Starts rotel on free loopback ports and waits until its gRPC port accepts connections.
    pub(crate) fn start() -> Result<Self> {
        let rotel = find()?;
        let grpc_port = free_port()?;
        let http_port = free_port()?;
        let child = Command::new(&rotel)
            .args(["start", "--exporter", "blackhole"])
            .args(["--otlp-grpc-endpoint", &format!("127.0.0.1:{grpc_port}")])
            .args(["--otlp-http-endpoint", &format!("127.0.0.1:{http_port}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", rotel.display()))?;
        let mut collector = Self { child, grpc_port };
        let deadline = Instant::now() + LISTEN_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", grpc_port)).is_err() {
            if let Some(status) = collector.child.try_wait().context("waitpid")? {
                bail!("rotel exited ({status}) before listening on 127.0.0.1:{grpc_port}");
            }
            if Instant::now() > deadline {
                bail!("rotel is not listening on 127.0.0.1:{grpc_port} after {LISTEN_TIMEOUT:?}");
            }
            thread::sleep(Duration::from_millis(50));
        }
        Ok(collector)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The value for `OTEL_EXPORTER_OTLP_ENDPOINT` (with protocol `grpc`).
    pub(crate) fn grpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nothing listens on right now.
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The rotel agent binary of the `rotel` Python package.
fn find() -> Result<PathBuf> {
    let out = Command::new("python3")
        .args(["-c", "import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), 'rotel-agent'))"])
        .output()
        .context("running python3")?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !out.status.success() || !path.is_file() {
        bail!("rotel is not installed (cargo xtask setup --system installs it)");
    }
    Ok(path)
}

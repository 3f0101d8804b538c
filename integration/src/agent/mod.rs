//! The sysotel agent under test, run as a child process.
//!
//! The binary comes from `SYSOTEL_BIN`. [`Agent::start`] runs `$SYSOTEL_BIN run`
//! with the given environment (inherited `OTEL_*` variables removed,
//! `RUST_LOG=info` unless given), sends stdout and stderr to files, and waits
//! for `sysotel ready` on stderr. Dropping the agent stops it: SIGTERM, up to
//! 10 s, then SIGKILL. Only one agent runs at a time per test process.

mod env;
#[cfg(test)]
mod tests;
mod turn;

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::Duration;

pub use self::env::{OtlpProtocol, otlp_env};
use self::turn::Turn;
use crate::child::terminate;
use crate::poll::poll_until;
use crate::scratch::{ScratchDir, dump_tail, read_log};

/// The variable naming the agent binary.
pub const BINARY_VAR: &str = "SYSOTEL_BIN";
/// What the agent prints on stderr once its probes are attached.
pub const READY_LINE: &str = "sysotel ready";
/// How long the agent has to become ready.
pub const READY_TIMEOUT: Duration = Duration::from_mins(1);
/// How long the agent has to exit after SIGTERM.
pub const STOP_GRACE: Duration = Duration::from_secs(10);

/// A running agent.
#[derive(Debug)]
pub struct Agent {
    child: Child,
    /// Set once the agent has been stopped and reaped.
    status: Option<ExitStatus>,
    stdout_path: PathBuf,
    stderr_path: PathBuf,
    /// Holds the logs; dropped after the process is stopped.
    _scratch: ScratchDir,
    _turn: Turn,
}

impl Agent {
    /// The path in `SYSOTEL_BIN`.
    ///
    /// # Panics
    /// When `SYSOTEL_BIN` is unset.
    #[must_use]
    pub fn binary() -> PathBuf {
        let Some(path) = std::env::var_os(BINARY_VAR) else {
            panic!(
                "{BINARY_VAR} is not set: point it at the agent binary, e.g. \
                 {BINARY_VAR}=$PWD/target/release/sysotel (or run the tests through xtask)"
            );
        };
        PathBuf::from(path)
    }

    /// Starts `$SYSOTEL_BIN run` with `env` and waits until it is ready.
    ///
    /// # Panics
    /// When `SYSOTEL_BIN` is unset, or as [`Agent::start_binary`].
    pub fn start<I, K, V>(env: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        Self::start_binary(&Self::binary(), env)
    }

    /// Starts `<binary> run` with `env` and waits until it is ready.
    ///
    /// # Panics
    /// When the agent cannot be spawned, or it exits or stays silent for
    /// [`READY_TIMEOUT`]; the message holds its output.
    pub fn start_binary<I, K, V>(binary: &Path, env: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        let turn = Turn::take();
        let scratch = ScratchDir::create("agent").expect("creating the agent's log dir");
        let stdout_path = scratch.path().join("stdout.log");
        let stderr_path = scratch.path().join("stderr.log");
        let stdout = File::create(&stdout_path).expect("creating the agent's stdout log");
        let stderr = File::create(&stderr_path).expect("creating the agent's stderr log");
        let mut command = Command::new(binary);
        command.arg("run").stdin(Stdio::null()).stdout(stdout).stderr(stderr);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("OTEL_") {
                command.env_remove(name);
            }
        }
        command.env("RUST_LOG", "info").envs(env);
        let child = command.spawn().unwrap_or_else(|e| panic!("spawning {} run: {e}", binary.display()));
        let mut agent = Self { child, status: None, stdout_path, stderr_path, _scratch: scratch, _turn: turn };
        if let Err(message) = agent.wait_until_ready() {
            // Stop it and remove its logs before panicking: the message has them.
            drop(agent);
            panic!("{message}");
        }
        agent
    }

    /// `Err` holds what went wrong and the agent's output, read after it stopped.
    fn wait_until_ready(&mut self) -> Result<(), String> {
        let outcome = poll_until(READY_TIMEOUT, || {
            if self.stderr_text().contains(READY_LINE) {
                return Some(Ok(()));
            }
            match self.child.try_wait() {
                Ok(Some(status)) => Some(Err(format!("exited with {status}"))),
                Ok(None) => None,
                Err(e) => Some(Err(format!("could not be polled: {e}"))),
            }
        });
        let problem = match outcome {
            Some(Ok(())) => return Ok(()),
            Some(Err(problem)) => problem,
            None => format!("printed no `{READY_LINE}` within {READY_TIMEOUT:?}"),
        };
        if let Err(e) = terminate(&mut self.child, STOP_GRACE) {
            eprintln!("stopping the agent (pid {}) failed: {e}", self.child.id());
        }
        Err(format!(
            "the agent {problem}\n--- stderr ---\n{}\n--- stdout ---\n{}",
            self.stderr_text(),
            self.stdout_text()
        ))
    }

    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything the agent wrote to stdout so far.
    #[must_use]
    pub fn stdout_text(&self) -> String {
        read_log(&self.stdout_path)
    }

    /// Everything the agent wrote to stderr so far.
    #[must_use]
    pub fn stderr_text(&self) -> String {
        read_log(&self.stderr_path)
    }

    #[must_use]
    pub fn stdout_path(&self) -> &Path {
        &self.stdout_path
    }

    #[must_use]
    pub fn stderr_path(&self) -> &Path {
        &self.stderr_path
    }

    /// Stops the agent (SIGTERM, then SIGKILL after [`STOP_GRACE`]) and returns
    /// how it exited. Later calls return the same status.
    ///
    /// # Panics
    /// When the agent cannot be signalled or reaped.
    pub fn stop(&mut self) -> ExitStatus {
        if let Some(status) = self.status {
            return status;
        }
        let status = terminate(&mut self.child, STOP_GRACE)
            .unwrap_or_else(|e| panic!("stopping the agent (pid {}): {e}", self.child.id()));
        self.status = Some(status);
        status
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        if self.status.is_none() {
            match terminate(&mut self.child, STOP_GRACE) {
                Ok(status) => self.status = Some(status),
                Err(e) => eprintln!("stopping the agent (pid {}) failed: {e}", self.child.id()),
            }
        }
        if thread::panicking() {
            dump_tail("agent stderr", &self.stderr_path);
            dump_tail("agent stdout", &self.stdout_path);
        }
    }
}

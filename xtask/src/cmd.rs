//! Running child processes: echoed and checked (`run`), quiet probes
//! (`succeeds`) and captured output (`stdout`).

use std::process::{Command, Stdio};

use anyhow::{Context as _, Result, bail};

/// `program arg1 arg2`, without the environment (unlike `Command`'s `Debug`).
pub fn display(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|part| part.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Prints the command, runs it with inherited stdio and fails unless it exits 0.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    println!("$ {shown}");
    let status = cmd.status().with_context(|| format!("cannot start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Whether the command starts and exits 0; its output is discarded.
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|status| status.success())
}

/// The command's trimmed stdout if it exits 0; stderr is discarded.
pub fn stdout(cmd: &mut Command) -> Result<String> {
    let shown = display(cmd);
    let output =
        cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().with_context(|| format!("cannot start `{shown}`"))?;
    if !output.status.success() {
        bail!("`{shown}` failed ({})", output.status);
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

//! Real containers for tests: podman with runc and a busybox image built
//! offline.
//!
//! The image `localhost/sysotel-test:latest` is imported from a rootfs made
//! of Debian's static busybox and its applet links, so no registry is needed.
//! crun refuses the hybrid cgroup layout of the test machines, so every run
//! uses `--runtime runc`, with rlimits the runtime may set and no network.

use std::{
    path::Path,
    process::{Command, Stdio},
};

use anyhow::{Context as _, bail};

use crate::scratch::ScratchDir;

/// The test image.
pub const IMAGE: &str = "localhost/sysotel-test:latest";

const BUSYBOX: &str = "/bin/busybox";
const APPLETS: &[&str] = &["sh", "echo", "cat", "ls", "sleep", "true", "id"];

/// Imports [`IMAGE`] unless podman already has it.
///
/// # Errors
/// When podman or busybox is missing, or the import fails.
pub fn ensure_image() -> anyhow::Result<()> {
    let exists = Command::new("podman").args(["image", "exists", IMAGE]).status().context("running podman")?;
    if exists.success() {
        return Ok(());
    }
    if !Path::new(BUSYBOX).exists() {
        bail!("{BUSYBOX} is missing: install Debian's busybox-static");
    }
    let dir = ScratchDir::create("image")?;
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("bin"))?;
    std::fs::create_dir_all(root.join("etc"))?;
    std::fs::copy(BUSYBOX, root.join("bin/busybox"))?;
    for applet in APPLETS {
        std::os::unix::fs::symlink("busybox", root.join("bin").join(applet))?;
    }
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n")?;
    let tar = Command::new("tar")
        .arg("-C")
        .arg(&root)
        .args(["-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .context("running tar")?;
    let import = Command::new("podman")
        .args(["import", "-", IMAGE])
        .stdin(tar.stdout.context("tar stdout")?)
        .output()
        .context("running podman import")?;
    if !import.status.success() {
        bail!("podman import failed: {}", String::from_utf8_lossy(&import.stderr));
    }
    Ok(())
}

/// Runs `args` in a fresh container (optionally under `cgroup_parent`) and
/// returns the full container id podman gave it.
///
/// # Errors
/// When the container cannot be started or exits with failure.
pub fn run(cgroup_parent: Option<&str>, args: &[&str]) -> anyhow::Result<String> {
    run_with(&[], cgroup_parent, args)
}

/// [`run`] with extra `podman run` options (volumes, ...).
///
/// # Errors
/// When the container cannot be started or exits with failure.
pub fn run_with(options: &[&str], cgroup_parent: Option<&str>, args: &[&str]) -> anyhow::Result<String> {
    let dir = ScratchDir::create("cid")?;
    let cidfile = dir.path().join("cid");
    let mut cmd = Command::new("podman");
    cmd.args(["--runtime", "runc", "run", "--rm", "--network", "none"])
        .args(["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"])
        .arg("--cidfile")
        .arg(&cidfile);
    if let Some(parent) = cgroup_parent {
        cmd.args(["--cgroup-parent", parent]);
    }
    let out = cmd.args(options).arg(IMAGE).args(args).output().context("running podman run")?;
    if !out.status.success() {
        bail!("podman run {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let id = std::fs::read_to_string(&cidfile).context("reading the cidfile")?;
    Ok(id.trim().to_owned())
}

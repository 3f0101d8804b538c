//! System packages for `setup --system` on Debian 12: apt packages (checked
//! with `dpkg -s`) and `PyPI` tools (checked with `importlib.metadata`).
//! Nothing is run when everything is present; installing needs root.

use std::process::Command;

use anyhow::{Context as _, Result, bail};

use crate::{cmd, env::Env, setup::report, user};

/// Containers for the integration tests (podman, runc, busybox-static),
/// peers for comparison (bpftrace, bpftool), C/C++ compilers (static test
/// programs, libFuzzer) and basic tools.
pub const APT_PACKAGES: &[&str] = &[
    "podman",
    "runc",
    "busybox-static",
    "bpftrace",
    "bpftool",
    "iproute2",
    "libcap2-bin",
    "procps",
    "python3-pip",
    "build-essential",
];

/// `name` or `name==version`. rotel is the OTLP collector of the end-to-end
/// tests; pytest runs `charts/tests` and `collector-config/tests`.
pub const PIP_PACKAGES: &[&str] = &[
    "rotel==0.0.1a15",
    "pytest",
    "helm-python-sdk==0.2.2",
    "kubernetes-validate==1.37.0",
    "yamllint==1.38.0",
    "PyYAML==6.0.3",
];

pub fn ensure(env: &Env) -> Result<()> {
    apt(env)?;
    pip(env)
}

fn apt(env: &Env) -> Result<()> {
    let mut missing = Vec::new();
    for &package in APT_PACKAGES {
        let installed = dpkg_installed(package)?;
        report(&format!("apt {package}"), if installed { "ok" } else { "missing" });
        if !installed {
            missing.push(package);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    require_root("apt packages", &missing)?;
    report("apt", &format!("installing {}", missing.join(" ")));
    let apt_get = || {
        let mut cmd = env.command("apt-get");
        cmd.env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    cmd::run(apt_get().arg("update"))?;
    cmd::run(apt_get().args(["install", "-y"]).args(&missing))
}

fn dpkg_installed(package: &str) -> Result<bool> {
    let output = Command::new("dpkg")
        .args(["-s", package])
        .output()
        .context("cannot run dpkg: `setup --system` supports Debian-based systems only")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    Ok(output.status.success() && stdout.lines().any(|line| line.trim() == "Status: install ok installed"))
}

fn pip(env: &Env) -> Result<()> {
    let mut missing = Vec::new();
    for &spec in PIP_PACKAGES {
        let (name, wanted) = spec.split_once("==").map_or((spec, None), |(name, version)| (name, Some(version)));
        let status = match pip_version(env, name)? {
            Some(have) if wanted.is_none_or(|wanted| wanted == have) => format!("ok ({have})"),
            Some(have) => format!("have {have}, want {}", wanted.unwrap_or_default()),
            None => "missing".to_owned(),
        };
        report(&format!("pip {name}"), &status);
        if !status.starts_with("ok") {
            missing.push(spec);
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    require_root("Python packages", &missing)?;
    report("pip", &format!("installing {}", missing.join(" ")));
    // Debian's python3 is "externally managed" (PEP 668): install system-wide anyway.
    cmd::run(
        env.command("python3")
            .args(["-m", "pip", "install", "--break-system-packages", "--root-user-action=ignore"])
            .args(&missing),
    )
}

/// The installed version of a Python distribution, if any.
fn pip_version(env: &Env, name: &str) -> Result<Option<String>> {
    const SCRIPT: &str = "import importlib.metadata as m, sys
try:
    print(m.version(sys.argv[1]))
except m.PackageNotFoundError:
    pass";
    let version = cmd::stdout(env.command("python3").args(["-c", SCRIPT, name])).context("python3 is required")?;
    Ok(Some(version).filter(|v| !v.is_empty()))
}

fn require_root(what: &str, missing: &[&str]) -> Result<()> {
    if !user::is_root() {
        bail!(
            "installing {what} needs root (missing: {}): re-run as root, e.g. `sudo -E cargo xtask setup --system`, or install them yourself",
            missing.join(" ")
        );
    }
    Ok(())
}

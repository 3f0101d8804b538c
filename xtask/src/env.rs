//! The environment child processes run in: the workspace root as working
//! directory, `$CARGO_HOME/bin` first on `PATH` (bpf-linker lives there) and
//! whatever set-up found necessary, such as `LD_LIBRARY_PATH` for bpf-linker.

use std::{
    collections::BTreeMap,
    ffi::{OsStr, OsString},
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result};

/// Variables set on every child process.
#[derive(Clone, Debug)]
pub struct Env {
    vars: BTreeMap<&'static str, OsString>,
}

impl Env {
    /// `PATH` with `$CARGO_HOME/bin` moved to the front.
    pub fn new() -> Result<Self> {
        let bin = cargo_home()?.join("bin");
        let current = std::env::var_os("PATH").unwrap_or_default();
        let rest = std::env::split_paths(&current).filter(|dir| *dir != bin);
        let path =
            std::env::join_paths(std::iter::once(bin.clone()).chain(rest)).context("PATH contains an invalid entry")?;
        Ok(Self { vars: BTreeMap::from([("PATH", path)]) })
    }

    /// Puts `dir` first on the children's `LD_LIBRARY_PATH`.
    pub fn prepend_library_path(&mut self, dir: &Path) -> Result<()> {
        let current = std::env::var_os("LD_LIBRARY_PATH").unwrap_or_default();
        let dirs = std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&current));
        let value = std::env::join_paths(dirs).context("LD_LIBRARY_PATH")?;
        self.vars.insert("LD_LIBRARY_PATH", value);
        Ok(())
    }

    /// A command in the workspace root with these variables. `AYA_BUILD_SKIP`
    /// is removed: xtask builds always need the real eBPF object.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(workspace_root()).envs(&self.vars).env_remove("AYA_BUILD_SKIP");
        cmd
    }

    /// `cargo` (the rustup proxy found on our `PATH`).
    pub fn cargo(&self) -> Command {
        self.command("cargo")
    }

    /// The first executable `name` on the children's `PATH`.
    pub fn find(&self, name: &str) -> Option<PathBuf> {
        use std::os::unix::fs::PermissionsExt as _;
        std::env::split_paths(self.vars.get("PATH")?)
            .map(|dir| dir.join(name))
            .find(|file| file.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
    }
}

/// The workspace root (this crate's parent directory).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."))
}

/// Cargo's target directory, honouring `CARGO_TARGET_DIR`.
pub fn target_dir() -> PathBuf {
    let custom = std::env::var_os("CARGO_TARGET_DIR").or_else(|| std::env::var_os("CARGO_BUILD_TARGET_DIR"));
    workspace_root().join(custom.unwrap_or_else(|| "target".into()))
}

pub fn home() -> Result<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from).context("HOME is not set")
}

fn cargo_home() -> Result<PathBuf> {
    match std::env::var_os("CARGO_HOME") {
        Some(dir) => Ok(dir.into()),
        None => Ok(home()?.join(".cargo")),
    }
}

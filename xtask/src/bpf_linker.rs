//! bpf-linker must use the same LLVM as nightly rustc (docs/ENVIRONMENT.md):
//! it is built against nightly's own `libLLVM.so.*`, symlinked into
//! `~/.cache/sysotel-llvm/lib`, which the binary keeps as its rpath.

use std::{
    fs,
    os::unix::fs::symlink,
    path::{Path, PathBuf},
};

use anyhow::{Context as _, Result, anyhow};

use crate::{cmd, elf, env, env::Env, setup::report};

const VERSION: &str = "0.13.0";

/// Nightly's shared LLVM library, e.g. `libLLVM.so.22.1-rust-1.97.0-nightly`.
struct NightlyLlvm {
    path: PathBuf,
    file_name: String,
    major: u32,
}

/// Makes `bpf-linker --version` work with nightly's LLVM major version,
/// rebuilding it if needed; may add `LD_LIBRARY_PATH` to `env`.
pub fn ensure(env: &mut Env, sysroot: &Path) -> Result<()> {
    let llvm = nightly_llvm(sysroot)?;
    let reason = match probe(env, sysroot, &llvm) {
        Ok(note) => {
            report("bpf-linker", &format!("ok ({note})"));
            return Ok(());
        }
        Err(reason) => reason,
    };
    report("bpf-linker", &format!("installing {VERSION} for LLVM {} ({reason})", llvm.major));
    install(env, &llvm)?;
    let note = probe(env, sysroot, &llvm).map_err(|reason| anyhow!("bpf-linker unusable after install: {reason}"))?;
    report("bpf-linker", &format!("ok ({note})"));
    Ok(())
}

/// `Ok(description)` if the bpf-linker on `PATH` links nightly's LLVM major
/// and runs (directly, or with `LD_LIBRARY_PATH=$SYSROOT/lib`, which is then
/// kept in `env`); otherwise why it must be rebuilt.
fn probe(env: &mut Env, sysroot: &Path, llvm: &NightlyLlvm) -> Result<String, String> {
    let path = env.find("bpf-linker").ok_or("not on PATH")?;
    let major = elf::needed_libraries(&path)
        .map_err(|e| format!("{e:#}"))?
        .iter()
        .find_map(|lib| llvm_major(lib))
        .ok_or_else(|| format!("{} links no shared libLLVM", path.display()))?;
    if major != llvm.major {
        return Err(format!("built for LLVM {major}, nightly has LLVM {}", llvm.major));
    }
    if let Ok(version) = cmd::stdout(env.command(&path).arg("--version")) {
        return Ok(format!("{version}, LLVM {major}"));
    }
    let lib = sysroot.join("lib");
    let mut with_lib = env.clone();
    with_lib.prepend_library_path(&lib).map_err(|e| e.to_string())?;
    let version = cmd::stdout(with_lib.command(&path).arg("--version"))
        .map_err(|_| format!("`{} --version` fails, even with LD_LIBRARY_PATH", path.display()))?;
    *env = with_lib;
    Ok(format!("{version}, LLVM {major}, with LD_LIBRARY_PATH={}", lib.display()))
}

/// The build recipe from docs/ENVIRONMENT.md, plus `--force` so a same-version
/// bpf-linker built for another LLVM is replaced.
fn install(env: &Env, llvm: &NightlyLlvm) -> Result<()> {
    let prefix = env::home()?.join(".cache/sysotel-llvm");
    let lib = prefix.join("lib");
    fs::create_dir_all(&lib).with_context(|| format!("create {}", lib.display()))?;
    for name in ["libLLVM.so", llvm.file_name.as_str()] {
        let link = lib.join(name);
        if link.symlink_metadata().is_ok() {
            fs::remove_file(&link).with_context(|| format!("remove {}", link.display()))?;
        }
        symlink(&llvm.path, &link).with_context(|| format!("symlink {}", link.display()))?;
    }
    let features = format!("llvm-{}", llvm.major);
    cmd::run(env.cargo().env("LLVM_PREFIX", &prefix).args([
        "install",
        "bpf-linker",
        "--version",
        VERSION,
        "--no-default-features",
        "--features",
        &features,
        "--force",
    ]))
}

/// Finds `libLLVM.so.*` in the nightly sysroot's `lib` directory.
fn nightly_llvm(sysroot: &Path) -> Result<NightlyLlvm> {
    let dir = sysroot.join("lib");
    let entries = fs::read_dir(&dir).with_context(|| format!("read {}", dir.display()))?;
    let mut found: Vec<NightlyLlvm> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let file_name = entry.file_name().into_string().ok()?;
            if !file_name.starts_with("libLLVM.so.") {
                return None;
            }
            let major = llvm_major(&file_name)?;
            Some(NightlyLlvm { path: entry.path(), file_name, major })
        })
        .collect();
    found.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    found.pop().ok_or_else(|| anyhow!("no libLLVM.so.* in {}", dir.display()))
}

/// The LLVM major version in a library name: `libLLVM.so.22.1-rust-…` and
/// `libLLVM-22-rust-….so` give 22.
fn llvm_major(file_name: &str) -> Option<u32> {
    let rest = file_name.strip_prefix("libLLVM")?;
    let rest = rest.strip_prefix(".so.").or_else(|| rest.strip_prefix('-'))?;
    let digits = &rest[..rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len())];
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::llvm_major;

    #[test]
    fn major_from_library_names() {
        assert_eq!(llvm_major("libLLVM.so.22.1-rust-1.97.0-nightly"), Some(22));
        assert_eq!(llvm_major("libLLVM-21-rust-1.90.0-nightly.so"), Some(21));
        assert_eq!(llvm_major("libLLVM.so.19"), Some(19));
        assert_eq!(llvm_major("libLLVM.so"), None);
        assert_eq!(llvm_major("libc.so.6"), None);
    }
}

//! Builds the eBPF object from `exporter-bpf` with aya-build (nightly,
//! `bpfel-unknown-none`, bpf-linker) into `OUT_DIR/sysotel`, where `src/bpf`
//! embeds it with `include_bytes_aligned!`. Never a committed binary.
//!
//! `AYA_BUILD_SKIP=1` skips the eBPF build for quick `cargo check` runs; an
//! empty object is written instead and the loader reports it clearly.

use std::{env, fs, path::PathBuf};

use anyhow::{Context as _, anyhow};
use aya_build::{Package, Toolchain};

fn main() -> anyhow::Result<()> {
    let metadata = cargo_metadata::MetadataCommand::new().no_deps().exec().context("cargo metadata")?;
    let find = |name: &str| {
        metadata
            .packages
            .iter()
            .find(|p| p.name.as_str() == name)
            .ok_or_else(|| anyhow!("package {name} not found in the workspace"))
    };
    let ebpf = find("exporter-bpf")?;
    let common = find("exporter-common")?;
    let common_dir = common.manifest_path.parent().context("common dir")?;
    println!("cargo:rerun-if-changed={common_dir}");
    let root_dir = ebpf.manifest_path.parent().context("ebpf dir")?;

    let skip = env::var("AYA_BUILD_SKIP").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    if skip {
        let out = PathBuf::from(env::var("OUT_DIR")?).join("sysotel");
        if !out.exists() {
            fs::write(&out, []).context("write placeholder object")?;
        }
    }
    aya_build::build_ebpf(
        [Package { name: ebpf.name.as_str(), root_dir: root_dir.as_str(), ..Default::default() }],
        Toolchain::default(),
    )
}

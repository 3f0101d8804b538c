//! Declares the `bpf_target_arch` cfg (set by aya-build when the exporter
//! builds this crate; derived from the host for direct builds and checks).

fn main() -> aya_build::Result<()> {
    aya_build::emit_bpf_target_arch_cfg()
}

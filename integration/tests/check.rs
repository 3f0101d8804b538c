//! `sysotel check`: as root it loads and attaches the programs once; as an
//! unprivileged user it explains what is missing and exits non-zero.

use std::process::Command;

use sysotel_integration::agent::Agent;
use sysotel_integration::gate::require_integration;

#[test]
fn check_passes_as_root_and_explains_as_nobody() {
    if !require_integration() {
        return;
    }
    let bin = Agent::binary();
    let root = Command::new(&bin).arg("check").output().expect("running sysotel check");
    let text = String::from_utf8_lossy(&root.stdout);
    assert!(root.status.success(), "check failed as root:\n{text}");
    assert!(text.contains("[ok  ] load"), "programs were not loaded and attached:\n{text}");
    assert!(text.contains("verdict: sysotel can run"), "{text}");

    // setpriv drops to nobody with no capabilities at all.
    let nobody = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all"])
        .arg(&bin)
        .arg("check")
        .output()
        .expect("running setpriv");
    let text = String::from_utf8_lossy(&nobody.stdout);
    assert_eq!(nobody.status.code(), Some(1), "check must fail without privileges:\n{text}");
    assert!(text.contains("[FAIL] privileges"), "{text}");
    assert!(text.contains("CAP_BPF"), "the explanation names the capability:\n{text}");
    assert!(text.contains("verdict: sysotel cannot run here"), "{text}");
}

//! Whether the root-only integration tests run at all.
//!
//! They load eBPF programs and start collectors, so they are opt-in: every
//! test begins with
//!
//! ```no_run
//! if !sysotel_integration::gate::require_integration() {
//!     return;
//! }
//! ```

use std::env;

/// The variable that opts in.
pub const OPT_IN_VAR: &str = "SYSOTEL_INTEGRATION";

/// `false` (after printing why) unless `SYSOTEL_INTEGRATION=1`.
///
/// # Panics
/// When the tests are opted in but the process is not root: a silent skip
/// would hide a misconfigured CI job.
#[must_use]
pub fn require_integration() -> bool {
    if env::var_os(OPT_IN_VAR).is_none_or(|v| v != "1") {
        eprintln!(
            "skipping: set {OPT_IN_VAR}=1 (as root, with SYSOTEL_BIN=<agent binary>) \
             to run sysotel's integration tests"
        );
        return false;
    }
    // SAFETY: geteuid(2) takes no arguments and cannot fail.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "{OPT_IN_VAR}=1 but the effective uid is {euid}: these tests load eBPF programs \
         and need root (run them with `sudo -E`)"
    );
    true
}

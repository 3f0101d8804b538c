//! `sysotel check`: what this host offers and whether sysotel can run.
//!
//! Each probe yields a [`Finding`]; a `Fail` means `sysotel run` cannot
//! work and the detail says what to do. Probes never need privileges
//! themselves, so `check` explains instead of failing obscurely when run as
//! an ordinary user.

mod probes;
mod report;

pub use probes::run_checks;

/// Whether a kernel release string is at least `(major, minor)`.
#[must_use]
pub fn kernel_at_least(release: &str, min: (u32, u32)) -> bool {
    probes::parse_version(release).is_some_and(|v| v >= min)
}
pub use report::{Finding, Report, Status};

//! Findings and their rendering.

use std::fmt::Write as _;

/// Outcome of one probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Ok,
    /// Works, with less information.
    Warn,
    /// sysotel cannot run.
    Fail,
}

/// One probe's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
}

impl Finding {
    pub fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self { name, status: Status::Ok, detail: detail.into() }
    }
    pub fn warn(name: &'static str, detail: impl Into<String>) -> Self {
        Self { name, status: Status::Warn, detail: detail.into() }
    }
    pub fn fail(name: &'static str, detail: impl Into<String>) -> Self {
        Self { name, status: Status::Fail, detail: detail.into() }
    }
}

/// All findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether nothing failed.
    #[must_use]
    pub fn can_run(&self) -> bool {
        self.findings.iter().all(|f| f.status != Status::Fail)
    }

    /// Human-readable report ending with a verdict line.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::from("sysotel check\n");
        for f in &self.findings {
            let tag = match f.status {
                Status::Ok => "ok  ",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
            };
            let _ = writeln!(out, "  [{tag}] {:<12} {}", f.name, f.detail);
        }
        let failed: Vec<&str> = self.findings.iter().filter(|f| f.status == Status::Fail).map(|f| f.name).collect();
        if failed.is_empty() {
            out.push_str("verdict: sysotel can run on this host\n");
        } else {
            let _ = writeln!(out, "verdict: sysotel cannot run here; fix: {}", failed.join(", "));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_names_failures() {
        let r = Report {
            findings: vec![
                Finding::ok("kernel", "6.18"),
                Finding::fail("privileges", "not root"),
                Finding::warn("btf", "absent"),
            ],
        };
        assert!(!r.can_run());
        let text = r.render();
        assert!(text.contains("[FAIL] privileges   not root"), "{text}");
        assert!(text.ends_with("verdict: sysotel cannot run here; fix: privileges\n"), "{text}");
        assert!(Report { findings: vec![Finding::warn("btf", "x")] }.can_run());
    }
}

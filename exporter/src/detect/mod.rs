//! Detection: the loaded ruleset, the rules' view of an event, and findings.
//!
//! The built-in ruleset (`default.yaml`, embedded) loads first, then the
//! user's files in order, so they can append to or override its lists,
//! macros and rules. An invalid file stops the agent before it starts.

pub mod findings;
pub mod view;

use std::path::{Path, PathBuf};

use sysotel_rules::{LoadErrors, RuleInfo, Ruleset};

pub use findings::finding_log;
pub use view::{RuleView, Subject};

/// The built-in ruleset.
pub const DEFAULT_RULES: &str = include_str!("default.yaml");
/// Its name in findings (`security_rule.ruleset.name`).
pub const DEFAULT_RULESET_NAME: &str = "sysotel-default";

/// Which rules to load.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RulesConfig {
    /// Load the built-in ruleset first.
    pub builtin: bool,
    /// Rule files, loaded in order after it.
    pub files: Vec<PathBuf>,
    /// The running agent's pid, appended to the built-in
    /// `sysotel_agent_pids` list (self-protection rules).
    pub agent_pid: Option<u32>,
    /// Skip rules that use fields sysotel does not have (Falco's
    /// `skip-if-unknown-filter`) instead of failing the load.
    pub lenient: bool,
}

/// Loads the configured rules into one ruleset.
///
/// # Errors
/// Every problem of every file, with file, line and column.
pub fn load(config: &RulesConfig) -> Result<Ruleset, LoadErrors> {
    let mut b = Ruleset::builder().name(DEFAULT_RULESET_NAME).skip_unknown_fields(config.lenient);
    if config.builtin {
        b = b.text(Path::new("<builtin>/default.yaml"), DEFAULT_RULES);
        if let Some(pid) = config.agent_pid {
            let list = format!("- list: sysotel_agent_pids\n  items: [{pid}]\n  append: true\n");
            b = b.text(Path::new("<builtin>/agent.yaml"), list);
        }
    } else if let Some(first) = config.files.first() {
        let stem = first.file_stem().map_or_else(|| "rules".into(), |s| s.to_string_lossy().into_owned());
        b = b.name(stem);
    }
    for f in &config.files {
        b = b.file(f.clone());
    }
    b.build()
}

/// `sysotel rules list`: one line per rule.
#[must_use]
pub fn list_table(ruleset: &Ruleset) -> String {
    let mut out = String::new();
    for r in ruleset.rules() {
        let state = if r.enabled { "" } else { " (disabled)" };
        out.push_str(&format!(
            "{:<13} {:<22} {}{state}\n    {}:{} tags: {}\n",
            r.priority.as_str(),
            r.category,
            r.name,
            r.source_file.display(),
            r.source_line,
            r.tags.join(", "),
        ));
    }
    out
}

/// The findings for one event: `(rule, rendered output)` of every enabled
/// rule whose condition holds.
pub fn evaluate<'r>(ruleset: &'r Ruleset, view: &RuleView<'_>) -> Vec<(&'r RuleInfo, String)> {
    ruleset.matches(view).map(|r| (r, r.render_output(view))).collect()
}

#[cfg(test)]
mod tests;

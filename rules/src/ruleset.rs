//! [`Ruleset`]: compiled rules, indexed by event type, and how to load one.

use std::path::{Path, PathBuf};

use crate::compile::Node;
use crate::error::{ErrorKind, LoadError, LoadErrors};
use crate::eval::eval;
use crate::event::Event;
use crate::loader::State;
use crate::output::Template;
use crate::priority::Priority;

/// One loaded rule: its metadata, compiled condition and output template.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    /// The rule's name (`- rule:`).
    pub name: String,
    /// `desc`.
    pub desc: String,
    /// `priority`.
    pub priority: Priority,
    /// `tags`.
    pub tags: Vec<String>,
    /// `enabled` (default true). Disabled rules are listed but never match.
    pub enabled: bool,
    /// `uuid` if given, else a version 5 UUID of the ruleset and rule names.
    pub uuid: String,
    /// `category` if given, else from the first MITRE tactic tag, else `general`.
    pub category: String,
    /// The output template as written (after appends).
    pub output: String,
    /// The condition as written (after appends), without exceptions.
    pub condition: String,
    /// The file of the rule's first definition.
    pub source_file: PathBuf,
    /// The line of the rule's first definition.
    pub source_line: u32,
    pub(crate) node: Node,
    pub(crate) template: Template,
    pub(crate) event_types: Option<Vec<String>>,
}

impl RuleInfo {
    /// Fills the output template from `event`: `%field`, `%field[arg]` and
    /// `%(field)` become the field's value, `<NA>` when absent.
    pub fn render_output<E: Event + ?Sized>(&self, event: &E) -> String {
        self.template.render(event)
    }

    /// Whether the condition (exceptions included) holds, enabled or not.
    pub fn condition_holds<E: Event + ?Sized>(&self, event: &E) -> bool {
        eval(&self.node, event)
    }

    /// The syscalls this rule can match (sorted), or `None` when its condition
    /// does not restrict `evt.type` and it runs for every event.
    #[must_use]
    pub fn event_types(&self) -> Option<&[String]> {
        self.event_types.as_deref()
    }
}

/// A rule that was loaded without error but set aside: see [`SkipReason`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRule {
    /// The rule's name.
    pub name: String,
    /// Its `source`, e.g. `k8s_audit` (`syscall` for rules skipped for unknown fields).
    pub source: String,
    /// Where it is defined.
    pub file: PathBuf,
    /// The line of its definition.
    pub line: u32,
    /// Why it was set aside.
    pub reason: SkipReason,
}

/// Why a rule was set aside instead of loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// Its `source` is not `syscall`.
    Source,
    /// Its condition (or an exception, or a macro it uses) tests fields
    /// sysotel does not have, and the load was lenient
    /// ([`RulesetBuilder::skip_unknown_fields`]) or the rule says
    /// `skip-if-unknown-filter: true`. Each unknown field with its position
    /// (in the rule, or in the macro that uses it).
    UnknownFields(Vec<LoadError>),
}

impl SkippedRule {
    /// One line for users: `rule "X" has source "k8s_audit"`, or
    /// `rule "X" uses unknown fields thread.cap_permitted, fd.sip.name`
    /// (each field once, without its `[argument]`).
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.reason {
            SkipReason::Source => format!("rule {:?} has source {:?}", self.name, self.source),
            SkipReason::UnknownFields(errors) => {
                // `container.mount.dest[/etc]`, `container.mount.dest[/]`: one field.
                let mut fields: Vec<&str> = Vec::new();
                for e in errors {
                    if let ErrorKind::UnknownField(f) = &e.kind {
                        let name = f.split('[').next().unwrap_or(f);
                        if !fields.contains(&name) {
                            fields.push(name);
                        }
                    }
                }
                format!("rule {:?} uses unknown fields {}", self.name, fields.join(", "))
            }
        }
    }
}

/// Compiled rules from one or more files.
#[derive(Debug, Clone)]
pub struct Ruleset {
    pub(crate) name: String,
    pub(crate) rules: Vec<RuleInfo>,
    /// Sorted `(event type, enabled rule indexes in order)`.
    pub(crate) by_type: Vec<(String, Vec<usize>)>,
    /// Enabled rules with no event-type bound.
    pub(crate) any: Vec<usize>,
    pub(crate) skipped: Vec<SkippedRule>,
    pub(crate) warnings: Vec<LoadError>,
}

impl Ruleset {
    /// Loads files in order into one ruleset named after the first file's stem.
    ///
    /// # Errors
    ///
    /// Every problem in every file, each with its file, line and column.
    pub fn load_files<P: AsRef<Path>>(paths: &[P]) -> Result<Self, LoadErrors> {
        paths.iter().fold(Self::builder(), |b, p| b.file(p.as_ref())).build()
    }

    /// Loads rules from a string; `path` is only used in error messages.
    ///
    /// # Errors
    ///
    /// Every problem found, each with `path`, line and column.
    pub fn load_str(name: &str, text: &str, path: &Path) -> Result<Self, LoadErrors> {
        Self::builder().name(name).text(path, text).build()
    }

    /// A builder to load several files and strings into one ruleset.
    #[must_use]
    pub fn builder() -> RulesetBuilder {
        RulesetBuilder::default()
    }

    /// The ruleset's name (used in derived rule UUIDs).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// All rules, enabled or not, in order of first definition.
    #[must_use]
    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    /// The rule with this name.
    #[must_use]
    pub fn rule(&self, name: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.name == name)
    }

    /// Rules set aside: those whose `source` is not `syscall`, then (lenient
    /// loads, or rules with `skip-if-unknown-filter: true`) those whose
    /// condition uses unknown fields; see [`SkippedRule::reason`].
    #[must_use]
    pub fn skipped(&self) -> &[SkippedRule] {
        &self.skipped
    }

    /// Problems that did not stop the load: in a lenient load
    /// ([`RulesetBuilder::skip_unknown_fields`]), unknown fields in the
    /// outputs of loaded rules (they render as `<NA>`).
    #[must_use]
    pub fn warnings(&self) -> &[LoadError] {
        &self.warnings
    }

    /// The enabled rules whose condition holds for `event`, in rule order.
    /// Only rules indexed under the event's type, and rules without an
    /// event-type bound, are evaluated. Allocates nothing.
    pub fn matches<'r, 'e, E: Event + ?Sized>(&'r self, event: &'e E) -> Matches<'r, 'e, E> {
        let typed = self
            .by_type
            .binary_search_by(|(t, _)| t.as_str().cmp(event.evt_type()))
            .map_or(&[][..], |i| &self.by_type[i].1[..]);
        Matches { rules: &self.rules, typed, any: &self.any, event }
    }
}

/// Iterator over the rules matching one event; see [`Ruleset::matches`].
pub struct Matches<'r, 'e, E: ?Sized> {
    rules: &'r [RuleInfo],
    typed: &'r [usize],
    any: &'r [usize],
    event: &'e E,
}

impl<'r, E: Event + ?Sized> Iterator for Matches<'r, '_, E> {
    type Item = &'r RuleInfo;

    fn next(&mut self) -> Option<&'r RuleInfo> {
        loop {
            // Merge the two sorted index lists, so rules come in file order.
            let next = match (self.typed.first(), self.any.first()) {
                (Some(&t), Some(&a)) if t < a => take(&mut self.typed),
                (_, Some(_)) => take(&mut self.any),
                (Some(_), None) => take(&mut self.typed),
                (None, None) => return None,
            };
            let rule = &self.rules[next];
            if eval(&rule.node, self.event) {
                return Some(rule);
            }
        }
    }
}

fn take(list: &mut &[usize]) -> usize {
    let (first, rest) = list.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    *list = rest;
    first
}

/// Adds files and strings, in order, then compiles them into one [`Ruleset`].
#[derive(Debug, Default)]
pub struct RulesetBuilder {
    name: Option<String>,
    sources: Vec<Source>,
    skip_unknown_fields: bool,
}

#[derive(Debug)]
enum Source {
    File(PathBuf),
    Text(PathBuf, String),
}

impl RulesetBuilder {
    /// Names the ruleset; the default is the first source's file stem.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds a rules file, read when [`RulesetBuilder::build`] runs.
    #[must_use]
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.sources.push(Source::File(path.into()));
        self
    }

    /// Adds rules text; `path` names it in error messages.
    #[must_use]
    pub fn text(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.sources.push(Source::Text(path.into(), text.into()));
        self
    }

    /// Lenient loading, like Falco's `skip-if-unknown-filter: true` on every
    /// rule (default off: unknown fields are errors, as in Falco without it).
    ///
    /// A rule whose condition, exceptions or macros test a field sysotel
    /// does not have is set aside and listed by [`Ruleset::skipped`] with
    /// [`SkipReason::UnknownFields`], instead of failing the load; an
    /// unknown field in a loaded rule's output renders as `<NA>` and is
    /// listed by [`Ruleset::warnings`]. Every other problem (syntax, bad
    /// values, undefined macros, ...) is still an error.
    #[must_use]
    pub fn skip_unknown_fields(mut self, skip: bool) -> Self {
        self.skip_unknown_fields = skip;
        self
    }

    /// Reads, merges and compiles every source.
    ///
    /// # Errors
    ///
    /// Every problem in every source, each with its file, line and column,
    /// sorted by file (in the order added) and position.
    pub fn build(self) -> Result<Ruleset, LoadErrors> {
        let name = self.name.unwrap_or_else(|| {
            let first = self.sources.first().map(|s| match s {
                Source::File(p) | Source::Text(p, _) => p,
            });
            first.and_then(|p| p.file_stem()).map_or_else(|| "rules".to_owned(), |s| s.to_string_lossy().into_owned())
        });
        let mut state = State::default();
        for source in self.sources {
            match source {
                Source::File(path) => match std::fs::read_to_string(&path) {
                    Ok(text) => state.add_file(path, text),
                    Err(e) => state.add_unreadable(path, e.to_string()),
                },
                Source::Text(path, text) => state.add_file(path, text),
            }
        }
        crate::assemble::assemble(state, name, self.skip_unknown_fields)
    }
}

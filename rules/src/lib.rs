//! Falco-style detection rules for sysotel.
//!
//! Rules are YAML files in Falco's format: `list`s of values, `macro`s of
//! reusable condition text, and `rule`s with a condition, an output
//! template, a priority and tags. [`Ruleset`] loads one or more files,
//! compiles every condition once, and then tells which rules match an event.
//!
//! ```
//! use std::path::Path;
//! use sysotel_rules::{MapEvent, Ruleset};
//!
//! let yaml = r#"
//! - list: shell_binaries
//!   items: [bash, sh, zsh]
//! - macro: spawned_process
//!   condition: evt.type in (execve, execveat) and evt.dir = <
//! - rule: Shell spawned
//!   desc: A shell was started
//!   condition: spawned_process and proc.name in (shell_binaries)
//!   output: "Shell %proc.name started by %proc.pname"
//!   priority: NOTICE
//!   tags: [mitre_execution]
//! "#;
//! let rules = Ruleset::load_str("example", yaml, Path::new("<example>")).unwrap();
//! let event = MapEvent::new("execve").with("evt.dir", "<").with("proc.name", "bash").with("proc.pname", "sshd");
//! let hits: Vec<_> = rules.matches(&event).collect();
//! assert_eq!(hits.len(), 1);
//! assert_eq!(hits[0].render_output(&event), "Shell bash started by sshd");
//! assert_eq!(hits[0].category, "execution");
//! ```
//!
//! # Implementing [`Event`]
//!
//! The agent implements [`Event`] on its decoded event: `evt_type` returns the
//! syscall name, and `get` matches on [`FieldRef::field`] (and on
//! [`FieldRef::key`] / [`FieldRef::index`] for `evt.arg.NAME`,
//! `k8s.pod.label[KEY]`, `proc.aname[N]`, `proc.apid[N]`), returning
//! [`Value::None`] for anything the event lacks:
//!
//! ```
//! use std::borrow::Cow;
//! use sysotel_rules::{Event, Field, FieldRef, Value};
//!
//! struct Exec { comm: String, pid: i64, ancestors: Vec<String> }
//!
//! impl Event for Exec {
//!     fn evt_type(&self) -> &str { "execve" }
//!     fn get(&self, f: &FieldRef) -> Value<'_> {
//!         match f.field {
//!             Field::ProcName => Value::Str(Cow::Borrowed(&self.comm)),
//!             Field::ProcPid => Value::Num(self.pid),
//!             Field::EvtDir => Value::from("<"),
//!             Field::ProcAname => match f.index() {
//!                 Some(n) => self.ancestors.get(n as usize - 1).map(String::as_str).into(), // n >= 1
//!                 None => Value::Many(self.ancestors.iter().map(|s| Cow::Borrowed(s.as_str())).collect()),
//!             },
//!             _ => Value::None,
//!         }
//!     }
//! }
//! ```
//!
//! A missing field makes every comparison on it false, `!=` included (as in
//! Falco); `not` of such a comparison is true, and `exists` tests presence.
//!
//! # Errors
//!
//! Loading collects every problem of every file; each [`LoadError`] prints as
//! `file:line:column: rule "Name": message`.
//!
//! An unknown field is an error unless the load is lenient
//! ([`RulesetBuilder::skip_unknown_fields`], Falco's `skip-if-unknown-filter`
//! for every rule): then rules that test unknown fields are set aside and
//! listed by [`Ruleset::skipped`], and unknown output fields render as `<NA>`
//! and are listed by [`Ruleset::warnings`].

mod assemble;
mod ast;
mod compile;
mod error;
mod eval;
mod event;
mod exceptions;
mod fields;
mod fuzz;
mod identity;
mod index;
mod items;
mod lexer;
mod loader;
mod locate;
mod map_event;
mod matcher;
mod net;
mod output;
mod parser;
mod priority;
mod ruleset;
mod yaml;

pub use error::{ErrorKind, ItemKind, ItemRef, LoadError, LoadErrors, ParseError, ParseErrorKind};
pub use event::{Event, Value};
pub use fields::{ArgKind, FIELDS, Field, FieldArg, FieldError, FieldInfo, FieldRef, FieldType, fields_markdown};
pub use fuzz::fuzz_condition;
pub use identity::{CATEGORY_TAGS, category_from_tags, derived_uuid};
pub use map_event::MapEvent;
pub use priority::{Priority, UnknownPriority};
pub use ruleset::{Matches, RuleInfo, Ruleset, RulesetBuilder, SkipReason, SkippedRule};

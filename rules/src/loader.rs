//! Merges the items of several files, in order, into one set of definitions.
//!
//! Later items change earlier ones the way Falco does: a plain redefinition
//! replaces the item (keeping its place), `append: true` adds to a condition,
//! list or exceptions, `override:` appends or replaces key by key, and a rule
//! item with only `enabled` switches an existing rule on or off. Rules of a
//! source other than `syscall` are set aside as skipped.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::error::{ErrorKind, ItemKind, ItemRef, LoadError};
use crate::items::{
    ExceptionItem, FileError, IGNORED_RULE_KEYS, Item, ListItem, MacroItem, Mode, RuleItem, Text, read_items,
};
use crate::priority::Priority;
use crate::ruleset::{SkipReason, SkippedRule};
use crate::yaml::{self, Mark, Node};

/// A file position: index into [`State::files`] and mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct At {
    pub file: usize,
    pub mark: Mark,
}

/// A loaded file.
pub(crate) struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// A piece of condition (or output, or description) text and where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Fragment {
    pub text: String,
    pub at: At,
}

/// Text assembled from fragments joined by one space (Falco's append).
#[derive(Debug, Clone, Default)]
pub(crate) struct Frags(pub Vec<Fragment>);

impl Frags {
    fn one(text: Text, file: usize) -> Self {
        Self(vec![Fragment { text: text.text, at: At { file, mark: text.mark } }])
    }

    fn push(&mut self, text: Text, file: usize) {
        self.0.push(Fragment { text: text.text, at: At { file, mark: text.mark } });
    }

    pub fn joined(&self) -> String {
        self.0.iter().map(|f| f.text.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Where byte `offset` of [`Frags::joined`] was written.
    pub fn locate(&self, files: &[SourceFile], offset: usize) -> At {
        let mut start = 0;
        for (i, f) in self.0.iter().enumerate() {
            let end = start + f.text.len();
            if offset <= end || i + 1 == self.0.len() {
                let within = offset.saturating_sub(start).min(f.text.len());
                let mark = crate::locate::locate(&files[f.at.file].text, f.at.mark, &f.text, within);
                return At { file: f.at.file, mark };
            }
            start = end + 1;
        }
        At::default()
    }
}

pub(crate) struct ListDef {
    pub items: Vec<String>,
    pub at: At,
}

pub(crate) struct MacroDef {
    pub cond: Frags,
}

/// An exception and the file of each part of it.
pub(crate) struct ExceptionDef {
    pub item: ExceptionItem,
    pub file: usize,
    /// Values added by later appends, with their files.
    pub values: Vec<(usize, Node)>,
}

pub(crate) struct RuleDef {
    pub at: At,
    pub desc: Frags,
    pub cond: Frags,
    pub output: Frags,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub exceptions: Vec<ExceptionDef>,
    pub uuid: Option<(Text, usize)>,
    pub category: Option<String>,
    /// `skip-if-unknown-filter: true`: set the rule aside instead of failing
    /// when its condition uses a field sysotel does not have.
    pub skip_unknown: bool,
}

/// Definitions by name, in order of first definition.
pub(crate) struct Table<T> {
    pub items: Vec<(String, T)>,
    index: HashMap<String, usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self { items: Vec::new(), index: HashMap::new() }
    }
}

impl<T> Table<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.index.get(name).map(|&i| &self.items[i].1)
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.index.get(name).map(|&i| &mut self.items[i].1)
    }

    /// Adds, or replaces in place.
    fn put(&mut self, name: String, def: T) {
        match self.index.get(&name) {
            Some(&i) => self.items[i].1 = def,
            None => {
                self.index.insert(name.clone(), self.items.len());
                self.items.push((name, def));
            }
        }
    }
}

/// Everything loaded so far.
#[derive(Default)]
pub(crate) struct State {
    pub files: Vec<SourceFile>,
    pub lists: Table<ListDef>,
    pub macros: Table<MacroDef>,
    pub rules: Table<RuleDef>,
    pub skipped: Vec<SkippedRule>,
    skipped_names: HashSet<String>,
    /// Errors with the index of their file, for sorting.
    pub errors: Vec<(usize, LoadError)>,
}

impl State {
    /// Records an error.
    pub fn error(&mut self, at: At, item: Option<ItemRef>, kind: ErrorKind) {
        let path = self.files.get(at.file).map(|f| f.path.clone()).unwrap_or_default();
        let err = LoadError { file: path, line: at.mark.line, column: at.mark.column, item, kind };
        self.errors.push((at.file, err));
    }

    /// A file that could not be read.
    pub fn add_unreadable(&mut self, path: PathBuf, reason: String) {
        self.files.push(SourceFile { path, text: String::new() });
        let at = At { file: self.files.len() - 1, mark: Mark { line: 1, column: 1 } };
        self.error(at, None, ErrorKind::Io(reason));
    }

    /// Loads one file's text on top of what is loaded.
    pub fn add_file(&mut self, path: PathBuf, text: String) {
        let doc = yaml::parse(&text);
        self.files.push(SourceFile { path, text });
        let file = self.files.len() - 1;
        let doc = match doc {
            Ok(doc) => doc,
            Err(e) => return self.error(At { file, mark: e.mark }, None, ErrorKind::Yaml(e.message)),
        };
        let mut file_errors = Vec::new();
        let items = read_items(&doc, &mut file_errors);
        for FileError { mark, item, kind } in file_errors {
            self.error(At { file, mark }, item, kind);
        }
        for item in items {
            match item {
                Item::List(l) => self.list(file, l),
                Item::Macro(m) => self.macro_(file, m),
                Item::Rule(r) => self.rule(file, *r),
            }
        }
    }

    fn list(&mut self, file: usize, l: ListItem) {
        let at = At { file, mark: l.mark };
        let items = l.items.unwrap_or_default();
        if l.must_exist {
            match self.lists.get_mut(&l.name) {
                Some(def) if l.append => def.items.extend(items),
                Some(def) => def.items = items,
                None => self.error(at, Some(item(ItemKind::List, &l.name)), undefined("list", &l.name)),
            }
            return;
        }
        self.lists.put(l.name, ListDef { items, at });
    }

    fn macro_(&mut self, file: usize, m: MacroItem) {
        let Some(cond) = m.condition else { return };
        if m.must_exist {
            match self.macros.get_mut(&m.name) {
                Some(def) if m.append => def.cond.push(cond, file),
                Some(def) => def.cond = Frags::one(cond, file),
                None => {
                    let at = At { file, mark: m.mark };
                    self.error(at, Some(item(ItemKind::Macro, &m.name)), undefined("macro", &m.name));
                }
            }
            return;
        }
        self.macros.put(m.name, MacroDef { cond: Frags::one(cond, file) });
    }

    fn rule(&mut self, file: usize, r: RuleItem) {
        let at = At { file, mark: r.mark };
        let me = Some(item(ItemKind::Rule, &r.name));
        let modifies = r.append || !r.overrides.is_empty();
        if r.append && !r.overrides.is_empty() {
            let kind = ErrorKind::BadItem("append and override cannot be used together".into());
            return self.error(at, me, kind);
        }
        if r.source.as_deref().is_some_and(|s| s != "syscall") {
            if !modifies {
                self.skipped_names.insert(r.name.clone());
                let source = r.source.unwrap_or_default();
                let path = self.files[file].path.clone();
                let reason = SkipReason::Source;
                self.skipped.push(SkippedRule { name: r.name, source, file: path, line: r.mark.line, reason });
            }
            return;
        }
        let enable_only = r.enabled.is_some() && r.keys.iter().all(|(k, _)| k == "rule" || k == "enabled");
        if modifies || enable_only {
            if self.rules.get(&r.name).is_none() && self.skipped_names.contains(&r.name) {
                return; // changes a rule of another source
            }
            if self.rules.get(&r.name).is_some() {
                return self.modify_rule(file, r);
            }
            if modifies {
                return self.error(at, me, undefined("rule", &r.name));
            }
        }
        let mut missing = false;
        for key in ["desc", "condition", "output", "priority"] {
            if !r.keys.iter().any(|(k, _)| k == key) {
                self.error(at, me.clone(), ErrorKind::MissingKey(key));
                missing = true;
            }
        }
        // A key with a bad value was reported by `items`; without a condition
        // there is nothing to check, the rest gets placeholders.
        let (Some(cond), false) = (r.condition, missing) else { return };
        let blank = || Text { text: String::new(), mark: r.mark };
        let desc = r.desc.unwrap_or_else(blank);
        let output = r.output.unwrap_or_else(blank);
        let priority = r.priority.unwrap_or(Priority::Debug);
        let exceptions = r.exceptions.unwrap_or_default().into_iter().map(|e| new_exception(e, file)).collect();
        self.skipped_names.remove(&r.name);
        let def = RuleDef {
            at,
            desc: Frags::one(desc, file),
            cond: Frags::one(cond, file),
            output: Frags::one(output, file),
            priority,
            tags: r.tags.unwrap_or_default(),
            enabled: r.enabled.unwrap_or(true),
            exceptions,
            uuid: r.uuid.map(|u| (u, file)),
            category: r.category,
            skip_unknown: r.skip_unknown.unwrap_or(false),
        };
        self.rules.put(r.name, def);
    }

    /// `append: true`, `override:` or an `enabled`-only item, on an existing rule.
    fn modify_rule(&mut self, file: usize, r: RuleItem) {
        let me = Some(item(ItemKind::Rule, &r.name));
        let mut errors = Vec::new();
        let always_ok = |k: &str| {
            matches!(k, "rule" | "enabled" | "source" | "append" | "override") || IGNORED_RULE_KEYS.contains(&k)
        };
        if r.append {
            for (key, mark) in &r.keys {
                if !always_ok(key) && key != "condition" && key != "exceptions" {
                    let kind = ErrorKind::BadItem(format!("{key} cannot be changed with append: true; use override"));
                    errors.push((*mark, kind));
                }
            }
        } else {
            for (key, mark) in &r.keys {
                if !always_ok(key) && !r.overrides.iter().any(|(k, ..)| k == key) {
                    errors.push((*mark, ErrorKind::BadItem(format!("{key} is not listed in override"))));
                }
            }
            for (key, mode, mark) in &r.overrides {
                let appendable = matches!(key.as_str(), "condition" | "output" | "desc" | "tags" | "exceptions");
                if *mode == Mode::Append && !appendable {
                    errors.push((*mark, ErrorKind::BadItem(format!("{key} can only be replaced"))));
                } else if !r.keys.iter().any(|(k, _)| k == key) {
                    errors.push((*mark, ErrorKind::BadItem(format!("override of {key} needs a {key} key"))));
                }
            }
        }
        if !errors.is_empty() {
            for (mark, kind) in errors {
                self.error(At { file, mark }, me.clone(), kind);
            }
            return;
        }
        let mode = |key: &str| {
            if r.append {
                Mode::Append
            } else {
                r.overrides.iter().find(|(k, ..)| k == key).map_or(Mode::Replace, |(_, m, _)| *m)
            }
        };
        let (m_cond, m_out, m_desc, m_tags, m_exc) =
            (mode("condition"), mode("output"), mode("desc"), mode("tags"), mode("exceptions"));
        let mut exc_errors = Vec::new();
        let Some(def) = self.rules.get_mut(&r.name) else { return };
        if let Some(t) = r.condition {
            append_or_replace(&mut def.cond, t, file, m_cond);
        }
        if let Some(t) = r.output {
            append_or_replace(&mut def.output, t, file, m_out);
        }
        if let Some(t) = r.desc {
            append_or_replace(&mut def.desc, t, file, m_desc);
        }
        if let Some(p) = r.priority {
            def.priority = p;
        }
        if let Some(tags) = r.tags {
            if m_tags == Mode::Replace {
                def.tags.clear();
            }
            def.tags.extend(tags.into_iter().filter(|t| !def.tags.contains(t)).collect::<Vec<_>>());
        }
        if let Some(excs) = r.exceptions {
            if m_exc == Mode::Replace {
                def.exceptions.clear();
            }
            for e in excs {
                merge_exception(&mut def.exceptions, e, file, &mut exc_errors);
            }
        }
        if let Some(enabled) = r.enabled {
            def.enabled = enabled;
        }
        if let Some(skip) = r.skip_unknown {
            def.skip_unknown = skip;
        }
        for (mark, kind) in exc_errors {
            self.error(At { file, mark }, me.clone(), kind);
        }
    }
}

fn append_or_replace(frags: &mut Frags, text: Text, file: usize, mode: Mode) {
    match mode {
        Mode::Append => frags.push(text, file),
        Mode::Replace => *frags = Frags::one(text, file),
    }
}

fn new_exception(item: ExceptionItem, file: usize) -> ExceptionDef {
    ExceptionDef { item, file, values: Vec::new() }
}

/// An appended exception: values for an existing one, or a new one.
fn merge_exception(list: &mut Vec<ExceptionDef>, e: ExceptionItem, file: usize, errors: &mut Vec<(Mark, ErrorKind)>) {
    let Some(existing) = list.iter_mut().find(|x| x.item.name == e.name) else {
        list.push(new_exception(e, file));
        return;
    };
    if e.fields.is_some() || e.comps.is_some() {
        let reason = "already defined: an append can only add values".to_owned();
        errors.push((e.mark, ErrorKind::BadException { name: e.name, reason }));
        return;
    }
    existing.values.extend(e.values.into_iter().map(|v| (file, v)));
}

fn item(kind: ItemKind, name: &str) -> ItemRef {
    ItemRef { kind, name: name.to_owned() }
}

fn undefined(kind: &'static str, name: &str) -> ErrorKind {
    ErrorKind::AppendToUndefined { kind, name: name.to_owned() }
}

//! Compiles merged definitions into a [`Ruleset`]: expands lists, parses
//! macros, compiles each rule with its exceptions and output, derives UUIDs
//! and categories, and builds the event-type index.

use std::collections::{BTreeMap, HashMap};

use uuid::Uuid;

use crate::compile::{CompileError, Compiler, Defs, Node, Origin};
use crate::error::{ErrorKind, ItemKind, ItemRef, LoadError, LoadErrors};
use crate::exceptions;
use crate::identity::{category_from_tags, derived_uuid};
use crate::index::event_types;
use crate::lexer::Lexer;
use crate::loader::{At, ListDef, State, Table};
use crate::output::Template;
use crate::parser::parse;
use crate::ruleset::{RuleInfo, Ruleset, SkipReason, SkippedRule};

/// Turns loaded definitions into a ruleset, or all the errors found.
/// With `lenient`, rules whose conditions use unknown fields are set aside
/// (see [`crate::RulesetBuilder::skip_unknown_fields`]).
pub(crate) fn assemble(mut state: State, name: String, lenient: bool) -> Result<Ruleset, LoadErrors> {
    let lists = expand_lists(&mut state);
    let mut defs = Defs { lists, macros: HashMap::new() };
    let mut parse_errors = Vec::new();
    for (mname, m) in &state.macros.items {
        let text = m.cond.joined();
        let parsed = parse(&text).map_err(|e| {
            let at = m.cond.locate(&state.files, e.offset);
            parse_errors.push((at, ItemRef { kind: ItemKind::Macro, name: mname.clone() }, ErrorKind::Syntax(e.kind)));
        });
        defs.macros.insert(mname.clone(), parsed.ok());
    }
    for (at, item, kind) in parse_errors {
        state.error(at, Some(item), kind);
    }

    let mut compiler = Compiler::new(&defs);
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    for (rname, r) in &state.rules.items {
        let me = ItemRef { kind: ItemKind::Rule, name: rname.clone() };
        let skip_unknown = lenient || r.skip_unknown;
        // Where a compile error is: in the rule's condition or in a macro.
        let locate = |e: &CompileError| match &e.origin {
            Origin::Root => (r.cond.locate(&state.files, e.offset), me.clone()),
            Origin::Macro(m) => {
                let frags = state.macros.get(m).map(|d| &d.cond);
                let at = frags.map_or(r.at, |f| f.locate(&state.files, e.offset));
                (at, ItemRef { kind: ItemKind::Macro, name: m.clone() })
            }
        };
        let forgiven = |kind: &ErrorKind| skip_unknown && matches!(kind, ErrorKind::UnknownField(_));
        // This rule's errors, and the unknown fields that set it aside when `skip_unknown`.
        let mut rule_errors = Vec::new();
        let mut unknown = Vec::new();
        let condition = r.cond.joined();
        let node = match parse(&condition) {
            Err(e) => {
                rule_errors.push((r.cond.locate(&state.files, e.offset), me.clone(), ErrorKind::Syntax(e.kind)));
                None
            }
            Ok(expr) => {
                let compiled = compiler.compile(&expr);
                for e in &compiled.errors {
                    if !forgiven(&e.kind) {
                        let (at, item) = locate(e);
                        rule_errors.push((at, item, e.kind.clone()));
                    }
                }
                for e in &compiled.unknown {
                    let (at, item) = locate(e);
                    unknown.push((at, item, e.kind.clone()));
                }
                Some(compiled.node)
            }
        };
        let mut exc_nodes = Vec::new();
        for exc in &r.exceptions {
            let mut exc_errors = Vec::new();
            for t in exceptions::tuples(exc, &mut exc_errors) {
                let compiled = compiler.compile(&t.expr);
                exc_errors.extend(compiled.errors.into_iter().map(|e| (t.at, e.kind)));
                exc_nodes.push(compiled.node);
            }
            for (at, kind) in exc_errors {
                if matches!(kind, ErrorKind::UnknownField(_)) {
                    unknown.push((at, me.clone(), kind.clone()));
                }
                if !forgiven(&kind) {
                    rule_errors.push((at, me.clone(), kind));
                }
            }
        }
        // Folded block scalars end in a newline; a log line should not.
        let output = r.output.joined().trim_end().to_owned();
        let (template, output_errors, output_unknown) = Template::parse_with(&output, skip_unknown);
        for (offset, kind) in output_errors {
            rule_errors.push((r.output.locate(&state.files, offset), me.clone(), kind));
        }
        let uuid = match &r.uuid {
            Some((u, file)) => match Uuid::parse_str(u.text.trim()) {
                Ok(u) => u,
                Err(e) => {
                    let kind = ErrorKind::BadItem(format!("uuid {:?} is not a UUID: {e}", u.text));
                    rule_errors.push((At { file: *file, mark: u.mark }, me.clone(), kind));
                    Uuid::nil()
                }
            },
            None => derived_uuid(&name, rname),
        };
        errors.extend(rule_errors);
        if skip_unknown && !unknown.is_empty() {
            let reason = SkipReason::UnknownFields(
                unknown.into_iter().map(|(at, item, kind)| load_error(&state, at, item, kind)).collect(),
            );
            let file = state.files[r.at.file].path.clone();
            skipped.push(SkippedRule {
                name: rname.clone(),
                source: "syscall".into(),
                file,
                line: r.at.mark.line,
                reason,
            });
            continue;
        }
        for (offset, kind) in output_unknown {
            warnings.push(load_error(&state, r.output.locate(&state.files, offset), me.clone(), kind));
        }
        let Some(node) = node else { continue };
        let node = with_exceptions(node, exc_nodes);
        let event_types = event_types(&node).map(|set| set.into_iter().map(String::from).collect());
        rules.push(RuleInfo {
            name: rname.clone(),
            desc: r.desc.joined().trim_end().to_owned(),
            priority: r.priority,
            enabled: r.enabled,
            uuid: uuid.hyphenated().to_string(),
            category: r.category.clone().unwrap_or_else(|| category_from_tags(&r.tags).to_owned()),
            tags: r.tags.clone(),
            output,
            condition,
            source_file: state.files[r.at.file].path.clone(),
            source_line: r.at.mark.line,
            node,
            template,
            event_types,
        });
    }
    drop(compiler);
    for (at, item, kind) in errors {
        state.error(at, Some(item), kind);
    }
    if !state.errors.is_empty() {
        let mut errs = state.errors;
        errs.sort_by_key(|(file, e)| (*file, e.line, e.column));
        return Err(LoadErrors(errs.into_iter().map(|(_, e)| e).collect()));
    }
    let (by_type, any) = index(&rules);
    let mut all_skipped = state.skipped;
    all_skipped.extend(skipped);
    Ok(Ruleset { name, rules, by_type, any, skipped: all_skipped, warnings })
}

fn load_error(state: &State, at: At, item: ItemRef, kind: ErrorKind) -> LoadError {
    let file = state.files.get(at.file).map(|f| f.path.clone()).unwrap_or_default();
    LoadError { file, line: at.mark.line, column: at.mark.column, item: Some(item), kind }
}

/// `(condition) and not (exception or ...)`.
fn with_exceptions(cond: Node, mut exc: Vec<Node>) -> Node {
    match exc.len() {
        0 => cond,
        1 => Node::And(vec![cond, Node::Not(Box::new(exc.remove(0)))]),
        _ => Node::And(vec![cond, Node::Not(Box::new(Node::Or(exc)))]),
    }
}

/// Event type -> enabled rules, and the enabled rules of any type.
fn index(rules: &[RuleInfo]) -> (Vec<(String, Vec<usize>)>, Vec<usize>) {
    let mut by_type: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut any = Vec::new();
    for (i, r) in rules.iter().enumerate().filter(|(_, r)| r.enabled) {
        match &r.event_types {
            Some(types) => types.iter().for_each(|t| by_type.entry(t).or_default().push(i)),
            None => any.push(i),
        }
    }
    (by_type.into_iter().map(|(t, v)| (t.to_owned(), v)).collect(), any)
}

/// Every list with list names among its items replaced by their items.
fn expand_lists(state: &mut State) -> HashMap<String, Vec<String>> {
    let mut done: HashMap<String, Vec<String>> = HashMap::new();
    let mut errors = Vec::new();
    for (name, _) in &state.lists.items {
        let mut stack = Vec::new();
        expand(name, &state.lists, &mut done, &mut stack, &mut errors);
    }
    for (at, name, cycle) in errors {
        state.error(at, Some(ItemRef { kind: ItemKind::List, name }), ErrorKind::ListCycle(cycle));
    }
    done
}

/// A list item written as a quoted condition value (`'"sh -c uname"'` in
/// YAML, so the item is `"sh -c uname"` with its quotes) stands for the
/// unquoted value, as in Falco, which pastes list items into conditions.
fn quoted_value(item: &str) -> Option<String> {
    if !item.starts_with(['"', '\'']) {
        return None;
    }
    let mut lx = Lexer::new(item);
    let atom = lx.value("a value").ok()?;
    (atom.quoted && lx.pos() == item.len()).then_some(atom.text)
}

fn expand(
    name: &str,
    lists: &Table<ListDef>,
    done: &mut HashMap<String, Vec<String>>,
    stack: &mut Vec<String>,
    errors: &mut Vec<(At, String, String)>,
) {
    if done.contains_key(name) {
        return;
    }
    let Some(def) = lists.get(name) else { return };
    stack.push(name.to_owned());
    let mut out = Vec::with_capacity(def.items.len());
    for item in &def.items {
        if let Some(start) = stack.iter().position(|s| s == item) {
            let cycle = stack[start..].iter().chain(std::iter::once(item)).cloned().collect::<Vec<_>>().join(" -> ");
            errors.push((def.at, name.to_owned(), cycle));
            continue;
        }
        if let Some(value) = quoted_value(item) {
            out.push(value);
        } else if lists.get(item).is_some() {
            expand(item, lists, done, stack, errors);
            out.extend(done.get(item.as_str()).into_iter().flatten().cloned());
        } else {
            out.push(item.clone());
        }
    }
    stack.pop();
    done.insert(name.to_owned(), out);
}

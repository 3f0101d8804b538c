//! Renders `semconv/docs/reference.md` from the registry.
//!
//! The output depends only on the YAML, in a stable order (files by path,
//! groups and attributes as written), so the committed file can be compared
//! byte for byte.

use std::{collections::BTreeMap, fmt::Write as _};

use yaml_serde::Value;

use super::{AttrType, Group, GroupKind, Model, examples_of, one_line, requirement_label, scalar_text};

const HEADER: &str = "<!-- DO NOT EDIT: generated from semconv/model by semconv/tests/registry.rs.\n     \
                      Regenerate with: SYSOTEL_BLESS=1 cargo test -p sysotel-semconv --test registry -->\n";

/// Where the upstream registry documents attributes of namespace `ns`.
fn upstream_link(name: &str) -> String {
    let ns = name.split('.').next().unwrap_or(name);
    format!("https://opentelemetry.io/docs/specs/semconv/registry/attributes/{ns}/")
}

/// A GitHub-style anchor for a heading made of `text`.
fn anchor(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            ' ' => Some('-'),
            _ => None,
        })
        .collect()
}

/// Text for a Markdown table cell.
fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

fn render_value(v: &Value) -> String {
    match v {
        Value::Sequence(items) => {
            let inner: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => format!("\"{s}\""),
                    other => render_value(other),
                })
                .collect();
            format!("[{}]", inner.join(", "))
        }
        other => scalar_text(other).unwrap_or_else(|| "?".into()),
    }
}

/// Link to an attribute: local anchor for ours, upstream registry otherwise.
fn attribute_link(model: &Model, name: &str) -> String {
    if model.definition(name).is_some() {
        format!("[`{name}`](#{})", anchor(name))
    } else {
        format!("[`{name}`]({})", upstream_link(name))
    }
}

fn type_of(model: &Model, name: &str) -> String {
    model
        .definition(name)
        .and_then(|a| a.kind.as_ref())
        .and_then(|k| AttrType::parse(k).ok())
        .map_or_else(|| "standard".into(), |t| format!("`{}`", t.label()))
}

fn group_attributes_table(model: &Model, group: &Group, out: &mut String) {
    if group.attributes.is_empty() {
        out.push_str("No attributes.\n\n");
        return;
    }
    out.push_str("| Attribute | Type | Requirement level |\n|---|---|---|\n");
    for a in &group.attributes {
        let name = a.name();
        let level = requirement_label(a.requirement_level.as_ref()).unwrap_or_else(|e| e);
        let _ = writeln!(out, "| {} | {} | {} |", attribute_link(model, name), type_of(model, name), cell(&level));
    }
    out.push('\n');
}

fn brief_and_note(group: &Group, out: &mut String) {
    if let Some(brief) = &group.brief {
        let _ = writeln!(out, "{}\n", one_line(brief));
    }
    if let Some(note) = &group.note {
        let _ = writeln!(out, "{}\n", one_line(note));
    }
}

fn stability_line(group: &Group, out: &mut String) {
    if let Some(s) = group.stability {
        let _ = writeln!(out, "Stability: {}\n", s.label());
    }
}

fn render_events(model: &Model, out: &mut String) {
    out.push_str("## Events\n\nEach event is a log record whose `EventName` is the name below.\n\n");
    for (_, g) in model.groups().filter(|(_, g)| g.kind == GroupKind::Event) {
        let _ = writeln!(out, "### `{}`\n", g.name.as_deref().unwrap_or(&g.id));
        stability_line(g, out);
        brief_and_note(g, out);
        group_attributes_table(model, g, out);
    }
}

fn render_metrics(model: &Model, out: &mut String) {
    out.push_str("## Metrics\n\n");
    let metrics: Vec<&Group> = model.groups().map(|(_, g)| g).filter(|g| g.kind == GroupKind::Metric).collect();
    if metrics.is_empty() {
        out.push_str("None yet.\n\n");
    }
    for g in metrics {
        let _ = writeln!(out, "### `{}`\n", g.metric_name.as_deref().unwrap_or(&g.id));
        let instrument = g.instrument.map(|i| format!("{i:?}").to_lowercase()).unwrap_or_default();
        let _ = writeln!(out, "Instrument: {instrument}, unit: `{}`\n", g.unit.as_deref().unwrap_or(""));
        stability_line(g, out);
        brief_and_note(g, out);
        group_attributes_table(model, g, out);
    }
}

fn render_other_groups(model: &Model, out: &mut String) {
    for (_, g) in model.groups().filter(|(_, g)| {
        !matches!(g.kind, GroupKind::Event | GroupKind::Metric) && g.attributes.iter().all(|a| a.reference.is_some())
    }) {
        let _ = writeln!(out, "## Group `{}`\n", g.id);
        stability_line(g, out);
        brief_and_note(g, out);
        group_attributes_table(model, g, out);
    }
}

fn render_definitions(model: &Model, out: &mut String) {
    out.push_str("## Attributes defined by sysotel\n\n");
    for (_, g) in model.groups().filter(|(_, g)| g.attributes.iter().any(|a| a.id.is_some())) {
        let title = g.display_name.clone().unwrap_or_else(|| g.id.clone());
        let _ = writeln!(out, "### {title}\n");
        brief_and_note(g, out);
        for a in g.attributes.iter().filter(|a| a.id.is_some()) {
            let name = a.name();
            let _ = writeln!(out, "#### {name}\n");
            let kind = a.kind.as_ref().and_then(|k| AttrType::parse(k).ok());
            let examples = match (&kind, &a.examples) {
                (Some(k), Some(e)) => {
                    examples_of(k, e).iter().map(|x| format!("`{}`", render_value(x))).collect::<Vec<_>>().join(", ")
                }
                _ => String::new(),
            };
            out.push_str("| Type | Stability | Examples |\n|---|---|---|\n");
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |\n",
                kind.map(|k| k.label()).unwrap_or_default(),
                a.stability.map(|s| s.label()).unwrap_or_default(),
                cell(&examples),
            );
            if let Some(brief) = &a.brief {
                let _ = writeln!(out, "{}\n", one_line(brief));
            }
            if let Some(note) = &a.note {
                let _ = writeln!(out, "{}\n", one_line(note));
            }
        }
    }
}

fn render_standard(model: &Model, out: &mut String) {
    out.push_str("## Standard attributes used\n\n");
    out.push_str("Defined by the OpenTelemetry semantic conventions this registry depends on.\n\n");
    let mut users: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (_, g) in model.groups() {
        for a in &g.attributes {
            if let Some(r) = a.reference.as_deref().filter(|r| model.definition(r).is_none()) {
                let user = match g.kind {
                    GroupKind::Event => format!("`{}`", g.name.as_deref().unwrap_or(&g.id)),
                    GroupKind::Metric => format!("`{}`", g.metric_name.as_deref().unwrap_or(&g.id)),
                    _ => format!("group `{}`", g.id),
                };
                users.entry(r).or_default().push(user);
            }
        }
    }
    out.push_str("| Attribute | Used by |\n|---|---|\n");
    for (name, used_by) in users {
        let _ = writeln!(out, "| [`{name}`]({}) | {} |", upstream_link(name), used_by.join(", "));
    }
    out.push('\n');
}

/// The whole reference document.
pub fn render(model: &Model) -> String {
    let m = &model.manifest;
    let mut out = String::from(HEADER);
    out.push_str("\n# sysotel semantic conventions\n\n");
    if let Some(d) = &m.description {
        let _ = writeln!(out, "{}\n", one_line(d));
    }
    let _ = writeln!(out, "Registry `{}`, schema URL `{}`.", m.name, m.schema_url);
    for dep in &m.dependencies {
        let _ = writeln!(out, "Depends on `{}` (`{}`).", dep.schema_url, dep.registry_path);
    }
    out.push('\n');
    render_events(model, &mut out);
    render_metrics(model, &mut out);
    render_other_groups(model, &mut out);
    render_definitions(model, &mut out);
    render_standard(model, &mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

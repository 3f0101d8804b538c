//! Checks the Weaver registry in `semconv/model` against itself and against
//! the names the crate exports (`attribute::ALL`, `event::ALL`,
//! `metric::ALL`), and keeps `semconv/docs/reference.md` in sync with it.
//!
//! Weaver itself is not installable here (not on crates.io), so this test
//! enforces the parts of `weaver registry check` sysotel relies on.
//! `SYSOTEL_BLESS=1` rewrites the reference document instead of failing.

mod model;

use std::{collections::BTreeSet, fs};

use model::{AttrType, Group, GroupKind, Model, Stability, examples_of, requirement_label};
use sysotel_semconv::{NAMESPACE, attribute, event, metric};

/// Semantic-conventions release the registry builds on.
const SEMCONV_VERSION: &str = "1.44.0";

fn own_prefix() -> String {
    format!("{NAMESPACE}.")
}

fn is_own(name: &str) -> bool {
    name.starts_with(&own_prefix())
}

/// Panics listing every problem at once.
fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}:\n  - {}", problems.join("\n  - "));
}

fn non_empty(s: Option<&String>) -> bool {
    s.is_some_and(|s| !s.trim().is_empty())
}

#[test]
fn manifest_names_the_registry_and_its_dependency() {
    let m = Model::load().manifest;
    assert_eq!(m.name, NAMESPACE);
    assert!(
        m.schema_url.starts_with("https://") && m.schema_url.rsplit('/').next().is_some_and(|v| v.contains('.')),
        "schema_url must be an https URL ending in a version: {}",
        m.schema_url
    );
    assert_eq!(m.dependencies.len(), 1, "exactly one dependency (the OpenTelemetry semantic conventions)");
    let dep = &m.dependencies[0];
    assert_eq!(dep.schema_url, format!("https://opentelemetry.io/schemas/{SEMCONV_VERSION}"));
    assert!(
        dep.registry_path.contains(&format!("semantic-conventions@v{SEMCONV_VERSION}"))
            && dep.registry_path.ends_with("[model]"),
        "registry_path must pin v{SEMCONV_VERSION} and its model/ folder: {}",
        dep.registry_path
    );
}

fn check_group(path: &str, g: &Group, problems: &mut Vec<String>) {
    let at = format!("{path}: group `{}`", g.id);
    if g.stability.is_none() {
        problems.push(format!("{at}: missing stability"));
    }
    if !non_empty(g.brief.as_ref()) {
        problems.push(format!("{at}: missing brief"));
    }
    match g.kind {
        GroupKind::Event => match &g.name {
            Some(name) if g.id == format!("event.{name}") => {}
            Some(name) => problems.push(format!("{at}: event id must be `event.{name}`")),
            None => problems.push(format!("{at}: event without `name`")),
        },
        GroupKind::Metric => {
            match &g.metric_name {
                Some(name) if g.id == format!("metric.{name}") => {}
                Some(name) => problems.push(format!("{at}: metric id must be `metric.{name}`")),
                None => problems.push(format!("{at}: metric without `metric_name`")),
            }
            if g.instrument.is_none() || !non_empty(g.unit.as_ref()) {
                problems.push(format!("{at}: metric needs `instrument` and `unit`"));
            }
        }
        GroupKind::AttributeGroup | GroupKind::Span | GroupKind::Entity => {
            if g.name.is_some() || g.metric_name.is_some() {
                problems.push(format!("{at}: `name`/`metric_name` only belong on events/metrics"));
            }
        }
    }
    let defines = g.attributes.iter().any(|a| a.id.is_some());
    if defines && (g.kind != GroupKind::AttributeGroup || !g.id.starts_with(&format!("registry.{NAMESPACE}."))) {
        problems
            .push(format!("{at}: attributes are defined only in attribute groups with id `registry.{NAMESPACE}.*`"));
    }
    if defines && g.attributes.iter().any(|a| a.reference.is_some()) {
        problems.push(format!("{at}: keep definitions (`id`) and references (`ref`) in separate groups"));
    }
    for a in &g.attributes {
        check_attribute(&at, a, problems);
    }
}

fn check_attribute(at: &str, a: &model::Attribute, problems: &mut Vec<String>) {
    let at = format!("{at}: attribute `{}`", a.name());
    if let Err(e) = requirement_label(a.requirement_level.as_ref()) {
        problems.push(format!("{at}: {e}"));
    }
    match (&a.id, &a.reference) {
        (Some(_), None) => {}
        (None, Some(_)) => {
            if a.kind.is_some() || a.examples.is_some() || a.stability.is_some() {
                problems.push(format!("{at}: a `ref` must not redefine type, stability or examples"));
            }
            return;
        }
        _ => {
            problems.push(format!("{at}: needs exactly one of `id` and `ref`"));
            return;
        }
    }
    if a.stability != Some(Stability::Development) {
        problems.push(format!("{at}: our attributes start with `stability: development`"));
    }
    if !non_empty(a.brief.as_ref()) {
        problems.push(format!("{at}: missing brief"));
    }
    let Some(kind) = a.kind.as_ref() else {
        problems.push(format!("{at}: missing type"));
        return;
    };
    let kind = match AttrType::parse(kind) {
        Ok(k) => k,
        Err(e) => {
            problems.push(format!("{at}: {e}"));
            return;
        }
    };
    let Some(examples) = a.examples.as_ref() else {
        problems.push(format!("{at}: missing examples"));
        return;
    };
    let examples = examples_of(&kind, examples);
    if examples.is_empty() {
        problems.push(format!("{at}: empty examples"));
    }
    for e in examples.iter().filter(|e| !kind.accepts(e)) {
        problems.push(format!("{at}: example {e:?} is not a `{}`", kind.label()));
    }
}

#[test]
fn groups_and_attributes_have_the_required_fields() {
    let model = Model::load();
    let mut problems = Vec::new();
    let mut group_ids = BTreeSet::new();
    let mut attr_ids = BTreeSet::new();
    for (path, g) in model.groups() {
        if !group_ids.insert(g.id.as_str()) {
            problems.push(format!("{path}: duplicate group id `{}`", g.id));
        }
        for id in g.attributes.iter().filter_map(|a| a.id.as_deref()) {
            if !attr_ids.insert(id) {
                problems.push(format!("{path}: attribute `{id}` defined twice"));
            }
        }
        let mut in_group = BTreeSet::new();
        for a in &g.attributes {
            if !in_group.insert(a.name()) {
                problems.push(format!("{path}: `{}` listed twice in group `{}`", a.name(), g.id));
            }
        }
        check_group(path, g, &mut problems);
    }
    assert_no_problems("registry schema", &problems);
}

/// Every name the registry mentions, by kind.
struct Names<'a> {
    defined: BTreeSet<&'a str>,
    referenced: BTreeSet<&'a str>,
    events: BTreeSet<&'a str>,
    metrics: BTreeSet<&'a str>,
}

fn names(model: &Model) -> Names<'_> {
    let mut n = Names {
        defined: BTreeSet::new(),
        referenced: BTreeSet::new(),
        events: BTreeSet::new(),
        metrics: BTreeSet::new(),
    };
    for (_, g) in model.groups() {
        n.events.extend(g.name.as_deref().filter(|_| g.kind == GroupKind::Event));
        n.metrics.extend(g.metric_name.as_deref().filter(|_| g.kind == GroupKind::Metric));
        n.defined.extend(g.attributes.iter().filter_map(|a| a.id.as_deref()));
        n.referenced.extend(g.attributes.iter().filter_map(|a| a.reference.as_deref()));
    }
    n
}

#[test]
fn every_emitted_name_is_in_the_registry() {
    let model = Model::load();
    let n = names(&model);
    let mut problems = Vec::new();
    for name in attribute::ALL.iter().filter(|a| !n.defined.contains(*a) && !n.referenced.contains(*a)) {
        problems.push(format!("attribute `{name}` is neither defined nor referenced"));
    }
    for name in event::ALL.iter().filter(|e| !n.events.contains(*e)) {
        problems.push(format!("event `{name}` has no `type: event` group"));
    }
    for name in metric::ALL.iter().filter(|m| !n.metrics.contains(*m)) {
        problems.push(format!("metric `{name}` has no `type: metric` group"));
    }
    assert_no_problems("names in semconv/src missing from semconv/model", &problems);
}

#[test]
fn every_registry_name_is_emitted() {
    let model = Model::load();
    let n = names(&model);
    let mut problems = Vec::new();
    for name in n.defined.iter().chain(&n.referenced).filter(|a| is_own(a) && !attribute::ALL.contains(a)) {
        problems.push(format!("attribute `{name}` is not in attribute::ALL"));
    }
    for name in n.events.iter().filter(|e| !event::ALL.contains(e)) {
        problems.push(format!("event `{name}` is not in event::ALL"));
    }
    for name in n.metrics.iter().filter(|m| !metric::ALL.contains(m)) {
        problems.push(format!("metric `{name}` is not in metric::ALL"));
    }
    assert_no_problems("names in semconv/model missing from semconv/src", &problems);
}

#[test]
fn own_names_are_namespaced_and_refs_are_standard() {
    let model = Model::load();
    let n = names(&model);
    // Standard names in `attribute::ALL` are re-exports of the
    // opentelemetry-semantic-conventions crate, so they exist upstream.
    let standard: BTreeSet<&str> = attribute::ALL.iter().copied().filter(|a| !is_own(a)).collect();
    let mut problems = Vec::new();
    for id in n.defined.iter().filter(|id| !is_own(id)) {
        problems.push(format!("`{id}` is defined here but lacks the `{}` prefix", own_prefix()));
    }
    for name in n.events.iter().chain(&n.metrics).filter(|x| !is_own(x)) {
        problems.push(format!("`{name}` lacks the `{}` prefix", own_prefix()));
    }
    for r in &n.referenced {
        if is_own(r) {
            if !n.defined.contains(r) {
                problems.push(format!("`ref: {r}` points at an undefined attribute"));
            }
        } else if !standard.contains(r) {
            problems.push(format!("`ref: {r}` is not a standard name sysotel emits (attribute::ALL)"));
        }
    }
    for id in n.defined.iter().filter(|id| !n.referenced.contains(*id)) {
        problems.push(format!("`{id}` is defined but no event, metric or group carries it"));
    }
    assert_no_problems("namespaces", &problems);
}

#[test]
fn event_notes_document_a_default_severity() {
    let model = Model::load();
    let missing: Vec<String> = model
        .groups()
        .filter(|(_, g)| g.kind == GroupKind::Event)
        .filter(|(_, g)| !g.note.as_deref().is_some_and(|n| n.contains("SeverityNumber")))
        .map(|(path, g)| format!("{path}: `{}` does not state its default SeverityNumber", g.id))
        .collect();
    assert_no_problems("events", &missing);
}

#[test]
fn reference_doc_is_up_to_date() {
    let model = Model::load();
    let rendered = model::doc::render(&model);
    let path = model::model_dir().join("../docs/reference.md");
    if std::env::var_os("SYSOTEL_BLESS").is_some_and(|v| v == "1") {
        fs::create_dir_all(path.parent().expect("docs dir")).expect("create semconv/docs");
        fs::write(&path, &rendered).expect("write semconv/docs/reference.md");
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    if committed != rendered {
        let line = committed.lines().zip(rendered.lines()).position(|(a, b)| a != b).map_or_else(
            || "at the end".to_string(),
            |i| {
                let (old, new) =
                    (committed.lines().nth(i).unwrap_or_default(), rendered.lines().nth(i).unwrap_or_default());
                format!(
                    "at line {}:
  committed: {old}
  generated: {new}",
                    i + 1
                )
            },
        );
        panic!(
            "semconv/docs/reference.md is stale; first difference {line}\n\
             Regenerate with SYSOTEL_BLESS=1 cargo test -p sysotel-semconv --test registry"
        );
    }
}

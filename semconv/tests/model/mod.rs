//! Typed view of the Weaver registry in `semconv/model` (v1 `groups:` format).
//!
//! Only the subset sysotel uses is accepted (`deny_unknown_fields`), so a
//! misspelt key fails here instead of being silently ignored. The shapes
//! follow weaver's `schemas/semconv-syntax.md`.

pub mod doc;

use std::{
    fs,
    path::{Path, PathBuf},
};

use serde::Deserialize;
use yaml_serde::Value;

/// `semconv/model`.
pub fn model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("model")
}

/// `manifest.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    pub description: Option<String>,
    pub schema_url: String,
    pub dependencies: Vec<Dependency>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub schema_url: String,
    pub registry_path: String,
}

/// One `registry/*.yaml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryFile {
    pub groups: Vec<Group>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: GroupKind,
    pub stability: Option<Stability>,
    pub brief: Option<String>,
    pub note: Option<String>,
    pub display_name: Option<String>,
    /// Event name (`type: event`).
    pub name: Option<String>,
    /// Metric name (`type: metric`).
    pub metric_name: Option<String>,
    pub instrument: Option<Instrument>,
    pub unit: Option<String>,
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    AttributeGroup,
    Event,
    Metric,
    Span,
    Entity,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Stability {
    Stable,
    ReleaseCandidate,
    Development,
}

impl Stability {
    pub fn label(self) -> &'static str {
        match self {
            Self::Stable => "Stable",
            Self::ReleaseCandidate => "Release candidate",
            Self::Development => "Development",
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    Counter,
    Updowncounter,
    Gauge,
    Histogram,
}

/// An attribute definition (`id`) or reference (`ref`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    pub id: Option<String>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<Value>,
    pub stability: Option<Stability>,
    pub brief: Option<String>,
    pub note: Option<String>,
    pub examples: Option<Value>,
    pub requirement_level: Option<Value>,
}

impl Attribute {
    /// The attribute name, whether defined or referenced.
    pub fn name(&self) -> &str {
        self.id.as_deref().or(self.reference.as_deref()).unwrap_or("")
    }
}

/// A primitive attribute type; arrays are `(Scalar, true)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    String,
    Int,
    Double,
    Boolean,
    /// `any`: a value of any type, maps (kvlists) included. Weaver has no
    /// `any[]`, and its examples are scalars (upstream writes maps as JSON).
    Any,
}

/// The parsed `type:` of an attribute definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrType {
    Primitive {
        scalar: Scalar,
        array: bool,
    },
    /// `type: { members: [...] }`, with the member values.
    Enum(Vec<String>),
}

impl AttrType {
    pub fn parse(v: &Value) -> Result<Self, String> {
        match v {
            Value::String(s) => {
                let (base, array) = s.strip_suffix("[]").map_or((s.as_str(), false), |b| (b, true));
                let scalar = match base {
                    "string" => Scalar::String,
                    "int" => Scalar::Int,
                    "double" => Scalar::Double,
                    "boolean" => Scalar::Boolean,
                    "any" if !array => Scalar::Any,
                    _ => return Err(format!("unknown type `{s}`")),
                };
                Ok(Self::Primitive { scalar, array })
            }
            Value::Mapping(m) => {
                let members = m.get("members").and_then(Value::as_sequence).ok_or("enum type without `members`")?;
                let mut values = Vec::new();
                for member in members {
                    let id = member.get("id").and_then(Value::as_str);
                    let value = member.get("value").and_then(scalar_text);
                    match (id, value, member.get("stability")) {
                        (Some(_), Some(value), Some(_)) => values.push(value),
                        _ => return Err("enum member needs `id`, `value` and `stability`".into()),
                    }
                }
                Ok(Self::Enum(values))
            }
            _ => Err("type must be a string or `{ members: [...] }`".into()),
        }
    }

    /// How the type reads in the docs.
    pub fn label(&self) -> String {
        match self {
            Self::Primitive { scalar, array } => {
                let base = match scalar {
                    Scalar::String => "string",
                    Scalar::Int => "int",
                    Scalar::Double => "double",
                    Scalar::Boolean => "boolean",
                    Scalar::Any => "any",
                };
                if *array { format!("{base}[]") } else { base.to_string() }
            }
            Self::Enum(_) => "enum".to_string(),
        }
    }

    /// Whether `example` is a valid value of this type.
    pub fn accepts(&self, example: &Value) -> bool {
        match self {
            Self::Primitive { scalar, array: false } => scalar_accepts(*scalar, example),
            Self::Primitive { scalar, array: true } => {
                example.as_sequence().is_some_and(|items| items.iter().all(|i| scalar_accepts(*scalar, i)))
            }
            Self::Enum(values) => scalar_text(example).is_some_and(|t| values.contains(&t)),
        }
    }
}

fn scalar_accepts(scalar: Scalar, v: &Value) -> bool {
    match scalar {
        Scalar::String => v.is_string(),
        Scalar::Int => v.is_i64() || v.is_u64(),
        Scalar::Double => v.is_number(),
        Scalar::Boolean => v.is_bool(),
        Scalar::Any => scalar_text(v).is_some(),
    }
}

/// A scalar as text (strings, numbers, booleans).
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `examples:` as a list of examples. For array types each example is itself
/// a list; a scalar is shorthand for a one-element list.
pub fn examples_of(kind: &AttrType, examples: &Value) -> Vec<Value> {
    match (kind, examples) {
        (AttrType::Primitive { array: true, .. }, Value::Sequence(items)) if items.iter().all(|i| !i.is_sequence()) => {
            vec![examples.clone()]
        }
        (_, Value::Sequence(items)) => items.clone(),
        (_, other) => vec![other.clone()],
    }
}

/// The requirement level of an attribute in a group, for the docs, or an
/// error when it is not one weaver accepts.
pub fn requirement_label(v: Option<&Value>) -> Result<String, String> {
    let Some(v) = v else {
        return Ok("Recommended".into());
    };
    if let Some(s) = v.as_str() {
        return match s {
            "required" => Ok("Required".into()),
            "recommended" => Ok("Recommended".into()),
            "opt_in" => Ok("Opt-In".into()),
            _ => Err(format!("unknown requirement_level `{s}`")),
        };
    }
    let m = v.as_mapping().filter(|m| m.len() == 1).ok_or("requirement_level must be a string or a one-key map")?;
    let (key, text) = m.iter().next().ok_or("empty requirement_level")?;
    let text = text.as_str().filter(|t| !t.trim().is_empty()).ok_or("requirement_level condition must be text")?;
    match key.as_str() {
        Some("conditionally_required") => Ok(format!("Conditionally Required: {}", one_line(text))),
        Some("recommended") => Ok(format!("Recommended: {}", one_line(text))),
        _ => Err("requirement_level map key must be `conditionally_required` or `recommended`".into()),
    }
}

/// Folded YAML text on one line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One parsed registry file.
pub struct Loaded {
    /// Path relative to `semconv/model`.
    pub path: String,
    pub file: RegistryFile,
}

/// The whole model: the manifest and every `registry/**/*.yaml`, in path order.
pub struct Model {
    pub manifest: Manifest,
    pub files: Vec<Loaded>,
}

impl Model {
    /// Parses the model; panics naming the file that does not parse.
    pub fn load() -> Self {
        let dir = model_dir();
        let manifest_path = dir.join("manifest.yaml");
        let text = fs::read_to_string(&manifest_path).unwrap_or_else(|e| panic!("{}: {e}", manifest_path.display()));
        let manifest = yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", manifest_path.display()));

        let mut paths = Vec::new();
        collect_yaml(&dir.join("registry"), &mut paths);
        paths.sort();
        assert!(!paths.is_empty(), "no YAML files under {}", dir.join("registry").display());
        let files = paths
            .into_iter()
            .map(|p| {
                let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                let file = yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                let path = p.strip_prefix(&dir).unwrap_or(&p).to_string_lossy().into_owned();
                Loaded { path, file }
            })
            .collect();
        Self { manifest, files }
    }

    /// Every group with the file it comes from.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &Group)> {
        self.files.iter().flat_map(|f| f.file.groups.iter().map(move |g| (f.path.as_str(), g)))
    }

    /// Every attribute definition (`id:`) with its group.
    pub fn definitions(&self) -> impl Iterator<Item = (&Group, &Attribute)> {
        self.groups().flat_map(|(_, g)| g.attributes.iter().filter(|a| a.id.is_some()).map(move |a| (g, a)))
    }

    /// The definition of attribute `name` in this registry, if any.
    pub fn definition(&self, name: &str) -> Option<&Attribute> {
        self.definitions().map(|(_, a)| a).find(|a| a.id.as_deref() == Some(name))
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

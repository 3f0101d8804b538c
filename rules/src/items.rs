//! Reads the items of one rules file (`- rule:`, `- macro:`, `- list:`) from
//! its YAML tree into typed items, reporting every shape error it finds.
//!
//! This step knows nothing of other items or files; `loader` merges items
//! (append, override, redefinition) and `assemble` compiles them.

use crate::error::{ErrorKind, ItemKind, ItemRef};
use crate::priority::Priority;
use crate::yaml::{Kind, Mark, Node};

/// A string value and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    pub text: String,
    pub mark: Mark,
}

/// `override:` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Append,
    Replace,
}

#[derive(Debug, Clone)]
pub(crate) struct ListItem {
    pub name: String,
    pub mark: Mark,
    pub items: Option<Vec<String>>,
    /// `append: true` or `override: {items: append}`.
    pub append: bool,
    /// Any `append` or `override`: the list must already exist.
    pub must_exist: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct MacroItem {
    pub name: String,
    pub mark: Mark,
    pub condition: Option<Text>,
    /// `append: true` or `override: {condition: append}`.
    pub append: bool,
    /// Any `append` or `override`: the macro must already exist.
    pub must_exist: bool,
}

/// An exception as written; fields and values are interpreted in `exceptions`.
#[derive(Debug, Clone)]
pub(crate) struct ExceptionItem {
    pub name: String,
    pub mark: Mark,
    /// `fields: proc.name` (one) or `fields: [a, b]` (a list).
    pub fields: Option<OneOrMany>,
    pub comps: Option<OneOrMany>,
    pub values: Vec<Node>,
}

#[derive(Debug, Clone)]
pub(crate) enum OneOrMany {
    One(Text),
    Many(Vec<Text>),
}

#[derive(Debug, Clone, Default)]
pub(crate) struct RuleItem {
    pub name: String,
    pub mark: Mark,
    pub desc: Option<Text>,
    pub condition: Option<Text>,
    pub output: Option<Text>,
    pub priority: Option<Priority>,
    pub tags: Option<Vec<String>>,
    pub enabled: Option<bool>,
    pub source: Option<String>,
    pub exceptions: Option<Vec<ExceptionItem>>,
    pub uuid: Option<Text>,
    pub category: Option<String>,
    /// Falco's `skip-if-unknown-filter`.
    pub skip_unknown: Option<bool>,
    pub append: bool,
    /// `override:` entries, in order.
    pub overrides: Vec<(String, Mode, Mark)>,
    /// Every key given, for append/override checks.
    pub keys: Vec<(String, Mark)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Item {
    List(ListItem),
    Macro(MacroItem),
    Rule(Box<RuleItem>),
}

/// An error found in one file, before the file's path is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileError {
    pub mark: Mark,
    pub item: Option<ItemRef>,
    pub kind: ErrorKind,
}

/// Keys of Falco rules that sysotel accepts and ignores (`skip-if-unknown-filter`
/// is read, but like these may accompany any append or override).
pub(crate) const IGNORED_RULE_KEYS: &[&str] =
    &["required_engine_version", "warn_evttypes", "skip-if-unknown-filter", "capture", "capture_duration"];

/// Reads all items of a document.
pub(crate) fn read_items(doc: &Node, errors: &mut Vec<FileError>) -> Vec<Item> {
    let entries = match &doc.kind {
        Kind::Null => return Vec::new(),
        Kind::Seq(entries) => entries,
        _ => {
            let kind =
                ErrorKind::BadItem(format!("a rules file must be a sequence of items, found {}", doc.type_name()));
            errors.push(FileError { mark: doc.mark, item: None, kind });
            return Vec::new();
        }
    };
    entries.iter().filter_map(|node| read_item(node, errors)).collect()
}

fn read_item(node: &Node, errors: &mut Vec<FileError>) -> Option<Item> {
    let Kind::Map(entries) = &node.kind else {
        let kind = ErrorKind::BadItem(format!("each item must be a mapping, found {}", node.type_name()));
        errors.push(FileError { mark: node.mark, item: None, kind });
        return None;
    };
    let first_key = |k: &str| entries.iter().find(|(key, _)| key.as_str() == Some(k));
    let (kind, name_node) = if let Some((_, v)) = first_key("rule") {
        (ItemKind::Rule, v)
    } else if let Some((_, v)) = first_key("macro") {
        (ItemKind::Macro, v)
    } else if let Some((_, v)) = first_key("list") {
        (ItemKind::List, v)
    } else if entries
        .iter()
        .any(|(k, _)| matches!(k.as_str(), Some("required_engine_version" | "required_plugin_versions")))
    {
        return None;
    } else {
        let keys: Vec<String> = entries.iter().filter_map(|(k, _)| k.scalar_text()).collect();
        let kind = ErrorKind::BadItem(format!(
            "unknown item with keys [{}]: expected one of rule, macro, list, required_engine_version, required_plugin_versions",
            keys.join(", ")
        ));
        errors.push(FileError { mark: node.mark, item: None, kind });
        return None;
    };
    let Some(name) = name_node.scalar_text().filter(|n| !n.is_empty()) else {
        let kind = ErrorKind::WrongType {
            key: kind.as_str().into(),
            expected: "a non-empty name",
            found: name_node.type_name(),
        };
        errors.push(FileError { mark: name_node.mark, item: None, kind });
        return None;
    };
    let mut r = Reader { errors, item: ItemRef { kind, name: name.clone() }, failed: false };
    let item = match kind {
        ItemKind::List => Item::List(r.list(name, node.mark, entries)),
        ItemKind::Macro => Item::Macro(r.macro_(name, node.mark, entries)),
        ItemKind::Rule => Item::Rule(Box::new(r.rule(name, node.mark, entries))),
    };
    // An item with errors is still returned, so its other parts are checked
    // and later appends to it do not report it as undefined; the errors make
    // the load fail anyway.
    Some(item)
}

/// Reads the keys of one item, recording errors against it.
struct Reader<'e> {
    errors: &'e mut Vec<FileError>,
    item: ItemRef,
    /// Set on any error, so a missing-key error is not added on top of a bad value.
    failed: bool,
}

impl Reader<'_> {
    fn error(&mut self, mark: Mark, kind: ErrorKind) {
        self.failed = true;
        self.errors.push(FileError { mark, item: Some(self.item.clone()), kind });
    }

    fn wrong_type(&mut self, key: &str, v: &Node, expected: &'static str) {
        self.error(v.mark, ErrorKind::WrongType { key: key.to_owned(), expected, found: v.type_name() });
    }

    /// The item's keys as strings, with duplicate and non-string keys reported.
    fn keys<'n>(&mut self, entries: &'n [(Node, Node)]) -> Vec<(&'n str, &'n Node, Mark)> {
        let mut out: Vec<(&str, &Node, Mark)> = Vec::new();
        for (k, v) in entries {
            let Some(key) = k.as_str() else {
                self.error(k.mark, ErrorKind::UnknownKey(k.scalar_text().unwrap_or_else(|| k.type_name().into())));
                continue;
            };
            if out.iter().any(|(seen, ..)| *seen == key) {
                self.error(k.mark, ErrorKind::DuplicateKey(key.to_owned()));
                continue;
            }
            out.push((key, v, k.mark));
        }
        out
    }

    fn text(&mut self, key: &str, v: &Node) -> Option<Text> {
        match (&v.kind, v.scalar_text()) {
            (Kind::Str(_) | Kind::Int(_) | Kind::Float(_) | Kind::Bool(_), Some(text)) => {
                Some(Text { text, mark: v.mark })
            }
            _ => {
                self.wrong_type(key, v, "a string");
                None
            }
        }
    }

    fn bool(&mut self, key: &str, v: &Node) -> Option<bool> {
        if let Kind::Bool(b) = v.kind {
            return Some(b);
        }
        self.wrong_type(key, v, "true or false");
        None
    }

    /// A sequence of scalars (null is empty).
    fn strings(&mut self, key: &str, v: &Node) -> Option<Vec<String>> {
        let items = match &v.kind {
            Kind::Null => return Some(Vec::new()),
            Kind::Seq(items) => items,
            _ => {
                self.wrong_type(key, v, "a sequence");
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item.scalar_text() {
                Some(s) => out.push(s),
                None => self.wrong_type(key, item, "a sequence of strings"),
            }
        }
        Some(out)
    }

    fn overrides(&mut self, v: &Node, allowed: &[&str]) -> Vec<(String, Mode, Mark)> {
        let Kind::Map(entries) = &v.kind else {
            self.wrong_type("override", v, "a mapping");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, node, mark) in self.keys(entries) {
            let mode = match node.as_str() {
                Some("append") => Mode::Append,
                Some("replace") => Mode::Replace,
                _ => {
                    self.wrong_type(&format!("override.{key}"), node, "append or replace");
                    continue;
                }
            };
            if !allowed.contains(&key) {
                self.error(mark, ErrorKind::BadItem(format!("{key} cannot be overridden")));
                continue;
            }
            out.push((key.to_owned(), mode, mark));
        }
        out
    }

    fn list(&mut self, name: String, mark: Mark, entries: &[(Node, Node)]) -> ListItem {
        let mut item = ListItem { name, mark, items: None, append: false, must_exist: false };
        for (key, v, kmark) in self.keys(entries) {
            match key {
                "list" => {}
                "items" => item.items = self.strings(key, v),
                "append" => item.append = self.bool(key, v).unwrap_or(false),
                "override" => {
                    let o = self.overrides(v, &["items"]);
                    item.append |= o.iter().any(|(_, m, _)| *m == Mode::Append);
                    item.must_exist = true;
                }
                _ => self.error(kmark, ErrorKind::UnknownKey(key.to_owned())),
            }
        }
        item.must_exist |= item.append;
        if item.items.is_none() && !self.failed {
            self.error(mark, ErrorKind::MissingKey("items"));
        }
        item
    }

    fn macro_(&mut self, name: String, mark: Mark, entries: &[(Node, Node)]) -> MacroItem {
        let mut item = MacroItem { name, mark, condition: None, append: false, must_exist: false };
        for (key, v, kmark) in self.keys(entries) {
            match key {
                "macro" => {}
                "condition" => item.condition = self.text(key, v),
                "append" => item.append = self.bool(key, v).unwrap_or(false),
                "override" => {
                    let o = self.overrides(v, &["condition"]);
                    item.append |= o.iter().any(|(_, m, _)| *m == Mode::Append);
                    item.must_exist = true;
                }
                _ => self.error(kmark, ErrorKind::UnknownKey(key.to_owned())),
            }
        }
        item.must_exist |= item.append;
        if item.condition.is_none() && !self.failed {
            self.error(mark, ErrorKind::MissingKey("condition"));
        }
        item
    }

    fn rule(&mut self, name: String, mark: Mark, entries: &[(Node, Node)]) -> RuleItem {
        const OVERRIDABLE: &[&str] = &["condition", "output", "desc", "priority", "tags", "exceptions", "enabled"];
        let mut r = RuleItem { name, mark, ..RuleItem::default() };
        for (key, v, kmark) in self.keys(entries) {
            r.keys.push((key.to_owned(), kmark));
            match key {
                "rule" => {}
                "desc" => r.desc = self.text(key, v),
                "condition" => r.condition = self.text(key, v),
                "output" => r.output = self.text(key, v),
                "priority" => r.priority = self.priority(v),
                "tags" => r.tags = self.strings(key, v),
                "enabled" => r.enabled = self.bool(key, v),
                "source" => r.source = self.text(key, v).map(|t| t.text),
                "exceptions" => r.exceptions = self.exceptions(v),
                "append" => r.append = self.bool(key, v).unwrap_or(false),
                "override" => r.overrides = self.overrides(v, OVERRIDABLE),
                "uuid" => r.uuid = self.text(key, v),
                "category" => r.category = self.text(key, v).map(|t| t.text),
                "skip-if-unknown-filter" => r.skip_unknown = self.bool(key, v),
                k if IGNORED_RULE_KEYS.contains(&k) => {}
                _ => self.error(kmark, ErrorKind::UnknownKey(key.to_owned())),
            }
        }
        r
    }

    fn priority(&mut self, v: &Node) -> Option<Priority> {
        let text = self.text("priority", v)?;
        match text.text.parse() {
            Ok(p) => Some(p),
            Err(_) => {
                self.error(v.mark, ErrorKind::BadPriority(text.text));
                None
            }
        }
    }

    fn exceptions(&mut self, v: &Node) -> Option<Vec<ExceptionItem>> {
        let items = match &v.kind {
            Kind::Null => return Some(Vec::new()),
            Kind::Seq(items) => items,
            _ => {
                self.wrong_type("exceptions", v, "a sequence");
                return None;
            }
        };
        let mut out = Vec::new();
        for item in items {
            let Kind::Map(entries) = &item.kind else {
                self.wrong_type("exceptions", item, "a sequence of mappings");
                continue;
            };
            let mut exc =
                ExceptionItem { name: String::new(), mark: item.mark, fields: None, comps: None, values: Vec::new() };
            for (key, v, kmark) in self.keys(entries) {
                match key {
                    "name" => exc.name = self.text(key, v).map(|t| t.text).unwrap_or_default(),
                    "fields" => exc.fields = self.one_or_many(key, v),
                    "comps" => exc.comps = self.one_or_many(key, v),
                    "values" => match &v.kind {
                        Kind::Seq(values) => exc.values.clone_from(values),
                        Kind::Null => {}
                        _ => self.wrong_type(key, v, "a sequence"),
                    },
                    _ => self.error(kmark, ErrorKind::UnknownKey(format!("exceptions.{key}"))),
                }
            }
            if exc.name.is_empty() {
                self.error(item.mark, ErrorKind::MissingKey("name"));
                continue;
            }
            out.push(exc);
        }
        Some(out)
    }

    fn one_or_many(&mut self, key: &str, v: &Node) -> Option<OneOrMany> {
        if let Kind::Seq(items) = &v.kind {
            let texts: Option<Vec<Text>> = items.iter().map(|i| self.text(key, i)).collect();
            return texts.map(OneOrMany::Many);
        }
        self.text(key, v).map(OneOrMany::One)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse;

    fn read(src: &str) -> (Vec<Item>, Vec<FileError>) {
        let mut errors = Vec::new();
        let items = read_items(&parse(src).unwrap(), &mut errors);
        (items, errors)
    }

    #[test]
    fn reads_the_three_kinds() {
        let (items, errors) = read(
            "- list: l\n  items: [a, 1]\n- macro: m\n  condition: a.b = c\n- rule: r\n  desc: d\n  condition: m\n  output: o\n  priority: info\n  tags: [x]\n- required_engine_version: 9\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(items.len(), 3);
        let Item::List(l) = &items[0] else { panic!() };
        assert_eq!(l.items.as_deref(), Some(&["a".to_owned(), "1".to_owned()][..]));
        let Item::Rule(r) = &items[2] else { panic!() };
        assert_eq!(r.priority, Some(Priority::Informational));
        assert_eq!(r.condition.as_ref().unwrap().mark, Mark { line: 7, column: 14 });
    }

    #[test]
    fn reports_shape_errors_with_positions() {
        let (_, errors) = read("- rule: r\n  priority: loud\n  tags: x\n  foo: 1\n- nothing: here\n- list: l\n");
        let got: Vec<_> = errors.iter().map(|e| (e.mark.line, e.kind.to_string())).collect();
        assert_eq!(
            got,
            [
                (2, ErrorKind::BadPriority("loud".into()).to_string()),
                (3, "tags must be a sequence, found a string".into()),
                (4, "unknown key foo".into()),
                (
                    5,
                    "unknown item with keys [nothing]: expected one of rule, macro, list, required_engine_version, required_plugin_versions"
                        .into()
                ),
                (6, "missing required key items".into()),
            ]
        );
    }
}

//! Output templates: `"Shell spawned (user=%user.name cmd=%proc.cmdline)"`.
//!
//! Placeholders are `%field`, `%field[arg]` and `%(field)`; `%%` is a literal
//! `%`. A field that the event lacks renders as `<NA>`. A `%` not followed by
//! a field name stays as written; trailing dots are not part of a name, so
//! `%proc.name.` ends a sentence.

use std::fmt::Write as _;

use crate::error::ErrorKind;
use crate::event::{Event, Value};
use crate::fields::{Field, FieldError, FieldRef};
use crate::lexer::is_name_char;

/// Problems at byte offsets of a template.
pub(crate) type Problems = Vec<(usize, ErrorKind)>;

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(FieldRef),
}

impl Template {
    /// Parses a template; errors carry the byte offset of the placeholder.
    #[cfg(test)]
    pub fn parse(src: &str) -> Result<Self, Vec<(usize, ErrorKind)>> {
        let (t, errors, unknown) = Self::parse_with(src, false);
        debug_assert!(unknown.is_empty());
        if errors.is_empty() { Ok(t) } else { Err(errors) }
    }

    /// Parses a template. Returns it with the errors and, when `lenient`,
    /// the unknown fields set apart: their placeholders render as `<NA>`
    /// instead of being errors.
    pub fn parse_with(src: &str, lenient: bool) -> (Self, Problems, Problems) {
        let mut parts = Vec::new();
        let mut errors = Vec::new();
        let mut unknown = Vec::new();
        let mut text = String::new();
        let mut rest = src;
        while let Some(at) = rest.find('%') {
            text.push_str(&rest[..at]);
            let offset = src.len() - rest.len() + at;
            let after = &rest[at + 1..];
            let Some((name, arg, used)) = placeholder(after) else {
                // `%%` is one `%`; a lone `%` stays.
                text.push('%');
                rest = after.strip_prefix('%').unwrap_or(after);
                continue;
            };
            rest = &after[used..];
            match FieldRef::resolve(name, arg) {
                Ok(f) => {
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Field(f));
                }
                Err(FieldError::Unknown(n)) if lenient => {
                    text.push_str("<NA>");
                    unknown.push((offset, ErrorKind::UnknownField(n)));
                }
                Err(FieldError::Unknown(n)) => errors.push((offset, ErrorKind::UnknownField(n))),
                Err(FieldError::BadArgument { field, reason }) => errors
                    .push((offset, ErrorKind::BadFieldArgument { field: field.to_owned(), reason: reason.to_owned() })),
            }
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        (Self { parts }, errors, unknown)
    }

    /// Fills the placeholders from `event`.
    pub fn render<E: Event + ?Sized>(&self, event: &E) -> String {
        let mut out = String::with_capacity(128);
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(f) if f.field == Field::EvtType => out.push_str(event.evt_type()),
                Part::Field(f) => match event.get(f) {
                    Value::Str(s) => out.push_str(&s),
                    other => {
                        let _ = write!(out, "{other}");
                    }
                },
            }
        }
        out
    }
}

/// After a `%`: the field name, its bracket argument and the bytes used.
fn placeholder(s: &str) -> Option<(&str, Option<&str>, usize)> {
    if let Some(inner) = s.strip_prefix('(') {
        let end = inner.find(')')?;
        let (name, arg) = split_arg(inner[..end].trim())?;
        return Some((name, arg, end + 2));
    }
    let len = s.find(|c| !is_name_char(c)).unwrap_or(s.len());
    let name = s[..len].trim_end_matches('.');
    if name.is_empty() || !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after = &s[name.len()..];
    if name.len() == len
        && let Some(inner) = after.strip_prefix('[')
    {
        let end = inner.find(']')?;
        return Some((name, Some(&inner[..end]), len + end + 2));
    }
    Some((name, None, name.len()))
}

/// `name[arg]` -> (`name`, `arg`).
fn split_arg(s: &str) -> Option<(&str, Option<&str>)> {
    match s.split_once('[') {
        Some((name, rest)) => Some((name, Some(rest.strip_suffix(']')?))),
        None => Some((s, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map_event::MapEvent;

    fn render(t: &str, ev: &MapEvent) -> String {
        Template::parse(t).unwrap().render(ev)
    }

    #[test]
    fn replaces_every_placeholder_form() {
        let ev = MapEvent::new("openat")
            .with("proc.name", "cat")
            .with("proc.pid", 42)
            .with("evt.arg.flags", "O_RDONLY")
            .with("evt.failed", false)
            .with_ancestors(&["bash", "sshd"]);
        assert_eq!(
            render("%evt.type by %proc.name (%proc.pid) flags=%evt.arg.flags parent=%proc.aname[1]", &ev),
            "openat by cat (42) flags=O_RDONLY parent=bash"
        );
        assert_eq!(render("%(proc.name)x %(evt.arg[flags]) %proc.aname", &ev), "catx O_RDONLY bash,sshd");
        assert_eq!(render("name=%proc.name. 100%% %evt.failed", &ev), "name=cat. 100% false");
    }

    #[test]
    fn absent_fields_render_na() {
        let ev = MapEvent::new("execve");
        assert_eq!(render("file=%fd.name user=%user.name", &ev), "file=<NA> user=<NA>");
    }

    #[test]
    fn lenient_parse_renders_unknown_fields_as_na() {
        let (t, errors, unknown) = Template::parse_with("a=%proc.name b=%proc.sname c=%proc.aname[x]", true);
        assert_eq!(errors.len(), 1, "a bad argument is still an error");
        assert_eq!(unknown, [(15, ErrorKind::UnknownField("proc.sname".into()))]);
        let ev = MapEvent::new("execve").with("proc.name", "sh");
        assert_eq!(t.render(&ev), "a=sh b=<NA> c=");
    }

    #[test]
    fn lone_percent_signs_stay() {
        let ev = MapEvent::new("execve");
        assert_eq!(render("50% done, % 1%", &ev), "50% done, % 1%");
    }

    #[test]
    fn unknown_fields_are_errors_at_their_offset() {
        let errs = Template::parse("ok %proc.name bad %proc.nmae and %evt.arg").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0], (18, ErrorKind::UnknownField("proc.nmae".into())));
        assert!(matches!(errs[1], (33, ErrorKind::BadFieldArgument { .. })));
    }
}

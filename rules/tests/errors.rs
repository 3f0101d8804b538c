//! Malformed rule files: every error kind, with its exact position and message.

use std::path::Path;

use sysotel_rules::Ruleset;

/// The errors of loading `text` as `f.yaml`, one formatted line each.
fn errors(text: &str) -> Vec<String> {
    match Ruleset::load_str("t", text, Path::new("f.yaml")) {
        Ok(_) => panic!("loaded without errors:\n{text}"),
        Err(e) => e.errors().iter().map(ToString::to_string).collect(),
    }
}

const OK_RULE: &str = "  desc: d\n  output: o\n  priority: INFO\n";

#[test]
fn yaml_syntax_error() {
    assert_eq!(errors("- rule: r\n  desc: [unclosed\n"), [r#"f.yaml:2:9: YAML syntax error: unclosed bracket '['"#]);
    assert_eq!(
        errors(&format!("- rule: a\n  condition: fd.num = 1\n  condition: fd.num = 2\n{OK_RULE}")),
        [r#"f.yaml:3:3: rule "a": duplicate key condition"#]
    );
}

#[test]
fn document_and_item_shapes() {
    assert_eq!(errors("rule: x\n"), ["f.yaml:1:1: a rules file must be a sequence of items, found a mapping"]);
    assert_eq!(errors("- just a string\n"), ["f.yaml:1:3: each item must be a mapping, found a string"]);
    assert_eq!(
        errors("- rulez: x\n  condition: y\n"),
        ["f.yaml:1:3: unknown item with keys [rulez, condition]: expected one of rule, macro, list, \
          required_engine_version, required_plugin_versions"]
    );
    assert_eq!(
        errors(&format!("- rule: r\n  condtion: a.b = 1\n{OK_RULE}")),
        [r#"f.yaml:2:3: rule "r": unknown key condtion"#, r#"f.yaml:1:3: rule "r": missing required key condition"#]
            .iter()
            .rev()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        errors(
            "- rule: r\n  condition: fd.num = 1\n  tags: oops\n  enabled: yes please\n  desc: d\n  output: o\n  priority: info\n"
        ),
        [
            r#"f.yaml:3:9: rule "r": tags must be a sequence, found a string"#,
            r#"f.yaml:4:12: rule "r": enabled must be true or false, found a string"#,
        ]
    );
}

#[test]
fn missing_required_keys() {
    assert_eq!(
        errors("- rule: No output\n  desc: d\n  condition: fd.num = 1\n  priority: INFO\n"),
        [r#"f.yaml:1:3: rule "No output": missing required key output"#]
    );
    assert_eq!(
        errors("- rule: Bare\n"),
        [
            r#"f.yaml:1:3: rule "Bare": missing required key desc"#,
            r#"f.yaml:1:3: rule "Bare": missing required key condition"#,
            r#"f.yaml:1:3: rule "Bare": missing required key output"#,
            r#"f.yaml:1:3: rule "Bare": missing required key priority"#,
        ]
    );
    assert_eq!(errors("- macro: m\n"), [r#"f.yaml:1:3: macro "m": missing required key condition"#]);
    assert_eq!(errors("\n\n- list: l\n"), [r#"f.yaml:3:3: list "l": missing required key items"#]);
}

#[test]
fn unknown_field_points_into_a_folded_condition() {
    let text = format!("- rule: Foo\n  condition: >\n    evt.type = execve\n    and proc.nmae = sh\n{OK_RULE}");
    assert_eq!(errors(&text), [r#"f.yaml:4:9: rule "Foo": unknown field proc.nmae"#]);
    let text = format!("- rule: Foo\n  condition: evt.type = execve and proc.nmae = sh\n{OK_RULE}");
    assert_eq!(errors(&text), [r#"f.yaml:2:36: rule "Foo": unknown field proc.nmae"#]);
}

#[test]
fn unexpected_tokens_point_at_the_token() {
    let text = format!("- rule: R\n  condition: \"proc.name = a and (b or\"\n{OK_RULE}");
    assert_eq!(
        errors(&text),
        [r#"f.yaml:2:38: rule "R": unexpected end of condition, expected a field, a macro, 'not' or '('"#]
    );
    let text = format!("- rule: R\n  condition: |\n    proc.name = a\n    or proc.name ~ b\n{OK_RULE}");
    assert_eq!(errors(&text), [r#"f.yaml:4:18: rule "R": expected an operator after proc.name, found "~""#]);
    let text = format!("- rule: R\n  condition: proc.name in (a b)\n{OK_RULE}");
    assert_eq!(errors(&text), [r#"f.yaml:2:30: rule "R": unexpected token "b", expected ',' or ')'"#]);
}

#[test]
fn bad_operator_and_bad_value() {
    let text = format!("- rule: R\n  condition: fd.num startswith 1 and fd.num = abc and evt.failed = 1\n{OK_RULE}");
    assert_eq!(
        errors(&text),
        [
            r#"f.yaml:2:14: rule "R": operator startswith not valid for field fd.num"#,
            r#"f.yaml:2:47: rule "R": bad value "abc" for field fd.num: expected an integer"#,
            r#"f.yaml:2:68: rule "R": bad value "1" for field evt.failed: expected true or false"#,
        ]
    );
}

#[test]
fn undefined_macro_and_cycles() {
    let text = format!("- rule: R\n  condition: fd.num = 1 and not_a_macro\n{OK_RULE}");
    assert_eq!(errors(&text), [r#"f.yaml:2:29: rule "R": undefined macro not_a_macro"#]);
    let text = format!(
        "- macro: a\n  condition: b and fd.num = 1\n- macro: b\n  condition: fd.num = 2 or a\n- rule: R\n  condition: a\n{OK_RULE}"
    );
    assert_eq!(errors(&text), [r#"f.yaml:4:28: macro "b": macro cycle: a -> b -> a"#]);
    let text = "- list: a\n  items: [b]\n- list: b\n  items: [x, a]\n";
    assert_eq!(errors(text), [r#"f.yaml:3:3: list "b": list cycle: a -> b -> a"#]);
}

#[test]
fn errors_inside_macros_are_reported_at_the_macro_once() {
    let text = format!(
        "- macro: m\n  condition: proc.nmae = x\n- rule: R1\n  condition: m\n{OK_RULE}- rule: R2\n  condition: m or m\n{OK_RULE}"
    );
    assert_eq!(errors(&text), [r#"f.yaml:2:14: macro "m": unknown field proc.nmae"#]);
    // Points just past the end of the text, where the value should be.
    let text = "- macro: m\n  condition: proc.name = \n";
    assert_eq!(errors(text), [r#"f.yaml:2:25: macro "m": unexpected end of condition, expected a value"#]);
}

#[test]
fn bad_priority() {
    let text = "- rule: R\n  desc: d\n  condition: fd.num = 1\n  output: o\n  priority: LOUD\n";
    assert_eq!(
        errors(text),
        [
            r#"f.yaml:5:13: rule "R": bad priority "LOUD", expected one of EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG"#
        ]
    );
}

#[test]
fn append_to_undefined_items() {
    assert_eq!(
        errors("- rule: Ghost\n  condition: and fd.num = 1\n  append: true\n"),
        [r#"f.yaml:1:3: rule "Ghost": append to undefined rule "Ghost""#]
    );
    assert_eq!(
        errors("- macro: ghost\n  condition: or x\n  append: true\n"),
        [r#"f.yaml:1:3: macro "ghost": append to undefined macro "ghost""#]
    );
    assert_eq!(
        errors("- list: ghost\n  items: [x]\n  override:\n    items: replace\n"),
        [r#"f.yaml:1:3: list "ghost": append to undefined list "ghost""#]
    );
    assert_eq!(
        errors("- rule: Ghost\n  priority: INFO\n  override:\n    priority: replace\n"),
        [r#"f.yaml:1:3: rule "Ghost": append to undefined rule "Ghost""#]
    );
}

#[test]
fn invalid_regex_and_glob() {
    let text = format!("- rule: R\n  condition: fd.name regex 'a(b' or fd.name glob 'x[y'\n{OK_RULE}");
    let errs = errors(&text);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].starts_with(r#"f.yaml:2:28: rule "R": invalid regex "a(b": "#), "{}", errs[0]);
    assert!(errs[1].starts_with(r#"f.yaml:2:50: rule "R": invalid glob "x[y": "#), "{}", errs[1]);
}

#[test]
fn bad_output_fields() {
    let text = "- rule: R\n  desc: d\n  condition: fd.num = 1\n  output: \"file=%fd.name user=%user.nmae\"\n  priority: INFO\n";
    assert_eq!(errors(text), [r#"f.yaml:4:31: rule "R": unknown field user.nmae"#]);
}

#[test]
fn bad_exceptions() {
    let text = format!(
        "- rule: R\n  condition: fd.num = 1\n{OK_RULE}  exceptions:\n    - name: e1\n      fields: [proc.name, fd.nmae]\n      values: [[a, b]]\n    - name: e2\n      fields: [proc.name, fd.num]\n      values:\n        - [a]\n        - [a, x]\n    - name: e3\n      fields: [proc.name]\n      comps: [like]\n"
    );
    assert_eq!(
        errors(&text),
        [
            r#"f.yaml:8:27: rule "R": unknown field fd.nmae"#,
            r#"f.yaml:13:11: rule "R": exception "e2": value has 1 items, expected 2 (one per field)"#,
            r#"f.yaml:14:11: rule "R": bad value "x" for field fd.num: expected an integer"#,
            r#"f.yaml:17:15: rule "R": exception "e3": unknown comparison operator like"#,
        ]
    );
}

#[test]
fn bad_uuid_and_override_misuse() {
    let text = format!("- rule: R\n  condition: fd.num = 1\n  uuid: not-a-uuid\n{OK_RULE}");
    let errs = errors(&text);
    assert!(errs[0].starts_with(r#"f.yaml:3:9: rule "R": uuid "not-a-uuid" is not a UUID"#), "{errs:?}");
    let text = format!(
        "- rule: R\n  condition: fd.num = 1\n{OK_RULE}- rule: R\n  priority: ERROR\n  desc: x\n  override:\n    priority: append\n    desc: replace\n"
    );
    assert_eq!(errors(&text), [r#"f.yaml:10:5: rule "R": priority can only be replaced"#]);
    let text = format!("- rule: R\n  condition: fd.num = 1\n{OK_RULE}- rule: R\n  priority: ERROR\n  append: true\n");
    assert_eq!(errors(&text), [r#"f.yaml:7:3: rule "R": priority cannot be changed with append: true; use override"#]);
}

#[test]
fn all_errors_of_all_files_are_collected_in_order() {
    let err = Ruleset::builder()
        .text(
            "a.yaml",
            format!("- rule: A\n  condition: x.y = 1\n{OK_RULE}- rule: B\n  condition: fd.num = z\n{OK_RULE}"),
        )
        .file("/nonexistent/rules.yaml")
        .text("c.yaml", "- macro: m\n  condition: (\n")
        .build()
        .unwrap_err();
    let lines: Vec<String> = err.errors().iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert_eq!(lines[0], r#"a.yaml:2:14: rule "A": unknown field x.y"#);
    assert_eq!(lines[1], r#"a.yaml:7:23: rule "B": bad value "z" for field fd.num: expected an integer"#);
    assert!(lines[2].starts_with("/nonexistent/rules.yaml:1:1: cannot read file: "), "{}", lines[2]);
    assert_eq!(
        lines[3],
        r#"c.yaml:2:15: macro "m": unexpected end of condition, expected a field, a macro, 'not' or '('"#
    );
    assert_eq!(err.to_string().lines().count(), 4);
}

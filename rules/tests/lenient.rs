//! Lenient loading (`skip_unknown_fields`, Falco's `skip-if-unknown-filter`)
//! and the Falco idioms it exists for: quoted list items, network lists,
//! `evt.num`-based placeholder macros.

use std::path::Path;

use sysotel_rules::{ErrorKind, MapEvent, Ruleset, SkipReason};

fn rule(name: &str, cond: &str, output: &str) -> String {
    format!("- rule: {name}\n  desc: d\n  condition: {cond}\n  output: \"{output}\"\n  priority: NOTICE\n")
}

fn build(text: &str, lenient: bool) -> Result<Ruleset, sysotel_rules::LoadErrors> {
    Ruleset::builder().text(Path::new("t.yaml"), text).skip_unknown_fields(lenient).build()
}

fn names(rs: &Ruleset, ev: &MapEvent) -> Vec<String> {
    rs.matches(ev).map(|r| r.name.clone()).collect()
}

#[test]
fn strict_loads_fail_on_unknown_fields_lenient_ones_skip_the_rule() {
    let text = format!(
        "- macro: caps\n  condition: thread.cap_effective contains CAP_SYS_ADMIN\n{}{}{}",
        rule("Uses caps", "evt.type = execve and caps", "x"),
        rule("Uses caps too", "evt.type = execve and proc.name = sh and caps", "x"),
        rule("Fine", "evt.type = execve and proc.name = sh", "sh ran"),
    );
    let err = build(&text, false).unwrap_err();
    assert_eq!(err.errors().len(), 1, "reported once, at the macro: {err}");
    assert_eq!(err.to_string(), r#"t.yaml:2:14: macro "caps": unknown field thread.cap_effective"#);

    let rs = build(&text, true).unwrap();
    assert_eq!(rs.rules().iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Fine"]);
    // Both rules using the macro are skipped, not just the first compiled.
    let skipped: Vec<_> = rs.skipped().iter().map(|s| (s.name.as_str(), s.describe())).collect();
    assert_eq!(
        skipped,
        [
            ("Uses caps", r#"rule "Uses caps" uses unknown fields thread.cap_effective"#.to_owned()),
            ("Uses caps too", r#"rule "Uses caps too" uses unknown fields thread.cap_effective"#.to_owned()),
        ]
    );
    let SkipReason::UnknownFields(errors) = &rs.skipped()[1].reason else { panic!("{:?}", rs.skipped()[1]) };
    assert_eq!(errors[0].to_string(), r#"t.yaml:2:14: macro "caps": unknown field thread.cap_effective"#);
    assert_eq!(rs.skipped()[1].source, "syscall");
    assert_eq!(rs.skipped()[1].line, 8);
    assert_eq!(names(&rs, &MapEvent::new("execve").with("proc.name", "sh")), ["Fine"]);
}

#[test]
fn lenient_loads_keep_other_errors() {
    let text = format!("{}{}", rule("Unknown", "fd.sip.name = x", "x"), rule("Typo", "proc.name regex '('", "x"));
    let err = build(&text, true).unwrap_err();
    assert_eq!(err.errors().len(), 1, "{err}");
    assert!(matches!(err.errors()[0].kind, ErrorKind::InvalidRegex { .. }), "{err}");
    // A rule with an unknown field and another error: skipped, and the error still fails the load.
    let err = build(&rule("Both", "fd.sip.name = x and fd.num = abc", "x"), true).unwrap_err();
    assert_eq!(err.errors().len(), 1, "{err}");
    assert!(matches!(err.errors()[0].kind, ErrorKind::BadValue { .. }), "{err}");
}

#[test]
fn unknown_output_fields_render_na_with_a_warning() {
    let text = rule("R", "proc.name = sh", "sh by %user.loginname (%proc.name)");
    assert!(build(&text, false).is_err());
    let rs = build(&text, true).unwrap();
    let ev = MapEvent::new("execve").with("proc.name", "sh");
    assert_eq!(rs.rules()[0].render_output(&ev), "sh by <NA> (sh)");
    let warnings: Vec<String> = rs.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(warnings, [r#"t.yaml:4:18: rule "R": unknown field user.loginname"#]);
}

#[test]
fn unknown_exception_fields_skip_the_rule_too() {
    let text = format!(
        "{}  exceptions:\n    - name: e\n      fields: [proc.sname]\n      values: [[x]]\n",
        rule("R", "proc.name = sh", "x")
    );
    assert!(build(&text, false).is_err());
    let rs = build(&text, true).unwrap();
    assert!(rs.rules().is_empty());
    assert_eq!(rs.skipped()[0].describe(), r#"rule "R" uses unknown fields proc.sname"#);
}

#[test]
fn skip_if_unknown_filter_is_honoured_per_rule() {
    let text = format!(
        "{}  skip-if-unknown-filter: true\n{}",
        rule("Optional", "proc.env contains X", "x"),
        rule("Plain", "proc.name = sh", "x")
    );
    let rs = build(&text, false).unwrap();
    assert_eq!(rs.rules().len(), 1);
    assert_eq!(rs.skipped()[0].name, "Optional");
    let bad = format!("{}  skip-if-unknown-filter: maybe\n", rule("R", "proc.name = sh", "x"));
    assert_eq!(
        build(&bad, false).unwrap_err().to_string(),
        r#"t.yaml:6:27: rule "R": skip-if-unknown-filter must be true or false, found a string"#
    );
}

#[test]
fn quoted_list_items_are_condition_values() {
    // Falco writes list items that need quoting in conditions as '"..."':
    // the YAML string keeps the double quotes, and they quote the value.
    let text = format!(
        "- list: cmdlines\n  items: ['\"sh -c uname -a\"', '\"(systemd)\"', plain]\n\
         - list: rfc_1918_addresses\n  items: ['\"10.0.0.0/8\"', '\"172.16.0.0/12\"', '\"192.168.0.0/16\"']\n{}{}",
        rule("Cmd", "evt.type = execve and proc.cmdline in (cmdlines)", "x"),
        rule("Public", "evt.type = connect and fd.net != \"127.0.0.0/8\" and not fd.snet in (rfc_1918_addresses)", "x"),
    );
    let rs = build(&text, false).unwrap();
    for cmd in ["sh -c uname -a", "(systemd)", "plain"] {
        assert_eq!(names(&rs, &MapEvent::new("execve").with("proc.cmdline", cmd)), ["Cmd"], "{cmd}");
    }
    assert!(names(&rs, &MapEvent::new("execve").with("proc.cmdline", "\"plain\"")).is_empty());
    let connect = |ip: &str| MapEvent::new("connect").with("fd.net", ip.to_owned()).with("fd.snet", ip.to_owned());
    assert_eq!(names(&rs, &connect("1.1.1.1")), ["Public"]);
    for private in ["127.0.0.1", "10.2.3.4", "172.31.0.1", "192.168.9.9"] {
        assert!(names(&rs, &connect(private)).is_empty(), "{private}");
    }
}

#[test]
fn falco_placeholder_macros_work() {
    // `never_true` is `evt.num=0`: evt.num is never 0, so `not never_true` holds.
    let text = format!(
        "- macro: never_true\n  condition: (evt.num=0)\n- macro: user_known_x\n  condition: (never_true)\n{}",
        rule("R", "proc.name = sh and not user_known_x", "x %container.info")
    );
    let rs = build(&text, false).unwrap();
    let ev = MapEvent::new("execve")
        .with("proc.name", "sh")
        .with("evt.num", 123)
        .with("container.info", "container_id=host");
    assert_eq!(names(&rs, &ev), ["R"]);
    assert_eq!(rs.rules()[0].render_output(&ev), "x container_id=host");
    let err = build(&rule("R", "container.info contains host", "x"), true).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"t.yaml:3:14: rule "R": field container.info can only be used in outputs, not in conditions"#
    );
}

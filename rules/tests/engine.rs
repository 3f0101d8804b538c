//! Loading semantics and matching: append, override, exceptions, priorities,
//! sources, indexing, outputs, identity.

use std::cell::RefCell;
use std::path::Path;

use sysotel_rules::{Event, Field, FieldRef, MapEvent, Priority, Ruleset, Value, derived_uuid};

fn load(text: &str) -> Ruleset {
    Ruleset::load_str("test", text, Path::new("t.yaml")).unwrap_or_else(|e| panic!("{e}"))
}

fn hits(rs: &Ruleset, ev: &MapEvent) -> Vec<String> {
    rs.matches(ev).map(|r| r.name.clone()).collect()
}

fn rule(name: &str, cond: &str) -> String {
    format!(
        "- rule: {name}\n  desc: {name}\n  condition: {cond}\n  output: \"{name} %proc.name\"\n  priority: WARNING\n"
    )
}

fn exec(name: &str) -> MapEvent {
    MapEvent::new("execve").with("proc.name", name.to_owned())
}

#[test]
fn append_adds_to_conditions_lists_and_macros() {
    let rs = load(&format!(
        "- list: l\n  items: [a]\n- macro: m\n  condition: proc.name in (l)\n{}\
         - list: l\n  items: [b]\n  append: true\n\
         - macro: m\n  condition: or proc.name = c\n  append: true\n\
         - rule: R\n  condition: and not proc.name = a\n  append: true\n",
        rule("R", "evt.type = execve and m")
    ));
    assert_eq!(hits(&rs, &exec("a")), [] as [&str; 0]);
    assert_eq!(hits(&rs, &exec("b")), ["R"]);
    assert_eq!(hits(&rs, &exec("c")), ["R"]);
    assert_eq!(hits(&rs, &exec("d")), [] as [&str; 0]);
    assert_eq!(rs.rules()[0].condition, "evt.type = execve and m and not proc.name = a");
}

#[test]
fn override_appends_or_replaces_key_by_key() {
    let rs = load(&format!(
        "{}- rule: R\n  condition: and proc.pid = 1\n  output: (replaced)\n  priority: CRITICAL\n  tags: [b]\n  desc: more\n  \
         override:\n    condition: append\n    output: replace\n    priority: replace\n    tags: append\n    desc: append\n\
         - list: l\n  items: [x]\n- list: l\n  items: [y]\n  override:\n    items: replace\n\
         - macro: mm\n  condition: proc.name = x\n- macro: mm\n  condition: proc.name = y\n  override:\n    condition: replace\n",
        rule("R", "evt.type = execve").replace("  priority: WARNING\n", "  priority: WARNING\n  tags: [a]\n")
    ));
    let r = &rs.rules()[0];
    assert_eq!(r.condition, "evt.type = execve and proc.pid = 1");
    assert_eq!(r.output, "(replaced)");
    assert_eq!(r.priority, Priority::Critical);
    assert_eq!(r.tags, ["a", "b"]);
    assert_eq!(r.desc, "R more");
    assert_eq!(hits(&rs, &exec("x").with("proc.pid", 1)), ["R"]);
    assert_eq!(hits(&rs, &exec("x").with("proc.pid", 2)), [] as [&str; 0]);
}

#[test]
fn override_replaces_conditions_and_exceptions() {
    let rs = load(&format!(
        "{}- rule: R\n  condition: evt.type = openat\n  exceptions: []\n  override:\n    condition: replace\n    exceptions: replace\n",
        rule("R", "evt.type = execve").replace(
            "  priority",
            "  exceptions:\n    - name: e\n      fields: proc.name\n      values: [x]\n  priority"
        )
    ));
    let r = &rs.rules()[0];
    assert_eq!(r.event_types(), Some(&["openat".to_owned()][..]));
    assert_eq!(hits(&rs, &MapEvent::new("openat").with("proc.name", "x")), ["R"], "exception replaced by none");
}

#[test]
fn redefinition_replaces_in_place_and_enabled_only_items_toggle() {
    let rs = load(&format!(
        "{}{}{}- rule: A\n  enabled: false\n",
        rule("A", "proc.name = a"),
        rule("B", "proc.name = b"),
        rule("A", "proc.name = z")
    ));
    let names: Vec<_> = rs.rules().iter().map(|r| (r.name.as_str(), r.enabled)).collect();
    assert_eq!(names, [("A", false), ("B", true)]);
    assert_eq!(rs.rules()[0].condition, "proc.name = z");
    assert!(hits(&rs, &exec("z")).is_empty());
    let rs = load(&format!(
        "{}- rule: A\n  enabled: true\n",
        rule("A", "proc.name = a").replace("  priority", "  enabled: false\n  priority")
    ));
    assert_eq!(hits(&rs, &exec("a")), ["A"]);
}

#[test]
fn exceptions_single_field_multi_field_and_comps() {
    let rs = load(&format!(
        "- list: trusted\n  items: [apt, dpkg]\n{}",
        rule("W", "evt.type = openat").replace(
            "  priority",
            "  exceptions:\n\
             \x20   - name: by_name\n      fields: proc.name\n      values: [vim, trusted]\n\
             \x20   - name: by_pair\n      fields: [proc.name, fd.name]\n      values:\n        - [cp, /etc/hosts]\n\
             \x20   - name: by_comps\n      fields: [proc.name, fd.name, user.uid]\n      comps: [in, startswith, '>=']\n      \
             values:\n        - [[ansible, salt], /etc/app/, 1000]\n        - [trusted, /srv, 0]\n\
             \x20   - name: pm\n      fields: [proc.pname, fd.name]\n      comps: [=, pmatch]\n      values:\n        - [make, [/opt, /usr/local]]\n\
             \x20   - name: empty\n      fields: proc.name\n  priority"
        )
    ));
    let open = |proc_name: &str, file: &str, uid: i64| {
        MapEvent::new("openat")
            .with("proc.name", proc_name.to_owned())
            .with("proc.pname", "bash")
            .with("fd.name", file.to_owned())
            .with("user.uid", uid)
    };
    let fires = |ev: &MapEvent| hits(&rs, ev) == ["W"];
    assert!(fires(&open("cat", "/etc/hosts", 0)));
    assert!(!fires(&open("vim", "/etc/hosts", 0)), "single field, default comp in");
    assert!(!fires(&open("dpkg", "/x", 0)), "list name inside exception values");
    assert!(!fires(&open("cp", "/etc/hosts", 0)), "pair");
    assert!(fires(&open("cp", "/etc/passwd", 0)), "pair needs both");
    assert!(!fires(&open("salt", "/etc/app/conf", 1000)), "in + startswith + >=");
    assert!(fires(&open("salt", "/etc/app/conf", 999)), ">= 1000 fails");
    assert!(!fires(&open("apt", "/srv/x", 0)), "list name as an in-value");
    assert!(!fires(&open("x", "/opt/a", 0).with("proc.pname", "make")), "pmatch comp with a sequence");
    assert!(fires(&open("x", "/optx", 0).with("proc.pname", "make")));
}

#[test]
fn priorities_and_severities() {
    let mut text = String::new();
    for p in ["EMERGENCY", "alert", "Critical", "ERROR", "warning", "NOTICE", "informational", "INFO", "debug"] {
        text += &format!("- rule: {p}\n  desc: d\n  condition: proc.name = x\n  output: o\n  priority: {p}\n");
    }
    let rs = load(&text);
    let got: Vec<_> = rs.rules().iter().map(|r| (r.priority.as_str(), r.priority.severity_number())).collect();
    assert_eq!(
        got,
        [
            ("Emergency", 24),
            ("Alert", 23),
            ("Critical", 21),
            ("Error", 17),
            ("Warning", 13),
            ("Notice", 10),
            ("Informational", 9),
            ("Informational", 9),
            ("Debug", 5)
        ]
    );
}

#[test]
fn other_sources_are_skipped_not_errors() {
    let rs = load(
        "- rule: K\n  desc: d\n  condition: ka.verb = get\n  output: \"%ka.user.name\"\n  priority: INFO\n  source: k8s_audit\n\
         - rule: K\n  condition: and ka.x = y\n  append: true\n\
         - rule: K\n  enabled: false\n\
         - rule: S\n  desc: d\n  condition: proc.name = sh\n  output: o\n  priority: INFO\n  source: syscall\n",
    );
    assert_eq!(rs.rules().len(), 1);
    assert_eq!(rs.rules()[0].name, "S");
    let skipped = rs.skipped();
    assert_eq!(skipped.len(), 1);
    assert_eq!((skipped[0].name.as_str(), skipped[0].source.as_str(), skipped[0].line), ("K", "k8s_audit", 1));
}

/// An event that records every field the engine asks for.
struct Recording {
    inner: MapEvent,
    asked: RefCell<Vec<Field>>,
}

impl Event for Recording {
    fn evt_type(&self) -> &str {
        self.inner.evt_type()
    }

    fn get(&self, field: &FieldRef) -> Value<'_> {
        self.asked.borrow_mut().push(field.field);
        self.inner.get(field)
    }
}

#[test]
fn event_type_index_skips_rules_of_other_syscalls() {
    let rs = load(&format!(
        "{}{}{}",
        rule("Open", "evt.type = openat and fd.name = /etc/shadow"),
        rule("Any", "proc.name = sh"),
        rule("Exec", "evt.type in (execve, execveat) and proc.cmdline contains x")
    ));
    let ev = Recording { inner: exec("sh").with("proc.cmdline", "sh -x"), asked: RefCell::new(Vec::new()) };
    let got: Vec<_> = rs.matches(&ev).map(|r| r.name.as_str()).collect();
    assert_eq!(got, ["Any", "Exec"], "an unconstrained rule still fires, in file order");
    assert!(!ev.asked.borrow().contains(&Field::FdName), "the openat rule was evaluated: {:?}", ev.asked.borrow());
    assert!(!ev.asked.borrow().contains(&Field::EvtType), "evt.type comes from evt_type()");
    assert_eq!(rs.rule("Open").unwrap().event_types(), Some(&["openat".to_owned()][..]));
    assert_eq!(rs.rule("Any").unwrap().event_types(), None);
    let ev =
        Recording { inner: MapEvent::new("openat").with("fd.name", "/etc/shadow"), asked: RefCell::new(Vec::new()) };
    assert_eq!(rs.matches(&ev).map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Open"]);
    assert!(!ev.asked.borrow().contains(&Field::ProcCmdline));
}

#[test]
fn outputs_render_fields_and_na() {
    let rs = load(
        "- rule: R\n  desc: d\n  condition: proc.name = sh\n  output: >\n    sh ran (user=%user.name uid=%user.uid flags=%evt.arg.flags\n    \
         label=%k8s.pod.label[app] gp=%proc.aname[2] %(proc.pid))\n  priority: INFO\n",
    );
    let ev = exec("sh").with("user.uid", 0).with("evt.arg[flags]", "O_RDONLY").with_ancestors(&["bash", "sshd"]);
    assert_eq!(rs.rules()[0].render_output(&ev), "sh ran (user=<NA> uid=0 flags=O_RDONLY label=<NA> gp=sshd <NA>)");
}

#[test]
fn uuid_and_category_given_or_derived() {
    let rs = load(&format!(
        "{}  uuid: 7A5A0C2E-9A45-4F51-9F6C-2C3D2B1A0E11\n  category: discovery\n{}",
        rule("Given", "proc.name = a"),
        rule("Derived", "proc.name = b")
            .replace("  priority", "  tags: [host, mitre_discovery, mitre_execution]\n  priority")
    ));
    let given = &rs.rules()[0];
    assert_eq!(given.uuid, "7a5a0c2e-9a45-4f51-9f6c-2c3d2b1a0e11");
    assert_eq!(given.category, "discovery");
    let derived = &rs.rules()[1];
    assert_eq!(derived.uuid, derived_uuid("test", "Derived").hyphenated().to_string());
    assert_eq!(derived.category, "discovery");
    assert_eq!(derived.source_line, 8);
    let again = load(&rule("Derived", "proc.name = c"));
    assert_eq!(again.rules()[0].uuid, derived.uuid, "stable across loads and conditions");
    assert_eq!(again.rules()[0].category, "general");
}

#[test]
fn later_files_see_earlier_definitions_and_vice_versa() {
    let dir = std::env::temp_dir().join(format!("sysotel-rules-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("base.yaml"), dir.join("local.yaml"));
    // `base` uses a macro only `local` defines: macros resolve after all files load.
    std::fs::write(&a, rule("R", "m and proc.name = x")).unwrap();
    std::fs::write(&b, "- macro: m\n  condition: evt.type = execve\n").unwrap();
    let rs = Ruleset::load_files(&[&a, &b]).unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(rs.name(), "base");
    assert_eq!(hits(&rs, &exec("x")), ["R"]);
    assert_eq!(rs.rules()[0].source_file, a);
}

#[test]
fn a_ruleset_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Ruleset>();
    assert_send_sync::<sysotel_rules::RuleInfo>();
}

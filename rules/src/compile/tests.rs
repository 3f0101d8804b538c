//! Compile and evaluation tests: every operator, field types, macros, lists.

use super::*;
use crate::eval::eval;
use crate::index::event_types;
use crate::map_event::MapEvent;
use crate::parser::parse;

fn defs(macros: &[(&str, &str)], lists: &[(&str, &[&str])]) -> Defs {
    Defs {
        macros: macros.iter().map(|(n, c)| ((*n).to_owned(), Some(parse(c).unwrap()))).collect(),
        lists: lists.iter().map(|(n, v)| ((*n).to_owned(), v.iter().map(|s| (*s).to_owned()).collect())).collect(),
    }
}

fn compile_in(defs: &Defs, cond: &str) -> Result<Node, Vec<CompileError>> {
    let compiled = Compiler::new(defs).compile(&parse(cond).unwrap());
    let (node, errors) = (compiled.node, compiled.errors);
    if errors.is_empty() { Ok(node) } else { Err(errors) }
}

fn holds(cond: &str, ev: &MapEvent) -> bool {
    let node = compile_in(&Defs::default(), cond).unwrap_or_else(|e| panic!("{cond}: {e:?}"));
    eval(&node, ev)
}

fn errors(cond: &str) -> Vec<(usize, String)> {
    errors_in(&Defs::default(), cond)
}

fn errors_in(defs: &Defs, cond: &str) -> Vec<(usize, String)> {
    compile_in(defs, cond).expect_err(cond).into_iter().map(|e| (e.offset, e.kind.to_string())).collect()
}

fn open_event() -> MapEvent {
    MapEvent::new("openat")
        .with("fd.name", "/etc/shadow")
        .with("fd.num", 3)
        .with("proc.name", "Cat")
        .with("proc.cmdline", "cat /etc/shadow --Verbose")
        .with("evt.arg.flags", "O_RDONLY|O_CLOEXEC")
        .with("evt.is_open_write", false)
        .with("user.uid", 0)
}

#[test]
fn equality_and_inequality() {
    let ev = open_event();
    assert!(holds("fd.name = /etc/shadow", &ev));
    assert!(holds("fd.name == '/etc/shadow'", &ev));
    assert!(!holds("fd.name = /etc/passwd", &ev));
    assert!(holds("fd.name != /etc/passwd", &ev));
    assert!(!holds("fd.name != /etc/shadow", &ev));
    assert!(holds("evt.type = openat", &ev));
    assert!(holds("evt.is_open_write = false and evt.is_open_write != true", &ev));
}

#[test]
fn numeric_comparisons() {
    let ev = open_event();
    for (cond, want) in [
        ("fd.num = 3", true),
        ("fd.num != 3", false),
        ("fd.num < 4", true),
        ("fd.num <= 3", true),
        ("fd.num > 3", false),
        ("fd.num >= 3", true),
        ("fd.num >= 0", true),
        ("fd.num in (1, 2, 3)", true),
        ("fd.num intersects (4, 5)", false),
        ("user.uid = 0", true),
        ("fd.num > -1", true),
    ] {
        assert_eq!(holds(cond, &ev), want, "{cond}");
    }
}

#[test]
fn string_operators() {
    let ev = open_event();
    for (cond, want) in [
        ("fd.name startswith /etc/", true),
        ("fd.name startswith /usr", false),
        ("fd.name endswith shadow", true),
        ("fd.name endswith passwd", false),
        ("proc.cmdline contains /etc", true),
        ("proc.cmdline contains verbose", false),
        ("proc.cmdline icontains verbose", true),
        ("proc.cmdline icontains VERBOSE", true),
        ("proc.cmdline icontains quiet", false),
        ("evt.arg.flags contains O_CLOEXEC", true),
        ("evt.arg[flags] contains O_CREAT", false),
        ("fd.name in (/etc/passwd, /etc/shadow)", true),
        ("fd.name in (/etc/passwd)", false),
        ("fd.name intersects (/etc/shadow, x)", true),
        ("fd.name in ()", false),
    ] {
        assert_eq!(holds(cond, &ev), want, "{cond}");
    }
}

#[test]
fn pmatch_is_a_path_prefix_match() {
    let at = |path: &str| MapEvent::new("openat").with("fd.name", path.to_owned());
    let cond = "fd.name pmatch (/etc, /var/lib/)";
    assert!(holds(cond, &at("/etc")));
    assert!(holds(cond, &at("/etc/x")));
    assert!(holds(cond, &at("/etc/ssh/sshd_config")));
    assert!(holds(cond, &at("/var/lib/dpkg")));
    assert!(holds(cond, &at("/var/lib")));
    assert!(!holds(cond, &at("/etcetera")));
    assert!(!holds(cond, &at("/var/library")));
    assert!(!holds(cond, &at("/usr/etc")));
    assert!(holds("fd.name pmatch (/)", &at("/anything")));
}

#[test]
fn glob_matches_whole_values() {
    let at = |path: &str| MapEvent::new("openat").with("fd.name", path.to_owned());
    assert!(holds("fd.name glob '/etc/*.conf'", &at("/etc/ld.so.conf")));
    assert!(holds("fd.name glob /etc/*", &at("/etc/ssh/sshd_config")), "* crosses / as in fnmatch");
    assert!(holds("fd.name glob '/tmp/?.sh'", &at("/tmp/a.sh")));
    assert!(!holds("fd.name glob '/tmp/?.sh'", &at("/tmp/ab.sh")));
    assert!(holds("fd.name glob '/dev/tty[0-9]'", &at("/dev/tty3")));
    assert!(!holds("fd.name glob '/etc/*.conf'", &at("/etc/ld.so.conf.d")));
}

#[test]
fn regex_is_anchored_at_both_ends() {
    let ev = open_event();
    assert!(holds(r"fd.name regex '/etc/[a-z]+'", &ev));
    assert!(!holds("fd.name regex 'etc'", &ev), "Falco's regex is a full match");
    assert!(holds("fd.name regex '.*etc.*'", &ev));
    assert!(holds(r"proc.cmdline regex '.*\s--[A-Z][a-z]+$'", &ev));
    assert!(holds("fd.name regex 'a|/etc/shadow'", &ev), "alternation is grouped before anchoring");
}

#[test]
fn exists_and_absent_fields() {
    let ev = open_event();
    assert!(holds("fd.name exists", &ev));
    assert!(!holds("container.id exists", &ev));
    assert!(holds("not container.id exists", &ev));
    // A missing field makes every comparison false, `!=` included.
    assert!(!holds("container.id = host", &ev));
    assert!(!holds("container.id != host", &ev));
    assert!(holds("not container.id = host", &ev));
    assert!(!holds("proc.pid > 0", &ev));
    assert!(!holds("k8s.pod.label[app] in (web)", &ev));
}

#[test]
fn proc_aname_with_and_without_index() {
    let ev = MapEvent::new("execve").with_ancestors(&["bash", "sshd", "systemd"]);
    assert!(holds("proc.aname[1] = bash", &ev));
    assert!(holds("proc.aname[2] = sshd", &ev));
    assert!(!holds("proc.aname[2] = bash", &ev));
    assert!(!holds("proc.aname[4] exists", &ev));
    assert!(holds("proc.aname = sshd", &ev), "any ancestor");
    assert!(holds("proc.aname in (cron, systemd)", &ev));
    assert!(holds("proc.aname startswith sys", &ev));
    assert!(!holds("proc.aname = cron", &ev));
    assert!(holds("proc.aname != cron", &ev), "no ancestor is cron");
    assert!(!holds("proc.aname != sshd", &ev), "some ancestor is sshd");
    assert!(holds("proc.aname exists", &ev));
    assert!(!holds("proc.aname exists", &MapEvent::new("execve").with_ancestors(&[])));
}

#[test]
fn evt_type_comes_from_the_event() {
    // `get` is never asked for evt.type; MapEvent has no such entry.
    assert!(holds("evt.type in (execve, execveat)", &MapEvent::new("execveat")));
    assert!(!holds("evt.type = execve", &MapEvent::new("openat")));
}

#[test]
fn lists_expand_in_place_and_unknown_names_are_literals() {
    let d = defs(&[], &[("shells", &["bash", "sh"]), ("more", &["zsh"])]);
    let node = compile_in(&d, "proc.name in (shells, fish, more)").unwrap();
    for (name, want) in [("bash", true), ("sh", true), ("zsh", true), ("fish", true), ("shells", false), ("csh", false)]
    {
        assert_eq!(eval(&node, &MapEvent::new("execve").with("proc.name", name)), want, "{name}");
    }
    // A bare list name after `in`, and a quoted element that is never a list.
    let node = compile_in(&d, "proc.name in shells").unwrap();
    assert!(eval(&node, &MapEvent::new("execve").with("proc.name", "sh")));
    let node = compile_in(&d, "proc.name in ('shells')").unwrap();
    assert!(eval(&node, &MapEvent::new("execve").with("proc.name", "shells")));
    assert_eq!(errors_in(&d, "proc.name in nope"), [(13, "undefined list nope".to_owned())]);
    // Lists work with pmatch too.
    let d = defs(&[], &[("dirs", &["/etc", "/boot"])]);
    let node = compile_in(&d, "fd.name pmatch (dirs)").unwrap();
    assert!(eval(&node, &MapEvent::new("openat").with("fd.name", "/boot/vmlinuz")));
}

#[test]
fn macros_expand_nested() {
    let d = defs(
        &[
            ("spawned_process", "evt.type in (execve, execveat) and evt.dir = <"),
            ("shell", "proc.name in (bash, sh)"),
            ("shell_spawned", "spawned_process and shell"),
        ],
        &[],
    );
    let node = compile_in(&d, "shell_spawned and not user.uid = 0").unwrap();
    let ev = MapEvent::new("execve").with("evt.dir", "<").with("proc.name", "sh").with("user.uid", 1000);
    assert!(eval(&node, &ev));
    assert!(!eval(&node, &MapEvent::new("execve").with("evt.dir", "<").with("proc.name", "ls")));
    let types = event_types(&node).unwrap();
    assert_eq!(types.iter().map(|s| &**s).collect::<Vec<_>>(), ["execve", "execveat"]);
}

#[test]
fn macro_errors() {
    assert_eq!(errors("fd.num = 1 and nope"), [(15, "undefined macro nope".to_owned())]);
    let d = defs(&[("a", "b or fd.num = 1"), ("b", "c"), ("c", "a")], &[]);
    let errs = compile_in(&d, "proc.name = x and a").unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].kind.to_string(), "macro cycle: a -> b -> c -> a");
    assert_eq!(errs[0].origin, Origin::Macro("c".into()));
    let d = defs(&[("self", "self")], &[]);
    assert_eq!(errors_in(&d, "self")[0].1, "macro cycle: self -> self");
    // An error inside a macro is reported once, where the macro is.
    let d = defs(&[("bad", "proc.nmae = x")], &[]);
    let mut c = Compiler::new(&d);
    let first = c.compile(&parse("bad").unwrap());
    let second = c.compile(&parse("bad or bad").unwrap());
    assert_eq!(first.errors.len(), 1);
    assert_eq!(first.errors[0].origin, Origin::Macro("bad".into()));
    assert!(second.errors.is_empty());
    // ... but every condition using the macro knows of its unknown field, once.
    assert_eq!(first.unknown, first.errors);
    assert_eq!(second.unknown, first.errors);
    let d = defs(&[("bad", "proc.nmae = x"), ("outer", "proc.name = a and bad"), ("fine", "proc.name = b")], &[]);
    let mut c = Compiler::new(&d);
    assert_eq!(c.compile(&parse("outer").unwrap()).unknown.len(), 1);
    assert_eq!(c.compile(&parse("fine or outer").unwrap()).unknown.len(), 1, "nested macros pass it on");
    assert!(c.compile(&parse("fine").unwrap()).unknown.is_empty());
}

#[test]
fn net_fields_compare_with_networks() {
    let d = defs(&[], &[("rfc_1918_addresses", &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])]);
    let node = compile_in(&d, "fd.net != \"127.0.0.0/8\" and not fd.snet in (rfc_1918_addresses)").unwrap();
    let ev = |ip: &str| MapEvent::new("connect").with("fd.net", ip.to_owned()).with("fd.snet", ip.to_owned());
    assert!(eval(&node, &ev("8.8.8.8")));
    assert!(!eval(&node, &ev("127.0.0.1")));
    assert!(!eval(&node, &ev("172.20.1.1")));
    assert!(eval(&node, &ev("172.32.1.1")));
    assert!(eval(&compile_in(&d, "fd.cnet = 10.1.2.3").unwrap(), &MapEvent::new("accept").with("fd.cnet", "10.1.2.3")));
    assert_eq!(
        errors("fd.net = 10.0.0.0/33"),
        [(9, r#"bad value "10.0.0.0/33" for field fd.net: expected an IP address or a CIDR network"#.to_owned())]
    );
    assert_eq!(errors("fd.net startswith 10"), [(0, "operator startswith not valid for field fd.net".to_owned())]);
}

#[test]
fn bytes_operators_take_hex() {
    let node = compile_in(&Defs::default(), "evt.arg.data bcontains 474554 and evt.arg.data bstartswith 58").unwrap();
    assert!(eval(&node, &MapEvent::new("write").with("evt.arg.data", "X GET /")));
    assert!(!eval(&node, &MapEvent::new("write").with("evt.arg.data", "Y GET /")));
    for bad in ["cafebab", "zz", "+f"] {
        let errs = errors(&format!("proc.name bcontains {bad}"));
        assert!(errs[0].1.contains("expected hex bytes"), "{bad}: {errs:?}");
    }
    assert_eq!(errors("fd.num bcontains 00"), [(0, "operator bcontains not valid for field fd.num".to_owned())]);
}

#[test]
fn output_only_fields_are_refused_in_conditions() {
    assert_eq!(
        errors("container.info = x"),
        [(0, "field container.info can only be used in outputs, not in conditions".to_owned())]
    );
}

#[test]
fn field_and_type_errors() {
    assert_eq!(errors("proc.nmae = x"), [(0, "unknown field proc.nmae".to_owned())]);
    assert_eq!(errors("fd.num = abc"), [(9, r#"bad value "abc" for field fd.num: expected an integer"#.to_owned())]);
    assert_eq!(errors("fd.num in (1, x)"), [(14, r#"bad value "x" for field fd.num: expected an integer"#.to_owned())]);
    assert_eq!(errors("fd.num startswith 1"), [(0, "operator startswith not valid for field fd.num".to_owned())]);
    assert_eq!(errors("fd.num pmatch (1)"), [(0, "operator pmatch not valid for field fd.num".to_owned())]);
    assert_eq!(errors("proc.name > a"), [(0, "operator > not valid for field proc.name".to_owned())]);
    assert_eq!(
        errors("evt.failed = yes"),
        [(13, r#"bad value "yes" for field evt.failed: expected true or false"#.to_owned())]
    );
    assert_eq!(errors("evt.failed contains t"), [(0, "operator contains not valid for field evt.failed".to_owned())]);
    assert_eq!(
        errors("proc.aname[0] = x"),
        [(0, "bad argument for field proc.aname: the index must be an integer >= 1".to_owned())]
    );
    let errs = errors("fd.name regex '(' or fd.name glob '[a'");
    assert_eq!(errs.len(), 2, "all errors are collected: {errs:?}");
    assert!(errs[0].1.starts_with(r#"invalid regex "(": "#), "{errs:?}");
    assert!(errs[1].1.starts_with(r#"invalid glob "[a": "#), "{errs:?}");
}

#[test]
fn event_type_sets() {
    let types = |cond: &str| {
        let d = defs(&[("m", "evt.type = connect")], &[]);
        event_types(&compile_in(&d, cond).unwrap()).map(|s| s.into_iter().map(String::from).collect::<Vec<_>>())
    };
    assert_eq!(types("evt.type = execve and proc.name = sh"), Some(vec!["execve".into()]));
    assert_eq!(types("evt.type in (a, b) and evt.type in (b, c)"), Some(vec!["b".into()]));
    assert_eq!(types("evt.type = a or evt.type = b"), Some(vec!["a".into(), "b".into()]));
    assert_eq!(types("evt.type = a or proc.name = b"), None);
    assert_eq!(types("proc.name = sh"), None);
    assert_eq!(types("not evt.type = a"), None);
    assert_eq!(types("evt.type != a"), None);
    assert_eq!(types("m and fd.num > 0"), Some(vec!["connect".into()]));
    assert_eq!(types("(evt.type = a and fd.num exists) or (m)"), Some(vec!["a".into(), "connect".into()]));
}

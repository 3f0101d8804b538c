//! The Falco-idiom sample file: loads, indexes and matches as Falco would.

use std::path::Path;

use sysotel_rules::{MapEvent, Priority, RuleInfo, Ruleset};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/falco_style.yaml");

fn load() -> Ruleset {
    Ruleset::load_files(&[SAMPLE]).unwrap_or_else(|e| panic!("{e}"))
}

fn names<'a>(hits: impl Iterator<Item = &'a RuleInfo>) -> Vec<&'a str> {
    hits.map(|r| r.name.as_str()).collect()
}

fn shell_exec(container: &str, parent: &str, tty: i64) -> MapEvent {
    MapEvent::new("execve")
        .with("evt.dir", "<")
        .with("container.id", container.to_owned())
        .with("container.image.repository", "nginx")
        .with("container.image.tag", "1.27")
        .with("proc.name", "bash")
        .with("proc.pname", parent.to_owned())
        .with("proc.cmdline", "bash -i")
        .with("proc.tty", tty)
        .with("user.name", "root")
}

fn write(path: &str, dir: &str, proc_name: &str) -> MapEvent {
    MapEvent::new("openat")
        .with("evt.is_open_write", true)
        .with("fd.typechar", "f")
        .with("fd.num", 3)
        .with("fd.name", path.to_owned())
        .with("fd.directory", dir.to_owned())
        .with("proc.name", proc_name.to_owned())
        .with("proc.pname", "bash")
        .with("proc.pcmdline", "bash")
        .with("proc.cmdline", format!("{proc_name} {path}"))
        .with_ancestors(&["bash", "sshd"])
}

#[test]
fn loads_with_metadata() {
    let rs = load();
    assert_eq!(rs.name(), "falco_style");
    let got: Vec<_> =
        rs.rules().iter().map(|r| (r.name.as_str(), r.priority, r.category.as_str(), r.enabled)).collect();
    assert_eq!(
        got,
        [
            ("Terminal shell in container", Priority::Notice, "execution", true),
            ("Write below etc", Priority::Error, "persistence", true),
            ("Read sensitive file untrusted", Priority::Warning, "credential_access", true),
            ("Outbound connection from shell", Priority::Warning, "command_and_control", false),
        ]
    );
    let skipped = rs.skipped();
    assert_eq!(skipped.len(), 1);
    assert_eq!((skipped[0].name.as_str(), skipped[0].source.as_str()), ("K8s secret accessed", "k8s_audit"));
    let terminal = &rs.rules()[0];
    assert_eq!(terminal.source_line, 46);
    assert_eq!(terminal.source_file, Path::new(SAMPLE));
    assert_eq!(terminal.tags, ["container", "shell", "mitre_execution", "T1059"]);
    assert!(terminal.desc.starts_with("A shell was used as the entrypoint"));
}

#[test]
fn event_types_come_from_the_macros() {
    let rs = load();
    let types: Vec<_> = rs.rules().iter().map(|r| r.event_types().map(<[String]>::to_vec)).collect();
    let v = |s: &[&str]| Some(s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
    assert_eq!(
        types,
        [
            v(&["execve", "execveat"]),
            v(&["open", "openat", "openat2"]),
            v(&["open", "openat", "openat2"]),
            v(&["connect"])
        ]
    );
}

#[test]
fn terminal_shell_in_container() {
    let rs = load();
    let ev = shell_exec("3ad7b26ded6d", "containerd-shim", 34816);
    let hits: Vec<_> = rs.matches(&ev).collect();
    assert_eq!(names(hits.iter().copied()), ["Terminal shell in container"]);
    assert_eq!(
        hits[0].render_output(&ev),
        "A shell was spawned in a container with an attached terminal (user=root shell=bash parent=containerd-shim \
         cmdline=bash -i container_id=3ad7b26ded6d image=nginx:1.27)"
    );
    assert!(rs.matches(&shell_exec("host", "containerd-shim", 34816)).next().is_none(), "container macro");
    assert!(rs.matches(&shell_exec("3ad7b26ded6d", "zsh", 34816)).next().is_none(), "parent is a shell");
    assert!(rs.matches(&shell_exec("3ad7b26ded6d", "runc", 0)).next().is_none(), "no tty");
    let mut exit = shell_exec("3ad7b26ded6d", "runc", 1);
    exit.set("evt.dir", ">");
    assert!(rs.matches(&exit).next().is_none(), "evt.dir");
}

#[test]
fn write_below_etc_with_lists_of_lists_and_exceptions() {
    let rs = load();
    let fires = |ev: &MapEvent| names(rs.matches(ev)) == ["Write below etc"];
    assert!(fires(&write("/etc/passwd", "/etc", "touch")));
    assert!(fires(&write("/usr/bin/ls", "/usr/bin", "touch")));
    assert!(!fires(&write("/tmp/x", "/tmp", "touch")), "pmatch");
    assert!(!fires(&write("/etc/apt/sources.list", "/etc/apt", "apt-get")), "list inside list");
    assert!(!fires(&write("/etc/hosts", "/etc", "sed")), "quoted list item");
    assert!(!fires(&write("/etc/vim/vimrc", "/etc/vim", "vim")), "multi-field exception");
    assert!(fires(&write("/etc/passwd", "/etc", "vim")), "exception needs both fields");
    let mut by_cron = write("/etc/passwd", "/etc", "touch");
    by_cron.set("proc.pname", "crond");
    assert!(!fires(&by_cron), "single-field exception");
    let mut bad_fd = write("/etc/passwd", "/etc", "touch");
    bad_fd.set("fd.num", -1);
    assert!(!fires(&bad_fd), "fd.num>=0");
    let mut read_only = write("/etc/passwd", "/etc", "touch");
    read_only.set("evt.is_open_write", false);
    assert!(!fires(&read_only), "open_write");
    let hit = rs.matches(&write("/etc/passwd", "/etc", "touch")).next().unwrap();
    assert_eq!(
        hit.render_output(&write("/etc/passwd", "/etc", "touch")),
        "File below a monitored directory opened for writing (file=/etc/passwd pcmdline=bash gparent=sshd \
         command=touch /etc/passwd)"
    );
}

#[test]
fn read_sensitive_file_checks_every_ancestor() {
    let rs = load();
    let read = |ancestors: &[&str]| {
        MapEvent::new("openat")
            .with("evt.is_open_read", true)
            .with("fd.typechar", "f")
            .with("fd.num", 4)
            .with("fd.name", "/etc/shadow")
            .with("proc.name", "cat")
            .with_ancestors(ancestors)
    };
    let ev = read(&["bash", "sudo"]);
    let hits: Vec<_> = rs.matches(&ev).collect();
    assert_eq!(names(hits.iter().copied()), ["Read sensitive file untrusted"]);
    assert_eq!(
        hits[0].render_output(&ev),
        "Sensitive file opened for reading (file=/etc/shadow process=cat ancestors=bash,sudo)"
    );
    assert!(rs.matches(&read(&["bash", "sshd", "systemd"])).next().is_none());
}

#[test]
fn disabled_rules_never_match_but_still_compile() {
    let rs = load();
    let ev = MapEvent::new("connect")
        .with("evt.dir", "<")
        .with("proc.name", "bash")
        .with("fd.sockfamily", "ip")
        .with("fd.rip", "10.1.2.3");
    assert!(rs.matches(&ev).next().is_none());
    let rule = rs.rule("Outbound connection from shell").unwrap();
    assert!(rule.condition_holds(&ev));
}

#[test]
fn a_local_file_extends_the_sample() {
    let local = r#"
- macro: user_known_write_below_etc
  condition: or proc.name = etckeeper
  append: true
- list: shell_binaries
  items: [fish]
  append: true
- rule: Outbound connection from shell
  enabled: true
- rule: Write below etc
  exceptions:
    - name: proc_writer
      values:
        - [puppet, /etc]
  append: true
"#;
    let rs = Ruleset::builder().file(SAMPLE).text("local.yaml", local).build().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rs.name(), "falco_style");
    assert!(names(rs.matches(&write("/etc/x", "/etc", "etckeeper"))).is_empty(), "macro append");
    assert!(names(rs.matches(&write("/etc/x", "/etc/y", "puppet"))).is_empty(), "exception values append");
    let ev = MapEvent::new("connect")
        .with("evt.dir", "<")
        .with("proc.name", "fish")
        .with("fd.sockfamily", "ip")
        .with("fd.rip", "10.1.2.3");
    assert_eq!(names(rs.matches(&ev)), ["Outbound connection from shell"], "enabled again, list append");
}

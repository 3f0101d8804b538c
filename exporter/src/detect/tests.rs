//! The built-in ruleset against synthetic events: each rule fires on the
//! behaviour it describes and stays quiet on ordinary activity.

use std::sync::Arc;

use opentelemetry::KeyValue;

use super::*;
use crate::{
    decode::{ExecEvent, Header, SecurityEvent},
    enrich::{ContainerIdentity, ProcessContext},
    process::{ProcessInfo, ProcessTable},
    security::{SecurityRecord, catalog::by_name, resolve::ProcLookup},
};

struct Cwd(&'static str);
impl ProcLookup for Cwd {
    fn cwd(&self, _: u32) -> Option<String> {
        Some(self.0.to_string())
    }
    fn fd_path(&self, _: u32, _: i32) -> Option<String> {
        None
    }
}

fn header(comm: &str) -> Header {
    Header {
        ktime_ns: 1,
        pid: 100,
        tid: 100,
        ppid: Some(50),
        uid: 0,
        gid: 0,
        cgroup_id: 9,
        start_time_ns: None,
        comm: comm.as_bytes().to_vec(),
    }
}

fn ctx(comm: &str) -> ProcessContext {
    ProcessContext {
        pid: 100,
        tid: 100,
        ppid: Some(50),
        uid: 0,
        gid: 0,
        euid: Some(0),
        egid: Some(0),
        cgroup_id: 9,
        comm: comm.as_bytes().to_vec(),
        exe: None,
        args: vec![comm.as_bytes().to_vec()],
    }
}

fn table() -> ProcessTable {
    let mut t = ProcessTable::new(64, 100);
    t.insert(ProcessInfo { pid: 50, ppid: Some(1), comm: b"bash".to_vec(), ..Default::default() });
    t.insert(ProcessInfo { pid: 1, comm: b"systemd".to_vec(), ..Default::default() });
    t
}

fn container() -> Arc<ContainerIdentity> {
    Arc::new(ContainerIdentity {
        id: "c0ffee".repeat(10) + "abcd",
        pod_uid: None,
        resource: vec![KeyValue::new("container.image.name", "busybox")],
    })
}

fn sec(name: &str, comm: &str, args: [u64; 6], paths: [Option<&str>; 2], ret: i64) -> SecurityRecord {
    let ev = SecurityEvent::new(header(comm), 0, ret, args, paths.map(|p| p.map(|s| s.as_bytes().to_vec())));
    SecurityRecord::build(by_name(name).unwrap(), ev, &Cwd("/home/user"))
}

fn exec(comm: &str, args: &[&str], memfd: bool) -> (ExecEvent, ProcessInfo) {
    let e = ExecEvent {
        header: header(comm),
        old_pid: 100,
        filename: format!("/usr/bin/{comm}").into_bytes(),
        filename_truncated: false,
        args: args.iter().map(|a| a.as_bytes().to_vec()).collect(),
        args_truncated: false,
        args_missing: false,
        euid: Some(0),
        egid: Some(0),
        exe_memfd: memfd,
        exe_deleted: memfd,
    };
    let info = ProcessInfo {
        pid: 100,
        ppid: Some(50),
        exe: Some(e.filename.as_slice().into()),
        args: e.args.as_slice().into(),
        comm: comm.as_bytes().to_vec(),
        exe_memfd: memfd,
        exe_deleted: memfd,
        ..Default::default()
    };
    (e, info)
}

fn rules() -> Ruleset {
    load(&RulesConfig { builtin: true, files: vec![], agent_pid: Some(4242), lenient: false })
        .unwrap_or_else(|e| panic!("default rules: {e}"))
}

fn hits_sec(rs: &Ruleset, rec: &SecurityRecord, in_container: bool) -> Vec<String> {
    hits_sec_from(rs, rec, None, 50, in_container)
}

/// As `hits_sec`, for a process whose executable path is known and whose
/// parent is `ppid` (50 is `bash`, 60 is `runc`).
fn hits_sec_from(rs: &Ruleset, rec: &SecurityRecord, exe: Option<&str>, ppid: u32, in_container: bool) -> Vec<String> {
    let mut c = ctx(std::str::from_utf8(&rec.event.header.comm).unwrap());
    c.exe = exe.map(|e| e.as_bytes().into());
    c.ppid = Some(ppid);
    let mut t = table();
    t.insert(ProcessInfo { pid: 60, ppid: Some(1), comm: b"runc".to_vec(), ..Default::default() });
    let cont = container();
    let view = RuleView {
        subject: Subject::Security(rec),
        ctx: &c,
        info: None,
        table: &t,
        container: in_container.then_some(&*cont),
    };
    rs.matches(&view).map(|r| r.name.clone()).collect()
}

fn hits_exec(rs: &Ruleset, comm: &str, args: &[&str], memfd: bool, in_container: bool) -> Vec<String> {
    let (e, info) = exec(comm, args, memfd);
    let c = ctx(comm);
    let t = table();
    let cont = container();
    let view = RuleView {
        subject: Subject::Exec(&e),
        ctx: &c,
        info: Some(&info),
        table: &t,
        container: in_container.then_some(&*cont),
    };
    rs.matches(&view).map(|r| r.name.clone()).collect()
}

const AT: u64 = 0xffff_ff9c;
const O_WRONLY_CREAT_TRUNC: u64 = 0o1101;

#[test]
fn default_rules_load_and_are_tagged() {
    let rs = rules();
    assert!(rs.rules().len() >= 13);
    for r in rs.rules() {
        assert!(r.tags.iter().any(|t| t.starts_with("mitre_")), "{} has no MITRE tactic", r.name);
        assert!(r.tags.iter().any(|t| t.starts_with('T')), "{} has no technique id", r.name);
        assert!(r.event_types().is_some(), "{} runs for every event", r.name);
    }
}

#[test]
fn each_rule_fires_on_its_behaviour() {
    let rs = rules();
    let one = |hits: Vec<String>, rule: &str| assert!(hits.iter().any(|h| h == rule), "{rule} not in {hits:?}");
    one(hits_exec(&rs, "sh", &["sh", "-c", "id"], false, true), "Shell spawned in a container");
    one(
        hits_sec(&rs, &sec("openat", "cat", [AT, 0, 0, 0, 0, 0], [Some("/etc/shadow"), None], 3), false),
        "Read sensitive file",
    );
    one(
        hits_sec(
            &rs,
            &sec("openat", "vi", [AT, 0, O_WRONLY_CREAT_TRUNC, 0o644, 0, 0], [Some("/etc/cron.d/x"), None], 3),
            false,
        ),
        "Write below etc",
    );
    one(
        hits_sec(
            &rs,
            &sec("openat", "cp", [AT, 0, O_WRONLY_CREAT_TRUNC, 0o755, 0, 0], [Some("/usr/bin/ls"), None], 3),
            false,
        ),
        "Write below binary directory",
    );
    one(
        hits_sec(&rs, &sec("chmod", "chmod", [0, 0o4755, 0, 0, 0, 0], [Some("/tmp/x"), None], 0), false),
        "Set setuid or setgid bit",
    );
    one(
        hits_sec(&rs, &sec("init_module", "insmod", [0, 64, 0, 0, 0, 0], [None, None], -38), false),
        "Kernel module load attempt",
    );
    one(
        hits_sec(&rs, &sec("ptrace", "inject", [16, 4242, 0, 0, 0, 0], [None, None], 0), false),
        "Ptrace attached to process",
    );
    one(
        hits_sec(&rs, &sec("process_vm_writev", "inject", [4242, 0, 1, 0, 1, 0], [None, None], 8), false),
        "Ptrace attached to process",
    );
    one(hits_exec(&rs, "3", &["evil", "noop"], true, false), "Fileless execution via memfd");
    one(
        hits_sec(&rs, &sec("setns", "nsenter", [3, 0x4000_0000, 0, 0, 0, 0], [None, None], -1), true),
        "Namespace change in a container",
    );
    one(
        hits_sec(&rs, &sec("mount", "mount", [0, 0, 0, 0, 0, 0], [Some("none"), Some("/mnt")], -1), true),
        "Namespace change in a container",
    );
    one(hits_exec(&rs, "apk", &["apk", "add", "curl"], false, true), "Package manager run in a container");
    one(
        hits_sec(&rs, &sec("unlink", "rm", [0; 6], [Some("/var/log/auth.log"), None], 0), false),
        "Log or shell history tampering",
    );
    one(
        hits_sec(&rs, &sec("unlinkat", "rm", [AT, 0, 0, 0, 0, 0], [Some(".bash_history"), None], 0), false),
        "Log or shell history tampering",
    );
    one(hits_sec(&rs, &sec("bpf", "loader", [5, 0, 144, 0, 0, 0], [None, None], 3), false), "BPF program loaded");
    one(
        hits_exec(&rs, "xmrig", &["xmrig", "-o", "stratum+tcp://pool:3333"], false, false),
        "Connection to a crypto-mining port",
    );
}

#[test]
fn ordinary_activity_finds_nothing() {
    let rs = rules();
    let none = |hits: Vec<String>, what: &str| assert!(hits.is_empty(), "{what}: {hits:?}");
    none(hits_exec(&rs, "cc", &["cc", "-O2", "-c", "main.c"], false, false), "compiler");
    none(hits_exec(&rs, "sh", &["sh", "-c", "make"], false, false), "host shell");
    none(hits_exec(&rs, "dpkg", &["dpkg", "-l"], false, true), "package listing in a container");
    none(hits_exec(&rs, "apk", &["apk", "info"], false, true), "apk info in a container");
    none(
        hits_sec(
            &rs,
            &sec("openat", "cc", [AT, 0, O_WRONLY_CREAT_TRUNC, 0o644, 0, 0], [Some("target/main.o"), None], 3),
            false,
        ),
        "build output",
    );
    none(
        hits_sec(&rs, &sec("openat", "cat", [AT, 0, 0, 0, 0, 0], [Some("/etc/passwd"), None], 3), false),
        "ordinary read",
    );
    none(
        hits_sec(&rs, &sec("openat", "sshd", [AT, 0, 0, 0, 0, 0], [Some("/etc/shadow"), None], 3), false),
        "sshd reads shadow",
    );
    none(
        hits_sec(&rs, &sec("chmod", "chmod", [0, 0o755, 0, 0, 0, 0], [Some("/tmp/x"), None], 0), false),
        "plain chmod",
    );
    none(hits_sec(&rs, &sec("ptrace", "x", [17, 4242, 0, 0, 0, 0], [None, None], 0), false), "PTRACE_DETACH");
    none(hits_sec(&rs, &sec("unlink", "rm", [0; 6], [Some("/tmp/build.log"), None], 0), false), "temp file removal");
    none(
        hits_sec(&rs, &sec("unshare", "unshare", [0x4000_0000, 0, 0, 0, 0, 0], [None, None], 0), false),
        "unshare on the host",
    );
    none(hits_sec(&rs, &sec("bpf", "x", [1, 0, 144, 0, 0, 0], [None, None], 0), false), "map lookup");
    // runc 1.1 bind-mounts its own binary read-only while its init process
    // is already in the container's cgroup; that init is named `exe`, and the
    // kernel reports the path it was executed by, /proc/self/exe.
    let runc_mount =
        sec("mount", "exe", [0, 0, 0, 0x1000, 0, 0], [Some("/proc/self/exe"), Some("/run/runc/x/runc.Ab")], 0);
    none(hits_sec_from(&rs, &runc_mount, Some("/usr/bin/runc"), 50, true), "runc init sealing its binary");
    none(hits_sec_from(&rs, &runc_mount, Some("/proc/self/exe"), 60, true), "runc init, as the kernel reports it");
    let finding = ["Namespace change in a container"];
    assert_eq!(
        hits_sec_from(&rs, &runc_mount, Some("/tmp/exe"), 50, true),
        finding,
        "the same mount from another `exe` is still a finding",
    );
    assert_eq!(
        hits_sec_from(&rs, &runc_mount, Some("/proc/self/exe"), 50, true),
        finding,
        "a re-executed process whose parent is not a runtime is still a finding",
    );
    let elsewhere = sec("mount", "exe", [0, 0, 0, 0x1000, 0, 0], [Some("/proc/self/exe"), Some("/mnt/x")], 0);
    assert_eq!(
        hits_sec_from(&rs, &elsewhere, Some("/proc/self/exe"), 60, true),
        finding,
        "runc's init mounting outside runc's state directory is still a finding",
    );
    none(
        hits_sec(&rs, &sec("kill", "kill", [4343, 15, 0, 0, 0, 0], [None, None], 0), false),
        "kill of another process",
    );
}

/// A socket call with an IPv4 address argument, 4 s into a process that started 1 s after boot.
fn sock(name: &str, ip: [u8; 4], port: u16, ret: i64) -> SecurityRecord {
    let mut addr = (libc::AF_INET as u16).to_ne_bytes().to_vec();
    addr.extend_from_slice(&port.to_be_bytes());
    addr.extend_from_slice(&ip);
    let mut h = header("curl");
    h.ktime_ns = 5_000_000_000;
    h.start_time_ns = Some(1_000_000_000);
    let mut ev = SecurityEvent::new(h, 0, ret, [3, 0, 16, 0, 0, 0], [None, None]);
    ev.sockaddr = Some(addr);
    SecurityRecord::build(by_name(name).unwrap(), ev, &Cwd("/"))
}

fn field(view: &RuleView<'_>, spec: &str) -> String {
    let (name, arg) = match spec.split_once('[') {
        Some((n, rest)) => (n, Some(rest.trim_end_matches(']'))),
        None => (spec, None),
    };
    sysotel_rules::Event::get(view, &sysotel_rules::FieldRef::resolve(name, arg).unwrap()).to_string()
}

#[test]
fn falco_compatibility_fields_come_from_the_event() {
    let c = ctx("curl");
    let mut t = table();
    t.insert(ProcessInfo {
        pid: 50,
        ppid: Some(1),
        comm: b"bash".to_vec(),
        exe: Some(b"/bin/bash".as_slice().into()),
        ..Default::default()
    });
    let cont = container();
    let rec = sock("connect", [10, 1, 2, 3], 443, 0);
    let view = RuleView { subject: Subject::Security(&rec), ctx: &c, info: None, table: &t, container: Some(&*cont) };
    let got = |spec: &str| field(&view, spec);
    assert_eq!(got("fd.ip"), "10.1.2.3");
    assert_eq!(got("fd.port"), "443");
    assert_eq!(
        (got("fd.net"), got("fd.snet"), got("fd.rnet")),
        ("10.1.2.3".into(), "10.1.2.3".into(), "10.1.2.3".into())
    );
    assert_eq!((got("fd.cnet"), got("fd.lnet")), ("<NA>".into(), "<NA>".into()), "connect names the server end");
    assert_eq!((got("fd.connected"), got("fd.name_changed")), ("true".into(), "true".into()));
    assert_eq!(got("evt.num"), "5000000000");
    assert_eq!(got("proc.duration"), "4000000000");
    assert_eq!(got("evt.arg[1]"), "10.1.2.3:443");
    assert!(got("evt.args").contains("addr=10.1.2.3:443"), "{}", got("evt.args"));
    assert_eq!(got("proc.aexepath[1]"), "/bin/bash");
    assert_eq!(got("proc.aexepath"), "/bin/bash");
    assert_eq!(got("container.info"), format!("container_id={} container_image=busybox", cont.id));

    let refused = sock("connect", [10, 1, 2, 3], 443, -111);
    let pending = sock("connect", [10, 1, 2, 3], 443, -115);
    let bind = sock("bind", [0, 0, 0, 0], 8080, 0);
    let state = |rec: &SecurityRecord| {
        let view = RuleView { subject: Subject::Security(rec), ctx: &c, info: None, table: &t, container: None };
        (field(&view, "fd.connected"), field(&view, "fd.name_changed"), field(&view, "fd.lnet"))
    };
    assert_eq!(state(&refused), ("false".into(), "false".into(), "<NA>".into()));
    assert_eq!(state(&pending), ("false".into(), "true".into(), "<NA>".into()));
    assert_eq!(state(&bind), ("false".into(), "false".into(), "0.0.0.0".into()));

    let (e, info) = exec("sh", &["sh", "-c", "id"], false);
    let view = RuleView { subject: Subject::Exec(&e), ctx: &c, info: Some(&info), table: &t, container: None };
    assert_eq!(field(&view, "container.info"), "container_id=host");
    assert_eq!(field(&view, "evt.args"), "filename=/usr/bin/sh");
    assert_eq!(field(&view, "evt.num"), "1");
    assert_eq!(field(&view, "proc.duration"), "<NA>", "start time unknown");
    assert_eq!((field(&view, "fd.ip"), field(&view, "fd.connected")), ("<NA>".into(), "<NA>".into()));
}

#[test]
fn container_image_tag_and_pod_labels_come_from_the_identity() {
    use opentelemetry::{Array, StringValue, Value as OtelValue};
    let cont = ContainerIdentity {
        id: "c0ffee".repeat(10) + "abcd",
        pod_uid: Some("uid-1".into()),
        resource: vec![
            KeyValue::new("container.image.name", "docker.io/library/nginx"),
            KeyValue::new("container.image.tags", OtelValue::Array(Array::String(vec![StringValue::from("1.27")]))),
            KeyValue::new("k8s.namespace.name", "web"),
            KeyValue::new("k8s.pod.name", "nginx-0"),
            KeyValue::new("k8s.pod.label.app", "nginx"),
        ],
    };
    let c = ctx("nginx");
    let t = table();
    let (e, info) = exec("nginx", &["nginx"], false);
    let view = RuleView { subject: Subject::Exec(&e), ctx: &c, info: Some(&info), table: &t, container: Some(&cont) };
    assert_eq!(field(&view, "container.image"), "docker.io/library/nginx:1.27");
    assert_eq!(field(&view, "container.image.repository"), "docker.io/library/nginx");
    assert_eq!(field(&view, "container.image.tag"), "1.27");
    assert_eq!(field(&view, "k8s.pod.label[app]"), "nginx");
    assert_eq!(field(&view, "k8s.pod.label.tier"), "<NA>");
    assert_eq!(
        field(&view, "container.info"),
        format!("container_id={} container_image=docker.io/library/nginx:1.27 k8s_ns=web k8s_pod=nginx-0", cont.id)
    );
}

#[test]
fn falco_style_network_rules_run_on_the_view() {
    let text = r#"
- list: rfc_1918_addresses
  items: ['"10.0.0.0/8"', '"172.16.0.0/12"', '"192.168.0.0/16"']
- macro: never_true
  condition: (evt.num=0)
- macro: allowed_public_destinations
  condition: (never_true)
- rule: Connect to public address
  desc: A successful connect to an address outside private and loopback networks.
  condition: >
    evt.type = connect and fd.connected = true and fd.net != "127.0.0.0/8"
    and not fd.snet in (rfc_1918_addresses) and not allowed_public_destinations
  output: "public destination %fd.sip:%fd.sport (%container.info)"
  priority: NOTICE
  tags: [network, mitre_command_and_control, T1071]
"#;
    let rs = sysotel_rules::Ruleset::load_str("t", text, std::path::Path::new("t.yaml")).unwrap();
    let c = ctx("curl");
    let t = table();
    let run = |rec: &SecurityRecord| {
        let view = RuleView { subject: Subject::Security(rec), ctx: &c, info: None, table: &t, container: None };
        evaluate(&rs, &view).into_iter().map(|(_, out)| out).collect::<Vec<_>>()
    };
    assert_eq!(run(&sock("connect", [8, 8, 8, 8], 53, 0)), ["public destination 8.8.8.8:53 (container_id=host)"]);
    for private in [[10, 1, 2, 3], [127, 0, 0, 1], [192, 168, 1, 1], [172, 20, 0, 1]] {
        assert!(run(&sock("connect", private, 53, 0)).is_empty(), "{private:?}");
    }
    assert!(run(&sock("connect", [8, 8, 8, 8], 53, -111)).is_empty(), "refused");
}

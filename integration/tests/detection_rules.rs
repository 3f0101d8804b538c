//! Detection rules end to end: real actions on the host and in podman busybox
//! containers must raise `sysotel.security.finding` records at rotel, one per
//! built-in rule, each naming its rule (priority, severity, MITRE category and
//! technique, ruleset, a stable uuid), the event that triggered it, the
//! process's trace, and every attribute of the triggering record.
//!
//! Benign work (a C build with `cc` and `make`, package listings, reading and
//! listing ordinary files, `apk info` in a container) must raise none: its
//! process tree is rebuilt from the records' `process.pid`/`process.parent_pid`
//! once a later marker finding has arrived. Custom rule files
//! (`SYSOTEL_RULES`) join the built-in ruleset or, with
//! `SYSOTEL_NO_DEFAULT_RULES=true`, replace it. Broken rule files are reported
//! as `FILE:LINE:COL: message` by `sysotel rules validate`, and `sysotel run`
//! refuses them.
//!
//! Findings belong to a test's action by the `process.pid` of the child that
//! performed it (host), or by `container.id` on the Resource plus the
//! arguments (container). Other processes on the machine (another agent's
//! tests included) may raise findings too; they are printed, not judged.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use sysotel_integration::{
    ScratchDir,
    agent::Agent,
    events::{BPF, EXEC, FILE, FINDING, ISOLATION, MODULE, NETWORK, PTRACE, SIGNAL},
    gate::require_integration,
    podman,
    poll::poll_until,
    receiver::Receiver,
    records::{AttrValue, LogEntry},
    stack::Stack,
    triggers::{Report, sectrigger},
    workload::unique_marker,
};

/// How long the expected records of one step may take to arrive.
const TIMEOUT: Duration = Duration::from_secs(30);
/// How long `sysotel run` may take to refuse an invalid rule file.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(15);

const DEFAULT_RULESET: &str = "sysotel-default";

/// A rule and what every finding of it must say about it.
#[derive(Debug)]
struct Rule {
    name: &'static str,
    severity: i32,
    /// `sysotel.rule.priority`, Falco's spelling.
    priority: &'static str,
    /// `security_rule.category`; the tags hold `mitre_<category>` too.
    category: &'static str,
    /// The MITRE ATT&CK technique among the tags.
    technique: &'static str,
    /// `sysotel.rule.event`: the EventName of the triggering record.
    event: &'static str,
}

const fn rule(
    name: &'static str,
    severity: i32,
    priority: &'static str,
    category: &'static str,
    technique: &'static str,
    event: &'static str,
) -> Rule {
    Rule { name, severity, priority, category, technique, event }
}

const SHELL_IN_CONTAINER: Rule = rule("Shell spawned in a container", 10, "Notice", "execution", "T1059.004", EXEC);
const READ_SENSITIVE: Rule = rule("Read sensitive file", 13, "Warning", "credential_access", "T1003.008", FILE);
const WRITE_ETC: Rule = rule("Write below etc", 17, "Error", "persistence", "T1098", FILE);
const WRITE_BIN: Rule = rule("Write below binary directory", 17, "Error", "persistence", "T1554", FILE);
const SETUID: Rule = rule("Set setuid or setgid bit", 10, "Notice", "privilege_escalation", "T1548.001", FILE);
const MODULE_LOAD: Rule = rule("Kernel module load attempt", 13, "Warning", "persistence", "T1547.006", MODULE);
const PTRACE_ATTACH: Rule =
    rule("Ptrace attached to process", 13, "Warning", "privilege_escalation", "T1055.008", PTRACE);
const MEMFD_EXEC: Rule = rule("Fileless execution via memfd", 21, "Critical", "defense_evasion", "T1620", EXEC);
const DELETED_EXEC: Rule = rule("Execution of a deleted binary", 13, "Warning", "defense_evasion", "T1070.004", EXEC);
const NAMESPACE_CHANGE: Rule =
    rule("Namespace change in a container", 17, "Error", "privilege_escalation", "T1611", ISOLATION);
const MINING_PORT: Rule = rule("Connection to a crypto-mining port", 21, "Critical", "impact", "T1496", NETWORK);
const PACKAGE_MANAGER: Rule = rule("Package manager run in a container", 17, "Error", "persistence", "T1505", EXEC);
const HISTORY_TAMPERING: Rule =
    rule("Log or shell history tampering", 13, "Warning", "defense_evasion", "T1070.003", FILE);
const BPF_LOAD: Rule = rule("BPF program loaded", 10, "Notice", "defense_evasion", "T1014", BPF);
const SIGNAL_AGENT: Rule =
    rule("Signal sent to the sysotel agent", 13, "Warning", "defense_evasion", "T1562.001", SIGNAL);
const BPF_BY_ID: Rule = rule("eBPF object opened by id", 10, "Notice", "defense_evasion", "T1562.001", BPF);

/// The built-in ruleset: the rules `sysotel rules list` prints.
const BUILTIN: &[&Rule] = &[
    &SHELL_IN_CONTAINER,
    &READ_SENSITIVE,
    &WRITE_ETC,
    &WRITE_BIN,
    &SETUID,
    &MODULE_LOAD,
    &PTRACE_ATTACH,
    &MEMFD_EXEC,
    &DELETED_EXEC,
    &NAMESPACE_CHANGE,
    &MINING_PORT,
    &PACKAGE_MANAGER,
    &HISTORY_TAMPERING,
    &BPF_LOAD,
    &SIGNAL_AGENT,
    &BPF_BY_ID,
];

/// The rule of [`CUSTOM_RULES`].
const CUSTOM: Rule = rule("Custom marker written", 9, "Informational", "discovery", "T1083", FILE);

/// A rule file for [`custom_rule_files_join_or_replace_the_builtin_ruleset`];
/// `{DIR}` is the scratch directory.
const CUSTOM_RULES: &str = r#"
- rule: Custom marker written
  desc: A file named like the integration test's custom marker was opened.
  condition: evt.type = openat and fd.name startswith "{DIR}/custom-marker"
  output: Custom marker written (file=%fd.name process=%proc.name)
  priority: INFORMATIONAL
  tags: [test, mitre_discovery, T1083]
"#;

/// Opens the first loaded eBPF map by its id (as a tool reading another
/// tool's maps would): `BPF_MAP_GET_NEXT_ID`, then `BPF_MAP_GET_FD_BY_ID`.
const BPF_PEEK_C: &str = r#"
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    if (syscall(SYS_bpf, BPF_MAP_GET_NEXT_ID, &attr, sizeof attr) < 0) {
        perror("BPF_MAP_GET_NEXT_ID");
        return 1;
    }
    unsigned id = attr.next_id;
    memset(&attr, 0, sizeof attr);
    attr.map_id = id;
    long fd = syscall(SYS_bpf, BPF_MAP_GET_FD_BY_ID, &attr, sizeof attr);
    if (fd < 0) {
        perror("BPF_MAP_GET_FD_BY_ID");
        return 1;
    }
    printf("ok map_id=%u fd=%ld\n", id, fd);
    return 0;
}
"#;

// ------------------------------------------------------------------ helpers

/// Agents take turns within a test process; so does `sysotel run` expected
/// to refuse its rules (if it did start, it would be a second agent).
fn one_agent_at_a_time() -> MutexGuard<'static, ()> {
    static AGENT: Mutex<()> = Mutex::new(());
    AGENT.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A directory for one test's files; removed unless the test fails.
struct Scratch(ScratchDir);

impl Scratch {
    fn create(label: &str) -> Self {
        let label = format!("rules-{label}");
        Self(ScratchDir::create(&label).unwrap_or_else(|e| panic!("creating the {label} scratch directory: {e}")))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// The path of `name` inside, as a string.
    fn file(&self, name: &str) -> String {
        self.path().join(name).display().to_string()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path().join(name);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        }
        fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        path
    }
}

/// Runs a program to completion; returns its pid and stdout.
fn run_child(command: &mut Command) -> (i64, String) {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {command:?}: {e}"));
    let pid = i64::from(child.id());
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("waiting for {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (pid, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `sectrigger -d <dir> <args>` on the host: its pid and report.
fn trigger(dir: &Path, args: &[&str]) -> (i64, Report) {
    let bin = sectrigger().unwrap_or_else(|e| panic!("building sectrigger: {e:#}"));
    let (pid, stdout) = run_child(Command::new(bin).arg("-d").arg(dir).args(args));
    let report = Report::parse(stdout.trim_end()).unwrap_or_else(|| panic!("sectrigger {args:?} printed {stdout:?}"));
    (pid, report)
}

/// Compiles `source` with `cc -O2` into `dir/name`.
fn compile(dir: &Scratch, name: &str, source: &str) -> PathBuf {
    let src = dir.write(&format!("{name}.c"), source);
    let bin = dir.path().join(name);
    run_child(Command::new("cc").arg("-O2").arg("-o").arg(&bin).arg(&src));
    bin
}

/// An attribute of `entry`; `args.NAME` reads one of `sysotel.syscall.args`.
fn lookup<'e>(entry: &'e LogEntry, key: &str) -> Option<&'e AttrValue> {
    match key.strip_prefix("args.") {
        Some(arg) => match entry.attributes.get("sysotel.syscall.args")? {
            AttrValue::Map(args) => args.get(arg),
            _ => None,
        },
        None => entry.attributes.get(key),
    }
}

fn pid_of(entry: &LogEntry) -> Option<i64> {
    entry.attributes.int("process.pid")
}

fn rule_name(entry: &LogEntry) -> &str {
    entry.attributes.str("security_rule.name").unwrap_or("")
}

fn findings(entries: &[LogEntry]) -> impl Iterator<Item = &LogEntry> {
    entries.iter().filter(|e| e.event_name == FINDING)
}

/// One line about a finding, for failure messages.
fn summary(entry: &LogEntry) -> String {
    let body = entry.body.as_ref().and_then(AttrValue::as_str).unwrap_or("");
    format!(
        "[{}] pid={:?} ppid={:?} exe={:?} event={:?} container={:?} trace={:?} | {body}",
        rule_name(entry),
        pid_of(entry),
        entry.attributes.int("process.parent_pid"),
        entry.attributes.str("process.executable.name"),
        entry.attributes.str("sysotel.rule.event"),
        entry.resource.str("container.id"),
        entry.trace_id,
    )
}

fn str_value(s: &str) -> AttrValue {
    AttrValue::Str(s.to_owned())
}

fn str_array(items: &[&str]) -> AttrValue {
    AttrValue::Array(items.iter().map(|s| str_value(s)).collect())
}

/// Whether a value is (or, for an array, has an element that is) a string
/// containing `needle`.
fn contains(value: &AttrValue, needle: &str) -> bool {
    match value {
        AttrValue::Str(s) => s.contains(needle),
        AttrValue::Array(items) => items.iter().any(|v| contains(v, needle)),
        _ => false,
    }
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// A lower-case hex id of `len` characters that is not all zeros.
fn is_id(s: &str, len: usize) -> bool {
    s.len() == len && s.chars().all(|c| c.is_ascii_hexdigit()) && s.chars().any(|c| c != '0')
}

// --------------------------------------------------------------- expectations

/// Which process or container a finding must come from.
#[derive(Debug)]
enum Scope {
    /// A host process this test started (so `process.parent_pid` is ours).
    Pid(i64),
    /// Any process of this container.
    Container(String),
}

#[derive(Debug)]
enum Want {
    Eq(AttrValue),
    Contains(String),
}

/// A finding an action must raise.
#[derive(Debug)]
struct Expect {
    rule: &'static Rule,
    /// What was done, for messages.
    action: String,
    scope: Scope,
    /// Attributes of the triggering record it must carry (`args.NAME` for
    /// `sysotel.syscall.args`).
    attrs: Vec<(&'static str, Want)>,
}

impl Expect {
    fn new(rule: &'static Rule, action: impl Into<String>, scope: Scope) -> Self {
        let mut attrs = Vec::new();
        if let Scope::Pid(pid) = scope {
            attrs.push(("process.pid", Want::Eq(AttrValue::Int(pid))));
            attrs.push(("process.parent_pid", Want::Eq(AttrValue::Int(i64::from(std::process::id())))));
        }
        Self { rule, action: action.into(), scope, attrs }
    }

    fn eq(mut self, key: &'static str, value: AttrValue) -> Self {
        self.attrs.push((key, Want::Eq(value)));
        self
    }

    fn has(mut self, key: &'static str, needle: impl Into<String>) -> Self {
        self.attrs.push((key, Want::Contains(needle.into())));
        self
    }

    /// A finding of this rule from this scope (whatever its attributes).
    fn candidate(&self, entry: &LogEntry) -> bool {
        entry.event_name == FINDING
            && rule_name(entry) == self.rule.name
            && match &self.scope {
                Scope::Pid(pid) => pid_of(entry) == Some(*pid),
                Scope::Container(id) => entry.resource.str("container.id") == Some(id.as_str()),
            }
    }

    fn holds(&self, entry: &LogEntry) -> bool {
        self.candidate(entry)
            && self.attrs.iter().all(|(key, want)| match (lookup(entry, key), want) {
                (Some(v), Want::Eq(w)) => v == w,
                (Some(v), Want::Contains(needle)) => contains(v, needle),
                (None, _) => false,
            })
    }

    fn find<'e>(&self, entries: &'e [LogEntry]) -> Option<&'e LogEntry> {
        entries.iter().find(|e| self.holds(e))
    }
}

/// What is wrong with `finding` as a finding of `rule` from `ruleset`
/// (empty when nothing is). `entries` holds the triggering record.
fn finding_problems(finding: &LogEntry, rule: &Rule, ruleset: &str, entries: &[LogEntry]) -> Vec<String> {
    let mut problems = Vec::new();
    let a = &finding.attributes;
    let mut expect = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    expect(
        finding.severity_number == rule.severity,
        format!("SeverityNumber {} != {}", finding.severity_number, rule.severity),
    );
    expect(a.str("sysotel.rule.priority") == Some(rule.priority), format!("priority != {}", rule.priority));
    expect(a.str("security_rule.category") == Some(rule.category), format!("category != {}", rule.category));
    expect(a.str("security_rule.ruleset.name") == Some(ruleset), format!("ruleset != {ruleset}"));
    expect(a.str("security_rule.uuid").is_some_and(is_uuid), "security_rule.uuid is not a UUID".into());
    expect(a.str("security_rule.description").is_some_and(|d| !d.trim().is_empty()), "no description".into());
    expect(a.str("sysotel.rule.event") == Some(rule.event), format!("sysotel.rule.event != {}", rule.event));
    let tags = a.str_array("sysotel.rule.tags").unwrap_or_default();
    let tactic = format!("mitre_{}", rule.category);
    expect(tags.contains(&rule.technique), format!("tags {tags:?} lack {}", rule.technique));
    expect(tags.contains(&tactic.as_str()), format!("tags {tags:?} lack {tactic}"));
    let body = finding.body.as_ref().and_then(AttrValue::as_str).unwrap_or("");
    expect(body.starts_with(&format!("{}: ", rule.name)), format!("body {body:?} does not start with the rule name"));
    expect(is_id(&finding.trace_id, 32), format!("trace id {:?} is not set", finding.trace_id));
    expect(is_id(&finding.span_id, 16), format!("span id {:?} is not set", finding.span_id));

    let twins = findings(entries)
        .filter(|f| {
            rule_name(f) == rule.name && pid_of(f) == pid_of(finding) && f.time_unix_nano == finding.time_unix_nano
        })
        .count();
    expect(twins == 1, format!("{twins} findings of the rule for one record"));

    // The record it was raised on: same event, time and process.
    let pid = pid_of(finding);
    let same_event =
        |e: &&LogEntry| e.event_name == rule.event && e.time_unix_nano == finding.time_unix_nano && pid_of(e) == pid;
    match entries.iter().find(same_event) {
        None => problems.push(format!("no {} record of pid {pid:?} at {} arrived", rule.event, finding.time_unix_nano)),
        Some(trigger) => {
            if (trigger.trace_id.as_str(), trigger.span_id.as_str()) != (&finding.trace_id, &finding.span_id) {
                problems.push(format!(
                    "trace/span {}/{} != the triggering record's {}/{}",
                    finding.trace_id, finding.span_id, trigger.trace_id, trigger.span_id
                ));
            }
            if trigger.resource != finding.resource {
                problems
                    .push(format!("Resource {:?} != the triggering record's {:?}", finding.resource, trigger.resource));
            }
            for (key, value) in trigger.attributes.iter() {
                if a.get(key) != Some(value) {
                    problems.push(format!("{key} is {:?}, the triggering record's {value:?}", a.get(key)));
                }
            }
        }
    }
    problems
}

/// Waits until every expectation holds (or [`TIMEOUT`]); returns the records
/// and one message per missing or faulty finding.
fn verify(receiver: &Receiver, expects: &[Expect], ruleset: &str) -> (Vec<LogEntry>, Vec<String>) {
    let entries = poll_until(TIMEOUT, || {
        let entries = receiver.log_entries();
        expects.iter().all(|x| x.find(&entries).is_some()).then_some(entries)
    })
    .unwrap_or_else(|| receiver.log_entries());
    let mut failures = Vec::new();
    for x in expects {
        let Some(found) = x.find(&entries) else {
            let candidates: Vec<String> =
                findings(&entries).filter(|e| x.candidate(e)).map(|e| format!("{e:#?}")).collect();
            failures.push(format!(
                "{}: no finding [{}] with {:?}; {} of the rule from {:?}:\n{}",
                x.action,
                x.rule.name,
                x.attrs,
                candidates.len(),
                x.scope,
                candidates.join("\n")
            ));
            continue;
        };
        let problems = finding_problems(found, x.rule, ruleset, &entries);
        if !problems.is_empty() {
            failures.push(format!("{}: finding [{}]: {}\n{found:#?}", x.action, x.rule.name, problems.join("; ")));
        }
        if let Scope::Pid(_) = x.scope
            && let Some(id) = found.resource.str("container.id")
        {
            failures.push(format!("{}: a host process's finding names container {id}", x.action));
        }
    }
    (entries, failures)
}

/// Prints the findings no expectation claims: the machine's own activity.
fn print_other_findings(entries: &[LogEntry], mine: impl Fn(&LogEntry) -> bool) {
    let others: Vec<String> = findings(entries).filter(|f| !mine(f)).map(summary).collect();
    if !others.is_empty() {
        eprintln!("findings from other activity on the machine ({}):\n  {}", others.len(), others.join("\n  "));
    }
}

/// Rule names `sysotel rules list` prints for the built-in ruleset.
fn listed_builtin_rules() -> Vec<String> {
    let out = Command::new(Agent::binary()).args(["rules", "list"]).output().expect("running sysotel rules list");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "sysotel rules list failed: {}", String::from_utf8_lossy(&out.stderr));
    text.lines()
        .filter(|l| !l.starts_with(char::is_whitespace) && !l.trim().is_empty())
        .map(|l| l.split_whitespace().skip(2).collect::<Vec<_>>().join(" ").trim_end_matches(" (disabled)").to_owned())
        .collect()
}

// ---------------------------------------------------------------------- tests

/// Acts on the host, once per rule that a host process can raise; returns
/// the findings that must follow.
fn host_actions(dir: &Scratch, bpf_peek: &Path, agent_pid: u32) -> Vec<Expect> {
    let d = dir.path();
    let mut expects = Vec::new();
    let (pid, _) = trigger(d, &["open-read", "/etc/shadow"]);
    expects.push(
        Expect::new(&READ_SENSITIVE, "open-read /etc/shadow", Scope::Pid(pid))
            .eq("file.path", str_value("/etc/shadow"))
            .eq("sysotel.syscall.name", str_value("openat"))
            .eq("sysotel.file.watched", AttrValue::Bool(true)),
    );
    // The same file by a relative path: resolved by the agent, same finding.
    let relative = "../../../../../../../../etc/shadow";
    let (pid, _) = trigger(d, &["read-rel", relative]);
    expects.push(
        Expect::new(&READ_SENSITIVE, format!("read-rel {relative}"), Scope::Pid(pid))
            .eq("file.path", str_value("/etc/shadow"))
            .eq("sysotel.file.watched", AttrValue::Bool(true)),
    );

    let etc_file = format!("/etc/sysotel-it-{}", unique_marker());
    let (pid, report) = trigger(d, &["open-write", &etc_file]);
    let _ = fs::remove_file(&etc_file);
    assert_eq!(report.errno, 0, "{report:?}");
    expects.push(
        Expect::new(&WRITE_ETC, format!("open-write {etc_file}"), Scope::Pid(pid))
            .eq("file.path", str_value(&etc_file))
            .eq("sysotel.syscall.name", str_value("openat"))
            .has("args.flags", "O_WRONLY"),
    );

    let bin_file = format!("/usr/local/bin/sysotel-it-{}", unique_marker());
    let (pid, report) = trigger(d, &["open-write", &bin_file]);
    let _ = fs::remove_file(&bin_file);
    assert_eq!(report.errno, 0, "{report:?}");
    expects.push(
        Expect::new(&WRITE_BIN, format!("open-write {bin_file}"), Scope::Pid(pid))
            .eq("file.path", str_value(&bin_file))
            .eq("file.directory", str_value("/usr/local/bin")),
    );

    let (pid, report) = trigger(d, &["chmod", "suid", "4755"]);
    expects.push(
        Expect::new(&SETUID, "chmod suid 4755", Scope::Pid(pid))
            .eq("file.path", str_value(&dir.file("suid")))
            .eq("sysotel.syscall.name", str_value(report.get("fallback").unwrap_or("chmod")))
            .has("args.mode", "S_ISUID"),
    );

    let (pid, _) = trigger(d, &["init-module"]);
    expects.push(
        Expect::new(&MODULE_LOAD, "init-module", Scope::Pid(pid))
            .eq("sysotel.syscall.name", str_value("init_module"))
            .eq("args.uargs", str_value("sysotel_test=1")),
    );

    // Two findings of one rule (ptrace and process_vm_writev) share its uuid.
    let (pid, report) = trigger(d, &["ptrace-attach"]);
    let child = report.get("child").expect("ptrace-attach reports its child").to_owned();
    expects.push(
        Expect::new(&PTRACE_ATTACH, "ptrace-attach", Scope::Pid(pid))
            .eq("sysotel.syscall.name", str_value("ptrace"))
            .eq("args.request", str_value("PTRACE_ATTACH"))
            .eq("args.pid", str_value(&child)),
    );
    let (pid, report) = trigger(d, &["vm-writev"]);
    let child = report.get("child").expect("vm-writev reports its child").to_owned();
    expects.push(
        Expect::new(&PTRACE_ATTACH, "vm-writev", Scope::Pid(pid))
            .eq("sysotel.syscall.name", str_value("process_vm_writev"))
            .eq("args.pid", str_value(&child)),
    );

    let (pid, report) = trigger(d, &["memfd-exec", "sysotel-memfd"]);
    assert_eq!(report.get("via"), Some("memfd-exec"), "{report:?}");
    expects.push(
        Expect::new(&MEMFD_EXEC, "memfd-exec", Scope::Pid(pid))
            .eq("process.command_args", str_array(&["sysotel-memfd", "noop"]))
            .eq("sysotel.process.executable.memfd", AttrValue::Bool(true)),
    );

    let (pid, report) = trigger(d, &["deleted-exec"]);
    assert_eq!(report.get("via"), Some("deleted-exec"), "{report:?}");
    expects.push(
        Expect::new(&DELETED_EXEC, "deleted-exec", Scope::Pid(pid))
            .eq("process.command_args", str_array(&["sectrigger-del", "noop"]))
            .eq("sysotel.process.executable.deleted", AttrValue::Bool(true)),
    );

    let (pid, _) = trigger(d, &["connect4", "3333"]);
    expects.push(
        Expect::new(&MINING_PORT, "connect4 127.0.0.1:3333", Scope::Pid(pid))
            .eq("sysotel.syscall.name", str_value("connect"))
            .eq("network.peer.address", str_value("127.0.0.1"))
            .eq("network.peer.port", AttrValue::Int(3333)),
    );

    let (pid, report) = trigger(d, &["unlink", ".bash_history"]);
    assert_eq!(report.errno, 0, "{report:?}");
    expects.push(
        Expect::new(&HISTORY_TAMPERING, "unlink .bash_history", Scope::Pid(pid))
            .eq("file.path", str_value(&dir.file(".bash_history")))
            .eq("sysotel.syscall.name", str_value(report.get("fallback").unwrap_or("unlink"))),
    );

    let (pid, report) = trigger(d, &["bpf-prog-load"]);
    assert_eq!(report.errno, 0, "{report:?}");
    expects.push(
        Expect::new(&BPF_LOAD, "bpf-prog-load", Scope::Pid(pid))
            .eq("sysotel.syscall.name", str_value("bpf"))
            .eq("args.cmd", str_value("BPF_PROG_LOAD")),
    );

    let (pid, _) = run_child(&mut Command::new(bpf_peek));
    expects.push(
        Expect::new(&BPF_BY_ID, "bpf-peek (BPF_MAP_GET_FD_BY_ID)", Scope::Pid(pid))
            .eq("sysotel.syscall.name", str_value("bpf"))
            .eq("args.cmd", str_value("BPF_MAP_GET_FD_BY_ID")),
    );

    // SIGWINCH: a real signal the agent ignores.
    let agent_pid = agent_pid.to_string();
    let (pid, _) = run_child(Command::new("kill").args(["-s", "WINCH", &agent_pid]));
    expects.push(
        Expect::new(&SIGNAL_AGENT, format!("kill -s WINCH {agent_pid}"), Scope::Pid(pid))
            .eq("sysotel.syscall.name", str_value("kill"))
            .eq("args.sig", str_value("SIGWINCH"))
            .eq("args.pid", str_value(&agent_pid)),
    );

    expects
}

/// Acts in a busybox container: a shell, a package installation, namespace
/// changes (refused or not, the attempt counts); returns the findings that
/// must follow.
fn container_actions(dir: &Scratch, trigger_bin: &Path) -> Vec<Expect> {
    let mut expects = Vec::new();
    let marker = unique_marker();
    let script = format!(
        ": {marker}; /s/apk add curl; /w/sectrigger -d /s unshare-user; /w/sectrigger -d /s mount-tmpfs /s/mnt"
    );
    let trigger_dir = trigger_bin.parent().expect("sectrigger's directory").display().to_string();
    let volumes = ["-v", &format!("{trigger_dir}:/w:ro"), "-v", &format!("{}:/s", dir.path().display())];
    let id = podman::run_with(&volumes, None, &["sh", "-c", &script]).expect("running the container");
    let container = || Scope::Container(id.clone());
    expects.push(
        Expect::new(&SHELL_IN_CONTAINER, "sh -c in a container", container())
            .eq("process.command", str_value("sh"))
            .has("process.command_args", marker.as_str()),
    );
    expects.push(
        Expect::new(&PACKAGE_MANAGER, "apk add curl in a container", container())
            .eq("process.command_args", str_array(&["/s/apk", "add", "curl"])),
    );
    expects.push(
        Expect::new(&NAMESPACE_CHANGE, "unshare-user in a container", container())
            .eq("sysotel.syscall.name", str_value("unshare"))
            .has("args.flags", "CLONE_NEWUSER"),
    );
    expects.push(
        Expect::new(&NAMESPACE_CHANGE, "mount-tmpfs in a container", container())
            .eq("process.executable.name", str_value("sectrigger"))
            .has("args.flags", "CLONE_NEWNS"),
    );
    expects
}

#[test]
fn every_builtin_rule_fires_on_its_action() {
    if !require_integration() {
        return;
    }
    let listed: BTreeSet<String> = listed_builtin_rules().into_iter().collect();
    let ours: BTreeSet<String> = BUILTIN.iter().map(|r| r.name.to_owned()).collect();
    assert_eq!(listed, ours, "the built-in ruleset changed: give each new rule an action here");

    let _turn = one_agent_at_a_time();
    podman::ensure_image().expect("building the busybox test image");
    let trigger_bin = sectrigger().unwrap_or_else(|e| panic!("building sectrigger: {e:#}"));
    let dir = Scratch::create("all");
    let bpf_peek = compile(&dir, "bpf-peek", BPF_PEEK_C);
    fs::copy("/bin/busybox", dir.path().join("apk")).expect("copying busybox to apk");
    fs::create_dir_all(dir.path().join("mnt")).expect("mkdir mnt");
    fs::File::create_new(dir.path().join("suid")).expect("creating the setuid target");
    // Created without O_TRUNC: only its removal below is tampering.
    fs::File::create_new(dir.path().join(".bash_history")).expect("creating a shell history");

    let stack = Stack::start(&[]);
    let receiver = &stack.receiver;
    let mut expects = host_actions(&dir, &bpf_peek, stack.agent.pid());
    expects.extend(container_actions(&dir, &trigger_bin));
    let (entries, mut failures) = verify(receiver, &expects, DEFAULT_RULESET);

    // Every rule has an action, and one uuid for all its findings.
    let mut uuids: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for f in findings(&entries) {
        uuids.entry(rule_name(f)).or_default().insert(f.attributes.str("security_rule.uuid").unwrap_or(""));
    }
    for r in BUILTIN {
        if !expects.iter().any(|x| x.rule.name == r.name) {
            failures.push(format!("no action triggers [{}]", r.name));
        }
        match uuids.get(r.name) {
            Some(set) if set.len() > 1 => failures.push(format!("[{}] has several uuids: {set:?}", r.name)),
            _ => {}
        }
    }
    let distinct: BTreeSet<_> = uuids.values().flatten().collect();
    if distinct.len() != uuids.values().flatten().count() {
        failures.push(format!("rules share a uuid: {uuids:?}"));
    }
    let found = |rule: &Rule| expects.iter().filter(|x| x.rule.name == rule.name && x.find(&entries).is_some()).count();
    for r in [&PTRACE_ATTACH, &NAMESPACE_CHANGE] {
        if found(r) < 2 {
            failures.push(format!("[{}]: fewer than two findings to compare uuids", r.name));
        }
    }

    print_other_findings(&entries, |f| expects.iter().any(|x| x.holds(f)));
    assert!(failures.is_empty(), "{} problem(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

/// `cc`/`make` builds, package listings, reads and directory listings, and a
/// package listing in a container.
const BENIGN_SCRIPT: &str = r#"set -eu
dir=$1
cd "$dir"
cc -O2 -o hello hello.c
./hello > /dev/null
make -s -C proj
sh ./build.sh
dpkg -l > /dev/null
dpkg-query -W > /dev/null
cat /etc/passwd /etc/os-release > /dev/null
find /usr/share/doc -maxdepth 2 -name copyright | head -n 20 | xargs -r cat > /dev/null
ls -la / /etc /usr/share /var/log > /dev/null
podman --runtime runc run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    --cidfile "$dir/cid" -v "$dir:/s" "$2" /s/apk info > /dev/null 2>&1 || true
"#;

const MAKEFILE: &str = "all: prog\n\t./prog > /dev/null\n\nprog: main.o util.o\n\tcc -O2 -o $@ main.o util.o\n\n\
                        %.o: %.c\n\tcc -O2 -c -o $@ $<\n";

const BUILD_SH: &str = r#"set -eu
mkdir -p out
for f in a b; do cc -O2 -c -o "out/$f.o" "$f.c"; done
ar rcs out/libab.a out/a.o out/b.o
cc -O2 -o out/app app.c out/libab.a
./out/app
"#;

/// How far record times may be from this process's clock, in nanoseconds.
const CLOCK_SLACK: u64 = 2_000_000_000;

fn unix_nanos() -> u64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).expect("the clock is after 1970");
    u64::try_from(since_epoch.as_nanos()).expect("nanoseconds fit in u64")
}

#[test]
fn benign_activity_raises_no_finding() {
    if !require_integration() {
        return;
    }
    let _turn = one_agent_at_a_time();
    podman::ensure_image().expect("building the busybox test image");
    let dir = Scratch::create("benign");
    dir.write("hello.c", "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n");
    dir.write("proj/Makefile", MAKEFILE);
    dir.write("proj/main.c", "int util(void);\nint main(void) { return util(); }\n");
    dir.write("proj/util.c", "int util(void) { return 0; }\n");
    dir.write("build.sh", BUILD_SH);
    dir.write("a.c", "int a(void) { return 1; }\n");
    dir.write("b.c", "int b(void) { return 1; }\n");
    dir.write("app.c", "int a(void);\nint b(void);\nint main(void) { return a() + b() - 2; }\n");
    let script = dir.write("benign.sh", BENIGN_SCRIPT);
    fs::copy("/bin/busybox", dir.path().join("apk")).expect("copying busybox to apk");

    let stack = Stack::start(&[]);
    let receiver = &stack.receiver;
    let started = unix_nanos() - CLOCK_SLACK;
    let (root, _) = run_child(Command::new("bash").arg(&script).arg(dir.path()).arg(podman::IMAGE));
    let ended = unix_nanos() + CLOCK_SLACK;
    let cid = fs::read_to_string(dir.path().join("cid")).expect("the benign container's cidfile").trim().to_owned();

    // A later finding: whatever the benign work raised has arrived by then.
    let (marker_pid, _) = trigger(dir.path(), &["open-read", "/etc/shadow"]);
    let marker = receiver.wait_for_log(
        |e| e.event_name == FINDING && rule_name(e) == READ_SENSITIVE.name && pid_of(e) == Some(marker_pid),
        TIMEOUT,
    );
    assert!(marker.is_some(), "the marker finding (open-read /etc/shadow by pid {marker_pid}) did not arrive");
    // Pids wrap (pid_max may be 32768): only records from while the script
    // ran can be its processes'.
    let entries: Vec<LogEntry> =
        receiver.log_entries().into_iter().filter(|e| (started..=ended).contains(&e.time_unix_nano)).collect();

    // The script's process tree, from every record's pid and parent pid.
    let mut tree = BTreeSet::from([root]);
    loop {
        let before = tree.len();
        for e in &entries {
            if let (Some(pid), Some(ppid)) = (pid_of(e), e.attributes.int("process.parent_pid"))
                && tree.contains(&ppid)
            {
                tree.insert(pid);
            }
        }
        if tree.len() == before {
            break;
        }
    }
    let in_tree = |e: &LogEntry| {
        pid_of(e).is_some_and(|p| tree.contains(&p))
            || e.attributes.int("process.parent_pid").is_some_and(|p| tree.contains(&p))
    };
    let in_container = |e: &LogEntry| e.resource.str("container.id") == Some(cid.as_str());

    // The work was seen: its programs' exec records are there.
    let ran: BTreeSet<String> = entries
        .iter()
        .filter(|e| e.event_name == EXEC && (in_tree(e) || in_container(e)))
        .filter_map(|e| {
            e.attributes
                .str_array("process.command_args")?
                .first()
                .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned())
        })
        .collect();
    let expected =
        ["cc", "hello", "make", "prog", "ar", "app", "dpkg", "dpkg-query", "cat", "find", "ls", "podman", "apk"];
    let missing: Vec<&str> = expected.into_iter().filter(|p| !ran.contains(*p)).collect();
    assert!(missing.is_empty(), "no exec record of {missing:?} from the benign script (pid {root}); saw {ran:?}");
    let apk = entries.iter().any(|e| {
        e.event_name == EXEC
            && in_container(e)
            && e.attributes.str_array("process.command_args").is_some_and(|a| a == ["/s/apk", "info"])
    });
    assert!(apk, "no exec record of `/s/apk info` in container {cid}");

    let raised: Vec<String> = findings(&entries).filter(|f| in_tree(f) || in_container(f)).map(summary).collect();
    eprintln!("benign work: {} processes under pid {root}, programs {ran:?}", tree.len());
    print_other_findings(&entries, |f| in_tree(f) || in_container(f) || pid_of(f) == Some(marker_pid));
    assert!(
        raised.is_empty(),
        "benign work (script pid {root}, {} processes, container {cid}) raised {} finding(s):\n  {}",
        tree.len(),
        raised.len(),
        raised.join("\n  ")
    );
}

#[test]
fn custom_rule_files_join_or_replace_the_builtin_ruleset() {
    if !require_integration() {
        return;
    }
    let _turn = one_agent_at_a_time();
    let dir = Scratch::create("custom");
    let d = dir.path();
    let rules = dir.write("it-custom.yaml", &CUSTOM_RULES.replace("{DIR}", &d.display().to_string()));
    let rules_env = rules.display().to_string();

    // With the built-in ruleset: both fire, all in the one `sysotel-default`.
    {
        let stack = Stack::start(&[("SYSOTEL_RULES", &rules_env)]);
        let (custom_pid, _) = trigger(d, &["open-write", "custom-marker-1"]);
        let (shadow_pid, _) = trigger(d, &["open-read", "/etc/shadow"]);
        let expects = [
            Expect::new(&CUSTOM, "open-write custom-marker-1", Scope::Pid(custom_pid))
                .eq("file.path", str_value(&dir.file("custom-marker-1"))),
            Expect::new(&READ_SENSITIVE, "open-read /etc/shadow", Scope::Pid(shadow_pid))
                .eq("file.path", str_value("/etc/shadow")),
        ];
        let (entries, failures) = verify(&stack.receiver, &expects, DEFAULT_RULESET);
        print_other_findings(&entries, |f| expects.iter().any(|x| x.holds(f)));
        assert!(failures.is_empty(), "with the built-in rules:\n\n{}", failures.join("\n\n"));
    }

    // Without it: the custom rule alone, in a ruleset named after its file.
    let stack = Stack::start(&[("SYSOTEL_RULES", &rules_env), ("SYSOTEL_NO_DEFAULT_RULES", "true")]);
    let receiver = &stack.receiver;
    let (shadow_pid, _) = trigger(d, &["open-read", "/etc/shadow"]);
    let (custom_pid, _) = trigger(d, &["open-write", "custom-marker-2"]);
    let expects = [Expect::new(&CUSTOM, "open-write custom-marker-2", Scope::Pid(custom_pid))
        .eq("file.path", str_value(&dir.file("custom-marker-2")))];
    let (entries, failures) = verify(receiver, &expects, "it-custom");
    assert!(failures.is_empty(), "without the built-in rules:\n\n{}", failures.join("\n\n"));
    let read = entries.iter().any(|e| {
        e.event_name == FILE && pid_of(e) == Some(shadow_pid) && e.attributes.str("file.path") == Some("/etc/shadow")
    });
    assert!(read, "the record of reading /etc/shadow (pid {shadow_pid}) did not arrive");
    let others: Vec<String> = findings(&entries).filter(|f| rule_name(f) != CUSTOM.name).map(summary).collect();
    assert!(others.is_empty(), "built-in rules fired with SYSOTEL_NO_DEFAULT_RULES=true:\n  {}", others.join("\n  "));
}

/// Rules with one mistake each.
const BROKEN_RULES: &str = r#"- rule: Unknown condition field
  desc: x
  condition: evt.type = openat and proc.nosuchfield = x
  output: x
  priority: WARNING

- rule: Unknown key
  desc: x
  condition: evt.type = openat
  output: x
  priority: WARNING
  colour: blue

- rule: Undefined macro
  desc: x
  condition: evt.type = openat and no_such_macro
  output: x
  priority: WARNING

- rule: Unknown output field
  desc: x
  condition: evt.type = openat
  output: "file=%fd.nosuchfield"
  priority: WARNING
"#;

/// The errors in [`BROKEN_RULES`]: each is reported at the first occurrence
/// of its needle, `(needle, message)`.
const BROKEN_ERRORS: &[(&str, &str)] = &[
    ("proc.nosuchfield", r#"rule "Unknown condition field": unknown field proc.nosuchfield"#),
    ("colour", r#"rule "Unknown key": unknown key colour"#),
    ("no_such_macro", r#"rule "Undefined macro": undefined macro no_such_macro"#),
    ("%fd.nosuchfield", r#"rule "Unknown output field": unknown field fd.nosuchfield"#),
];

/// A stray `]`, at line 2, column 16.
const BROKEN_YAML: &str = "- list: things\n  items: [a, b]]\n";

/// Valid on top of the built-in ruleset, whose macro it uses.
const GOOD_RULES: &str =
    "- rule: Uses a built-in macro\n  desc: x\n  condition: open_write\n  output: x\n  priority: DEBUG\n";

/// `FILE:LINE:COL: ` of the first `needle` in `text`.
fn position(file: &Path, text: &str, needle: &str) -> String {
    let (line, col) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
        .unwrap_or_else(|| panic!("{needle:?} is not in the rule file"));
    format!("{}:{line}:{col}: ", file.display())
}

#[test]
fn rules_validate_reports_file_line_and_column() {
    if !require_integration() {
        return;
    }
    let dir = Scratch::create("validate");
    let broken = dir.write("broken.yaml", BROKEN_RULES);
    let yaml = dir.write("yaml.yaml", BROKEN_YAML);
    let good = dir.write("good.yaml", GOOD_RULES);
    let validate = |files: &[&Path], extra: &[&str]| {
        let out = Command::new(Agent::binary())
            .args(["rules", "validate"])
            .args(extra)
            .args(files)
            .output()
            .expect("running sysotel rules validate");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code(), text)
    };

    let (code, text) = validate(&[&broken, &yaml], &[]);
    assert_eq!(code, Some(1), "validate must fail on broken files:\n{text}");
    for (needle, message) in BROKEN_ERRORS {
        let line = format!("{}{message}", position(&broken, BROKEN_RULES, needle));
        assert!(text.lines().any(|l| l == line), "expected the line\n  {line}\nin:\n{text}");
    }
    let yaml_at = format!("{}:2:16: YAML", yaml.display());
    assert!(text.lines().any(|l| l.starts_with(&yaml_at)), "expected a line starting {yaml_at:?} in:\n{text}");

    let (code, text) = validate(&[&good], &[]);
    assert_eq!(code, Some(0), "a file using a built-in macro is valid:\n{text}");
    let (code, text) = validate(&[&good], &["--no-default-rules"]);
    assert_eq!(code, Some(1), "alone, the built-in macro is undefined:\n{text}");
    let line = format!(
        "{}rule \"Uses a built-in macro\": undefined macro open_write",
        position(&good, GOOD_RULES, "open_write")
    );
    assert!(text.lines().any(|l| l == line), "expected the line\n  {line}\nin:\n{text}");
}

#[test]
fn run_refuses_an_invalid_rule_file() {
    if !require_integration() {
        return;
    }
    let _turn = one_agent_at_a_time();
    let dir = Scratch::create("refuse");
    let broken = dir.write("broken.yaml", BROKEN_RULES);
    let yaml = dir.write("yaml.yaml", BROKEN_YAML);
    for (file, expected) in [
        (&broken, format!("{}{}", position(&broken, BROKEN_RULES, "no_such_macro"), BROKEN_ERRORS[2].1)),
        (&yaml, format!("{}:2:16: YAML", yaml.display())),
    ] {
        let start = Instant::now();
        let mut child = Command::new(Agent::binary())
            .arg("run")
            .env("SYSOTEL_RULES", file)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawning sysotel run");
        let exited = poll_until(REFUSAL_TIMEOUT, || child.try_wait().expect("polling sysotel run"));
        if exited.is_none() {
            let _ = child.kill();
            let out = child.wait_with_output().expect("reaping sysotel run");
            panic!(
                "sysotel run with {} still ran after {REFUSAL_TIMEOUT:?}; stderr:\n{}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let out = child.wait_with_output().expect("reading sysotel run's output");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.code().is_some_and(|c| c != 0), "sysotel run exited with {}:\n{stderr}", out.status);
        assert!(
            stderr.lines().any(|l| l.starts_with(&expected)),
            "sysotel run's stderr lacks a line starting {expected:?}:\n{stderr}"
        );
        assert!(!stderr.contains("sysotel ready"), "it must refuse before loading anything:\n{stderr}");
        eprintln!("sysotel run refused {} in {:?}", file.display(), start.elapsed());
    }
}

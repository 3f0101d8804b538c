//! Process-tree traces end to end: `sh -c` with two children on the host,
//! and a shell inside a container, arrive as spans with the right
//! parent/child links, and each exec log record carries its span's ids.

use std::{process::Command, time::Duration};

use sysotel_integration::gate::require_integration;
use sysotel_integration::podman;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::records::{LogEntry, SpanEntry};
use sysotel_integration::stack::Stack;
use sysotel_integration::workload::unique_marker;

const TIMEOUT: Duration = Duration::from_secs(20);

fn exec_log(receiver: &Receiver, argv: &[&str]) -> LogEntry {
    receiver
        .wait_for_log(
            |e| {
                e.event_name == "sysotel.process.exec"
                    && e.attributes.str_array("process.command_args").is_some_and(|a| a == argv)
            },
            TIMEOUT,
        )
        .unwrap_or_else(|| panic!("no exec record for {argv:?}"))
}

fn wait_span(receiver: &Receiver, pid: i64) -> SpanEntry {
    receiver
        .wait_for_span(
            |s| s.attributes.int("process.pid") == Some(pid) && !s.attributes.contains_key("sysotel.syscall.name"),
            TIMEOUT,
        )
        .unwrap_or_else(|| panic!("no span for pid {pid}; spans: {:?}", receiver.span_entries()))
}

#[test]
fn process_trees_become_traces_with_correlated_logs() {
    if !require_integration() {
        return;
    }
    podman::ensure_image().expect("building the busybox test image");
    let stack = Stack::start(&[
        ("OTEL_BSP_SCHEDULE_DELAY", "200"),
        ("SYSOTEL_REPORT_INTERVAL_SECS", "1"),
        ("SYSOTEL_SLOW_SYSCALLS", "clock_nanosleep=100ms,nanosleep=100ms"),
    ]);
    let receiver = &stack.receiver;

    // Host: the test process existed before the agent, so `sh` roots a trace
    // and its commands are its children.
    let marker = unique_marker();
    let script = format!("/bin/echo {marker}; /bin/true {marker}");
    let status = Command::new("/bin/sh").args(["-c", &script]).status().expect("running sh");
    assert!(status.success());
    let sh_log = exec_log(receiver, &["/bin/sh", "-c", &script]);
    let echo_log = exec_log(receiver, &["/bin/echo", &marker]);
    let true_log = exec_log(receiver, &["/bin/true", &marker]);
    let pid = |l: &LogEntry| l.attributes.int("process.pid").expect("pid");
    let sh = wait_span(receiver, pid(&sh_log));
    let echo = wait_span(receiver, pid(&echo_log));
    let tru = wait_span(receiver, pid(&true_log));
    assert_eq!(sh.parent_span_id, "", "sh roots the trace: {sh:#?}");
    for child in [&echo, &tru] {
        assert_eq!(child.parent_span_id, sh.span_id, "{child:#?}");
        assert_eq!(child.trace_id, sh.trace_id, "{child:#?}");
        assert!(
            child.start_time_unix_nano >= sh.start_time_unix_nano && child.end_time_unix_nano <= sh.end_time_unix_nano
        );
    }
    assert_eq!(echo.name, "echo");
    assert_eq!(echo.attributes.int("process.exit.code"), Some(0));
    // Logs carry the ids of their process's span.
    for (log, span) in [(&sh_log, &sh), (&echo_log, &echo)] {
        assert_eq!((log.trace_id.as_str(), log.span_id.as_str()), (span.trace_id.as_str(), span.span_id.as_str()));
    }

    // A deliberately slow call becomes a child span of its process's span.
    let status = Command::new("/bin/sleep").arg("0.3").status().expect("running sleep");
    assert!(status.success());
    let sleep_log = exec_log(receiver, &["/bin/sleep", "0.3"]);
    let sleep_span = wait_span(receiver, pid(&sleep_log));
    let slow = receiver
        .wait_for_span(|s| s.parent_span_id == sleep_span.span_id && s.name.contains("nanosleep"), TIMEOUT)
        .unwrap_or_else(|| {
            let all: Vec<String> = receiver
                .span_entries()
                .iter()
                .filter(|s| s.name.contains("sleep"))
                .map(|s| format!("{} {} <- {}", s.name, s.span_id, s.parent_span_id))
                .collect();
            panic!("no slow nanosleep span under {} ({}); sleep spans: {all:#?}", sleep_span.span_id, sleep_span.name)
        });
    assert_eq!(slow.trace_id, sleep_span.trace_id);
    assert!(slow.end_time_unix_nano - slow.start_time_unix_nano >= 290_000_000, "{slow:#?}");
    assert_eq!(slow.attributes.int("sysotel.syscall.return"), Some(0));

    // Container: its lifetime span roots the trace of everything inside.
    let marker = unique_marker();
    // Two commands, so the shell forks for the first (a lone command would be
    // exec'd in place, continuing the shell's span position).
    let inner = format!("/bin/echo {marker}; /bin/true");
    let id = podman::run(None, &["/bin/sh", "-c", &inner]).expect("running the container");
    let in_sh = exec_log(receiver, &["/bin/sh", "-c", &inner]);
    let in_echo = exec_log(receiver, &["/bin/echo", &marker]);
    let in_sh_span = wait_span(receiver, pid(&in_sh));
    let in_echo_span = wait_span(receiver, pid(&in_echo));
    let root = receiver
        .wait_for_span(
            |s| s.name.starts_with("container ") && s.attributes.str("container.id") == Some(id.as_str()),
            TIMEOUT,
        )
        .unwrap_or_else(|| panic!("no container span for {id}"));
    assert_eq!(root.parent_span_id, "");
    let tree: Vec<String> = receiver
        .span_entries()
        .iter()
        .filter(|s| s.trace_id == in_sh_span.trace_id)
        .map(|s| format!("{} {} <- {} pid={:?}", s.name, s.span_id, s.parent_span_id, s.attributes.int("process.pid")))
        .collect();
    assert_eq!(in_sh_span.parent_span_id, root.span_id, "container trace: {tree:#?}");
    assert_eq!(in_echo_span.parent_span_id, in_sh_span.span_id, "{in_echo_span:#?}");
    assert_eq!(in_echo_span.trace_id, root.trace_id);
    assert_eq!(in_echo_span.resource.str("container.id"), Some(id.as_str()), "spans go under the container resource");
}

//! Shutdown: SIGTERM flushes what the agent still holds, and no eBPF program
//! stays attached after the agent is gone, whether it was stopped or killed.

use std::{process::Command, time::Duration};

use sysotel_integration::agent::{Agent, OtlpProtocol, otlp_env};
use sysotel_integration::gate::require_integration;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::rotel::Rotel;
use sysotel_integration::workload::{run_marker_exec, unique_marker};

/// Loaded programs whose names are sysotel's (the kernel keeps 15 characters).
fn sysotel_programs() -> usize {
    let out = Command::new("bpftool").args(["prog", "show"]).output().expect("running bpftool");
    let text = String::from_utf8_lossy(&out.stdout);
    let names = ["sched_process_exec", "sched_process_fork", "sched_process_exit", "sys_enter", "sys_exit"];
    text.lines()
        .filter(|l| l.contains("name "))
        .filter(|l| l.split_whitespace().skip_while(|w| *w != "name").nth(1).is_some_and(|n| names.contains(&n)))
        .count()
}

fn is_marker(e: &sysotel_integration::records::LogEntry, marker: &str) -> bool {
    e.event_name == "sysotel.process.exec"
        && e.attributes.str_array("process.command_args").is_some_and(|a| a.contains(&marker))
}

#[test]
fn sigterm_flushes_and_nothing_stays_attached() {
    if !require_integration() {
        return;
    }
    // Programs of the previous test's agent are freed asynchronously after
    // it exits: let them go before counting.
    let settle = std::time::Instant::now() + Duration::from_secs(5);
    let mut before = sysotel_programs();
    while before > 0 && std::time::Instant::now() < settle {
        std::thread::sleep(Duration::from_millis(100));
        before = sysotel_programs();
    }
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    // A batch delay far beyond the test: only the shutdown flush can deliver.
    let mut env = otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint());
    env.retain(|(k, _)| k != "OTEL_BLRP_SCHEDULE_DELAY");
    env.push(("OTEL_BLRP_SCHEDULE_DELAY".into(), "600000".into()));
    let mut agent = Agent::start(env.clone());
    let running = sysotel_programs();
    assert!(running >= before + 5, "programs attached while running: {running}, before: {before}");

    let marker = unique_marker();
    run_marker_exec(&marker).expect("marker exec");
    std::thread::sleep(Duration::from_millis(500));
    assert!(receiver.log_entries().iter().all(|e| !is_marker(e, &marker)), "delivered before shutdown?");
    let status = agent.stop();
    assert!(status.success(), "agent exit status {status:?}: {}", agent.stderr_text());
    assert!(
        receiver.wait_for_log(|e| is_marker(e, &marker), Duration::from_secs(10)).is_some(),
        "the record held at SIGTERM was not flushed"
    );
    // The kernel frees programs shortly after their last reference goes.
    let detached =
        sysotel_integration::poll::poll_until(Duration::from_secs(10), || (sysotel_programs() == before).then_some(()));
    assert!(detached.is_some(), "programs left attached after SIGTERM: {}", sysotel_programs());
    drop(agent); // one agent per test process at a time

    // kill -9: the kernel drops the programs with the agent's descriptors.
    let agent = Agent::start(env);
    let pid = agent.pid();
    let killed = Command::new("kill").args(["-9", &pid.to_string()]).status().expect("kill");
    assert!(killed.success());
    let gone =
        sysotel_integration::poll::poll_until(Duration::from_secs(10), || (sysotel_programs() == before).then_some(()));
    assert!(gone.is_some(), "programs left attached after SIGKILL: {}", sysotel_programs());
    assert!(
        std::fs::read_dir("/sys/fs/bpf").map(|d| d.count()).unwrap_or(0) == 0 || !pinned_by_us(),
        "pinned objects left"
    );
}

/// Whether anything under /sys/fs/bpf looks like ours (sysotel pins nothing).
fn pinned_by_us() -> bool {
    std::fs::read_dir("/sys/fs/bpf")
        .map(|d| d.flatten().any(|e| e.file_name().to_string_lossy().to_ascii_lowercase().contains("sysotel")))
        .unwrap_or(false)
}

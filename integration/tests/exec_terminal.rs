//! With no collector configured, the agent prints each exec to stdout, fast.

use std::time::{Duration, Instant};

use sysotel_integration::agent::Agent;
use sysotel_integration::gate::require_integration;
use sysotel_integration::poll::poll_until;
use sysotel_integration::workload::{run_marker_exec, unique_marker};

/// The latency the terminal sink aims for.
const TARGET: Duration = Duration::from_secs(1);
/// The latency the test tolerates, for a loaded CI machine.
const LIMIT: Duration = Duration::from_secs(2);

/// Whether `line` holds `number` as a whole run of digits.
fn has_number(line: &str, number: u32) -> bool {
    let number = number.to_string();
    line.split(|c: char| !c.is_ascii_digit()).any(|token| token == number)
}

#[test]
fn exec_prints_a_terminal_line() {
    if !require_integration() {
        return;
    }
    // `Agent::start` drops inherited OTEL_* variables: no endpoint, so the
    // agent falls back to the terminal.
    let agent = Agent::start([("RUST_LOG", "info")]);
    let marker = unique_marker();

    let started = Instant::now();
    let (pid, _) = run_marker_exec(&marker).expect("running /bin/echo");
    let line = poll_until(LIMIT, || {
        agent
            .stdout_text()
            .lines()
            .find(|l| l.contains(&marker) && l.contains("exec") && has_number(l, pid))
            .map(str::to_owned)
    });
    let latency = started.elapsed();

    let Some(line) = line else {
        let stdout = agent.stdout_text();
        let related: Vec<&str> = stdout.lines().filter(|l| l.contains(&marker)).collect();
        panic!(
            "no stdout line with `exec`, pid {pid} and {marker} within {LIMIT:?}; \
             lines with the marker: {related:#?}"
        );
    };
    eprintln!("terminal latency {latency:?} (target {TARGET:?}): {line}");
    if latency > TARGET {
        eprintln!("warning: the terminal line took longer than {TARGET:?}");
    }
}

//! The agent fixture's plumbing, checked against fake agents written in sh.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::panic;
use std::path::PathBuf;

use super::*;

/// Writes an executable `sh` script into `dir` and returns its path.
fn fake_agent(dir: &ScratchDir, body: &str) -> PathBuf {
    let path = dir.path().join("fake-sysotel");
    let mut file =
        OpenOptions::new().write(true).create_new(true).mode(0o755).open(&path).expect("creating the fake agent");
    write!(file, "#!/bin/sh\n{body}\n").expect("writing the fake agent");
    path
}

#[test]
fn waits_for_ready_passes_env_and_stops_with_sigterm() {
    let dir = ScratchDir::create("fake-agent").expect("scratch dir");
    let script = fake_agent(
        &dir,
        r#"echo "args=$* endpoint=${OTEL_EXPORTER_OTLP_ENDPOINT:-unset} log=$RUST_LOG custom=$CUSTOM"
trap 'echo stopping >&2; exit 7' TERM
echo "sysotel ready" >&2
while :; do sleep 0.05; done"#,
    );
    let mut agent = Agent::start_binary(&script, [("CUSTOM", "x")]);
    assert!(agent.stderr_text().contains(READY_LINE));
    assert!(
        agent.stdout_text().contains("args=run endpoint=unset log=info custom=x"),
        "stdout: {}",
        agent.stdout_text()
    );
    let status = agent.stop();
    assert_eq!(status.code(), Some(7), "the fake exits 7 on SIGTERM");
    assert_eq!(agent.stop(), status, "a second stop returns the same status");
    assert!(agent.stderr_text().contains("stopping"));
}

#[test]
fn panics_with_output_when_the_agent_dies_early() {
    let dir = ScratchDir::create("fake-agent").expect("scratch dir");
    let script = fake_agent(&dir, "echo 'cannot load probes' >&2; exit 3");
    let payload =
        panic::catch_unwind(|| Agent::start_binary(&script, [("RUST_LOG", "debug")])).expect_err("start must panic");
    let message = payload.downcast_ref::<String>().expect("a formatted panic message");
    assert!(message.contains("the agent exited with exit status: 3"), "{message}");
    assert!(message.contains("cannot load probes"), "{message}");
}

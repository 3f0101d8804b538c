//! Secrets on command lines never reach the collector: logs and spans carry
//! `[REDACTED]` where the password, token or key was.

use std::{process::Command, time::Duration};

use sysotel_integration::gate::require_integration;
use sysotel_integration::stack::Stack;
use sysotel_integration::workload::unique_marker;

#[test]
fn command_line_secrets_are_redacted_before_export() {
    if !require_integration() {
        return;
    }
    let stack = Stack::start(&[("OTEL_BSP_SCHEDULE_DELAY", "200")]);
    let receiver = &stack.receiver;

    let marker = unique_marker();
    let secret = format!("hunter2-{marker}");
    let args = [
        marker.clone(),
        format!("--password={secret}"),
        "--token".to_string(),
        secret.clone(),
        format!("AWS_SECRET_ACCESS_KEY={secret}"),
        format!("https://bob:{secret}@example.invalid/"),
    ];
    let status = Command::new("/bin/echo").args(&args).status().expect("running echo");
    assert!(status.success());

    let entry = receiver
        .wait_for_log(
            |e| {
                e.event_name == "sysotel.process.exec"
                    && e.attributes.str_array("process.command_args").is_some_and(|a| a.contains(&marker.as_str()))
            },
            Duration::from_secs(20),
        )
        .expect("the exec record");
    let got = entry.attributes.str_array("process.command_args").expect("args");
    assert_eq!(
        got,
        vec![
            "/bin/echo",
            marker.as_str(),
            "--password=[REDACTED]",
            "--token",
            "[REDACTED]",
            "AWS_SECRET_ACCESS_KEY=[REDACTED]",
            "https://bob:[REDACTED]@example.invalid/",
        ]
    );
    // Give the process span time to arrive too, then search everything received.
    let _ = receiver.wait_for_span(
        |s| s.attributes.int("process.pid") == entry.attributes.int("process.pid"),
        Duration::from_secs(10),
    );
    let everything = format!("{:?}{:?}", receiver.logs(), receiver.spans());
    assert!(!everything.contains("hunter2"), "a secret reached the collector");
}

//! Least privilege: the agent runs as an unprivileged user holding only
//! CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH (the chart's
//! set; CAP_SYS_RESOURCE is only needed before Linux 5.11 and is not in this
//! sandbox's bounding set), and still sees and exports other users' execs.

use std::{os::unix::fs::PermissionsExt as _, time::Duration};

use sysotel_integration::agent::{Agent, OtlpProtocol, otlp_env};
use sysotel_integration::gate::require_integration;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::rotel::Rotel;
use sysotel_integration::workload::{run_marker_exec, unique_marker};

const CAPS: &str = "+bpf,+perfmon,+sys_ptrace,+dac_read_search";

#[test]
fn runs_as_nobody_with_four_capabilities() {
    if !require_integration() {
        return;
    }
    // `Agent` runs `<binary> run`: a wrapper drops to nobody with the caps.
    let dir = std::env::temp_dir().join(format!("sysotel-it-caps-{}", unique_marker()));
    std::fs::create_dir_all(&dir).expect("dir");
    let wrapper = dir.join("sysotel-as-nobody");
    let script = format!(
        "#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps={CAPS} --ambient-caps={CAPS} {} \"$@\"\n",
        Agent::binary().display()
    );
    std::fs::write(&wrapper, script).expect("write wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let agent = Agent::start_binary(&wrapper, otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint()));
    let status = std::fs::read_to_string(format!("/proc/{}/status", agent.pid())).unwrap_or_default();
    // The wrapper execs setpriv which execs sysotel: same pid, now nobody.
    assert!(status.lines().any(|l| l.starts_with("Uid:") && l.contains("65534")), "{status}");

    let marker = unique_marker();
    let (pid, _) = run_marker_exec(&marker).expect("marker exec");
    let entry = receiver
        .wait_for_log(
            |e| {
                e.event_name == "sysotel.process.exec"
                    && e.attributes.str_array("process.command_args").is_some_and(|a| a.contains(&marker.as_str()))
            },
            Duration::from_secs(20),
        )
        .unwrap_or_else(|| panic!("no exec record from the unprivileged agent: {}", agent.stderr_text()));
    assert_eq!(entry.attributes.int("process.pid"), Some(i64::from(pid)));
    assert_eq!(entry.attributes.int("process.real_user.id"), Some(0), "root's exec seen by nobody");
    let _ = std::fs::remove_dir_all(&dir);
}

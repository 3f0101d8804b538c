//! The probes the Helm chart points Kubernetes at: `/healthz` answers while
//! the agent runs, `/readyz` once programs are attached and the first export
//! attempt finished, here against a real collector.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use sysotel_integration::agent::{Agent, OtlpProtocol, otlp_env};
use sysotel_integration::gate::require_integration;
use sysotel_integration::net::free_ports;
use sysotel_integration::poll::poll_until;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::rotel::Rotel;

fn get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.1\r\nhost: localhost\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

#[test]
fn probes_report_live_and_ready() {
    if !require_integration() {
        return;
    }
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let [port] = free_ports::<1>().expect("a free port");
    let mut env = otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint());
    env.push(("SYSOTEL_HEALTH_ADDR".into(), format!("127.0.0.1:{port}")));
    let _agent = Agent::start(env);

    let live = get(port, "/healthz").expect("healthz answers");
    assert!(live.starts_with("HTTP/1.1 200"), "{live}");
    let ready = poll_until(Duration::from_secs(15), || get(port, "/readyz").filter(|r| r.starts_with("HTTP/1.1 200")));
    assert!(ready.is_some(), "readyz never became 200: {:?}", get(port, "/readyz"));
    // The first export the readiness waited for carried the agent's start event.
    assert!(
        receiver.wait_for_log(|e| e.event_name == "sysotel.agent.start", Duration::from_secs(10)).is_some(),
        "no sysotel.agent.start record"
    );
    let missing = get(port, "/nope").expect("answers unknown paths");
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}

//! Collector outages: the agent keeps running, bounded in memory, while its
//! collector is gone, delivers again once a collector is back on the same
//! address, and reports what it lost as `sysotel.agent.drops`
//! (`sysotel.drop.reason = export_failed`).

use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sysotel_integration::agent::{Agent, OtlpProtocol, otlp_env};
use sysotel_integration::gate::require_integration;
use sysotel_integration::poll::poll_until;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::records::{LogEntry, MetricPoint};
use sysotel_integration::rotel::Rotel;
use sysotel_integration::vitals::{alive, vm_rss_kib};
use sysotel_integration::workload::{run_marker_exec, unique_marker};

/// How long a record has to arrive while the collector is up.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the agent has to deliver again once the collector is back.
const RESUME_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the collector stays down.
const OUTAGE: Duration = Duration::from_secs(6);
/// Short-lived execs run during the outage.
const OUTAGE_EXECS: usize = 200;
/// Marker execs run during the outage (spread over the short ones).
const OUTAGE_MARKERS: usize = 4;
/// How much the agent's resident memory may grow during the outage.
const MAX_RSS_GROWTH_KIB: u64 = 64 * 1024;

fn marker_exec(entry: &LogEntry, marker: &str) -> bool {
    entry.event_name == "sysotel.process.exec"
        && entry.attributes.str_array("process.command_args").is_some_and(|a| a == ["/bin/echo", marker])
}

fn now_ns() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn run_true() {
    let status = Command::new("/bin/true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("running /bin/true");
    assert!(status.success());
}

/// The `sysotel.agent.drops{reason=export_failed}` value of `p`, if it is one.
fn export_failed(p: &MetricPoint) -> Option<i64> {
    (p.name == "sysotel.agent.drops" && p.attributes.str("sysotel.drop.reason") == Some("export_failed"))
        .then(|| p.value.as_int())
        .flatten()
}

/// The latest `sysotel.agent.events` value stamped at or after `since_ns`.
fn latest_events(receiver: &Receiver, since_ns: u64) -> Option<(u64, i64)> {
    receiver
        .metric_points()
        .iter()
        .filter(|p| p.name == "sysotel.agent.events" && p.time_unix_nano >= since_ns)
        .filter_map(|p| Some((p.time_unix_nano, p.value.as_int()?)))
        .max_by_key(|(t, _)| *t)
}

fn delivered(receiver: &Receiver, markers: &[String]) -> usize {
    let entries = receiver.log_entries();
    markers.iter().filter(|m| entries.iter().any(|e| marker_exec(e, m))).count()
}

#[test]
fn agent_survives_a_collector_outage_and_resumes() {
    if !require_integration() {
        return;
    }
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let mut rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let (grpc_port, http_port) = rotel.ports();
    let mut env = otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint());
    for (k, v) in [
        ("OTEL_METRIC_EXPORT_INTERVAL", "1000"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "200"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
        ("SYSOTEL_REPORT_INTERVAL_SECS", "1"),
    ] {
        env.push((k.into(), v.into()));
    }
    let agent = Agent::start(env);
    let pid = agent.pid();

    // Healthy: a marker exec arrives.
    let before = unique_marker();
    run_marker_exec(&before).expect("marker exec");
    receiver
        .wait_for_log(|e| marker_exec(e, &before), ARRIVAL_TIMEOUT)
        .unwrap_or_else(|| panic!("no exec record for `/bin/echo {before}` with the collector up"));
    let (_, events_before) = poll_until(ARRIVAL_TIMEOUT, || latest_events(&receiver, 0))
        .expect("no sysotel.agent.events point with the collector up");

    // Fault: the collector dies; activity goes on for OUTAGE.
    let status = rotel.kill().expect("killing rotel");
    let outage_start = Instant::now();
    let rss_start = vm_rss_kib(pid).expect("reading the agent's VmRSS");
    let mut rss_max = rss_start;
    let mut down_markers = Vec::new();
    let mut execs = 0;
    for i in 0..OUTAGE_EXECS {
        run_true();
        execs += 1;
        if i % (OUTAGE_EXECS / OUTAGE_MARKERS) == 0 {
            let marker = unique_marker();
            run_marker_exec(&marker).expect("marker exec");
            execs += 1;
            down_markers.push(marker);
        }
        if i % 20 == 0 {
            rss_max = rss_max.max(vm_rss_kib(pid).unwrap_or(0));
        }
    }
    while outage_start.elapsed() < OUTAGE {
        assert!(alive(pid), "the agent (pid {pid}) died while the collector was down");
        rss_max = rss_max.max(vm_rss_kib(pid).unwrap_or(0));
        thread::sleep(Duration::from_millis(200));
    }
    assert!(alive(pid), "the agent (pid {pid}) died while the collector was down");
    let rss_end = vm_rss_kib(pid).expect("reading the agent's VmRSS");
    rss_max = rss_max.max(rss_end);
    println!(
        "outage: rotel killed ({status}); {execs} execs ({} markers) in {:?}; agent VmRSS {rss_start} KiB -> \
         {rss_end} KiB (max {rss_max} KiB)",
        down_markers.len(),
        outage_start.elapsed()
    );
    assert!(
        rss_max.saturating_sub(rss_start) <= MAX_RSS_GROWTH_KIB,
        "the agent's VmRSS grew from {rss_start} KiB to {rss_max} KiB while the collector was down"
    );

    // Recovery: a new collector on the same ports.
    drop(rotel);
    let restarted_ns = now_ns();
    let rotel = Rotel::start_on(grpc_port, http_port, &receiver.endpoint()).expect("restarting rotel");
    let restarted = Instant::now();
    let after = unique_marker();
    run_marker_exec(&after).expect("marker exec");
    let resumed = receiver.wait_for_log(|e| marker_exec(e, &after), RESUME_TIMEOUT);
    let resumed_in = restarted.elapsed();
    let drops = receiver.wait_for_metric(
        |p| p.time_unix_nano >= restarted_ns && export_failed(p).is_some_and(|v| v > 0),
        RESUME_TIMEOUT,
    );
    let events_after = poll_until(RESUME_TIMEOUT, || latest_events(&receiver, restarted_ns)).map(|(_, v)| v);
    let dropped = drops.as_ref().and_then(export_failed);
    let late = delivered(&receiver, &down_markers);
    println!(
        "collector outage of {OUTAGE:?}: generated {} execs ({} markers: 1 before, {} during, 1 after); \
         delivered markers: before {}, during {late}/{}, after {}{}; counted as dropped \
         (export_failed): {}; sysotel.agent.events {events_before} -> {}",
        execs + 2,
        down_markers.len() + 2,
        down_markers.len(),
        1,
        down_markers.len(),
        usize::from(resumed.is_some()),
        if resumed.is_some() { format!(" (within {resumed_in:?} of the restart)") } else { String::new() },
        dropped.map_or_else(|| "none reported".to_owned(), |v| v.to_string()),
        events_after.map_or_else(|| "none reported".to_owned(), |v| v.to_string()),
    );

    assert!(alive(pid), "the agent (pid {pid}) died after the collector came back");
    assert!(
        resumed.is_some(),
        "no exec record for `/bin/echo {after}` within {RESUME_TIMEOUT:?} of rotel restarting on the same ports"
    );
    assert!(
        drops.is_some(),
        "no sysotel.agent.drops{{sysotel.drop.reason=export_failed}} > 0 after the restart; export_failed points \
         seen: {:?}",
        receiver.metric_points().iter().filter_map(export_failed).collect::<Vec<_>>()
    );
    let events_after = events_after.expect("no sysotel.agent.events point after the restart");
    assert!(
        events_after > events_before,
        "sysotel.agent.events did not increase across the outage: {events_before} -> {events_after}"
    );
    drop(rotel);
    drop(agent);
}

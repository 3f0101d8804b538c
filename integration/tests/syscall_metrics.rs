//! Syscall metrics end to end: a program that makes an exact number of
//! `getppid` calls, on the host and inside a podman container, and the
//! cumulative `sysotel.syscalls` / `sysotel.syscall.duration` points that
//! arrive at the collector under the right Resource, also from a
//! metrics-only agent.

use std::{process::Command, time::Duration};

use sysotel_integration::agent::{Agent, OtlpProtocol, otlp_env};
use sysotel_integration::gate::require_integration;
use sysotel_integration::loops::getppid_loop;
use sysotel_integration::podman;
use sysotel_integration::poll::poll_until;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::records::{MetricPoint, PointValue};
use sysotel_integration::rotel::Rotel;

const CALLS: u64 = 12_345;

/// The latest cumulative value of getppid calls under resources matching `pick`.
fn getppid_calls(receiver: &Receiver, pick: &dyn Fn(&MetricPoint) -> bool) -> Option<(i64, u64)> {
    let points = receiver.metric_points();
    let latest = |name: &str| {
        points
            .iter()
            .filter(|p| p.name == name && pick(p) && p.attributes.str("sysotel.syscall.name") == Some("getppid"))
            .max_by_key(|p| p.time_unix_nano)
            .cloned()
    };
    let calls = latest("sysotel.syscalls")?;
    let hist = latest("sysotel.syscall.duration")?;
    let PointValue::Histogram { count, .. } = hist.value else { return None };
    Some((calls.value.as_int()?, count))
}

/// The loop, the busybox image, a receiver behind rotel, and the agent's
/// OTLP/gRPC environment for it.
fn setup() -> (std::path::PathBuf, Receiver, Rotel, Vec<(String, String)>) {
    let bin = getppid_loop().expect("building the getppid loop");
    podman::ensure_image().expect("building the busybox test image");
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let env = otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint());
    (bin, receiver, rotel, env)
}

/// Runs the loop in a container and waits for its exact count under the
/// container's Resource: the loop is the only real getppid caller there
/// (runc's init makes a couple before exec). Returns the container id, the
/// count and the histogram's count.
fn loop_in_container(bin: &std::path::Path, receiver: &Receiver) -> (String, i64, u64) {
    let dir = bin.parent().expect("loop dir").display().to_string();
    let id = podman::run_with(&["-v", &format!("{dir}:/w:ro")], None, &["/w/getppid_loop", &CALLS.to_string()])
        .expect("running the loop in a container");
    let (calls, hist_count) = container_calls(receiver, &id).unwrap_or_else(|| {
        panic!("no getppid count >= {CALLS} for container {id}: {:?}", getppid_calls(receiver, &in_container(&id)))
    });
    assert!(
        (CALLS as i64..=CALLS as i64 + 10).contains(&calls),
        "container {id} made {CALLS} getppid calls (+ runc's few), metrics say {calls}"
    );
    assert_eq!(hist_count, calls as u64, "the duration histogram counts every call");
    (id, calls, hist_count)
}

#[test]
fn getppid_counts_arrive_per_container_and_host() {
    if !require_integration() {
        return;
    }
    let (bin, receiver, _rotel, mut env) = setup();
    env.push(("RUST_LOG".into(), "info,sysotel::pipeline::metrics=debug".into()));
    let agent = Agent::start(env);

    let (id, calls, hist_count) = loop_in_container(&bin, &receiver);
    let mine = in_container(&id);

    // The container has exited: its kernel slots are freed for other
    // cgroups, and its cumulative series carries on from the retired totals.
    let retired =
        poll_until(Duration::from_secs(20), || agent.stderr_text().contains("syscall metrics: retired").then_some(()));
    assert!(retired.is_some(), "the removed container's kernel slots were never freed:\n{}", agent.stderr_text());
    let seen_retired = receiver.metric_points().len();
    let later = poll_until(Duration::from_secs(20), || {
        (receiver.metric_points().len() > seen_retired).then(|| getppid_calls(&receiver, &mine)).flatten()
    });
    assert_eq!(later, Some((calls, hist_count)), "the retired container's series must keep its totals");

    // On the host: other processes may call getppid too, so allow a little more.
    let host = |p: &MetricPoint| p.resource.str("container.id").is_none() && p.resource.str("host.name").is_some();
    let before = getppid_calls(&receiver, &host).map_or(0, |(c, _)| c);
    let status = Command::new(&bin).arg(CALLS.to_string()).status().expect("running the loop on the host");
    assert!(status.success());
    let after = poll_until(Duration::from_secs(20), || {
        getppid_calls(&receiver, &host).map(|(c, _)| c).filter(|c| *c >= before + CALLS as i64)
    })
    .unwrap_or_else(|| panic!("host getppid count did not grow by {CALLS} from {before}"));
    assert!(after - before < CALLS as i64 + 1_000, "host count grew by {} for {CALLS} calls", after - before);

    // The agent's own health travels with the metrics.
    let points = receiver.metric_points();
    assert!(points.iter().any(|p| p.name == "sysotel.agent.events"), "no self-metrics");
    assert!(points.iter().any(|p| p.name == "sysotel.agent.ringbuf.usage"), "no ring buffer gauge");
    assert!(
        points
            .iter()
            .any(|p| p.name == "sysotel.agent.exports" && p.attributes.str("sysotel.signal") == Some("traces")),
        "span exports are counted"
    );
    assert!(
        points.iter().any(|p| p.name == "sysotel.agent.drops" && p.attributes.str("sysotel.drop.reason") == Some("ringbuf_full")),
        "drop reasons are always reported"
    );
}

/// Picks the points under container `id`'s Resource.
fn in_container(id: &str) -> impl Fn(&MetricPoint) -> bool + '_ {
    move |p: &MetricPoint| p.resource.str("container.id") == Some(id)
}

/// Waits up to 20 s for container `id`'s getppid count to reach [`CALLS`].
fn container_calls(receiver: &Receiver, id: &str) -> Option<(i64, u64)> {
    poll_until(Duration::from_secs(20), || {
        getppid_calls(receiver, &in_container(id)).filter(|(calls, _)| *calls >= CALLS as i64)
    })
}

/// [`setup`] with an agent that exports metrics only.
fn metrics_only_agent() -> (std::path::PathBuf, Receiver, Rotel, Agent) {
    let (bin, receiver, rotel, mut env) = setup();
    env.push(("OTEL_LOGS_EXPORTER".into(), "none".into()));
    env.push(("OTEL_TRACES_EXPORTER".into(), "none".into()));
    (bin, receiver, rotel, Agent::start(env))
}

#[test]
fn metrics_only_still_names_short_lived_containers() {
    if !require_integration() {
        return;
    }
    let (bin, receiver, _rotel, _agent) = metrics_only_agent();

    // A container that lives a few milliseconds: its cgroup is gone before
    // any scan of the cgroup tree, so only the exec event names it.
    loop_in_container(&bin, &receiver);
    assert!(receiver.log_entries().is_empty(), "logs are off, yet records arrived");
}

#[test]
fn a_container_gone_before_its_records_are_read_is_still_named() {
    if !require_integration() {
        return;
    }
    let (bin, receiver, _rotel, agent) = metrics_only_agent();

    // Freeze the agent's userspace; its kernel programs keep filling the
    // ring buffer and the maps. The container runs, exits and loses its
    // cgroup before the agent reads one record of it, so neither the cgroup
    // tree nor /proc can name it any more: only the kernel's cgroup_mkdir
    // record, taken when the cgroup was created, can.
    let pid = i32::try_from(agent.pid()).expect("pid fits");
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0, "stopping the agent");
    let dir = bin.parent().expect("loop dir").display().to_string();
    let ran = podman::run_with(&["-v", &format!("{dir}:/w:ro")], None, &["/w/getppid_loop", &CALLS.to_string()]);
    let root = cgroup2_mount();
    let gone = ran
        .as_ref()
        .ok()
        .and_then(|id| poll_until(Duration::from_secs(10), || (!has_dir_named(&root, id, 6)).then_some(())));
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0, "resuming the agent");
    let id = ran.expect("running the loop in a container");
    assert!(gone.is_some(), "the cgroup of container {id} was still there 10 s after it exited");

    assert!(
        container_calls(&receiver, &id).is_some(),
        "no getppid count >= {CALLS} under container {id}, whose cgroup was gone before the agent read its records"
    );
}

/// Whether a directory below `dir` (at most `depth` levels down) has `needle` in its name.
fn has_dir_named(dir: &std::path::Path, needle: &str, depth: u32) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().filter(|e| e.file_type().is_ok_and(|t| t.is_dir())).any(|e| {
        e.file_name().to_string_lossy().contains(needle) || (depth > 0 && has_dir_named(&e.path(), needle, depth - 1))
    })
}

/// The first cgroup2 mount (`/sys/fs/cgroup` on a unified host, or
/// `/sys/fs/cgroup/unified` on a hybrid one).
fn cgroup2_mount() -> std::path::PathBuf {
    let mounts = std::fs::read_to_string("/proc/self/mounts").expect("reading /proc/self/mounts");
    mounts
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|f| f.len() > 2 && f[2] == "cgroup2")
        .map(|f| std::path::PathBuf::from(f[1]))
        .expect("no cgroup2 mount")
}

/// A cgroup v2 directory named like a Docker container's scope, removed on drop.
struct ScopeCgroup(std::path::PathBuf);

impl Drop for ScopeCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

#[test]
fn calls_after_a_cgroup_move_count_under_the_new_cgroup() {
    if !require_integration() {
        return;
    }
    // The agent caches the running thread's cgroup per CPU between context
    // switches. A running thread moved by another process keeps its CPU, so
    // only the migration hook makes its next calls count under the new
    // cgroup.
    let bin = sysotel_integration::loops::cgroup_moved_loop().expect("building the cgroup move loop");
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let mut env = otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint());
    env.push(("OTEL_LOGS_EXPORTER".into(), "none".into()));
    env.push(("OTEL_TRACES_EXPORTER".into(), "none".into()));
    let _agent = Agent::start(env);

    for round in 1..=3_u32 {
        let id = format!("{:056x}{:08x}", u64::from(std::process::id()), round);
        let scope = ScopeCgroup(cgroup2_mount().join(format!("docker-{id}.scope")));
        std::fs::create_dir(&scope.0).unwrap_or_else(|e| panic!("creating {}: {e}", scope.0.display()));
        let status =
            Command::new(&bin).arg(&scope.0).arg(CALLS.to_string()).status().expect("running the cgroup move loop");
        assert!(status.success(), "the move loop failed in round {round}");
        // The child's calls between the move and the go-ahead count there
        // too, so at least CALLS.
        let in_scope = |p: &MetricPoint| p.resource.str("container.id") == Some(id.as_str());
        let got = poll_until(Duration::from_secs(20), || {
            getppid_calls(&receiver, &in_scope).filter(|(calls, _)| *calls >= CALLS as i64)
        });
        assert!(
            got.is_some(),
            "round {round}: the {CALLS} getppid calls after the move must count under the new cgroup, got {:?}",
            getppid_calls(&receiver, &in_scope)
        );
    }
}

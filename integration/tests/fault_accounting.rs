//! Fault injection with accounting: for each fault, the marker events the
//! test generated, those delivered to the collector, and those the agent
//! counted as dropped.
//!
//! The markers are files opened for writing (`open_flood`): each is exactly
//! one `sysotel.security.file` record with a distinct `file.path`. Every test
//! runs the same steps around its fault:
//!
//! 1. healthy: markers are generated and all arrive; the agent's drop
//!    counters are read from its last self-metrics (the baseline);
//! 2. the fault, with markers generated while it lasts; meanwhile the agent
//!    must stay up and its `VmRSS` under [`RSS_BOUND_KIB`];
//! 3. the fault clears: a marker generated now must arrive;
//! 4. a graceful stop; its summary line gives the final counters.
//!
//! Then no loss may be silent: `delivered <= generated` and
//! `generated - delivered <= dropped`, where `dropped` is the increase of the
//! log-path loss counters (ring buffer full, pipeline queue full, malformed,
//! log export failed, export queue full) from the baseline to the summary.
//! Other host activity also produces (and may lose) events, so the two sides
//! are printed but only the inequality is asserted. Each kind of loss that
//! grew must also have grown in the self-metrics and been logged on stderr
//! as `... in the last interval ...`, at most once per report interval.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use std::{env, fs};

use sysotel_integration::agent::{Agent, OtlpProtocol, otlp_env};
use sysotel_integration::events::FILE;
use sysotel_integration::fake_kube::FakeKube;
use sysotel_integration::flood::run_open_flood;
use sysotel_integration::gate::require_integration;
use sysotel_integration::poll::poll_until;
use sysotel_integration::receiver::Receiver;
use sysotel_integration::records::{LogEntry, MetricPoint};
use sysotel_integration::rotel::Rotel;
use sysotel_integration::stack::Stack;
use sysotel_integration::vitals::{alive, vm_rss_kib};
use sysotel_integration::workload::unique_marker;

/// How long markers have to arrive with everything healthy.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a marker generated after the fault has to arrive.
const RESUME_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the delivered count must stay still to count as final.
const SETTLE_QUIET: Duration = Duration::from_millis(1500);
/// Upper bound for the delivered count to settle.
const SETTLE_MAX: Duration = Duration::from_secs(15);
/// A generous bound on the agent's resident memory during a fault.
const RSS_BOUND_KIB: u64 = 256 * 1024;
/// Markers generated before the fault, all of which must arrive.
const HEALTHY_MARKERS: u64 = 10;
/// Markers generated after the fault; at least one must arrive.
const RESUME_MARKERS: u64 = 20;
/// `SYSOTEL_REPORT_INTERVAL_SECS` of every agent here.
const REPORT_INTERVAL_SECS: u64 = 1;

/// Agent settings shared by every fault: file events only (less noise), loss
/// reports every second, metrics every second, a 1 s export timeout.
const BASE_ENV: &[(&str, &str)] = &[
    ("SYSOTEL_SECURITY_EVENTS", "file"),
    ("SYSOTEL_REPORT_INTERVAL_SECS", "1"),
    ("OTEL_METRIC_EXPORT_INTERVAL", "1000"),
    ("OTEL_BLRP_SCHEDULE_DELAY", "200"),
    ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
];

// ---------------------------------------------------------------------------
// Markers

/// A directory of marker files `m-<i>`, numbered in generation order;
/// removed on drop (after the agent has stopped, when declared before it).
struct Markers {
    dir: PathBuf,
    /// `<dir>/m-`, the `file.path` prefix of every marker.
    prefix: String,
    generated: u64,
}

impl Markers {
    fn create(fault: &str) -> Self {
        let dir = env::temp_dir().join(format!("sysotel-it-fault-{fault}-{}", unique_marker()));
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        // The agent reports resolved paths.
        let dir = fs::canonicalize(&dir).expect("canonical marker dir");
        let prefix = format!("{}/m-", dir.display());
        Self { dir, prefix, generated: 0 }
    }

    /// Opens `n` new marker files for writing; returns their numbers.
    fn generate(&mut self, n: u64) -> std::ops::Range<u64> {
        let first = self.generated;
        run_open_flood(&self.dir, "m", first, n).unwrap_or_else(|e| panic!("{e:#}"));
        self.generated += n;
        first..self.generated
    }

    /// The marker number of `entry`, if it is the open of a marker file.
    fn number(&self, entry: &LogEntry) -> Option<u64> {
        if entry.event_name != FILE {
            return None;
        }
        let syscall = entry.attributes.str("sysotel.syscall.name")?;
        if !(syscall.starts_with("open") || syscall == "creat") {
            return None;
        }
        entry.attributes.str("file.path")?.strip_prefix(&self.prefix)?.parse().ok()
    }

    /// Distinct markers delivered, and the number of marker records (with repeats).
    fn delivered(&self, receiver: &Receiver) -> (BTreeSet<u64>, usize) {
        let numbers: Vec<u64> = receiver.log_entries().iter().filter_map(|e| self.number(e)).collect();
        let records = numbers.len();
        (numbers.into_iter().collect(), records)
    }

    /// Whether every marker in `range` arrives within `timeout`.
    fn wait_all(&self, receiver: &Receiver, range: std::ops::Range<u64>, timeout: Duration) -> bool {
        poll_until(timeout, || range.clone().all(|i| self.delivered(receiver).0.contains(&i)).then_some(())).is_some()
    }

    /// Whether any marker in `range` arrives within `timeout`.
    fn wait_any(&self, receiver: &Receiver, range: std::ops::Range<u64>, timeout: Duration) -> bool {
        poll_until(timeout, || self.delivered(receiver).0.iter().any(|i| range.contains(i)).then_some(())).is_some()
    }

    /// The delivered markers once their count has stayed still for [`SETTLE_QUIET`].
    fn settled(&self, receiver: &Receiver) -> (BTreeSet<u64>, usize) {
        let deadline = Instant::now() + SETTLE_MAX;
        let mut last = self.delivered(receiver);
        let mut still_since = Instant::now();
        while Instant::now() < deadline && still_since.elapsed() < SETTLE_QUIET {
            thread::sleep(Duration::from_millis(250));
            let now = self.delivered(receiver);
            if now.1 != last.1 {
                still_since = Instant::now();
                last = now;
            }
        }
        last
    }
}

impl Drop for Markers {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------
// Loss counters

/// The kinds of loss on the path of a log record, as `sysotel.drop.reason`.
const KINDS: [&str; 5] = ["ringbuf_full", "queue_full", "decode_error", "export_failed", "export_queue_full"];

/// Log-path loss counters, in [`KINDS`] order; `export_failed` counts log
/// records only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Losses([u64; 5]);

impl Losses {
    /// From the agent's stop summary: "stopped: R records received, L logs
    /// emitted, ..., X lost to a full ring buffer, Q dropped on a full queue,
    /// D malformed; logs exported E, failed F, dropped on a full export queue
    /// G", read by label (each part is a number and its label).
    fn from_summary(stderr: &str) -> Option<Self> {
        let line = stderr.lines().rev().find(|l| l.contains("stopped: ") && l.contains("records received"))?;
        let (_, message) = line.split_once("stopped: ")?;
        let mut counts = Vec::new();
        for part in message.split([',', ';']) {
            let words: Vec<&str> = part.split_whitespace().collect();
            let at = words.iter().position(|w| w.bytes().all(|b| b.is_ascii_digit()))?;
            let label: Vec<&str> = words.iter().enumerate().filter(|&(i, _)| i != at).map(|(_, w)| *w).collect();
            counts.push((label.join(" "), words[at].parse::<u64>().ok()?));
        }
        let get = |label: &str| counts.iter().find(|(l, _)| l == label).map(|(_, n)| *n);
        Some(Self([
            get("lost to a full ring buffer")?,
            get("dropped on a full queue")?,
            get("malformed")?,
            get("failed")?,
            get("dropped on a full export queue")?,
        ]))
    }

    /// The highest value of each counter in the self-metrics received so far.
    fn from_metrics(points: &[MetricPoint]) -> Self {
        let mut losses = [0; 5];
        for p in points {
            let Some(value) = p.value.as_int().and_then(|v| u64::try_from(v).ok()) else { continue };
            let kind = match p.name.as_str() {
                "sysotel.agent.drops" => p.attributes.str("sysotel.drop.reason").filter(|r| *r != "export_failed"),
                "sysotel.agent.exports"
                    if p.attributes.str("sysotel.signal") == Some("logs")
                        && p.attributes.str("sysotel.export.outcome") == Some("failure") =>
                {
                    Some("export_failed")
                }
                _ => None,
            };
            if let Some(i) = kind.and_then(|k| KINDS.iter().position(|x| *x == k)) {
                losses[i] = losses[i].max(value);
            }
        }
        Self(losses)
    }

    fn since(self, base: Self) -> Self {
        Self(std::array::from_fn(|i| self.0[i].saturating_sub(base.0[i])))
    }

    fn total(self) -> u64 {
        self.0.iter().sum()
    }

    fn get(self, kind: &str) -> u64 {
        KINDS.iter().position(|k| *k == kind).map_or(0, |i| self.0[i])
    }

    fn describe(self) -> String {
        KINDS.iter().zip(self.0).map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ")
    }
}

/// Whether `line` is the agent's per-interval report of a `kind` loss.
fn reports_loss(kind: &str, line: &str) -> bool {
    if !line.contains("in the last interval") {
        return false;
    }
    let lower = line.to_ascii_lowercase();
    match kind {
        "ringbuf_full" => line.contains("events lost: kernel ring buffer full"),
        "queue_full" => line.contains("events dropped: pipeline queue full"),
        "decode_error" => line.contains("malformed records dropped"),
        "export_queue_full" => line.contains("log records dropped: export queue full"),
        // No fixed wording yet: a per-interval line about failed log exports.
        "export_failed" => lower.contains("export") && lower.contains("fail"),
        _ => false,
    }
}

// ---------------------------------------------------------------------------
// The agent's vital signs

/// Samples the agent's liveness and `VmRSS` every 50 ms on a thread.
struct Vitals {
    stop: Arc<AtomicBool>,
    max_rss: Arc<AtomicU64>,
    died: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Vitals {
    fn watch(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let max_rss = Arc::new(AtomicU64::new(0));
        let died = Arc::new(AtomicBool::new(false));
        let thread = thread::spawn({
            let (stop, max_rss, died) = (Arc::clone(&stop), Arc::clone(&max_rss), Arc::clone(&died));
            move || {
                while !stop.load(Ordering::Relaxed) {
                    match vm_rss_kib(pid).filter(|_| alive(pid)) {
                        Some(kib) => _ = max_rss.fetch_max(kib, Ordering::Relaxed),
                        None => died.store(true, Ordering::Relaxed),
                    }
                    thread::sleep(Duration::from_millis(50));
                }
            }
        });
        Self { stop, max_rss, died, thread: Some(thread) }
    }

    /// Stops sampling; returns the highest `VmRSS` (KiB) and whether the agent was ever seen dead.
    fn finish(mut self) -> (u64, bool) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        (self.max_rss.load(Ordering::Relaxed), self.died.load(Ordering::Relaxed))
    }
}

impl Drop for Vitals {
    /// Also stops sampling when a test fails before [`Vitals::finish`].
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------
// One fault run

/// Receiver, collector and agent, with the markers and measurements of one fault.
struct Run {
    fault: &'static str,
    stack: Stack,
    started: Instant,
    baseline: Losses,
    healthy: u64,
    during: u64,
    resumed: u64,
    rss_max_kib: u64,
    /// Kinds of loss the fault must cause.
    must_drop: &'static [&'static str],
    problems: Vec<String>,
    notes: String,
    /// Declared last: removed after the agent stopped.
    markers: Markers,
}

impl Run {
    /// Starts the stack with [`BASE_ENV`] plus `extra`, generates healthy
    /// markers, waits for all of them and reads the baseline counters.
    fn start(fault: &'static str, extra: &[(&str, &str)]) -> Self {
        let markers = Markers::create(fault);
        let mut env: Vec<(&str, &str)> = BASE_ENV.to_vec();
        env.extend_from_slice(extra);
        let started = Instant::now();
        let stack = Stack::start(&env);
        let mut run = Self {
            fault,
            stack,
            started,
            baseline: Losses::default(),
            healthy: 0,
            during: 0,
            resumed: 0,
            rss_max_kib: 0,
            must_drop: &[],
            problems: Vec::new(),
            notes: String::new(),
            markers,
        };
        let healthy = run.markers.generate(HEALTHY_MARKERS);
        run.healthy = HEALTHY_MARKERS;
        assert!(
            run.markers.wait_all(&run.stack.receiver, healthy.clone(), ARRIVAL_TIMEOUT),
            "{fault}: with nothing wrong yet, only {:?} of markers {healthy:?} arrived within {ARRIVAL_TIMEOUT:?}",
            run.markers.delivered(&run.stack.receiver).0
        );
        let receiver = &run.stack.receiver;
        let has_drops = || receiver.metric_points().iter().any(|p| p.name == "sysotel.agent.drops").then_some(());
        assert!(poll_until(ARRIVAL_TIMEOUT, has_drops).is_some(), "{fault}: no sysotel.agent.drops points arrived");
        run.baseline = Losses::from_metrics(&receiver.metric_points());
        run
    }

    fn pid(&self) -> u32 {
        self.stack.agent.pid()
    }

    /// Markers generated while the fault lasts.
    fn generate_during(&mut self, n: u64) {
        self.markers.generate(n);
        self.during += n;
    }

    /// Records a failed expectation; all of them are reported at the end.
    fn expect(&mut self, ok: bool, problem: impl FnOnce() -> String) {
        if !ok {
            self.problems.push(problem());
        }
    }

    /// Ends the fault window: the agent must have stayed up, within the memory bound.
    fn fault_over(&mut self, vitals: Vitals) {
        let (rss_max, died) = vitals.finish();
        self.rss_max_kib = rss_max;
        let pid = self.pid();
        self.expect(!died && alive(pid), || format!("the agent (pid {pid}) died during the fault"));
        self.expect(rss_max <= RSS_BOUND_KIB, || {
            format!("the agent's VmRSS reached {rss_max} KiB during the fault (bound {RSS_BOUND_KIB} KiB)")
        });
    }

    /// The fault has cleared: markers generated now must arrive.
    fn expect_resume(&mut self) {
        let range = self.markers.generate(RESUME_MARKERS);
        self.resumed = RESUME_MARKERS;
        let cleared = Instant::now();
        let resumed = self.markers.wait_any(&self.stack.receiver, range.clone(), RESUME_TIMEOUT);
        let _ = write!(self.notes, " resumed_in={:?}", cleared.elapsed());
        self.expect(resumed, || {
            format!("none of markers {range:?}, generated after the fault, arrived within {RESUME_TIMEOUT:?}")
        });
        let pid = self.pid();
        self.expect(alive(pid), || format!("the agent (pid {pid}) is gone after the fault cleared"));
    }

    /// Stops the agent, prints the accounting line and asserts everything.
    fn finish(mut self) {
        let fault = self.fault;
        let status = self.stack.agent.stop();
        let lifetime = self.started.elapsed();
        let stderr = self.stack.agent.stderr_text();
        self.expect(status.success(), || format!("the agent exited with {status} after SIGTERM"));
        let summary = Losses::from_summary(&stderr);
        let (delivered, records) = self.markers.settled(&self.stack.receiver);
        let generated = self.markers.generated;
        let window = summary.unwrap_or_default().since(self.baseline);
        let dropped = window.total();
        let delivered_n = delivered.len() as u64;
        println!(
            "fault={fault} generated={generated} delivered={delivered_n} dropped={dropped} ({}) \
             [markers: healthy {}, during {}, after {}; marker records {records}; agent VmRSS max {}{}]",
            window.describe(),
            self.healthy,
            self.during,
            self.resumed,
            if self.rss_max_kib == 0 {
                "n/a (no fault window)".to_owned()
            } else {
                format!("{} KiB", self.rss_max_kib)
            },
            self.notes,
        );
        let Some(summary) = summary else {
            self.problems.push("no stop summary (\"stopped: ...\") on the agent's stderr".to_owned());
            return self.report(&stderr);
        };
        self.expect(delivered_n <= generated, || format!("delivered {delivered_n} > generated {generated}"));
        let lost = generated.saturating_sub(delivered_n);
        self.expect(lost <= dropped, || {
            format!(
                "silent loss: generated {generated} - delivered {delivered_n} = {lost} > counted as dropped {dropped}"
            )
        });
        for kind in self.must_drop {
            self.expect(window.get(kind) > 0, || {
                format!("{kind}: the fault should have caused such losses; none counted")
            });
        }
        let metrics = Losses::from_metrics(&self.stack.receiver.metric_points());
        let intervals = lifetime.as_secs() / REPORT_INTERVAL_SECS + 2;
        for kind in KINDS.into_iter().filter(|k| window.get(k) > 0) {
            let (base, seen, total) = (self.baseline.get(kind), metrics.get(kind), summary.get(kind));
            self.expect(seen > base, || {
                format!("{kind}: the summary counts {total} (baseline {base}) but the self-metrics show at most {seen}")
            });
            let lines = stderr.lines().filter(|l| reports_loss(kind, l)).count() as u64;
            self.expect(lines > 0, || {
                format!("{kind}: {} lost but no \"... in the last interval\" line about it", window.get(kind))
            });
            self.expect(lines <= intervals, || {
                format!("{kind}: {lines} loss lines in {lifetime:?}: more than one per interval")
            });
        }
        self.report(&stderr);
    }

    fn report(self, stderr: &str) {
        if self.problems.is_empty() {
            return;
        }
        let interesting: Vec<&str> = stderr
            .lines()
            .filter(|l| {
                l.contains("WARN") || l.contains("ERROR") || l.contains("stopped:") || l.contains("last interval")
            })
            .collect();
        panic!(
            "fault {}:\n  - {}\n--- agent stderr (warnings, losses, summary) ---\n{}",
            self.fault,
            self.problems.join("\n  - "),
            interesting.join("\n")
        );
    }
}

/// Sends `signal` to `pid`.
fn signal(pid: u32, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(pid).expect("pid fits pid_t");
    // SAFETY: kill(2) has no memory-safety preconditions; `pid` is a child we have not reaped.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal}): {}", std::io::Error::last_os_error());
}

/// Keeps a process stopped (SIGSTOP); continues it (SIGCONT) on drop, also on failure.
struct Stalled(u32);

impl Stalled {
    fn stop(pid: u32) -> Self {
        signal(pid, libc::SIGSTOP);
        Self(pid)
    }
}

impl Drop for Stalled {
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.0) {
            // SAFETY: as in `signal`; no assertion here, this may run while unwinding.
            unsafe { libc::kill(pid, libc::SIGCONT) };
        }
    }
}

// ---------------------------------------------------------------------------
// The faults

#[test]
fn collector_killed_and_restarted() {
    if !require_integration() {
        return;
    }
    let mut run = Run::start("collector_killed_and_restarted", &[]);
    let (grpc_port, http_port) = run.stack.rotel.ports();
    let vitals = Vitals::watch(run.pid());
    run.stack.rotel.kill().expect("killing rotel");
    let outage = Instant::now();
    for _ in 0..5 {
        run.generate_during(100);
        thread::sleep(Duration::from_millis(500));
    }
    run.fault_over(vitals);
    let _ = write!(run.notes, " outage={:?}", outage.elapsed());
    run.stack.rotel = Rotel::start_on(grpc_port, http_port, &run.stack.receiver.endpoint()).expect("restarting rotel");
    run.expect_resume();
    run.finish();
}

#[test]
fn collector_stalled() {
    if !require_integration() {
        return;
    }
    let mut run = Run::start("collector_stalled", &[("OTEL_BLRP_MAX_QUEUE_SIZE", "256")]);
    let vitals = Vitals::watch(run.pid());
    let stalled = Stalled::stop(run.stack.rotel.pid());
    let stall = Instant::now();
    run.generate_during(2000);
    // Past the 1 s export timeout, several times over.
    thread::sleep(Duration::from_secs(3));
    run.generate_during(500);
    thread::sleep(Duration::from_secs(1));
    run.fault_over(vitals);
    drop(stalled);
    let _ = write!(run.notes, " stall={:?}", stall.elapsed());
    run.expect_resume();
    run.must_drop = &["export_queue_full"];
    run.finish();
}

#[test]
fn ring_buffer_flooded() {
    if !require_integration() {
        return;
    }
    // 16 KiB: a few dozen records; the flood is thousands of times that.
    let mut run = Run::start("ring_buffer_flooded", &[("SYSOTEL_RING_BUFFER_BYTES", "16384")]);
    let vitals = Vitals::watch(run.pid());
    let flood = Instant::now();
    run.generate_during(60_000);
    let _ = write!(run.notes, " flood={:?}", flood.elapsed());
    // Let the agent drain and report the interval with the losses.
    thread::sleep(Duration::from_millis(1500));
    run.fault_over(vitals);
    run.expect_resume();
    run.must_drop = &["ringbuf_full"];
    run.finish();
}

#[test]
fn kubernetes_api_down() {
    if !require_integration() {
        return;
    }
    let kube = FakeKube::start(Vec::new());
    let kube_port = kube.port();
    let url = kube.url();
    let mut run = Run::start("kubernetes_api_down", &[("K8S_NODE_NAME", "node-a"), ("SYSOTEL_KUBE_API_URL", &url)]);
    let watching = poll_until(ARRIVAL_TIMEOUT, || kube.requests().iter().any(|r| r.contains("watch=")).then_some(()));
    assert!(watching.is_some(), "the agent never watched the fake API's pods; requests: {:?}", kube.requests());
    let unreachable = |agent: &Agent| agent.stderr_text().contains("Kubernetes API unreachable");
    assert!(!unreachable(&run.stack.agent), "the API was reported unreachable while it was up");
    let vitals = Vitals::watch(run.pid());
    drop(kube);
    let down = Instant::now();
    run.generate_during(200);
    let agent = &run.stack.agent;
    let warned = poll_until(ARRIVAL_TIMEOUT, || unreachable(agent).then(|| down.elapsed()));
    run.expect(warned.is_some(), || {
        format!("no \"Kubernetes API unreachable\" warning within {ARRIVAL_TIMEOUT:?} of the API going away")
    });
    let _ = write!(
        run.notes,
        " unreachable_logged_after={}",
        warned.map_or_else(|| "never".to_owned(), |d| format!("{d:?}"))
    );
    run.generate_during(200);
    let during = run.healthy..run.healthy + run.during;
    let delivered = run.markers.wait_any(&run.stack.receiver, during.clone(), ARRIVAL_TIMEOUT);
    run.expect(delivered, || format!("no marker of {during:?} arrived while the Kubernetes API was down"));
    run.fault_over(vitals);
    let _ = write!(run.notes, " api_down={:?}", down.elapsed());
    // The API returns where the agent points: it must call it again.
    let kube = FakeKube::start_on(kube_port, Vec::new());
    let back = Instant::now();
    run.expect_resume();
    let rewatched = poll_until(RESUME_TIMEOUT, || (!kube.requests().is_empty()).then_some(()));
    run.expect(rewatched.is_some(), || {
        format!("the agent did not call the API within {RESUME_TIMEOUT:?} of its return")
    });
    let _ = write!(
        run.notes,
        " api_requests_after_return={:?} within {:?}; \"reachable again\" logged: {}",
        kube.requests(),
        back.elapsed(),
        run.stack.agent.stderr_text().contains("Kubernetes API reachable again")
    );
    run.finish();
    drop(kube);
}

/// A rule whose condition names an undefined macro.
const BAD_RULES: &str = "- rule: Broken on purpose\n  desc: x\n  condition: evt.type = openat and no_such_macro\n  \
                         output: x\n  priority: WARNING\n";
const GOOD_RULES: &str =
    "- rule: Fault accounting\n  desc: x\n  condition: evt.type = openat\n  output: x\n  priority: DEBUG\n";
/// How long `sysotel run` may take to refuse a bad rule file.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(15);

#[test]
fn bad_rule_file() {
    if !require_integration() {
        return;
    }
    let markers = Markers::create("bad_rule_file");
    let bad = markers.dir.join("bad.yaml");
    let good = markers.dir.join("good.yaml");
    fs::write(&bad, BAD_RULES).expect("writing the bad rule file");
    fs::write(&good, GOOD_RULES).expect("writing the good rule file");
    let receiver = Receiver::start().expect("starting the OTLP receiver");
    let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
    let mut env = otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint());
    env.extend(BASE_ENV.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));

    let started = Instant::now();
    let (status, stderr) = refused_run(&bad, &env);
    let refused_in = started.elapsed();
    thread::sleep(Duration::from_millis(1500));
    let (logs, points) = (receiver.log_entries().len(), receiver.metric_points().len());
    println!(
        "fault=bad_rule_file generated=0 delivered=0 dropped=0 [{status} after {refused_in:?}; \
         records at the collector: {logs} logs, {points} metric points]"
    );
    let (line, col) = position(BAD_RULES, "no_such_macro");
    let expected = format!("{}:{line}:{col}: ", bad.display());
    assert!(status.code().is_some_and(|c| c != 0), "sysotel run with a bad rule file exited with {status}:\n{stderr}");
    assert!(stderr.lines().any(|l| l.starts_with(&expected)), "no line starting {expected:?} on stderr:\n{stderr}");
    assert!(!stderr.contains("sysotel ready"), "it must refuse before loading anything:\n{stderr}");
    assert_eq!((logs, points), (0, 0), "a refused agent exported something");
    drop(rotel);
    drop(receiver);

    // The same agent with a valid rule file starts and delivers.
    let path = good.display().to_string();
    let mut run = Run::start("bad_rule_file", &[("SYSOTEL_RULES", &path)]);
    run.fault = "bad_rule_file phase=valid_restart";
    run.expect_resume();
    run.finish();
    drop(markers);
}

/// Runs `sysotel run` with `env`, which must make it exit within
/// [`REFUSAL_TIMEOUT`]; returns how it exited and its stderr.
fn refused_run(rules: &Path, env: &[(String, String)]) -> (std::process::ExitStatus, String) {
    let mut command = Command::new(Agent::binary());
    command.arg("run").stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    for (name, _) in env::vars_os() {
        if name.to_string_lossy().starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    let mut child =
        command.envs(env.iter().cloned()).env("SYSOTEL_RULES", rules).spawn().expect("spawning sysotel run");
    let exited = poll_until(REFUSAL_TIMEOUT, || child.try_wait().expect("polling sysotel run"));
    if exited.is_none() {
        let _ = child.kill();
    }
    let out = child.wait_with_output().expect("reading sysotel run's stderr");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(exited.is_some(), "sysotel run with a bad rule file still ran after {REFUSAL_TIMEOUT:?}:\n{stderr}");
    (out.status, stderr)
}

/// 1-based line and column of the first `needle` in `text`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    text.lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
        .unwrap_or_else(|| panic!("{needle:?} is not in the rule file"))
}

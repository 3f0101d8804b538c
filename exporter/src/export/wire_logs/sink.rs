//! [`WireSink`]: records encoded on arrival, batched, and sent by one
//! export task, with every record accounted for. [`WireLogSink`] carries
//! log records; the same sink carries spans (`export::wire_spans`), whose
//! requests frame resources and scopes with the same field numbers.
//!
//! The consumer loop calls [`LogSink::emit`], which encodes the record into
//! the open batch (see [`super::batch`]) and never waits: a full batch goes
//! into a bounded channel with `try_send`. The export task sends batches,
//! up to `MAX_IN_FLIGHT` at once, and also closes the open batch when its
//! oldest record is `OTEL_BLRP_SCHEDULE_DELAY` old.
//!
//! Accounting: a record is *pending* from `emit` until its batch's export
//! finished. At `OTEL_BLRP_MAX_QUEUE_SIZE` pending records `emit` drops and
//! counts (`queue_dropped`); a batch that finds the channel full is dropped
//! and counted the same way. An export counts its records as exported or
//! failed (a partial success counts the rejected ones as failed).

use std::{
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
        mpsc as std_mpsc,
    },
    time::{Duration, Instant, SystemTime},
};

use bytes::Bytes;
use futures::{StreamExt as _, stream::FuturesUnordered};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use prost::Message as _;
use thiserror::Error;
use tokio::sync::mpsc;

use super::{
    batch::{Batch, Batcher},
    security,
};
use crate::{
    config::otel_env::OutputFile,
    enrich::{ContainerIdentity, ProcessContext},
    export::{
        ExportStats, LogSink,
        otlp_wire::{BuildError, ConfigError, EncodedLogs, WireConfig, WireRequest, WireSender},
    },
    security::SecurityRecord,
    signals::{LogEvent, traces::SpanRef},
};

/// Pending-record bound when `OTEL_BLRP_MAX_QUEUE_SIZE` is not set: the
/// SDK's 2048 overflows in a burst of file events.
pub const DEFAULT_QUEUE: usize = 16_384;

/// Export batch size when `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE` is not set.
/// With one batch in flight the SDK's 512 exported only 17-25k logs/s to a
/// local collector. 2048 security records are about 1.5 MB, well under
/// the 4 MiB request limit collectors default to.
pub const DEFAULT_BATCH: usize = 2_048;

/// `OTEL_BLRP_SCHEDULE_DELAY` default (the specification's).
pub const DEFAULT_DELAY: Duration = Duration::from_millis(1_000);

/// The `OTEL_BLRP_*` batching settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchSettings {
    /// Records held (open batch, queued batches, the one in flight) before
    /// new ones are dropped.
    pub max_queue: usize,
    pub max_batch: usize,
    /// How old the oldest record of the open batch gets before it is sent.
    pub delay: Duration,
}

impl BatchSettings {
    /// From `lookup` (the process environment in production); unparsable
    /// or zero values fall back to the defaults, and the batch never
    /// exceeds the queue.
    #[must_use]
    pub fn resolve(lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        Self::resolve_with(
            "OTEL_BLRP",
            Self { max_queue: DEFAULT_QUEUE, max_batch: DEFAULT_BATCH, delay: DEFAULT_DELAY },
            lookup,
        )
    }

    /// [`Self::resolve`] for the variables `{prefix}_MAX_QUEUE_SIZE`,
    /// `{prefix}_MAX_EXPORT_BATCH_SIZE` and `{prefix}_SCHEDULE_DELAY` (ms),
    /// with `defaults` (`OTEL_BSP` for spans).
    #[must_use]
    pub fn resolve_with(prefix: &str, defaults: Self, lookup: &dyn Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str| {
            lookup(&format!("{prefix}_{name}")).and_then(|v| v.trim().parse::<u64>().ok()).filter(|n| *n > 0)
        };
        let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let max_queue = number("MAX_QUEUE_SIZE").map_or(defaults.max_queue, to_usize);
        let max_batch = number("MAX_EXPORT_BATCH_SIZE").map_or(defaults.max_batch, to_usize).min(max_queue);
        let delay = number("SCHEDULE_DELAY").map_or(defaults.delay, Duration::from_millis);
        Self { max_queue, max_batch, delay }
    }

    /// Full batches the channel holds: the queue's worth, at least two.
    fn channel_batches(&self) -> usize {
        (self.max_queue / self.max_batch).max(2)
    }

    /// How often the export task looks for a due batch.
    fn poll_every(&self) -> Duration {
        (self.delay / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
    }
}

/// Why the sink could not be set up.
#[derive(Debug, Error)]
pub enum SetupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// A signal a [`WireSink`] carries: the request its batches become, and how
/// they are written to a file.
pub trait WireSignal: Send + Sync + 'static {
    /// An encoded request of the signal.
    type Request: WireRequest;
    /// What one record is called in messages ("log", "span").
    const ITEM: &'static str;
    /// The request whose protobuf is `body`.
    fn request(body: Bytes) -> Self::Request;
    /// Writes the request `body` as one OTLP/JSON line.
    ///
    /// # Errors
    /// A description when `body` does not decode or cannot be written.
    fn write_file(file: &OutputFile, body: Bytes) -> Result<(), String>;
}

/// Log records: `ExportLogsServiceRequest`s.
pub struct Logs;

impl WireSignal for Logs {
    type Request = EncodedLogs;
    const ITEM: &'static str = "log";

    fn request(body: Bytes) -> EncodedLogs {
        EncodedLogs(body)
    }

    fn write_file(file: &OutputFile, body: Bytes) -> Result<(), String> {
        let req = ExportLogsServiceRequest::decode(body).map_err(|e| e.to_string())?;
        crate::export::otlp_file::write_logs(file, &req).map_err(|e| e.to_string())
    }
}

/// Where batches go.
pub enum Destination<S: WireSignal = Logs> {
    /// A collector, configured by the `OTEL_EXPORTER_OTLP_[<SIGNAL>_]*` variables.
    Otlp(Box<WireSender<S::Request>>),
    /// OTLP/JSON lines in a file.
    File(OutputFile),
}

impl<S: WireSignal> Destination<S> {
    /// The collector from the process environment.
    ///
    /// # Errors
    /// [`SetupError`] for bad variables, TLS files, endpoint or headers, or
    /// outside a Tokio runtime.
    pub fn otlp_from_env() -> Result<Self, SetupError> {
        let config = WireConfig::from_env(<S::Request as WireRequest>::SIGNAL)?;
        Ok(Destination::Otlp(Box::new(WireSender::new(&config)?)))
    }

    /// How long one export may take, retries included.
    fn timeout(&self) -> Duration {
        match self {
            Destination::Otlp(sender) => sender.timeout(),
            Destination::File(_) => Duration::from_secs(1),
        }
    }

    /// Sends one batch; `Ok` carries the records the receiver rejected.
    async fn deliver(&self, batch: &Batch) -> Result<u64, String> {
        match self {
            Destination::Otlp(sender) => match sender.send(S::request(batch.body.clone())).await {
                Ok(outcome) => Ok(u64::try_from(outcome.rejected).unwrap_or(0).min(batch.records)),
                Err(e) => Err(e.to_string()),
            },
            Destination::File(file) => S::write_file(file, batch.body.clone()).map(|()| 0),
        }
    }
}

/// State shared by the sink and its export task.
struct Shared {
    batcher: Mutex<Batcher>,
    /// Records accepted and not yet through an export.
    pending: AtomicU64,
    stats: Arc<ExportStats>,
}

impl Shared {
    fn batcher(&self) -> std::sync::MutexGuard<'_, Batcher> {
        self.batcher.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `records` left the sink without an export (channel full, closed).
    fn dropped(&self, records: u64) {
        self.pending.fetch_sub(records, Ordering::Relaxed);
        self.stats.queue_dropped.fetch_add(records, Ordering::Relaxed);
    }
}

/// The OTLP (or OTLP/JSON file) sink of signal `S`.
pub struct WireSink<S: WireSignal> {
    shared: Arc<Shared>,
    queue: Option<mpsc::Sender<Batch>>,
    capacity: u64,
    finished: std_mpsc::Receiver<()>,
    /// Upper bound for the export task to finish at shutdown.
    drain_budget: Duration,
    /// The observed time set by [`LogSink::observing`].
    observed: Option<SystemTime>,
    signal: std::marker::PhantomData<S>,
}

/// The log sink.
pub type WireLogSink = WireSink<Logs>;

impl<S: WireSignal> WireSink<S> {
    /// Starts the export task on the current Tokio runtime.
    ///
    /// `base` is the agent's Resource (containers' Resources extend it);
    /// outcomes are counted in `stats`.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    #[must_use]
    pub fn start(
        destination: Destination<S>,
        base: Vec<opentelemetry::KeyValue>,
        schema_url: Option<&str>,
        settings: BatchSettings,
        stats: Arc<ExportStats>,
    ) -> Self {
        let shared = Arc::new(Shared {
            batcher: Mutex::new(Batcher::new(semconv::SCOPE, base, schema_url, settings.max_batch)),
            pending: AtomicU64::new(0),
            stats,
        });
        let (tx, rx) = mpsc::channel(settings.channel_batches());
        let (done_tx, finished) = std_mpsc::channel();
        let drain_budget = destination.timeout() * 2 + Duration::from_secs(1);
        tokio::spawn(export_loop(rx, Arc::clone(&shared), destination, settings, done_tx));
        Self {
            shared,
            queue: Some(tx),
            capacity: settings.max_queue as u64,
            finished,
            drain_budget,
            observed: None,
            signal: std::marker::PhantomData,
        }
    }

    /// Records accepted and not yet exported (or failed).
    #[must_use]
    pub fn pending(&self) -> u64 {
        self.shared.pending.load(Ordering::Relaxed)
    }

    fn enqueue(&self, batch: Batch) {
        let Some(queue) = &self.queue else {
            self.shared.dropped(batch.records);
            return;
        };
        if let Err(mpsc::error::TrySendError::Full(b) | mpsc::error::TrySendError::Closed(b)) = queue.try_send(batch) {
            self.shared.dropped(b.records);
        }
    }

    /// Admits one record (counting it pending) or counts it dropped when
    /// the export queue is full or gone.
    fn admit(&self) -> bool {
        if self.queue.is_none() || self.shared.pending.load(Ordering::Relaxed) >= self.capacity {
            self.shared.stats.queue_dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        self.shared.pending.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Admits one record of `container` and encodes it with `write` (one
    /// record field of the scope message) into the open batch, sending the
    /// batch when it is full.
    pub(crate) fn push_record(&self, container: Option<&Arc<ContainerIdentity>>, write: impl FnOnce(&mut Vec<u8>)) {
        if !self.admit() {
            return;
        }
        let full = self.shared.batcher().push_with(container, Instant::now, write);
        if let Some(batch) = full {
            self.enqueue(batch);
        }
    }

    /// Sends the open batch and waits for the export task to finish what it
    /// holds. Call from a thread that may block (not a Tokio worker).
    ///
    /// # Errors
    /// Records still being exported when the drain budget ran out.
    pub(crate) fn close(&mut self) -> Result<(), String> {
        let Some(queue) = self.queue.take() else { return Ok(()) };
        let rest = self.shared.batcher().take();
        if let Some(batch) = rest
            && let Err(e) = queue.blocking_send(batch)
        {
            self.shared.dropped(e.0.records);
        }
        drop(queue);
        match self.finished.recv_timeout(self.drain_budget) {
            Ok(()) | Err(std_mpsc::RecvTimeoutError::Disconnected) => Ok(()),
            Err(std_mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "{} {} records still being exported after {:?}",
                self.pending(),
                S::ITEM,
                self.drain_budget
            )),
        }
    }
}

impl LogSink for WireLogSink {
    fn emit(&mut self, event: LogEvent) {
        let observed = self.observed.unwrap_or_else(SystemTime::now);
        self.push_record(event.container.as_ref(), |buf| super::encode::record(buf, &event, observed));
    }

    fn emit_security(
        &mut self,
        rec: SecurityRecord,
        ctx: &ProcessContext,
        container: Option<Arc<ContainerIdentity>>,
        time: SystemTime,
        trace: Option<SpanRef>,
    ) {
        let observed = self.observed.unwrap_or_else(SystemTime::now);
        self.push_record(container.as_ref(), |buf| {
            security::security_record(buf, rec, ctx, time, observed, trace.as_ref());
        });
    }

    fn observing(&mut self, now: Option<SystemTime>) {
        self.observed = now;
    }

    /// Sends the open batch and waits for the export task to finish what it
    /// holds. Call from a thread that may block (not a Tokio worker).
    fn shutdown(&mut self) -> Result<(), String> {
        self.close()
    }
}

/// Exports running at once. One at a time caps throughput at a batch per
/// round trip (about 54,000 records/s to a local rotel in the flood bench,
/// with the agent's CPU half idle); collectors take concurrent requests.
const MAX_IN_FLIGHT: usize = 4;

/// Sends queued batches, and the open one once it is due, until the sink
/// closes the channel and the last export finished; then signals `done`.
async fn export_loop<S: WireSignal>(
    mut queue: mpsc::Receiver<Batch>,
    shared: Arc<Shared>,
    destination: Destination<S>,
    settings: BatchSettings,
    done: std_mpsc::Sender<()>,
) {
    let destination = &destination;
    let mut poll = tokio::time::interval(settings.poll_every());
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut in_flight = FuturesUnordered::new();
    let mut open = true;
    loop {
        let room = open && in_flight.len() < MAX_IN_FLIGHT;
        let batch = tokio::select! {
            biased;
            Some((records, outcome)) = in_flight.next(), if !in_flight.is_empty() => {
                let outcome: Result<u64, String> = outcome;
                let failed = outcome.as_ref().map_or(records, |rejected| *rejected);
                shared.stats.record(records, failed, outcome.err().as_deref(), S::ITEM);
                shared.pending.fetch_sub(records, Ordering::Relaxed);
                continue;
            }
            next = queue.recv(), if room => match next {
                Some(batch) => batch,
                None => {
                    open = false;
                    continue;
                }
            },
            _ = poll.tick(), if room => {
                let due = {
                    let mut batcher = shared.batcher();
                    if batcher.due(Instant::now(), settings.delay) { batcher.take() } else { None }
                };
                match due {
                    Some(batch) => batch,
                    None => continue,
                }
            }
            else => break,
        };
        in_flight.push(async move {
            let outcome = destination.deliver(&batch).await;
            (batch.records, outcome)
        });
    }
    let _ = done.send(());
}

#[cfg(test)]
#[path = "sink_tests.rs"]
mod tests;

//! Small helpers of the running agent: loss reporting and task guards.

use exporter_common::stats::Stat;

use crate::{bpf::KernelStats, export::ExportStats, source::SourceCounters};

/// Aborts a background task when dropped.
pub(super) struct AbortOnDrop(pub(super) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Logs each kind of loss once per interval, with the increase.
#[derive(Default)]
pub(super) struct LossReporter {
    decode_errors: u64,
    queue_full: u64,
    export_queue_full: u64,
    export_failed: u64,
    pub(super) ringbuf_full: u64,
}

impl LossReporter {
    pub(super) fn report(&mut self, counters: &SourceCounters, stats: &KernelStats, export: &ExportStats) {
        let (_, _, decode_errors, queue_full) = counters.snapshot();
        let export_queue_full = export.queue_dropped.load(std::sync::atomic::Ordering::Relaxed);
        let export_failed = export.failed_records.load(std::sync::atomic::Ordering::Relaxed);
        let ringbuf_full = stats.totals().iter().find(|(s, _)| *s == Stat::RingbufFull).map_or(0, |(_, v)| *v);
        for (what, now, before) in [
            ("events lost: kernel ring buffer full", ringbuf_full, &mut self.ringbuf_full),
            ("events dropped: pipeline queue full", queue_full, &mut self.queue_full),
            ("malformed records dropped", decode_errors, &mut self.decode_errors),
            ("log records dropped: export queue full", export_queue_full, &mut self.export_queue_full),
            ("log records lost: export failed", export_failed, &mut self.export_failed),
        ] {
            if now > *before {
                tracing::warn!("{what}: {} in the last interval, {now} in total", now - *before);
                *before = now;
            }
        }
    }
}

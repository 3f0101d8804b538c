//! The agent's own health as metrics, under the host Resource.
//!
//! - `sysotel.agent.events` (Counter, `{event}`): records read from the
//!   kernel ring buffer.
//! - `sysotel.agent.drops` (Counter, `{event}`): losses by
//!   `sysotel.drop.reason` (`ringbuf_full`, `queue_full`, `decode_error`,
//!   `syscall_stats_full`, `syscall_errnos_full`, `export_failed`).
//! - `sysotel.agent.exports` (Counter, `{record}`): records handed to a
//!   collector by `sysotel.signal` and `sysotel.export.outcome`.
//! - `sysotel.agent.process_table.size`, `sysotel.agent.cgroups`,
//!   `sysotel.agent.ringbuf.usage` (Gauges).

use opentelemetry::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::{ResourceMetrics, ScopeMetrics};
use semconv::{attribute as attr, metric};

use super::proto::{counter, gauge, int_point, resource, scope, str_kv};

/// Totals at one instant (cumulative since start).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentCounters {
    pub events: u64,
    pub ringbuf_full: u64,
    pub queue_full: u64,
    pub decode_errors: u64,
    pub syscall_stats_full: u64,
    pub syscall_errnos_full: u64,
    pub logs_exported: u64,
    pub logs_failed: u64,
    /// Log records dropped because the export queue was full.
    pub logs_queue_dropped: u64,
    pub metrics_exported: u64,
    pub metrics_failed: u64,
    pub traces_exported: u64,
    pub traces_failed: u64,
    /// Bytes waiting in the kernel ring buffer, as last sampled by a program.
    pub ringbuf_used_bytes: u64,
    pub process_table_size: u64,
    pub cgroups: u64,
}

/// The agent's metrics under the `base` Resource.
#[must_use]
pub fn agent_metrics(c: &AgentCounters, base: &[KeyValue], start_ns: u64, now_ns: u64) -> ResourceMetrics {
    let p = |attrs, v| int_point(attrs, start_ns, now_ns, v);
    let drops = [
        ("ringbuf_full", c.ringbuf_full),
        ("queue_full", c.queue_full),
        ("decode_error", c.decode_errors),
        ("syscall_stats_full", c.syscall_stats_full),
        ("syscall_errnos_full", c.syscall_errnos_full),
        ("export_failed", c.logs_failed + c.metrics_failed + c.traces_failed),
        ("export_queue_full", c.logs_queue_dropped),
    ]
    .into_iter()
    .map(|(reason, v)| p(vec![str_kv(attr::DROP_REASON, reason)], v))
    .collect();
    let exports = [
        ("logs", "success", c.logs_exported),
        ("logs", "failure", c.logs_failed),
        ("metrics", "success", c.metrics_exported),
        ("metrics", "failure", c.metrics_failed),
        ("traces", "success", c.traces_exported),
        ("traces", "failure", c.traces_failed),
    ]
    .into_iter()
    .map(|(signal, outcome, v)| p(vec![str_kv(attr::SIGNAL, signal), str_kv(attr::EXPORT_OUTCOME, outcome)], v))
    .collect();
    let metrics = vec![
        counter(
            metric::AGENT_EVENTS,
            "Records read from the kernel ring buffer.",
            "{event}",
            vec![p(vec![], c.events)],
        ),
        counter(metric::AGENT_DROPS, "Events and records lost, by reason.", "{event}", drops),
        counter(metric::AGENT_EXPORTS, "Records handed to a collector, by signal and outcome.", "{record}", exports),
        gauge(
            metric::AGENT_PROCESS_TABLE_SIZE,
            "Processes in the agent's process table.",
            "{process}",
            vec![p(vec![], c.process_table_size)],
        ),
        gauge(metric::AGENT_CGROUPS, "cgroups known to the agent.", "{cgroup}", vec![p(vec![], c.cgroups)]),
        gauge(
            metric::AGENT_RINGBUF_USAGE,
            "Bytes waiting in the kernel ring buffer when a program last wrote to it.",
            "By",
            vec![p(vec![], c.ringbuf_used_bytes)],
        ),
    ];
    ResourceMetrics {
        resource: Some(resource(base)),
        scope_metrics: vec![ScopeMetrics { scope: Some(scope()), metrics, ..Default::default() }],
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::metrics::v1::{metric::Data, number_data_point::Value};

    use super::*;

    #[test]
    fn every_drop_reason_is_reported() {
        let c = AgentCounters { ringbuf_full: 5, queue_full: 2, events: 9, ..Default::default() };
        let rm = agent_metrics(&c, &[], 1, 2);
        let drops = rm.scope_metrics[0].metrics.iter().find(|m| m.name == "sysotel.agent.drops").unwrap();
        let Some(Data::Sum(s)) = &drops.data else { panic!("sum") };
        assert_eq!(s.data_points.len(), 7);
        let ring = s
            .data_points
            .iter()
            .find(|p| p.attributes.iter().any(|kv| format!("{:?}", kv.value).contains("ringbuf_full")))
            .unwrap();
        assert_eq!(ring.value, Some(Value::AsInt(5)));
    }
}

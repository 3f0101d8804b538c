//! The OTLP sink: log records through the OpenTelemetry SDK's batch
//! processor to a collector, over gRPC or HTTP as configured.
//!
//! # One Resource per container
//!
//! An SDK provider has exactly one Resource, and container/pod attributes
//! belong on the Resource (Loki indexes `k8s.*` from it, Tempo groups by
//! it). So the sink keeps one provider for the host (the agent's resource)
//! and one per active container (the agent's resource plus the container's
//! `container.*`/`k8s.*` attributes), created on first use. Container
//! providers are bounded: at most `max_containers` live at once (least
//! recently used evicted), and one idle for `idle_after` is retired; a
//! retired provider is flushed and shut down on a background thread. A
//! container whose attributes change (pod metadata arriving later) gets a
//! fresh provider. Each provider's batch processor runs one thread, so the
//! bound also bounds threads and collector connections.

use std::{
    collections::HashMap,
    sync::{Arc, mpsc},
    time::{Duration, Instant, SystemTime},
};

use opentelemetry::{
    KeyValue,
    logs::{LogRecord as _, Logger as _, LoggerProvider as _},
};
use opentelemetry_otlp::{LogExporter, WithExportConfig as _};
use opentelemetry_sdk::{
    Resource,
    logs::{SdkLogger, SdkLoggerProvider},
};
use thiserror::Error;

use super::{ExportStats, LogSink, Observed};
use crate::{config::Protocol, enrich::ContainerIdentity, signals::LogEvent};

#[derive(Debug, Error)]
#[error("cannot build the OTLP {protocol} log exporter: {source}")]
pub struct OtlpSetupError {
    pub protocol: &'static str,
    #[source]
    pub source: opentelemetry_otlp::ExporterBuildError,
}

struct Provider {
    provider: SdkLoggerProvider,
    logger: SdkLogger,
}

struct ContainerProvider {
    inner: Provider,
    resource: Vec<KeyValue>,
    last_used: Instant,
}

/// Emits through SDK logger providers, one per resource.
pub struct OtlpLogSink {
    protocol: Protocol,
    base: Vec<KeyValue>,
    stats: Arc<ExportStats>,
    host: Provider,
    containers: HashMap<String, ContainerProvider>,
    max_containers: usize,
    idle_after: Duration,
    last_sweep: Instant,
    retire: mpsc::SyncSender<SdkLoggerProvider>,
    reaper: Option<std::thread::JoinHandle<()>>,
    /// Container providers created over the sink's life.
    pub created: u64,
}

impl OtlpLogSink {
    /// Builds the host provider for `protocol` (endpoint, headers, timeout
    /// and compression come from the `OTEL_EXPORTER_OTLP_*` variables,
    /// batching from `OTEL_BLRP_*`). Must be called inside a Tokio runtime
    /// for gRPC.
    ///
    /// # Errors
    /// [`OtlpSetupError`] when the exporter cannot be built.
    pub fn new(protocol: Protocol, resource: Resource, stats: Arc<ExportStats>) -> Result<Self, OtlpSetupError> {
        let base: Vec<KeyValue> = resource.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())).collect();
        let host = build_provider(protocol, resource, &stats)?;
        let (retire, rx) = mpsc::sync_channel::<SdkLoggerProvider>(64);
        let reaper = std::thread::Builder::new()
            .name("sysotel-retire".into())
            .spawn(move || {
                for p in rx {
                    if let Err(e) = p.shutdown() {
                        tracing::debug!("retiring a container log provider: {e}");
                    }
                }
            })
            .ok();
        Ok(Self {
            protocol,
            base,
            stats,
            host,
            containers: HashMap::new(),
            max_containers: 64,
            idle_after: Duration::from_secs(300),
            last_sweep: Instant::now(),
            retire,
            reaper,
            created: 0,
        })
    }

    /// Number of live container providers.
    #[must_use]
    pub fn container_providers(&self) -> usize {
        self.containers.len()
    }

    fn retire(&self, provider: SdkLoggerProvider) {
        if let Err(mpsc::TrySendError::Full(p) | mpsc::TrySendError::Disconnected(p)) = self.retire.try_send(provider) {
            let _ = p.shutdown();
        }
    }

    fn logger_for(&mut self, c: &ContainerIdentity) -> Option<&SdkLogger> {
        let now = Instant::now();
        if now.duration_since(self.last_sweep) > Duration::from_secs(30) {
            self.last_sweep = now;
            let idle: Vec<String> = self
                .containers
                .iter()
                .filter(|(_, p)| now.duration_since(p.last_used) > self.idle_after)
                .map(|(k, _)| k.clone())
                .collect();
            for k in idle {
                if let Some(p) = self.containers.remove(&k) {
                    self.retire(p.inner.provider);
                }
            }
        }
        let stale = self.containers.get(&c.id).is_some_and(|p| p.resource != c.resource);
        if stale && let Some(p) = self.containers.remove(&c.id) {
            self.retire(p.inner.provider);
        }
        if !self.containers.contains_key(&c.id) {
            if self.containers.len() >= self.max_containers
                && let Some(lru) = self.containers.iter().min_by_key(|(_, p)| p.last_used).map(|(k, _)| k.clone())
                && let Some(p) = self.containers.remove(&lru)
            {
                self.retire(p.inner.provider);
            }
            let mut attrs = self.base.clone();
            attrs.extend(c.resource.iter().cloned());
            let resource = Resource::builder_empty().with_attributes(attrs).build();
            match build_provider(self.protocol, resource, &self.stats) {
                Ok(inner) => {
                    self.created += 1;
                    self.containers.insert(
                        c.id.clone(),
                        ContainerProvider { inner, resource: c.resource.clone(), last_used: now },
                    );
                }
                Err(e) => {
                    tracing::warn!("{e}; container {} records go under the host resource", c.short_id());
                    return None;
                }
            }
        }
        let entry = self.containers.get_mut(&c.id)?;
        entry.last_used = now;
        Some(&entry.inner.logger)
    }
}

fn build_provider(
    protocol: Protocol,
    resource: Resource,
    stats: &Arc<ExportStats>,
) -> Result<Provider, OtlpSetupError> {
    let err = |source| OtlpSetupError { protocol: protocol.as_str(), source };
    let exporter = match protocol {
        Protocol::Grpc => LogExporter::builder().with_tonic().build().map_err(err)?,
        Protocol::HttpProtobuf => LogExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .build()
            .map_err(err)?,
        Protocol::HttpJson => LogExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpJson)
            .build()
            .map_err(err)?,
    };
    let provider = SdkLoggerProvider::builder()
        .with_resource(resource)
        .with_batch_exporter(Observed::new(exporter, Arc::clone(stats)))
        .build();
    let logger = provider.logger(semconv::SCOPE);
    Ok(Provider { provider, logger })
}

impl LogSink for OtlpLogSink {
    fn emit(&mut self, event: LogEvent) {
        let container = event.container.clone();
        let logger = match container.as_deref() {
            Some(c) => match self.logger_for(c) {
                Some(l) => l,
                None => &self.host.logger,
            },
            None => &self.host.logger,
        };
        let mut record = logger.create_log_record();
        record.set_timestamp(event.time);
        record.set_observed_timestamp(SystemTime::now());
        record.set_event_name(event.event_name);
        record.set_severity_number(event.severity);
        record.add_attributes(event.attributes);
        logger.emit(record);
    }

    fn shutdown(&mut self) -> Result<(), String> {
        // Flush every provider in parallel: each may wait for its exporter.
        let mut handles = Vec::new();
        for (_, p) in self.containers.drain() {
            handles.push(std::thread::spawn(move || p.inner.provider.shutdown().map_err(|e| e.to_string())));
        }
        let mut errors = Vec::new();
        if let Err(e) = self.host.provider.shutdown() {
            errors.push(e.to_string());
        }
        for h in handles {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => errors.push(e),
                Err(_) => errors.push("a provider shutdown thread panicked".into()),
            }
        }
        let (tx, _) = mpsc::sync_channel(1);
        drop(std::mem::replace(&mut self.retire, tx));
        if let Some(r) = self.reaper.take() {
            let _ = r.join();
        }
        if errors.is_empty() { Ok(()) } else { Err(errors.join("; ")) }
    }
}

//! [`Batcher`]: the export batch being filled, one encoded buffer per
//! Resource (the host's, and one per container with its `container.*` and
//! `k8s.*` attributes), framed into one `ExportLogsServiceRequest` when it
//! is full or old enough.
//!
//! A record is encoded into its resource's buffer as it arrives, so a batch
//! costs no per-record allocation. Resources are encoded once per container
//! and cached; a container whose attributes change (pod metadata arriving
//! later) is re-encoded.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use bytes::Bytes;
use opentelemetry::KeyValue;

use super::encode::{self, ResourceRecords};
use crate::{enrich::ContainerIdentity, signals::LogEvent};

/// Containers whose encoded Resource is kept; past it the cache restarts.
const RESOURCE_CACHE: usize = 4096;

/// An encoded `Resource`.
#[derive(Debug)]
struct EncodedResource {
    bytes: Vec<u8>,
    schema_url: String,
}

/// One resource's records in the open batch.
struct Part {
    resource: Arc<EncodedResource>,
    /// Room for the framing ([`encode::head_room`]), then the records.
    records: Vec<u8>,
    /// Where the records start.
    start: usize,
}

/// A framed request ready to send.
#[derive(Clone, Debug)]
pub struct Batch {
    /// An `ExportLogsServiceRequest` in protobuf.
    pub body: Bytes,
    /// Log records in it.
    pub records: u64,
}

/// The open batch and the resource cache.
pub struct Batcher {
    scope: &'static str,
    max_records: usize,
    host: Arc<EncodedResource>,
    /// The agent's resource attributes, which container resources extend.
    base: Vec<KeyValue>,
    containers: HashMap<String, (Arc<ContainerIdentity>, Arc<EncodedResource>)>,
    parts: Vec<Part>,
    records: usize,
    bytes: usize,
    oldest: Option<Instant>,
    /// Capacity for a new part's buffer: the last batch's size, so a busy
    /// stream fills its buffer without regrowing it.
    capacity_hint: usize,
}

/// Bounds of [`Batcher::capacity_hint`].
const MIN_PART_CAPACITY: usize = 4096;
const MAX_PART_CAPACITY: usize = 8 << 20;

impl Batcher {
    /// A batcher for records of instrumentation scope `scope`, closing a
    /// batch at `max_records`; `base` is the host Resource.
    #[must_use]
    pub fn new(scope: &'static str, base: Vec<KeyValue>, schema_url: Option<&str>, max_records: usize) -> Self {
        let host = EncodedResource { bytes: encode::resource(&base), schema_url: schema_url.unwrap_or("").to_owned() };
        Self {
            scope,
            max_records: max_records.max(1),
            host: Arc::new(host),
            base,
            containers: HashMap::new(),
            parts: Vec::new(),
            records: 0,
            bytes: 0,
            oldest: None,
            capacity_hint: MIN_PART_CAPACITY,
        }
    }

    /// Records in the open batch.
    #[must_use]
    pub fn len(&self) -> usize {
        self.records
    }

    /// Whether the open batch is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// The encoded Resource of `container` (the host's for `None`).
    fn resource_of(&mut self, container: Option<&Arc<ContainerIdentity>>) -> Arc<EncodedResource> {
        let Some(c) = container else { return Arc::clone(&self.host) };
        if let Some((known, encoded)) = self.containers.get_mut(&c.id) {
            if Arc::ptr_eq(known, c) {
                return Arc::clone(encoded);
            }
            if known.resource == c.resource {
                *known = Arc::clone(c);
                return Arc::clone(encoded);
            }
        }
        if self.containers.len() >= RESOURCE_CACHE {
            self.containers.clear();
        }
        let mut attributes = self.base.clone();
        attributes.extend(c.resource.iter().cloned());
        let encoded = Arc::new(EncodedResource { bytes: encode::resource(&attributes), schema_url: String::new() });
        self.containers.insert(c.id.clone(), (Arc::clone(c), Arc::clone(&encoded)));
        encoded
    }

    /// Encodes `event` into the open batch; returns the batch when this
    /// record filled it. `now` is read only for the first record of a batch
    /// (its age decides when the batch is due), not on every record.
    pub fn push(&mut self, event: &LogEvent, now: impl FnOnce() -> Instant, observed: SystemTime) -> Option<Batch> {
        self.push_with(event.container.as_ref(), now, |buf| encode::record(buf, event, observed))
    }

    /// [`Self::push`] for a record of `container` that `write` encodes (one
    /// `ScopeLogs.log_records` field, appended to the buffer it is given).
    pub fn push_with(
        &mut self,
        container: Option<&Arc<ContainerIdentity>>,
        now: impl FnOnce() -> Instant,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> Option<Batch> {
        let resource = self.resource_of(container);
        let part = match self.parts.iter().position(|p| Arc::ptr_eq(&p.resource, &resource)) {
            Some(i) => &mut self.parts[i],
            None => {
                let start = encode::head_room(resource.bytes.len(), self.scope.len());
                let mut records = Vec::with_capacity(
                    start + if self.parts.is_empty() { self.capacity_hint } else { MIN_PART_CAPACITY },
                );
                records.resize(start, 0);
                self.parts.push(Part { resource, records, start });
                let last = self.parts.len() - 1;
                &mut self.parts[last]
            }
        };
        let before = part.records.len();
        write(&mut part.records);
        self.bytes += part.records.len() - before;
        self.records += 1;
        self.oldest.get_or_insert_with(now);
        (self.records >= self.max_records).then(|| self.take()).flatten()
    }

    /// Whether the open batch holds a record older than `delay`.
    #[must_use]
    pub fn due(&self, now: Instant, delay: Duration) -> bool {
        self.oldest.is_some_and(|t| now.saturating_duration_since(t) >= delay)
    }

    /// Frames the open batch as a request, leaving an empty one; `None`
    /// when there is nothing to send. The first resource's buffer becomes
    /// the request: its framing goes into the room left before its records,
    /// so they are not copied (with one resource, the usual case on a host,
    /// nothing is); the other resources' records are framed after it.
    pub fn take(&mut self) -> Option<Batch> {
        if self.records == 0 {
            return None;
        }
        let mut parts = std::mem::take(&mut self.parts).into_iter();
        let first = parts.next()?;
        let mut head = Vec::with_capacity(first.start);
        let resource = &first.resource;
        let records_len = first.records.len() - first.start;
        encode::resource_logs_head(&mut head, self.scope, &resource.bytes, &resource.schema_url, records_len);
        let at = first.start - head.len();
        let mut body = first.records;
        body[at..first.start].copy_from_slice(&head);
        encode::resource_logs_tail(&mut body, &resource.schema_url);
        for part in parts {
            let framed = ResourceRecords {
                resource: &part.resource.bytes,
                schema_url: &part.resource.schema_url,
                records: &part.records[part.start..],
            };
            encode::resource_logs(&mut body, self.scope, &framed);
        }
        let batch = Batch { body: Bytes::from(body).slice(at..), records: self.records as u64 };
        self.capacity_hint = (self.bytes + self.bytes / 8).clamp(MIN_PART_CAPACITY, MAX_PART_CAPACITY);
        self.records = 0;
        self.bytes = 0;
        self.oldest = None;
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::logs::{AnyValue, Severity};
    use opentelemetry_proto::tonic::{collector::logs::v1::ExportLogsServiceRequest, common::v1::any_value::Value};
    use prost::Message as _;

    use super::*;

    fn event(container: Option<Arc<ContainerIdentity>>, n: i64) -> LogEvent {
        LogEvent {
            time: SystemTime::UNIX_EPOCH,
            event_name: "sysotel.process.exec",
            severity: Severity::Info,
            attributes: vec![(opentelemetry::Key::from_static_str("n"), AnyValue::Int(n))],
            container,
            trace: None,
            body: None,
        }
    }

    fn container(id: &str, pod: &str) -> Arc<ContainerIdentity> {
        Arc::new(ContainerIdentity {
            id: id.into(),
            pod_uid: None,
            resource: vec![KeyValue::new("container.id", id.to_owned()), KeyValue::new("k8s.pod.name", pod.to_owned())],
        })
    }

    fn decode(batch: &Batch) -> ExportLogsServiceRequest {
        ExportLogsServiceRequest::decode(batch.body.clone()).expect("batch decodes")
    }

    fn resource_value(req: &ExportLogsServiceRequest, i: usize, key: &str) -> Option<Value> {
        let attrs = &req.resource_logs[i].resource.as_ref()?.attributes;
        attrs.iter().find(|kv| kv.key == key)?.value.as_ref()?.value.clone()
    }

    #[test]
    fn groups_records_by_resource_and_closes_when_full() {
        let base = vec![KeyValue::new("host.name", "node")];
        let mut b = Batcher::new("sysotel", base, None, 4);
        let now = Instant::now();
        let a = container("a", "pod-a");
        assert!(b.push(&event(None, 1), || now, SystemTime::UNIX_EPOCH).is_none());
        assert!(b.push(&event(Some(Arc::clone(&a)), 2), || now, SystemTime::UNIX_EPOCH).is_none());
        assert!(b.push(&event(None, 3), || now, SystemTime::UNIX_EPOCH).is_none());
        let full = b.push(&event(Some(a), 4), || now, SystemTime::UNIX_EPOCH).expect("the fourth record fills it");
        assert_eq!((full.records, b.len()), (4, 0));
        let req = decode(&full);
        assert_eq!(req.resource_logs.len(), 2);
        let counts: Vec<usize> = req.resource_logs.iter().map(|r| r.scope_logs[0].log_records.len()).collect();
        assert_eq!(counts, [2, 2]);
        assert_eq!(resource_value(&req, 0, "container.id"), None);
        assert_eq!(resource_value(&req, 1, "container.id"), Some(Value::StringValue("a".into())));
        assert_eq!(resource_value(&req, 1, "host.name"), Some(Value::StringValue("node".into())));
        assert!(b.take().is_none(), "nothing left after a full batch");
    }

    #[test]
    fn requests_are_framed_exactly_as_resource_logs_frames_them() {
        let base = vec![KeyValue::new("host.name", "node")];
        let mut b = Batcher::new("sysotel", base.clone(), Some("https://opentelemetry.io/schemas/1.38.0"), 100);
        let now = Instant::now();
        let a = container("a", "pod-a");
        let events = [event(None, 1), event(Some(Arc::clone(&a)), 2), event(None, 3)];
        for e in &events {
            b.push(e, || now, SystemTime::UNIX_EPOCH);
        }
        let framed = |groups: &[(&[KeyValue], &str, &[&LogEvent])]| {
            let mut want = Vec::new();
            for (resource, schema_url, records) in groups {
                let mut bytes = Vec::new();
                for e in *records {
                    encode::record(&mut bytes, e, SystemTime::UNIX_EPOCH);
                }
                let resource = encode::resource(resource);
                let part = ResourceRecords { resource: &resource, schema_url, records: &bytes };
                encode::resource_logs(&mut want, "sysotel", &part);
            }
            want
        };
        let mut with_a = base.clone();
        with_a.extend(a.resource.iter().cloned());
        let want = framed(&[
            (&base, "https://opentelemetry.io/schemas/1.38.0", &[&events[0], &events[2]]),
            (&with_a, "", &[&events[1]]),
        ]);
        assert_eq!(&b.take().expect("records").body[..], &want[..], "two resources");
        // One resource: the request is its own buffer, framed in place.
        let one = event(None, 4);
        b.push(&one, || now, SystemTime::UNIX_EPOCH);
        let want = framed(&[(&base, "https://opentelemetry.io/schemas/1.38.0", &[&one])]);
        assert_eq!(&b.take().expect("records").body[..], &want[..], "one resource");
    }

    #[test]
    fn changed_container_attributes_get_a_fresh_resource() {
        let mut b = Batcher::new("sysotel", vec![], None, 100);
        let now = Instant::now();
        b.push(&event(Some(container("a", "old")), 1), || now, SystemTime::UNIX_EPOCH);
        // The same attributes in a new identity object: same resource.
        b.push(&event(Some(container("a", "old")), 2), || now, SystemTime::UNIX_EPOCH);
        b.push(&event(Some(container("a", "new")), 3), || now, SystemTime::UNIX_EPOCH);
        let req = decode(&b.take().expect("records"));
        assert_eq!(req.resource_logs.len(), 2);
        assert_eq!(resource_value(&req, 0, "k8s.pod.name"), Some(Value::StringValue("old".into())));
        assert_eq!(req.resource_logs[0].scope_logs[0].log_records.len(), 2);
        assert_eq!(resource_value(&req, 1, "k8s.pod.name"), Some(Value::StringValue("new".into())));
    }

    #[test]
    fn due_after_the_delay_from_the_oldest_record() {
        let mut b = Batcher::new("sysotel", vec![], Some("https://opentelemetry.io/schemas/1.38.0"), 100);
        let t0 = Instant::now();
        assert!(!b.due(t0 + Duration::from_secs(60), Duration::from_millis(200)), "an empty batch is never due");
        b.push(&event(None, 1), || t0, SystemTime::UNIX_EPOCH);
        b.push(&event(None, 2), || t0 + Duration::from_millis(150), SystemTime::UNIX_EPOCH);
        assert!(!b.due(t0 + Duration::from_millis(199), Duration::from_millis(200)));
        assert!(b.due(t0 + Duration::from_millis(200), Duration::from_millis(200)));
        let req = decode(&b.take().expect("records"));
        assert_eq!(req.resource_logs[0].schema_url, "https://opentelemetry.io/schemas/1.38.0");
        assert_eq!(req.resource_logs[0].scope_logs[0].scope.as_ref().map(|s| s.name.as_str()), Some("sysotel"));
        assert!(!b.due(t0 + Duration::from_secs(60), Duration::from_millis(200)), "taking resets the age");
    }
}

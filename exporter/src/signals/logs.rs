//! Log records (OpenTelemetry events) for process activity.

use std::{sync::Arc, time::SystemTime};

use opentelemetry::{
    Key,
    logs::{AnyValue, Severity},
};
use semconv::{attribute as attr, event};

use super::AttrWriter;
use crate::{
    decode::ExecEvent,
    enrich::{ContainerIdentity, ProcessContext},
    signals::traces::SpanRef,
    util::text::{basename, escape_bytes},
};

/// One attribute of a log record.
pub type Attr = (Key, AnyValue);

/// A transport-neutral log record.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEvent {
    /// When it happened.
    pub time: SystemTime,
    /// `EventName`, from `semconv::event`.
    pub event_name: &'static str,
    pub severity: Severity,
    pub attributes: Vec<Attr>,
    /// The container the record comes from; `None` for host processes and
    /// the agent's own records. Sinks put it on the OTLP Resource.
    pub container: Option<Arc<ContainerIdentity>>,
    /// The span of the process the record belongs to (log-to-trace
    /// correlation).
    pub trace: Option<SpanRef>,
    /// Human-readable text (the record's Body), when there is one.
    pub body: Option<String>,
}

impl LogEvent {
    /// The value of attribute `key`, if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&AnyValue> {
        self.attributes.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    }
}

fn text(bytes: &[u8]) -> AnyValue {
    AnyValue::String(escape_bytes(bytes).into_owned().into())
}

/// Process identity attributes shared by every process-scoped record.
pub fn process_attributes<W: AttrWriter + ?Sized>(ctx: &ProcessContext, out: &mut W) {
    out.int(attr::PROCESS_PID, i64::from(ctx.pid));
    if ctx.tid != ctx.pid {
        out.int(attr::PROCESS_THREAD_ID, i64::from(ctx.tid));
    }
    if let Some(ppid) = ctx.ppid {
        out.int(attr::PROCESS_PARENT_PID, i64::from(ppid));
    }
    out.int(attr::PROCESS_REAL_USER_ID, i64::from(ctx.uid));
    out.int(attr::PROCESS_REAL_GROUP_ID, i64::from(ctx.gid));
    if let Some(euid) = ctx.euid {
        out.int(attr::PROCESS_USER_ID, i64::from(euid));
    }
    if let Some(egid) = ctx.egid {
        out.int(attr::PROCESS_GROUP_ID, i64::from(egid));
    }
    out.int(attr::CGROUP_ID, i64::try_from(ctx.cgroup_id).unwrap_or(i64::MAX));
}

/// The `sysotel.process.exec` record.
#[must_use]
pub fn exec_log(
    ev: &ExecEvent,
    ctx: &ProcessContext,
    container: Option<Arc<ContainerIdentity>>,
    time: SystemTime,
) -> LogEvent {
    let mut a = Vec::with_capacity(16);
    process_attributes(ctx, &mut a);
    a.push((Key::from_static_str(attr::PROCESS_EXECUTABLE_PATH), text(&ev.filename)));
    a.push((Key::from_static_str(attr::PROCESS_EXECUTABLE_NAME), text(basename(&ev.filename))));
    if let Some(first) = ctx.args.first() {
        a.push((Key::from_static_str(attr::PROCESS_COMMAND), text(first)));
    }
    let args: Vec<AnyValue> = ctx.args.iter().map(|x| text(x)).collect();
    a.push((Key::from_static_str(attr::PROCESS_COMMAND_ARGS), AnyValue::ListAny(Box::new(args))));
    if ev.args_truncated {
        a.push((Key::from_static_str(attr::EXEC_ARGS_TRUNCATED), AnyValue::Boolean(true)));
    }
    if ev.args_missing {
        a.push((Key::from_static_str(attr::EXEC_ARGS_MISSING), AnyValue::Boolean(true)));
    }
    if ev.filename_truncated {
        a.push((Key::from_static_str(attr::EXEC_FILENAME_TRUNCATED), AnyValue::Boolean(true)));
    }
    if ev.exe_memfd {
        a.push((Key::from_static_str(attr::PROCESS_EXECUTABLE_MEMFD), AnyValue::Boolean(true)));
    }
    if ev.exe_deleted {
        a.push((Key::from_static_str(attr::PROCESS_EXECUTABLE_DELETED), AnyValue::Boolean(true)));
    }
    LogEvent {
        time,
        event_name: event::PROCESS_EXEC,
        severity: Severity::Info,
        attributes: a,
        container,
        trace: None,
        body: None,
    }
}

/// `sysotel.container.start` or `sysotel.container.stop`: the container is
/// the record's Resource; the attributes repeat its id for backends that
/// search attributes only.
#[must_use]
pub fn container_log(container: Arc<ContainerIdentity>, started: bool, time: SystemTime) -> LogEvent {
    let attributes = vec![(Key::from_static_str(attr::CONTAINER_ID), AnyValue::String(container.id.clone().into()))];
    LogEvent {
        time,
        event_name: if started { event::CONTAINER_START } else { event::CONTAINER_STOP },
        severity: Severity::Info,
        attributes,
        container: Some(container),
        trace: None,
        body: None,
    }
}

/// The `sysotel.agent.start` record: which programs are attached.
#[must_use]
pub fn agent_start_log(programs: &[&str], time: SystemTime) -> LogEvent {
    let names = programs.iter().map(|p| AnyValue::String((*p).to_string().into())).collect();
    LogEvent {
        time,
        event_name: event::AGENT_START,
        severity: Severity::Info,
        attributes: vec![(Key::from_static_str(attr::AGENT_PROGRAMS), AnyValue::ListAny(Box::new(names)))],
        container: None,
        trace: None,
        body: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Header;

    #[test]
    fn exec_maps_to_semantic_conventions() {
        let header = Header {
            ktime_ns: 0,
            pid: 100,
            tid: 100,
            ppid: Some(1),
            uid: 1000,
            gid: 1000,
            cgroup_id: 63,
            start_time_ns: None,
            comm: b"echo".to_vec(),
        };
        let ev = ExecEvent {
            header: header.clone(),
            old_pid: 100,
            filename: b"/bin/echo".to_vec(),
            filename_truncated: false,
            args: vec![b"/bin/echo".to_vec(), b"hi\xff".to_vec()],
            args_truncated: true,
            args_missing: false,
            exe_memfd: false,
            exe_deleted: false,
            euid: Some(0),
            egid: Some(0),
        };
        let ctx = ProcessContext {
            pid: 100,
            tid: 100,
            ppid: Some(1),
            uid: 1000,
            gid: 1000,
            euid: Some(0),
            egid: Some(0),
            cgroup_id: 63,
            comm: b"echo".to_vec(),
            exe: Some(b"/bin/echo".as_slice().into()),
            args: ev.args.clone(),
        };
        let log = exec_log(&ev, &ctx, None, SystemTime::UNIX_EPOCH);
        assert_eq!(log.event_name, "sysotel.process.exec");
        assert_eq!(log.get("process.pid"), Some(&AnyValue::Int(100)));
        assert_eq!(log.get("process.parent_pid"), Some(&AnyValue::Int(1)));
        assert_eq!(log.get("process.user.id"), Some(&AnyValue::Int(0)));
        assert_eq!(log.get("process.real_user.id"), Some(&AnyValue::Int(1000)));
        assert_eq!(log.get("process.executable.name"), Some(&AnyValue::String("echo".into())));
        assert_eq!(
            log.get("process.command_args"),
            Some(&AnyValue::ListAny(Box::new(vec![
                AnyValue::String("/bin/echo".into()),
                AnyValue::String("hi\\xff".into())
            ])))
        );
        assert_eq!(log.get("sysotel.exec.args_truncated"), Some(&AnyValue::Boolean(true)));
        assert_eq!(log.get("sysotel.process.thread.id"), None);
    }
}

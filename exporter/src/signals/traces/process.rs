//! Process spans: one span per process image, from its exec to its exit (or
//! its next exec), parented to the span of the process that started it.
//!
//! # Where a trace starts
//! - In a container: the container's lifetime span is the root of one trace;
//!   a process whose parent is outside the container (the runtime starting
//!   the container's init, `exec` into the container) hangs under it, every
//!   other process under its parent. A container's start-up reads as one
//!   trace.
//! - On the host: a process whose parent is an interactive shell (`bash`,
//!   `sh`, `zsh`, ... run without a script or `-c`), init (pid 1,
//!   `systemd`), a container runtime or shim (`containerd-shim*`, `conmon`,
//!   `runc`, `crun`), or a process the agent saw no exec of (it existed
//!   before the agent) starts a new trace. So each command typed at a prompt
//!   and each service started by systemd is a trace of its own, and a script
//!   or `sh -c` keeps its commands in its own trace.
//!
//! A process that execs again (`sh -c 'exec foo'`) ends its span and opens a
//! new one under the same parent. Open spans are bounded; at shutdown they
//! are dropped (the process has not ended).

use std::{collections::HashMap, sync::Arc, time::SystemTime};

use opentelemetry::{KeyValue, trace::SpanId};
use semconv::attribute as attr;

use super::{IdSalt, SpanRecord, SpanRef};
use crate::enrich::ContainerIdentity;

struct Open {
    ids: SpanRef,
    parent: Option<SpanId>,
    start: SystemTime,
    name: String,
    attributes: Vec<KeyValue>,
    container: Option<Arc<ContainerIdentity>>,
    start_ticks: Option<u64>,
    seq: u32,
}

struct OpenContainer {
    ids: SpanRef,
    start: SystemTime,
    container: Arc<ContainerIdentity>,
}

/// What the pipeline knows of an exec, for its span.
pub struct ExecInfo<'a> {
    pub pid: u32,
    pub ppid: Option<u32>,
    /// The parent's `comm` or executable name, for the trace-start rule.
    pub parent_name: Option<&'a [u8]>,
    /// The parent's arguments (a shell with none but flags is interactive).
    pub parent_args: &'a [Vec<u8>],
    pub start_ticks: Option<u64>,
    pub time: SystemTime,
    /// Span name: the executable's base name.
    pub name: String,
    pub attributes: Vec<KeyValue>,
    pub container: Option<Arc<ContainerIdentity>>,
}

/// Open process and container spans.
pub struct ProcessSpans {
    salt: IdSalt,
    open: HashMap<u32, Open>,
    containers: HashMap<String, OpenContainer>,
    capacity: usize,
    /// Spans not opened because the bound was reached.
    pub rejected: u64,
}

const SHELLS: &[&str] = &["bash", "sh", "dash", "zsh", "fish", "ash", "ksh", "tcsh", "csh"];
const STARTERS: &[&str] = &["systemd", "init", "conmon", "runc", "crun", "containerd", "dockerd", "crio"];

/// Whether a child of the named parent starts a new trace on the host.
#[must_use]
pub fn starts_trace(parent_pid: Option<u32>, parent_name: Option<&[u8]>, parent_args: &[Vec<u8>]) -> bool {
    if parent_pid.is_none_or(|p| p <= 1) {
        return true;
    }
    let Some(name) = parent_name.map(String::from_utf8_lossy) else { return true };
    let name = name.trim_start_matches('-');
    if STARTERS.contains(&name) || name.starts_with("containerd-shim") {
        return true;
    }
    // An interactive shell: nothing after argv[0] but flags, and no `-c`.
    SHELLS.contains(&name) && parent_args.iter().skip(1).all(|a| a.starts_with(b"-") && a.as_slice() != b"-c")
}

impl ProcessSpans {
    #[must_use]
    pub fn new(salt: IdSalt, capacity: usize) -> Self {
        Self { salt, open: HashMap::new(), containers: HashMap::new(), capacity, rejected: 0 }
    }

    /// The id salt (for spans derived from process spans).
    #[must_use]
    pub fn salt(&self) -> &IdSalt {
        &self.salt
    }

    /// The span of the process's current image, if the agent saw its exec.
    #[must_use]
    pub fn current(&self, pid: u32) -> Option<SpanRef> {
        self.open.get(&pid).map(|o| o.ids)
    }

    /// Number of open process spans.
    #[must_use]
    pub fn len(&self) -> usize {
        self.open.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// The container's root span, opened at `time` if new.
    pub fn container_span(&mut self, c: &Arc<ContainerIdentity>, time: SystemTime) -> SpanRef {
        let salt = &self.salt;
        self.containers
            .entry(c.id.clone())
            .or_insert_with(|| OpenContainer {
                ids: SpanRef {
                    trace_id: salt.trace_id(&("container", &c.id)),
                    span_id: salt.span_id(&("container", &c.id)),
                },
                start: time,
                container: Arc::clone(c),
            })
            .ids
    }

    /// The container stopped: its root span ends.
    pub fn container_stopped(&mut self, id: &str, time: SystemTime) -> Option<SpanRecord> {
        let c = self.containers.remove(id)?;
        Some(SpanRecord {
            name: format!("container {}", c.container.short_id()),
            kind: opentelemetry::trace::SpanKind::Internal,
            ids: c.ids,
            parent: None,
            start: c.start,
            end: time.max(c.start),
            attributes: vec![KeyValue::new(attr::CONTAINER_ID, c.container.id.clone())],
            error: None,
            container: Some(c.container),
        })
    }

    /// A new image: ends the previous one's span (returned) and opens one.
    pub fn on_exec(&mut self, e: ExecInfo<'_>) -> (Option<SpanRecord>, Option<SpanRef>) {
        let previous = self.open.remove(&e.pid).filter(|p| p.start_ticks == e.start_ticks || e.start_ticks.is_none());
        let same_container = |p: &Open| p.container.as_ref().map(|c| &c.id) == e.container.as_ref().map(|c| &c.id);
        let (parent, trace_id, seq) = match &previous {
            // exec again: same place in the tree (unless it entered a
            // container, as a runtime's init does: then the container's rules).
            Some(p) if same_container(p) => (p.parent, Some(p.ids.trace_id), p.seq + 1),
            Some(p) => {
                let seq = p.seq + 1;
                let (parent, trace) = self.parent_of(&e);
                (parent, trace, seq)
            }
            None => {
                let (parent, trace) = self.parent_of(&e);
                (parent, trace, 0)
            }
        };
        let finished = previous.map(|p| finish(p, e.time, None));
        if self.open.len() >= self.capacity {
            self.rejected += 1;
            return (finished, None);
        }
        let span_id = self.salt.span_id(&(e.pid, e.start_ticks, seq));
        let trace_id = trace_id.unwrap_or_else(|| self.salt.trace_id(&(e.pid, e.start_ticks, seq)));
        let ids = SpanRef { trace_id, span_id };
        self.open.insert(
            e.pid,
            Open {
                ids,
                parent,
                start: e.time,
                name: e.name,
                attributes: e.attributes,
                container: e.container,
                start_ticks: e.start_ticks,
                seq,
            },
        );
        (finished, Some(ids))
    }

    /// Parent span id and trace of a first exec, by the trace-start rules.
    fn parent_of(&mut self, e: &ExecInfo<'_>) -> (Option<SpanId>, Option<opentelemetry::trace::TraceId>) {
        let parent_open = e.ppid.and_then(|p| self.open.get(&p));
        match &e.container {
            Some(c) => match parent_open.filter(|p| p.container.as_ref().is_some_and(|pc| pc.id == c.id)) {
                Some(p) => (Some(p.ids.span_id), Some(p.ids.trace_id)),
                None => {
                    let root = self.container_span(c, e.time);
                    (Some(root.span_id), Some(root.trace_id))
                }
            },
            None => match parent_open.filter(|p| p.container.is_none()) {
                Some(p) if !starts_trace(e.ppid, e.parent_name, e.parent_args) => {
                    (Some(p.ids.span_id), Some(p.ids.trace_id))
                }
                _ => (None, None),
            },
        }
    }

    /// The process ended with `status` (a wait status, when known).
    pub fn on_exit(
        &mut self,
        pid: u32,
        time: SystemTime,
        exit_code: Option<i32>,
        signal: Option<i32>,
    ) -> Option<SpanRecord> {
        let open = self.open.remove(&pid)?;
        let mut error = None;
        let mut extra = Vec::new();
        if let Some(code) = exit_code {
            extra.push(KeyValue::new(attr::PROCESS_EXIT_CODE, i64::from(code)));
            if code != 0 {
                error = Some(format!("exit code {code}"));
            }
        }
        if let Some(sig) = signal {
            extra.push(KeyValue::new(attr::PROCESS_EXIT_SIGNAL, i64::from(sig)));
            error = Some(format!("killed by signal {sig}"));
        }
        let mut rec = finish(open, time, error);
        rec.attributes.extend(extra);
        Some(rec)
    }

    /// Drops open spans of processes that are gone without an exit event.
    pub fn sweep(&mut self, alive: impl Fn(u32) -> bool) -> usize {
        let before = self.open.len();
        self.open.retain(|pid, _| alive(*pid));
        before - self.open.len()
    }
}

fn finish(o: Open, end: SystemTime, error: Option<String>) -> SpanRecord {
    SpanRecord {
        name: o.name,
        kind: opentelemetry::trace::SpanKind::Internal,
        ids: o.ids,
        parent: o.parent,
        start: o.start,
        end: end.max(o.start),
        attributes: o.attributes,
        error,
        container: o.container,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn exec<'a>(pid: u32, ppid: u32, parent_name: &'a [u8], t: u64, c: Option<Arc<ContainerIdentity>>) -> ExecInfo<'a> {
        ExecInfo {
            pid,
            ppid: Some(ppid),
            parent_name: Some(parent_name),
            parent_args: &[],
            start_ticks: Some(u64::from(pid)),
            time: SystemTime::UNIX_EPOCH + Duration::from_secs(t),
            name: format!("p{pid}"),
            attributes: vec![],
            container: c,
        }
    }

    fn ident(id: &str) -> Arc<ContainerIdentity> {
        Arc::new(ContainerIdentity { id: id.into(), pod_uid: None, resource: vec![] })
    }

    #[test]
    fn host_tree_under_a_shell_command() {
        let mut s = ProcessSpans::new(IdSalt::fixed("b"), 100);
        let (_, make) = s.on_exec(exec(10, 5, b"bash", 1, None));
        let make = make.unwrap();
        let (_, cc) = s.on_exec(exec(11, 10, b"make", 2, None));
        let cc = cc.unwrap();
        assert_eq!(cc.trace_id, make.trace_id, "child in the parent's trace");
        let done = s.on_exit(11, SystemTime::UNIX_EPOCH + Duration::from_secs(3), Some(1), None).unwrap();
        assert_eq!(done.parent, Some(make.span_id));
        assert_eq!(done.error.as_deref(), Some("exit code 1"));
        let root = s.on_exit(10, SystemTime::UNIX_EPOCH + Duration::from_secs(4), Some(0), None).unwrap();
        assert_eq!(root.parent, None, "a shell's child is a trace root");
        assert!(root.end > root.start);
    }

    #[test]
    fn scripts_and_sh_c_keep_their_commands() {
        let args = |a: &[&str]| a.iter().map(|x| x.as_bytes().to_vec()).collect::<Vec<_>>();
        assert!(starts_trace(Some(9), Some(b"bash"), &args(&["bash"])));
        assert!(starts_trace(Some(9), Some(b"-bash"), &args(&["-bash", "-l"])));
        assert!(!starts_trace(Some(9), Some(b"sh"), &args(&["sh", "-c", "echo hi"])));
        assert!(!starts_trace(Some(9), Some(b"bash"), &args(&["bash", "build.sh"])));
        assert!(starts_trace(Some(9), Some(b"containerd-shim-runc-v2"), &[]));
        assert!(starts_trace(Some(1), Some(b"make"), &[]));
        assert!(!starts_trace(Some(9), Some(b"make"), &args(&["make", "all"])));
    }

    #[test]
    fn container_processes_hang_under_the_container_span() {
        let mut s = ProcessSpans::new(IdSalt::fixed("b"), 100);
        let c = ident("c1");
        let (_, init) = s.on_exec(exec(20, 19, b"runc", 1, Some(Arc::clone(&c))));
        // A shell in the container does not split the container's trace.
        let (_, child) = s.on_exec(exec(21, 20, b"sh", 2, Some(Arc::clone(&c))));
        let (init, child) = (init.unwrap(), child.unwrap());
        assert_eq!(init.trace_id, child.trace_id);
        let child_rec = s.on_exit(21, SystemTime::UNIX_EPOCH + Duration::from_secs(3), Some(0), None).unwrap();
        assert_eq!(child_rec.parent, Some(init.span_id));
        let init_rec = s.on_exit(20, SystemTime::UNIX_EPOCH + Duration::from_secs(4), None, Some(9)).unwrap();
        let root = s.container_stopped("c1", SystemTime::UNIX_EPOCH + Duration::from_secs(5)).unwrap();
        assert_eq!(init_rec.parent, Some(root.ids.span_id));
        assert_eq!(root.parent, None);
        assert_eq!(root.ids.trace_id, init.trace_id);
        assert_eq!(init_rec.error.as_deref(), Some("killed by signal 9"));
    }

    #[test]
    fn re_exec_continues_in_place_and_bounds_hold() {
        let mut s = ProcessSpans::new(IdSalt::fixed("b"), 1);
        let (_, a) = s.on_exec(exec(30, 29, b"make", 1, None));
        let (prev, b) = s.on_exec(exec(30, 29, b"make", 2, None));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(prev.unwrap().ids, a);
        assert_eq!(a.trace_id, b.trace_id);
        assert_ne!(a.span_id, b.span_id);
        let (_, none) = s.on_exec(exec(31, 30, b"x", 3, None));
        assert!(none.is_none());
        assert_eq!(s.rejected, 1);
        assert_eq!(s.sweep(|_| false), 1);
    }
}

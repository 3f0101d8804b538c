//! The terminal sink: one readable line per event on stdout.
//!
//! `time event pid=… ppid=… uid=… cgroup=… command line`, what a newcomer
//! sees first when no collector is configured.

use std::io::Write;

use opentelemetry::logs::AnyValue;
use semconv::attribute as attr;

use super::LogSink;
use crate::signals::LogEvent;

/// Writes [`format_line`] for each event to `W`.
pub struct TerminalSink<W: Write + Send> {
    out: W,
    /// Write errors (e.g. a closed pipe); counted, never fatal.
    pub write_errors: u64,
}

impl<W: Write + Send> TerminalSink<W> {
    pub fn new(out: W) -> Self {
        Self { out, write_errors: 0 }
    }
}

impl<W: Write + Send> LogSink for TerminalSink<W> {
    fn emit(&mut self, event: LogEvent) {
        let line = format_line(&event);
        if writeln!(self.out, "{line}").and_then(|()| self.out.flush()).is_err() {
            self.write_errors += 1;
        }
    }

    fn shutdown(&mut self) -> Result<(), String> {
        self.out.flush().map_err(|e| e.to_string())
    }
}

/// The short event name: `sysotel.process.exec` -> `exec`.
fn short_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn show(v: &AnyValue) -> String {
    match v {
        AnyValue::Int(i) => i.to_string(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::Boolean(b) => b.to_string(),
        AnyValue::Double(d) => d.to_string(),
        other => format!("{other:?}"),
    }
}

/// Renders one event as a line.
#[must_use]
pub fn format_line(event: &LogEvent) -> String {
    let time = humantime::format_rfc3339_millis(event.time);
    let mut line = format!("{time} {:<6}", short_name(event.event_name));
    for (label, key) in
        [("pid", attr::PROCESS_PID), ("ppid", attr::PROCESS_PARENT_PID), ("uid", attr::PROCESS_REAL_USER_ID)]
    {
        if let Some(v) = event.get(key) {
            line.push_str(&format!(" {label}={}", show(v)));
        }
    }
    match &event.container {
        Some(c) => {
            line.push_str(&format!(" container={}", c.short_id()));
            if let Some(uid) = &c.pod_uid {
                line.push_str(&format!(" pod={uid}"));
            }
        }
        None => {
            if let Some(v) = event.get(attr::CGROUP_ID) {
                line.push_str(&format!(" cgroup={}", show(v)));
            }
        }
    }
    if let Some(body) = &event.body {
        line.push(' ');
        line.push_str(body);
    } else if let Some(AnyValue::ListAny(args)) = event.get(attr::PROCESS_COMMAND_ARGS) {
        let args: Vec<Vec<u8>> = args.iter().map(|a| show(a).into_bytes()).collect();
        line.push(' ');
        line.push_str(&crate::util::text::display_command_line(&args));
    } else if event.get(attr::PROCESS_PID).is_none() {
        // Not about a process (agent and container events): show what it carries.
        for (k, v) in &event.attributes {
            let value = match v {
                AnyValue::ListAny(items) => items.iter().map(show).collect::<Vec<_>>().join(","),
                other => show(other),
            };
            line.push_str(&format!(" {}={value}", k.as_str()));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use opentelemetry::{Key, logs::Severity};

    use super::*;

    fn event() -> LogEvent {
        LogEvent {
            time: UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
            event_name: "sysotel.process.exec",
            severity: Severity::Info,
            attributes: vec![
                (Key::from_static_str("process.pid"), AnyValue::Int(42)),
                (Key::from_static_str("process.parent_pid"), AnyValue::Int(1)),
                (Key::from_static_str("process.real_user.id"), AnyValue::Int(0)),
                (Key::from_static_str("sysotel.cgroup.id"), AnyValue::Int(63)),
                (
                    Key::from_static_str("process.command_args"),
                    AnyValue::ListAny(Box::new(vec![
                        AnyValue::String("sh".into()),
                        AnyValue::String("-c".into()),
                        AnyValue::String("echo hi".into()),
                    ])),
                ),
            ],
            container: None,
            trace: None,
            body: None,
        }
    }

    #[test]
    fn line_has_time_event_ids_and_command() {
        assert_eq!(
            format_line(&event()),
            "2023-11-14T22:13:20.123Z exec   pid=42 ppid=1 uid=0 cgroup=63 sh -c \"echo hi\""
        );
    }

    #[test]
    fn events_without_a_process_show_their_attributes() {
        let start = LogEvent {
            time: UNIX_EPOCH,
            event_name: "sysotel.agent.start",
            severity: Severity::Info,
            attributes: vec![(
                Key::from_static_str("sysotel.agent.programs"),
                AnyValue::ListAny(Box::new(vec![AnyValue::String("a".into()), AnyValue::String("b".into())])),
            )],
            container: None,
            trace: None,
            body: None,
        };
        assert_eq!(format_line(&start), "1970-01-01T00:00:00.000Z start  sysotel.agent.programs=a,b");
    }

    #[test]
    fn sink_writes_one_line_per_event() {
        let mut sink = TerminalSink::new(Vec::new());
        sink.emit(event());
        sink.emit(event());
        assert_eq!(String::from_utf8(sink.out.clone()).unwrap().lines().count(), 2);
    }
}

//! Log records for security events (`sysotel.security.<category>`).

use std::{sync::Arc, time::SystemTime};

use opentelemetry::{
    Key,
    logs::{AnyValue, Severity},
};
use semconv::{attribute as attr, event};

use super::logs::{Attr, LogEvent, process_attributes};
use crate::{
    enrich::{ContainerIdentity, ProcessContext},
    security::{Category, SecurityRecord},
    signals::metrics::syscalls::errno_name,
    util::{path::split_path, sockaddr::SockAddr, text::escape_bytes},
};

/// The event name of a category.
#[must_use]
pub const fn event_name(c: Category) -> &'static str {
    match c {
        Category::File => event::SECURITY_FILE,
        Category::Network => event::SECURITY_NETWORK,
        Category::Privilege => event::SECURITY_PRIVILEGE,
        Category::Isolation => event::SECURITY_ISOLATION,
        Category::Module => event::SECURITY_MODULE,
        Category::Bpf => event::SECURITY_BPF,
        Category::Ptrace => event::SECURITY_PTRACE,
        Category::Evasion => event::SECURITY_EVASION,
        Category::Signal => event::SECURITY_SIGNAL,
    }
}

fn s(v: impl Into<String>) -> AnyValue {
    AnyValue::String(v.into().into())
}

/// A static string value: no allocation.
fn st(v: &'static str) -> AnyValue {
    AnyValue::String(opentelemetry::StringValue::from(v))
}

fn key(k: &'static str) -> Key {
    Key::from_static_str(k)
}

/// The record's attributes (findings repeat them). Takes the record: its
/// rendered arguments and paths move into the attributes, uncopied.
#[must_use]
pub fn security_attributes(rec: SecurityRecord, ctx: &ProcessContext) -> Vec<Attr> {
    let mut a = Vec::with_capacity(20);
    process_attributes(ctx, &mut a);
    a.push((key(attr::PROCESS_EXECUTABLE_NAME), s(escape_bytes(&ctx.comm).into_owned())));
    if let Some(exe) = &ctx.exe {
        a.push((key(attr::PROCESS_EXECUTABLE_PATH), s(escape_bytes(exe).into_owned())));
    }
    a.push((key(attr::SYSCALL_NAME), st(rec.def.name)));
    a.push((key(attr::SYSCALL_RETURN), AnyValue::Int(rec.event.ret)));
    if rec.event.failed() {
        a.push((key(attr::ERROR_TYPE), s(errno_name(u32::try_from(-rec.event.ret).unwrap_or(0)))));
    }
    let args: std::collections::HashMap<Key, AnyValue> =
        rec.args.into_iter().map(|(n, v)| (Key::from_static_str(n), s(v))).collect();
    a.push((key(attr::SYSCALL_ARGS), AnyValue::Map(Box::new(args))));
    if rec.event.truncated {
        a.push((key(attr::SYSCALL_ARGS_TRUNCATED), AnyValue::Boolean(true)));
    }
    if let Some(file) = rec.file {
        if rec.file_resolved {
            let (dir, name) = split_path(&file);
            if let Some(dir) = dir {
                a.push((key(attr::FILE_DIRECTORY), s(dir)));
            }
            if let Some(name) = name {
                a.push((key(attr::FILE_NAME), s(name)));
            }
        } else {
            a.push((key(attr::FILE_PATH_RESOLVED), AnyValue::Boolean(false)));
        }
        a.push((key(attr::FILE_PATH), s(file)));
    }
    if let Some(t) = rec.target {
        a.push((key(attr::FILE_TARGET_PATH), s(t)));
    }
    if rec.event.watched {
        a.push((key(attr::FILE_WATCHED), AnyValue::Boolean(true)));
    }
    if let Some(addr) = &rec.sockaddr {
        let local = matches!(rec.def.name, "bind" | "listen");
        let (addr_key, port_key) = if local {
            (attr::NETWORK_LOCAL_ADDRESS, attr::NETWORK_LOCAL_PORT)
        } else {
            (attr::NETWORK_PEER_ADDRESS, attr::NETWORK_PEER_PORT)
        };
        match addr {
            SockAddr::Inet { ip, port } => {
                a.push((key(addr_key), s(ip.to_string())));
                a.push((key(port_key), AnyValue::Int(i64::from(*port))));
                a.push((key(attr::NETWORK_TYPE), st(if ip.is_ipv4() { "ipv4" } else { "ipv6" })));
            }
            SockAddr::Unix(path) => {
                a.push((key(addr_key), s(path.clone())));
                a.push((key(attr::NETWORK_TRANSPORT), st("unix")));
            }
            SockAddr::Other { .. } => {}
        }
    }
    a
}

/// A one-line summary: `openat /etc/shadow O_RDONLY = 3`.
#[must_use]
pub fn summary(rec: &SecurityRecord) -> String {
    use std::fmt::Write as _;
    let mut line = String::with_capacity(64);
    line.push_str(rec.def.name);
    if let Some(f) = &rec.file {
        line.push(' ');
        line.push_str(f);
    }
    if let Some(t) = &rec.target {
        line.push_str(" -> ");
        line.push_str(t);
    }
    for (n, v) in &rec.args {
        let is_path = rec.def.arg_index(n).is_some_and(|i| rec.def.args[i].1 == crate::security::Arg::Path);
        if is_path && (rec.file.is_some() || rec.target.is_some()) {
            continue;
        }
        let _ = write!(line, " {n}={v}");
    }
    if rec.event.failed() {
        let _ = write!(line, " = {}", errno_name(u32::try_from(-rec.event.ret).unwrap_or(0)));
    } else {
        let _ = write!(line, " = {}", rec.event.ret);
    }
    line
}

/// The `sysotel.security.<category>` record.
#[must_use]
pub fn security_log(
    rec: SecurityRecord,
    ctx: &ProcessContext,
    container: Option<Arc<ContainerIdentity>>,
    time: SystemTime,
) -> LogEvent {
    LogEvent {
        time,
        event_name: event_name(rec.category()),
        severity: Severity::Info,
        body: Some(summary(&rec)),
        attributes: security_attributes(rec, ctx),
        container,
        trace: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        decode::{Header, SecurityEvent},
        security::{catalog::by_name, resolve::ProcLookup},
    };

    struct NoProc;
    impl ProcLookup for NoProc {
        fn cwd(&self, _: u32) -> Option<String> {
            Some("/srv".into())
        }
        fn fd_path(&self, _: u32, _: i32) -> Option<String> {
            None
        }
    }

    fn ctx() -> ProcessContext {
        ProcessContext {
            pid: 9,
            tid: 9,
            ppid: Some(1),
            uid: 0,
            gid: 0,
            euid: None,
            egid: None,
            cgroup_id: 5,
            comm: b"cp".to_vec(),
            exe: Some(b"/bin/cp".as_slice().into()),
            args: vec![],
        }
    }

    fn ev(ret: i64, args: [u64; 6], path: &[u8]) -> SecurityEvent {
        let header = Header {
            ktime_ns: 1,
            pid: 9,
            tid: 9,
            ppid: Some(1),
            uid: 0,
            gid: 0,
            cgroup_id: 5,
            start_time_ns: None,
            comm: b"cp".to_vec(),
        };
        SecurityEvent::new(header, 257, ret, args, [Some(path.to_vec()), None])
    }

    #[test]
    fn file_event_maps_to_conventions() {
        let rec = SecurityRecord::build(
            by_name("openat").unwrap(),
            ev(-13, [0xffff_ff9c, 0, 0o101, 0o644, 0, 0], b"etc/x"),
            &NoProc,
        );
        let log = security_log(rec, &ctx(), None, SystemTime::UNIX_EPOCH);
        assert_eq!(log.event_name, "sysotel.security.file");
        assert_eq!(log.get("file.path"), Some(&s("/srv/etc/x")));
        assert_eq!(log.get("file.directory"), Some(&s("/srv/etc")));
        assert_eq!(log.get("file.name"), Some(&s("x")));
        assert_eq!(log.get("error.type"), Some(&s("EACCES")));
        assert_eq!(log.get("sysotel.syscall.name"), Some(&s("openat")));
        let Some(AnyValue::Map(args)) = log.get("sysotel.syscall.args") else { panic!("no args") };
        assert_eq!(args.get(&Key::from_static_str("flags")), Some(&s("O_WRONLY|O_CREAT")));
        assert_eq!(
            log.body.as_deref(),
            Some("openat /srv/etc/x dirfd=AT_FDCWD flags=O_WRONLY|O_CREAT mode=0644 = EACCES")
        );
    }

    #[test]
    fn bind_uses_local_address() {
        let mut e = ev(0, [3, 0, 16, 0, 0, 0], b"");
        e.paths = [None, None];
        let mut v4 = (libc::AF_INET as u16).to_ne_bytes().to_vec();
        v4.extend_from_slice(&8080u16.to_be_bytes());
        v4.extend_from_slice(&[127, 0, 0, 1]);
        e.sockaddr = Some(v4);
        let rec = SecurityRecord::build(by_name("bind").unwrap(), e, &NoProc);
        let log = security_log(rec, &ctx(), None, SystemTime::UNIX_EPOCH);
        assert_eq!(log.event_name, "sysotel.security.network");
        assert_eq!(log.get("network.local.address"), Some(&s("127.0.0.1")));
        assert_eq!(log.get("network.local.port"), Some(&AnyValue::Int(8080)));
        assert_eq!(log.get("network.peer.address"), None);
    }
}

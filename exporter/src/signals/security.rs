//! Log records for security events (`sysotel.security.<category>`).

use std::{sync::Arc, time::SystemTime};

use opentelemetry::logs::Severity;
use semconv::{attribute as attr, event};

use super::{
    AttrWriter,
    logs::{Attr, LogEvent, process_attributes},
};
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

/// The record's attributes (findings repeat them). Takes the record: its
/// rendered arguments and paths move into the attributes, uncopied.
#[must_use]
pub fn security_attributes(rec: SecurityRecord, ctx: &ProcessContext) -> Vec<Attr> {
    let mut a = Vec::with_capacity(20);
    write_security_attributes(rec, ctx, &mut a);
    a
}

/// [`security_attributes`] into any [`AttrWriter`], in the same order.
pub fn write_security_attributes<W: AttrWriter + ?Sized>(rec: SecurityRecord, ctx: &ProcessContext, a: &mut W) {
    process_attributes(ctx, a);
    a.str(attr::PROCESS_EXECUTABLE_NAME, &escape_bytes(&ctx.comm));
    if let Some(exe) = &ctx.exe {
        a.str(attr::PROCESS_EXECUTABLE_PATH, &escape_bytes(exe));
    }
    a.static_str(attr::SYSCALL_NAME, rec.def.name);
    a.int(attr::SYSCALL_RETURN, rec.event.ret);
    if rec.event.failed() {
        a.string(attr::ERROR_TYPE, errno_name(u32::try_from(-rec.event.ret).unwrap_or(0)));
    }
    a.string_map(attr::SYSCALL_ARGS, rec.args);
    if rec.event.truncated {
        a.bool(attr::SYSCALL_ARGS_TRUNCATED, true);
    }
    if let Some(file) = rec.file {
        if rec.file_resolved {
            let (dir, name) = split_path(&file);
            if let Some(dir) = dir {
                a.str(attr::FILE_DIRECTORY, dir);
            }
            if let Some(name) = name {
                a.str(attr::FILE_NAME, name);
            }
        } else {
            a.bool(attr::FILE_PATH_RESOLVED, false);
        }
        a.string(attr::FILE_PATH, file);
    }
    if let Some(t) = rec.target {
        a.string(attr::FILE_TARGET_PATH, t);
    }
    if rec.event.watched {
        a.bool(attr::FILE_WATCHED, true);
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
                a.string(addr_key, ip.to_string());
                a.int(port_key, i64::from(*port));
                a.static_str(attr::NETWORK_TYPE, if ip.is_ipv4() { "ipv4" } else { "ipv6" });
            }
            SockAddr::Unix(path) => {
                a.str(addr_key, path);
                a.static_str(attr::NETWORK_TRANSPORT, "unix");
            }
            SockAddr::Other { .. } => {}
        }
    }
}

/// A one-line summary: `openat /etc/shadow O_RDONLY = 3`.
#[must_use]
pub fn summary(rec: &SecurityRecord) -> String {
    use std::fmt::Write as _;
    // Most lines are 60-120 bytes: one allocation, no regrowth.
    let mut line = String::with_capacity(128);
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
        line.push(' ');
        line.push_str(n);
        line.push('=');
        line.push_str(v);
    }
    if rec.event.failed() {
        let _ = write!(line, " = {}", errno_name(u32::try_from(-rec.event.ret).unwrap_or(0)));
    } else {
        let _ = write!(line, " = {}", rec.event.ret);
    }
    line
}

/// The severity of every `sysotel.security.<category>` record.
pub const SECURITY_SEVERITY: Severity = Severity::Info;

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
        severity: SECURITY_SEVERITY,
        body: Some(summary(&rec)),
        attributes: security_attributes(rec, ctx),
        container,
        trace: None,
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::{Key, logs::AnyValue};

    use super::*;
    use crate::{
        decode::{Header, SecurityEvent},
        security::{catalog::by_name, resolve::ProcLookup},
    };

    fn s(v: impl Into<String>) -> AnyValue {
        AnyValue::String(v.into().into())
    }

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

//! What the rules see of an event: [`RuleView`] implements
//! [`sysotel_rules::Event`] over an exec or a security record, with the
//! process, its ancestors (from the process table), and its container.

use std::borrow::Cow;

use opentelemetry::{Array, Value as OtelValue};
use semconv::attribute as attr;
use sysotel_rules::{Event, Field, FieldRef, Value};

use crate::{
    decode::{ExecEvent, Header},
    enrich::{ContainerIdentity, ProcessContext},
    process::{ProcessInfo, ProcessTable},
    security::SecurityRecord,
    signals::metrics::syscalls::errno_name,
    util::{path::split_path, sockaddr::SockAddr, text::escape_bytes},
};

/// Ancestors looked up at most (`proc.aname` without index).
const MAX_ANCESTORS: usize = 16;

/// `EINPROGRESS`: a non-blocking connect whose tuple is set, still pending.
const EINPROGRESS: i64 = 115;

/// The event under evaluation.
pub enum Subject<'a> {
    Exec(&'a ExecEvent),
    Security(&'a SecurityRecord),
}

/// An event with everything rules may ask about it.
pub struct RuleView<'a> {
    pub subject: Subject<'a>,
    pub ctx: &'a ProcessContext,
    /// The process's table entry (after the exec, for exec events).
    pub info: Option<&'a ProcessInfo>,
    pub table: &'a ProcessTable,
    pub container: Option<&'a ContainerIdentity>,
}

fn text(b: &[u8]) -> Value<'static> {
    Value::Str(Cow::Owned(escape_bytes(b).into_owned()))
}

fn owned(s: String) -> Value<'static> {
    Value::Str(Cow::Owned(s))
}

fn cmdline(comm: &[u8], args: &[Vec<u8>]) -> String {
    let mut s = escape_bytes(comm).into_owned();
    for a in args.iter().skip(1) {
        s.push(' ');
        s.push_str(&escape_bytes(a));
    }
    s
}

fn opt(v: Option<Cow<'_, str>>) -> Value<'_> {
    v.map_or(Value::None, Value::Str)
}

fn resource_str<'c>(c: &'c ContainerIdentity, key: &str) -> Option<Cow<'c, str>> {
    match c.resource_value(key)? {
        OtelValue::String(s) => Some(Cow::Borrowed(s.as_str())),
        OtelValue::Array(a) => Some(Cow::Owned(format!("{a}"))),
        other => Some(Cow::Owned(other.to_string())),
    }
}

impl RuleView<'_> {
    fn ancestor(&self, n: u32) -> Option<&ProcessInfo> {
        let mut pid = self.ctx.ppid?;
        for _ in 1..n {
            pid = self.table.get(pid)?.ppid?;
        }
        self.table.get(pid)
    }

    fn ancestors(&self) -> Vec<&ProcessInfo> {
        let mut out = Vec::new();
        let mut next = self.ctx.ppid;
        while let Some(pid) = next {
            if out.len() >= MAX_ANCESTORS || pid == 0 {
                break;
            }
            let Some(p) = self.table.get(pid) else { break };
            out.push(p);
            next = p.ppid.filter(|&pp| pp != pid);
        }
        out
    }

    fn args(&self) -> &[Vec<u8>] {
        match &self.subject {
            Subject::Exec(e) => &e.args,
            Subject::Security(_) => self.info.map_or(&[][..], |i| &i.args[..]),
        }
    }

    fn exe_path(&self) -> Option<&[u8]> {
        match &self.subject {
            Subject::Exec(e) => Some(&e.filename),
            Subject::Security(_) => self.info.and_then(|i| i.exe.as_deref()).or(self.ctx.exe.as_deref()),
        }
    }

    fn security(&self) -> Option<&SecurityRecord> {
        match &self.subject {
            Subject::Security(r) => Some(r),
            Subject::Exec(_) => None,
        }
    }

    fn sockaddr(&self) -> Option<(&SockAddr, bool)> {
        let r = self.security()?;
        let local = matches!(r.def.name, "bind" | "listen");
        r.sockaddr.as_ref().map(|a| (a, local))
    }

    fn ip_port(&self, want_local: bool, server: Option<bool>) -> Option<(String, u16)> {
        let (addr, local) = self.sockaddr()?;
        let SockAddr::Inet { ip, port } = addr else { return None };
        let r = self.security()?;
        // Which end the address is: bind/listen give the local (server) end,
        // connect gives the remote server, accept the remote client.
        let is_server = matches!(r.def.name, "connect" | "bind" | "listen");
        let matches = match server {
            Some(s) => s == is_server,
            None => want_local == local,
        };
        matches.then(|| (ip.to_string(), *port))
    }

    fn header(&self) -> &Header {
        match &self.subject {
            Subject::Exec(e) => &e.header,
            Subject::Security(r) => &r.event.header,
        }
    }

    /// For socket calls: (connected after the call, connection tuple set by it).
    fn socket_state(&self) -> Option<(bool, bool)> {
        let r = self.security()?;
        let ret = r.event.ret;
        match r.def.name {
            "connect" => Some((ret >= 0, ret >= 0 || ret == -EINPROGRESS)),
            "accept" | "accept4" => Some((ret >= 0, ret >= 0)),
            "bind" | "listen" => Some((false, false)),
            _ => None,
        }
    }

    /// `container.info`: `container_id=ID container_image=IMAGE k8s_ns=NS k8s_pod=POD`,
    /// the parts that are known.
    fn container_info(&self) -> String {
        let Some(c) = self.container else { return "container_id=host".to_owned() };
        let mut s = format!("container_id={}", c.id);
        if let Some(image) = self.image() {
            s.push_str(&format!(" container_image={image}"));
        }
        for (label, key) in [("k8s_ns", attr::K8S_NAMESPACE_NAME), ("k8s_pod", attr::K8S_POD_NAME)] {
            if let Some(v) = resource_str(c, key) {
                s.push_str(&format!(" {label}={v}"));
            }
        }
        s
    }

    /// The image as Falco shows it: `name:tag` when the tag is known.
    fn image(&self) -> Option<Cow<'_, str>> {
        let name = self.container.and_then(|c| resource_str(c, attr::CONTAINER_IMAGE_NAME))?;
        match self.image_tag() {
            Some(tag) => Some(Cow::Owned(format!("{name}:{tag}"))),
            None => Some(name),
        }
    }

    /// The first of the image's tags.
    fn image_tag(&self) -> Option<Cow<'_, str>> {
        match self.container?.resource_value(attr::CONTAINER_IMAGE_TAGS)? {
            OtelValue::Array(Array::String(tags)) => tags.first().map(|t| Cow::Borrowed(t.as_str())),
            OtelValue::String(s) => Some(Cow::Borrowed(s.as_str())),
            _ => None,
        }
    }

    fn ret(&self) -> i64 {
        match &self.subject {
            Subject::Exec(_) => 0,
            Subject::Security(r) => r.event.ret,
        }
    }
}

impl Event for RuleView<'_> {
    fn evt_type(&self) -> &str {
        match &self.subject {
            Subject::Exec(_) => "execve",
            Subject::Security(r) => r.def.name,
        }
    }

    #[allow(clippy::too_many_lines, reason = "one arm per field")]
    fn get(&self, f: &FieldRef) -> Value<'_> {
        let rec = self.security();
        match f.field {
            Field::EvtType => Value::from(self.evt_type()),
            Field::EvtDir => Value::from("<"),
            Field::EvtRes => {
                let ret = self.ret();
                if (-4095..0).contains(&ret) {
                    owned(errno_name(u32::try_from(-ret).unwrap_or(0)))
                } else {
                    Value::from("SUCCESS")
                }
            }
            Field::EvtRawres => Value::Num(self.ret()),
            Field::EvtFailed => Value::Bool((-4095..0).contains(&self.ret())),
            Field::EvtIsOpenRead => rec.and_then(|r| r.open).map(|o| o.read).into(),
            Field::EvtIsOpenWrite => rec.and_then(|r| r.open).map(|o| o.write).into(),
            Field::EvtIsOpenExec => rec.and_then(|r| r.open).map(|_| false).into(),
            Field::EvtArg => match (&self.subject, f.key()) {
                // By name, or by position (`evt.arg[0]`) in the catalog's argument order.
                (Subject::Security(r), Some(k)) => r
                    .arg(k)
                    .or_else(|| k.parse::<usize>().ok().and_then(|i| r.args.get(i)).map(|(_, v)| v.as_str()))
                    .into(),
                (Subject::Exec(e), Some("filename" | "0")) => text(&e.filename),
                _ => Value::None,
            },
            Field::EvtArgs => match &self.subject {
                Subject::Security(r) => {
                    owned(r.args.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(" "))
                }
                Subject::Exec(e) => owned(format!("filename={}", escape_bytes(&e.filename))),
            },
            Field::EvtNum => Value::Num(i64::try_from(self.header().ktime_ns).unwrap_or(i64::MAX).max(1)),
            Field::EvtCategory => match rec {
                Some(r) => Value::from(r.category().as_str()),
                None => Value::from("process"),
            },
            Field::ProcName => text(&self.ctx.comm),
            Field::ProcExe => self.args().first().map_or(Value::None, |a| text(a)),
            Field::ProcExepath => self.exe_path().map_or(Value::None, text),
            Field::ProcCmdline => owned(cmdline(&self.ctx.comm, self.args())),
            Field::ProcArgs => {
                let rest: Vec<String> = self.args().iter().skip(1).map(|a| escape_bytes(a).into_owned()).collect();
                owned(rest.join(" "))
            }
            Field::ProcPid => Value::Num(i64::from(self.ctx.pid)),
            Field::ProcPpid => self.ctx.ppid.map(i64::from).into(),
            Field::ProcPname => self.ancestor(1).map_or(Value::None, |p| text(&p.comm)),
            Field::ProcPexe => self.ancestor(1).and_then(|p| p.args.first()).map_or(Value::None, |a| text(a)),
            Field::ProcPexepath => self.ancestor(1).and_then(|p| p.exe.as_deref()).map_or(Value::None, text),
            Field::ProcPcmdline => self.ancestor(1).map_or(Value::None, |p| owned(cmdline(&p.comm, &p.args))),
            Field::ProcAname => match f.index() {
                Some(n) => self.ancestor(n).map_or(Value::None, |p| text(&p.comm)),
                None => Value::Many(
                    self.ancestors().iter().map(|p| Cow::Owned(escape_bytes(&p.comm).into_owned())).collect(),
                ),
            },
            Field::ProcAexepath => match f.index() {
                Some(n) => self.ancestor(n).and_then(|p| p.exe.as_deref()).map_or(Value::None, text),
                None => Value::Many(
                    self.ancestors()
                        .iter()
                        .filter_map(|p| p.exe.as_deref())
                        .map(|e| Cow::Owned(escape_bytes(e).into_owned()))
                        .collect(),
                ),
            },
            Field::ProcDuration => {
                let h = self.header();
                h.start_time_ns
                    .filter(|&start| start <= h.ktime_ns)
                    .map(|start| i64::try_from(h.ktime_ns - start).unwrap_or(i64::MAX))
                    .into()
            }
            Field::ProcApid => f.index().and_then(|n| self.ancestor(n)).map(|p| i64::from(p.pid)).into(),
            Field::ProcIsExeFromMemfd => Value::Bool(self.info.is_some_and(|i| i.exe_memfd)),
            Field::ProcIsExeDeleted => Value::Bool(self.info.is_some_and(|i| i.exe_deleted)),
            Field::UserUid => Value::Num(i64::from(self.ctx.euid.unwrap_or(self.ctx.uid))),
            Field::GroupGid => Value::Num(i64::from(self.ctx.egid.unwrap_or(self.ctx.gid))),
            Field::FdName => match rec {
                Some(r) => match (&r.file, &r.sockaddr) {
                    (Some(f), _) => Value::Str(Cow::Borrowed(f.as_str())),
                    (None, Some(_)) => r.arg("addr").into(),
                    _ => Value::None,
                },
                None => Value::None,
            },
            Field::FdNameraw => {
                rec.and_then(|r| r.event.paths[0].as_deref().or(r.event.paths[1].as_deref())).map_or(Value::None, text)
            }
            // A resolved file is normalized: cut it in place, as the record's
            // `file.directory` and `file.name` are.
            Field::FdDirectory => rec
                .and_then(|r| r.file.as_deref().filter(|_| r.file_resolved))
                .map_or(Value::None, |f| Value::Str(Cow::Borrowed(split_path(f).0.unwrap_or("")))),
            Field::FdFilename => match rec.and_then(|r| Some((r.file.as_deref()?, r.file_resolved))) {
                Some((f, true)) => Value::Str(Cow::Borrowed(split_path(f).1.unwrap_or(""))),
                Some((f, false)) => owned(
                    std::path::Path::new(f).file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                ),
                None => Value::None,
            },
            Field::FdTypechar | Field::FdType | Field::FdSockfamily => {
                let kind = match rec {
                    Some(r) => match &r.sockaddr {
                        Some(SockAddr::Inet { ip, .. }) if ip.is_ipv4() => Some(("4", "ipv4", "ip")),
                        Some(SockAddr::Inet { .. }) => Some(("6", "ipv6", "ip")),
                        Some(SockAddr::Unix(_)) => Some(("u", "unix", "unix")),
                        Some(SockAddr::Other { .. }) => None,
                        None if r.file.is_some() => Some(("f", "file", "")),
                        None => None,
                    },
                    None => None,
                };
                match (f.field, kind) {
                    (Field::FdTypechar, Some((c, _, _))) => Value::from(c),
                    (Field::FdType, Some((_, t, _))) => Value::from(t),
                    (Field::FdSockfamily, Some((_, _, fam))) if !fam.is_empty() => Value::from(fam),
                    _ => Value::None,
                }
            }
            Field::FdNum => rec.and_then(SecurityRecord::fd).into(),
            // The one end sysotel knows: the address in the syscall's arguments.
            Field::FdIp | Field::FdNet | Field::FdPort => match self.sockaddr() {
                Some((SockAddr::Inet { ip, port }, _)) => {
                    if f.field == Field::FdPort {
                        Value::Num(i64::from(*port))
                    } else {
                        owned(ip.to_string())
                    }
                }
                _ => Value::None,
            },
            Field::FdRnet => self.ip_port(false, None).map(|(ip, _)| ip).into(),
            Field::FdLnet => self.ip_port(true, None).map(|(ip, _)| ip).into(),
            Field::FdSnet => self.ip_port(false, Some(true)).map(|(ip, _)| ip).into(),
            Field::FdCnet => self.ip_port(false, Some(false)).map(|(ip, _)| ip).into(),
            Field::FdConnected => self.socket_state().map(|(connected, _)| connected).into(),
            Field::FdNameChanged => self.socket_state().map(|(_, changed)| changed).into(),
            Field::FdRip | Field::FdRport => match self.ip_port(false, None) {
                Some((ip, port)) => {
                    if f.field == Field::FdRip {
                        owned(ip)
                    } else {
                        Value::Num(i64::from(port))
                    }
                }
                None => Value::None,
            },
            Field::FdLip | Field::FdLport => match self.ip_port(true, None) {
                Some((ip, port)) => {
                    if f.field == Field::FdLip {
                        owned(ip)
                    } else {
                        Value::Num(i64::from(port))
                    }
                }
                None => Value::None,
            },
            Field::FdSip | Field::FdSport => match self.ip_port(false, Some(true)) {
                Some((ip, port)) => {
                    if f.field == Field::FdSip {
                        owned(ip)
                    } else {
                        Value::Num(i64::from(port))
                    }
                }
                None => Value::None,
            },
            Field::FdCip | Field::FdCport => match self.ip_port(false, Some(false)) {
                Some((ip, port)) => {
                    if f.field == Field::FdCip {
                        owned(ip)
                    } else {
                        Value::Num(i64::from(port))
                    }
                }
                None => Value::None,
            },
            Field::ContainerId => match self.container {
                Some(c) => Value::Str(Cow::Borrowed(c.id.as_str())),
                None => Value::from("host"),
            },
            Field::ContainerInfo => owned(self.container_info()),
            Field::ContainerName => opt(self.container.and_then(|c| resource_str(c, attr::K8S_CONTAINER_NAME))),
            Field::ContainerImageRepository => {
                opt(self.container.and_then(|c| resource_str(c, attr::CONTAINER_IMAGE_NAME)))
            }
            Field::ContainerImage => opt(self.image()),
            Field::ContainerImageTag => opt(self.image_tag()),
            Field::K8sPodLabel => opt(self.container.zip(f.key()).and_then(|(c, k)| {
                resource_str(c, &format!("{}.{k}", opentelemetry_semantic_conventions::attribute::K8S_POD_LABEL))
            })),
            Field::ContainerRuntime => opt(self.container.and_then(|c| resource_str(c, attr::CONTAINER_RUNTIME_NAME))),
            Field::K8sNsName => opt(self.container.and_then(|c| resource_str(c, attr::K8S_NAMESPACE_NAME))),
            Field::K8sPodName => opt(self.container.and_then(|c| resource_str(c, attr::K8S_POD_NAME))),
            Field::K8sPodUid => opt(self.container.and_then(|c| c.pod_uid.as_deref()).map(Cow::Borrowed)),
            _ => Value::None,
        }
    }
}

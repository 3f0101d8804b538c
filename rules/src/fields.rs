//! The fields a condition can test, their types and their arguments.
//!
//! A field is written `name`, `name[ARG]` or, for keyed fields, `name.KEY`
//! (`evt.arg.flags` is `evt.arg[flags]`). [`FIELDS`] is the one table of all
//! of them: the parser resolves names through it and `rules list` and the
//! README print it.

use std::fmt;

/// What a field's value is, which decides the operators and values it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Text.
    Str,
    /// A signed 64-bit integer.
    Num,
    /// `true` or `false`.
    Bool,
    /// An IP address, compared with networks: values are CIDR networks
    /// (`10.0.0.0/8`, `fd00::/8`) or single addresses, and `=` / `in` hold
    /// when the address lies in the network (in one of them).
    Net,
}

impl FieldType {
    /// The type's name as the README and error messages spell it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Str => "string",
            Self::Num => "number",
            Self::Bool => "bool",
            Self::Net => "network",
        }
    }
}

/// Whether and how a field takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// No argument.
    None,
    /// A required key: `evt.arg[flags]` or `evt.arg.flags`.
    Key,
    /// An optional ancestor index `[N]`, N >= 1 (1 is the parent).
    OptionalIndex,
    /// A required ancestor index `[N]`, N >= 1.
    RequiredIndex,
}

macro_rules! fields {
    ($( $variant:ident, $name:literal, $ty:ident, $arg:ident, $desc:literal; )*) => {
        /// Every field a condition or an output template can use.
        ///
        /// The variants are in the order of [`FIELDS`]; `FIELDS[field as usize]`
        /// describes `field`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $(
                #[doc = $desc]
                $variant,
            )*
        }

        /// Name, type, argument and description of every [`Field`], in enum order.
        pub static FIELDS: &[FieldInfo] = &[
            $( FieldInfo { field: Field::$variant, name: $name, ty: FieldType::$ty, arg: ArgKind::$arg, desc: $desc }, )*
        ];
    };
}

fields! {
    EvtType, "evt.type", Str, None, "Syscall name, e.g. `execve`, `openat`, `connect`.";
    EvtDir, "evt.dir", Str, None, "Event direction; always `<` (exit) for sysotel events.";
    EvtRes, "evt.res", Str, None, "Result: `SUCCESS` or an errno name such as `ENOENT`.";
    EvtRawres, "evt.rawres", Num, None, "Raw return value of the syscall.";
    EvtFailed, "evt.failed", Bool, None, "True when the syscall returned an error.";
    EvtIsOpenRead, "evt.is_open_read", Bool, None, "True for an open that requested read access.";
    EvtIsOpenWrite, "evt.is_open_write", Bool, None, "True for an open that requested write access.";
    EvtIsOpenExec, "evt.is_open_exec", Bool, None, "True for an open that created or requested execute access.";
    EvtArg, "evt.arg", Str, Key, "Syscall argument as rendered by the agent, by name (`evt.arg.flags`, `evt.arg[flags]`) or position from 0 (`evt.arg[0]`).";
    EvtArgs, "evt.args", Str, None, "All syscall arguments as `name=value` pairs separated by spaces.";
    EvtNum, "evt.num", Num, None, "A number that grows with every event and is never 0: sysotel uses the event's kernel timestamp (ns since boot), not a dense counter like Falco's.";
    EvtCategory, "evt.category", Str, None, "Event category: file, network, privilege, isolation, module, bpf, ptrace, evasion, signal (security events), process (exec).";
    ProcName, "proc.name", Str, None, "Process name (comm).";
    ProcExe, "proc.exe", Str, None, "First command-line argument (`argv[0]`).";
    ProcExepath, "proc.exepath", Str, None, "Full path of the executable.";
    ProcCmdline, "proc.cmdline", Str, None, "Process name followed by its arguments.";
    ProcArgs, "proc.args", Str, None, "Arguments joined by spaces, without the process name.";
    ProcPid, "proc.pid", Num, None, "Process id (thread group id).";
    ProcPpid, "proc.ppid", Num, None, "Parent process id.";
    ProcPname, "proc.pname", Str, None, "Parent process name.";
    ProcPexe, "proc.pexe", Str, None, "Parent's `argv[0]`.";
    ProcPexepath, "proc.pexepath", Str, None, "Full path of the parent's executable.";
    ProcPcmdline, "proc.pcmdline", Str, None, "Parent's command line.";
    ProcAname, "proc.aname", Str, OptionalIndex, "Ancestor name: `proc.aname[1]` is the parent; without an index any ancestor may match.";
    ProcAexepath, "proc.aexepath", Str, OptionalIndex, "Ancestor executable path: `proc.aexepath[1]` is the parent's; without an index any ancestor may match.";
    ProcApid, "proc.apid", Num, RequiredIndex, "Ancestor pid: `proc.apid[1]` is the parent's pid.";
    ProcDuration, "proc.duration", Num, None, "Nanoseconds since the process started (absent when the start time is unknown).";
    ProcCwd, "proc.cwd", Str, None, "Current working directory.";
    ProcTty, "proc.tty", Num, None, "Controlling terminal device number, 0 when none.";
    ProcIsExeFromMemfd, "proc.is_exe_from_memfd", Bool, None, "True when the executable is a memfd.";
    ProcIsExeDeleted, "proc.is_exe_deleted", Bool, None, "True when the executable was deleted from disk.";
    ProcSid, "proc.sid", Num, None, "Session id.";
    ProcVpid, "proc.vpid", Num, None, "Process id inside its pid namespace.";
    UserUid, "user.uid", Num, None, "Effective user id.";
    UserName, "user.name", Str, None, "Effective user name.";
    UserLoginuid, "user.loginuid", Num, None, "Audit login user id (-1 when unset).";
    GroupGid, "group.gid", Num, None, "Effective group id.";
    GroupName, "group.name", Str, None, "Effective group name.";
    FdName, "fd.name", Str, None, "File path, or the connection tuple for sockets.";
    FdDirectory, "fd.directory", Str, None, "Directory of the file.";
    FdFilename, "fd.filename", Str, None, "Base name of the file.";
    FdTypechar, "fd.typechar", Str, None, "Descriptor type: `f` file, `4` IPv4, `6` IPv6, `u` unix socket.";
    FdType, "fd.type", Str, None, "Descriptor type: file, ipv4, ipv6, unix.";
    FdNum, "fd.num", Num, None, "Descriptor number.";
    FdSip, "fd.sip", Str, None, "Server IP address.";
    FdSport, "fd.sport", Num, None, "Server port.";
    FdCip, "fd.cip", Str, None, "Client IP address.";
    FdCport, "fd.cport", Num, None, "Client port.";
    FdRip, "fd.rip", Str, None, "Remote IP address.";
    FdRport, "fd.rport", Num, None, "Remote port.";
    FdLip, "fd.lip", Str, None, "Local IP address.";
    FdLport, "fd.lport", Num, None, "Local port.";
    FdIp, "fd.ip", Str, None, "IP address of either end of the connection; sysotel knows the end named in the syscall's address argument.";
    FdPort, "fd.port", Num, None, "Port of either end of the connection (the end `fd.ip` gives).";
    FdNet, "fd.net", Net, None, "`fd.ip` compared with networks: `fd.net = \"127.0.0.0/8\"`.";
    FdSnet, "fd.snet", Net, None, "`fd.sip` compared with networks: `fd.snet in (rfc_1918_addresses)`.";
    FdCnet, "fd.cnet", Net, None, "`fd.cip` compared with networks.";
    FdRnet, "fd.rnet", Net, None, "`fd.rip` compared with networks.";
    FdLnet, "fd.lnet", Net, None, "`fd.lip` compared with networks.";
    FdConnected, "fd.connected", Bool, None, "True when the socket is connected after the event (a successful connect or accept); false for bind, listen and failed connects.";
    FdNameChanged, "fd.name_changed", Bool, None, "True when the event set the descriptor's connection tuple (connect, accept); false for other socket events.";
    FdSockfamily, "fd.sockfamily", Str, None, "Socket family: ip or unix.";
    FdL4proto, "fd.l4proto", Str, None, "Transport protocol: tcp or udp.";
    FdNameraw, "fd.nameraw", Str, None, "File path as passed to the syscall, before resolution.";
    ContainerId, "container.id", Str, None, "Container id; `host` for host processes.";
    ContainerInfo, "container.info", Str, None, "For outputs only: `container_id=ID container_image=IMAGE` (`container_id=host` on the host), plus `k8s_ns=` and `k8s_pod=` when known.";
    ContainerName, "container.name", Str, None, "Container name.";
    ContainerImage, "container.image", Str, None, "Container image reference.";
    ContainerImageRepository, "container.image.repository", Str, None, "Container image repository.";
    ContainerImageTag, "container.image.tag", Str, None, "Container image tag.";
    ContainerRuntime, "container.runtime", Str, None, "Container runtime, e.g. containerd, docker, cri-o.";
    K8sNsName, "k8s.ns.name", Str, None, "Kubernetes namespace.";
    K8sPodName, "k8s.pod.name", Str, None, "Kubernetes pod name.";
    K8sPodUid, "k8s.pod.uid", Str, None, "Kubernetes pod UID.";
    K8sPodLabel, "k8s.pod.label", Str, Key, "Kubernetes pod label: `k8s.pod.label[app]` or `k8s.pod.label.app`.";
}

/// One row of [`FIELDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// The field.
    pub field: Field,
    /// Its name in conditions, without argument.
    pub name: &'static str,
    /// Its value type.
    pub ty: FieldType,
    /// Whether it takes an argument.
    pub arg: ArgKind,
    /// One sentence for users.
    pub desc: &'static str,
}

impl Field {
    /// This field's row in [`FIELDS`].
    #[must_use]
    pub fn info(self) -> &'static FieldInfo {
        &FIELDS[self as usize]
    }

    /// The field's name, e.g. `proc.name`.
    #[must_use]
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The field's value type.
    #[must_use]
    pub fn ty(self) -> FieldType {
        self.info().ty
    }

    /// Fields that only make sense in output templates (`container.info`);
    /// a condition using one is a load error.
    #[must_use]
    pub fn output_only(self) -> bool {
        matches!(self, Field::ContainerInfo)
    }
}

/// The argument of a field reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldArg {
    /// No argument (`proc.name`, `proc.aname`).
    None,
    /// An ancestor index, >= 1 (`proc.aname[2]`).
    Index(u32),
    /// A key (`evt.arg.flags`, `k8s.pod.label[app]`).
    Key(Box<str>),
}

/// A field together with its argument: what [`crate::Event::get`] is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    /// The field.
    pub field: Field,
    /// Its argument, if the field takes one.
    pub arg: FieldArg,
}

impl FieldRef {
    /// A reference to a field without argument.
    #[must_use]
    pub const fn plain(field: Field) -> Self {
        Self { field, arg: FieldArg::None }
    }

    /// The key argument (`flags` of `evt.arg.flags`), if any.
    #[must_use]
    pub fn key(&self) -> Option<&str> {
        match &self.arg {
            FieldArg::Key(k) => Some(k),
            _ => None,
        }
    }

    /// The index argument (`2` of `proc.aname[2]`), if any.
    #[must_use]
    pub fn index(&self) -> Option<u32> {
        match self.arg {
            FieldArg::Index(i) => Some(i),
            _ => None,
        }
    }

    /// Resolves `name` (as written before any `[...]`) and the bracket argument.
    ///
    /// # Errors
    ///
    /// [`FieldError`] when the name is unknown or the argument does not fit the field.
    pub fn resolve(name: &str, bracket: Option<&str>) -> Result<Self, FieldError> {
        if let Some(info) = FIELDS.iter().find(|f| f.name == name) {
            return Self::with_arg(info, bracket);
        }
        // `evt.arg.flags`, `k8s.pod.label.app`: a keyed field followed by `.KEY`.
        for info in FIELDS.iter().filter(|f| f.arg == ArgKind::Key) {
            if let Some(key) = name.strip_prefix(info.name).and_then(|rest| rest.strip_prefix('.')) {
                if bracket.is_some() || key.is_empty() {
                    return Err(FieldError::BadArgument { field: info.name, reason: "give the key once" });
                }
                return Ok(Self { field: info.field, arg: FieldArg::Key(key.into()) });
            }
        }
        Err(FieldError::Unknown(display_name(name, bracket)))
    }

    fn with_arg(info: &FieldInfo, bracket: Option<&str>) -> Result<Self, FieldError> {
        let bad = |reason| FieldError::BadArgument { field: info.name, reason };
        let arg = match (info.arg, bracket) {
            (ArgKind::None | ArgKind::OptionalIndex, None) => FieldArg::None,
            (ArgKind::None, Some(_)) => return Err(bad("the field takes no argument")),
            (ArgKind::Key, None) => return Err(bad("a key is required, e.g. [name]")),
            (ArgKind::Key, Some("")) => return Err(bad("the key is empty")),
            (ArgKind::Key, Some(key)) => FieldArg::Key(key.into()),
            (ArgKind::RequiredIndex, None) => return Err(bad("an index [N] (N >= 1) is required")),
            (ArgKind::OptionalIndex | ArgKind::RequiredIndex, Some(index)) => match index.parse::<u32>() {
                Ok(n) if n >= 1 => FieldArg::Index(n),
                _ => return Err(bad("the index must be an integer >= 1")),
            },
        };
        Ok(Self { field: info.field, arg })
    }
}

fn display_name(name: &str, bracket: Option<&str>) -> String {
    match bracket {
        Some(arg) => format!("{name}[{arg}]"),
        None => name.to_owned(),
    }
}

/// Canonical spelling: `proc.name`, `proc.aname[2]`, `evt.arg[flags]`.
impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field.name())?;
        match &self.arg {
            FieldArg::None => Ok(()),
            FieldArg::Index(i) => write!(f, "[{i}]"),
            FieldArg::Key(k) => write!(f, "[{k}]"),
        }
    }
}

/// Why a field name did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// No such field.
    #[error("unknown field {0}")]
    Unknown(String),
    /// The field exists but its argument is wrong.
    #[error("bad argument for field {field}: {reason}")]
    BadArgument {
        /// The field's name.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

/// The fields as a Markdown table (name, type, description), for docs and `rules list`.
#[must_use]
pub fn fields_markdown() -> String {
    let mut out = String::from("| Field | Type | Description |\n| --- | --- | --- |\n");
    for f in FIELDS {
        let name = match f.arg {
            ArgKind::None => f.name.to_owned(),
            ArgKind::Key => format!("{}[KEY]", f.name),
            ArgKind::OptionalIndex => format!("{}[N]", f.name),
            ArgKind::RequiredIndex => format!("{}[N]", f.name),
        };
        out.push_str(&format!("| `{name}` | {} | {} |\n", f.ty.as_str(), f.desc));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order() {
        for (i, info) in FIELDS.iter().enumerate() {
            assert_eq!(info.field as usize, i, "{} out of order", info.name);
        }
    }

    #[test]
    fn names_are_unique() {
        for (i, a) in FIELDS.iter().enumerate() {
            assert!(FIELDS[i + 1..].iter().all(|b| b.name != a.name), "duplicate {}", a.name);
        }
    }

    #[test]
    fn resolves_plain_indexed_and_keyed_forms() {
        assert_eq!(FieldRef::resolve("proc.name", None), Ok(FieldRef::plain(Field::ProcName)));
        assert_eq!(
            FieldRef::resolve("proc.aname", Some("2")),
            Ok(FieldRef { field: Field::ProcAname, arg: FieldArg::Index(2) })
        );
        assert_eq!(FieldRef::resolve("proc.aname", None), Ok(FieldRef::plain(Field::ProcAname)));
        let dotted = FieldRef::resolve("evt.arg.flags", None).unwrap();
        assert_eq!(dotted, FieldRef::resolve("evt.arg", Some("flags")).unwrap());
        assert_eq!(dotted.key(), Some("flags"));
        assert_eq!(dotted.to_string(), "evt.arg[flags]");
        let label = FieldRef::resolve("k8s.pod.label", Some("app.kubernetes.io/name")).unwrap();
        assert_eq!(label.key(), Some("app.kubernetes.io/name"));
        // `container.image.tag` is a field of its own, not `container.image` with a key.
        assert_eq!(FieldRef::resolve("container.image.tag", None).unwrap().field, Field::ContainerImageTag);
    }

    #[test]
    fn rejects_bad_names_and_arguments() {
        assert_eq!(FieldRef::resolve("proc.nmae", None), Err(FieldError::Unknown("proc.nmae".into())));
        assert!(matches!(FieldRef::resolve("proc.aname", Some("0")), Err(FieldError::BadArgument { .. })));
        assert!(matches!(FieldRef::resolve("proc.aname", Some("x")), Err(FieldError::BadArgument { .. })));
        assert!(matches!(FieldRef::resolve("proc.apid", None), Err(FieldError::BadArgument { .. })));
        assert!(matches!(FieldRef::resolve("proc.name", Some("1")), Err(FieldError::BadArgument { .. })));
        assert!(matches!(FieldRef::resolve("evt.arg", None), Err(FieldError::BadArgument { .. })));
        assert!(matches!(FieldRef::resolve("evt.arg.x", Some("y")), Err(FieldError::BadArgument { .. })));
    }
}

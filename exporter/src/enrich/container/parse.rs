//! Container id, runtime and pod UID from a cgroup path.
//!
//! Layouts (kubelet `cgroup_manager_linux.go`, runtimes' defaults):
//!
//! | runtime / driver | leaf of the path |
//! |---|---|
//! | docker, systemd | `docker-<64hex>.scope` |
//! | docker, cgroupfs | `/docker/<64hex>` |
//! | containerd (CRI), systemd | `cri-containerd-<64hex>.scope` |
//! | CRI-O, systemd / cgroupfs | `crio-<64hex>.scope` / `crio-<64hex>` |
//! | podman, systemd / cgroupfs | `libpod-<64hex>.scope` (maybe `/container` below) / `libpod-<64hex>` |
//! | any CRI runtime, cgroupfs | `/kubepods/<qos>/pod<uid>/<64hex>` (runtime unknown) |
//!
//! Kubernetes pods: `pod<uid>` (cgroupfs) or
//! `kubepods-<qos>-pod<uid with _>.slice` (systemd; Guaranteed pods have no
//! `<qos>`). CRI-O's `crio-conmon-<id>` monitor cgroups are not containers.

/// A container runtime recognised from the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Runtime {
    Docker,
    Containerd,
    CriO,
    Podman,
    /// A container under a kubepods cgroupfs hierarchy, runtime not named.
    Unknown,
}

impl Runtime {
    /// Value for `container.runtime.name`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Docker => "docker",
            Runtime::Containerd => "containerd",
            Runtime::CriO => "cri-o",
            Runtime::Podman => "podman",
            Runtime::Unknown => "unknown",
        }
    }
}

/// What a cgroup path says about its container.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContainerRef {
    /// 64 lower-case hex digits.
    pub id: String,
    pub runtime: Runtime,
    /// Kubernetes pod UID (with dashes) when the path is under kubepods.
    pub pod_uid: Option<String>,
}

/// Parses a cgroup path such as `/kubepods/besteffort/pod<uid>/<id>`.
/// Returns `None` for host cgroups (no container id).
#[must_use]
pub fn parse_cgroup_path(path: &str) -> Option<ContainerRef> {
    let mut pod_uid = None;
    let mut found: Option<(String, Runtime)> = None;
    let mut under_kubepods = false;
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if seg.starts_with("kubepods") {
            under_kubepods = true;
        }
        if let Some(uid) = pod_uid_of(seg) {
            pod_uid = Some(uid);
            continue;
        }
        if let Some(c) = container_of(seg, under_kubepods) {
            found = Some(c);
        }
    }
    let (id, runtime) = found?;
    Some(ContainerRef { id, runtime, pod_uid })
}

/// `pod<uid>` or `kubepods[-qos]-pod<uid_with_underscores>.slice`.
fn pod_uid_of(seg: &str) -> Option<String> {
    let seg = seg.strip_suffix(".slice").unwrap_or(seg);
    let idx = seg.rfind("pod")?;
    let before = &seg[..idx];
    if !(before.is_empty() || before.starts_with("kubepods")) {
        return None;
    }
    let uid = seg[idx + 3..].replace('_', "-");
    is_uid(&uid).then_some(uid)
}

fn is_uid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn container_of(seg: &str, under_kubepods: bool) -> Option<(String, Runtime)> {
    let seg = seg.strip_suffix(".scope").unwrap_or(seg);
    if seg.starts_with("crio-conmon-") {
        return None;
    }
    for (prefix, runtime) in [
        ("cri-containerd-", Runtime::Containerd),
        ("docker-", Runtime::Docker),
        ("crio-", Runtime::CriO),
        ("libpod-", Runtime::Podman),
    ] {
        if let Some(id) = seg.strip_prefix(prefix)
            && is_id(id)
        {
            return Some((id.to_ascii_lowercase(), runtime));
        }
    }
    if is_id(seg) {
        let runtime = if under_kubepods { Runtime::Unknown } else { Runtime::Docker };
        return Some((seg.to_ascii_lowercase(), runtime));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "b9e73468867f59848c670d6f7459ba7098fb2c09c864b14553956f67a022ecba";
    const UID: &str = "12345678-1234-1234-1234-123456789abc";
    const UID_: &str = "12345678_1234_1234_1234_123456789abc";

    fn check(path: &str, runtime: Runtime, pod: Option<&str>) {
        let c = parse_cgroup_path(path).unwrap_or_else(|| panic!("no container in {path}"));
        assert_eq!((c.id.as_str(), c.runtime, c.pod_uid.as_deref()), (ID, runtime, pod), "{path}");
    }

    #[test]
    fn kubernetes_systemd_driver() {
        for (scope, rt) in
            [("cri-containerd", Runtime::Containerd), ("crio", Runtime::CriO), ("docker", Runtime::Docker)]
        {
            for (qos_slice, pod_slice) in [
                ("kubepods-besteffort.slice", format!("kubepods-besteffort-pod{UID_}.slice")),
                ("kubepods-burstable.slice", format!("kubepods-burstable-pod{UID_}.slice")),
                ("", format!("kubepods-pod{UID_}.slice")), // Guaranteed
            ] {
                let p = if qos_slice.is_empty() {
                    format!("/kubepods.slice/{pod_slice}/{scope}-{ID}.scope")
                } else {
                    format!("/kubepods.slice/{qos_slice}/{pod_slice}/{scope}-{ID}.scope")
                };
                check(&p, rt, Some(UID));
            }
        }
    }

    #[test]
    fn kubernetes_cgroupfs_driver() {
        check(&format!("/kubepods/besteffort/pod{UID}/{ID}"), Runtime::Unknown, Some(UID));
        check(&format!("/kubepods/burstable/pod{UID}/{ID}"), Runtime::Unknown, Some(UID));
        check(&format!("/kubepods/pod{UID}/{ID}"), Runtime::Unknown, Some(UID));
        check(&format!("/kubepods/besteffort/pod{UID}/crio-{ID}"), Runtime::CriO, Some(UID));
        // podman started with a kubepods-style --cgroup-parent (the integration test layout).
        check(&format!("/kubepods/besteffort/pod{UID}/libpod-{ID}"), Runtime::Podman, Some(UID));
    }

    #[test]
    fn plain_runtimes_both_drivers() {
        check(&format!("/docker/{ID}"), Runtime::Docker, None);
        check(&format!("/system.slice/docker-{ID}.scope"), Runtime::Docker, None);
        check(&format!("/libpod_parent/libpod-{ID}"), Runtime::Podman, None);
        check(&format!("/machine.slice/libpod-{ID}.scope"), Runtime::Podman, None);
        check(&format!("/machine.slice/libpod-{ID}.scope/container"), Runtime::Podman, None);
        check(&format!("/system.slice/containerd.service/k8s.io/cri-containerd-{ID}.scope"), Runtime::Containerd, None);
    }

    #[test]
    fn cgroup_v1_lines_use_the_same_paths() {
        // v1 hierarchies carry the same path per controller (see procfs_cgroup).
        check(&format!("/kubepods/besteffort/pod{UID}/{ID}"), Runtime::Unknown, Some(UID));
    }

    #[test]
    fn host_and_lookalike_paths_are_not_containers() {
        for p in [
            "/",
            "/user.slice/user-0.slice/session-1.scope",
            "/system.slice/containerd.service",
            "/kubepods/besteffort",
            &format!("/kubepods/besteffort/pod{UID}"),
            &format!("/system.slice/crio-conmon-{ID}.scope"),
            "/docker/abc",
        ] {
            assert_eq!(parse_cgroup_path(p), None, "{p}");
        }
        assert_eq!(parse_cgroup_path(&format!("/kubepods/besteffort/pod{UID}")), None);
    }
}

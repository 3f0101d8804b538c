//! `/proc/<pid>/cgroup`: the fallback for cgroup v1 and hybrid hosts.
//!
//! Lines are `hierarchy-id:controllers:path`; cgroup v2 is `0::path`. A
//! container shows in the v2 line when the runtime uses cgroup v2, and in
//! every v1 controller line otherwise, so the v2 line is tried first, then
//! the `name=systemd`, `pids` and `memory` lines, then any.

use super::{ContainerRef, parse_cgroup_path};

/// The container named by the contents of a `/proc/<pid>/cgroup` file.
#[must_use]
pub fn container_from_proc_cgroup(contents: &str) -> Option<ContainerRef> {
    let lines: Vec<(&str, &str)> = contents
        .lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ':');
            let _id = f.next()?;
            Some((f.next()?, f.next()?))
        })
        .collect();
    let preferred = ["", "name=systemd", "pids", "memory"];
    preferred
        .iter()
        .filter_map(|want| lines.iter().find(|(ctl, _)| ctl.split(',').any(|c| c == *want) || ctl == want))
        .chain(lines.iter())
        .find_map(|(_, path)| parse_cgroup_path(path))
}

/// The cgroup v2 path of a process (`0::` line), if it has one.
#[must_use]
pub fn v2_path(contents: &str) -> Option<&str> {
    contents.lines().find_map(|l| l.strip_prefix("0::"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::container::Runtime;

    const ID: &str = "b9e73468867f59848c670d6f7459ba7098fb2c09c864b14553956f67a022ecba";

    #[test]
    fn v1_only_host() {
        let text = format!("12:pids:/docker/{ID}\n11:memory:/docker/{ID}\n1:name=systemd:/docker/{ID}\n");
        let c = container_from_proc_cgroup(&text).unwrap();
        assert_eq!((c.id.as_str(), c.runtime), (ID, Runtime::Docker));
        assert_eq!(v2_path(&text), None);
    }

    #[test]
    fn hybrid_host_with_v2_line() {
        let text = format!("9:name=systemd:/libpod_parent/libpod-{ID}\n0::/libpod_parent/libpod-{ID}\n");
        assert_eq!(container_from_proc_cgroup(&text).unwrap().runtime, Runtime::Podman);
        assert_eq!(v2_path(&text), Some(format!("/libpod_parent/libpod-{ID}").as_str()));
    }

    #[test]
    fn v2_only_host_and_host_process() {
        let text = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(container_from_proc_cgroup(&text).unwrap().id, ID);
        assert_eq!(container_from_proc_cgroup("0::/init.scope\n"), None);
        assert_eq!(container_from_proc_cgroup("garbage"), None);
    }
}

//! Container attribution: cgroup id -> cgroup path -> container and pod.
//!
//! [`parse`] recognises container ids, runtimes and Kubernetes pod UIDs in
//! cgroup paths (docker, containerd, CRI-O, podman; systemd and cgroupfs
//! drivers; cgroup v1 and v2). [`procfs_cgroup`] reads `/proc/<pid>/cgroup`
//! for hosts where the cgroup v2 id says nothing (v1-only). [`resolver`]
//! maps the kernel's cgroup v2 id (the inode of the cgroup2 directory) to
//! its path with a bounded cache that forgets removed cgroups.

pub mod parse;
pub mod procfs_cgroup;
pub mod resolver;

pub use parse::{ContainerRef, Runtime, parse_cgroup_path};
pub use resolver::{CgroupResolver, ResolverStats};

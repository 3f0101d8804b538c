//! cgroup v2 id -> cgroup path, with a bounded cache.
//!
//! The kernel's `bpf_get_current_cgroup_id()` is the inode number of the
//! process's cgroup2 directory. A scan of the cgroup2 mount maps every
//! directory's inode to its path; a miss triggers a rescan (at most once per
//! `min_rescan`), and each scan rebuilds the map, so removed cgroups are
//! forgotten. When the id is still unknown (a cgroup created after the last
//! scan, or a v1-only host), `/proc/<pid>/cgroup` of the event's process is
//! read instead. The kernel also reports every new cgroup2 cgroup with its
//! path (`cgroup_mkdir` records, [`CgroupResolver::learn`]), which names a
//! container whose cgroup is gone before its other records are read.

use std::{
    collections::HashMap,
    os::unix::fs::MetadataExt as _,
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use super::{ContainerRef, parse_cgroup_path, procfs_cgroup};

/// A cgroup and the container it belongs to, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupInfo {
    /// Path relative to the cgroup2 mount, starting with `/`.
    pub path: String,
    pub container: Option<ContainerRef>,
}

/// Counters for self-metrics and logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResolverStats {
    pub scans: u64,
    pub hits: u64,
    pub misses: u64,
    /// Scans that stopped at the capacity bound.
    pub truncated_scans: u64,
}

/// Resolves cgroup ids to cgroups and containers.
#[derive(Debug)]
pub struct CgroupResolver {
    root: Option<PathBuf>,
    proc_root: PathBuf,
    by_id: HashMap<u64, Arc<CgroupInfo>>,
    /// Cgroups gone since a scan, kept a while so late readers (the kernel's
    /// aggregates of a container that just exited) still find their owner.
    removed: HashMap<u64, (Arc<CgroupInfo>, Instant)>,
    capacity: usize,
    min_rescan: Duration,
    last_scan: Option<Instant>,
    pub stats: ResolverStats,
}

impl CgroupResolver {
    /// `root` is the cgroup2 mount (see [`find_cgroup2_root`]); `proc_root`
    /// the host's `/proc`.
    #[must_use]
    pub fn new(root: Option<PathBuf>, proc_root: PathBuf, capacity: usize, min_rescan: Duration) -> Self {
        Self {
            root,
            proc_root,
            by_id: HashMap::new(),
            removed: HashMap::new(),
            capacity,
            min_rescan,
            last_scan: None,
            stats: ResolverStats::default(),
        }
    }

    /// Number of cached cgroups.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// How long a removed cgroup stays resolvable.
    pub const REMOVED_TTL: Duration = Duration::from_secs(300);

    /// A cgroup in the cache, live or recently removed (no scan, no pid
    /// fallback).
    #[must_use]
    pub fn get(&self, cgroup_id: u64) -> Option<Arc<CgroupInfo>> {
        self.by_id.get(&cgroup_id).or_else(|| self.removed.get(&cgroup_id).map(|(i, _)| i)).cloned()
    }

    /// Ids of the containers that own at least one live cgroup.
    #[must_use]
    pub fn live_container_ids(&self) -> std::collections::HashSet<&str> {
        self.by_id.values().filter_map(|i| i.container.as_ref().map(|c| c.id.as_str())).collect()
    }

    /// Whether the cgroup existed at the last scan (or was added since).
    #[must_use]
    pub fn is_live(&self, cgroup_id: u64) -> bool {
        self.by_id.contains_key(&cgroup_id)
    }

    /// Whether ids can be checked against a cgroup2 hierarchy at all.
    #[must_use]
    pub fn has_root(&self) -> bool {
        self.root.is_some()
    }

    /// The cgroup of an event: by id, else through the process's
    /// `/proc/<pid>/cgroup`.
    pub fn resolve(&mut self, cgroup_id: u64, pid: u32) -> Option<Arc<CgroupInfo>> {
        if let Some(info) = self.by_id.get(&cgroup_id) {
            self.stats.hits += 1;
            return Some(Arc::clone(info));
        }
        self.stats.misses += 1;
        let due = self.last_scan.is_none_or(|t| t.elapsed() >= self.min_rescan);
        if due && self.root.is_some() {
            self.scan();
            if let Some(info) = self.by_id.get(&cgroup_id) {
                return Some(Arc::clone(info));
            }
        }
        // Gone already, but named while it lived (a scan, or the kernel's
        // `cgroup_mkdir`): cgroup ids are not reused within a boot.
        if let Some((info, _)) = self.removed.get(&cgroup_id) {
            return Some(Arc::clone(info));
        }
        self.resolve_via_pid(cgroup_id, pid)
    }

    /// Records a cgroup the kernel just created (`cgroup_mkdir`): `path` is
    /// below the cgroup2 mount. A container whose cgroup is gone before its
    /// records are read is still named from this. A truncated path is not
    /// kept (its last segment, the container's, may be cut); the usual
    /// lookups then apply.
    pub fn learn(&mut self, cgroup_id: u64, path: &str, truncated: bool) {
        if truncated || !path.starts_with('/') || self.by_id.contains_key(&cgroup_id) {
            return;
        }
        if self.by_id.len() >= self.capacity {
            return;
        }
        let info = CgroupInfo { path: path.to_owned(), container: parse_cgroup_path(path) };
        self.by_id.insert(cgroup_id, Arc::new(info));
    }

    /// Rebuilds the id map from the cgroup2 hierarchy.
    pub fn scan(&mut self) {
        let Some(root) = self.root.clone() else { return };
        self.last_scan = Some(Instant::now());
        self.stats.scans += 1;
        let mut map = HashMap::new();
        let mut stack = vec![(root.clone(), 0u32)];
        while let Some((dir, depth)) = stack.pop() {
            let Ok(meta) = std::fs::metadata(&dir) else { continue };
            if map.len() >= self.capacity {
                self.stats.truncated_scans += 1;
                break;
            }
            let rel = relative(&root, &dir);
            let container = parse_cgroup_path(&rel);
            map.insert(meta.ino(), Arc::new(CgroupInfo { path: rel, container }));
            if depth >= 32 {
                continue;
            }
            if let Ok(entries) = std::fs::read_dir(&dir) {
                for e in entries.flatten() {
                    if e.file_type().is_ok_and(|t| t.is_dir()) {
                        stack.push((e.path(), depth + 1));
                    }
                }
            }
        }
        let now = Instant::now();
        let old = std::mem::replace(&mut self.by_id, map);
        for (id, info) in old {
            if !self.by_id.contains_key(&id) && self.removed.len() < self.capacity {
                self.removed.insert(id, (info, now));
            }
        }
        self.removed.retain(|id, (_, at)| now.duration_since(*at) < Self::REMOVED_TTL && !self.by_id.contains_key(id));
    }

    /// Fallback through `/proc/<pid>/cgroup`; caches the v2 path when its
    /// inode matches the id.
    fn resolve_via_pid(&mut self, cgroup_id: u64, pid: u32) -> Option<Arc<CgroupInfo>> {
        let text = std::fs::read_to_string(self.proc_root.join(pid.to_string()).join("cgroup")).ok()?;
        let container = procfs_cgroup::container_from_proc_cgroup(&text);
        let path = procfs_cgroup::v2_path(&text).unwrap_or("/").to_string();
        let info = Arc::new(CgroupInfo { path: path.clone(), container });
        if let Some(root) = &self.root
            && std::fs::metadata(root.join(path.trim_start_matches('/'))).is_ok_and(|m| m.ino() == cgroup_id)
            && self.by_id.len() < self.capacity
        {
            self.by_id.insert(cgroup_id, Arc::clone(&info));
        }
        Some(info)
    }
}

fn relative(root: &Path, dir: &Path) -> String {
    match dir.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => "/".to_string(),
        Ok(rel) => format!("/{}", rel.display()),
        Err(_) => dir.display().to_string(),
    }
}

/// The cgroup2 mount point from a mount table (`/proc/self/mounts`):
/// `/sys/fs/cgroup` on unified hosts, `/sys/fs/cgroup/unified` on hybrid ones.
#[must_use]
pub fn find_cgroup2_root(mounts: &str) -> Option<PathBuf> {
    mounts.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        let _dev = f.next()?;
        let path = f.next()?;
        (f.next()? == "cgroup2").then(|| PathBuf::from(path))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_learned_cgroup_is_named_after_it_is_gone() {
        let root = std::env::temp_dir().join(format!("sysotel-cg-learn-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let id = "0f5bfb0e8c2a6f3e5d7c9b1a2f4e6d8c0b2a4f6e8d0c2b4a6f8e0d2c4b6a8f0e";
        let path = format!("/machine.slice/libpod-{id}.scope");
        let mut r = CgroupResolver::new(Some(root.clone()), PathBuf::from("/nonexistent-proc"), 100, Duration::ZERO);
        // Never on disk and no /proc entry: only the kernel's record names it.
        assert!(r.resolve(7_777_777, 1).is_none());
        r.learn(7_777_777, &path, false);
        let info = r.resolve(7_777_777, 1).unwrap();
        assert_eq!((info.path.as_str(), info.container.as_ref().unwrap().id.as_str()), (path.as_str(), id));
        // The next scan finds no such directory: the cgroup counts as removed
        // and stays resolvable.
        r.scan();
        assert!(!r.is_live(7_777_777));
        assert_eq!(r.resolve(7_777_777, 1).unwrap().container.as_ref().unwrap().id, id);
        // Truncated or relative paths are not kept.
        r.learn(8_888_888, &path, true);
        r.learn(9_999_999, "machine.slice", false);
        assert!(r.resolve(8_888_888, 1).is_none() && r.resolve(9_999_999, 1).is_none());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn finds_cgroup2_mount() {
        let m = "cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n";
        assert_eq!(find_cgroup2_root(m), Some(PathBuf::from("/sys/fs/cgroup/unified")));
        assert_eq!(find_cgroup2_root("tmpfs /tmp tmpfs rw 0 0\n"), None);
    }

    #[test]
    fn scans_a_directory_tree_and_forgets_removed_dirs() {
        let root = std::env::temp_dir().join(format!("sysotel-cg-{}", std::process::id()));
        let id = "b9e73468867f59848c670d6f7459ba7098fb2c09c864b14553956f67a022ecba";
        let leaf = root.join("libpod_parent").join(format!("libpod-{id}"));
        std::fs::create_dir_all(&leaf).unwrap();
        let ino = std::fs::metadata(&leaf).unwrap().ino();
        let mut r = CgroupResolver::new(Some(root.clone()), PathBuf::from("/proc"), 100, Duration::ZERO);
        let info = r.resolve(ino, std::process::id()).unwrap();
        assert_eq!(info.path, format!("/libpod_parent/libpod-{id}"));
        assert_eq!(info.container.as_ref().unwrap().id, id);
        assert_eq!(r.len(), 3);
        std::fs::remove_dir(&leaf).unwrap();
        r.scan();
        assert_eq!(r.len(), 2, "removed cgroup no longer live");
        assert!(!r.is_live(ino));
        assert_eq!(r.get(ino).unwrap().path, info.path, "but still resolvable for a while");
        // Unknown id: falls back to this process's /proc/<pid>/cgroup.
        assert!(r.resolve(u64::MAX, std::process::id()).is_some());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn capacity_bounds_the_cache() {
        let root = std::env::temp_dir().join(format!("sysotel-cgcap-{}", std::process::id()));
        for i in 0..5 {
            std::fs::create_dir_all(root.join(format!("d{i}"))).unwrap();
        }
        let mut r = CgroupResolver::new(Some(root.clone()), PathBuf::from("/proc"), 3, Duration::ZERO);
        r.scan();
        assert_eq!((r.len(), r.stats.truncated_scans), (3, 1));
        std::fs::remove_dir_all(&root).unwrap();
    }
}

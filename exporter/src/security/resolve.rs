//! Turning the paths a caller passed into absolute paths: relative paths
//! are joined to the caller's working directory (or the `*at` directory
//! descriptor), descriptor-only calls are named through `/proc/PID/fd`.
//!
//! This runs in userspace after the event arrived, so a process that exited
//! (or changed directory, or closed the descriptor) in between cannot be
//! resolved; the path then stays as given and the record says so.

use std::path::{Component, Path, PathBuf};

/// Where the working directory and descriptors of a process are looked up.
pub trait ProcLookup {
    /// The working directory of `pid`, as seen from its own root.
    fn cwd(&self, pid: u32) -> Option<String>;
    /// What descriptor `fd` of `pid` refers to.
    fn fd_path(&self, pid: u32, fd: i32) -> Option<String>;
}

/// [`ProcLookup`] over a real `/proc`.
pub struct ProcFs {
    pub root: PathBuf,
}

impl ProcLookup for ProcFs {
    fn cwd(&self, pid: u32) -> Option<String> {
        let p = std::fs::read_link(self.root.join(pid.to_string()).join("cwd")).ok()?;
        Some(p.to_string_lossy().into_owned())
    }

    fn fd_path(&self, pid: u32, fd: i32) -> Option<String> {
        if fd < 0 {
            return None;
        }
        let p = std::fs::read_link(self.root.join(pid.to_string()).join("fd").join(fd.to_string())).ok()?;
        Some(p.to_string_lossy().into_owned())
    }
}

/// Lexically normalises `path` (`.`, `..`, repeated slashes); symlinks are
/// not followed.
#[must_use]
pub fn normalize(path: &str) -> String {
    if is_normal(path) { path.to_owned() } else { normalize_components(path) }
}

/// Whether `path` is already in [`normalize`]'s form: absolute, and every
/// component after the root non-empty and neither `.` nor `..` (no repeated
/// or trailing slash). Most paths are, and are then copied as they are.
fn is_normal(path: &str) -> bool {
    match path.strip_prefix('/') {
        Some("") => true,
        Some(rest) => rest.split('/').all(|c| !c.is_empty() && c != "." && c != ".."),
        None => false,
    }
}

fn normalize_components(path: &str) -> String {
    let mut out = PathBuf::from("/");
    for c in Path::new(path).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out.to_string_lossy().into_owned()
}

/// The absolute form of `path` passed by `pid` relative to `dirfd`
/// (`None`: the working directory). `None` when the base is unknown.
#[must_use]
pub fn absolute(lookup: &dyn ProcLookup, pid: u32, dirfd: Option<i32>, path: &str) -> Option<String> {
    if path.starts_with('/') {
        return Some(normalize(path));
    }
    let base = match dirfd {
        None | Some(super::render::AT_FDCWD) => lookup.cwd(pid)?,
        Some(fd) => lookup.fd_path(pid, fd)?,
    };
    if !base.starts_with('/') {
        return None;
    }
    if path.is_empty() {
        return Some(normalize(&base));
    }
    Some(join(&base, path))
}

/// `path` (relative) below the directory `base` (absolute), normalised.
#[must_use]
pub fn join(base: &str, path: &str) -> String {
    normalize(&format!("{base}/{path}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashMap;

    use super::*;

    #[derive(Default)]
    pub(crate) struct FakeProc {
        pub cwd: HashMap<u32, String>,
        pub fds: HashMap<(u32, i32), String>,
    }

    impl ProcLookup for FakeProc {
        fn cwd(&self, pid: u32) -> Option<String> {
            self.cwd.get(&pid).cloned()
        }
        fn fd_path(&self, pid: u32, fd: i32) -> Option<String> {
            self.fds.get(&(pid, fd)).cloned()
        }
    }

    #[test]
    fn relative_paths_join_cwd_or_dirfd() {
        let mut p = FakeProc::default();
        p.cwd.insert(1, "/etc".into());
        p.fds.insert((1, 5), "/var/log".into());
        assert_eq!(absolute(&p, 1, None, "shadow").as_deref(), Some("/etc/shadow"));
        assert_eq!(absolute(&p, 1, Some(-100), "../root/.ssh/x").as_deref(), Some("/root/.ssh/x"));
        assert_eq!(absolute(&p, 1, Some(5), "./syslog").as_deref(), Some("/var/log/syslog"));
        assert_eq!(absolute(&p, 1, Some(5), "").as_deref(), Some("/var/log"));
        assert_eq!(absolute(&p, 2, None, "x"), None);
        assert_eq!(absolute(&p, 2, None, "/a//b/../c").as_deref(), Some("/a/c"));
        assert_eq!(normalize("/../.."), "/");
    }

    #[test]
    fn normal_paths_are_copied_as_the_component_walk_would_give_them() {
        for p in [
            "/", "/a", "/a/b", "/a/b/", "//a", "/a//b", "/./a", "/a/.", "/a/..", "/a/../b", "/..", "a/b", "", ".",
            "/.a", "/a./b..", "/...",
        ] {
            assert_eq!(normalize(p), normalize_components(p), "{p:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn fast_path_agrees_with_the_component_walk(p in "[/a.]{0,12}") {
            proptest::prop_assert_eq!(normalize(&p), normalize_components(&p));
        }
    }

    #[test]
    fn real_proc_resolves_own_cwd() {
        let fs = ProcFs { root: PathBuf::from("/proc") };
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(fs.cwd(std::process::id()).as_deref(), Some(cwd.to_string_lossy().as_ref()));
        assert_eq!(fs.fd_path(std::process::id(), -1), None);
    }
}

//! The watched path prefixes, for the reads the kernel could not judge.
//!
//! The kernel compares an open's path with the watched prefixes byte by byte
//! only when the path is in normal form. A relative path, or one with a `.`,
//! `..` or empty component, arrives flagged "undecided" with the directory it
//! starts from; once userspace has made it absolute and normalised it, this
//! list decides whether the read is reported (as a watched read) or skipped.

use super::{
    SecurityRecord,
    resolve::{join, normalize},
};
use crate::{decode::SecurityEvent, util::text::escape_bytes};

/// The watched prefixes (absolute, as configured).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchList {
    prefixes: Vec<String>,
}

impl WatchList {
    #[must_use]
    pub fn new(prefixes: &[String]) -> Self {
        WatchList { prefixes: prefixes.to_vec() }
    }

    /// Whether `path` (absolute, normalised) lies below a watched prefix:
    /// the kernel's rule, a prefix of its bytes (so `/etc/shadow` covers
    /// `/etc/shadow-` too, and `/root/.ssh/` everything inside it).
    #[must_use]
    pub fn covers(&self, path: &str) -> bool {
        self.prefixes.iter().any(|p| path.starts_with(p.as_str()))
    }

    /// For a read the kernel left undecided, before its record is built:
    /// whether it lies below a watched prefix, when its path and the base the
    /// kernel walked say so alone (`None`: build the record, which may also
    /// ask `/proc`). Most undecided reads are of unwatched files; deciding
    /// here spares them the argument rendering.
    #[must_use]
    pub fn early_verdict(&self, e: &SecurityEvent) -> Option<bool> {
        let path = escape_bytes(e.paths[0].as_deref()?);
        if path.starts_with('/') {
            return Some(self.covers(&normalize(&path)));
        }
        let base = e.base.as_ref().filter(|b| !b.truncated)?;
        Some(self.covers(&join(&escape_bytes(&base.path), &path)))
    }

    /// For a read the kernel left undecided: whether it is reported. It is
    /// when its resolved path lies below a watched prefix (it becomes a
    /// watched read), or when it could not be resolved (a record rather than
    /// a read missed).
    pub fn judge_undecided(&self, rec: &mut SecurityRecord) -> bool {
        let covered = match (&rec.file, rec.file_resolved) {
            (Some(file), true) => self.covers(file),
            _ => return true,
        };
        rec.event.watched = covered;
        covered
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        decode::{Base, BaseKind, SecurityEvent},
        security::{catalog::by_name, model::tests::event, resolve::tests::FakeProc},
    };

    /// An undecided `openat(AT_FDCWD, path, O_RDONLY)` by pid 7, with the
    /// working directory the kernel walked, if any.
    fn read(path: &[u8], cwd: Option<&[u8]>) -> SecurityEvent {
        let mut e = event([0xffff_ff9c, 0, 0, 0, 0, 0], [Some(path), None]);
        e.nr = by_name("openat").unwrap().nr().unwrap();
        e.undecided = true;
        e.base = cwd.map(|p| Base { kind: BaseKind::Cwd, path: p.to_vec(), truncated: false });
        e
    }

    fn judged(w: &WatchList, e: SecurityEvent) -> Option<SecurityRecord> {
        let mut rec = SecurityRecord::build(by_name("openat").unwrap(), e, &FakeProc::default());
        w.judge_undecided(&mut rec).then_some(rec)
    }

    #[test]
    fn undecided_reads_are_kept_only_below_a_watched_prefix() {
        let w = WatchList::new(&["/etc/shadow".to_owned()]);
        for (path, cwd) in [
            (&b"shadow"[..], Some(&b"/etc"[..])),
            (b"../etc/./shadow", Some(b"/root")),
            (b"/tmp/../etc/shadow", None),
            (b"//etc/shadow", None),
        ] {
            let rec = judged(&w, read(path, cwd)).unwrap_or_else(|| panic!("{path:?} from {cwd:?} was skipped"));
            assert_eq!(rec.file.as_deref(), Some("/etc/shadow"));
            assert!(rec.event.watched);
        }
        for (path, cwd) in
            [(&b"passwd"[..], Some(&b"/etc"[..])), (b"/etc/ssh/../hostname", None), (b"shadow", Some(b"/tmp"))]
        {
            assert!(judged(&w, read(path, cwd)).is_none(), "{path:?} from {cwd:?} was kept");
        }
    }

    #[test]
    fn the_early_verdict_agrees_with_the_built_record() {
        let w = WatchList::new(&["/etc/shadow".to_owned(), "/root/.ssh/".to_owned()]);
        for (path, cwd) in [
            (&b"shadow"[..], Some(&b"/etc"[..])),
            (b"../etc/./shadow", Some(b"/root")),
            (b".ssh/id_rsa", Some(b"/root")),
            (b"/tmp/../etc/shadow", None),
            (b"passwd", Some(b"/etc")),
            (b"/etc/ssh/../hostname", None),
            (b"shadow", Some(b"/tmp")),
        ] {
            let e = read(path, cwd);
            let built = judged(&w, e.clone()).is_some();
            assert_eq!(w.early_verdict(&e), Some(built), "{path:?} from {cwd:?}");
        }
        // No base, or one that lost components: the record decides.
        assert_eq!(w.early_verdict(&read(b"shadow", None)), None);
        let mut cut = read(b"shadow", Some(b"/etc"));
        cut.base.as_mut().unwrap().truncated = true;
        assert_eq!(w.early_verdict(&cut), None);
    }

    #[test]
    fn an_undecided_read_that_cannot_be_resolved_is_kept_unwatched() {
        // No base from the kernel and no /proc entry for pid 7.
        let rec = judged(&WatchList::new(&["/etc/shadow".to_owned()]), read(b"shadow", None)).expect("kept");
        assert!(!rec.file_resolved && !rec.event.watched);
    }

    #[test]
    fn a_path_is_covered_by_any_prefix_of_its_bytes() {
        let w = WatchList::new(&["/etc/shadow".to_owned(), "/root/.ssh/".to_owned()]);
        assert!(w.covers("/etc/shadow"));
        assert!(w.covers("/etc/shadow-"));
        assert!(w.covers("/root/.ssh/id_ed25519"));
        assert!(!w.covers("/root/.ssh"));
        assert!(!w.covers("/etc/passwd"));
        assert!(!WatchList::default().covers("/etc/shadow"));
    }
}

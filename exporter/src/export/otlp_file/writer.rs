//! [`JsonLinesFile`]: an append-only, size-bounded JSON-lines file.
//!
//! One request per line, written with a single `write` on an `O_APPEND`
//! descriptor under a mutex, so concurrent exporters never interleave
//! partial lines. Each line goes straight to the kernel (no user-space
//! buffer to flush; no `fsync`, which would block on the disk).
//!
//! # Rotation
//! Before a line would push a regular file past `max_bytes`, the file is
//! renamed to `<path>.1` (replacing the previous backup) and a new one is
//! started, so at most about `2 × max_bytes` stay on disk. A single line
//! larger than `max_bytes` is still written, alone in its file. Paths that
//! are not regular files (`/dev/stdout`, a FIFO) are never rotated.
//!
//! # Failures
//! Every failure is counted ([`JsonLinesFile::errors`]) and returned; the
//! line is dropped, never retried or queued. After a failed write or
//! rotation the descriptor is closed and the next write reopens the path,
//! so a removed file or a freed disk recovers on its own.

use std::{
    ffi::OsString,
    fs::{self, File, OpenOptions},
    io::Write,
    path::{Path, PathBuf},
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use serde::Serialize;

use super::{error::FileError, json::encode_line};

/// Default size at which a file is rotated: 64 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// An append-only OTLP/JSON-lines file; see the [module docs](self).
#[derive(Debug)]
pub struct JsonLinesFile {
    path: PathBuf,
    backup: PathBuf,
    max_bytes: u64,
    state: Mutex<State>,
    lines: AtomicU64,
    rotations: AtomicU64,
    errors: AtomicU64,
}

#[derive(Debug)]
struct State {
    /// `None` after a failure: the next write reopens the path.
    file: Option<Open>,
}

#[derive(Debug)]
struct Open {
    file: File,
    len: u64,
    rotatable: bool,
}

impl JsonLinesFile {
    /// Opens (creating it and its parent directory if needed) `path` for
    /// appending, rotating at [`DEFAULT_MAX_BYTES`].
    ///
    /// # Errors
    /// [`FileError::Open`] when the directory or file cannot be created.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, FileError> {
        Self::with_max_bytes(path, DEFAULT_MAX_BYTES)
    }

    /// Like [`open`](Self::open), rotating once the file would exceed
    /// `max_bytes`.
    ///
    /// # Errors
    /// [`FileError::Open`] when the directory or file cannot be created.
    pub fn with_max_bytes(path: impl Into<PathBuf>, max_bytes: u64) -> Result<Self, FileError> {
        let path = path.into();
        let mut backup = OsString::from(path.as_os_str());
        backup.push(".1");
        let file = open_append(&path)?;
        Ok(Self {
            path,
            backup: PathBuf::from(backup),
            max_bytes,
            state: Mutex::new(State { file: Some(file) }),
            lines: AtomicU64::new(0),
            rotations: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    /// The file written to.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the previous file goes on rotation: `<path>.1`.
    #[must_use]
    pub fn backup_path(&self) -> &Path {
        &self.backup
    }

    /// Lines written so far.
    #[must_use]
    pub fn lines_written(&self) -> u64 {
        self.lines.load(Ordering::Relaxed)
    }

    /// Rotations so far.
    #[must_use]
    pub fn rotations(&self) -> u64 {
        self.rotations.load(Ordering::Relaxed)
    }

    /// Failed writes so far (encoding, opening, rotating or writing).
    #[must_use]
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Writes `req` as one OTLP/JSON line.
    ///
    /// # Errors
    /// Any [`FileError`]; the line is then dropped and the error counted.
    pub fn write_request(&self, req: &impl Serialize) -> Result<(), FileError> {
        let result = encode_line(req).map_err(FileError::from).and_then(|line| self.append(line));
        match &result {
            Ok(()) => self.lines.fetch_add(1, Ordering::Relaxed),
            Err(_) => self.errors.fetch_add(1, Ordering::Relaxed),
        };
        result
    }

    fn append(&self, mut line: Vec<u8>) -> Result<(), FileError> {
        line.push(b'\n');
        let len = line.len() as u64;
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let open = match state.file.take() {
            Some(open) => open,
            None => open_append(&self.path)?,
        };
        let mut open = if open.rotatable && open.len > 0 && open.len.saturating_add(len) > self.max_bytes {
            drop(open);
            fs::rename(&self.path, &self.backup)
                .map_err(|source| FileError::Rotate { path: self.path.clone(), source })?;
            self.rotations.fetch_add(1, Ordering::Relaxed);
            open_append(&self.path)?
        } else {
            open
        };
        open.file
            .write_all(&line)
            .and_then(|()| open.file.flush())
            .map_err(|source| FileError::Write { path: self.path.clone(), source })?;
        open.len = open.len.saturating_add(len);
        state.file = Some(open);
        Ok(())
    }
}

fn open_append(path: &Path) -> Result<Open, FileError> {
    let open = || {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let meta = file.metadata()?;
        Ok(Open { file, len: meta.len(), rotatable: meta.is_file() })
    };
    open().map_err(|source| FileError::Open { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn lines(path: &Path) -> Vec<Value> {
        fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    #[test]
    fn appends_one_line_per_request_and_creates_the_dir() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/logs.jsonl");
        let file = JsonLinesFile::open(&path).unwrap();
        file.write_request(&json!({"n": 1})).unwrap();
        file.write_request(&json!({"n": 2, "skip": null})).unwrap();
        assert_eq!(lines(&path), vec![json!({"n": 1}), json!({"n": 2})]);
        assert_eq!((file.lines_written(), file.errors(), file.rotations()), (2, 0, 0));
        // Reopening appends, and picks up the existing length.
        let again = JsonLinesFile::open(&path).unwrap();
        again.write_request(&json!({"n": 3})).unwrap();
        assert_eq!(lines(&path).len(), 3);
    }

    #[test]
    fn rotates_to_one_backup_before_exceeding_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        // Each line is `{"n":N}\n` = 8 bytes; two fit in 20, three do not.
        let file = JsonLinesFile::with_max_bytes(&path, 20).unwrap();
        for n in 0..7 {
            file.write_request(&json!({"n": n})).unwrap();
        }
        assert_eq!(file.backup_path(), dir.path().join("t.jsonl.1"));
        assert_eq!(lines(&path), vec![json!({"n": 6})]);
        assert_eq!(lines(file.backup_path()), vec![json!({"n": 4}), json!({"n": 5})]);
        assert_eq!(file.rotations(), 3);
        assert!(fs::metadata(&path).unwrap().len() <= 20);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 2, "only the file and one backup: {names:?}");
    }

    #[test]
    fn oversized_line_is_written_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.jsonl");
        let file = JsonLinesFile::with_max_bytes(&path, 4).unwrap();
        file.write_request(&json!({"big": "0123456789"})).unwrap();
        file.write_request(&json!({"big": "abcdefghij"})).unwrap();
        assert_eq!(lines(&path), vec![json!({"big": "abcdefghij"})]);
        assert_eq!(lines(file.backup_path()), vec![json!({"big": "0123456789"})]);
    }

    #[test]
    fn recovers_when_the_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gone/x.jsonl");
        let file = JsonLinesFile::open(&path).unwrap();
        fs::remove_dir_all(dir.path().join("gone")).unwrap();
        // The open descriptor still works (unlinked inode); force a reopen
        // the way a failed write would.
        file.state.lock().unwrap().file = None;
        file.write_request(&json!({"back": true})).unwrap();
        assert_eq!(lines(&path), vec![json!({"back": true})]);
    }

    #[test]
    fn write_errors_are_counted_and_returned() {
        // /dev/full accepts the open and fails every write with ENOSPC; it is
        // not a regular file, so it is never rotated.
        let Ok(file) = JsonLinesFile::open("/dev/full") else {
            eprintln!("skipping: no /dev/full");
            return;
        };
        let err = file.write_request(&json!({"n": 1})).unwrap_err();
        assert!(matches!(err, FileError::Write { .. }), "{err}");
        assert!(file.write_request(&json!({"n": 2})).is_err());
        assert_eq!((file.errors(), file.lines_written(), file.rotations()), (2, 0, 0));
    }
}

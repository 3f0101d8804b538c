//! A per-fixture directory for child logs, kept when a test fails.

use std::path::{Path, PathBuf};
use std::{env, fs, io, thread};

use crate::workload::unique_marker;

/// A fresh directory under the system temp dir. Removed on drop, unless the
/// thread is panicking: then its path is printed and the logs stay for a look.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// Creates `$TMPDIR/sysotel-it-<label>-<unique>`.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn create(label: &str) -> io::Result<Self> {
        let path = env::temp_dir().join(format!("sysotel-it-{label}-{}", unique_marker()));
        fs::create_dir_all(&path)?;
        Ok(Self { path })
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("kept {} for debugging", self.path.display());
        } else {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// How much of a log [`dump_tail`] prints.
const DUMP_BYTES: usize = 16 * 1024;

/// The file as text (invalid UTF-8 replaced); empty if it cannot be read.
pub(crate) fn read_log(path: &Path) -> String {
    fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

/// Prints the last [`DUMP_BYTES`] of a child's log to stderr, for a failing test.
pub(crate) fn dump_tail(label: &str, path: &Path) {
    let text = read_log(path);
    let mut start = text.len().saturating_sub(DUMP_BYTES);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    eprintln!("----- {label} ({}) -----\n{}\n----- end of {label} -----", path.display(), &text[start..]);
}

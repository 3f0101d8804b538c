//! Free space on the disk that holds the build (`df -Pk`), shown after each
//! stage of `cargo xtask test`: debug, release and fuzz builds share one
//! disk in CI, and a full disk fails a link with errors that do not say so
//! (`ld terminated with signal 7 [Bus error]`).

use std::{path::Path, process::Command};

use crate::{cmd, env};

/// Bytes available to unprivileged users on the file system of the target
/// directory (or of the workspace, before the first build made it); `None`
/// when `df` is missing or prints something unexpected.
pub fn available() -> Option<u64> {
    let target = env::target_dir();
    let path = if target.exists() { target.as_path() } else { env::workspace_root() };
    available_at(path)
}

fn available_at(path: &Path) -> Option<u64> {
    let out = cmd::stdout(Command::new("df").arg("-Pk").arg(path)).ok()?;
    parse_df_available(&out)
}

/// The `Available` column (1024-byte blocks) of `df -Pk`'s one data line, in bytes.
fn parse_df_available(out: &str) -> Option<u64> {
    let line = out.lines().nth(1)?;
    let kib: u64 = line.split_whitespace().nth(3)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// `12.3 GiB free`.
pub fn describe(bytes: u64) -> String {
    #[expect(clippy::cast_precision_loss, reason = "shown with one decimal")]
    let gib = bytes as f64 / f64::from(1u32 << 30);
    format!("{gib:.1} GiB free")
}

#[cfg(test)]
mod tests {
    use super::{describe, parse_df_available};

    #[test]
    fn reads_the_available_column() {
        let out = "Filesystem     1024-blocks      Used Available Capacity Mounted on\n\
                   /dev/vda         263174212  11534336  83886080      13% /\n";
        assert_eq!(parse_df_available(out), Some(83_886_080 * 1024));
        assert_eq!(describe(83_886_080 * 1024), "80.0 GiB free");
    }

    #[test]
    fn unexpected_output_is_none() {
        assert_eq!(parse_df_available(""), None);
        assert_eq!(parse_df_available("Filesystem 1024-blocks\n/dev/vda 12"), None);
        assert_eq!(parse_df_available("h\n/dev/vda 1 2 lots 4% /"), None);
    }
}

//! sysotel's own counters, from the summary it logs on stderr when it stops
//! (`exporter/src/main.rs`): "stopped: N records received, N logs emitted,
//! N lost to a full ring buffer, N dropped on a full queue, N malformed; logs
//! exported N, failed N, dropped on a full export queue N". Every label must
//! be there, so a change of wording fails the bench instead of reading zeros.

use anyhow::{Context as _, Result, bail};

/// The agent's totals over its whole run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StopSummary {
    /// Records read from the kernel ring buffer.
    pub received: u64,
    pub logs_emitted: u64,
    /// Records the kernel could not write: the ring buffer was full.
    pub ringbuf_full: u64,
    /// Records dropped between the ring-buffer reader and the pipeline.
    pub queue_full: u64,
    pub malformed: u64,
    pub logs_exported: u64,
    pub export_failed: u64,
    /// Log records dropped on a full export (batch) queue.
    pub export_queue_full: u64,
}

impl StopSummary {
    /// Every counted loss, from the kernel to the collector.
    pub fn drops(&self) -> u64 {
        self.ringbuf_full + self.queue_full + self.malformed + self.export_queue_full + self.export_failed
    }

    /// Log records emitted but neither exported nor counted as dropped or
    /// failed (0 when every loss is counted).
    pub fn unaccounted_logs(&self) -> i64 {
        let accounted = self.logs_exported + self.export_queue_full + self.export_failed;
        i64::try_from(self.logs_emitted).unwrap_or(i64::MAX) - i64::try_from(accounted).unwrap_or(i64::MAX)
    }
}

/// Finds the last summary line in `lines` and reads it.
pub fn find(lines: &[String]) -> Result<StopSummary> {
    let line = lines
        .iter()
        .rev()
        .find(|line| line.contains("stopped:"))
        .with_context(|| format!("sysotel printed no `stopped:` summary; its last lines: {}", lines.join(" | ")))?;
    parse(line)
}

/// Reads one summary line: comma- and semicolon-separated parts, each a
/// number and a label (the number first or last).
pub fn parse(line: &str) -> Result<StopSummary> {
    let text = line.split_once("stopped:").map(|(_, rest)| rest).context("not a `stopped:` line")?;
    let mut counts: Vec<(String, u64)> = Vec::new();
    for part in text.split([',', ';']) {
        let words: Vec<&str> = part.split_whitespace().collect();
        let Some(at) = words.iter().position(|word| word.bytes().all(|b| b.is_ascii_digit())) else {
            bail!("no number in `{}` of {line:?}", part.trim());
        };
        let label: Vec<&str> = words.iter().enumerate().filter(|&(i, _)| i != at).map(|(_, word)| *word).collect();
        counts.push((label.join(" "), words[at].parse().context("count out of range")?));
    }
    let get = |label: &str| {
        counts
            .iter()
            .find(|(name, _)| name == label)
            .map(|(_, count)| *count)
            .with_context(|| format!("no `{label}` count in {line:?}"))
    };
    Ok(StopSummary {
        received: get("records received")?,
        logs_emitted: get("logs emitted")?,
        ringbuf_full: get("lost to a full ring buffer")?,
        queue_full: get("dropped on a full queue")?,
        malformed: get("malformed")?,
        logs_exported: get("logs exported")?,
        export_failed: get("failed")?,
        export_queue_full: get("dropped on a full export queue")?,
    })
}

#[cfg(test)]
mod tests {
    use super::{StopSummary, parse};

    #[test]
    fn reads_every_count_of_a_colored_line() {
        let line = "\u{1b}[2m2026-11-24T01:12:53Z\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m sysotel: stopped: 975 records received, \
                    851 logs emitted, 3 lost to a full ring buffer, 4 dropped on a full queue, 5 malformed; \
                    logs exported 840, failed 6, dropped on a full export queue 7";
        let summary = parse(line).unwrap();
        assert_eq!(
            summary,
            StopSummary {
                received: 975,
                logs_emitted: 851,
                ringbuf_full: 3,
                queue_full: 4,
                malformed: 5,
                logs_exported: 840,
                export_failed: 6,
                export_queue_full: 7,
            }
        );
        assert_eq!(summary.drops(), 25);
        assert_eq!(summary.unaccounted_logs(), -2);
    }

    #[test]
    fn a_changed_wording_is_an_error() {
        assert!(parse("stopped: 975 events received, 851 logs emitted").is_err());
        assert!(parse("stopped: many records received").is_err());
    }
}

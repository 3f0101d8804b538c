//! Sequential stages with fast failure and a final summary line per stage,
//! with the time each took and the disk space left after it.

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use crate::disk;

enum Outcome {
    /// How long it took, and the bytes free after it.
    Passed(Duration, Option<u64>),
    Failed(Duration, Option<u64>),
    Skipped,
}

/// Runs stages in order; after the first failure the rest are skipped.
#[derive(Default)]
pub struct Stages {
    done: Vec<(String, Outcome)>,
    failed: bool,
}

impl Stages {
    /// Runs `stage` unless an earlier one failed; `None` if it did not pass.
    pub fn run<T>(&mut self, name: &str, stage: impl FnOnce() -> Result<T>) -> Option<T> {
        if self.failed {
            self.done.push((name.to_owned(), Outcome::Skipped));
            return None;
        }
        println!("\n==> {name}");
        let start = Instant::now();
        let result = stage();
        let (took, free) = (start.elapsed(), disk::available());
        match result {
            Ok(value) => {
                self.done.push((name.to_owned(), Outcome::Passed(took, free)));
                Some(value)
            }
            Err(error) => {
                eprintln!("error: {name}: {error:#}");
                self.done.push((name.to_owned(), Outcome::Failed(took, free)));
                self.failed = true;
                None
            }
        }
    }

    /// Prints the summary; fails if any stage failed.
    pub fn finish(self) -> Result<()> {
        println!("\nsummary:");
        for (name, outcome) in &self.done {
            match outcome {
                Outcome::Passed(took, free) => println!("  ok       {name} ({})", after(*took, *free)),
                Outcome::Failed(took, free) => println!("  FAILED   {name} ({})", after(*took, *free)),
                Outcome::Skipped => println!("  skipped  {name}"),
            }
        }
        match self.done.iter().find(|(_, outcome)| matches!(outcome, Outcome::Failed(..))) {
            Some((name, _)) => Err(anyhow!("stage `{name}` failed")),
            None => Ok(()),
        }
    }
}

/// `12.3s; 40.1 GiB free`, or only the time when `df` did not answer.
fn after(took: Duration, free: Option<u64>) -> String {
    match free {
        Some(bytes) => format!("{:.1}s; {}", took.as_secs_f64(), disk::describe(bytes)),
        None => format!("{:.1}s", took.as_secs_f64()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::after;

    #[test]
    fn shows_the_time_and_the_space_left_when_known() {
        assert_eq!(after(Duration::from_millis(12_345), Some(3 << 30)), "12.3s; 3.0 GiB free");
        assert_eq!(after(Duration::from_millis(400), None), "0.4s");
    }
}

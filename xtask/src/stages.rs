//! Sequential stages with fast failure and a final summary line per stage.

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

enum Outcome {
    Passed(Duration),
    Failed(Duration),
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
        match stage() {
            Ok(value) => {
                self.done.push((name.to_owned(), Outcome::Passed(start.elapsed())));
                Some(value)
            }
            Err(error) => {
                eprintln!("error: {name}: {error:#}");
                self.done.push((name.to_owned(), Outcome::Failed(start.elapsed())));
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
                Outcome::Passed(took) => println!("  ok       {name} ({:.1}s)", took.as_secs_f64()),
                Outcome::Failed(took) => println!("  FAILED   {name} ({:.1}s)", took.as_secs_f64()),
                Outcome::Skipped => println!("  skipped  {name}"),
            }
        }
        match self.done.iter().find(|(_, outcome)| matches!(outcome, Outcome::Failed(_))) {
            Some((name, _)) => Err(anyhow!("stage `{name}` failed")),
            None => Ok(()),
        }
    }
}

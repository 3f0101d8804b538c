//! Measures how much of a Falco rules file loads unmodified. Falco's files are
//! not vendored; point `FALCO_RULES` at a local copy and run
//!
//! ```text
//! FALCO_RULES=/path/to/falco_rules.yaml cargo test -p sysotel-rules --test falco_compat -- --ignored --nocapture
//! ```
//!
//! It prints the strict load's errors by kind, then what a lenient load
//! (`skip_unknown_fields`) keeps and skips, for rules and for macros (each
//! macro is tried on its own through a generated one-line rule).

use std::collections::BTreeMap;
use std::path::Path;

use sysotel_rules::{ErrorKind, LoadError, Ruleset, SkipReason};

fn tally(lines: impl Iterator<Item = String>) -> Vec<(String, usize)> {
    let mut by: BTreeMap<String, usize> = BTreeMap::new();
    for l in lines {
        *by.entry(l).or_default() += 1;
    }
    let mut v: Vec<_> = by.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

fn print_tally(title: &str, v: &[(String, usize)]) {
    println!("{title}");
    for (k, n) in v {
        println!("  {n:4}  {k}");
    }
}

fn unknown_fields(errors: &[LoadError]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in errors {
        if let ErrorKind::UnknownField(f) = &e.kind {
            // `container.mount.dest[/proc*]` and the like count as one field.
            let f = f.split('[').next().unwrap_or(f).to_owned();
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

fn count(text: &str, kind: &str) -> usize {
    text.lines().filter(|l| l.starts_with(&format!("- {kind}:"))).count()
}

#[test]
#[ignore = "needs FALCO_RULES=path to a Falco rules file"]
fn falco_rules_file() {
    let path = std::env::var("FALCO_RULES").expect("set FALCO_RULES to a Falco rules file");
    let text = std::fs::read_to_string(&path).expect("read FALCO_RULES");
    let (rules, macros, lists) = (count(&text, "rule"), count(&text, "macro"), count(&text, "list"));
    println!("{path}: {rules} rules, {macros} macros, {lists} lists");

    match Ruleset::load_files(&[&path]) {
        Ok(rs) => println!("strict: loads, {} rules", rs.rules().len()),
        Err(errs) => {
            println!("strict: {} errors", errs.errors().len());
            print_tally("strict errors by kind:", &tally(errs.errors().iter().map(|e| e.kind.to_string())));
        }
    }

    let lenient = Ruleset::builder().file(&path).skip_unknown_fields(true).build();
    let rs = match lenient {
        Ok(rs) => rs,
        Err(errs) => panic!("lenient load failed:\n{errs}"),
    };
    let skipped: Vec<_> = rs.skipped().iter().filter(|s| matches!(s.reason, SkipReason::UnknownFields(_))).collect();
    let enabled = rs.rules().iter().filter(|r| r.enabled).count();
    println!(
        "lenient: {} of {} rules load ({enabled} of them enabled), {} skipped for unknown fields, {} skipped for their source",
        rs.rules().len(),
        rs.rules().len() + rs.skipped().len(),
        skipped.len(),
        rs.skipped().len() - skipped.len()
    );
    for s in &skipped {
        println!("  skipped: {}", s.describe());
    }
    let fields = skipped.iter().flat_map(|s| match &s.reason {
        SkipReason::UnknownFields(e) => unknown_fields(e),
        _ => Vec::new(),
    });
    print_tally("rules skipped per unknown field:", &tally(fields));
    print_tally(
        "output warnings (unknown output fields, rendered <NA>):",
        &tally(rs.warnings().iter().map(|w| w.kind.to_string())),
    );

    // Each macro on its own: one generated rule per macro, loaded on top.
    let names: Vec<&str> =
        text.lines().filter_map(|l| l.strip_prefix("- macro:")).map(str::trim).filter(|n| !n.is_empty()).collect();
    let mut probe = String::new();
    for n in &names {
        probe
            .push_str(&format!("- rule: \"macro {n}\"\n  desc: x\n  condition: {n}\n  output: x\n  priority: DEBUG\n"));
    }
    let rs = Ruleset::builder()
        .file(&path)
        .text(Path::new("<macro probe>"), probe)
        .skip_unknown_fields(true)
        .build()
        .unwrap_or_else(|e| panic!("macro probe failed:\n{e}"));
    let bad: Vec<_> = rs
        .skipped()
        .iter()
        .filter(|s| s.name.starts_with("macro ") && matches!(s.reason, SkipReason::UnknownFields(_)))
        .collect();
    println!("macros: {} of {} compile; lists: {lists} of {lists} load", names.len() - bad.len(), names.len());
    for s in bad {
        println!("  {}", s.describe());
    }
}

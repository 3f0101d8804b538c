//! The security-event stage: catalog lookup, path resolution, the reads the
//! kernel left undecided, listen addresses, the `sysotel.security.*` record,
//! and rule evaluation.

use std::{path::PathBuf, sync::Arc};

use sysotel_rules::{RuleInfo, Ruleset};

use crate::{
    decode::SecurityEvent,
    detect::{RuleView, Subject, finding_log},
    enrich::{ContainerIdentity, ProcessContext, process_identity_taking},
    process::ProcessInfo,
    security::{SecurityRecord, binds::Binds, catalog, resolve::ProcFs, watch::WatchList},
    signals::{LogEvent, security::security_log},
    util::clock::BootClock,
};

use super::{Outputs, RunSummary, enricher::Enricher};

/// State kept across security events.
pub(super) struct SecurityStage {
    proc: ProcFs,
    binds: Binds,
    rules: Option<Arc<Ruleset>>,
    watch: WatchList,
}

impl SecurityStage {
    pub(super) fn new(proc_root: PathBuf, rules: Option<Arc<Ruleset>>, watch: WatchList) -> Self {
        SecurityStage { proc: ProcFs { root: proc_root }, binds: Binds::new(16_384), rules, watch }
    }
}

/// The rules matching one event, with their rendered outputs (empty when
/// detection is off). Evaluated before the event's record is built, so the
/// record can take the event's strings instead of copying them.
pub(super) fn matching_rules<'r>(
    enricher: &'r Enricher,
    subject: Subject<'_>,
    ctx: &ProcessContext,
    info: Option<&ProcessInfo>,
    container: Option<&ContainerIdentity>,
) -> Vec<(&'r RuleInfo, String)> {
    let Some(rules) = &enricher.security.rules else { return Vec::new() };
    let view = RuleView { subject, ctx, info, table: &enricher.table, container };
    crate::detect::evaluate(rules, &view)
}

/// Emits `trigger`, then the findings of `matched` (which repeat its
/// attributes).
pub(super) fn emit_with_findings(
    enricher: &Enricher,
    matched: Vec<(&RuleInfo, String)>,
    trigger: LogEvent,
    out: &mut Outputs<'_>,
    summary: &mut RunSummary,
) {
    let findings: Vec<LogEvent> = match &enricher.security.rules {
        Some(rules) => {
            matched.into_iter().map(|(rule, output)| finding_log(rule, rules.name(), output, &trigger)).collect()
        }
        None => Vec::new(),
    };
    out.logs.emit(trigger);
    summary.logs_emitted += 1;
    for f in findings {
        out.logs.emit(f);
        summary.logs_emitted += 1;
    }
}

/// Turns one security event into its record (and findings).
pub(super) fn handle_security(
    e: SecurityEvent,
    enricher: &mut Enricher,
    out: &mut Outputs<'_>,
    clock: &BootClock,
    summary: &mut RunSummary,
) {
    let Some(def) = catalog::by_nr(e.nr) else {
        // The kernel only reports numbers userspace asked for: a mismatch
        // is a decode error, counted like the others.
        summary.decode_errors += 1;
        tracing::debug!("security record for unreported syscall {}", e.nr);
        return;
    };
    let stage = &mut enricher.security;
    if e.undecided && stage.watch.early_verdict(&e) == Some(false) {
        summary.reads_not_watched += 1;
        return;
    }
    let mut rec = SecurityRecord::build(def, e, &stage.proc);
    if rec.event.undecided && !stage.watch.judge_undecided(&mut rec) {
        summary.reads_not_watched += 1;
        return;
    }
    let pid = rec.event.header.pid;
    match def.name {
        "bind" if !rec.event.failed() => {
            if let (Some(addr), Some(fd)) = (rec.sockaddr.clone(), rec.fd()) {
                stage.binds.bound(pid, fd as i32, addr);
            }
        }
        "listen" => {
            if let Some(fd) = rec.fd() {
                rec.sockaddr = stage.binds.get(pid, fd as i32).cloned();
            }
        }
        _ => {}
    }
    let container = enricher.container(&rec.event.header);
    super::emit_lifecycle(enricher, out);
    // Neither step above touches the process table, so the entry is
    // borrowed from here on rather than copied.
    let info = enricher.table.get(pid);
    // Rules read the command line from the table entry (`info`).
    // The record's comm moves into the context (its attributes and the
    // rules read it from there).
    let ctx = process_identity_taking(&mut rec.event.header, info);
    let time = clock.to_system_time(rec.event.header.ktime_ns);
    let matched = matching_rules(enricher, Subject::Security(&rec), &ctx, info, container.as_deref());
    let trace = enricher.spans.current(pid);
    if matched.is_empty() {
        // Most events: the sink takes the record itself (the OTLP sink
        // encodes it with no intermediate `LogEvent`).
        out.logs.emit_security(rec, &ctx, container, time, trace);
        summary.logs_emitted += 1;
        return;
    }
    // Findings repeat the record's attributes: build it once for all.
    let mut log = security_log(rec, &ctx, container, time);
    log.trace = trace;
    emit_with_findings(enricher, matched, log, out, summary);
}

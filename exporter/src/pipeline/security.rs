//! The security-event stage: catalog lookup, path resolution, listen
//! addresses, the `sysotel.security.*` record, and rule evaluation.

use std::path::PathBuf;

use crate::{
    decode::SecurityEvent,
    enrich::process_context,
    security::{SecurityRecord, binds::Binds, catalog, resolve::ProcFs},
    signals::security::security_log,
    util::clock::BootClock,
};

use super::{Outputs, RunSummary, enricher::Enricher};

/// State kept across security events.
pub(super) struct SecurityStage {
    proc: ProcFs,
    binds: Binds,
}

impl SecurityStage {
    pub(super) fn new(proc_root: PathBuf) -> Self {
        SecurityStage { proc: ProcFs { root: proc_root }, binds: Binds::new(16_384) }
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
    let mut rec = SecurityRecord::build(def, e, &stage.proc);
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
    let header = rec.event.header.clone();
    let info = enricher.table.get(pid).cloned();
    let ctx = process_context(&header, info.as_ref());
    let container = enricher.container(&header);
    super::emit_lifecycle(enricher, out);
    let time = clock.to_system_time(header.ktime_ns);
    let mut log = security_log(&rec, &ctx, container, time);
    log.trace = enricher.spans.current(pid);
    out.logs.emit(log);
    summary.logs_emitted += 1;
}

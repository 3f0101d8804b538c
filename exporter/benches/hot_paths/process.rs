//! The process table with 10,000 live processes: lookups, and a short-lived
//! child's fork, exec and exit.

use std::hint::black_box;

use criterion::Criterion;
use sysotel::{
    decode::{ExitEvent, ForkEvent},
    process::ProcessTable,
};

use crate::fixtures::{exec_event, header, tree};

/// Live processes in the table.
const PROCS: u32 = 10_000;
/// Their pids are `FIRST_PID..FIRST_PID + PROCS`.
const FIRST_PID: u32 = 1_000;
/// Coprime with `PROCS`: lookups visit every entry in a scattered order.
const STRIDE: u32 = 7_919;

fn start_ns(pid: u32) -> u64 {
    u64::from(pid) * 10_000_000
}

/// `bash` (50) with `PROCS` children, each `sleep 60`.
fn table() -> ProcessTable {
    let mut t = tree();
    for pid in FIRST_PID..FIRST_PID + PROCS {
        let mut ev = exec_event(pid, 50, "sleep", &["sleep", "60"]);
        ev.header.start_time_ns = Some(start_ns(pid));
        t.on_exec(&ev);
    }
    t
}

pub fn bench(c: &mut Criterion) {
    let mut t = table();
    assert_eq!(t.len(), PROCS as usize + 2);
    let mut g = c.benchmark_group("process_table_10k");

    let mut i = 0;
    g.bench_function("get_hit", |b| {
        b.iter(|| {
            i = (i + STRIDE) % PROCS;
            black_box(t.get(black_box(FIRST_PID + i)).is_some())
        });
    });
    g.bench_function("get_miss", |b| b.iter(|| black_box(t.get(black_box(FIRST_PID + PROCS + 1)).is_some())));

    // One child of a table entry: forked, then exec'ing `cc`, then exiting;
    // the table is back to its size after each iteration.
    let (parent, child) = (FIRST_PID + 17, 99_999);
    let child_start = Some(start_ns(child));
    let fork = ForkEvent { header: header(parent, 50, "sleep"), child_pid: child, child_start_time_ns: child_start };
    let mut exec = exec_event(child, parent, "cc", &["cc", "-O2", "-c", "main.c"]);
    exec.header.start_time_ns = child_start;
    let mut exit_header = header(child, parent, "cc");
    exit_header.start_time_ns = child_start;
    let exit = ExitEvent { header: exit_header, status: Some(0) };
    g.bench_function("fork_exec_exit", |b| {
        b.iter(|| {
            t.on_fork(black_box(&fork));
            t.on_exec(black_box(&exec));
            black_box(t.on_exit(black_box(&exit)))
        });
    });
    g.finish();
    assert_eq!(t.len(), PROCS as usize + 2, "every child was removed");
}

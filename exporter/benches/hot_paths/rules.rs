//! The built-in ruleset over the rules' view of an event, as the pipeline
//! calls it (`detect::evaluate`: matching rules and their rendered output),
//! and the security record the view is built from.

use std::hint::black_box;

use criterion::{BatchSize, Criterion};
use sysotel::{
    decode::Header,
    detect::{RuleView, RulesConfig, Subject, evaluate, load},
    enrich::{ProcessContext, process_context},
    process::ProcessTable,
    security::SecurityRecord,
};

use crate::fixtures::{NoProc, O_RDONLY, O_WRONLY_CREAT_TRUNC, exec_event, openat, tree};

/// The view of `subject` by the process `ctx`, with its table entry.
fn view<'a>(subject: Subject<'a>, table: &'a ProcessTable, ctx: &'a ProcessContext) -> RuleView<'a> {
    RuleView { subject, ctx, info: table.get(ctx.pid), table, container: None }
}

pub fn bench(c: &mut Criterion) {
    let rules =
        load(&RulesConfig { builtin: true, ..Default::default() }).unwrap_or_else(|e| panic!("built-in rules: {e}"));

    // (a) `cc` compiling, (b) `cc` writing its object under /tmp,
    // (c) `cat /etc/shadow`: each a child of bash (50) in the table.
    let mut table = tree();
    let exec = exec_event(100, 50, "cc", &["cc", "-O2", "-c", "main.c"]);
    table.on_exec(&exec);
    table.on_exec(&exec_event(101, 50, "cc", &["cc", "-O2", "-c", "main.c"]));
    table.on_exec(&exec_event(102, 50, "cat", &["cat", "/etc/shadow"]));
    let write = openat(101, 50, "cc", "/tmp/ccA1b2C3.o", O_WRONLY_CREAT_TRUNC);
    let read = openat(102, 50, "cat", "/etc/shadow", O_RDONLY);
    let ctx_of = |pid: u32, header: &Header| process_context(header, table.get(pid));
    let (exec_ctx, write_ctx, read_ctx) =
        (ctx_of(100, &exec.header), ctx_of(101, &write.event.header), ctx_of(102, &read.event.header));
    let cases = [
        ("exec_cc_no_match", view(Subject::Exec(&exec), &table, &exec_ctx), false),
        ("openat_write_tmp_no_match", view(Subject::Security(&write), &table, &write_ctx), false),
        ("openat_read_shadow_match", view(Subject::Security(&read), &table, &read_ctx), true),
    ];

    let mut g = c.benchmark_group("rules_builtin");
    for (name, view, should_match) in &cases {
        let hits: Vec<_> = evaluate(&rules, view).into_iter().map(|(r, _)| r.name.clone()).collect();
        assert_eq!(!hits.is_empty(), *should_match, "{name}: {hits:?}");
        g.bench_function(*name, |b| b.iter(|| evaluate(&rules, black_box(view))));
    }
    // Matching alone, without rendering the output template.
    let (_, shadow, _) = &cases[2];
    g.bench_function("openat_read_shadow_matches_only", |b| b.iter(|| rules.matches(black_box(shadow)).count()));
    g.finish();

    // Rendering the arguments and resolving the path of a raw event.
    let raw = read.event.clone();
    let def = read.def;
    c.bench_function("security_record/build_openat", |b| {
        b.iter_batched(|| raw.clone(), |ev| SecurityRecord::build(def, ev, &NoProc), BatchSize::SmallInput);
    });
}

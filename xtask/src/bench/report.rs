//! The final report: raw per-run figures, then one aligned table of medians
//! (cost ratios also per run, from each run's own alternating figures), then
//! the event flood's table ([`flood_report`]).

use super::{
    ManyProcesses,
    flood::Step,
    flood_report,
    machine::Machine,
    runner::{Measure, Point, Results, median},
    table::Table,
    tracer::Config,
};

pub fn print(machine: &Machine, runs: usize, results: &Results, many: &ManyProcesses, flood: &[Step]) {
    print_raw(results);
    medians_header(machine, runs);
    println!("{}", table(results, many).render());
    flood_report::print(flood);
}

fn print_raw(results: &Results) {
    println!("## Raw per-run figures (run order)\n");
    for ((measure, config), values) in &results.figures {
        println!("{:<32} {:<26} {}", measure.label(), config.label(), join(values, 2));
    }
    for (measure, costs) in &results.start_cpu {
        let agent: Vec<f64> = costs.iter().map(|c| c.agent_us).collect();
        let collector: Vec<f64> = costs.iter().map(|c| c.collector_us).collect();
        println!(
            "{:<32} {:<26} agent µs/start {} | collector µs/start {}",
            measure.label(),
            "sysotel full",
            join(&agent, 1),
            join(&collector, 1)
        );
    }
    for (point, samples) in &results.footprint {
        let rss: Vec<f64> = samples.iter().map(|s| s.rss_mib).collect();
        let cpu: Vec<f64> = samples.iter().map(|s| s.cpu_s).collect();
        println!(
            "{:<32} {:<22} rss MiB {} | cpu s {}",
            "sysotel full footprint",
            point.label(),
            join(&rss, 1),
            join(&cpu, 2)
        );
    }
}

/// The report of `--flood-only`.
pub fn print_flood_only(machine: &Machine, flood: &[Step]) {
    header(machine);
    println!();
    flood_report::print(flood);
}

/// The report of `--storm-only`: raw figures and the storm rows.
pub fn print_storm_only(machine: &Machine, runs: usize, results: &Results) {
    print_raw(results);
    medians_header(machine, runs);
    let mut table = new_table();
    storm_rows(&mut table, results);
    println!("{}", table.render());
}

/// The machine, then how the medians below were taken.
fn medians_header(machine: &Machine, runs: usize) {
    header(machine);
    println!("median of {runs} runs; configurations alternate within each run (forward, then backward)\n");
}

fn header(machine: &Machine) {
    println!("\n## sysotel benchmark\n");
    println!("kernel: {}", machine.kernel);
    println!("cpu:    {} ({} CPUs)", machine.cpu, machine.cpus);
    if let Some(steal) = machine.steal_since_start() {
        println!(
            "steal:  {steal:.1} % of CPU time taken by the hypervisor during the bench (above a few %, figures are noisy)"
        );
    }
}

fn new_table() -> Table {
    Table::new(&["workload", "configuration", "median", "added vs no tracer", "ratio"], 2)
}

fn table(results: &Results, many: &ManyProcesses) -> Table {
    let mut table = new_table();
    for measure in [Measure::Getppid, Measure::OpenClose] {
        let base = results.median(measure, Config::None);
        for config in Config::ALL {
            let Some(value) = results.median(measure, config) else { continue };
            let (added, ratio) = match base {
                Some(base) if config != Config::None => {
                    (format!("{:+.1} ns", value - base), format!("×{:.2}", value / base))
                }
                _ => (String::new(), String::new()),
            };
            table.row(vec![measure.label().into(), config.label().into(), format!("{value:.1}"), added, ratio]);
        }
        let added = |config| Some(results.median(measure, config)? - base?);
        // sysotel's metrics cost against bpftrace's and against the bare hooks.
        for (reference, target) in [(Config::Bpftrace, "target ≤ 0.4"), (Config::Floor, "target ≤ 2")] {
            let name = reference.short_name();
            let ratio = match (added(Config::Metrics), added(reference)) {
                (Some(sysotel), Some(other)) if other > 0.0 => format!("{:.2}", sysotel / other),
                (Some(_), Some(_)) => format!("n/a ({name} added ≤ 0)"),
                _ => "n/a".into(),
            };
            let per_run = results.paired_ratios(measure, Config::Metrics, reference);
            let target = if per_run.is_empty() {
                target.to_owned()
            } else {
                let each: Vec<String> = per_run.iter().map(|r| format!("{r:.2}")).collect();
                format!("{target}; per run {}", each.join(" "))
            };
            table.row(vec![
                measure.label().into(),
                format!("metrics-added / {name}-added"),
                String::new(),
                target,
                ratio,
            ]);
        }
        // What sysotel's metrics do beyond timing each call: the per-cgroup,
        // per-syscall figures.
        if let (Some(metrics), Some(timed)) = (added(Config::Metrics), added(Config::TimedFloor)) {
            table.row(vec![
                measure.label().into(),
                "metrics-added − timed-floor-added".into(),
                String::new(),
                format!("{:+.1} ns", metrics - timed),
                String::new(),
            ]);
        }
    }
    storm_rows(&mut table, results);
    footprint_rows(&mut table, results, many);
    table
}

/// Storm rates per configuration, full mode's slowdown per run, and the CPU
/// its userspace and collector spend per start.
fn storm_rows(table: &mut Table, results: &Results) {
    for measure in Measure::STORMS {
        let base = results.median(measure, Config::None);
        for config in [Config::None, Config::Floor, Config::TimedFloor, Config::Metrics, Config::Full] {
            let Some(value) = results.median(measure, config) else { continue };
            let (slowdown, ratio) = match base {
                Some(base) if config != Config::None => {
                    (format!("slowdown {:+.1} %", (1.0 - value / base) * 100.0), format!("×{:.2}", value / base))
                }
                _ => (String::new(), String::new()),
            };
            table.row(vec![measure.label().into(), config.label().into(), format!("{value:.0}"), slowdown, ratio]);
        }
        // Full mode's slowdown against no tracer within each run, whose two
        // figures were taken minutes apart rather than across the bench.
        let per_run = results.paired_slowdowns(measure, Config::Full);
        if !per_run.is_empty() {
            let each: Vec<String> = per_run.iter().map(|s| format!("{s:+.1}")).collect();
            table.row(vec![
                measure.label().into(),
                "sysotel full, slowdown per run (%)".into(),
                String::new(),
                format!("target < 5 %; per run {}", each.join(" ")),
                median(&per_run).map_or_else(|| "n/a".into(), |m| format!("{m:+.1} %")),
            ]);
        }
        start_cpu_row(table, results, measure);
    }
}

/// sysotel's and the collector's CPU per start in full mode, also as a share
/// of one start's time with no tracer: what the storm competes with for the
/// machine's CPUs besides the in-kernel cost it pays itself.
fn start_cpu_row(table: &mut Table, results: &Results, measure: Measure) {
    let Some(costs) = results.start_cpu.get(&measure).filter(|costs| !costs.is_empty()) else { return };
    let agent = median(&costs.iter().map(|c| c.agent_us).collect::<Vec<_>>()).unwrap_or(f64::NAN);
    let collector = median(&costs.iter().map(|c| c.collector_us).collect::<Vec<_>>()).unwrap_or(f64::NAN);
    let share = results
        .median(measure, Config::None)
        .filter(|rate| *rate > 0.0)
        .map(|rate| format!("{:.1} % of a start's time", (agent + collector) * rate / 1e4))
        .unwrap_or_default();
    table.row(vec![
        measure.label().into(),
        "sysotel full CPU per start (µs): agent + collector".into(),
        format!("{:.1}", agent + collector),
        format!("{agent:.1} + {collector:.1}; {share}"),
        String::new(),
    ]);
}

/// RSS and CPU of sysotel full: per sample point, and with many processes.
fn footprint_rows(table: &mut Table, results: &Results, many: &ManyProcesses) {
    for (point, samples) in &results.footprint {
        let rss = median(&samples.iter().map(|s| s.rss_mib).collect::<Vec<_>>()).unwrap_or(f64::NAN);
        let cpu = median(&samples.iter().map(|s| s.cpu_s).collect::<Vec<_>>()).unwrap_or(f64::NAN);
        table.row(vec![
            "sysotel full RSS (MiB)".into(),
            point.label(),
            format!("{rss:.1}"),
            String::new(),
            String::new(),
        ]);
        let note = if *point == Point::Idle { "cumulative since start" } else { "cumulative" };
        table.row(vec![
            "sysotel full CPU (utime+stime, s)".into(),
            point.label(),
            format!("{cpu:.2}"),
            note.into(),
            String::new(),
        ]);
    }
    let label = format!(
        "{} live `sleep 60` (of {} started{})",
        many.alive,
        many.started,
        many.stopped_by.as_deref().map(|why| format!("; {why}")).unwrap_or_default()
    );
    table.row(vec![
        "sysotel full RSS (MiB), one run".into(),
        label.clone(),
        format!("{:.1}", many.during.rss_mib),
        format!("{:+.1} MiB vs before ({:.1})", many.during.rss_mib - many.before.rss_mib, many.before.rss_mib),
        String::new(),
    ]);
    table.row(vec![
        "sysotel full RSS (MiB), one run".into(),
        format!("{} still live, {} s later", many.alive, super::SETTLED_AFTER.as_secs()),
        format!("{:.1}", many.settled.rss_mib),
        format!("{:+.1} MiB vs before ({:.1})", many.settled.rss_mib - many.before.rss_mib, many.before.rss_mib),
        String::new(),
    ]);
    table.row(vec![
        "sysotel full CPU (s), one run".into(),
        label,
        format!("{:.2}", many.during.cpu_s),
        format!("{:+.2} s spawning them", many.during.cpu_s - many.before.cpu_s),
        String::new(),
    ]);
}

fn join(values: &[f64], decimals: usize) -> String {
    values.iter().map(|v| format!("{v:.decimals$}")).collect::<Vec<_>>().join(" ")
}

//! `finops simulate`.
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, ValueEnum};
use finops_core::pricing::{Catalog, Mix};
use finops_sim::{
    DEFAULT_START, OutputFormat, Program, RunOptions, SimConfig, Simulator, Stop, Summary, date_of, events_path,
};

use crate::progress::{Goal, Reporter};
use finops_core::units::{format_size, parse_size, thousands};

/// The seed's default target: 50 MB.
pub const DEFAULT_TARGET: u64 = 50 << 20;

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Stop when the output reaches this size, e.g. 50MB, 1.5GB [default: 50MB]. MB = 1024x1024 bytes.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, group = "stop")]
    pub target_size: Option<u64>,
    /// Stop after exactly this many calls.
    #[arg(long, value_name = "N", group = "stop")]
    pub calls: Option<u64>,
    /// Simulate this many days of the timeline (fractions round up to whole hours).
    #[arg(long, value_name = "D", group = "stop")]
    pub days: Option<f64>,
    #[command(flatten)]
    pub world: WorldArgs,
    /// Output file (`-` writes CSV to stdout). With `--format parquet`, a folder (`data/calls/`, or a path
    /// without extension) gets a dataset partitioned by UTC day: `date=YYYY-MM-DD/part-N.parquet`, written
    /// by one thread per core, which `finops analyze` scans in bounded memory.
    #[arg(long, short, default_value = "data/simulated_calls.csv")]
    pub out: PathBuf,
    /// Output format [default: from the file extension, else csv].
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Model mix: today's models, or the Python showcase's 22 models.
    #[arg(long, value_enum, default_value_t = MixArg::Current)]
    pub mix: MixArg,
    /// Run only this scenario (repeatable; in the order given, each after 24 h of plain traffic).
    /// Default: the showcase program, all 12 scenarios on one timeline. See `finops scenarios`.
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// No scenarios at all: the population's normal traffic only.
    #[arg(long, conflicts_with = "scenarios")]
    pub baseline: bool,
    /// Worker threads (0 = all cores). The output does not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// No progress output, only the final summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Continue `<out>.partial` left by a run that was killed (CSV, same options): the run is generated
    /// again, checked against the partial file's whole rows and the rest appended, so the result is
    /// byte-identical to an uninterrupted run. A partial file from other options is refused.
    #[arg(long)]
    pub resume: bool,
}

/// The simulated world: seed, start of the timeline and population (shared by `simulate` and `demo`).
#[derive(Debug, Args)]
pub struct WorldArgs {
    /// Random seed: the same seed and options give byte-identical output.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Start of the timeline: RFC 3339 (2026-09-01T00:00:00Z), a date (2026-09-01, midnight UTC) or `now`.
    #[arg(long, default_value = DEFAULT_START)]
    pub start: String,
    /// Number of customers.
    #[arg(long, default_value_t = 500)]
    pub customers: u32,
    /// Number of organizations.
    #[arg(long, default_value_t = 50)]
    pub orgs: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Csv,
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MixArg {
    Current,
    Seed,
}

/// Parses `--start`.
pub fn parse_start(s: &str) -> Result<DateTime<Utc>> {
    if s.eq_ignore_ascii_case("now") {
        return Ok(Utc::now());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    bail!("--start `{s}` is not a date: use 2026-09-01, 2026-09-01T08:00:00Z or now")
}

static CANCEL: AtomicBool = AtomicBool::new(false);

pub fn run(args: SimulateArgs, catalog: Arc<Catalog>) -> Result<()> {
    let start = parse_start(&args.world.start)?;
    if let Some(d) = args.days
        && !(d.is_finite() && d > 0.0)
    {
        bail!("--days must be a positive number of days, not {d}");
    }
    let to_stdout = args.out.as_os_str() == "-";
    let format = match args.format {
        Some(FormatArg::Parquet) => OutputFormat::Parquet,
        Some(FormatArg::Csv) => OutputFormat::Csv,
        None if args.out.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet")) => OutputFormat::Parquet,
        None => OutputFormat::Csv,
    };
    // Parquet into a folder (`--out data/calls/`) is a dataset partitioned by day.
    let format = if format == OutputFormat::Parquet && !to_stdout && finops_sim::dataset_out::is_dataset_path(&args.out)
    {
        OutputFormat::ParquetDataset
    } else {
        format
    };
    if to_stdout && format == OutputFormat::Parquet {
        bail!("Parquet cannot be written to stdout; give --out FILE.parquet");
    }
    let stop = match (args.target_size, args.calls, args.days) {
        (_, Some(n), _) => Stop::Calls(n),
        (_, _, Some(d)) => Stop::days(d),
        (Some(b), _, _) => Stop::Bytes(b),
        _ => Stop::Bytes(DEFAULT_TARGET),
    };
    let program = if args.baseline {
        Program::none()
    } else if args.scenarios.is_empty() {
        Program::showcase()
    } else {
        let mut chosen = Vec::new();
        for name in &args.scenarios {
            let Some(s) = finops_sim::scenario::find(name) else {
                let known: Vec<&str> = finops_sim::scenario::registry().iter().map(|s| s.id()).collect();
                bail!("unknown scenario `{name}`; known: {}", known.join(", "));
            };
            chosen.push(s);
        }
        Program::sequence(chosen)
    };
    let sim = Simulator::new(SimConfig {
        seed: args.world.seed,
        start,
        customers: args.world.customers,
        organizations: args.world.orgs,
        mix: match args.mix {
            MixArg::Current => Mix::Current,
            MixArg::Seed => Mix::Seed,
        },
        catalog,
        threads: args.threads,
        program,
    })?;

    let goal = match stop {
        Stop::Bytes(b) => Goal::Bytes(b),
        Stop::Calls(n) => Goal::Calls(n),
        Stop::Hours(h) => {
            let start_ms = start.timestamp_millis();
            Goal::SimSpan { start_ms, end_ms: start_ms + h as i64 * 3_600_000 }
        }
    };
    // Ctrl-C (or SIGTERM) stops at the next batch and keeps a complete file; a second one exits at once.
    let _ = ctrlc::set_handler(|| {
        if CANCEL.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    let reporter = Reporter::new(goal, args.quiet);
    let progress = |p: &finops_sim::Progress| reporter.update(p);
    if args.resume && to_stdout {
        bail!("--resume continues a file, not stdout");
    }
    let opts =
        RunOptions { progress: Some(&progress), cancel: Some(&CANCEL), resume: args.resume, ..RunOptions::default() };
    if !args.quiet && !to_stdout {
        eprintln!(
            "Simulating {} customers in {} organizations from {} (seed {}) into {}",
            thousands(u64::from(args.world.customers)),
            thousands(u64::from(args.world.orgs)),
            start.format("%Y-%m-%d %H:%M UTC"),
            args.world.seed,
            args.out.display()
        );
    }
    let summary = if to_stdout {
        let stdout = std::io::stdout();
        sim.write_csv(stdout, stop, &opts).context("writing CSV to stdout")?
    } else {
        sim.write_file(&args.out, format, stop, &opts)?
    };
    reporter.finish();
    print_summary(&summary, if to_stdout { "stdout".into() } else { args.out.display().to_string() });
    if !to_stdout && !args.quiet && events_path(&args.out).is_file() {
        eprintln!("Ground truth of the injected scenarios: {}", events_path(&args.out).display());
    }
    Ok(())
}

fn print_summary(s: &Summary, target: String) {
    let period = match (s.first_ts_ms, s.last_ts_ms) {
        (Some(a), Some(b)) => format!(" from {} to {}", date_of(a), date_of(b)),
        _ => String::new(),
    };
    let secs = s.elapsed_s.max(1e-9);
    eprintln!(
        "{}{}: {}, {} calls{} in {:.2} s ({:.2}M calls/s, {:.0} MB/s)",
        if s.interrupted { "Interrupted; kept " } else { "Wrote " },
        target,
        format_size(s.bytes),
        thousands(s.calls),
        period,
        s.elapsed_s,
        s.calls as f64 / secs / 1e6,
        s.bytes as f64 / secs / (1u64 << 20) as f64,
    );
}

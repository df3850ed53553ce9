//! `finops analyze`.
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use clap::Args;
use finops_analytics::{Dataset, LoadOptions};
use finops_core::rules::Rules;
use finops_publish::{PublishOptions, publish};
use finops_results::AnalysisId;

use finops_core::units::{format_size, thousands};

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Call logs to analyze: CSV or Parquet files, OpenTelemetry GenAI spans as OTLP/JSON (.json, .jsonl,
    /// .ndjson, optionally .gz), or folders of them (repeatable).
    #[arg(long, short, value_name = "PATH", default_value = "data/simulated_calls.csv", num_args = 1..)]
    pub input: Vec<PathBuf>,
    /// Report folder: results go to <out>/data/<id>.json, pages to <out>/html/<id>.html with
    /// index.html and manifest.json.
    #[arg(long, short, default_value = "reports")]
    pub out: PathBuf,
    /// Run only this analysis (repeatable). `finops analyze --list` shows the ids.
    #[arg(long, value_name = "ID")]
    pub only: Vec<AnalysisId>,
    /// Print one analysis as JSON to stdout instead of writing files.
    #[arg(long, value_name = "ID", conflicts_with = "only")]
    pub json: Option<AnalysisId>,
    /// Skip rows with unreadable values (counted and reported in the Dataset Overview) instead of failing.
    #[arg(long)]
    pub skip_bad_rows: bool,
    /// List the analyses and exit.
    #[arg(long)]
    pub list: bool,
    /// No progress lines.
    #[arg(long, short)]
    pub quiet: bool,
    /// Size the data is being generated towards (e.g. 50MB), for the index's progress bar.
    #[arg(long, value_name = "SIZE", value_parser = finops_core::units::parse_size)]
    pub target_size: Option<u64>,
    /// Write only the JSON results, no HTML.
    #[arg(long)]
    pub no_html: bool,
    /// Analyze only calls at or after this instant: a date (2026-09-08, midnight UTC) or RFC 3339. In a
    /// partitioned dataset the day folders before it are not read.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub since: Option<i64>,
    /// Analyze only calls before this instant (exclusive): `--since 2026-09-08 --until 2026-09-15` is the
    /// week of the 8th to the 14th.
    #[arg(long, value_name = "TIME", value_parser = parse_instant)]
    pub until: Option<i64>,
    /// Memory the query engine may use for a partitioned dataset before sorts and aggregations spill to
    /// disk, e.g. 2GB [default: 40% of the machine's memory]. Spilling is slow, and below about 1.5 GB
    /// for 10 million calls an aggregation that cannot spill may fail.
    #[arg(long, value_name = "SIZE", value_parser = finops_core::units::parse_size)]
    pub memory_limit: Option<u64>,
    /// Run the queries on a Ballista cluster whose scheduler is at this address, e.g.
    /// df://127.0.0.1:50050 (see `finops cluster --help`); the input must be one partitioned dataset.
    /// Needs a build with `--features finops-cli/cluster`.
    #[arg(long, value_name = "URL")]
    pub cluster: Option<String>,
}

/// Opens the input on the cluster at `url`.
#[cfg(feature = "cluster")]
fn open_on_cluster(url: &str, input: &[PathBuf], load: LoadOptions) -> Result<Dataset> {
    let dataset = match input {
        [one] => finops_analytics::scan::find_partitioned(one)?,
        _ => None,
    };
    let Some(dataset) = dataset else {
        bail!(
            "--cluster reads one partitioned Parquet dataset (a folder of date=YYYY-MM-DD folders, as \
             `finops simulate --format parquet --out DIR/` writes)"
        );
    };
    Ok(Dataset::scan_on_cluster(url, &dataset, load)?)
}

#[cfg(not(feature = "cluster"))]
fn open_on_cluster(_url: &str, _input: &[PathBuf], _load: LoadOptions) -> Result<Dataset> {
    bail!(
        "this finops was built without the cluster feature; build it with `cargo build --release --features finops-cli/cluster`"
    )
}

/// Parses `--since` / `--until` into Unix milliseconds.
fn parse_instant(s: &str) -> std::result::Result<i64, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)) {
        Some(t) => Ok(t.and_utc().timestamp_millis()),
        None => Err(format!("`{s}` is not a date: use 2026-09-08 or 2026-09-08T12:00:00Z")),
    }
}

/// Runs the analyses; `catalog` (the global `--pricing`) prices the what-ifs (model switches, batch,
/// caching), `rates` (the global `--rates`) turns list into effective cost and `rules` (the global
/// `--rules`) holds the thresholds behind the findings.
pub fn run(
    args: AnalyzeArgs,
    load: LoadOptions,
    catalog: std::sync::Arc<finops_core::pricing::Catalog>,
    rates: std::sync::Arc<finops_core::negotiated::NegotiatedRates>,
    rules: std::sync::Arc<Rules>,
) -> Result<()> {
    if args.list {
        let mut out = String::new();
        for a in AnalysisId::ALL {
            outln!(out, "{:<20} {:<30} [{}] {}", a.as_str(), a.title(), a.category().as_str(), a.description());
        }
        return crate::output::emit(&out);
    }
    let chosen: Vec<AnalysisId> = match (args.json, args.only.is_empty()) {
        (Some(id), _) => vec![id],
        (None, true) => AnalysisId::ALL.to_vec(),
        (None, false) => args.only.clone(),
    };
    for p in &args.input {
        if !p.exists() {
            bail!("{}: no such file or folder (generate data with `finops simulate`)", p.display());
        }
    }
    if let (Some(a), Some(b)) = (args.since, args.until)
        && a >= b
    {
        bail!("--since must be before --until");
    }
    let load = LoadOptions {
        window: finops_analytics::scan::TimeWindow { since_ms: args.since, until_ms: args.until },
        memory_limit: args.memory_limit,
        ..load
    };
    let started = Instant::now();
    let ds = match &args.cluster {
        Some(url) => open_on_cluster(url, &args.input, load)?,
        None => Dataset::open(&args.input, load)?,
    };
    let ds = ds.with_catalog(catalog).with_negotiated(&rates)?.with_rules(rules);
    let progress = !args.quiet && args.json.is_none();
    if progress {
        eprintln!(
            "Loaded {} calls ({}) from {} file(s) in {:.2} s{}",
            thousands(ds.rows()),
            format_size(ds.load.bytes),
            ds.load.files.len(),
            started.elapsed().as_secs_f64(),
            if ds.load.bad_rows > 0 {
                format!("; skipped {} bad rows", thousands(ds.load.bad_rows))
            } else {
                String::new()
            }
        );
    }
    if let Some(id) = args.json {
        let value = finops_analytics::analyses::run(id, &ds)?.to_json()?;
        let mut stdout = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut stdout, &value)?;
        let _ = writeln!(stdout);
        return Ok(());
    }
    let n = chosen.len();
    let mut finished = 0;
    // Simulated data carries its answer key beside it: the index then scores the findings against it.
    let answer_key = match args.input.as_slice() {
        [one] => finops_publish::answer_key_of(one),
        _ => None,
    };
    let opts = PublishOptions {
        target_bytes: args.target_size,
        html: !args.no_html,
        answer_key,
        ..PublishOptions::new(
            &args.out,
            args.input.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        )
    };
    let done = publish(&ds, &chosen, &opts, |r| {
        finished += 1;
        if progress {
            eprintln!(
                "[{finished:>2}/{n}] {:<20} {:>6.3} s  -> {}",
                r.id.as_str(),
                r.took.as_secs_f64(),
                r.json.display()
            );
        }
    })?;
    if progress {
        if done.pages > 0 {
            eprintln!(
                "Rendered {} pages in {:.3} s  -> {}",
                done.pages,
                done.render_time.as_secs_f64(),
                args.out.join("html").display()
            );
        }
        eprintln!("Analyzed in {:.2} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}

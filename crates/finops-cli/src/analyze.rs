//! `finops analyze`.
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use finops_analytics::analyses::{AnalysisInfo, REGISTRY, find, run_concurrently};
use finops_analytics::{Dataset, LoadOptions};
use finops_report::{DatasetInfo, Rendered, ReportMeta, file_name, render_index, render_report};

use crate::units::{format_size, thousands};

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Call logs to analyze: CSV or Parquet files, or folders of them (repeatable).
    #[arg(long, short, value_name = "PATH", default_value = "data/simulated_calls.csv", num_args = 1..)]
    pub input: Vec<PathBuf>,
    /// Report folder: results go to <out>/data/<id>.json, pages to <out>/html/<id>.html with
    /// index.html and manifest.json.
    #[arg(long, short, default_value = "reports")]
    pub out: PathBuf,
    /// Run only this analysis (repeatable). `finops analyze --list` shows the ids.
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Print one analysis as JSON to stdout instead of writing files.
    #[arg(long, value_name = "ID", conflicts_with = "only")]
    pub json: Option<String>,
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
    #[arg(long, value_name = "SIZE", value_parser = crate::units::parse_size)]
    pub target_size: Option<u64>,
    /// Write only the JSON results, no HTML.
    #[arg(long)]
    pub no_html: bool,
}

/// Analyses by their single-core time on the 50 MB showcase, longest first; unknown ids go first.
const LONGEST_FIRST: [&str; 13] = [
    "geographic_latency",
    "realtime",
    "performance",
    "dataset_overview",
    "understanding",
    "alignment",
    "abuse_detection",
    "token_economics",
    "optimization",
    "features",
    "churn_growth",
    "profitability",
    "pricing",
];

pub fn run(args: AnalyzeArgs) -> Result<()> {
    if args.list {
        let mut out = String::new();
        for a in REGISTRY {
            outln!(out, "{:<20} {:<30} [{}] {}", a.id, a.title, a.category, a.description);
        }
        return crate::output::emit(&out);
    }
    let chosen: Vec<&AnalysisInfo> = match (&args.json, args.only.is_empty()) {
        (Some(id), _) => vec![find(id)?],
        (None, true) => REGISTRY.iter().collect(),
        (None, false) => args.only.iter().map(|id| find(id)).collect::<Result<_, _>>()?,
    };
    for p in &args.input {
        if !p.exists() {
            bail!("{}: no such file or folder (generate data with `finops simulate`)", p.display());
        }
    }
    let started = Instant::now();
    let ds = Dataset::open(&args.input, LoadOptions { skip_bad_rows: args.skip_bad_rows })?;
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
    if let Some(id) = &args.json {
        let value = (find(id)?.run)(&ds)?;
        let mut stdout = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut stdout, &value)?;
        let _ = writeln!(stdout);
        return Ok(());
    }
    let n = chosen.len();
    let threads = std::thread::available_parallelism().map_or(2, |t| t.get());
    let mut finished = 0;
    let mut failure: Option<anyhow::Error> = None;
    let mut fresh: HashMap<&'static str, (serde_json::Value, DateTime<Utc>)> = HashMap::new();
    // Longest first, so the last analysis to start is a short one (measured on the 50 MB showcase).
    let mut chosen = chosen;
    chosen.sort_by_key(|a| LONGEST_FIRST.iter().position(|o| *o == a.id).unwrap_or(0));
    run_concurrently(&ds, &chosen, threads, |a, value, took| {
        if failure.is_some() {
            return;
        }
        let written = value.map_err(anyhow::Error::from).and_then(|value| {
            let path = args.out.join("data").join(format!("{}.json", a.id));
            finops_sim::write_atomic(&path, &serde_json::to_vec_pretty(&value)?)?;
            Ok((path, value))
        });
        match written {
            Ok((path, value)) => {
                finished += 1;
                fresh.insert(a.id, (value, Utc::now()));
                if progress {
                    eprintln!("[{finished:>2}/{n}] {:<20} {:>6.3} s  -> {}", a.id, took.as_secs_f64(), path.display());
                }
            }
            Err(e) => failure = Some(e.context(format!("analysis {}", a.id))),
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if !args.no_html {
        let t = Instant::now();
        let html = write_html(&ds, &args, fresh)?;
        if progress {
            eprintln!(
                "Rendered {} pages in {:.3} s  -> {}",
                html,
                t.elapsed().as_secs_f64(),
                args.out.join("html").display()
            );
        }
    }
    if progress {
        eprintln!("Analyzed in {:.2} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// Writes the HTML pages of the analyses just run, and the index and manifest over every analysis
/// (earlier results are read back from `<out>/data`). Returns the number of pages written.
fn write_html(
    ds: &Dataset,
    args: &AnalyzeArgs,
    fresh: HashMap<&'static str, (serde_json::Value, DateTime<Utc>)>,
) -> Result<usize> {
    let metas: Vec<ReportMeta> = REGISTRY
        .iter()
        .map(|a| ReportMeta { id: a.id, title: a.title, category: a.category, description: a.description })
        .collect();
    let mut stored: HashMap<&'static str, (serde_json::Value, DateTime<Utc>)> = fresh;
    for m in &metas {
        if stored.contains_key(m.id) {
            continue;
        }
        let path = args.out.join("data").join(format!("{}.json", m.id));
        // An earlier result that cannot be read is shown as not generated rather than failing the run.
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else { continue };
        let when = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .map(DateTime::<Utc>::from)
            .unwrap_or_else(|_| Utc::now());
        stored.insert(m.id, (value, when));
    }
    let results: Vec<Rendered<'_>> = metas
        .iter()
        .map(|m| Rendered {
            meta: m,
            data: stored.get(m.id).map(|s| &s.0),
            generated_at: stored.get(m.id).map(|s| s.1),
        })
        .collect();
    // The same totals the overview and usage analyses computed (shared through the dataset's memo).
    let total = finops_analytics::common::total_metrics(ds, "true")?.cost_usd;
    let dataset = DatasetInfo {
        source: args.input.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        bytes: ds.load.bytes,
        calls: ds.rows(),
        target_bytes: args.target_size,
        start: ds.period.start_ms.map(finops_analytics::common::iso),
        end: ds.period.end_ms.map(finops_analytics::common::iso),
        days: ds.period.days,
        total_cost_usd: total,
    };
    let now = Utc::now();
    let dir = args.out.join("html");
    let mut pages = 0;
    for r in results.iter().filter(|r| r.data.is_some() && args.json.is_none()) {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == r.meta.id) {
            continue;
        }
        let html = render_report(&dataset, &results, r)?;
        finops_sim::write_atomic(&dir.join(file_name(r.meta.id)), html.as_bytes())?;
        pages += 1;
    }
    finops_sim::write_atomic(&dir.join("index.html"), render_index(&dataset, &results, now)?.as_bytes())?;
    finops_sim::write_atomic(
        &dir.join("manifest.json"),
        &serde_json::to_vec_pretty(&finops_report::manifest(&dataset, &results, now))?,
    )?;
    Ok(pages + 1)
}

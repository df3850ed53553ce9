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
    let started = Instant::now();
    let ds = Dataset::open(&args.input, load)?.with_catalog(catalog).with_negotiated(&rates)?.with_rules(rules);
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

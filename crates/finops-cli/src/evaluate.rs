//! `finops evaluate`: the incidents found in simulated data, scored against the simulator's answer key.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use finops_analytics::analyses::{churn_growth, features, realtime};
use finops_analytics::evaluate::score_results;
use finops_analytics::{Dataset, LoadOptions};
use finops_core::pricing::Catalog;
use finops_core::rules::Rules;
use finops_results::churn_growth::ChurnGrowth;
use finops_results::features::Features;
use finops_results::realtime::Realtime;

pub const ABOUT: &str = "Score the incidents found in simulated data against the simulator's answer key.

Reads the answer key `finops simulate` writes beside the data (<name>.events.json), finds the
incidents of the data (or reads them from an earlier `finops analyze`, --results), and prints per class
of injected surge (runaway-client bursts, viral spikes) how many were found (recall), how early or late
(onset error against the moment the surge reaches the detector's minimum ratio), whether the incident
names the right customer, and which share of all incidents match an injected surge (precision); then
the slower changes: churned and new customers, model migrations, cost optimizations and launched
features, each as recall and precision against what was injected.

Examples:
  finops simulate --out data/calls.csv && finops evaluate --answer-key data/calls.events.json
  finops evaluate --answer-key data/calls.events.json --results reports --json";

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The answer key (`<name>.events.json` beside simulated data).
    #[arg(long, value_name = "FILE")]
    pub answer_key: PathBuf,
    /// The data to analyze; default: the CSV or Parquet file the answer key belongs to.
    #[arg(short, long, value_name = "PATH")]
    pub input: Option<PathBuf>,
    /// Read the findings from this report folder (<results>/data/*.json) instead of analyzing.
    #[arg(long, value_name = "DIR", conflicts_with = "input")]
    pub results: Option<PathBuf>,
    /// Print the scores as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One analysis's result from a report folder (`<dir>/data/<id>.json`).
fn read<T: serde::de::DeserializeOwned>(dir: &Path, id: &str) -> Result<T> {
    let path = dir.join("data").join(format!("{id}.json"));
    let text = std::fs::read_to_string(&path).with_context(|| format!("{}: cannot read", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not a {id} result", path.display()))
}

/// The data file an answer key belongs to: `x.events.json` -> `x.csv` or `x.parquet`.
fn data_of(key: &Path) -> Option<PathBuf> {
    let name = key.file_name()?.to_str()?.strip_suffix(finops_core::fsio::ANSWER_KEY_SUFFIX)?;
    ["csv", "parquet"].iter().map(|ext| key.with_file_name(format!("{name}.{ext}"))).find(|p| p.exists())
}

pub fn run(args: EvaluateArgs, catalog: Arc<Catalog>, rules: Arc<Rules>) -> Result<()> {
    let text = std::fs::read_to_string(&args.answer_key)
        .with_context(|| format!("{}: cannot read the answer key", args.answer_key.display()))?;
    let key: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not an answer key (JSON)", args.answer_key.display()))?;
    if !key["windows"].is_array() {
        bail!("{}: not an answer key: no `windows`", args.answer_key.display());
    }
    let (realtime, churn, features): (Realtime, ChurnGrowth, Features) = match &args.results {
        Some(dir) => (read(dir, "realtime")?, read(dir, "churn_growth")?, read(dir, "features")?),
        None => {
            let input = match args.input.clone().or_else(|| data_of(&args.answer_key)) {
                Some(p) => p,
                None => bail!("{}: no data file beside it; name one with --input", args.answer_key.display()),
            };
            let ds = Dataset::open(&[input], LoadOptions::default())?.with_catalog(catalog).with_rules(rules.clone());
            (realtime::analyze(&ds)?, churn_growth::analyze(&ds)?, features::analyze(&ds)?)
        }
    };
    let scores = score_results(&realtime, &churn, &features, &key, rules.realtime.incident_min_ratio, None);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&scores)?);
    } else {
        print!("{}", finops_analytics::evaluate::to_markdown(&scores));
    }
    Ok(())
}

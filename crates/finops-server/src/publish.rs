//! Analyze a loaded dataset into the report folder: `<out>/data/<id>.json` per analysis, then the HTML
//! pages, `index.html` and `manifest.json` under `<out>/html`. `finops analyze` and the live pipeline
//! both publish through here. Every file is written to a temporary name and renamed, so a viewer
//! reading the folder meanwhile sees the old file or the new one, never half of either.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use finops_analytics::Dataset;
use finops_analytics::analyses::{AnalysisInfo, REGISTRY, run_concurrently};
use finops_report::{DatasetInfo, Rendered, ReportMeta, file_name, render_index, render_report};
use finops_sim::write_atomic;
use thiserror::Error;

/// Why publishing stopped.
#[derive(Debug, Error)]
pub enum PublishError {
    #[error("analysis {id}: {source}")]
    Analysis { id: &'static str, source: finops_analytics::AnalyticsError },
    #[error(transparent)]
    Write(#[from] finops_sim::SimError),
    #[error(transparent)]
    Render(#[from] finops_report::ReportError),
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Query(#[from] finops_analytics::AnalyticsError),
}

/// What to publish and where.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Report folder (`reports`).
    pub out: PathBuf,
    /// How the data source is named on the index and in the manifest.
    pub source: String,
    /// Size the data is being generated towards, for the index's progress bar.
    pub target_bytes: Option<u64>,
    /// Write HTML besides the JSON.
    pub html: bool,
    /// Analyses run at once (the host's cores by default).
    pub threads: usize,
}

impl PublishOptions {
    pub fn new(out: impl Into<PathBuf>, source: impl Into<String>) -> PublishOptions {
        PublishOptions {
            out: out.into(),
            source: source.into(),
            target_bytes: None,
            html: true,
            threads: std::thread::available_parallelism().map_or(2, |t| t.get()),
        }
    }
}

/// One analysis written.
#[derive(Clone)]
pub struct ReportWritten {
    pub info: &'static AnalysisInfo,
    /// Time spent in the analysis itself.
    pub took: Duration,
    pub json: PathBuf,
    pub generated_at: DateTime<Utc>,
}

/// What a publish run wrote.
#[derive(Clone)]
pub struct Published {
    pub reports: Vec<ReportWritten>,
    /// HTML pages written, the index included (0 without HTML).
    pub pages: usize,
    pub render_time: Duration,
    pub total_cost_usd: f64,
}

/// The order analyses start in: roughly longest first on the 50 MB showcase, and the two that build
/// the shared cube and the hourly series first, since others wait for them; unknown ids go first. The
/// last to start is a short one, so both cores stay busy to the end. (Reordering by the latest
/// per-analysis times measured no faster; see BENCHMARKS.md.)
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

/// Runs `chosen` over `ds` and writes their JSON, then (with `opts.html`) their pages and the index and
/// manifest over every analysis (results of analyses not run now are read back from `<out>/data`).
/// `on_report` hears about each analysis as its JSON lands, before the HTML is rendered.
///
/// ```no_run
/// use finops_server::publish::{PublishOptions, publish};
/// use finops_analytics::{Dataset, LoadOptions, analyses::REGISTRY};
///
/// let ds = Dataset::open(&["data/simulated_calls.csv".into()], LoadOptions::default())?;
/// let chosen: Vec<_> = REGISTRY.iter().collect();
/// let done = publish(&ds, &chosen, &PublishOptions::new("reports", "data/simulated_calls.csv"), |r| {
///     println!("{} in {:?}", r.info.id, r.took)
/// })?;
/// assert_eq!(done.reports.len(), 13);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn publish(
    ds: &Dataset,
    chosen: &[&'static AnalysisInfo],
    opts: &PublishOptions,
    mut on_report: impl FnMut(&ReportWritten),
) -> Result<Published, PublishError> {
    let mut order: Vec<&'static AnalysisInfo> = chosen.to_vec();
    order.sort_by_key(|a| LONGEST_FIRST.iter().position(|o| *o == a.id).unwrap_or(0));
    let mut failure: Option<PublishError> = None;
    let mut fresh: HashMap<&'static str, (serde_json::Value, DateTime<Utc>)> = HashMap::new();
    let mut reports = Vec::with_capacity(order.len());
    run_concurrently(ds, &order, opts.threads.max(1), |a, value, took| {
        if failure.is_some() {
            return;
        }
        let written = value.map_err(|source| PublishError::Analysis { id: a.id, source }).and_then(|value| {
            let path = opts.out.join("data").join(format!("{}.json", a.id));
            write_atomic(&path, &serde_json::to_vec_pretty(&value)?)?;
            Ok((path, value))
        });
        match written {
            Ok((json, value)) => {
                let now = Utc::now();
                let report = ReportWritten { info: a, took, json, generated_at: now };
                on_report(&report);
                reports.push(report);
                fresh.insert(a.id, (value, now));
            }
            Err(e) => failure = Some(e),
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    // The same totals the overview and usage analyses computed (shared through the dataset's memo).
    let total_cost_usd = finops_analytics::common::total_metrics(ds, "true")?.cost_usd;
    let started = Instant::now();
    let pages = if opts.html {
        let only: Vec<&str> = chosen.iter().map(|a| a.id).collect();
        write_html(ds, opts, fresh, &only, total_cost_usd)?
    } else {
        0
    };
    Ok(Published { reports, pages, render_time: started.elapsed(), total_cost_usd })
}

/// Writes an index with no results yet (`<out>/html/index.html`) unless one exists, so that a viewer
/// opened before the first analysis finishes shows the progress and controls instead of a 404.
/// Returns whether it wrote one.
pub fn write_placeholder_index(out: &Path, source: &str, target_bytes: Option<u64>) -> Result<bool, PublishError> {
    let path = out.join("html").join("index.html");
    if path.exists() {
        return Ok(false);
    }
    let metas = report_metas();
    let results: Vec<Rendered<'_>> =
        metas.iter().map(|m| Rendered { meta: m, data: None, generated_at: None }).collect();
    let dataset = DatasetInfo { source: source.to_string(), target_bytes, ..DatasetInfo::default() };
    write_atomic(&path, render_index(&dataset, &results, Utc::now())?.as_bytes())?;
    Ok(true)
}

/// The index's view of every registered analysis.
pub fn report_metas() -> Vec<ReportMeta> {
    REGISTRY
        .iter()
        .map(|a| ReportMeta { id: a.id, title: a.title, category: a.category, description: a.description })
        .collect()
}

/// Reads a stored result and when it was written; `None` when missing or unreadable (an unreadable
/// earlier result is shown as not generated rather than failing the run).
fn stored_result(out: &Path, id: &str) -> Option<(serde_json::Value, DateTime<Utc>)> {
    let path = out.join("data").join(format!("{id}.json"));
    let value = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).ok()?).ok()?;
    let when =
        std::fs::metadata(&path).and_then(|m| m.modified()).map(DateTime::<Utc>::from).unwrap_or_else(|_| Utc::now());
    Some((value, when))
}

/// Writes the pages of `only` and the index and manifest over every analysis. Returns the number of
/// pages written.
fn write_html(
    ds: &Dataset,
    opts: &PublishOptions,
    fresh: HashMap<&'static str, (serde_json::Value, DateTime<Utc>)>,
    only: &[&str],
    total_cost_usd: f64,
) -> Result<usize, PublishError> {
    let metas = report_metas();
    let mut stored = fresh;
    for m in &metas {
        if !stored.contains_key(m.id)
            && let Some(found) = stored_result(&opts.out, m.id)
        {
            stored.insert(m.id, found);
        }
    }
    let results: Vec<Rendered<'_>> = metas
        .iter()
        .map(|m| Rendered {
            meta: m,
            data: stored.get(m.id).map(|s| &s.0),
            generated_at: stored.get(m.id).map(|s| s.1),
        })
        .collect();
    let dataset = DatasetInfo {
        source: opts.source.clone(),
        bytes: ds.load.bytes,
        calls: ds.rows(),
        target_bytes: opts.target_bytes,
        start: ds.period.start_ms.map(finops_analytics::common::iso),
        end: ds.period.end_ms.map(finops_analytics::common::iso),
        days: ds.period.days,
        total_cost_usd,
    };
    let now = Utc::now();
    let dir = opts.out.join("html");
    let mut pages = 0;
    for r in results.iter().filter(|r| r.data.is_some() && only.contains(&r.meta.id)) {
        let html = render_report(&dataset, &results, r)?;
        write_atomic(&dir.join(file_name(r.meta.id)), html.as_bytes())?;
        pages += 1;
    }
    write_atomic(&dir.join("index.html"), render_index(&dataset, &results, now)?.as_bytes())?;
    write_atomic(
        &dir.join("manifest.json"),
        &serde_json::to_vec_pretty(&finops_report::manifest(&dataset, &results, now))?,
    )?;
    Ok(pages + 1)
}

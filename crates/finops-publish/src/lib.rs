//! Analyze a loaded dataset into the report folder: `<out>/data/<id>.json` per analysis, then the HTML
//! pages, `index.html` and `manifest.json` under `<out>/html`. `finops analyze` and the live viewer
//! both publish through here. Every file is written to a temporary name and renamed
//! ([`finops_core::fsio::write_atomic`]), so a viewer reading the folder meanwhile sees the old file or
//! the new one, never half of either.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use finops_analytics::Dataset;
use finops_analytics::analyses::run_concurrently;
use finops_core::fsio::{WriteError, write_atomic};
use finops_report::{DatasetInfo, Rendered, render_index, render_report};
use finops_results::{AnalysisId, AnalysisResult};
use thiserror::Error;

/// Why publishing stopped.
#[derive(Debug, Error)]
pub enum PublishError {
    #[error("analysis {id}: {source}")]
    Analysis { id: AnalysisId, source: finops_analytics::AnalyticsError },
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Render(#[from] finops_report::ReportError),
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Query(#[from] finops_analytics::AnalyticsError),
    #[error("answer key {0}")]
    AnswerKey(String),
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
    /// The simulator's answer key for this data (`<name>.events.json`): the index then shows how well
    /// the incidents and changes found match what was injected, also written to
    /// `<out>/data/detection_quality.json`.
    pub answer_key: Option<PathBuf>,
}

impl PublishOptions {
    pub fn new(out: impl Into<PathBuf>, source: impl Into<String>) -> PublishOptions {
        PublishOptions {
            out: out.into(),
            source: source.into(),
            target_bytes: None,
            html: true,
            threads: std::thread::available_parallelism().map_or(2, |t| t.get()),
            answer_key: None,
        }
    }
}

/// One analysis written.
#[derive(Debug, Clone)]
pub struct ReportWritten {
    pub id: AnalysisId,
    /// Time spent in the analysis itself.
    pub took: Duration,
    pub json: PathBuf,
    pub generated_at: DateTime<Utc>,
}

/// What a publish run wrote.
#[derive(Debug, Clone)]
pub struct Published {
    pub reports: Vec<ReportWritten>,
    /// HTML pages written, the index included (0 without HTML).
    pub pages: usize,
    pub render_time: Duration,
    pub total_cost_usd: f64,
}

/// The order analyses start in: roughly longest first on the 50 MB showcase, and the two that build
/// the shared cube and the hourly series first, since others wait for them. The last to start is a
/// short one, so both cores stay busy to the end. (Reordering by the latest per-analysis times
/// measured no faster; see BENCHMARKS.md.)
const LONGEST_FIRST: [AnalysisId; 13] = [
    AnalysisId::GeographicLatency,
    AnalysisId::Realtime,
    AnalysisId::Optimization,
    AnalysisId::Performance,
    AnalysisId::DatasetOverview,
    AnalysisId::Understanding,
    AnalysisId::Alignment,
    AnalysisId::AbuseDetection,
    AnalysisId::TokenEconomics,
    AnalysisId::Features,
    AnalysisId::ChurnGrowth,
    AnalysisId::Profitability,
    AnalysisId::Pricing,
];

/// Where the JSON result of `id` is stored.
pub fn json_path(out: &Path, id: AnalysisId) -> PathBuf {
    out.join("data").join(id.json_name())
}

/// Runs `chosen` over `ds` and writes their JSON, then (with `opts.html`) their pages and the index and
/// manifest over every analysis (results of analyses not run now are read back from `<out>/data`).
/// `on_report` hears about each analysis as its JSON lands, before the HTML is rendered.
///
/// ```no_run
/// use finops_publish::{PublishOptions, publish};
/// use finops_analytics::{Dataset, LoadOptions};
/// use finops_results::AnalysisId;
///
/// let ds = Dataset::open(&["data/simulated_calls.csv".into()], LoadOptions::default())?;
/// let done = publish(&ds, &AnalysisId::ALL, &PublishOptions::new("reports", "data/simulated_calls.csv"), |r| {
///     println!("{} in {:?}", r.id, r.took)
/// })?;
/// assert_eq!(done.reports.len(), 13);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn publish(
    ds: &Dataset,
    chosen: &[AnalysisId],
    opts: &PublishOptions,
    mut on_report: impl FnMut(&ReportWritten),
) -> Result<Published, PublishError> {
    let mut order: Vec<AnalysisId> = chosen.to_vec();
    order.sort_by_key(|a| LONGEST_FIRST.iter().position(|o| o == a).unwrap_or(0));
    let mut failure: Option<PublishError> = None;
    let mut fresh: HashMap<AnalysisId, (AnalysisResult, DateTime<Utc>)> = HashMap::new();
    let mut reports = Vec::with_capacity(order.len());
    run_concurrently(ds, &order, opts.threads.max(1), |id, result, took| {
        if failure.is_some() {
            return;
        }
        let written = result.map_err(|source| PublishError::Analysis { id, source }).and_then(|result| {
            let path = json_path(&opts.out, id);
            write_atomic(&path, &serde_json::to_vec_pretty(&result.to_json()?)?)?;
            Ok((path, result))
        });
        match written {
            Ok((json, result)) => {
                let now = Utc::now();
                let report = ReportWritten { id, took, json, generated_at: now };
                on_report(&report);
                reports.push(report);
                fresh.insert(id, (result, now));
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
    let pages = if opts.html { write_html(ds, opts, fresh, chosen, total_cost_usd)? } else { 0 };
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
    let results: Vec<Rendered<'_>> =
        AnalysisId::ALL.iter().map(|id| Rendered { id: *id, result: None, generated_at: None }).collect();
    let dataset = DatasetInfo { source: source.to_string(), target_bytes, ..DatasetInfo::default() };
    write_atomic(&path, render_index(&dataset, &results, Utc::now())?.as_bytes())?;
    Ok(true)
}

/// Reads a stored result and when it was written; `None` when missing, unreadable or written by a
/// version of finops with other result types (such a result is shown as not generated rather than
/// failing the run).
pub fn stored_result(out: &Path, id: AnalysisId) -> Option<(AnalysisResult, DateTime<Utc>)> {
    let path = json_path(out, id);
    let json = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).ok()?).ok()?;
    let result = AnalysisResult::from_json(id, json).ok()?;
    let when =
        std::fs::metadata(&path).and_then(|m| m.modified()).map(DateTime::<Utc>::from).unwrap_or_else(|_| Utc::now());
    Some((result, when))
}

/// Writes the pages of `only` and the index and manifest over every analysis. Returns the number of
/// pages written.
fn write_html(
    ds: &Dataset,
    opts: &PublishOptions,
    fresh: HashMap<AnalysisId, (AnalysisResult, DateTime<Utc>)>,
    only: &[AnalysisId],
    total_cost_usd: f64,
) -> Result<usize, PublishError> {
    let mut stored = fresh;
    for id in AnalysisId::ALL {
        if !stored.contains_key(&id)
            && let Some(found) = stored_result(&opts.out, id)
        {
            stored.insert(id, found);
        }
    }
    let results: Vec<Rendered<'_>> = AnalysisId::ALL
        .iter()
        .map(|id| Rendered { id: *id, result: stored.get(id).map(|s| &s.0), generated_at: stored.get(id).map(|s| s.1) })
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
        detection_quality: detection_quality(ds, opts, &stored)?,
    };
    let now = Utc::now();
    let dir = opts.out.join("html");
    let mut pages = 0;
    for r in results.iter().filter(|r| r.result.is_some() && only.contains(&r.id)) {
        let html = render_report(&dataset, &results, r)?;
        write_atomic(&dir.join(r.id.file_name()), html.as_bytes())?;
        pages += 1;
    }
    write_atomic(&dir.join("index.html"), render_index(&dataset, &results, now)?.as_bytes())?;
    write_atomic(
        &dir.join("manifest.json"),
        &serde_json::to_vec_pretty(&finops_report::manifest(&dataset, &results, now))?,
    )?;
    Ok(pages + 1)
}

/// The answer key beside a data file (`x.csv` -> `x.events.json`), if there is one.
pub fn answer_key_of(data: &Path) -> Option<PathBuf> {
    Some(finops_core::fsio::answer_key_path(data)).filter(|p| p.is_file())
}

/// Scores the findings against `opts.answer_key`, when one is given and the Real-Time, Churn & Growth
/// and Feature Economics results exist, and writes the scores beside the results. An unreadable key is
/// an error naming the file; a key without windows scores nothing.
fn detection_quality(
    ds: &Dataset,
    opts: &PublishOptions,
    stored: &HashMap<AnalysisId, (AnalysisResult, DateTime<Utc>)>,
) -> Result<Option<finops_results::detection::Evaluation>, PublishError> {
    let Some(path) = &opts.answer_key else { return Ok(None) };
    let text =
        std::fs::read_to_string(path).map_err(|e| PublishError::AnswerKey(format!("{}: {e}", path.display())))?;
    let key: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| PublishError::AnswerKey(format!("{}: {e}", path.display())))?;
    let (
        Some((AnalysisResult::Realtime(realtime), _)),
        Some((AnalysisResult::ChurnGrowth(churn), _)),
        Some((AnalysisResult::Features(features), _)),
    ) = (stored.get(&AnalysisId::Realtime), stored.get(&AnalysisId::ChurnGrowth), stored.get(&AnalysisId::Features))
    else {
        return Ok(None);
    };
    let scores = finops_analytics::evaluate::score_results(
        realtime,
        churn,
        features,
        &key,
        ds.rules.realtime.incident_min_ratio,
        ds.period.end_ms,
    );
    write_atomic(&opts.out.join("data").join("detection_quality.json"), &serde_json::to_vec_pretty(&scores)?)?;
    Ok(Some(scores))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_round_trip_through_the_report_folder_and_stale_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("calls.csv");
        let sim = finops_sim::Simulator::new(finops_sim::SimConfig { customers: 40, ..Default::default() }).unwrap();
        sim.write_file(&data, finops_sim::OutputFormat::Csv, finops_sim::Stop::Calls(3_000), &Default::default())
            .unwrap();
        let ds = Dataset::open(&[data], Default::default()).unwrap();
        let out = dir.path().join("reports");
        let opts = PublishOptions::new(&out, "calls.csv");
        let done = publish(&ds, &[AnalysisId::Pricing, AnalysisId::Profitability], &opts, |_| {}).unwrap();
        assert_eq!((done.reports.len(), done.pages), (2, 3));
        let read =
            |id| -> serde_json::Value { serde_json::from_slice(&std::fs::read(json_path(&out, id)).unwrap()).unwrap() };
        let (pricing, _) = stored_result(&out, AnalysisId::Pricing).expect("stored");
        assert_eq!(pricing.to_json().unwrap(), read(AnalysisId::Pricing), "the typed result reads back whole");
        assert!(!pricing.rules_applied().is_empty());
        // A file from another version (a field missing) reads as not generated, not as zeros.
        let mut json = read(AnalysisId::Pricing);
        json["current"].as_object_mut().unwrap().remove("margin_pct");
        std::fs::write(json_path(&out, AnalysisId::Pricing), json.to_string()).unwrap();
        assert!(stored_result(&out, AnalysisId::Pricing).is_none());
        let index = std::fs::read_to_string(out.join("html/index.html")).unwrap();
        assert_eq!(index.matches("not generated yet").count(), 11);
    }
}

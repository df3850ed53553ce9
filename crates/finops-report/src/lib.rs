//! HTML reports for the analyses: one self-contained page per analysis with inline SVG charts, the
//! index page with an executive summary and generation progress, and `manifest.json`.
//!
//! Rendering works from the analyses' typed results (`finops_results`), so it needs no query engine:
//!
//! ```
//! use finops_report::{DatasetInfo, Rendered, render_site};
//! use finops_results::{AnalysisId, AnalysisResult, pricing::Pricing};
//! let pricing = AnalysisResult::from(Pricing::default());
//! let results = [Rendered { id: AnalysisId::Pricing, result: Some(&pricing), generated_at: Some(chrono::Utc::now()) }];
//! let dataset = DatasetInfo { source: "calls.csv".into(), bytes: 1_000, calls: 10, ..Default::default() };
//! let site = render_site(&dataset, &results).unwrap();
//! assert!(site.pages.iter().any(|(file, html)| file == "pricing.html" && html.contains("Pricing Strategy")));
//! assert!(site.index.contains("Executive summary"));
//! ```
pub mod format;
pub mod page;
mod reports;
mod summary;
pub mod svg;

use chrono::{DateTime, Utc};
use finops_results::{AnalysisId, AnalysisResult, Category};
use minijinja::{Environment, context};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::format::{fixed, int, usd};
use finops_core::units::format_size;

/// Why a page could not be rendered.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("template error: {0}")]
    Template(#[from] minijinja::Error),
}

/// One analysis to show: which, and once computed, its result and when it was written.
#[derive(Debug, Clone, Copy)]
pub struct Rendered<'a> {
    pub id: AnalysisId,
    pub result: Option<&'a AnalysisResult>,
    pub generated_at: Option<DateTime<Utc>>,
}

/// The dataset card of the index and the manifest.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DatasetInfo {
    /// File or folder names analysed (shown as text, never as a link).
    pub source: String,
    pub bytes: u64,
    pub calls: u64,
    /// Size the generator is filling towards, when known.
    pub target_bytes: Option<u64>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub days: f64,
    pub total_cost_usd: f64,
    /// The findings scored against the simulator's answer key, when one lies beside the data.
    pub detection_quality: Option<finops_results::detection::Evaluation>,
}

impl DatasetInfo {
    /// Generation progress: size against target, capped at 100 (100 without a target).
    pub fn progress_pct(&self) -> f64 {
        match self.target_bytes {
            Some(t) if t > 0 => (self.bytes as f64 / t as f64 * 100.0).min(100.0),
            _ => 100.0,
        }
    }
}

/// Every page of the site: `(file name, html)` per report, the index and the manifest.
pub struct Site {
    pub pages: Vec<(String, String)>,
    pub index: String,
    pub manifest: Manifest,
}

const CSS: &str = include_str!("templates/style.css");
/// The pages' one script: live updates when the viewer serves them (inert when opened from disk).
const LIVE_JS: &str = include_str!("templates/live.js");

/// The Content-Security-Policy source that allows exactly [`LIVE_JS`] and no other script.
fn script_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        use base64::Engine;
        use sha2::Digest;
        format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(LIVE_JS.as_bytes())))
    })
}

fn environment() -> Result<Environment<'static>, ReportError> {
    let mut env = Environment::new();
    // Names end in .html, so minijinja escapes every value for HTML unless marked safe.
    env.add_template("layout.html", include_str!("templates/layout.html"))?;
    env.add_template("report.html", include_str!("templates/report.html"))?;
    env.add_template("index.html", include_str!("templates/index.html"))?;
    Ok(env)
}

#[derive(Serialize)]
struct Nav {
    id: &'static str,
    title: &'static str,
    file: String,
}

fn nav(results: &[Rendered<'_>]) -> Vec<Nav> {
    results.iter().map(|r| Nav { id: r.id.as_str(), title: r.id.title(), file: r.id.file_name() }).collect()
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Renders one report page (an empty page when `which` has no result yet).
pub fn render_report(
    dataset: &DatasetInfo,
    results: &[Rendered<'_>],
    which: &Rendered<'_>,
) -> Result<String, ReportError> {
    let env = environment()?;
    let (cards, mut sections) = which.result.map(reports::layout).unwrap_or_default();
    let recommendations = which.result.map(AnalysisResult::recommendations).unwrap_or_default();
    if let Some(r) = which.result {
        sections.push(reports::rules_section(r.rules_applied()));
    }
    Ok(env.get_template("report.html")?.render(context! {
        css => CSS,
        live_js => LIVE_JS,
        script_hash => script_hash(),
        current => which.id.as_str(),
        id => which.id.as_str(),
        nav => nav(results),
        title => which.id.title(),
        description => which.id.description(),
        cards => cards,
        sections => sections,
        recommendations => recommendations,
        generated_at => which.generated_at.map(stamp).unwrap_or_default(),
        version => env!("CARGO_PKG_VERSION"),
        source => dataset.source,
    })?)
}

#[derive(Serialize)]
struct DatasetView {
    source: String,
    size_text: String,
    target_text: Option<String>,
    calls_text: String,
    cost_text: String,
    days_text: String,
    period_text: String,
    progress_pct: String,
}

#[derive(Serialize)]
struct Group<'a> {
    id: &'static str,
    title: &'static str,
    reports: Vec<IndexCard<'a>>,
}

#[derive(Serialize)]
struct IndexCard<'a> {
    title: &'a str,
    description: &'a str,
    file: String,
    generated_at: Option<String>,
}

/// Renders the index: dataset card, progress, executive summary and the report cards by category.
pub fn render_index(
    dataset: &DatasetInfo,
    results: &[Rendered<'_>],
    now: DateTime<Utc>,
) -> Result<String, ReportError> {
    let env = environment()?;
    let view = DatasetView {
        source: dataset.source.clone(),
        size_text: format_size(dataset.bytes),
        target_text: dataset.target_bytes.map(format_size),
        calls_text: int(dataset.calls as f64),
        cost_text: usd(dataset.total_cost_usd),
        days_text: format!("{} days", fixed(dataset.days, 1)),
        period_text: match (&dataset.start, &dataset.end) {
            (Some(a), Some(b)) => format!("{} to {}", short_time(a), short_time(b)),
            _ => "no calls yet".to_string(),
        },
        progress_pct: fixed(dataset.progress_pct(), 0),
    };
    let groups: Vec<Group<'_>> = Category::ALL
        .into_iter()
        .map(|c| Group {
            id: c.as_str(),
            title: c.title(),
            reports: results
                .iter()
                .filter(|r| r.id.category() == c)
                .map(|r| IndexCard {
                    title: r.id.title(),
                    description: r.id.description(),
                    file: r.id.file_name(),
                    generated_at: r.generated_at.filter(|_| r.result.is_some()).map(stamp),
                })
                .collect(),
        })
        .collect();
    let detection = dataset.detection_quality.as_ref().map(detection_view);
    Ok(env.get_template("index.html")?.render(context! {
        css => CSS,
        live_js => LIVE_JS,
        script_hash => script_hash(),
        current => "index",
        nav => nav(results),
        dataset => view,
        findings => summary::findings(results),
        groups => groups,
        detection => detection,
        generated_at => stamp(now),
        version => env!("CARGO_PKG_VERSION"),
        source => dataset.source,
    })?)
}

/// The index's "Detection quality" panel: rows of text.
#[derive(Serialize)]
struct DetectionView {
    surges: Vec<[String; 6]>,
    precision: String,
    changes: Vec<[String; 5]>,
}

fn detection_view(e: &finops_results::detection::Evaluation) -> DetectionView {
    let share = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.0}%", v * 100.0));
    DetectionView {
        surges: e
            .classes
            .iter()
            .map(|c| {
                [
                    c.class.replace('_', " "),
                    format!("{} of {}", c.found, c.events),
                    share(c.recall),
                    format!("{} of {}", c.onset_within_hour, c.found),
                    c.median_abs_onset_error_minutes.map_or("-".into(), |m| format!("{m:.0} min")),
                    format!("{} of {}", c.root_cause_right, c.found),
                ]
            })
            .collect(),
        precision: format!(
            "{} of {} incidents match an injected surge ({}); of the others, {} fall where another injected change raised their organization's traffic at least as much",
            e.matched_incidents,
            e.incidents,
            share(e.precision),
            e.explained_incidents
        ),
        changes: e
            .changes
            .iter()
            .map(|c| {
                [c.class.clone(), c.injected.to_string(), c.reported.to_string(), share(c.recall), share(c.precision)]
            })
            .collect(),
    }
}

fn short_time(iso: &str) -> String {
    iso.get(..16).unwrap_or(iso).replace('T', " ")
}

/// `manifest.json`: what was generated, from which data, and how far generation has come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// RFC 3339.
    pub generated_at: String,
    pub data_source: String,
    pub data_size_bytes: u64,
    /// Binary megabytes, as the CLI's size flags (50MB = 52,428,800 bytes), to two decimals.
    pub data_size_mb: f64,
    pub call_count: u64,
    pub target_size_mb: Option<f64>,
    pub progress_pct: f64,
    pub total_cost_usd: f64,
    pub period: ManifestPeriod,
    pub reports: Vec<ManifestReport>,
}

/// The period the data covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestPeriod {
    pub start: Option<String>,
    pub end: Option<String>,
    pub days: f64,
}

/// One report of the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestReport {
    pub id: AnalysisId,
    pub title: String,
    pub category: Category,
    /// The page, relative to the manifest.
    pub file: String,
    /// The JSON result, relative to the manifest.
    pub data: String,
    /// When the result was written; `None` until it is.
    pub generated_at: Option<String>,
}

/// The manifest of `results` over `dataset`.
pub fn manifest(dataset: &DatasetInfo, results: &[Rendered<'_>], now: DateTime<Utc>) -> Manifest {
    let mb = |bytes: u64| (bytes as f64 / format::MB * 100.0).round() / 100.0;
    Manifest {
        generated_at: now.to_rfc3339(),
        data_source: dataset.source.clone(),
        data_size_bytes: dataset.bytes,
        data_size_mb: mb(dataset.bytes),
        call_count: dataset.calls,
        target_size_mb: dataset.target_bytes.map(mb),
        progress_pct: (dataset.progress_pct() * 10.0).round() / 10.0,
        total_cost_usd: dataset.total_cost_usd,
        period: ManifestPeriod { start: dataset.start.clone(), end: dataset.end.clone(), days: dataset.days },
        reports: results
            .iter()
            .map(|r| ManifestReport {
                id: r.id,
                title: r.id.title().to_string(),
                category: r.id.category(),
                file: r.id.file_name(),
                data: format!("../data/{}", r.id.json_name()),
                generated_at: r.generated_at.filter(|_| r.result.is_some()).map(|t| t.to_rfc3339()),
            })
            .collect(),
    }
}

/// Renders every report that has data, the index and the manifest.
pub fn render_site(dataset: &DatasetInfo, results: &[Rendered<'_>]) -> Result<Site, ReportError> {
    let now = Utc::now();
    let mut pages = Vec::new();
    for r in results.iter().filter(|r| r.result.is_some()) {
        pages.push((r.id.file_name(), render_report(dataset, results, r)?));
    }
    Ok(Site { pages, index: render_index(dataset, results, now)?, manifest: manifest(dataset, results, now) })
}

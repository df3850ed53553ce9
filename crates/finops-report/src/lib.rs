//! HTML reports for the analyses: one self-contained page per analysis with inline SVG charts, the
//! index page with an executive summary and generation progress, and `manifest.json`.
//!
//! Rendering works from the analyses' JSON (`reports/data/<id>.json`), so it needs no query engine:
//!
//! ```
//! use finops_report::{DatasetInfo, ReportMeta, Rendered, render_site};
//! let meta = [ReportMeta { id: "pricing", title: "Pricing Strategy", category: "revenue", description: "Plans replayed." }];
//! let data = serde_json::json!({"current": {"model": "flat", "revenue_usd": 100.0}, "models": [], "recommendations": []});
//! let results = [Rendered { meta: &meta[0], data: Some(&data), generated_at: Some(chrono::Utc::now()) }];
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
use minijinja::{Environment, context};
use serde::Serialize;
use serde_json::Value;
use thiserror::Error;

use crate::format::{int, usd};
use finops_core::units::format_size;

/// Why a page could not be rendered.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("template error: {0}")]
    Template(#[from] minijinja::Error),
}

/// What the index says about one analysis (the registry's entry).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ReportMeta {
    pub id: &'static str,
    pub title: &'static str,
    /// `core`, `finops`, `revenue` or `advanced`.
    pub category: &'static str,
    pub description: &'static str,
}

/// One analysis to show: its registry entry and, once computed, its JSON and when it was written.
#[derive(Debug, Clone, Copy)]
pub struct Rendered<'a> {
    pub meta: &'a ReportMeta,
    pub data: Option<&'a Value>,
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
    pub manifest: Value,
}

/// The file name of a report page (the Python showcase's names: `understanding.html`, ...).
pub fn file_name(id: &str) -> String {
    format!("{id}.html")
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
    results.iter().map(|r| Nav { id: r.meta.id, title: r.meta.title, file: file_name(r.meta.id) }).collect()
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Renders one report page.
pub fn render_report(
    dataset: &DatasetInfo,
    results: &[Rendered<'_>],
    which: &Rendered<'_>,
) -> Result<String, ReportError> {
    let env = environment()?;
    let empty = Value::Null;
    let data = which.data.unwrap_or(&empty);
    let (cards, mut sections) = reports::layout(which.meta.id, data);
    // Every field the analysis computed shows up: fields the layout did not place get a generic section.
    if let Value::Object(fields) = data {
        for (key, value) in fields {
            let placed = key == "recommendations"
                || sections.iter().any(|s| s.key == *key)
                || (key == "summary" && !cards.is_empty());
            if !placed && let Some(s) = page::generic_section(key, value) {
                sections.push(s);
            }
        }
        if fields.contains_key("summary") && !cards.is_empty() {
            sections.push(
                page::Section::new("summary-all", "All summary figures")
                    .facts(page::facts_of(page::at(data, "summary"))),
            );
        }
    }
    let recommendations = page::list(data, "recommendations");
    Ok(env.get_template("report.html")?.render(context! {
        css => CSS,
        live_js => LIVE_JS,
        script_hash => script_hash(),
        current => which.meta.id,
        id => which.meta.id,
        nav => nav(results),
        title => which.meta.title,
        description => which.meta.description,
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
        days_text: format!("{:.1} days", dataset.days),
        period_text: match (&dataset.start, &dataset.end) {
            (Some(a), Some(b)) => format!("{} to {}", short_time(a), short_time(b)),
            _ => "no calls yet".to_string(),
        },
        progress_pct: format!("{:.0}", dataset.progress_pct()),
    };
    let groups: Vec<Group<'_>> =
        [("core", "Core"), ("finops", "FinOps"), ("revenue", "Revenue"), ("advanced", "Advanced")]
            .into_iter()
            .map(|(id, title)| Group {
                id,
                title,
                reports: results
                    .iter()
                    .filter(|r| r.meta.category == id)
                    .map(|r| IndexCard {
                        title: r.meta.title,
                        description: r.meta.description,
                        file: file_name(r.meta.id),
                        generated_at: r.generated_at.filter(|_| r.data.is_some()).map(stamp),
                    })
                    .collect(),
            })
            .collect();
    Ok(env.get_template("index.html")?.render(context! {
        css => CSS,
        live_js => LIVE_JS,
        script_hash => script_hash(),
        current => "index",
        nav => nav(results),
        dataset => view,
        findings => summary::findings(results),
        groups => groups,
        generated_at => stamp(now),
        version => env!("CARGO_PKG_VERSION"),
        source => dataset.source,
    })?)
}

fn short_time(iso: &str) -> String {
    iso.get(..16).unwrap_or(iso).replace('T', " ")
}

/// `manifest.json`: what was generated, from which data, and how far generation has come.
pub fn manifest(dataset: &DatasetInfo, results: &[Rendered<'_>], now: DateTime<Utc>) -> Value {
    serde_json::json!({
        "generated_at": now.to_rfc3339(),
        "data_source": dataset.source,
        "data_size_bytes": dataset.bytes,
        // Binary megabytes, as the CLI's size flags (50MB = 52,428,800 bytes).
        "data_size_mb": (dataset.bytes as f64 / format::MB * 100.0).round() / 100.0,
        "call_count": dataset.calls,
        "target_size_mb": dataset.target_bytes.map(|t| (t as f64 / format::MB * 100.0).round() / 100.0),
        "progress_pct": (dataset.progress_pct() * 10.0).round() / 10.0,
        "total_cost_usd": dataset.total_cost_usd,
        "period": { "start": dataset.start, "end": dataset.end, "days": dataset.days },
        "reports": results.iter().map(|r| serde_json::json!({
            "id": r.meta.id,
            "title": r.meta.title,
            "category": r.meta.category,
            "file": file_name(r.meta.id),
            "data": format!("../data/{}.json", r.meta.id),
            "generated_at": r.generated_at.filter(|_| r.data.is_some()).map(|t| t.to_rfc3339()),
        })).collect::<Vec<_>>(),
    })
}

/// Renders every report that has data, the index and the manifest.
pub fn render_site(dataset: &DatasetInfo, results: &[Rendered<'_>]) -> Result<Site, ReportError> {
    let now = Utc::now();
    let mut pages = Vec::new();
    for r in results.iter().filter(|r| r.data.is_some()) {
        pages.push((file_name(r.meta.id), render_report(dataset, results, r)?));
    }
    Ok(Site { pages, index: render_index(dataset, results, now)?, manifest: manifest(dataset, results, now) })
}

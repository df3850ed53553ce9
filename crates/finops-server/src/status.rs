//! What the viewer reports about itself: the JSON of `GET /api/status` and the Server-Sent Events.
use chrono::{DateTime, Utc};
use finops_results::{AnalysisId, Category};
use serde::Serialize;

/// Where a generation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GenState {
    /// None has run since the viewer started.
    Idle,
    Running,
    /// Asked to stop; finishing the current batch.
    Stopping,
    /// Reached its target.
    Done,
    /// Stopped early; the rows generated so far were kept.
    Stopped,
    Failed,
}

impl GenState {
    pub fn is_active(self) -> bool {
        matches!(self, GenState::Running | GenState::Stopping)
    }
}

/// The current (or last) generation.
#[derive(Debug, Clone, Serialize)]
pub struct GenerationStatus {
    pub state: GenState,
    /// Data file name (in the data folder).
    pub file: String,
    pub calls: u64,
    pub bytes: u64,
    pub target_bytes: u64,
    /// `bytes` against `target_bytes`, 0-100.
    pub progress_pct: f64,
    /// Calls per second the generation is paced to; `None` is full speed.
    pub rate: Option<f64>,
    /// Simulated time reached (RFC 3339).
    pub sim_time: Option<String>,
    /// The traffic scenario running at `sim_time`.
    pub scenario: Option<&'static str>,
    pub started_at: Option<DateTime<Utc>>,
    pub elapsed_s: f64,
    pub error: Option<String>,
}

/// Where the analysis worker is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisState {
    Idle,
    Running,
    Done,
    Failed,
}

/// The current (or last) analysis run.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisStatus {
    pub state: AnalysisState,
    /// Runs started since the viewer started.
    pub run: u64,
    /// What the run reads (a data file name; a growing file is read up to its last whole row).
    pub source: String,
    pub calls: u64,
    pub bytes: u64,
    /// Reports written by this run so far.
    pub reports_done: usize,
    pub reports_total: usize,
    pub seconds: f64,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// One report as the viewer serves it.
#[derive(Debug, Clone, Serialize)]
pub struct ReportStatus {
    pub id: AnalysisId,
    pub title: &'static str,
    pub category: Category,
    /// Page file name, relative to the viewer's root.
    pub file: String,
    /// `ready` or `missing`.
    pub state: &'static str,
    pub generated_at: Option<DateTime<Utc>>,
}

/// A call-log file in the data folder, offered by name.
#[derive(Debug, Clone, Serialize)]
pub struct DataFile {
    pub name: String,
    pub bytes: u64,
    pub modified: Option<DateTime<Utc>>,
    /// Being written by the running generation (`bytes` is what it has written so far).
    pub generating: bool,
}

/// `GET /api/status`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub version: &'static str,
    pub generation: GenerationStatus,
    pub analysis: AnalysisStatus,
    /// The data file the reports are analyzed from.
    pub data_file: String,
    pub data_files: Vec<DataFile>,
    pub reports: Vec<ReportStatus>,
}

/// A report page that was rewritten.
#[derive(Debug, Clone, Serialize)]
pub struct ReportUpdated {
    pub id: AnalysisId,
    pub title: &'static str,
    pub file: String,
    pub generated_at: DateTime<Utc>,
    /// The analysis run that wrote it.
    pub run: u64,
    /// Calls the run analyzed.
    pub calls: u64,
}

/// A budget threshold (`--budgets FILE`) the latest analysis found passed, announced once.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetFired {
    pub budget: String,
    pub pct: f64,
    /// The UTC hour the spend passed it.
    pub fired_at: String,
    pub spent_usd: f64,
    pub amount_usd: f64,
}

/// What `GET /api/events` streams: `progress` (generation ticks and state changes), `analysis` (a run
/// started, finished or failed), `report` (a page was rewritten; sent after the run's pages are on
/// disk, so a client can fetch it at once) and `budget` (a budget threshold fired, once each).
#[derive(Debug, Clone)]
pub enum Event {
    Progress(GenerationStatus),
    Analysis(AnalysisStatus),
    Report(ReportUpdated),
    Budget(BudgetFired),
}

impl Event {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Progress(_) => "progress",
            Event::Analysis(_) => "analysis",
            Event::Report(_) => "report",
            Event::Budget(_) => "budget",
        }
    }

    /// The SSE data: the payload as JSON.
    pub fn json(&self) -> String {
        let v = match self {
            Event::Progress(s) => serde_json::to_string(s),
            Event::Analysis(s) => serde_json::to_string(s),
            Event::Report(s) => serde_json::to_string(s),
            Event::Budget(s) => serde_json::to_string(s),
        };
        v.unwrap_or_else(|_| "{}".into())
    }
}

//! Dataset Overview: what the data holds, how it is distributed, and its quality.
use serde::{Deserialize, Serialize};

use crate::common::{DistinctCounts, Metrics, Recommendation};
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetOverview {
    pub load: LoadReport,
    pub summary: Metrics,
    pub scale: Scale,
    pub temporal: Temporal,
    pub distributions: Vec<Distribution>,
    pub quality: Quality,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

/// Distinct customers, organizations, products, features, providers and models.
pub type Scale = DistinctCounts;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Temporal {
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_hours: f64,
    pub description: String,
    /// Calls and cost per UTC day.
    pub daily: Vec<DayPoint>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DayPoint {
    pub date: String,
    pub calls: u64,
    pub cost_usd: f64,
}

/// Share of calls (and their cost) by one dimension.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// `provider`, `model`, `feature`, `subscription_tier`, `customer_archetype`, `region`, `product`,
    /// `environment` or `service_tier`.
    pub dimension: String,
    pub values: Vec<Share>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub value: String,
    pub calls: u64,
    pub pct_calls: f64,
    pub cost_usd: f64,
    pub pct_cost: f64,
    pub avg_latency_ms: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    pub success: u64,
    pub errors: u64,
    pub success_pct: f64,
    /// Calls per status and error type.
    pub by_status: Vec<StatusCount>,
    pub bad_rows_skipped: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusCount {
    pub status: String,
    pub error_type: String,
    pub calls: u64,
    pub pct: f64,
}

/// What was loaded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    pub files: Vec<FileReport>,
    pub rows: u64,
    pub bytes: u64,
    pub bad_rows: u64,
    /// The first bad rows (at most [`LoadReport::MAX_EXAMPLES`]), when skipped.
    pub bad_row_examples: Vec<BadRow>,
}

impl LoadReport {
    /// Bad rows kept as examples.
    pub const MAX_EXAMPLES: usize = 20;

    /// Counts in one loaded file and the first of its bad rows.
    pub fn add_file(&mut self, file: FileReport, examples: Vec<BadRow>) {
        self.rows += file.rows;
        self.bytes += file.bytes;
        self.bad_rows += file.bad_rows;
        let room = Self::MAX_EXAMPLES.saturating_sub(self.bad_row_examples.len());
        self.bad_row_examples.extend(examples.into_iter().take(room));
        self.files.push(file);
    }
}

/// One input file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    pub path: String,
    /// `csv` or `parquet`.
    pub format: String,
    pub bytes: u64,
    pub rows: u64,
    pub bad_rows: u64,
    /// Columns the file lacked, filled with defaults.
    pub defaulted_columns: Vec<String>,
    /// For OpenTelemetry span files: what the spans held and how calls were priced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spans: Option<SpanReadout>,
}

/// What an OpenTelemetry span file held.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpanReadout {
    /// Every span in the file.
    pub spans: u64,
    /// GenAI client spans read as calls (after removing duplicates).
    pub calls: u64,
    /// The application's own spans (no GenAI attributes).
    pub other_spans: u64,
    /// Spans with GenAI attributes that are not `CLIENT` spans (framework wrappers).
    pub genai_not_client: u64,
    /// Agent, workflow and tool spans (they wrap calls).
    pub agent_or_tool_spans: u64,
    /// A second span of a response already read (two instrumentations of one client).
    pub duplicates: u64,
    pub emitters: Vec<EmitterCount>,
    pub pricing: Vec<PricingCount>,
}

/// Calls per instrumentation scope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmitterCount {
    pub scope: String,
    pub version: String,
    /// The known emitter it was read as.
    pub emitter: String,
    /// How that emitter counts input tokens.
    pub input_tokens: String,
    pub calls: u64,
}

/// Calls per reported model and how they were priced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PricingCount {
    pub provider: String,
    /// The model as the span reported it.
    pub reported_model: String,
    /// The model as recorded (the catalog's name when it lists the reported one under another).
    pub model: String,
    /// `catalog`, `catalog (renamed)`, `genai-prices` or `unpriced`.
    pub source: String,
    pub calls: u64,
}

/// A value that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BadRow {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: column {}: {} (value {:?})", self.file, self.line, self.column, self.reason, self.value)
    }
}

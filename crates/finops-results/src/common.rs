//! Types shared by several results: grouped metrics, recommendations, the forecast, per-customer totals.
use serde::{Deserialize, Serialize};

/// How urgent a recommendation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
    Info,
    Success,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Success => "success",
        }
    }
}

/// A recommendation: which rule fired, how urgent, and a sentence built from the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
}

impl Recommendation {
    pub fn new(rule: &str, severity: Severity, message: impl Into<String>) -> Recommendation {
        Recommendation { rule: rule.to_string(), severity, message: message.into() }
    }
}

/// Aggregate metrics of a group of calls.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    pub calls: u64,
    pub cost_usd: f64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
    pub cached_input_tokens: u64,
    pub errors: u64,
    /// Defaults to 0 when read back: a model's performance row has its own `error_rate_pct` (over all
    /// calls) beside its flattened latency-sample metrics, whose error rate is 0 by definition.
    #[serde(default)]
    pub error_rate_pct: f64,
    pub avg_cost_per_call: f64,
    pub avg_tokens_per_call: f64,
    /// Cost per 1K tokens (the seed's efficiency measure).
    pub cost_per_1k_tokens: f64,
    /// Latency over successful standard-tier calls: failed calls end early and would flatter the
    /// numbers, batch calls wait for hours by design and would swamp them.
    pub avg_latency_ms: f64,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
    pub p99_latency_ms: f64,
}

/// One group of a breakdown: its key values (in dimension order) and metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub key: Vec<String>,
    #[serde(flatten)]
    pub metrics: Metrics,
}

impl Group {
    /// The key as one label: `openai/gpt-4.1` for (provider, model).
    pub fn label(&self) -> String {
        self.key.join("/")
    }
}

/// A 30-day cost forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Days of history used.
    pub history_days: usize,
    /// The seed's method: average daily cost x 30.
    pub run_rate_30d: f64,
    /// Least-squares linear trend on daily cost with day-of-week factors, summed over the next 30 days
    /// (with too short a history: the weekday-adjusted level, without trend).
    pub trend_30d: f64,
    /// 80% interval of `trend_30d` from the residual spread.
    pub trend_30d_low: f64,
    pub trend_30d_high: f64,
    /// Fitted change of daily cost per day (USD/day per day).
    pub slope_per_day: f64,
    /// Week-over-week change of the last 7 complete days vs the 7 before, in percent (None under 14 days).
    pub week_over_week_pct: Option<f64>,
    /// Projected daily cost for each of the next 30 days.
    pub daily: Vec<f64>,
}

/// How many distinct values the main dimensions have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistinctCounts {
    pub customers: u64,
    pub organizations: u64,
    pub products: u64,
    pub features: u64,
    pub providers: u64,
    /// Distinct (provider, model) pairs.
    pub models: u64,
}

/// One customer's totals and attributes (attributes: the latest value seen).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerRow {
    pub customer_id: String,
    pub organization_id: String,
    pub product_id: String,
    pub subscription_tier: String,
    pub customer_archetype: String,
    pub tier_price_usd: f64,
    pub calls: u64,
    pub cost_usd: f64,
    pub total_tokens: u64,
    pub features: u64,
    pub first_ms: i64,
    pub last_ms: i64,
    /// Subscription revenue for the data period: monthly price x months from the customer's first
    /// call to the end of the data (at least one hour), months of 30.44 days.
    pub revenue_usd: f64,
}

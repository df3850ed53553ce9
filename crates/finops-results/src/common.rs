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

/// How a forecast was made: the richest method the history supports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastMethod {
    /// No history.
    #[default]
    None,
    /// Under 3 days: the average day, no interval.
    RunRate,
    /// 3 to 6 days: the median day of the (outlier-cleaned) history, no weekly pattern.
    Level,
    /// 7 to 13 days: weekdays, Saturdays and Sundays as three levels (medians), the adjusted series
    /// forecast by exponential smoothing (AutoETS).
    WeekdayEts,
    /// 14 days or more: MSTL decomposition with a weekly season, the trend forecast by AutoETS.
    MstlEts,
}

impl ForecastMethod {
    /// A short name for tables.
    pub fn label(self) -> &'static str {
        match self {
            ForecastMethod::None => "none",
            ForecastMethod::RunRate => "run rate",
            ForecastMethod::Level => "robust level",
            ForecastMethod::WeekdayEts => "weekday levels + ETS",
            ForecastMethod::MstlEts => "MSTL (weekly) + ETS",
        }
    }
}

/// One forecast day with its prediction interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForecastDay {
    pub date: String,
    pub cost_usd: f64,
    pub low_usd: f64,
    pub high_usd: f64,
}

/// A first or last day the data covers only in part, and the full day it stands for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartialDay {
    pub date: String,
    /// Share of a typical day's cost that falls in the covered hours (from the hour-of-day profile).
    pub covered_share: f64,
    pub cost_usd: f64,
    /// `cost_usd / covered_share`, or `None` when the day covers too little to use (it is left out).
    pub full_day_usd: Option<f64>,
}

/// One method's accuracy in the rolling-origin backtest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BacktestRow {
    pub method: String,
    /// Forecast (origin, day) pairs scored.
    pub forecasts: u64,
    /// Mean absolute percentage error over those pairs.
    pub mape_pct: f64,
    /// Mean absolute error in USD per day.
    pub mae_usd: f64,
    /// Share of held-out days inside the method's interval; `None` for methods without one.
    pub coverage_pct: Option<f64>,
}

/// Rolling-origin backtest: from every origin with enough history, forecast up to `horizon_days` ahead
/// with only the days before it, and score against the days that followed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    pub horizon_days: usize,
    /// Origins tried (days of history from `min_history_days` to the last day but one).
    pub origins: usize,
    pub min_history_days: usize,
    /// Ours first, then the naive run rate and the seasonal naive (same day last week), all scored on
    /// the same (origin, day) pairs; the seasonal naive only where a week of history exists.
    pub rows: Vec<BacktestRow>,
}

/// A 30-day cost forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Days of history used (complete days plus partial days scaled to full ones).
    pub history_days: usize,
    pub method: ForecastMethod,
    /// Why this method: how much history there was and what it allows.
    pub method_reason: String,
    /// Nominal coverage of the intervals, in percent.
    pub interval_pct: f64,
    /// The seed's method: average daily cost x 30.
    pub run_rate_30d: f64,
    /// The forecast summed over the next 30 days.
    pub forecast_30d: f64,
    /// Interval of the 30-day sum: the model's share of each day's width moves all days together (added),
    /// each day's own spread is independent (added in quadrature).
    pub forecast_30d_low: f64,
    pub forecast_30d_high: f64,
    /// Week-over-week change of the last 7 days vs the 7 before, in percent (None under 14 days).
    pub week_over_week_pct: Option<f64>,
    /// Days the fit treated as outliers (replaced by their robust expectation before fitting).
    pub outlier_days: Vec<String>,
    pub partial_days: Vec<PartialDay>,
    /// The next 30 days.
    pub daily: Vec<ForecastDay>,
    pub backtest: Option<Backtest>,
}

/// A forecast per provider, model or organization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupForecast {
    /// `provider`, `model` or `organization`.
    pub dimension: String,
    pub key: String,
    pub last_7d_usd: f64,
    pub method: ForecastMethod,
    pub forecast_30d: f64,
    pub forecast_30d_low: f64,
    pub forecast_30d_high: f64,
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

//! Geographic & Latency: load and latency by serving region, region x model latency, each region's
//! busiest UTC hour, and the fastest region per model.
use serde::{Deserialize, Serialize};

use crate::common::{Group, Recommendation};
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Geographic {
    pub summary: Summary,
    pub by_region: Vec<RegionRow>,
    /// Latency of each (region, provider/model) with enough calls.
    pub heatmap: Vec<Group>,
    pub provider_by_region: Vec<Group>,
    pub peak_hours: Vec<PeakHour>,
    pub routing: Vec<Route>,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub regions: u64,
    pub calls: u64,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
    pub busiest_region: Option<String>,
    pub quietest_region: Option<String>,
    /// Quietest / busiest region calls, in percent (100 = perfectly balanced).
    pub balance_pct: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionRow {
    pub region: String,
    pub calls: u64,
    pub pct_calls: f64,
    pub cost_usd: f64,
    pub p50_latency_ms: f64,
    pub p95_latency_ms: f64,
    pub p99_latency_ms: f64,
    pub ttft_p50_ms: f64,
    pub error_rate_pct: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeakHour {
    pub region: String,
    pub busiest_utc_hour: u32,
    pub calls_in_peak_hour: u64,
    /// Calls per UTC hour of day, summed over the period.
    pub by_hour: Vec<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub model: String,
    pub fastest_region: String,
    pub fastest_p50_ms: f64,
    pub overall_p50_ms: f64,
    pub gain_pct: f64,
}

//! Performance Tracking: latency percentiles, time to first token, throughput, SLA compliance, and the
//! best model per task. Latency statistics use successful standard-tier calls.
use serde::{Deserialize, Serialize};

use crate::common::{Metrics, Recommendation};
use finops_core::rules::AppliedRule;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    pub summary: Summary,
    pub by_model: Vec<ModelPerformance>,
    pub latency_buckets: Vec<Bucket>,
    pub sla: Sla,
    pub hourly: Vec<HourPoint>,
    pub by_task: Vec<TaskChoice>,
    pub rankings: Rankings,
    pub recommendations: Vec<Recommendation>,
    pub rules_applied: Vec<AppliedRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    #[serde(flatten)]
    pub latency: Metrics,
    pub ttft_p50_ms: f64,
    pub ttft_p95_ms: f64,
    /// Output tokens per second of generation (latency minus time to first token), over all calls.
    pub throughput_tokens_per_s: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelPerformance {
    pub provider: String,
    pub model: String,
    #[serde(flatten)]
    pub metrics: Metrics,
    pub ttft_p50_ms: f64,
    pub throughput_tokens_per_s: f64,
    /// Throughput per dollar per 1K tokens (the seed's score: tokens/s / cost per 1K).
    pub efficiency_score: f64,
    /// Error rate over all the model's calls (the flattened metrics' `error_rate_pct` is over the
    /// latency sample, which holds successful calls only; this one wins in the JSON).
    #[serde(rename = "error_rate_pct")]
    pub error_rate_all_pct: f64,
    pub sla_pct: f64,
    /// Has enough calls (`performance.min_calls`) to be ranked, compared and plotted.
    pub ranked: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub label: String,
    pub calls: u64,
    pub pct: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sla {
    pub ttft_threshold_ms: f64,
    pub compliant_pct: f64,
    pub calls: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HourPoint {
    pub hour: String,
    pub calls: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// For one feature: the fastest and the cheapest model (models with `performance.min_calls` on it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskChoice {
    pub feature: String,
    pub fastest: Option<String>,
    pub fastest_p50_ms: f64,
    pub cheapest: Option<String>,
    pub cheapest_cost_per_call: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rankings {
    pub fastest: Vec<String>,
    pub cheapest_per_1k: Vec<String>,
    pub best_score: Vec<String>,
}

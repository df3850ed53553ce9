//! The analyses, one module each, and their registry. Adding an analysis: one module with an
//! `analyze(&Dataset) -> Result<T>` (T: Serialize) and one line in [`REGISTRY`].
use serde::Serialize;

use crate::engine::{AnalyticsError, Dataset, Result};

pub mod abuse_detection;
pub mod alignment;
pub mod churn_growth;
pub mod dataset_overview;
pub mod features;
pub mod geographic_latency;
pub mod optimization;
pub mod performance;
pub mod pricing;
pub mod profitability;
pub mod realtime;
pub mod token_economics;
pub mod understanding;

/// How urgent a recommendation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
    Info,
    Success,
}

/// A recommendation: which rule fired, how urgent, and a sentence built from the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
}

impl Recommendation {
    pub fn new(rule: &'static str, severity: Severity, message: impl Into<String>) -> Recommendation {
        Recommendation { rule, severity, message: message.into() }
    }
}

/// One entry of the registry.
pub struct AnalysisInfo {
    /// Stable id (the JSON and HTML file name): `understanding`.
    pub id: &'static str,
    pub title: &'static str,
    /// Index category: `core`, `finops`, `revenue` or `advanced`.
    pub category: &'static str,
    pub description: &'static str,
    pub run: fn(&Dataset) -> Result<serde_json::Value>,
}

fn json<T: Serialize>(r: Result<T>) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(r?).map_err(|e| AnalyticsError::Query(format!("serialising the result: {e}")))?;
    positive_zeros(&mut v);
    Ok(v)
}

/// Turns every -0.0 into 0.0. Rust's float `sum()` of nothing is -0.0, and a few products and
/// differences of zeros are too; a report should never show "-$0.00" or "-0".
fn positive_zeros(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.as_f64() == Some(0.0) && n.is_f64() => *v = serde_json::Value::from(0.0),
        serde_json::Value::Array(items) => items.iter_mut().for_each(positive_zeros),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(positive_zeros),
        _ => {}
    }
}

/// Every analysis, in report order.
pub const REGISTRY: &[AnalysisInfo] = &[
    AnalysisInfo {
        id: "dataset_overview",
        title: "Dataset Overview",
        category: "core",
        description: "What the data holds: files, volume, period, distributions and data quality.",
        run: |ds| json(dataset_overview::analyze(ds)),
    },
    AnalysisInfo {
        id: "understanding",
        title: "Understanding Usage & Cost",
        category: "core",
        description: "Cost allocation by provider, model, customer, feature and organization; daily trend and 30-day forecast.",
        run: |ds| json(understanding::analyze(ds)),
    },
    AnalysisInfo {
        id: "performance",
        title: "Performance Tracking",
        category: "core",
        description: "Latency percentiles, time to first token, throughput, SLA compliance and the best model per task.",
        run: |ds| json(performance::analyze(ds)),
    },
    AnalysisInfo {
        id: "realtime",
        title: "Real-Time Decision Making",
        category: "finops",
        description: "Cost anomalies against each organization's, model's and feature's own baseline; budget risk; error spikes.",
        run: |ds| json(realtime::analyze(ds)),
    },
    AnalysisInfo {
        id: "optimization",
        title: "Rate Optimization",
        category: "finops",
        description: "Savings from cheaper sibling models, the batch API and prompt caching at catalog prices; commitment what-ifs.",
        run: |ds| json(optimization::analyze(ds)),
    },
    AnalysisInfo {
        id: "alignment",
        title: "Organizational Alignment",
        category: "finops",
        description: "Cost by organization, product and feature; chargeback and showback; efficiency gaps between tenants.",
        run: |ds| json(alignment::analyze(ds)),
    },
    AnalysisInfo {
        id: "profitability",
        title: "Customer Profitability",
        category: "revenue",
        description: "Plan revenue prorated to the period against AI cost, per customer and tier.",
        run: |ds| json(profitability::analyze(ds)),
    },
    AnalysisInfo {
        id: "pricing",
        title: "Pricing Strategy",
        category: "revenue",
        description: "Flat plans against tiered-with-overage, pure usage and hybrid pricing, replayed on actual usage.",
        run: |ds| json(pricing::analyze(ds)),
    },
    AnalysisInfo {
        id: "features",
        title: "Feature Economics",
        category: "revenue",
        description: "Cost, adoption and growth per feature; investment quadrants; bundles; launches with their adoption curve.",
        run: |ds| json(features::analyze(ds)),
    },
    AnalysisInfo {
        id: "token_economics",
        title: "Token Economics",
        category: "advanced",
        description: "Input, cached, output and reasoning tokens; input/output balance; wasteful call patterns.",
        run: |ds| json(token_economics::analyze(ds)),
    },
    AnalysisInfo {
        id: "geographic_latency",
        title: "Geographic & Latency",
        category: "advanced",
        description: "Load and latency by region, region x model latency, each region's busiest UTC hour, fastest region per model.",
        run: |ds| json(geographic_latency::analyze(ds)),
    },
    AnalysisInfo {
        id: "churn_growth",
        title: "Churn & Growth",
        category: "advanced",
        description: "New, growing, declining and churned customers; expansion candidates; plan mismatches; cohorts and retention.",
        run: |ds| json(churn_growth::analyze(ds)),
    },
    AnalysisInfo {
        id: "abuse_detection",
        title: "Abuse Detection",
        category: "advanced",
        description: "Usage spikes, minute bursts, rate-limit hammering, cost spikes, night-time automation and plan abuse per customer.",
        run: |ds| json(abuse_detection::analyze(ds)),
    },
];

/// Finds an analysis by id.
pub fn find(id: &str) -> Result<&'static AnalysisInfo> {
    REGISTRY.iter().find(|a| a.id == id).ok_or_else(|| AnalyticsError::UnknownAnalysis(id.to_string()))
}

/// Runs `chosen` on up to `threads` worker threads (DataFusion parallelises each query too, but most
/// queries here are small, so running analyses side by side keeps every core busy). `done` is called
/// on the calling thread as each analysis finishes, in completion order, with its time.
///
/// ```no_run
/// # fn main() -> Result<(), finops_analytics::AnalyticsError> {
/// use finops_analytics::analyses::{REGISTRY, run_concurrently};
/// let ds = finops_analytics::Dataset::open(&["data/simulated_calls.csv".into()], Default::default())?;
/// let chosen: Vec<_> = REGISTRY.iter().collect();
/// run_concurrently(&ds, &chosen, 2, |info, result, took| {
///     println!("{} in {:?}: {}", info.id, took, result.is_ok());
/// });
/// # Ok(())
/// # }
/// ```
pub fn run_concurrently<'a>(
    ds: &Dataset,
    chosen: &[&'a AnalysisInfo],
    threads: usize,
    mut done: impl FnMut(&'a AnalysisInfo, Result<serde_json::Value>, std::time::Duration),
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, chosen.len().max(1)) {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || {
                while let Some(&info) = chosen.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let started = std::time::Instant::now();
                    let result = (info.run)(ds);
                    if tx.send((info, result, started.elapsed())).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        for (info, result, took) in rx {
            done(info, result, took);
        }
    });
}

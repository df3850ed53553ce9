//! The analyses, one module each, and the runner. The analyses' ids, titles and result types are
//! declared once in `finops_results`; adding an analysis is a module here with
//! `analyze(&Dataset) -> Result<T>`, its result type there, and one arm in [`run`].
use finops_results::{AnalysisId, AnalysisResult};

use crate::engine::{Dataset, Result};

pub mod abuse_detection;
pub mod alignment;
pub mod budgets;
pub mod churn_growth;
pub mod dataset_overview;
pub mod features;
pub mod geographic_latency;
pub mod incidents;
pub mod optimization;
pub mod performance;
pub mod pricing;
pub mod profitability;
pub mod realtime;
pub mod token_economics;
pub mod understanding;

pub use finops_results::{Recommendation, Severity};

/// Runs one analysis. (A float sum of nothing is -0.0 in Rust: the JSON form and the pages show it as
/// 0; [`AnalysisResult::without_negative_zeros`] rewrites the typed value if a caller needs to.)
///
/// ```no_run
/// # fn main() -> Result<(), finops_analytics::AnalyticsError> {
/// use finops_analytics::{Dataset, analyses::run};
/// use finops_results::{AnalysisId, AnalysisResult};
/// let ds = Dataset::open(&["data/simulated_calls.csv".into()], Default::default())?;
/// if let AnalysisResult::Profitability(p) = run(AnalysisId::Profitability, &ds)? {
///     println!("margin {:.1}%", p.summary.margin_pct);
/// }
/// # Ok(())
/// # }
/// ```
pub fn run(id: AnalysisId, ds: &Dataset) -> Result<AnalysisResult> {
    Ok(match id {
        AnalysisId::DatasetOverview => dataset_overview::analyze(ds)?.into(),
        AnalysisId::Understanding => understanding::analyze(ds)?.into(),
        AnalysisId::Performance => performance::analyze(ds)?.into(),
        AnalysisId::Realtime => realtime::analyze(ds)?.into(),
        AnalysisId::Optimization => optimization::analyze(ds)?.into(),
        AnalysisId::Alignment => alignment::analyze(ds)?.into(),
        AnalysisId::Profitability => profitability::analyze(ds)?.into(),
        AnalysisId::Pricing => pricing::analyze(ds)?.into(),
        AnalysisId::Features => features::analyze(ds)?.into(),
        AnalysisId::TokenEconomics => token_economics::analyze(ds)?.into(),
        AnalysisId::GeographicLatency => geographic_latency::analyze(ds)?.into(),
        AnalysisId::ChurnGrowth => churn_growth::analyze(ds)?.into(),
        AnalysisId::AbuseDetection => abuse_detection::analyze(ds)?.into(),
    })
}

/// Runs `chosen` on up to `threads` worker threads (DataFusion parallelises each query too, but most
/// queries here are small, so running analyses side by side keeps every core busy). `done` is called
/// on the calling thread as each analysis finishes, in completion order, with its time.
///
/// ```no_run
/// # fn main() -> Result<(), finops_analytics::AnalyticsError> {
/// use finops_analytics::analyses::run_concurrently;
/// use finops_results::AnalysisId;
/// let ds = finops_analytics::Dataset::open(&["data/simulated_calls.csv".into()], Default::default())?;
/// run_concurrently(&ds, &AnalysisId::ALL, 2, |id, result, took| {
///     println!("{id} in {:?}: {}", took, result.is_ok());
/// });
/// # Ok(())
/// # }
/// ```
pub fn run_concurrently(
    ds: &Dataset,
    chosen: &[AnalysisId],
    threads: usize,
    mut done: impl FnMut(AnalysisId, Result<AnalysisResult>, std::time::Duration),
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, chosen.len().max(1)) {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || {
                while let Some(&id) = chosen.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let started = std::time::Instant::now();
                    let result = run(id, ds);
                    if tx.send((id, result, started.elapsed())).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        for (id, result, took) in rx {
            done(id, result, took);
        }
    });
}

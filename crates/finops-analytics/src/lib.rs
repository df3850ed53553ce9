//! Analytics over AI call logs: loading (CSV, the Python showcase's CSV, Parquet, folders) into a
//! DataFusion session, shared helpers, and the FinOps / usage-based-revenue analyses. Their results
//! are the types of `finops_results` (re-exported as [`results`]); the thresholds behind every finding
//! come from the dataset's [`finops_core::rules::Rules`].
//!
//! ```
//! use finops_analytics::{Dataset, LoadOptions, analyses::understanding};
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("calls.csv");
//! # let sim = finops_sim::Simulator::new(finops_sim::SimConfig { customers: 40, ..Default::default() }).unwrap();
//! # sim.write_file(&path, finops_sim::OutputFormat::Csv, finops_sim::Stop::Calls(2_000), &Default::default()).unwrap();
//! let ds = Dataset::open(&[path], LoadOptions::default())?;
//! let results = understanding::analyze(&ds)?;
//! assert_eq!(results.summary.totals.calls, 2_000);
//! println!("Total cost: ${:.2}", results.summary.totals.cost_usd);
//! println!("Top provider: {}", results.by_provider[0].key[0]);
//! # Ok::<(), finops_analytics::AnalyticsError>(())
//! ```
pub mod analyses;
pub mod bucket;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod common;
pub mod compare;
pub mod engine;
pub mod evaluate;
pub mod forecast;
#[doc(hidden)]
pub mod fuzzing;
pub mod key_hash;
pub mod load;
pub mod otel;
pub mod price_lookup;
pub mod scan;
pub mod sql;
pub mod values_list;

pub use datafusion;
pub use engine::{AnalyticsError, Dataset, Period, Table};
pub use finops_results as results;
pub use load::{LoadOptions, LoadReport};

/// The analyses' own aggregate functions ([`values_list`]): the one list that every session, `finops
/// sql` and the cluster's scheduler and executors register.
pub fn aggregate_functions() -> Vec<datafusion::logical_expr::AggregateUDF> {
    vec![values_list::udaf()]
}

/// The analyses' own scalar functions ([`key_hash`], [`bucket`]), registered wherever
/// [`aggregate_functions`] are.
pub fn scalar_functions() -> Vec<datafusion::logical_expr::ScalarUDF> {
    vec![key_hash::udf(), bucket::udf()]
}

/// Whether our scalar functions read an argument of type `t` as a 64-bit integer without loss: the signed
/// whole numbers, and the unsigned ones up to 32 bits (a `u64` may not fit).
pub(crate) fn fits_int64(t: &datafusion::arrow::datatypes::DataType) -> bool {
    use datafusion::arrow::datatypes::DataType::*;
    matches!(t, Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32)
}

/// Registers [`aggregate_functions`] and [`scalar_functions`] in `ctx`: every session of the analyses
/// and of `finops sql` has them.
pub fn register_functions(ctx: &datafusion::prelude::SessionContext) {
    for f in aggregate_functions() {
        ctx.register_udaf(f);
    }
    for f in scalar_functions() {
        ctx.register_udf(f);
    }
}

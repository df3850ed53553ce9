//! Analytics over AI call logs: loading (CSV, the Python showcase's CSV, Parquet, folders) into a
//! DataFusion session, shared helpers, and the FinOps / usage-based-revenue analyses as typed results.
pub mod analyses;
pub mod common;
pub mod engine;
pub mod load;

pub use engine::{AnalyticsError, Dataset, Period, Table};
pub use load::{LoadOptions, LoadReport};

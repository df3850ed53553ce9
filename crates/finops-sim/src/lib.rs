//! Realistic, reproducible AI API call logs.
//!
//! A [`Simulator`] builds a stable [`Population`] of customers and organizations, then walks one
//! continuous timeline hour by hour: each customer's calls per hour are a Poisson count shaped by its
//! archetype, local time of day and day of week, grouped into sessions ([`session`]) that start as the
//! hour's demand drifts ([`drift`]); each call gets a feature, a model, token counts drawn from the
//! feature's real-trace anchored shape ([`tokens`]), a prompt-cache hit when its session's previous
//! prompt is cached, latency from the model's speed, the prompt and the region, sometimes an error, and
//! its exact cost from the pricing catalog. Every hour has its own random stream, so the output is
//! byte-identical for the same options whatever the thread count.
//!
//! ```no_run
//! use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};
//!
//! let sim = Simulator::new(SimConfig { seed: 42, ..SimConfig::default() })?;
//! let summary = sim.write_file("data/two_days.csv".as_ref(), OutputFormat::Csv, Stop::days(2.0), &RunOptions::default())?;
//! println!("{} calls, {} bytes", summary.calls, summary.bytes);
//! # Ok::<(), finops_sim::SimError>(())
//! ```
pub mod call;
mod csv_out;
pub mod dataset_out;
pub mod drift;
pub mod parquet_out;
mod plan;
pub mod population;
pub mod profile;
pub mod record;
pub mod rng;
pub mod scenario;
pub mod session;
mod simulator;
pub mod timeline;
pub mod tokens;

pub use call::Call;
pub use csv_out::escape_field;
pub use plan::WindowRecord;
pub use population::{Customer, Organization, Population};
pub use record::CallRecord;
pub use scenario::{Program, Scenario};
pub use simulator::{
    DEFAULT_START, OutputFormat, Progress, RunOptions, SimConfig, SimError, Simulator, Stop, Summary, date_of,
    events_path,
};

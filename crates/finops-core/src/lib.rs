//! Shared vocabulary of finops: the call-log schema, its enums, the dated pricing catalog and the
//! single cost formula that every other crate uses.
//!
//! ```
//! use finops_core::pricing::Catalog;
//! use finops_core::cost::{ServiceTier, Usage};
//!
//! let catalog = Catalog::builtin();
//! let at = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
//! let (_, price) = catalog.price_at("openai", "gpt-4o-mini", at).unwrap();
//! let usage = Usage { input: 1_000_000, output: 0, ..Usage::default() };
//! let cost = price.cost(&usage, ServiceTier::Standard).unwrap();
//! assert_eq!(cost.to_string(), "0.15");
//! ```
pub mod budgets;
pub mod cost;
pub mod fsio;
pub mod genai;
pub mod mapping;
pub mod negotiated;
pub mod pricing;
pub mod rules;
pub mod schema;
pub mod units;

pub use cost::{Cost, CostError, Rate, ServiceTier, Usage};
pub use pricing::{Catalog, CatalogError, Mix, Model, PriceRow, Provider};
pub use rules::{AppliedRule, Rules, RulesError};

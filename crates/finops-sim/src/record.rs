//! A call with its strings resolved: what one row of the call log says, typed.
use finops_core::schema::{Archetype, Environment, ErrorType, Feature, Product, Region, Status, Tier};
use serde::Serialize;

/// One row of the call log (all 25 columns), borrowing strings from the simulator.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord<'a> {
    pub call_id: String,
    /// Unix milliseconds, UTC.
    pub timestamp_ms: i64,
    pub customer_id: String,
    pub organization_id: String,
    pub product_id: Product,
    pub feature_id: Feature,
    pub provider: &'a str,
    pub model: &'a str,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub total_tokens: u64,
    pub cost_usd: f64,
    pub latency_ms: u32,
    pub status: Status,
    pub environment: Environment,
    pub region: Region,
    pub subscription_tier: Tier,
    pub tier_price_usd: u32,
    pub customer_archetype: Archetype,
    pub cached_input_tokens: u32,
    pub reasoning_tokens: u32,
    pub time_to_first_token_ms: u32,
    pub error_type: ErrorType,
    pub service_tier: finops_core::ServiceTier,
    pub cache_write_tokens: u32,
}

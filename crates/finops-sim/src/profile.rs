//! Behavioural constants of the simulated customers: how often they call, how big their calls are, when
//! they are active, how often calls fail. Each number is documented in the README's "Simulator model".
use finops_core::schema::{Archetype, Environment, Feature, Region, Tier};

/// How much an archetype uses the API: its customers' calls per weekday (the seed's ranges). Token
/// counts depend on what a call is for, not on who makes it (see [`crate::tokens`]): the seed's
/// per-archetype token ranges made prompt and answer sizes move together (a Spearman correlation of
/// 0.52, against 0.07 in a real trace).
#[derive(Debug, Clone, Copy)]
pub struct ArchetypeProfile {
    /// Uniform range of a customer's calls per weekday.
    pub calls_per_day: (f64, f64),
}

pub fn archetype_profile(a: Archetype) -> ArchetypeProfile {
    match a {
        Archetype::Light => ArchetypeProfile { calls_per_day: (5.0, 20.0) },
        Archetype::Power => ArchetypeProfile { calls_per_day: (50.0, 150.0) },
        Archetype::Heavy => ArchetypeProfile { calls_per_day: (200.0, 500.0) },
    }
}

/// Share of customers per archetype (seed: 70 / 20 / 10).
pub const ARCHETYPE_WEIGHTS: [(Archetype, f64); 3] =
    [(Archetype::Light, 0.70), (Archetype::Power, 0.20), (Archetype::Heavy, 0.10)];
/// Share of customers per tier (seed simulator: 50 / 35 / 15).
pub const TIER_WEIGHTS: [(Tier, f64); 3] = [(Tier::Starter, 0.50), (Tier::Pro, 0.35), (Tier::Enterprise, 0.15)];

/// Per feature: base popularity (token sizes: [`crate::tokens::token_shape`]; sessions and prompt
/// caching: [`crate::session::session_shape`]).
#[derive(Debug, Clone, Copy)]
pub struct FeatureProfile {
    pub popularity: f64,
}

pub fn feature_profile(f: Feature) -> FeatureProfile {
    let popularity = match f {
        Feature::Chat => 0.35,
        Feature::Code => 0.20,
        Feature::Search => 0.20,
        Feature::Summarize => 0.15,
        Feature::Translate => 0.10,
        // Launched features: 0 until the Feature Launch scenario launches one.
        Feature::Agent | Feature::Vision | Feature::Voice | Feature::Extract => 0.0,
    };
    FeatureProfile { popularity }
}

/// Probability that a customer uses a feature other than its favourite at all.
pub const FEATURE_ADOPTION: f64 = 0.6;

/// Activity by local hour of day (seed: business hours 1.0, early morning 0.6, evening 0.8, night 0.3).
pub fn hour_of_day_factor(local_hour: u32) -> f64 {
    match local_hour {
        9..=16 => 1.0,
        6..=8 => 0.6,
        17..=21 => 0.8,
        _ => 0.3,
    }
}

/// Sum of the hour factors over a day: a customer's calls per weekday spread over hours by
/// `hour_of_day_factor / HOUR_FACTOR_SUM`.
pub const HOUR_FACTOR_SUM: f64 = 16.2;

/// Activity by local day of week, Monday = 0 (seed: weekdays 1.0, Saturday 0.4, Sunday 0.3).
pub fn day_of_week_factor(weekday_from_monday: u32) -> f64 {
    match weekday_from_monday {
        5 => 0.4,
        6 => 0.3,
        _ => 1.0,
    }
}

/// Share of organizations homed in each region; a customer lives in its org's region with
/// probability `HOME_REGION_STICKINESS`, else in one drawn from these weights.
pub const REGION_WEIGHTS: [(Region, f64); 4] =
    [(Region::UsEast1, 0.40), (Region::UsWest2, 0.20), (Region::EuWest1, 0.25), (Region::ApSoutheast1, 0.15)];
pub const HOME_REGION_STICKINESS: f64 = 0.8;
/// Probability that a call is served from the customer's home region (else any other region).
pub const CALL_IN_HOME_REGION: f64 = 0.9;

/// Latency effect of the serving region: (multiplier on time to first token, added network ms).
pub fn region_latency(r: Region) -> (f64, f64) {
    match r {
        Region::UsEast1 => (1.00, 0.0),
        Region::UsWest2 => (1.03, 15.0),
        Region::EuWest1 => (1.08, 45.0),
        Region::ApSoutheast1 => (1.15, 95.0),
    }
}
/// Prompt processing (prefill) before the first token, per prompt token beyond
/// [`PREFILL_REFERENCE_TOKENS`]: 0.1 ms, the middle of the 0.04-0.24 ms per input token measured on
/// hosted and dedicated deployments (TTFT grows linearly with the prompt; N. Chatterjee, "Prompt size
/// impact on LLM response", February 2026; about 5 s per 100k tokens for a 70B model on an H100).
pub const PREFILL_MS_PER_TOKEN: f64 = 0.1;
/// The catalog's median times to first token are for short prompts: prefill is added beyond this.
pub const PREFILL_REFERENCE_TOKENS: f64 = 1000.0;
/// Cached prompt tokens skip most of the prefill (a warm prefix cuts TTFT by half to two-thirds):
/// they count this share of an uncached token.
pub const PREFILL_CACHED_SHARE: f64 = 0.3;

/// Extra network latency when a call is served outside the customer's home region.
pub const CROSS_REGION_MS: f64 = 70.0;

pub const ENVIRONMENT_WEIGHTS: [(Environment, f64); 3] =
    [(Environment::Production, 0.94), (Environment::Staging, 0.04), (Environment::Development, 0.02)];

/// Client timeout: a call whose latency would exceed it ends as `timeout` at exactly this latency.
pub const CLIENT_TIMEOUT_MS: f64 = 120_000.0;
/// Prompts shorter than this are never cached (OpenAI and Anthropic minimum cacheable prefix).
pub const MIN_CACHEABLE_PROMPT: u32 = 1024;
/// Cached prefixes are whole multiples of this many tokens.
pub const CACHE_GRANULARITY: u32 = 128;
/// Probability that a production summarize call goes through the batch API (models with batch prices).
pub const BATCH_SHARE_OF_SUMMARIZE: f64 = 0.3;
/// Probability that a non-batch summarize or extract call uses flex processing (models with flex prices):
/// background work that can wait.
pub const FLEX_SHARE_OF_BACKGROUND: f64 = 0.25;
/// Probability that an enterprise customer's production chat, voice or agent call uses priority
/// processing (models with priority prices).
pub const PRIORITY_SHARE_OF_ENTERPRISE_INTERACTIVE: f64 = 0.2;
/// Flex requests wait behind standard ones: time to first token and generation take this much longer.
pub const FLEX_LATENCY_FACTOR: f64 = 1.6;
/// ... and are refused under load this many times as often (`429 resource unavailable`).
pub const FLEX_RATE_LIMIT_FACTOR: f64 = 3.0;
/// Priority requests are served ahead: this share of the standard latency.
pub const PRIORITY_LATENCY_FACTOR: f64 = 0.8;

/// Failure probabilities at normal load; `load` is the hour's traffic over its normal level.
pub fn error_probabilities(load: Load) -> ErrorRates {
    let org_excess = (load.org - 1.0).max(0.0);
    let excess = (load.global - 1.0).max(0.0);
    ErrorRates {
        // Rate limits are per organization (API key): they bite as the org's own traffic climbs.
        rate_limited: (0.006 + 0.004 * org_excess).min(0.2),
        // Provider-side failures follow the provider's total load.
        server_error: (0.006 * (1.0 + 0.2 * excess)).min(0.2),
        timeout: (0.003 * (1.0 + 0.3 * excess)).min(0.2),
    }
}

/// Traffic over its normal level during an hour: of the caller's organization, and of everyone.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub org: f64,
    pub global: f64,
}

impl Load {
    pub const NORMAL: Load = Load { org: 1.0, global: 1.0 };
}

/// Per-call failure probabilities.
#[derive(Debug, Clone, Copy)]
pub struct ErrorRates {
    pub rate_limited: f64,
    pub server_error: f64,
    pub timeout: f64,
}

/// Latency slowdown under the provider's load (queueing): 1 at normal load, +5% per unit of excess, at most 2x.
pub fn load_slowdown(load: f64) -> f64 {
    (1.0 + 0.05 * (load - 1.0).max(0.0)).min(2.0)
}

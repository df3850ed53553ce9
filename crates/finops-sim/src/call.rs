//! One simulated API call: its compact in-memory form and how it is drawn.
use finops_core::cost::{Cost, ServiceTier, Usage};
use finops_core::pricing::{Catalog, PriceRow};
use finops_core::schema::{Environment, ErrorType, Feature, Region, Status};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::profile::Load;
use crate::scenario::Draft;

use crate::population::{Customer, pick_weighted};
use crate::profile::{
    BATCH_SHARE_OF_SUMMARIZE, CACHE_GRANULARITY, CALL_IN_HOME_REGION, CLIENT_TIMEOUT_MS, CROSS_REGION_MS,
    ENVIRONMENT_WEIGHTS, MIN_CACHEABLE_PROMPT, archetype_profile, centred_feature_multipliers, error_probabilities,
    feature_profile, load_slowdown, lognormal_for_range, region_latency,
};

/// A generated call, compact (strings live in the catalog and population).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    /// Request start, Unix milliseconds, UTC.
    pub ts_ms: i64,
    /// Customer index in the population.
    pub customer: u32,
    /// Model index in the catalog.
    pub model: u16,
    pub feature: Feature,
    pub region: Region,
    pub environment: Environment,
    pub error: ErrorType,
    pub service_tier: ServiceTier,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub cached_input_tokens: u32,
    pub reasoning_tokens: u32,
    pub latency_ms: u32,
    pub ttft_ms: u32,
    pub cost: Cost,
}

impl Call {
    pub fn status(&self) -> Status {
        Status::of_error(self.error)
    }

    pub fn total_tokens(&self) -> u64 {
        u64::from(self.input_tokens) + u64::from(self.output_tokens)
    }
}

/// Per-model simulator parameters copied out of the catalog for the hot loop.
#[derive(Debug, Clone)]
pub(crate) struct ModelParams {
    pub ttft_ms: f64,
    pub tokens_per_s: f64,
    pub reasoning: bool,
    pub context_window: u64,
    /// Claude-family deployments answer overload with 529 `overloaded`.
    pub overload_errors: bool,
}

/// Conditions shared by all calls of one hour.
pub(crate) struct HourEnv<'a> {
    /// Price row in force for each catalog model on this hour's date.
    pub prices: &'a [Option<&'a PriceRow>],
}

/// Draws calls. Holds everything that does not change during a run.
pub(crate) struct CallFactory {
    pub models: Vec<ModelParams>,
    /// (mu, sigma) of log(visible input tokens) and log(visible output tokens) per archetype x feature.
    token_params: [[TokenParams; Feature::COUNT]; 3],
}

/// (mu, sigma) of log input tokens and of log visible output tokens.
type TokenParams = ((f64, f64), (f64, f64));

fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.sample(StandardNormal)
}

fn clamp_u32(x: f64) -> u32 {
    x.round().clamp(0.0, f64::from(u32::MAX)) as u32
}

impl CallFactory {
    pub fn new(catalog: &Catalog) -> CallFactory {
        let models = catalog
            .models
            .iter()
            .map(|m| ModelParams {
                ttft_ms: m.ttft_ms,
                tokens_per_s: m.tokens_per_s,
                reasoning: m.reasoning,
                context_window: m.context_window,
                overload_errors: m.provider == "anthropic" || m.name.contains("claude"),
            })
            .collect();
        let mults = centred_feature_multipliers();
        let mut token_params = [[((0.0, 0.0), (0.0, 0.0)); Feature::COUNT]; 3];
        for a in finops_core::schema::Archetype::ALL {
            let p = archetype_profile(*a);
            let (mi, si) = lognormal_for_range(p.input_tokens);
            let (mo, so) = lognormal_for_range(p.output_tokens);
            for f in Feature::ALL {
                let (fi, fo) = mults[f.index()];
                token_params[a.index()][f.index()] = ((mi + fi.ln(), si), (mo + fo.ln(), so));
            }
        }
        CallFactory { models, token_params }
    }

    /// Draws one call of `customer` at `ts_ms` with the feature and model of `draft` under `load`.
    pub fn make<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        customer: &Customer,
        ts_ms: i64,
        draft: Draft,
        load: Load,
        env: &HourEnv<'_>,
    ) -> Call {
        let Draft { feature, model } = draft;
        let m = &self.models[model as usize];
        let price =
            env.prices[model as usize].expect("invariant: every model the simulator picks was checked to be priced");

        let home = customer.home_region;
        let region = if rng.random::<f64>() < CALL_IN_HOME_REGION {
            home
        } else {
            let k = rng.random_range(0..Region::ALL.len() - 1);
            *Region::ALL.iter().filter(|r| **r != home).nth(k).unwrap_or(&home)
        };
        let environment = pick_weighted(rng, &ENVIRONMENT_WEIGHTS);

        // Token counts: log-normal around the archetype's ranges, shaped by the feature.
        let ((mi, si), (mo, so)) = self.token_params[customer.archetype.index()][feature.index()];
        let mut input = clamp_u32((mi + si * normal(rng)).exp()).max(1);
        let mut visible_out = clamp_u32((mo + so * normal(rng)).exp()).max(1);
        let mut reasoning = if m.reasoning { clamp_u32(f64::from(visible_out) * (0.6 * normal(rng)).exp()) } else { 0 };
        // The request must fit the context window.
        let ctx = m.context_window.min(u64::from(u32::MAX)) as u32;
        input = input.min(ctx.saturating_sub(2).max(1));
        let room = ctx.saturating_sub(input).max(1);
        visible_out = visible_out.min(room);
        reasoning = reasoning.min(room - visible_out);

        let cached = if price.cached_input.is_some()
            && input >= MIN_CACHEABLE_PROMPT
            && rng.random::<f64>() < feature_profile(feature).cache_hit
        {
            let frac = rng.random_range(0.4..0.95);
            (f64::from(input) * frac) as u32 / CACHE_GRANULARITY * CACHE_GRANULARITY
        } else {
            0
        };
        let service_tier = if feature == Feature::Summarize
            && environment == Environment::Production
            && price.has_batch()
            && rng.random::<f64>() < BATCH_SHARE_OF_SUMMARIZE
        {
            ServiceTier::Batch
        } else {
            ServiceTier::Standard
        };

        // Latency: time to first token (model, region, reasoning) + visible output / throughput.
        let (region_mult, region_ms) = region_latency(region);
        let cross = if region == home { 0.0 } else { CROSS_REGION_MS };
        let tps = m.tokens_per_s * (0.2 * normal(rng)).exp();
        let slowdown = load_slowdown(load.global);
        let ttft = (m.ttft_ms * (0.35 * normal(rng)).exp() * region_mult
            + region_ms
            + cross
            + f64::from(reasoning) / tps * 1000.0)
            * slowdown;
        let latency = ttft + f64::from(visible_out) / tps * 1000.0 * slowdown;

        let mut call = Call {
            ts_ms,
            customer: customer.index,
            model,
            feature,
            region,
            environment,
            error: ErrorType::None,
            service_tier,
            input_tokens: input,
            output_tokens: visible_out + reasoning,
            cached_input_tokens: cached,
            reasoning_tokens: reasoning,
            latency_ms: clamp_u32(latency).max(1),
            ttft_ms: clamp_u32(ttft).max(1),
            cost: Cost(0),
        };

        if service_tier == ServiceTier::Batch {
            // Batch jobs complete within minutes to hours; the first token arrives with the result.
            let done = (20.0 * 60_000.0 * (0.8 * normal(rng)).exp()).clamp(60_000.0, 86_400_000.0);
            call.latency_ms = clamp_u32(done);
            call.ttft_ms = call.latency_ms;
            if rng.random::<f64>() < 0.003 {
                fail_unbilled(&mut call, ErrorType::InternalServerError, clamp_u32(done));
            }
        } else {
            let p = error_probabilities(load);
            let u: f64 = rng.random();
            if u < p.rate_limited {
                let ms = 120.0 * (0.5 * normal(rng)).exp() + region_ms + cross;
                fail_unbilled(&mut call, ErrorType::RateLimitExceeded, clamp_u32(ms));
            } else if u < p.rate_limited + p.server_error {
                let kind = if m.overload_errors && rng.random::<f64>() < 0.4 {
                    ErrorType::Overloaded
                } else {
                    pick_weighted(
                        rng,
                        &[
                            (ErrorType::InternalServerError, 0.5),
                            (ErrorType::BadGateway, 0.2),
                            (ErrorType::ServiceUnavailable, 0.3),
                        ],
                    )
                };
                let ms = ttft * rng.random_range(0.2..1.5);
                fail_unbilled(&mut call, kind, clamp_u32(ms));
            } else if u < p.rate_limited + p.server_error + p.timeout || latency > CLIENT_TIMEOUT_MS {
                // The client gives up at its timeout. The provider bills the whole prompt and the output
                // generated until then: all of it up to the point where the stream stalled.
                let done_share =
                    if latency > CLIENT_TIMEOUT_MS { CLIENT_TIMEOUT_MS / latency } else { rng.random::<f64>() };
                let billed_out = (f64::from(call.output_tokens) * done_share) as u32;
                call.reasoning_tokens = call.reasoning_tokens.min(billed_out);
                call.output_tokens = billed_out;
                call.error = ErrorType::ClientTimeout;
                call.latency_ms = CLIENT_TIMEOUT_MS as u32;
                if ttft >= CLIENT_TIMEOUT_MS || billed_out <= call.reasoning_tokens {
                    call.ttft_ms = 0;
                }
            }
        }

        let usage = Usage {
            input: u64::from(call.input_tokens),
            cached_input: u64::from(call.cached_input_tokens),
            cache_write: 0,
            output: u64::from(call.output_tokens),
        };
        call.cost = price
            .cost(&usage, call.service_tier)
            .expect("invariant: cached <= input, batch only with batch prices, u32 tokens cannot overflow");
        call
    }
}

/// A call the provider rejected before doing any work: nothing is billed, no token arrives.
fn fail_unbilled(call: &mut Call, error: ErrorType, latency_ms: u32) {
    call.error = error;
    call.input_tokens = 0;
    call.output_tokens = 0;
    call.cached_input_tokens = 0;
    call.reasoning_tokens = 0;
    call.ttft_ms = 0;
    call.latency_ms = latency_ms.max(1);
}

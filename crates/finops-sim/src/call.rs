//! One simulated API call: its compact in-memory form and how it is drawn.
use finops_core::cost::{Cost, ServiceTier, Usage};
use finops_core::pricing::{Catalog, PriceRow};
use finops_core::schema::{Environment, ErrorType, Feature, Region, Status, Tier};
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::profile::Load;
use crate::scenario::{Draft, Runaway};

use crate::population::{Customer, pick_weighted};
use crate::profile::{
    BATCH_SHARE_OF_SUMMARIZE, CACHE_GRANULARITY, CALL_IN_HOME_REGION, CLIENT_TIMEOUT_MS, CROSS_REGION_MS,
    ENVIRONMENT_WEIGHTS, FLEX_LATENCY_FACTOR, FLEX_RATE_LIMIT_FACTOR, FLEX_SHARE_OF_BACKGROUND, MIN_CACHEABLE_PROMPT,
    PREFILL_CACHED_SHARE, PREFILL_MS_PER_TOKEN, PREFILL_REFERENCE_TOKENS, PRIORITY_LATENCY_FACTOR,
    PRIORITY_SHARE_OF_ENTERPRISE_INTERACTIVE, error_probabilities, load_slowdown, region_latency,
};
use crate::session::{CACHE_TTL_MS, Calls, Pacing, session_shape};
use crate::tokens::{Answer, Quantiles, token_shape};

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
    /// Prompt tokens written to the prompt cache (models that bill writes: Anthropic's).
    pub cache_write_tokens: u32,
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
    /// Per feature: prompt sizes and how answers are sized.
    tokens: Vec<(Quantiles, AnswerSize)>,
    /// Per feature: how its sessions are drawn.
    sessions: Vec<SessionDraw>,
}

/// How a feature's answers are sized, ready for sampling.
enum AnswerSize {
    Quantiles(Quantiles),
    /// ln(median) and sigma of the answer/prompt ratio.
    RatioOfPrompt(f64, f64),
}

/// A feature's [`SessionShape`], ready for sampling.
struct SessionDraw {
    calls: SessionLength,
    pause_s: Quantiles,
    pacing: Pacing,
    history: Option<f64>,
}

enum SessionLength {
    /// ln(1 - stop probability) of a geometric length.
    Geometric(f64),
    Quantiles(Quantiles),
}

/// When, within one hour, a customer's sessions can start.
pub(crate) struct StartSpan<'a> {
    /// The customer is active in [lo, hi) (the whole hour unless it signs up or churns in it).
    pub lo: i64,
    pub hi: i64,
    pub hour_start: i64,
    /// The hour's demand drift: cumulative share per minute ([`crate::drift::DemandDrift::minute_cdf`]).
    pub minute_cdf: &'a [f64; 60],
}

impl StartSpan<'_> {
    /// A session start: a minute by the drift, uniform within it; uniform over the active span when
    /// that minute falls outside it.
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> i64 {
        let u: f64 = rng.random();
        // The first minute whose cumulative share exceeds u. Drift keeps the shares near 1/60, so
        // the uniform guess is a step or two away.
        let cdf = self.minute_cdf;
        let mut m = ((u * 60.0) as usize).min(59);
        while m < 59 && cdf[m] <= u {
            m += 1;
        }
        while m > 0 && cdf[m - 1] > u {
            m -= 1;
        }
        let minute = m as i64;
        let t = self.hour_start + minute * 60_000 + rng.random_range(0..60_000);
        if (self.lo..self.hi).contains(&t) { t } else { rng.random_range(self.lo..self.hi.max(self.lo + 1)) }
    }
}

/// What the calls of one session share.
struct SessionCtx {
    model: u16,
    region: Region,
    environment: Environment,
    service_tier: ServiceTier,
}

fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.sample(StandardNormal)
}

/// `x` rounded to the nearest integer within the range of `u32` (NaN gives 0). Adding a half and
/// truncating, with the saturating `as`, rounds like `f64::round` for the non-negative values here
/// without the libm call that `round` costs on baseline x86-64 (it ran five times per call).
fn clamp_u32(x: f64) -> u32 {
    (x + 0.5) as u32
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
        let tokens = Feature::ALL
            .iter()
            .map(|f| {
                let shape = token_shape(*f);
                let answer = match shape.answer {
                    Answer::Quantiles(k) => AnswerSize::Quantiles(Quantiles::new(k)),
                    Answer::RatioOfPrompt { median, sigma } => AnswerSize::RatioOfPrompt(median.ln(), sigma),
                };
                (Quantiles::new(shape.prompt), answer)
            })
            .collect();
        let sessions = Feature::ALL
            .iter()
            .map(|f| {
                let shape = session_shape(*f);
                SessionDraw {
                    calls: match shape.calls {
                        Calls::Geometric { mean } => SessionLength::Geometric((1.0 - 1.0 / mean.max(1.0)).ln()),
                        Calls::Quantiles(k) => SessionLength::Quantiles(Quantiles::new(k)),
                    },
                    pause_s: Quantiles::new(shape.pause_s),
                    pacing: shape.pacing,
                    history: shape.history,
                }
            })
            .collect();
        CallFactory { models, tokens, sessions }
    }

    /// Draws how many calls the next session of `feature` has (at least 1).
    pub fn session_length<R: Rng + ?Sized>(&self, rng: &mut R, feature: Feature) -> usize {
        let n = match &self.sessions[feature.index()].calls {
            // Inverse CDF of the geometric law on 1, 2, ...; a mean of 1 gives ln(0) = -inf and 1 call.
            SessionLength::Geometric(ln_q) => 1.0 + (rng.random::<f64>().max(f64::MIN_POSITIVE).ln() / ln_q).floor(),
            SessionLength::Quantiles(q) => q.at(rng.random()).round(),
        };
        if n.is_finite() { n.clamp(1.0, 1e6) as usize } else { 1 }
    }

    /// Draws one session of `customer`: one call per draft (all of one feature; the session keeps the
    /// first draft's model), the first starting in `span` and the next ones after the feature's
    /// pauses, wrapped around into the active span so that the hour keeps its calls. Appends the calls
    /// to `out`; `scratch` is a reusable buffer.
    #[allow(clippy::too_many_arguments)]
    pub fn session<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        customer: &Customer,
        drafts: &[Draft],
        span: &StartSpan<'_>,
        load: Load,
        env: &HourEnv<'_>,
        scratch: &mut Vec<f64>,
        out: &mut Vec<Call>,
    ) {
        let Some(first) = drafts.first() else { return };
        let feature = first.feature;
        let price = env.prices[first.model as usize]
            .expect("invariant: every model the simulator picks was checked to be priced");
        let home = customer.home_region;
        let region = if rng.random::<f64>() < CALL_IN_HOME_REGION {
            home
        } else {
            let k = rng.random_range(0..Region::ALL.len() - 1);
            *Region::ALL.iter().filter(|r| **r != home).nth(k).unwrap_or(&home)
        };
        let environment = pick_weighted(rng, &ENVIRONMENT_WEIGHTS);
        let background = matches!(feature, Feature::Summarize | Feature::Extract);
        let interactive = matches!(feature, Feature::Chat | Feature::Voice | Feature::Agent);
        let service_tier = if feature == Feature::Summarize
            && environment == Environment::Production
            && price.has_batch()
            && rng.random::<f64>() < BATCH_SHARE_OF_SUMMARIZE
        {
            ServiceTier::Batch
        } else if background && price.flex.is_some() && rng.random::<f64>() < FLEX_SHARE_OF_BACKGROUND {
            ServiceTier::Flex
        } else if interactive
            && environment == Environment::Production
            && customer.tier == Tier::Enterprise
            && price.priority.is_some()
            && rng.random::<f64>() < PRIORITY_SHARE_OF_ENTERPRISE_INTERACTIVE
        {
            ServiceTier::Priority
        } else {
            ServiceTier::Standard
        };
        let ctx = SessionCtx { model: first.model, region, environment, service_tier };
        let shape = &self.sessions[feature.index()];

        // Where each call's prompt falls in the feature's prompt distribution. With history, the
        // session's calls lie in a window of the distribution (at a uniform position, wrapped around
        // so that every call's marginal stays the feature's shape) and grow along the session.
        scratch.clear();
        match shape.history {
            Some(spread) if drafts.len() > 1 => {
                let at: f64 = rng.random();
                scratch.extend((0..drafts.len()).map(|_| (at + spread * rng.random::<f64>()).fract()));
                scratch.sort_by(f64::total_cmp);
            }
            _ => scratch.extend((0..drafts.len()).map(|_| rng.random::<f64>())),
        }

        let (lo, active) = (span.lo, (span.hi - span.lo).max(1));
        let mut t = span.draw(rng);
        // The prefix the provider holds in its prompt cache for this session: tokens and last use.
        let mut cache: Option<(u32, i64)> = None;
        let cacheable = shape.history.is_some() && price.cached_input.is_some();
        // Explicit caching (Anthropic's cache_control): each call writes the part of its prompt the
        // cache does not hold yet, billed at the cache-write rate; implicit caching writes for free.
        let writes = cacheable && price.cache_write.is_some();
        for (k, &u) in scratch.iter().enumerate() {
            let cached_prefix = cache
                .filter(|&(tokens, used)| cacheable && tokens >= MIN_CACHEABLE_PROMPT && t - used <= CACHE_TTL_MS)
                .map_or(0, |c| c.0);
            let wrap = |t: i64| if (lo..lo + active).contains(&t) { t } else { lo + (t - lo).rem_euclid(active) };
            let use_ = CacheUse { prefix: cached_prefix, writes };
            let mut call = self.call(rng, customer, wrap(t), feature, &ctx, u, use_, load, price);
            // The client's SDK retries a 429 or 5xx after its backoff: the same request, a new call.
            for retry in 0..MAX_RETRIES {
                let Some(at) = retry_at(rng, &call, t, retry) else { break };
                out.push(call);
                t = at;
                call = self.call(rng, customer, wrap(t), feature, &ctx, u, use_, load, price);
            }
            if call.input_tokens > 0 {
                // The provider processed the prompt: it is now the cached prefix (a hit refreshes it).
                cache = Some((call.input_tokens, t));
            }
            if k + 1 < drafts.len() {
                let pause = if service_tier == ServiceTier::Batch {
                    // A batch job submits its requests together.
                    0.0
                } else {
                    shape.pause_s.at(rng.random()) * 1000.0
                };
                let wait = if shape.pacing == Pacing::AfterAnswer { i64::from(call.latency_ms) } else { 0 };
                t += wait + pause as i64;
            }
            out.push(call);
        }
    }

    /// The calls of runaway client `r` of `customer` at `times` (sorted, within the hour's active span
    /// [lo, hi)): one client, so one region and environment; the provider answers 429 with probability
    /// `limited(t)`, and the SDK retries every 429 or 5xx (retries past `hi` belong to the next hour and
    /// are left out).
    #[allow(clippy::too_many_arguments)]
    pub fn runaway<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        customer: &Customer,
        r: &Runaway,
        times: &[i64],
        limited: impl Fn(i64) -> f64,
        hi: i64,
        load: Load,
        env: &HourEnv<'_>,
        out: &mut Vec<Call>,
    ) {
        let Some(price) = env.prices[r.model as usize] else { return };
        let ctx = SessionCtx {
            model: r.model,
            region: customer.home_region,
            environment: Environment::Production,
            service_tier: ServiceTier::Standard,
        };
        let (_, region_ms) = region_latency(customer.home_region);
        let attempt = |rng: &mut R, t: i64, u: f64| {
            let mut call = self.call(rng, customer, t, r.feature, &ctx, u, CacheUse::NONE, load, price);
            if rng.random::<f64>() < limited(t) {
                let ms = 120.0 * (0.5 * normal(rng)).exp() + region_ms;
                fail_unbilled(&mut call, ErrorType::RateLimitExceeded, clamp_u32(ms));
            }
            call
        };
        for &t0 in times {
            let u: f64 = rng.random();
            let mut t = t0;
            let mut call = attempt(rng, t, u);
            for retry in 0..MAX_RETRIES {
                let Some(at) = retry_at(rng, &call, t, retry).filter(|at| *at < hi) else { break };
                out.push(call);
                t = at;
                call = attempt(rng, t, u);
            }
            out.push(call);
        }
    }

    /// Draws one call at `ts_ms` whose prompt lies at `u` in the feature's prompt distribution and may
    /// read `cache.prefix` tokens from the prompt cache.
    #[allow(clippy::too_many_arguments)]
    fn call<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        customer: &Customer,
        ts_ms: i64,
        feature: Feature,
        ctx: &SessionCtx,
        u: f64,
        cache: CacheUse,
        load: Load,
        price: &PriceRow,
    ) -> Call {
        let SessionCtx { model, region, environment, service_tier } = *ctx;
        let m = &self.models[model as usize];

        // Token counts: the feature's prompt and answer shapes (crate::tokens).
        let (prompt, answer) = &self.tokens[feature.index()];
        let mut input = clamp_u32(prompt.at(u)).max(1);
        let mut visible_out = match answer {
            AnswerSize::Quantiles(q) => clamp_u32(q.at(rng.random())),
            AnswerSize::RatioOfPrompt(mu, sigma) => clamp_u32(f64::from(input) * (mu + sigma * normal(rng)).exp()),
        }
        .max(1);
        let mut reasoning = if m.reasoning { clamp_u32(f64::from(visible_out) * (0.6 * normal(rng)).exp()) } else { 0 };
        // The request must fit the context window.
        let ctx_window = m.context_window.min(u64::from(u32::MAX)) as u32;
        input = input.min(ctx_window.saturating_sub(2).max(1));
        let room = ctx_window.saturating_sub(input).max(1);
        visible_out = visible_out.min(room);
        reasoning = reasoning.min(room - visible_out);
        // Providers cache whole blocks of the shared prefix.
        let cached = cache.prefix.min(input) / CACHE_GRANULARITY * CACHE_GRANULARITY;
        let written = if cache.writes && input >= MIN_CACHEABLE_PROMPT {
            (input - cached) / CACHE_GRANULARITY * CACHE_GRANULARITY
        } else {
            0
        };

        // Latency: time to first token (model, region, prompt prefill, reasoning) + visible output /
        // throughput.
        let home = customer.home_region;
        let (region_mult, region_ms) = region_latency(region);
        let cross = if region == home { 0.0 } else { CROSS_REGION_MS };
        let tps = m.tokens_per_s * (0.2 * normal(rng)).exp();
        let slowdown = load_slowdown(load.global);
        let prompt_work = f64::from(input - cached) + PREFILL_CACHED_SHARE * f64::from(cached);
        let prefill = (prompt_work - PREFILL_REFERENCE_TOKENS).max(0.0) * PREFILL_MS_PER_TOKEN;
        let ttft = (m.ttft_ms * (0.35 * normal(rng)).exp() * region_mult
            + region_ms
            + cross
            + prefill
            + f64::from(reasoning) / tps * 1000.0)
            * slowdown;
        let latency = ttft + f64::from(visible_out) / tps * 1000.0 * slowdown;
        let tier_factor = match service_tier {
            ServiceTier::Flex => FLEX_LATENCY_FACTOR,
            ServiceTier::Priority => PRIORITY_LATENCY_FACTOR,
            ServiceTier::Standard | ServiceTier::Batch => 1.0,
        };
        let (ttft, latency) = (ttft * tier_factor, latency * tier_factor);

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
            cache_write_tokens: written,
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
            let mut p = error_probabilities(load);
            if service_tier == ServiceTier::Flex {
                p.rate_limited = (p.rate_limited * FLEX_RATE_LIMIT_FACTOR).min(0.5);
            }
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
            cache_write: u64::from(call.cache_write_tokens),
            cache_write_1h: 0,
            output: u64::from(call.output_tokens),
        };
        call.cost = price
            .cost_at(&usage, call.service_tier, call.ts_ms)
            .expect("invariant: cached <= input, batch only with batch prices, u32 tokens cannot overflow");
        call
    }
}

/// What a call may do with the prompt cache.
#[derive(Debug, Clone, Copy)]
struct CacheUse {
    /// Tokens of the prompt's prefix the provider holds.
    prefix: u32,
    /// Whether the model bills cache writes (the call writes the rest of its prompt).
    writes: bool,
}

impl CacheUse {
    const NONE: CacheUse = CacheUse { prefix: 0, writes: false };
}

/// Retries after a 429 or a 5xx: the default policy of the official OpenAI and Anthropic Python SDKs
/// (both generated by Stainless: `DEFAULT_MAX_RETRIES = 2`, an initial delay of 0.5 s doubling up to
/// 8 s, times a jitter of 0.75-1). A client timeout is the application giving up, not retried.
const MAX_RETRIES: u32 = 2;
const RETRY_INITIAL_S: f64 = 0.5;
const RETRY_MAX_S: f64 = 8.0;

fn is_retried(error: ErrorType) -> bool {
    matches!(
        error,
        ErrorType::RateLimitExceeded
            | ErrorType::InternalServerError
            | ErrorType::BadGateway
            | ErrorType::ServiceUnavailable
            | ErrorType::Overloaded
    )
}

/// When the SDK sends retry number `retry` (0 for the first) of `call`, sent at `t`: after the failure
/// arrives and its backoff; `None` when the call is not retried.
fn retry_at<R: Rng + ?Sized>(rng: &mut R, call: &Call, t: i64, retry: u32) -> Option<i64> {
    if !is_retried(call.error) {
        return None;
    }
    let base = (RETRY_INITIAL_S * f64::from(1u32 << retry.min(16))).min(RETRY_MAX_S);
    Some(t + i64::from(call.latency_ms) + (base * (1.0 - 0.25 * rng.random::<f64>()) * 1000.0) as i64)
}

/// A call the provider rejected before doing any work: nothing is billed, no token arrives.
fn fail_unbilled(call: &mut Call, error: ErrorType, latency_ms: u32) {
    call.error = error;
    call.input_tokens = 0;
    call.output_tokens = 0;
    call.cached_input_tokens = 0;
    call.cache_write_tokens = 0;
    call.reasoning_tokens = 0;
    call.ttft_ms = 0;
    call.latency_ms = latency_ms.max(1);
    call.cost = Cost(0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::HOUR_MS;
    use finops_core::schema::{Archetype, Product, Tier};

    /// A power customer of the first organization, active all the time, calling nothing by preference.
    fn power_customer() -> Customer {
        Customer {
            index: 0,
            org: 0,
            product: Product::A,
            archetype: Archetype::Power,
            tier: Tier::Pro,
            home_region: Region::UsEast1,
            calls_per_day: 100.0,
            feature_weights: [0.0; Feature::COUNT],
            active_from_ms: 0,
            active_until_ms: i64::MAX,
        }
    }

    /// Each catalog model's price on the simulation's default start date.
    fn prices_on_the_start_date(catalog: &Catalog) -> Vec<Option<&PriceRow>> {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        catalog.models.iter().map(|m| m.price_on(date)).collect()
    }

    /// Every feature's calls, the launched ones included, follow their token shape end to end, in
    /// sessions (the realism tests cover the base features over a whole population).
    #[test]
    fn every_feature_draws_its_token_shape() {
        let catalog = Catalog::builtin();
        let factory = CallFactory::new(&catalog);
        let (model, m) = catalog.model("google", "gemini-2.5-flash").expect("in the catalog");
        let prices = prices_on_the_start_date(&catalog);
        let env = HourEnv { prices: &prices };
        assert!(m.context_window >= 1_000_000, "no clipping in this test");
        let customer = power_customer();
        let mut rng = crate::rng::stream_rng(5, crate::rng::Stream::Hour, 0);
        let uniform: [f64; 60] = std::array::from_fn(|i| (i + 1) as f64 / 60.0);
        let span = StartSpan { lo: 0, hi: HOUR_MS, hour_start: 0, minute_cdf: &uniform };
        for f in Feature::ALL {
            let draft = Draft { feature: *f, model: model as u16 };
            let mut inputs: Vec<f64> = Vec::new();
            let mut answers: Vec<f64> = Vec::new();
            let (mut calls, mut scratch) = (Vec::new(), Vec::new());
            while inputs.len() < 200_000 {
                calls.clear();
                let n = factory.session_length(&mut rng, *f);
                let drafts = vec![draft; n];
                factory.session(&mut rng, &customer, &drafts, &span, Load::NORMAL, &env, &mut scratch, &mut calls);
                // One call per draft, and the SDK's retries of the failed ones.
                assert!(calls.len() >= n && calls.len() <= n * (1 + MAX_RETRIES as usize));
                for c in calls.iter().filter(|c| c.status() == Status::Success) {
                    inputs.push(f64::from(c.input_tokens));
                    answers.push(f64::from(c.output_tokens - c.reasoning_tokens));
                }
            }
            inputs.sort_by(f64::total_cmp);
            answers.sort_by(f64::total_cmp);
            let at = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p) as usize];
            let shape = token_shape(*f);
            let prompt = Quantiles::new(shape.prompt);
            for p in [0.1, 0.5, 0.9] {
                let (got, want) = (at(&inputs, p), prompt.at(p));
                assert!((got / want - 1.0).abs() < 0.06, "{f} prompt p{p}: {got} vs {want}");
                if let Answer::Quantiles(k) = shape.answer {
                    let (got, want) = (at(&answers, p), Quantiles::new(k).at(p));
                    assert!((got - want).abs() <= 0.06 * want + 1.0, "{f} answer p{p}: {got} vs {want}");
                }
            }
        }
    }

    /// A 429 or 5xx is retried like the SDKs do: up to twice, after 0.375-0.5 s and then 0.75-1 s
    /// (plus the failed call's own latency); successes and timeouts are not.
    #[test]
    fn failed_calls_are_retried_with_the_sdk_backoff() {
        let catalog = Catalog::builtin();
        let factory = CallFactory::new(&catalog);
        let (model, _) = catalog.model("openai", "gpt-4o-mini").expect("in the catalog");
        let prices = prices_on_the_start_date(&catalog);
        let env = HourEnv { prices: &prices };
        let customer = power_customer();
        let mut rng = crate::rng::stream_rng(9, crate::rng::Stream::Hour, 0);
        let uniform: [f64; 60] = std::array::from_fn(|i| (i + 1) as f64 / 60.0);
        let span = StartSpan { lo: 0, hi: 100 * HOUR_MS, hour_start: 0, minute_cdf: &uniform };
        // An organization at 50x its normal traffic: a fifth of its calls are rate-limited.
        let load = Load { org: 50.0, global: 1.0 };
        let draft = Draft { feature: Feature::Search, model: model as u16 };
        let (mut calls, mut scratch) = (Vec::new(), Vec::new());
        let (mut requests, mut attempts, mut retried) = (0, 0, 0);
        for _ in 0..50_000 {
            calls.clear();
            factory.session(&mut rng, &customer, &[draft], &span, load, &env, &mut scratch, &mut calls);
            requests += 1;
            attempts += calls.len();
            for (k, pair) in calls.windows(2).enumerate() {
                assert!(is_retried(pair[0].error), "only failures are retried");
                let wait = pair[1].ts_ms - pair[0].ts_ms - i64::from(pair[0].latency_ms);
                let (lo, hi) = if k == 0 { (375, 500) } else { (750, 1000) };
                assert!((lo..=hi).contains(&wait), "retry {k} after {wait} ms");
                retried += 1;
            }
            assert!(calls.len() <= 3);
        }
        let p = 0.2 + 0.006;
        let expected = 1.0 + p + p * p;
        let per_request = attempts as f64 / f64::from(requests);
        assert!((per_request - expected).abs() < 0.01, "{per_request} attempts per request, expected {expected}");
        assert!(retried > 10_000);
    }
}

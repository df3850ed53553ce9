//! Burst Traffic: runaway clients. A customer's client (a retry loop, a stuck job, a bot on one API key)
//! starts sending the same request over and over: its rate ramps up within minutes to 5-20x its
//! organization's normal traffic, holds for minutes to hours until someone stops it, and the provider
//! rate-limits what exceeds the key's limit, which the client's SDK retries.
use finops_core::schema::Feature;
use rand::RngExt;
use serde_json::json;

use super::{Effect, PlanCtx, Planned, Runaway, Scenario, Window, iso};
use crate::timeline::HOUR_MS;

pub struct BurstTraffic;

/// Chance that a runaway starts in a given hour of the window (at least one per window).
const BURST_PROBABILITY: f64 = 0.10;
/// Extra traffic at full rate, as a multiple of the organization's normal rate: total 5-20x.
const MIN_MULT: f64 = 5.0;
const MAX_MULT: f64 = 20.0;
/// Duration from the first extra call to the start of the fall: log-uniform, 20 minutes to 4 hours.
const MIN_DURATION_MIN: f64 = 20.0;
const MAX_DURATION_MIN: f64 = 240.0;
/// Ramp up (uniform, minutes) and fall once stopped (uniform, minutes).
const RAMP_MIN: (f64, f64) = (3.0, 15.0);
const FALL_MIN: (f64, f64) = (1.0, 5.0);
/// The key's rate limit, as a multiple of the organization's normal rate: headroom for ordinary peaks,
/// not for a runaway.
const LIMIT_OVER_NORMAL: f64 = 4.0;

struct Bursts {
    window: Window,
    runaways: Vec<Runaway>,
}

impl Effect for Bursts {
    fn influence(&self) -> (i64, i64) {
        let until = self.runaways.iter().map(|r| r.stop_ms).max().unwrap_or(self.window.end_ms);
        (self.window.start_ms, until.max(self.window.end_ms))
    }
    fn targets(&self) -> Vec<u16> {
        self.runaways.iter().map(|r| r.model).collect()
    }
    fn runaways(&self) -> &[Runaway] {
        &self.runaways
    }
}

impl Scenario for BurstTraffic {
    fn id(&self) -> &'static str {
        "burst_traffic"
    }
    fn title(&self) -> &'static str {
        "Burst Traffic"
    }
    fn description(&self) -> &'static str {
        "Runaway clients: in about 10% of hours one customer's client starts repeating one request, ramping within minutes to 5-20x its organization's normal traffic for 20 minutes to 4 hours, rate-limited and retried."
    }
    fn parameters(&self) -> &'static str {
        "start probability 0.10 per hour (at least one); one random active customer of a random org; one feature (its main one) and one model (from the mix); extra rate (m - 1) x the org's normal rate, m uniform 5-20; ramp 3-15 min, duration log-uniform 20-240 min, fall 1-5 min; 429 above 4x the org's normal rate; SDK retries (2, 0.5 s doubling)"
    }
    fn hours(&self) -> u64 {
        48
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let w = ctx.window;
        let mut starts = Vec::new();
        for h in 0..w.hours() as i64 {
            if ctx.rng.random::<f64>() < BURST_PROBABILITY {
                starts.push(w.start_ms + h * HOUR_MS + ctx.rng.random_range(0..HOUR_MS));
            }
        }
        if starts.is_empty() && w.hours() > 0 {
            starts.push(ctx.rng.random_range(w.start_ms..w.end_ms));
        }
        let mut runaways = Vec::new();
        let mut truth = Vec::new();
        for start in starts {
            let Some(r) = plan_runaway(ctx, start) else { continue };
            let model = &ctx.catalog.models[r.model as usize];
            let normal = r.limit_per_minute / LIMIT_OVER_NORMAL;
            truth.push(json!({
                "organization_id": ctx.org_id(r.org),
                "customer_id": ctx.customer_id(r.customer),
                "feature": r.feature.as_str(),
                "model": format!("{}/{}", model.provider, model.name),
                "start": iso(r.start_ms),
                "full_rate_at": iso(r.full_ms),
                "fall_at": iso(r.fade_ms),
                "end": iso(r.stop_ms),
                "multiplier": 1.0 + r.per_minute / normal,
                "org_normal_calls_per_minute": normal,
                "extra_calls_per_minute": r.per_minute,
                "rate_limit_per_minute": r.limit_per_minute,
                "expected_extra_calls": r.expected_between(r.start_ms, r.stop_ms),
            }));
            runaways.push(r);
        }
        let truth = json!({
            "segment": "one customer per burst (a runaway client)",
            "retries": "each 429 or 5xx is retried up to 2 times, after 0.5 s then 1 s (x 0.75-1)",
            "bursts": truth,
        });
        Ok(Planned { effect: Box::new(Bursts { window: w, runaways }), truth })
    }
}

/// One runaway starting at `start`: a random organization with customers active then, one of them.
fn plan_runaway(ctx: &mut PlanCtx<'_>, start: i64) -> Option<Runaway> {
    let n_orgs = ctx.population.organizations.len() as u32;
    let active = ctx.active_customers(start);
    if active.is_empty() || n_orgs == 0 {
        return None;
    }
    // An organization with someone to run away: draw a customer's organization, then its customers.
    let org = ctx.population.customers[active[ctx.rng.random_range(0..active.len())] as usize].org;
    let members: Vec<u32> =
        active.iter().copied().filter(|c| ctx.population.customers[*c as usize].org == org).collect();
    let org_per_minute: f64 =
        members.iter().map(|c| ctx.population.customers[*c as usize].calls_per_day).sum::<f64>() / 1440.0;
    let customer = members[ctx.rng.random_range(0..members.len())];
    let c = &ctx.population.customers[customer as usize];
    let feature = Feature::ALL
        .iter()
        .copied()
        .max_by(|a, b| c.feature_weights[a.index()].total_cmp(&c.feature_weights[b.index()]))
        .unwrap_or(Feature::Chat);
    let total: f64 = ctx.mix.iter().map(|m| m.1).sum();
    let mut u = ctx.rng.random::<f64>() * total;
    let model = ctx.mix.iter().find(|m| {
        u -= m.1;
        u < 0.0
    });
    let model = model.or(ctx.mix.last())?.0 as u16;
    let minutes = |(lo, hi): (f64, f64), rng: &mut super::SimRng| rng.random_range(lo..hi);
    let ramp = minutes(RAMP_MIN, &mut ctx.rng);
    let duration = (MIN_DURATION_MIN.ln() + ctx.rng.random::<f64>() * (MAX_DURATION_MIN.ln() - MIN_DURATION_MIN.ln()))
        .exp()
        .max(ramp + 1.0);
    let fall = minutes(FALL_MIN, &mut ctx.rng);
    let m = ctx.rng.random_range(MIN_MULT..MAX_MULT);
    let ms = |min: f64| (min * 60_000.0) as i64;
    Some(Runaway {
        customer,
        org,
        feature,
        model,
        start_ms: start,
        full_ms: start + ms(ramp),
        fade_ms: start + ms(duration),
        stop_ms: start + ms(duration + fall),
        per_minute: (m - 1.0) * org_per_minute,
        limit_per_minute: LIMIT_OVER_NORMAL * org_per_minute,
    })
}

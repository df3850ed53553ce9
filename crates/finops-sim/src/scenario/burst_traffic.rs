//! Burst Traffic: unpredictable 5x-20x spikes of one organization for an hour (a runaway job, a bot).
use rand::RngExt;
use serde_json::json;

use super::{Effect, PlanCtx, Planned, Scenario, Window, iso};
use crate::population::Customer;
use crate::timeline::HOUR_MS;

pub struct BurstTraffic;

const BURST_PROBABILITY: f64 = 0.10;
const MIN_MULT: f64 = 5.0;
const MAX_MULT: f64 = 20.0;

struct Bursts {
    window: Window,
    /// Per hour of the window: the bursting organization and its multiplier.
    by_hour: Vec<Option<(u32, f64)>>,
}

impl Effect for Bursts {
    fn influence(&self) -> (i64, i64) {
        (self.window.start_ms, self.window.end_ms)
    }
    fn varies_by_customer(&self) -> bool {
        true
    }
    fn rate(&self, t: i64, c: &Customer) -> f64 {
        let h = ((t - self.window.start_ms) / HOUR_MS) as usize;
        match self.by_hour.get(h).copied().flatten() {
            Some((org, m)) if org == c.org => m,
            _ => 1.0,
        }
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
        "Unpredictable spikes: in about 10% of hours one organization calls 5-20x its normal rate."
    }
    fn parameters(&self) -> &'static str {
        "burst probability 0.10 per hour (at least one burst); multiplier uniform 5-20; one random org per burst"
    }
    fn hours(&self) -> u64 {
        48
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let w = ctx.window;
        let n_orgs = ctx.population.organizations.len() as u32;
        let mut by_hour: Vec<Option<(u32, f64)>> = (0..w.hours())
            .map(|_| {
                (ctx.rng.random::<f64>() < BURST_PROBABILITY)
                    .then(|| (ctx.rng.random_range(0..n_orgs), ctx.rng.random_range(MIN_MULT..MAX_MULT)))
            })
            .collect();
        if !by_hour.is_empty() && by_hour.iter().all(Option::is_none) {
            let h = ctx.rng.random_range(0..by_hour.len());
            by_hour[h] = Some((ctx.rng.random_range(0..n_orgs), ctx.rng.random_range(MIN_MULT..MAX_MULT)));
        }
        let bursts: Vec<_> = by_hour
            .iter()
            .enumerate()
            .filter_map(|(h, b)| {
                b.map(|(org, m)| {
                    let start = w.start_ms + h as i64 * HOUR_MS;
                    json!({ "start": iso(start), "end": iso(start + HOUR_MS), "organization_id": ctx.org_id(org), "multiplier": m })
                })
            })
            .collect();
        let truth = json!({ "segment": "one organization per burst", "bursts": bursts });
        Ok(Planned { effect: Box::new(Bursts { window: w, by_hour }), truth })
    }
}

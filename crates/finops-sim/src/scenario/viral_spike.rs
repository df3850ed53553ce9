//! Viral Spike: one organization's product goes viral: 1x -> 50x -> settles at 5x.
use rand::RngExt;
use serde_json::json;

use super::{Effect, PlanCtx, Planned, Scenario, Window, iso};
use crate::population::Customer;

pub struct ViralSpike;

const PEAK: f64 = 50.0;
const SETTLE: f64 = 5.0;

/// The multiplier at window progress `p` (the seed's curve: quadratic rise, quadratic decay).
pub fn viral_factor(p: f64) -> f64 {
    if p < 0.5 {
        let x = p * 2.0;
        1.0 + (PEAK - 1.0) * x * x
    } else {
        let x = (p - 0.5) * 2.0;
        SETTLE + (PEAK - SETTLE) * (1.0 - x) * (1.0 - x)
    }
}

struct Viral {
    window: Window,
    org: u32,
}

impl Effect for Viral {
    fn influence(&self) -> (i64, i64) {
        (self.window.start_ms, i64::MAX)
    }
    fn varies_by_customer(&self) -> bool {
        true
    }
    fn rate(&self, t: i64, c: &Customer) -> f64 {
        if c.org == self.org { viral_factor(self.window.progress(t)) } else { 1.0 }
    }
}

impl Scenario for ViralSpike {
    fn id(&self) -> &'static str {
        "viral_spike"
    }
    fn title(&self) -> &'static str {
        "Viral Spike"
    }
    fn description(&self) -> &'static str {
        "One organization goes viral: its traffic rises to 50x at mid-window, then settles at 5x."
    }
    fn parameters(&self) -> &'static str {
        "one random org; 1 + 49 x^2 over the first half, 5 + 45 (1 - x)^2 over the second, 5x afterwards"
    }
    fn hours(&self) -> u64 {
        48
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let w = ctx.window;
        let org = ctx.rng.random_range(0..ctx.population.organizations.len() as u32);
        let truth = json!({
            "segment": "one organization",
            "organization_id": ctx.org_id(org),
            "start": iso(w.start_ms),
            "peak": iso((w.start_ms + w.end_ms) / 2),
            "peak_multiplier": PEAK,
            "settled_multiplier": SETTLE,
        });
        Ok(Planned { effect: Box::new(Viral { window: w, org }), truth })
    }
}

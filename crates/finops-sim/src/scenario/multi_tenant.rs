//! Multi-Tenant: organization-level variability; tenants' volumes spread 3x-10x apart.
use rand::RngExt;
use serde_json::json;

use super::{Effect, PlanCtx, Planned, Scenario, Window, smoothstep};
use crate::population::Customer;
use crate::timeline::HOUR_MS;

pub struct MultiTenant;

/// Hours over which a tenant's volume moves to its new level, at the window's start and back at its end:
/// tenants' volumes shift as their own products change, not by a switch at midnight.
const RAMP_HOURS: f64 = 12.0;

struct Tenants {
    window: Window,
    by_org: Vec<f64>,
}

impl Tenants {
    /// How far the tenants are from their normal level (0) to their multiplier (1) at `t`.
    fn weight(&self, t: i64) -> f64 {
        let ramp_ms = RAMP_HOURS * HOUR_MS as f64;
        let from_start = (t - self.window.start_ms) as f64 / ramp_ms;
        let to_end = (self.window.end_ms - t) as f64 / ramp_ms;
        smoothstep(from_start.min(to_end))
    }
}

impl Effect for Tenants {
    fn influence(&self) -> (i64, i64) {
        (self.window.start_ms, self.window.end_ms)
    }
    fn varies_by_customer(&self) -> bool {
        true
    }
    fn rate(&self, t: i64, c: &Customer) -> f64 {
        // Geometric interpolation: a multiplier of 4 passes 2 half way through the ramp.
        self.by_org.get(c.org as usize).map_or(1.0, |m| m.powf(self.weight(t)))
    }
}

impl Scenario for MultiTenant {
    fn id(&self) -> &'static str {
        "multi_tenant"
    }
    fn title(&self) -> &'static str {
        "Multi-Tenant"
    }
    fn description(&self) -> &'static str {
        "Organization-level variance: each tenant's traffic is scaled so that the busiest runs 3-10x the quietest."
    }
    fn parameters(&self) -> &'static str {
        "spread s uniform 3-10; each org's multiplier s^(u - 1/2), u uniform (one org at each extreme); reached over the first 12 h (smoothstep, geometric) and undone over the last 12 h"
    }
    fn hours(&self) -> u64 {
        72
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let n = ctx.population.organizations.len();
        let spread: f64 = ctx.rng.random_range(3.0..10.0);
        let mut u: Vec<f64> = (0..n).map(|_| ctx.rng.random::<f64>()).collect();
        if n >= 2 {
            let lo = ctx.rng.random_range(0..n);
            let hi = (lo + ctx.rng.random_range(1..n)) % n;
            u[lo] = 0.0;
            u[hi] = 1.0;
        }
        let by_org: Vec<f64> = u.iter().map(|u| spread.powf(u - 0.5)).collect();
        let multipliers: serde_json::Map<String, serde_json::Value> =
            by_org.iter().enumerate().map(|(o, m)| (ctx.org_id(o as u32), json!(m))).collect();
        let truth = json!({
            "segment": "every organization",
            "spread": spread,
            "multipliers": multipliers,
            "ramp_hours": RAMP_HOURS,
            "ramp": "smoothstep in log space, in over the first ramp_hours of the window and out over the last",
        });
        Ok(Planned { effect: Box::new(Tenants { window: ctx.window, by_org }), truth })
    }
}

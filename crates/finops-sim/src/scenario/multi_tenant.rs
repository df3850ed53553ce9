//! Multi-Tenant: organization-level variability; tenants' volumes spread 3x-10x apart.
use rand::RngExt;
use serde_json::json;

use super::{Effect, PlanCtx, Planned, Scenario, Window};
use crate::population::Customer;

pub struct MultiTenant;

struct Tenants {
    window: Window,
    by_org: Vec<f64>,
}

impl Effect for Tenants {
    fn influence(&self) -> (i64, i64) {
        (self.window.start_ms, self.window.end_ms)
    }
    fn varies_by_customer(&self) -> bool {
        true
    }
    fn rate(&self, _t: i64, c: &Customer) -> f64 {
        self.by_org.get(c.org as usize).copied().unwrap_or(1.0)
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
        "spread s uniform 3-10; each org's multiplier s^(u - 1/2), u uniform (one org at each extreme)"
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
        let truth = json!({ "segment": "every organization", "spread": spread, "multipliers": multipliers });
        Ok(Planned { effect: Box::new(Tenants { window: ctx.window, by_org }), truth })
    }
}

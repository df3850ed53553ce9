//! Gradual Decline: named customers fade to 40% of their usage; half of them churn.
use rand::RngExt;
use serde_json::json;

use super::{Effect, PlanCtx, Planned, Scenario, Window, iso};
use crate::population::Customer;

pub struct GradualDecline;

const SEGMENT_SHARE: f64 = 0.15;
const FLOOR: f64 = 0.4;
const CHURN_SHARE: f64 = 0.5;

struct Decline {
    window: Window,
    members: Vec<bool>,
}

impl Effect for Decline {
    fn influence(&self) -> (i64, i64) {
        (self.window.start_ms, i64::MAX)
    }
    fn varies_by_customer(&self) -> bool {
        true
    }
    fn rate(&self, t: i64, c: &Customer) -> f64 {
        if self.members.get(c.index as usize).copied().unwrap_or(false) {
            1.0 - (1.0 - FLOOR) * self.window.progress(t)
        } else {
            1.0
        }
    }
}

impl Scenario for GradualDecline {
    fn id(&self) -> &'static str {
        "gradual_decline"
    }
    fn title(&self) -> &'static str {
        "Gradual Decline"
    }
    fn description(&self) -> &'static str {
        "15% of customers fade linearly to 40% of their usage; half of them churn (stop calling) in the second half of the window."
    }
    fn parameters(&self) -> &'static str {
        "segment 15% of active customers; rate 1 -> 0.4 linearly, kept after; churn share 0.5 at a uniform time in the second half"
    }
    fn hours(&self) -> u64 {
        168
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let w = ctx.window;
        let active = ctx.active_customers(w.start_ms);
        let active = ctx.sample(active, SEGMENT_SHARE);
        let mut members = vec![false; ctx.population.customers.len()];
        let mut churned = Vec::new();
        let mid = (w.start_ms + w.end_ms) / 2;
        for &c in &active {
            members[c as usize] = true;
            if ctx.rng.random::<f64>() < CHURN_SHARE {
                let at = ctx.rng.random_range(mid..w.end_ms.max(mid + 1));
                ctx.population.customers[c as usize].active_until_ms = at;
                churned.push(json!({ "customer_id": ctx.customer_id(c), "at": iso(at) }));
            }
        }
        let truth = json!({
            "segment": "named customers",
            "customers": active.iter().map(|c| ctx.customer_id(*c)).collect::<Vec<_>>(),
            "rate_end": FLOOR,
            "churned": churned,
        });
        Ok(Planned { effect: Box::new(Decline { window: w, members }), truth })
    }
}

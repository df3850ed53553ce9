//! Feature Launch: a product ships a new AI feature; its customers adopt it along an S-curve.
use finops_core::schema::{Feature, Product};
use rand::RngExt;
use serde_json::json;

use super::{Draft, Effect, PlanCtx, Planned, Scenario, SimRng, iso};
use crate::population::Customer;

pub struct FeatureLaunch;

/// Share of the product's customers who ever adopt.
const ADOPTION: f64 = 0.7;
/// Adopters make this many more calls, all with the new feature.
const UPLIFT: f64 = 0.3;

struct Launch {
    since: i64,
    feature: Feature,
    /// Adoption time per customer index (i64::MAX = never).
    adopted_at: Vec<i64>,
}

impl Launch {
    fn adopted(&self, t: i64, c: &Customer) -> bool {
        self.adopted_at.get(c.index as usize).is_some_and(|a| t >= *a)
    }
}

impl Effect for Launch {
    fn influence(&self) -> (i64, i64) {
        (self.since, i64::MAX)
    }
    fn varies_by_customer(&self) -> bool {
        true
    }
    fn rate(&self, t: i64, c: &Customer) -> f64 {
        if self.adopted(t, c) { 1.0 + UPLIFT } else { 1.0 }
    }
    fn adjusts_calls(&self) -> bool {
        true
    }
    fn adjust(&self, t: i64, c: &Customer, d: &mut Draft, rng: &mut SimRng) {
        if self.adopted(t, c) && rng.random::<f64>() < UPLIFT / (1.0 + UPLIFT) {
            d.feature = self.feature;
        }
    }
}

impl Scenario for FeatureLaunch {
    fn id(&self) -> &'static str {
        "feature_launch"
    }
    fn title(&self) -> &'static str {
        "Feature Launch"
    }
    fn description(&self) -> &'static str {
        "A product launches a new feature (agent, vision, voice or extract); 70% of its customers adopt it along a logistic S-curve and call 30% more."
    }
    fn parameters(&self) -> &'static str {
        "feature and product rotate per cycle; adoption times logistic (mid-window, scale = window/10); adoption 0.7; uplift 0.3"
    }
    fn hours(&self) -> u64 {
        96
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let w = ctx.window;
        let k = ctx.cycle as usize;
        let feature = Feature::LAUNCHABLE[k % Feature::LAUNCHABLE.len()];
        let product = Product::ALL[(k / Feature::LAUNCHABLE.len()) % Product::ALL.len()];
        let mid = (w.start_ms + w.end_ms) / 2;
        let scale = (w.end_ms - w.start_ms) as f64 / 10.0;
        let mut adopted_at = vec![i64::MAX; ctx.population.customers.len()];
        let eligible: Vec<u32> = ctx
            .population
            .customers
            .iter()
            .filter(|c| c.product == product && c.active_until_ms > w.start_ms)
            .map(|c| c.index)
            .collect();
        let mut adopters = 0;
        for &i in &eligible {
            if ctx.rng.random::<f64>() < ADOPTION {
                let u: f64 = ctx.rng.random_range(1e-9..1.0 - 1e-9);
                let t = mid as f64 + scale * (u / (1.0 - u)).ln();
                adopted_at[i as usize] = (t as i64).max(w.start_ms);
                adopters += 1;
            }
        }
        let truth = json!({
            "segment": format!("customers of {product}"),
            "feature": feature.as_str(),
            "product": product.as_str(),
            "launch": iso(w.start_ms),
            "adoption_midpoint": iso(mid),
            "adoption_scale_hours": scale / 3_600_000.0,
            "eligible_customers": eligible.len(),
            "adopters": adopters,
            "adoption_share": ADOPTION,
            "uplift": UPLIFT,
        });
        Ok(Planned { effect: Box::new(Launch { since: w.start_ms, feature, adopted_at }), truth })
    }
}

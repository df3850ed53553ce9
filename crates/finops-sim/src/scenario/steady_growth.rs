//! Steady Growth: new customers sign up steadily until traffic has doubled.
use rand::RngExt;
use serde_json::json;

use super::{NoEffect, PlanCtx, Planned, Scenario};

pub struct SteadyGrowth;

/// The population never grows beyond this multiple of its initial size (so long runs stay bounded).
const MAX_GROWTH: usize = 20;

impl Scenario for SteadyGrowth {
    fn id(&self) -> &'static str {
        "steady_growth"
    }
    fn title(&self) -> &'static str {
        "Steady Growth"
    }
    fn description(&self) -> &'static str {
        "Linear expansion 100% -> 200%: as many new customers as are active sign up at a steady pace over the window."
    }
    fn parameters(&self) -> &'static str {
        "sign-ups = active customers at the window start (uniform sign-up times), so volume grows linearly to 2x; population capped at 20x its initial size"
    }
    fn hours(&self) -> u64 {
        120
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let w = ctx.window;
        let active = ctx.active_customers(w.start_ms).len();
        let room = (ctx.initial_customers * MAX_GROWTH).saturating_sub(ctx.population.customers.len());
        let n = active.min(room);
        let mut times: Vec<i64> = (0..n).map(|_| ctx.rng.random_range(w.start_ms..w.end_ms)).collect();
        times.sort_unstable();
        let ids: Vec<u32> = times.iter().map(|t| ctx.sign_up(*t)).collect();
        let truth = json!({
            "segment": "new customers",
            "active_at_start": active,
            "signups": n,
            "first_signup": ids.first().map(|c| ctx.customer_id(*c)),
            "last_signup": ids.last().map(|c| ctx.customer_id(*c)),
            "customers_end_over_start": (active + n) as f64 / active.max(1) as f64,
            // The expected calls per day of the customers active at the end over those active at the
            // start (their own rates: new customers are drawn like the first ones, so about 2).
            "volume_end_over_start": expected_volume(ctx, w.end_ms - 1) / expected_volume(ctx, w.start_ms).max(f64::MIN_POSITIVE),
            "volume_note": "from the customers' own rates; other scenarios in the window (churn, seasonality) change the observed ratio",
        });
        Ok(Planned { effect: Box::new(NoEffect(w)), truth })
    }
}

/// Expected calls per day of the customers active at `t`.
fn expected_volume(ctx: &PlanCtx<'_>, t: i64) -> f64 {
    ctx.population.customers.iter().filter(|c| c.is_active(t)).map(|c| c.calls_per_day).sum()
}

//! Base Traffic: the population's normal traffic, unmodified.
use serde_json::json;

use super::{NoEffect, PlanCtx, Planned, Scenario};

pub struct BaseTraffic;

impl Scenario for BaseTraffic {
    fn id(&self) -> &'static str {
        "base_traffic"
    }
    fn title(&self) -> &'static str {
        "Base Traffic"
    }
    fn description(&self) -> &'static str {
        "Normal usage: archetype call rates shaped by local time of day and day of week; nothing injected."
    }
    fn parameters(&self) -> &'static str {
        "none (the baseline every other scenario modifies)"
    }
    fn hours(&self) -> u64 {
        24
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        Ok(Planned { effect: Box::new(NoEffect(ctx.window)), truth: json!({ "modification": "none" }) })
    }
}

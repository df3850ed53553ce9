//! Model Migration: a set of organizations moves its GPT-4-class traffic to Claude Sonnet, gradually.
use rand::RngExt;
use serde_json::json;

use super::{Draft, Effect, PlanCtx, Planned, Scenario, SimRng, Window, iso, smoothstep};
use crate::population::Customer;

pub struct ModelMigration;

const FROM: (&str, &str) = ("openai", "gpt-4.1");
const TO: (&str, &str) = ("anthropic", "claude-sonnet-4-5");
const SHARE_BEFORE: f64 = 0.03;
const SHARE_AFTER: f64 = 0.95;
const SEGMENT_SHARE: f64 = 0.2;

struct Migration {
    since: i64,
    window: Window,
    orgs: Vec<bool>,
    /// Models whose calls take part (the two providers involved).
    migrating: Vec<bool>,
    from: u16,
    to: u16,
}

impl Migration {
    fn share(&self, t: i64) -> f64 {
        SHARE_BEFORE + (SHARE_AFTER - SHARE_BEFORE) * smoothstep(self.window.progress(t))
    }
}

impl Effect for Migration {
    fn influence(&self) -> (i64, i64) {
        (self.since, i64::MAX)
    }
    fn adjusts_calls(&self) -> bool {
        true
    }
    fn targets(&self) -> Vec<u16> {
        vec![self.from, self.to]
    }
    fn adjust(&self, t: i64, c: &Customer, d: &mut Draft, rng: &mut SimRng) {
        if self.orgs.get(c.org as usize).copied().unwrap_or(false) && self.migrating[d.model as usize] {
            d.model = if rng.random::<f64>() < self.share(t) { self.to } else { self.from };
        }
    }
}

impl Scenario for ModelMigration {
    fn id(&self) -> &'static str {
        "model_migration"
    }
    fn title(&self) -> &'static str {
        "Model Migration"
    }
    fn description(&self) -> &'static str {
        "20% of organizations, standardised on openai/gpt-4.1, shift it to anthropic/claude-sonnet-4-5 along an S-curve."
    }
    fn parameters(&self) -> &'static str {
        "segment 20% of orgs; their openai+anthropic calls go to claude-sonnet-4-5 with share 3% -> 95% (smoothstep), else gpt-4.1"
    }
    fn hours(&self) -> u64 {
        120
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let from = ctx.model(FROM.0, FROM.1)?;
        let to = ctx.model(TO.0, TO.1)?;
        let orgs = ctx.pick_orgs(SEGMENT_SHARE);
        let migrating = ctx.catalog.models.iter().map(|m| m.provider == FROM.0 || m.provider == TO.0).collect();
        let truth = json!({
            "segment": "organizations",
            "organizations": orgs.iter().map(|o| ctx.org_id(*o)).collect::<Vec<_>>(),
            "from": format!("{}/{}", FROM.0, FROM.1),
            "to": format!("{}/{}", TO.0, TO.1),
            "pinned_from": iso(ctx.cycle_start_ms),
            "migration_start": iso(ctx.window.start_ms),
            "migration_end": iso(ctx.window.end_ms),
            "target_share_start": SHARE_BEFORE,
            "target_share_end": SHARE_AFTER,
            "curve": "smoothstep",
        });
        let effect =
            Migration { since: ctx.cycle_start_ms, window: ctx.window, orgs: ctx.org_mask(&orgs), migrating, from, to };
        Ok(Planned { effect: Box::new(effect), truth })
    }
}

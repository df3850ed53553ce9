//! Cost Optimization: an engineering-led migration of some organizations to cheaper sibling models.
use rand::RngExt;
use serde_json::json;

use super::{Draft, Effect, PlanCtx, Planned, Scenario, SimRng, Window};
use crate::population::Customer;

pub struct CostOptimization;

/// Expensive model -> its cheaper sibling, per provider. Pairs missing from the catalog are skipped.
const CHEAPER: [(&str, &str, &str); 20] = [
    ("openai", "gpt-4o", "gpt-4o-mini"),
    ("openai", "gpt-4.1", "gpt-4.1-mini"),
    ("openai", "gpt-5", "gpt-5-mini"),
    ("openai", "gpt-5.4", "gpt-5-mini"),
    ("openai", "gpt-5.5", "gpt-5-mini"),
    ("openai", "o3", "o4-mini"),
    ("openai", "gpt-4", "gpt-4o-mini"),
    ("anthropic", "claude-opus-4-1", "claude-haiku-4-5"),
    ("anthropic", "claude-opus-4-5", "claude-haiku-4-5"),
    ("anthropic", "claude-sonnet-4-5", "claude-haiku-4-5"),
    ("anthropic", "claude-sonnet-4-6", "claude-haiku-4-5"),
    ("anthropic", "claude-opus-4", "claude-haiku-4"),
    ("google", "gemini-2.5-pro", "gemini-2.5-flash"),
    ("google", "gemini-3-pro-preview", "gemini-3-flash-preview"),
    ("google", "gemini-1.5-pro", "gemini-1.5-flash"),
    ("bedrock", "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "amazon.nova-lite-v1:0"),
    ("azure", "gpt-4o", "gpt-4o-mini"),
    ("azure", "gpt-4.1", "gpt-4o-mini"),
    ("mistral", "mistral-medium-latest", "mistral-small-latest"),
    ("cohere", "command-a-03-2025", "command-r-08-2024"),
];
const FINAL_SHARE: f64 = 0.8;
const SEGMENT_SHARE: f64 = 0.2;

struct Optimization {
    window: Window,
    orgs: Vec<bool>,
    cheaper: Vec<Option<u16>>,
}

impl Effect for Optimization {
    fn influence(&self) -> (i64, i64) {
        (self.window.start_ms, i64::MAX)
    }
    fn adjusts_calls(&self) -> bool {
        true
    }
    fn targets(&self) -> Vec<u16> {
        self.cheaper.iter().flatten().copied().collect()
    }
    fn adjust(&self, t: i64, c: &Customer, d: &mut Draft, rng: &mut SimRng) {
        if self.orgs.get(c.org as usize).copied().unwrap_or(false)
            && let Some(cheap) = self.cheaper[d.model as usize]
            && rng.random::<f64>() < FINAL_SHARE * self.window.progress(t)
        {
            d.model = cheap;
        }
    }
}

impl Scenario for CostOptimization {
    fn id(&self) -> &'static str {
        "cost_optimization"
    }
    fn title(&self) -> &'static str {
        "Cost Optimization"
    }
    fn description(&self) -> &'static str {
        "20% of organizations move calls from expensive models to their cheaper siblings, reaching 80% of eligible calls."
    }
    fn parameters(&self) -> &'static str {
        "segment 20% of orgs; share switched 0 -> 0.8 linearly over the window, kept after; 20 sibling pairs (gpt-4o -> gpt-4o-mini, sonnet -> haiku, ...)"
    }
    fn hours(&self) -> u64 {
        120
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let mut cheaper = vec![None; ctx.catalog.models.len()];
        let mut pairs = Vec::new();
        for (provider, from, to) in CHEAPER {
            if let (Ok(f), Ok(t)) = (ctx.model(provider, from), ctx.model(provider, to)) {
                cheaper[f as usize] = Some(t);
                pairs.push(json!({ "provider": provider, "from": from, "to": to }));
            }
        }
        if pairs.is_empty() {
            return Err("cost_optimization: the pricing catalog has none of the expensive/cheap model pairs".into());
        }
        let orgs = ctx.pick_orgs(SEGMENT_SHARE);
        let truth = json!({
            "segment": "organizations",
            "organizations": orgs.iter().map(|o| ctx.org_id(*o)).collect::<Vec<_>>(),
            "final_share_switched": FINAL_SHARE,
            "ramp": "linear over the window, kept afterwards",
            "pairs": pairs,
        });
        Ok(Planned { effect: Box::new(Optimization { window: ctx.window, orgs: ctx.org_mask(&orgs), cheaper }), truth })
    }
}

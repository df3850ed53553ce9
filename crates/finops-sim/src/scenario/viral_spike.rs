//! Viral Spike: one organization's product goes viral: 1x -> 50x -> settles at 5x.
//!
//! The seed calls it an "exponential growth event (1x -> 50x -> 5x)". Traffic that goes viral rises
//! within the hour and fades over the following day: a Hacker News front page brings a spike of about
//! 20 hours (Broadbent, "Anatomy of a Hacker News traffic spike", 2024), and a site's new connections
//! rose "very fast" to 6.5x and held for at least 12 h (Solène, "Studying the impact of being on Hacker
//! News first page", 2021). So the organization's traffic doubles every `DOUBLING_MINUTES` up to 50x,
//! then the excess over the settled 5x halves every `HALF_LIFE_HOURS`. (The Python showcase's
//! quadratic rise over a whole day is not exponential and takes five hours to reach 3x.)
use rand::RngExt;
use serde_json::json;

use super::{Effect, PlanCtx, Planned, Scenario, Window, iso};
use crate::population::Customer;

pub struct ViralSpike;

const PEAK: f64 = 50.0;
const SETTLE: f64 = 5.0;
/// Minutes for the traffic to double while it rises.
pub const DOUBLING_MINUTES: f64 = 30.0;
/// Hours for the excess over `SETTLE` to halve after the peak.
pub const HALF_LIFE_HOURS: f64 = 6.0;

/// Hours from the start to the peak: `log2(PEAK)` doublings.
pub fn rise_hours() -> f64 {
    PEAK.log2() * DOUBLING_MINUTES / 60.0
}

/// The multiplier `hours` after the spike starts (1 before it).
///
/// ```
/// use finops_sim::scenario::viral_spike::{rise_hours, viral_factor};
/// assert_eq!(viral_factor(-1.0), 1.0);
/// assert!((viral_factor(0.5) - 2.0).abs() < 1e-9);
/// assert!((viral_factor(rise_hours()) - 50.0).abs() < 1e-9);
/// assert!((viral_factor(rise_hours() + 6.0) - 27.5).abs() < 1e-9);
/// assert!((viral_factor(1e6) - 5.0).abs() < 1e-9);
/// ```
pub fn viral_factor(hours: f64) -> f64 {
    if hours <= 0.0 {
        1.0
    } else if hours < rise_hours() {
        (hours * 60.0 / DOUBLING_MINUTES).exp2()
    } else {
        SETTLE + (PEAK - SETTLE) * (-(hours - rise_hours()) / HALF_LIFE_HOURS).exp2()
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
    fn varies_within_hour(&self) -> bool {
        true
    }
    fn rate(&self, t: i64, c: &Customer) -> f64 {
        if c.org == self.org { viral_factor((t - self.window.start_ms) as f64 / 3_600_000.0) } else { 1.0 }
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
        "One organization goes viral: its traffic doubles every 30 minutes up to 50x, then settles at 5x."
    }
    fn parameters(&self) -> &'static str {
        "one random org; 2^(t / 30 min) up to 50x (2.8 h), then 5 + 45 x 2^(-t / 6 h), settling at 5x"
    }
    fn hours(&self) -> u64 {
        48
    }
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
        let w = ctx.window;
        let org = ctx.rng.random_range(0..ctx.population.organizations.len() as u32);
        let peak_ms = w.start_ms + (rise_hours() * 3_600_000.0) as i64;
        let truth = json!({
            "segment": "one organization",
            "organization_id": ctx.org_id(org),
            "start": iso(w.start_ms),
            "peak": iso(peak_ms),
            "peak_multiplier": PEAK,
            "settled_multiplier": SETTLE,
            "doubling_minutes": DOUBLING_MINUTES,
            "decay_half_life_hours": HALF_LIFE_HOURS,
            "curve": "2^(t / doubling) from the start up to the peak, then settled + (peak - settled) x 2^(-t / half-life) after it",
        });
        Ok(Planned { effect: Box::new(Viral { window: w, org }), truth })
    }
}

//! Traffic scenarios: stories a FinOps report should find, injected into the one continuous timeline.
//!
//! A [`Scenario`] is planned once per cycle of the program into an [`Effect`] (what it does to arrival
//! rates and to the feature and model of calls) plus ground truth (what was injected, where and when).
//! Planning may change the population (sign-ups, churn). Everything random is drawn at planning time or
//! from the hour's own stream, so output stays identical whatever the thread count.
//!
//! Adding a scenario: write one file with a type implementing [`Scenario`] and add one line to
//! [`registry`]. A scenario can also be used directly, without registering it:
//!
//! ```
//! use std::sync::Arc;
//! use finops_sim::scenario::{Effect, PlanCtx, Planned, Scenario, Window};
//! use finops_sim::{Program, SimConfig, Simulator};
//!
//! pub struct LunchBreak;
//!
//! struct Dip(Window);
//! impl Effect for Dip {
//!     fn influence(&self) -> (i64, i64) { (self.0.start_ms, self.0.end_ms) }
//!     fn hour_rate(&self, t: i64) -> f64 {
//!         if t.div_euclid(3_600_000).rem_euclid(24) == 12 { 0.5 } else { 1.0 }
//!     }
//! }
//!
//! impl Scenario for LunchBreak {
//!     fn id(&self) -> &'static str { "lunch_break" }
//!     fn title(&self) -> &'static str { "Lunch Break" }
//!     fn description(&self) -> &'static str { "Traffic halves at 12:00 UTC." }
//!     fn parameters(&self) -> &'static str { "factor 0.5 at 12:00-13:00 UTC" }
//!     fn hours(&self) -> u64 { 48 }
//!     fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String> {
//!         Ok(Planned { effect: Box::new(Dip(ctx.window)), truth: serde_json::json!({ "factor": 0.5 }) })
//!     }
//! }
//!
//! let program = Program::sequence(vec![Arc::new(LunchBreak)]);
//! let sim = Simulator::new(SimConfig { customers: 100, program, ..SimConfig::default() })?;
//! let noon_in_window = sim.hour_calls(24 + 12)?.len();
//! let noon_before = sim.hour_calls(12)?.len();
//! assert!(noon_in_window < noon_before);
//! assert_eq!(sim.ground_truth(i64::MAX)["windows"][0]["truth"]["factor"], 0.5);
//! # Ok::<(), finops_sim::SimError>(())
//! ```
use std::sync::Arc;

use finops_core::pricing::Catalog;
use finops_core::schema::Feature;
use rand::RngExt;
use serde::Serialize;

use crate::population::{Customer, Population};
use crate::timeline::HOUR_MS;

mod base_traffic;
mod burst_traffic;
mod cost_optimization;
mod feature_launch;
mod gradual_decline;
mod model_migration;
mod multi_tenant;
mod seasonal_pattern;
mod steady_growth;
mod timezone_pattern;
pub mod viral_spike;
mod weekend_effect;

/// The random generator scenarios draw from.
pub type SimRng = rand_pcg::Pcg64Mcg;

/// Every scenario, in the seed's order. Add new scenarios here.
pub fn registry() -> Vec<Arc<dyn Scenario>> {
    vec![
        Arc::new(base_traffic::BaseTraffic),
        Arc::new(seasonal_pattern::SeasonalPattern),
        Arc::new(burst_traffic::BurstTraffic),
        Arc::new(multi_tenant::MultiTenant),
        Arc::new(model_migration::ModelMigration),
        Arc::new(weekend_effect::WeekendEffect),
        Arc::new(timezone_pattern::TimezonePattern),
        Arc::new(feature_launch::FeatureLaunch),
        Arc::new(cost_optimization::CostOptimization),
        Arc::new(gradual_decline::GradualDecline),
        Arc::new(steady_growth::SteadyGrowth),
        Arc::new(viral_spike::ViralSpike),
    ]
}

/// Finds a scenario by id (`viral_spike`), with dashes (`viral-spike`) or by title (`Viral Spike`).
pub fn find(name: &str) -> Option<Arc<dyn Scenario>> {
    let key = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    registry().into_iter().find(|s| s.id() == key)
}

/// A span of the timeline, [start, end) in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl Window {
    pub fn contains(&self, t: i64) -> bool {
        t >= self.start_ms && t < self.end_ms
    }

    /// Where `t` lies in the window: 0 at the start, 1 at the end, clamped.
    pub fn progress(&self, t: i64) -> f64 {
        ((t - self.start_ms) as f64 / (self.end_ms - self.start_ms).max(1) as f64).clamp(0.0, 1.0)
    }

    pub fn hours(&self) -> u64 {
        ((self.end_ms - self.start_ms) / HOUR_MS).max(0) as u64
    }
}

/// What a call is about to be: scenarios may change its feature or model.
#[derive(Debug, Clone, Copy)]
pub struct Draft {
    pub feature: Feature,
    pub model: u16,
}

/// A planned scenario's influence on traffic.
pub trait Effect: Send + Sync {
    /// The span [from, until) in which the effect acts (it may outlast its window: a migration stays
    /// migrated).
    fn influence(&self) -> (i64, i64);
    /// Multiplier on every customer's arrival rate during the hour whose midpoint is `t` (computed once
    /// per hour).
    fn hour_rate(&self, _t: i64) -> f64 {
        1.0
    }
    /// Whether [`Effect::rate`] depends on the customer (saves a call per customer and hour when not).
    fn varies_by_customer(&self) -> bool {
        false
    }
    /// Multiplier on a customer's arrival rate at `t` (the hour's midpoint, or each minute's when
    /// [`Effect::varies_within_hour`]); only consulted when [`Effect::varies_by_customer`] is true.
    fn rate(&self, _t: i64, _c: &Customer) -> f64 {
        1.0
    }
    /// Whether [`Effect::rate`] changes fast enough within an hour that the hour's midpoint does not
    /// represent it (a surge that doubles every half hour): then the customer's sessions start by the
    /// rate minute by minute, and its hour's volume is the rate's mean over the minutes.
    fn varies_within_hour(&self) -> bool {
        false
    }
    /// Whether [`Effect::adjust`] can change calls (saves work in the hot loop when not).
    fn adjusts_calls(&self) -> bool {
        false
    }
    /// May change the feature or model of one call of customer `c` in the hour whose midpoint is `t`.
    fn adjust(&self, _t: i64, _c: &Customer, _draft: &mut Draft, _rng: &mut SimRng) {}
    /// Catalog models that [`Effect::adjust`] can switch calls to, or that [`Effect::runaways`] call
    /// (checked to be priced).
    fn targets(&self) -> Vec<u16> {
        Vec::new()
    }
    /// Runaway clients: streams of calls on top of their customers' normal traffic.
    fn runaways(&self) -> &[Runaway] {
        &[]
    }
}

/// A runaway client (a retry loop, a stuck batch job, a bot on one API key): one customer sends the
/// same kind of request over and over, on top of its normal traffic. Its rate ramps up over minutes,
/// holds, and falls when someone stops it; the provider answers 429 to what exceeds the key's limit
/// and the client's SDK retries those.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Runaway {
    pub customer: u32,
    pub org: u32,
    pub feature: Feature,
    pub model: u16,
    /// The ramp starts (Unix ms).
    pub start_ms: i64,
    /// Full rate from here...
    pub full_ms: i64,
    /// ...until here, then falling to nothing at `stop_ms`.
    pub fade_ms: i64,
    pub stop_ms: i64,
    /// Extra calls per minute at full rate.
    pub per_minute: f64,
    /// Calls per minute the key may send before the provider rate-limits it.
    pub limit_per_minute: f64,
}

impl Runaway {
    /// Share of the full rate at `t`: a linear ramp up, a plateau, a linear fall.
    pub fn level(&self, t: i64) -> f64 {
        let ramp = |a: i64, b: i64| ((t - a) as f64 / (b - a).max(1) as f64).clamp(0.0, 1.0);
        if t < self.start_ms || t >= self.stop_ms {
            0.0
        } else if t < self.full_ms {
            ramp(self.start_ms, self.full_ms)
        } else if t < self.fade_ms {
            1.0
        } else {
            1.0 - ramp(self.fade_ms, self.stop_ms)
        }
    }

    /// Expected extra calls in the minute starting at `minute_ms` (the rate at the minute's middle).
    pub fn expected_in_minute(&self, minute_ms: i64) -> f64 {
        self.per_minute * self.level(minute_ms + 30_000)
    }

    /// Expected extra calls in [from, to), whole minutes.
    pub fn expected_between(&self, from: i64, to: i64) -> f64 {
        let first = from.max(self.start_ms).div_euclid(60_000) * 60_000;
        let last = to.min(self.stop_ms);
        (0..).map(|k| first + k * 60_000).take_while(|m| *m < last).map(|m| self.expected_in_minute(m)).sum()
    }

    /// Share of the key's calls the provider answers with 429 when it sends `per_minute` in total.
    pub fn limited_share(&self, per_minute: f64) -> f64 {
        if per_minute <= self.limit_per_minute { 0.0 } else { 1.0 - self.limit_per_minute / per_minute }
    }
}

/// Everything a scenario needs to plan one window.
pub struct PlanCtx<'a> {
    pub cycle: u64,
    /// Start of the program cycle this window belongs to.
    pub cycle_start_ms: i64,
    /// Start of the timeline (of cycle 0).
    pub timeline_start_ms: i64,
    pub window: Window,
    pub population: &'a mut Population,
    pub catalog: &'a Catalog,
    /// Size of the population the run started with.
    pub initial_customers: usize,
    /// The simulation's model mix: (catalog index, weight).
    pub mix: &'a [(usize, f64)],
    pub rng: SimRng,
}

impl PlanCtx<'_> {
    /// Where this window's slot started in the first cycle: the phase origin of effects that must stay
    /// continuous from one cycle to the next (a wave whose window spans the whole cycle).
    pub fn first_cycle_window_start_ms(&self) -> i64 {
        self.timeline_start_ms + (self.window.start_ms - self.cycle_start_ms)
    }

    /// Customers active at `t`.
    pub fn active_customers(&self, t: i64) -> Vec<u32> {
        self.population.customers.iter().filter(|c| c.is_active(t)).map(|c| c.index).collect()
    }

    /// The catalog index of a model, or an error naming it (custom catalogs may lack it).
    pub fn model(&self, provider: &str, name: &str) -> Result<u16, String> {
        self.catalog
            .model(provider, name)
            .map(|(i, _)| i as u16)
            .ok_or_else(|| format!("the pricing catalog has no model {provider}/{name}"))
    }

    /// A random `share` of the organizations (at least one), sorted.
    pub fn pick_orgs(&mut self, share: f64) -> Vec<u32> {
        let n = self.population.organizations.len();
        self.sample((0..n as u32).collect(), share)
    }

    /// A random `share` of `items` (at least one when there are any), sorted.
    pub fn sample(&mut self, mut items: Vec<u32>, share: f64) -> Vec<u32> {
        let n = items.len();
        let k = ((n as f64 * share).round() as usize).clamp(1.min(n), n);
        for i in 0..k {
            let j = self.rng.random_range(i..n);
            items.swap(i, j);
        }
        items.truncate(k);
        items.sort_unstable();
        items
    }

    /// Membership table over organizations.
    pub fn org_mask(&self, orgs: &[u32]) -> Vec<bool> {
        let mut mask = vec![false; self.population.organizations.len()];
        for &o in orgs {
            mask[o as usize] = true;
        }
        mask
    }

    /// Adds a new customer who signs up at `at_ms`; returns its index.
    pub fn sign_up(&mut self, at_ms: i64) -> u32 {
        let mut c = self.population.draw_customer(&mut self.rng, None);
        c.active_from_ms = at_ms;
        let index = c.index;
        self.population.customers.push(c);
        index
    }

    pub fn customer_id(&self, index: u32) -> String {
        self.population.customer_id(index)
    }

    pub fn org_id(&self, index: u32) -> String {
        self.population.org_id(index)
    }
}

/// A scenario planned for one window: its effect and its ground truth.
pub struct Planned {
    pub effect: Box<dyn Effect>,
    /// What was injected (JSON), for the answer key.
    pub truth: serde_json::Value,
}

/// A traffic pattern. Implementations live one per file in this module.
pub trait Scenario: Send + Sync {
    /// Stable id used on the command line: `viral_spike`.
    fn id(&self) -> &'static str;
    /// The seed's name: `Viral Spike`.
    fn title(&self) -> &'static str;
    /// One sentence on what it does.
    fn description(&self) -> &'static str;
    /// Its parameters, for `finops scenarios`.
    fn parameters(&self) -> &'static str;
    /// Window length when run on its own.
    fn hours(&self) -> u64;
    /// Plans one window.
    fn plan(&self, ctx: &mut PlanCtx<'_>) -> Result<Planned, String>;
}

/// An effect that changes nothing (the baseline, and scenarios that act through the population).
pub(crate) struct NoEffect(pub Window);

impl Effect for NoEffect {
    fn influence(&self) -> (i64, i64) {
        (self.0.start_ms, self.0.end_ms)
    }
}

/// A scenario's place in a program cycle.
#[derive(Clone)]
pub struct Slot {
    pub scenario: Arc<dyn Scenario>,
    pub offset_hours: u64,
    pub hours: u64,
}

/// Which scenarios run when, repeated cycle after cycle along the timeline.
#[derive(Clone)]
pub struct Program {
    pub slots: Vec<Slot>,
    pub cycle_hours: u64,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let slots: Vec<String> =
            self.slots.iter().map(|s| format!("{}@{}+{}h", s.scenario.id(), s.offset_hours, s.hours)).collect();
        f.debug_struct("Program").field("slots", &slots).field("cycle_hours", &self.cycle_hours).finish()
    }
}

/// Hours of plain traffic before a scenario run on its own, so its signature has a baseline.
pub const LEAD_HOURS: u64 = 24;

impl Program {
    /// No scenario: the population's normal traffic, forever.
    pub fn none() -> Program {
        Program { slots: Vec::new(), cycle_hours: 24 * 7 }
    }

    /// The showcase: all 12 scenarios in an 8-day cycle, their windows overlapping on different
    /// segments (orgs, customers, regions), so that a 50 MB dataset holds every signature.
    pub fn showcase() -> Program {
        // (id, offset h, duration h) within the cycle.
        const LAYOUT: [(&str, u64, u64); 12] = [
            ("base_traffic", 0, 192),
            ("seasonal_pattern", 0, 192),
            ("weekend_effect", 0, 192),
            ("timezone_pattern", 24, 72),
            ("steady_growth", 24, 96),
            ("model_migration", 24, 120),
            ("burst_traffic", 48, 48),
            ("feature_launch", 48, 96),
            ("cost_optimization", 48, 120),
            ("multi_tenant", 96, 96),
            ("gradual_decline", 96, 96),
            ("viral_spike", 120, 48),
        ];
        let slots = LAYOUT
            .iter()
            .filter_map(|(id, offset_hours, hours)| {
                find(id).map(|scenario| Slot { scenario, offset_hours: *offset_hours, hours: *hours })
            })
            .collect();
        Program { slots, cycle_hours: 192 }
    }

    /// The given scenarios one after another, each after `LEAD_HOURS` of plain traffic.
    pub fn sequence(scenarios: Vec<Arc<dyn Scenario>>) -> Program {
        let mut at = 0;
        let mut slots = Vec::new();
        for scenario in scenarios {
            at += LEAD_HOURS;
            let hours = scenario.hours();
            slots.push(Slot { scenario, offset_hours: at, hours });
            at += hours;
        }
        Program { slots, cycle_hours: (at + LEAD_HOURS).max(24) }
    }

    /// The scenario whose window started last at `hour_in_cycle` (for progress display).
    pub fn current(&self, hour_in_cycle: u64) -> Option<&Slot> {
        self.slots
            .iter()
            .filter(|s| s.offset_hours <= hour_in_cycle && hour_in_cycle < s.offset_hours + s.hours)
            .rev()
            .max_by_key(|s| s.offset_hours)
    }
}

/// Smooth 0 -> 1 ramp (cubic smoothstep).
pub(crate) fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// ISO-8601 UTC text for ground truth.
pub(crate) fn iso(t_ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(t_ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

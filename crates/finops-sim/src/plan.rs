//! The planned timeline: the population as scenarios change it, and every planned effect. Cycles of the
//! program are planned in order, on demand, so a run of any length knows its future before generating it.
use finops_core::pricing::Catalog;
use serde::Serialize;

use crate::csv_out::CsvFormatter;
use crate::population::Population;
use crate::rng::{Stream, stream_rng};
use crate::scenario::{Draft, Effect, PlanCtx, Program, Window};
use crate::timeline::{HOUR_MS, utc_date};

pub(crate) struct PlannedEffect {
    pub from: i64,
    pub until: i64,
    pub effect: Box<dyn Effect>,
}

/// One scenario window as injected: the answer key's unit.
#[derive(Debug, Clone, Serialize)]
pub struct WindowRecord {
    pub cycle: u64,
    pub scenario: &'static str,
    pub title: &'static str,
    pub start: String,
    pub end: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub truth: serde_json::Value,
}

pub(crate) struct Plan {
    pub population: Population,
    pub initial_customers: usize,
    pub effects: Vec<PlannedEffect>,
    pub records: Vec<WindowRecord>,
    pub cycles: u64,
    pub formatter: CsvFormatter,
    /// The model mix scenarios draw from, by epoch: (first millisecond, [(catalog index, weight)]).
    pub mixes: Vec<(i64, Vec<(usize, f64)>)>,
}

impl Plan {
    pub fn new(population: Population, catalog: &Catalog, mixes: Vec<(i64, Vec<(usize, f64)>)>) -> Plan {
        let formatter = CsvFormatter::new(&population, catalog);
        let initial_customers = population.customers.len();
        Plan { population, initial_customers, effects: Vec::new(), records: Vec::new(), cycles: 0, formatter, mixes }
    }

    /// Plans the next cycle of `program`.
    pub fn plan_cycle(&mut self, program: &Program, seed: u64, start_ms: i64, catalog: &Catalog) -> Result<(), String> {
        let k = self.cycles;
        let cycle_start_ms = start_ms + (k * program.cycle_hours) as i64 * HOUR_MS;
        let before = self.population.customers.len();
        let first_record = self.records.len();
        for (i, slot) in program.slots.iter().enumerate() {
            let window = Window {
                start_ms: cycle_start_ms + slot.offset_hours as i64 * HOUR_MS,
                end_ms: cycle_start_ms + (slot.offset_hours + slot.hours) as i64 * HOUR_MS,
            };
            let epoch = self.mixes.partition_point(|e| e.0 <= window.start_ms).saturating_sub(1);
            let mut ctx = PlanCtx {
                cycle: k,
                cycle_start_ms,
                timeline_start_ms: start_ms,
                window,
                population: &mut self.population,
                catalog,
                initial_customers: self.initial_customers,
                mix: &self.mixes[epoch].1,
                rng: stream_rng(seed, Stream::Scenario, k * 1024 + i as u64),
            };
            let planned = slot.scenario.plan(&mut ctx).map_err(|e| format!("scenario {}: {e}", slot.scenario.id()))?;
            let date = utc_date(window.start_ms);
            for m in planned.effect.targets() {
                let model = &catalog.models[m as usize];
                if !model.available_on(date) {
                    return Err(format!(
                        "scenario {} switches calls to {}/{}, which is not priced or served on {date}",
                        slot.scenario.id(),
                        model.provider,
                        model.name
                    ));
                }
            }
            let (from, until) = planned.effect.influence();
            self.records.push(WindowRecord {
                cycle: k,
                scenario: slot.scenario.id(),
                title: slot.scenario.title(),
                start: crate::scenario::iso(window.start_ms),
                end: crate::scenario::iso(window.end_ms),
                start_ms: window.start_ms,
                end_ms: window.end_ms,
                truth: planned.truth,
            });
            self.effects.push(PlannedEffect { from, until, effect: planned.effect });
        }
        self.record_migration_outcomes(first_record, seed, catalog);
        if self.population.customers.len() != before {
            self.formatter = CsvFormatter::new(&self.population, catalog);
        }
        self.cycles += 1;
        Ok(())
    }

    /// Adds to each model migration of the cycle the share of `to` that each organization's migrating
    /// calls really reach at the migration's end, with every effect planned so far acting (a cost
    /// optimization of the same organization moves part of them on to a cheaper sibling: the target
    /// share alone would overstate what the data holds). Estimated by running 20,000 drafts per
    /// organization through the effects, as the generator does.
    fn record_migration_outcomes(&mut self, first_record: usize, seed: u64, catalog: &Catalog) {
        const DRAWS: u32 = 20_000;
        for r in first_record..self.records.len() {
            let record = &self.records[r];
            if record.scenario != "model_migration" {
                continue;
            }
            let model = |key: &str| {
                let (provider, name) = record.truth[key].as_str()?.split_once('/')?;
                catalog.model(provider, name).map(|(i, _)| i as u16)
            };
            let (Some(from), Some(to)) = (model("from"), model("to")) else { continue };
            let t = record.end_ms - HOUR_MS / 2;
            let adjusters: Vec<&dyn Effect> = self
                .effects
                .iter()
                .filter(|e| e.from <= t && t < e.until && e.effect.adjusts_calls())
                .map(|e| &*e.effect)
                .collect();
            let orgs: Vec<String> = record.truth["organizations"]
                .as_array()
                .map(|a| a.iter().filter_map(|o| o.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            let mut rng = stream_rng(seed, Stream::Scenario, u64::MAX - r as u64);
            let mut shares = serde_json::Map::new();
            for org_id in orgs {
                let Some(customer) = self
                    .population
                    .customers
                    .iter()
                    .find(|c| self.population.org_id(c.org) == org_id && c.is_active(t))
                else {
                    continue;
                };
                let mut on_to = 0;
                for _ in 0..DRAWS {
                    let mut draft = Draft { feature: customer.pick_feature(&mut rng), model: from };
                    for e in &adjusters {
                        e.adjust(t, customer, &mut draft, &mut rng);
                    }
                    on_to += u32::from(draft.model == to);
                }
                shares.insert(org_id, serde_json::json!(f64::from(on_to) / f64::from(DRAWS)));
            }
            self.records[r].truth["share_end_by_organization"] = serde_json::Value::Object(shares);
        }
    }
}

//! The planned timeline: the population as scenarios change it, and every planned effect. Cycles of the
//! program are planned in order, on demand, so a run of any length knows its future before generating it.
use finops_core::pricing::Catalog;
use serde::Serialize;

use crate::csv_out::CsvFormatter;
use crate::population::Population;
use crate::rng::{Stream, stream_rng};
use crate::scenario::{Effect, PlanCtx, Program, Window};
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
}

impl Plan {
    pub fn new(population: Population, catalog: &Catalog) -> Plan {
        let formatter = CsvFormatter::new(&population, catalog);
        let initial_customers = population.customers.len();
        Plan { population, initial_customers, effects: Vec::new(), records: Vec::new(), cycles: 0, formatter }
    }

    /// Plans the next cycle of `program`.
    pub fn plan_cycle(&mut self, program: &Program, seed: u64, start_ms: i64, catalog: &Catalog) -> Result<(), String> {
        let k = self.cycles;
        let cycle_start_ms = start_ms + (k * program.cycle_hours) as i64 * HOUR_MS;
        let before = self.population.customers.len();
        for (i, slot) in program.slots.iter().enumerate() {
            let window = Window {
                start_ms: cycle_start_ms + slot.offset_hours as i64 * HOUR_MS,
                end_ms: cycle_start_ms + (slot.offset_hours + slot.hours) as i64 * HOUR_MS,
            };
            let mut ctx = PlanCtx {
                cycle: k,
                cycle_start_ms,
                window,
                population: &mut self.population,
                catalog,
                initial_customers: self.initial_customers,
                rng: stream_rng(seed, Stream::Scenario, k * 1024 + i as u64),
            };
            let planned = slot.scenario.plan(&mut ctx).map_err(|e| format!("scenario {}: {e}", slot.scenario.id()))?;
            let date = utc_date(window.start_ms);
            for m in planned.effect.targets() {
                let model = &catalog.models[m as usize];
                if model.price_on(date).is_none() {
                    return Err(format!(
                        "scenario {} switches calls to {}/{}, which has no price on {date}",
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
        if self.population.customers.len() != before {
            self.formatter = CsvFormatter::new(&self.population, catalog);
        }
        self.cycles += 1;
        Ok(())
    }
}

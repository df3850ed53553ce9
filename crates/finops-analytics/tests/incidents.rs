//! The incident detector scored against the simulator's answer key: injected runaway clients and viral
//! spikes must be found with their root cause, from the first day, and plain traffic must stay quiet.
use std::sync::Arc;

use finops_analytics::analyses::realtime;
use finops_analytics::evaluate::{Evaluation, Findings, evaluate};
use finops_analytics::{Dataset, LoadOptions};
use finops_core::rules::Rules;
use finops_sim::scenario::{Program, Slot, find};
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};

const HOUR: i64 = 3_600_000;

/// Simulates `hours` of `program` and scores the incidents found in it.
fn scored(program: Program, seed: u64, customers: u32, hours: u64) -> (Evaluation, realtime::Realtime) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.csv");
    let sim = Simulator::new(SimConfig { seed, customers, program, ..SimConfig::default() }).unwrap();
    sim.write_file(&path, OutputFormat::Csv, Stop::Hours(hours), &RunOptions::default()).unwrap();
    let until = sim.config().start.timestamp_millis() + hours as i64 * HOUR;
    let key = sim.ground_truth(until);
    let ds = Dataset::open(&[path], LoadOptions::default()).unwrap();
    let result = realtime::analyze(&ds).unwrap();
    let min_ratio = Rules::builtin().realtime.incident_min_ratio;
    let start = sim.config().start.timestamp_millis();
    let found = Findings { incidents: &result.incidents, model_shifts: &result.model_shifts, ..Findings::default() };
    (evaluate(&found, &key, min_ratio, (start, until)), result)
}

/// Three and a half days of the showcase (seed 77): runaway clients among all the other scenarios.
#[test]
fn runaway_clients_are_found_with_their_customer() {
    let (e, _) = scored(Program::showcase(), 77, 500, 84);
    eprintln!("{}", finops_analytics::evaluate::to_markdown(&e));
    let bursts = e.classes.iter().find(|c| c.class == "burst").unwrap();
    assert!(bursts.events >= 4, "the showcase injects bursts from hour 48");
    let share = |n: usize| n as f64 / bursts.events as f64;
    assert!(share(bursts.found) >= 0.9, "recall {}/{}", bursts.found, bursts.events);
    assert!(share(bursts.root_cause_right) >= 0.9, "root cause {}/{}", bursts.root_cause_right, bursts.events);
    assert!(share(bursts.onset_within_hour) >= 0.9, "onset {}/{}", bursts.onset_within_hour, bursts.events);
    assert!(e.precision.unwrap_or(0.0) >= 0.8, "precision {:?}", e.precision);
}

/// Bursts in the data's first hours are found: the detector has no warm-up of earlier days.
#[test]
fn day_one_is_covered() {
    let burst = find("burst_traffic").unwrap();
    let program = Program { slots: vec![Slot { scenario: burst, offset_hours: 0, hours: 24 }], cycle_hours: 48 };
    let (e, r) = scored(program, 5, 500, 30);
    eprintln!("{}", finops_analytics::evaluate::to_markdown(&e));
    let start = chrono::DateTime::parse_from_rfc3339("2026-09-01T00:00:00Z").unwrap().timestamp_millis();
    assert!(!e.events.is_empty());
    for ev in &e.events {
        assert!(ev.onset_ms < start + 24 * HOUR, "every burst of this program starts on day one");
        assert!(ev.found_by.is_some(), "{} of {} from {} missed", ev.class, ev.organization_id, ev.start);
        assert_eq!(ev.root_cause_right, Some(true));
    }
    assert_eq!(r.detection.judged_from, "2026-09-01T00:00:00+00:00");
}

/// Plain traffic (no scenario) raises at most two incidents over four days.
#[test]
fn plain_traffic_stays_quiet() {
    let (_, r) = scored(Program::none(), 42, 500, 96);
    for i in &r.incidents {
        eprintln!("{} {} {} {:.0} extra calls", i.id, i.organization_id, i.start, i.excess_calls);
    }
    assert!(r.incidents.len() <= 2, "{} incidents on plain traffic", r.incidents.len());
    assert!(r.detection.bins_tested > 10_000);
}

#[test]
fn the_rules_tune_the_detector() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.csv");
    let program = Program::sequence(vec![find("burst_traffic").unwrap()]);
    let sim = Simulator::new(SimConfig { seed: 3, customers: 300, program, ..SimConfig::default() }).unwrap();
    sim.write_file(&path, OutputFormat::Csv, Stop::Hours(96), &RunOptions::default()).unwrap();
    let ds = Dataset::open(&[path], LoadOptions::default()).unwrap();
    let found = realtime::analyze(&ds).unwrap().incidents.len();
    let strict = Rules::from_toml_str("[realtime]\nincident_min_ratio = 1000\n", "strict.toml").unwrap();
    let none = realtime::analyze(&ds.with_rules(Arc::new(strict))).unwrap();
    assert!(found > 0);
    assert!(none.incidents.is_empty());
    assert!(none.rules_applied.iter().any(|r| r.name == "incident_min_ratio" && r.source == "strict.toml"));
}

/// A viral spike is one incident of its organization, found within an hour of its traffic reaching the
/// detector's ratio.
#[test]
fn a_viral_spike_is_found_within_the_hour() {
    let program = Program::sequence(vec![find("viral_spike").unwrap()]);
    let (e, _) = scored(program, 21, 400, 60);
    eprintln!("{}", finops_analytics::evaluate::to_markdown(&e));
    let viral = e.classes.iter().find(|c| c.class == "viral_spike").unwrap();
    assert_eq!((viral.events, viral.found, viral.onset_within_hour), (1, 1, 1));
    assert_eq!(e.precision, Some(1.0));
}

/// A cost optimization moves many small models towards cheaper ones: the mix's price finds the
/// organizations where no single model's share moved enough.
#[test]
fn cost_optimizations_are_found_by_the_price_of_the_mix() {
    let program = Program::sequence(vec![find("cost_optimization").unwrap()]);
    let (e, r) = scored(program, 8, 1000, 168);
    let optimized = e.changes.iter().find(|c| c.class == "cost optimizations").unwrap();
    eprintln!("{optimized:?}");
    assert!(optimized.injected >= 8);
    assert!(optimized.recall.unwrap_or(0.0) >= 0.8, "recall {:?}", optimized.recall);
    assert_eq!(optimized.precision, Some(1.0));
    assert!(r.model_shifts.iter().all(|m| m.mix_price_change_pct < -10.0), "{:?}", r.model_shifts);
}

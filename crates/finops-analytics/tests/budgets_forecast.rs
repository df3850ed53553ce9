//! Budgets and the forecast checked against the data itself: thresholds fire once, in the hour an
//! independent running sum of the calls passes them; a budget's exceed date forecast from ten days of
//! traffic falls within a day of the date the following days actually passed it; the backtest's own
//! method beats the naive run rate on plain traffic and its intervals cover about what they claim.
use std::path::Path;
use std::sync::Arc;

use finops_analytics::analyses::{realtime, understanding};
use finops_analytics::{Dataset, LoadOptions};
use finops_core::budgets::Budgets;
use finops_core::rules::Rules;
use finops_sim::scenario::Program;
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// (timestamp ms, cost) of every call, in time order, read with the csv crate.
fn calls(path: &Path) -> Vec<(i64, f64)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    let (ts, cost) =
        (h.iter().position(|c| c == "timestamp").unwrap(), h.iter().position(|c| c == "cost_usd").unwrap());
    let mut out: Vec<(i64, f64)> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            let t = chrono::DateTime::parse_from_rfc3339(&rec[ts]).unwrap().timestamp_millis();
            (t, rec[cost].parse().unwrap())
        })
        .collect();
    out.sort_by_key(|c| c.0);
    out
}

/// The hour (start, `2026-09-03T14:00:00Z`) in which a running sum of `calls` passes `amount`.
fn crossing_hour(calls: &[(i64, f64)], amount: f64) -> Option<String> {
    let mut sum = 0.0;
    calls
        .iter()
        .find(|c| {
            sum += c.1;
            sum >= amount
        })
        .map(|c| {
            let hour = c.0.div_euclid(HOUR_MS) * HOUR_MS;
            chrono::DateTime::from_timestamp_millis(hour).unwrap().format("%Y-%m-%dT%H:00:00Z").to_string()
        })
}

fn simulate(dir: &Path, days: u64) -> std::path::PathBuf {
    let path = dir.join("calls.csv");
    let sim = Simulator::new(SimConfig { seed: 11, customers: 120, program: Program::none(), ..SimConfig::default() })
        .unwrap();
    sim.write_file(&path, OutputFormat::Csv, Stop::Hours(days * 24), &RunOptions::default()).unwrap();
    path
}

fn with_budgets(toml: &str) -> Arc<Rules> {
    let mut rules = Rules::builtin();
    rules.budgets = Budgets::from_toml_str(toml, "test budgets").unwrap();
    Arc::new(rules)
}

#[test]
fn thresholds_fire_once_at_their_hour_and_the_exceed_date_is_forecast_within_a_day() {
    let dir = tempfile::tempdir().unwrap();
    let full = simulate(dir.path(), 21);
    let all = calls(&full);
    let total: f64 = all.iter().map(|c| c.1).sum();
    let start = all[0].0.div_euclid(DAY_MS) * DAY_MS;

    // 1. Thresholds on the whole three weeks: 25% and 50% of 1.6 x the total fire, 100% does not.
    let amount = 1.6 * total;
    let rules = with_budgets(&format!(
        "[[budget]]\nname = \"all\"\namount_usd = {amount}\nstart = \"2026-09-01\"\nend = \"2026-09-30\"\nthresholds_pct = [25, 50, 100]\n"
    ));
    let ds = Dataset::open(std::slice::from_ref(&full), LoadOptions::default()).unwrap().with_rules(rules);
    let b = &realtime::analyze(&ds).unwrap().budgets[0];
    assert!((b.spent_usd - total).abs() < 1e-6 * total, "{} vs {total}", b.spent_usd);
    for t in &b.thresholds {
        assert_eq!(t.fired_at, crossing_hour(&all, amount * t.pct / 100.0), "threshold {}%", t.pct);
    }
    assert_eq!(b.thresholds.iter().filter(|t| t.fired_at.is_some()).count(), 2, "each fires once, 100% never");
    assert!(b.exceeded_at.is_none());

    // 2. The exceed date, forecast from the first 10 days: the budget is what the calls cost until the
    //    middle of day 15, so the real exceed date is day 15 (2026-09-15).
    let cut = start + 10 * DAY_MS;
    let first10 = dir.path().join("first10.csv");
    {
        let text = std::fs::read_to_string(&full).unwrap();
        let mut lines = text.lines();
        let mut out = String::from(lines.next().unwrap());
        out.push('\n');
        for l in lines {
            let ts = l.split(',').nth(1).unwrap();
            if chrono::DateTime::parse_from_rfc3339(ts).unwrap().timestamp_millis() < cut {
                out.push_str(l);
                out.push('\n');
            }
        }
        std::fs::write(&first10, out).unwrap();
    }
    let middle_of_day_15 = start + 14 * DAY_MS + DAY_MS / 2;
    let amount: f64 = all.iter().filter(|c| c.0 < middle_of_day_15).map(|c| c.1).sum();
    let rules = with_budgets(&format!(
        "[[budget]]\nname = \"month\"\namount_usd = {amount}\nstart = \"2026-09-01\"\nend = \"2026-09-30\"\n"
    ));
    let ds = Dataset::open(&[first10], LoadOptions::default()).unwrap().with_rules(rules);
    let b = &realtime::analyze(&ds).unwrap().budgets[0];
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let projected = day(b.projected_exceed_date.as_deref().expect("forecast to be exceeded in September"));
    let off = (projected - day("2026-09-15")).num_days().abs();
    eprintln!(
        "projected {projected} ({:?} to {:?}), method {:?}",
        b.projected_exceed_earliest, b.projected_exceed_latest, b.method
    );
    assert!(off <= 1, "projected {projected}, exceeded 2026-09-15");
    let earliest = day(b.projected_exceed_earliest.as_deref().unwrap());
    assert!(earliest <= projected);
    assert!(b.forecast_end_low_usd <= b.forecast_end_usd && b.forecast_end_usd <= b.forecast_end_high_usd);
}

#[test]
fn the_backtest_beats_the_run_rate_on_plain_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let path = simulate(dir.path(), 28);
    let ds = Dataset::open(&[path], LoadOptions::default()).unwrap();
    let u = understanding::analyze(&ds).unwrap();
    let b = u.forecast.backtest.as_ref().expect("four weeks allow a backtest");
    for r in &b.rows {
        eprintln!("{:50} {:4} MAPE {:5.1}% coverage {:?}", r.method, r.forecasts, r.mape_pct, r.coverage_pct);
    }
    let (ours, naive) = (&b.rows[0], &b.rows[1]);
    assert_eq!(u.forecast.method, finops_results::common::ForecastMethod::MstlEts);
    assert!(ours.mape_pct < naive.mape_pct, "ours {} vs run rate {}", ours.mape_pct, naive.mape_pct);
    let coverage = ours.coverage_pct.unwrap();
    assert!((65.0..=97.0).contains(&coverage), "80% intervals cover {coverage}%");
}

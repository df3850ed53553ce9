//! Statistical checks that the simulated traffic matches its stated targets. One week of 3,000
//! customers (~1.3M calls) is generated once and shared; every expectation is recomputed here from
//! the raw calls with chrono, not with the simulator's own helpers.
use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use finops_core::schema::{Archetype, ErrorType, Region, Status, Tier};
use finops_sim::{Call, Program, SimConfig, Simulator};

const DAYS: u64 = 14;

struct World {
    sim: Simulator,
    calls: Vec<Call>,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let sim = Simulator::new(SimConfig {
            seed: 11,
            customers: 3000,
            organizations: 100,
            program: Program::none(),
            ..SimConfig::default()
        })
        .expect("valid config");
        let calls = (0..DAYS * 24).flat_map(|h| sim.hour_calls(h).expect("planned")).collect();
        World { sim, calls }
    })
}

fn offset(r: Region) -> i64 {
    match r {
        Region::UsEast1 => -5,
        Region::UsWest2 => -8,
        Region::EuWest1 => 0,
        Region::ApSoutheast1 => 8,
    }
}

fn local(ts_ms: i64, r: Region) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ts_ms).unwrap() + Duration::hours(offset(r))
}

/// Local dates fully inside the simulated window for customers living in `r`.
fn complete_local_days(r: Region) -> Vec<NaiveDate> {
    let start = world().sim.config().start;
    let end = start + Duration::days(DAYS as i64);
    let (ls, le) = (start + Duration::hours(offset(r)), end + Duration::hours(offset(r)));
    let mut d = ls.date_naive();
    if ls.time() != chrono::NaiveTime::MIN {
        d = d.succ_opt().unwrap();
    }
    let mut out = Vec::new();
    while d.and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::days(1) <= le {
        out.push(d);
        d = d.succ_opt().unwrap();
    }
    out
}

fn within(actual: f64, expected: f64, rel_tol: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= rel_tol * expected.abs(),
        "{what}: {actual:.4} not within {:.0}% of {expected:.4}",
        rel_tol * 100.0
    );
}

#[test]
fn population_shares_match_targets() {
    // Tolerance +-2.5 percentage points: ~3 standard errors for 3,000 customers.
    let pop = &world().sim.population();
    let n = pop.customers.len() as f64;
    for (a, target) in [(Archetype::Light, 0.70), (Archetype::Power, 0.20), (Archetype::Heavy, 0.10)] {
        let share = pop.customers.iter().filter(|c| c.archetype == a).count() as f64 / n;
        assert!((share - target).abs() < 0.025, "{a}: {share}");
    }
    for (t, target) in [(Tier::Starter, 0.50), (Tier::Pro, 0.35), (Tier::Enterprise, 0.15)] {
        let share = pop.customers.iter().filter(|c| c.tier == t).count() as f64 / n;
        assert!((share - target).abs() < 0.025, "{t}: {share}");
    }
}

#[test]
fn provider_shares_match_market_weights() {
    // Tolerance +-0.3 percentage points over ~1.3M independent draws.
    let w = world();
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for c in &w.calls {
        *counts.entry(w.sim.catalog().models[c.model as usize].provider.as_str()).or_default() += 1;
    }
    let n = w.calls.len() as f64;
    for (p, target) in [
        ("openai", 0.40),
        ("anthropic", 0.25),
        ("google", 0.15),
        ("bedrock", 0.10),
        ("azure", 0.07),
        ("mistral", 0.02),
        ("cohere", 0.01),
    ] {
        let share = counts.get(p).copied().unwrap_or(0) as f64 / n;
        assert!((share - target).abs() < 0.003, "{p}: {share:.4} vs {target}");
    }
}

#[test]
fn weekday_calls_per_day_follow_the_archetypes() {
    // Each customer's weekday rate is uniform in the archetype's range, so the archetype mean is the
    // range midpoint (tolerance 4%), and 90% of customers sit inside the range widened by Poisson noise.
    let w = world();
    let pop = &w.sim.population();
    let days: HashMap<Region, Vec<NaiveDate>> = Region::ALL.iter().map(|r| (*r, complete_local_days(*r))).collect();
    let mut weekday_calls = vec![0u64; pop.customers.len()];
    for c in &w.calls {
        let cust = &pop.customers[c.customer as usize];
        let d = local(c.ts_ms, cust.home_region).date_naive();
        if d.weekday().num_days_from_monday() < 5 && days[&cust.home_region].contains(&d) {
            weekday_calls[c.customer as usize] += 1;
        }
    }
    for (a, lo, hi) in
        [(Archetype::Light, 5.0, 20.0), (Archetype::Power, 50.0, 150.0), (Archetype::Heavy, 200.0, 500.0)]
    {
        let mut per_day: Vec<f64> = pop
            .customers
            .iter()
            .filter(|c| c.archetype == a)
            .map(|c| {
                let n_weekdays = days[&c.home_region].iter().filter(|d| d.weekday().num_days_from_monday() < 5).count();
                weekday_calls[c.index as usize] as f64 / n_weekdays as f64
            })
            .collect();
        let mean = per_day.iter().sum::<f64>() / per_day.len() as f64;
        within(mean, (lo + hi) / 2.0, 0.04, &format!("{a} weekday calls/day"));
        per_day.sort_by(f64::total_cmp);
        let p5 = per_day[per_day.len() / 20];
        let p95 = per_day[per_day.len() * 19 / 20];
        assert!(p5 > lo * 0.7 && p95 < hi * 1.15, "{a}: 5-95% of customers {p5:.1}..{p95:.1} vs range {lo}..{hi}");
    }
}

#[test]
fn day_of_week_and_hour_of_day_ratios() {
    let w = world();
    let pop = &w.sim.population();
    // weekday class -> calls, and (weekday) local hour -> calls, over complete local days.
    let mut by_weekday = [0f64; 7];
    let mut weekday_days = [0f64; 7];
    let mut by_hour = [0f64; 24];
    for r in Region::ALL {
        for d in complete_local_days(*r) {
            weekday_days[d.weekday().num_days_from_monday() as usize] += 1.0 / 4.0;
        }
    }
    let days: HashMap<Region, Vec<NaiveDate>> = Region::ALL.iter().map(|r| (*r, complete_local_days(*r))).collect();
    for c in &w.calls {
        let region = pop.customers[c.customer as usize].home_region;
        let t = local(c.ts_ms, region);
        if !days[&region].contains(&t.date_naive()) {
            continue;
        }
        let wd = t.weekday().num_days_from_monday() as usize;
        by_weekday[wd] += 1.0;
        if wd < 5 {
            by_hour[t.hour() as usize] += 1.0;
        }
    }
    // Every region has the same number of each weekday here (14 days), so pooled averages are fair.
    let avg = |d: usize| by_weekday[d] / weekday_days[d];
    let weekday_avg = (0..5).map(avg).sum::<f64>() / 5.0;
    within(avg(5) / weekday_avg, 0.4, 0.06, "Saturday / weekday");
    within(avg(6) / weekday_avg, 0.3, 0.06, "Sunday / weekday");
    let mean_of = |hours: &[usize]| hours.iter().map(|&h| by_hour[h]).sum::<f64>() / hours.len() as f64;
    let business = mean_of(&[9, 10, 11, 12, 13, 14, 15, 16]);
    within(mean_of(&[6, 7, 8]) / business, 0.6, 0.05, "early morning / business hours");
    within(mean_of(&[17, 18, 19, 20, 21]) / business, 0.8, 0.05, "evening / business hours");
    within(mean_of(&[22, 23, 0, 1, 2, 3, 4, 5]) / business, 0.3, 0.05, "night / business hours");
}

#[test]
fn failures_are_rare_typed_and_unbilled_or_partial() {
    let w = world();
    let mut by_status: HashMap<Status, u64> = HashMap::new();
    for c in &w.calls {
        *by_status.entry(c.status()).or_default() += 1;
        match c.error {
            ErrorType::None => assert_eq!(c.status(), Status::Success),
            ErrorType::RateLimitExceeded
            | ErrorType::InternalServerError
            | ErrorType::BadGateway
            | ErrorType::ServiceUnavailable
            | ErrorType::Overloaded => {
                assert_eq!(
                    (c.input_tokens, c.output_tokens, c.cost.0, c.ttft_ms),
                    (0, 0, 0, 0),
                    "unbilled failure {c:?}"
                );
            }
            ErrorType::ClientTimeout => {
                assert_eq!(c.latency_ms, 120_000);
                assert!(c.input_tokens > 0 && c.cost.0 > 0, "a timeout bills its prompt: {c:?}");
            }
        }
    }
    let n = w.calls.len() as f64;
    let failed = n - by_status[&Status::Success] as f64;
    assert!((0.01..=0.03).contains(&(failed / n)), "failure rate {}", failed / n);
    for s in [Status::RateLimited, Status::Timeout, Status::ServerError] {
        assert!(by_status.get(&s).copied().unwrap_or(0) > 100, "{s} missing");
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn tokens_are_heavy_tailed_and_consistent() {
    let w = world();
    let pop = &w.sim.population();
    let mut inputs: HashMap<Archetype, Vec<f64>> = HashMap::new();
    for c in w.calls.iter().filter(|c| c.status() == Status::Success) {
        let model = &w.sim.catalog().models[c.model as usize];
        assert!(c.cached_input_tokens <= c.input_tokens);
        assert!(c.reasoning_tokens <= c.output_tokens);
        assert!(c.reasoning_tokens == 0 || model.reasoning, "{} does not reason", model.name);
        assert!(c.total_tokens() <= model.context_window);
        assert!(c.ttft_ms <= c.latency_ms);
        inputs.entry(pop.customers[c.customer as usize].archetype).or_default().push(f64::from(c.input_tokens));
    }
    for (a, lo, hi) in
        [(Archetype::Light, 50.0, 300.0), (Archetype::Power, 200.0, 800.0), (Archetype::Heavy, 500.0, 2000.0)]
    {
        let v = inputs.get_mut(&a).unwrap();
        let p50 = percentile(v, 0.5);
        let p99 = percentile(v, 0.99);
        assert!(p50 > lo && p50 < hi, "{a}: median input {p50} outside {lo}..{hi}");
        assert!(p99 / p50 > 4.0, "{a}: tail too light (p99/p50 = {})", p99 / p50);
    }
    let cached = w.calls.iter().filter(|c| c.cached_input_tokens > 0).count();
    assert!(cached > w.calls.len() / 100, "prompt caching too rare: {cached}");
}

#[test]
fn latency_depends_on_model_and_region() {
    let w = world();
    let catalog = w.sim.catalog();
    let idx = |p: &str, m: &str| catalog.model(p, m).unwrap().0 as u16;
    let (fast, slow) = (idx("openai", "gpt-4.1-nano"), idx("anthropic", "claude-opus-4-1"));
    let ok = |c: &&Call| c.status() == Status::Success && c.service_tier == finops_core::ServiceTier::Standard;
    let lat = |m: u16| {
        let mut v: Vec<f64> = w
            .calls
            .iter()
            .filter(ok)
            .filter(|c| c.model == m && c.output_tokens < 400)
            .map(|c| f64::from(c.latency_ms))
            .collect();
        percentile(&mut v, 0.5)
    };
    let (f, s) = (lat(fast), lat(slow));
    assert!(s > 2.0 * f, "claude-opus-4-1 p50 {s} ms vs gpt-4.1-nano p50 {f} ms");
    let ttft = |r: Region| {
        let mut v: Vec<f64> = w
            .calls
            .iter()
            .filter(ok)
            .filter(|c| c.region == r && c.reasoning_tokens == 0)
            .map(|c| f64::from(c.ttft_ms))
            .collect();
        percentile(&mut v, 0.5)
    };
    let (us, ap) = (ttft(Region::UsEast1), ttft(Region::ApSoutheast1));
    assert!(ap > us * 1.1, "ap-southeast-1 ttft p50 {ap} vs us-east-1 {us}");
}

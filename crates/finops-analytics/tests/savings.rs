//! Rate Optimization's savings recomputed call by call, independently: every standard-tier call of a
//! simulated showcase read with the csv crate and priced with plain floating-point arithmetic from the
//! catalog's USD-per-million rates (its own long-context and context-window checks), the levers applied
//! in the same sequence, each switched on per (provider, model, feature) where it saves. Switching
//! and batch must equal the analysis to a millionth; caching to 2% (the
//! analysis gives a window's writing call the group's average prefix); the combined total stays below
//! the levers added up.
use std::collections::{HashMap, HashSet};

use finops_analytics::analyses::optimization::{self, sibling};
use finops_analytics::{Dataset, LoadOptions};
use finops_core::pricing::{Catalog, PriceRow};
use finops_core::rules::Rules;
use finops_sim::scenario::Program;
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};

struct Call {
    ms: i64,
    customer: String,
    feature: String,
    environment: String,
    provider: String,
    model: String,
    input: f64,
    cached: f64,
    written: f64,
    output: f64,
}

fn read(path: &std::path::Path) -> Vec<Call> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let cw = col("cache_write_tokens");
    let (ts, cu, fe, en, pr, mo, it, ci, ot, st) = (
        col("timestamp"),
        col("customer_id"),
        col("feature_id"),
        col("environment"),
        col("provider"),
        col("model"),
        col("input_tokens"),
        col("cached_input_tokens"),
        col("output_tokens"),
        col("service_tier"),
    );
    r.records()
        .map(|x| x.unwrap())
        .filter(|x| &x[st] == "standard")
        .map(|x| Call {
            ms: chrono::DateTime::parse_from_rfc3339(&x[ts]).unwrap().timestamp_millis(),
            customer: x[cu].to_string(),
            feature: x[fe].to_string(),
            environment: x[en].to_string(),
            provider: x[pr].to_string(),
            model: x[mo].to_string(),
            input: x[it].parse().unwrap(),
            cached: x[ci].parse().unwrap(),
            written: x[cw].parse().unwrap(),
            output: x[ot].parse().unwrap(),
        })
        .collect()
}

/// USD of one call at `p`: long-context rates for the whole request above the threshold (in batch too),
/// batch rates for batch, cached and cache-write tokens at their rates (falling back to input).
fn usd(p: &PriceRow, c: &Call, cached: f64, write: f64, batch: bool) -> f64 {
    let m = |r: finops_core::cost::Rate| r.usd_per_million() / 1e6;
    let long = p.long_context.filter(|l| c.input as u64 > l.above_input_tokens);
    let (mut input, mut output) = (m(long.map_or(p.input, |l| l.input)), m(long.map_or(p.output, |l| l.output)));
    let mut cached_rate = long.and_then(|l| l.cached_input).or(p.cached_input).map(m);
    let mut write_rate = long.and_then(|l| l.cache_write).or(p.cache_write).map(m);
    if batch {
        // Long batch requests: the long-context batch rates; batch cache reads and writes where listed.
        input = m(long.map_or(p.batch_input, |l| l.batch_input).unwrap());
        output = m(long.map_or(p.batch_output, |l| l.batch_output).unwrap());
        let batch_cached = long.and_then(|l| l.batch_cached_input).or(p.batch_cached_input).map(m);
        cached_rate = batch_cached.or(cached_rate);
        write_rate = p.batch_cache_write.map(m).or(write_rate);
    }
    let write_rate = write_rate.unwrap_or(input);
    (c.input - cached - write) * input + cached * cached_rate.unwrap_or(input) + write * write_rate + c.output * output
}

#[test]
fn savings_equal_an_independent_call_by_call_pricing() {
    // Three days of the showcase by default; `FINOPS_SAVINGS_INPUT=file.csv` checks another file (the
    // closing note of issue #14 ran it on the 50 MB showcase).
    let dir = tempfile::tempdir().unwrap();
    let path = match std::env::var_os("FINOPS_SAVINGS_INPUT") {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            let path = dir.path().join("calls.csv");
            let config = SimConfig { seed: 42, customers: 300, program: Program::showcase(), ..SimConfig::default() };
            let sim = Simulator::new(config).unwrap();
            sim.write_file(&path, OutputFormat::Csv, Stop::Hours(72), &RunOptions::default()).unwrap();
            path
        }
    };
    let ds = Dataset::open(std::slice::from_ref(&path), LoadOptions::default()).unwrap();
    let got = optimization::analyze(&ds).unwrap();

    let cat = Catalog::builtin();
    let r = Rules::builtin().optimization;
    let calls = read(&path);
    // The analysis's size bands, to find the same prefix writers: windows and thresholds exceeded.
    let mut windows: Vec<u64> = cat.models.iter().map(|m| m.context_window).collect();
    let mut thresholds: Vec<u64> = cat
        .models
        .iter()
        .flat_map(|m| m.prices.iter().filter_map(|p| p.long_context.map(|l| l.above_input_tokens)))
        .collect();
    windows.sort_unstable();
    windows.dedup();
    thresholds.sort_unstable();
    thresholds.dedup();
    let mut order: Vec<usize> = (0..calls.len()).collect();
    order.sort_by_key(|i| calls[*i].ms);
    // Each call priced on its own: today, on the switch target (if it fits), and the caching usage
    // (the first call of its window writes its prefix, the others read theirs).
    let band = |x: u64, points: &[u64]| points.iter().filter(|p| x > **p).count();
    let mut written = HashSet::new();
    type Key = (String, String, String);
    let k = |c: &Call, model: &str| -> Key { (c.provider.clone(), model.to_string(), c.feature.clone()) };
    struct One<'a> {
        c: &'a Call,
        p: &'a PriceRow,
        base: f64,
        alt: Option<(String, &'a PriceRow)>,
        cache: Option<(f64, f64)>,
    }
    let mut ones = Vec::new();
    for i in order {
        let c = &calls[i];
        let date = chrono::DateTime::from_timestamp_millis(c.ms).unwrap().date_naive();
        let Ok((m, p)) = cat.price_at(&c.provider, &c.model, date) else { continue };
        let alt = sibling(&cat, &r, m, date)
            .filter(|a| (c.input + c.output) as u64 <= a.context_window)
            .and_then(|a| a.price_on(date).map(|ap| (a.name.clone(), ap)));
        let cache = (c.input as u64 >= r.cache_min_prompt_tokens && c.cached == 0.0 && c.written == 0.0).then(|| {
            let key = (
                c.customer.clone(),
                k(c, &c.model),
                c.environment.clone(),
                c.ms.div_euclid(86_400_000),
                band((c.input + c.output) as u64, &windows),
                band(c.input as u64, &thresholds),
                c.ms / (r.cache_ttl_minutes as i64 * 60_000),
            );
            let prefix = (c.input * r.cacheable_share).floor();
            if written.insert(key) { (0.0, prefix) } else { (prefix, 0.0) }
        });
        ones.push(One { c, p, base: usd(p, c, c.cached, c.written, false), alt, cache });
    }
    let mut net: [HashMap<Key, f64>; 6] = Default::default();
    let positive = |m: &HashMap<Key, f64>| m.values().filter(|v| **v > 0.0).sum::<f64>();
    let is_on = |m: &HashMap<Key, f64>, key: &Key| m.get(key).is_some_and(|v| *v > 0.0);
    let batchable = |c: &Call| r.batch_features.contains(&c.feature) && r.batch_environments.contains(&c.environment);
    // Switching: per (provider, model, feature).
    for o in &ones {
        if let Some((_, ap)) = &o.alt {
            *net[0].entry(k(o.c, &o.c.model)).or_default() += o.base - usd(ap, o.c, o.c.cached, o.c.written, false);
        }
    }
    let now = |o: &One| -> (String, PriceRow) {
        match &o.alt {
            Some((name, ap)) if is_on(&net[0], &k(o.c, &o.c.model)) => (name.clone(), (*ap).clone()),
            _ => (o.c.model.clone(), o.p.clone()),
        }
    };
    let mut cache_alone = HashMap::new();
    let mut cache_plan = HashMap::new();
    for o in &ones {
        let Some((cached, write)) = o.cache else { continue };
        if o.p.cached_input.is_some() {
            *cache_alone.entry(k(o.c, &o.c.model)).or_insert(0.0) += o.base - usd(o.p, o.c, cached, write, false);
        }
        let (name, p) = now(o);
        if p.cached_input.is_some() {
            *cache_plan.entry(k(o.c, &name)).or_insert(0.0) +=
                usd(&p, o.c, o.c.cached, o.c.written, false) - usd(&p, o.c, cached, write, false);
        }
    }
    let usage_now = |o: &One| -> (f64, f64) {
        let (name, p) = now(o);
        match o.cache {
            Some(cw) if p.cached_input.is_some() && is_on(&cache_plan, &k(o.c, &name)) => cw,
            _ => (o.c.cached, 0.0),
        }
    };
    let mut batch_alone = HashMap::new();
    let mut batch_plan = HashMap::new();
    for o in ones.iter().filter(|o| batchable(o.c)) {
        if o.p.has_batch() {
            *batch_alone.entry(k(o.c, &o.c.model)).or_insert(0.0) +=
                o.base - usd(o.p, o.c, o.c.cached, o.c.written, true);
        }
        let (name, p) = now(o);
        let (cached, write) = usage_now(o);
        if p.has_batch() {
            *batch_plan.entry(k(o.c, &name)).or_insert(0.0) +=
                usd(&p, o.c, cached, write, false) - usd(&p, o.c, cached, write, true);
        }
    }
    let switch_alone = positive(&net[0]);
    let (cache_alone, batch_alone) = (positive(&cache_alone), positive(&batch_alone));
    let plan = [switch_alone, positive(&cache_plan), positive(&batch_plan)];
    let s = &got.summary;
    let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs().max(1e-9);
    eprintln!(
        "switch {} vs {switch_alone}; batch {} vs {batch_alone}; caching {} vs {cache_alone}; plan {:?} vs {plan:?}; combined {} < alone {}",
        s.switching_savings_usd,
        s.batch_savings_usd,
        s.caching_savings_usd,
        got.plan.iter().map(|p| p.savings_usd).collect::<Vec<_>>(),
        s.combined_savings_usd,
        s.levers_alone_usd
    );
    assert!(switch_alone > 0.0 && batch_alone > 0.0 && cache_alone > 0.0, "the showcase has all three levers");
    assert!(close(s.switching_savings_usd, switch_alone, 1e-6));
    assert!(close(s.batch_savings_usd, batch_alone, 1e-6));
    assert!(close(s.caching_savings_usd, cache_alone, 0.02));
    assert!(close(got.plan[0].savings_usd, plan[0], 1e-6));
    assert!(close(got.plan[1].savings_usd, plan[1], 0.02));
    assert!(close(got.plan[2].savings_usd, plan[2], 0.02));
    assert!(s.combined_savings_usd < s.levers_alone_usd, "levers overlap, so the plan saves less than their sum");
    // No switch leaves its class or kind.
    for sw in &got.model_switching {
        let (_, from) = cat.model(&sw.provider, &sw.from).unwrap();
        let (_, to) = cat.model(&sw.provider, &sw.to).unwrap();
        assert_eq!((from.class, from.reasoning), (to.class, to.reasoning), "{} -> {}", sw.from, sw.to);
    }
}

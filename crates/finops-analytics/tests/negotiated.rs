//! Negotiated rates (`--rates`): the effective cost of every call recomputed independently (csv crate,
//! plain f64 from the rules as written), and the savings priced at the effective rates: an 18% discount
//! on every Anthropic model scales each Anthropic switch's savings by exactly 0.82.
use std::collections::HashMap;
use std::sync::Arc;

use finops_analytics::analyses::{optimization, understanding};
use finops_analytics::{Dataset, LoadOptions};
use finops_core::negotiated::NegotiatedRates;
use finops_core::pricing::Catalog;
use finops_sim::scenario::Program;
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};

const RATES: &str = r#"
[[rate]]
name = "Anthropic enterprise agreement"
provider = "anthropic"
discount_pct = 18

[[rate]]
name = "gpt-4o committed use"
provider = "openai"
model = "gpt-4o"
from = "2026-09-02"
input = 2.0
"#;

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0), "{what}: {a} != {b}");
}

#[test]
fn negotiated_rates_change_effective_cost_and_savings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.csv");
    let config = SimConfig { seed: 11, customers: 300, program: Program::showcase(), ..SimConfig::default() };
    Simulator::new(config)
        .unwrap()
        .write_file(&path, OutputFormat::Csv, Stop::Hours(72), &RunOptions::default())
        .unwrap();
    let rates = NegotiatedRates::from_toml_str(RATES, "rates.toml").unwrap();
    let list = Arc::new(Catalog::builtin());
    let open =
        || Dataset::open(std::slice::from_ref(&path), LoadOptions::default()).unwrap().with_catalog(list.clone());
    let plain = open();
    let negotiated = open().with_negotiated(&rates).unwrap();

    // Independent: every call's effective cost from the rules as written.
    let (_, gpt4o) = list.price_at("openai", "gpt-4o", chrono::NaiveDate::from_ymd_opt(2026, 9, 2).unwrap()).unwrap();
    let per_token = |r: finops_core::Rate| r.usd_per_million() / 1e6;
    let mut r = csv::Reader::from_path(&path).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (ts, pr, mo, it, ci, ot, co, st) = (
        col("timestamp"),
        col("provider"),
        col("model"),
        col("input_tokens"),
        col("cached_input_tokens"),
        col("output_tokens"),
        col("cost_usd"),
        col("service_tier"),
    );
    let (mut list_total, mut effective_total) = (0.0, 0.0);
    let mut covered: HashMap<&str, u64> = HashMap::new();
    for x in r.records().map(|x| x.unwrap()) {
        let cost: f64 = x[co].parse().unwrap();
        list_total += cost;
        let late = &x[ts][..10] >= "2026-09-02";
        let paid = if &x[pr] == "anthropic" {
            *covered.entry("anthropic").or_default() += 1;
            cost * 0.82
        } else if &x[pr] == "openai" && &x[mo] == "gpt-4o" && late {
            *covered.entry("gpt-4o").or_default() += 1;
            let (i, c, o): (f64, f64, f64) = (x[it].parse().unwrap(), x[ci].parse().unwrap(), x[ot].parse().unwrap());
            let cached = per_token(gpt4o.cached_input.unwrap());
            if &x[st] == "priority" || &x[st] == "flex" {
                // Its own tier rates: the committed rate does not name them and there is no discount.
                cost
            } else if &x[st] == "batch" {
                // The committed rate replaces the standard input rate only; batch keeps its list rates.
                let (bi, bo) = (per_token(gpt4o.batch_input.unwrap()), per_token(gpt4o.batch_output.unwrap()));
                (i - c) * bi + c * per_token(gpt4o.batch_cached_input.or(gpt4o.cached_input).unwrap()) + o * bo
            } else {
                (i - c) * 2.0 / 1e6 + c * cached + o * per_token(gpt4o.output)
            }
        } else {
            cost
        };
        effective_total += paid;
    }
    assert!(covered["anthropic"] > 1000 && covered["gpt-4o"] > 500, "{covered:?}");

    let u0 = understanding::analyze(&plain).unwrap();
    let u1 = understanding::analyze(&negotiated).unwrap();
    assert!(u0.negotiated.is_none());
    let n = u1.negotiated.as_ref().expect("a negotiated section");
    close(u0.summary.totals.cost_usd, list_total, "list total");
    close(n.list_cost_usd, list_total, "negotiated list total");
    close(u1.summary.totals.cost_usd, effective_total, "effective total");
    close(n.effective_cost_usd, effective_total, "negotiated effective total");
    assert!(effective_total < list_total * 0.97, "{effective_total} vs {list_total}");
    assert_eq!(n.rules[0].calls, covered["anthropic"]);
    assert_eq!(n.rules[1].calls, covered["gpt-4o"]);
    let anthropic = n.by_provider.iter().find(|p| p.provider == "anthropic").unwrap();
    close(anthropic.saved_pct, 18.0, "Anthropic saved share");
    // Every other report's cost is the effective one.
    let a0: f64 = u0.by_provider.iter().filter(|g| g.key[0] == "anthropic").map(|g| g.metrics.cost_usd).sum();
    let a1: f64 = u1.by_provider.iter().filter(|g| g.key[0] == "anthropic").map(|g| g.metrics.cost_usd).sum();
    close(a1, a0 * 0.82, "Anthropic cost by provider");

    // Savings at effective rates: a discount on the whole provider scales its switches' savings.
    let o0 = optimization::analyze(&plain).unwrap();
    let o1 = optimization::analyze(&negotiated).unwrap();
    let anthropic_switches = |o: &finops_analytics::results::optimization::Optimization| {
        o.model_switching
            .iter()
            .filter(|s| s.provider == "anthropic")
            .map(|s| (s.from.clone(), s.savings_usd))
            .collect::<Vec<_>>()
    };
    let (s0, s1) = (anthropic_switches(&o0), anthropic_switches(&o1));
    assert!(!s0.is_empty(), "the showcase switches some Anthropic calls");
    assert_eq!(s0.len(), s1.len());
    for ((m0, v0), (m1, v1)) in s0.iter().zip(&s1) {
        assert_eq!(m0, m1);
        // Rates are rounded to a pico-dollar per token: a relative error far below 1e-6.
        assert!((v1 - 0.82 * v0).abs() <= 1e-6 * v0.abs(), "{m0}: {v1} vs 0.82 x {v0}");
    }
    close(o1.summary.cost_usd, effective_total, "optimization's cost base");
    assert!(o1.summary.switching_savings_usd < o0.summary.switching_savings_usd);
}

//! Recommendation rules: each one fires on data that calls for it and stays quiet otherwise.
use finops_analytics::analyses::Recommendation;
use finops_analytics::analyses::churn_growth::{self, Mismatch};
use finops_analytics::analyses::dataset_overview::{self, Distribution, Quality, Share};
use finops_analytics::analyses::pricing;
use finops_analytics::analyses::profitability;
use finops_analytics::common::{CustomerRow, Metrics};
use finops_core::rules::Rules;

fn rules(r: &[Recommendation]) -> Vec<&str> {
    r.iter().map(|x| x.rule.as_str()).collect()
}

/// The built-in thresholds.
fn builtin() -> Rules {
    Rules::builtin()
}

fn share(value: &str, pct_calls: f64) -> Share {
    Share { value: value.into(), calls: 1, pct_calls, cost_usd: 0.0, pct_cost: 0.0, avg_latency_ms: 0.0 }
}

#[test]
fn dataset_overview_rules() {
    let m = |cost: f64| Metrics { calls: 100, avg_cost_per_call: cost, ..Metrics::default() };
    let dist = |provider: f64, region: (f64, f64), feature: f64| {
        vec![
            Distribution { dimension: "provider".into(), values: vec![share("openai", provider)] },
            Distribution {
                dimension: "region".into(),
                values: vec![share("us-east-1", region.0), share("eu-west-1", region.1)],
            },
            Distribution { dimension: "feature".into(), values: vec![share("chat", feature)] },
        ]
    };
    let q = |success: f64, bad: u64| Quality { success_pct: success, bad_rows_skipped: bad, ..Quality::default() };
    let r = builtin().dataset_overview;
    let quiet = dataset_overview::recommend(&r, &m(0.005), &dist(40.0, (30.0, 25.0), 30.0), &q(99.0, 0));
    assert_eq!(rules(&quiet), ["healthy"]);
    let loud = dataset_overview::recommend(&r, &m(0.02), &dist(70.0, (60.0, 10.0), 45.0), &q(90.0, 3));
    assert_eq!(
        rules(&loud),
        [
            "provider_concentration",
            "region_imbalance",
            "high_cost_per_call",
            "feature_concentration",
            "error_rate",
            "bad_rows"
        ]
    );
    assert!(loud[0].message.contains("openai carries 70.0%"));
    assert_eq!(rules(&dataset_overview::recommend(&r, &Metrics::default(), &[], &q(0.0, 0))), ["empty"]);
}

fn customer(id: &str, tier: &str, price: f64, revenue: f64, cost: f64, tokens: u64) -> CustomerRow {
    CustomerRow {
        customer_id: id.into(),
        organization_id: "org_001".into(),
        product_id: "product_a".into(),
        subscription_tier: tier.into(),
        customer_archetype: "light".into(),
        tier_price_usd: price,
        calls: 10,
        cost_usd: cost,
        total_tokens: tokens,
        features: 1,
        first_ms: 0,
        last_ms: 0,
        revenue_usd: revenue,
    }
}

#[test]
fn profitability_rules() {
    let r = builtin().profitability;
    let healthy = profitability::from_customers(
        &r,
        &[customer("a", "pro", 99.0, 99.0, 10.0, 1000), customer("b", "pro", 99.0, 99.0, 20.0, 1000)],
        30.0,
    );
    assert_eq!(rules(&healthy.recommendations), ["healthy_margin"]);
    assert_eq!(healthy.summary.margin_usd, 168.0);
    let bad = profitability::from_customers(
        &r,
        &[customer("a", "starter", 29.0, 29.0, 40.0, 1000), customer("b", "starter", 29.0, 29.0, 25.0, 1000)],
        30.0,
    );
    assert_eq!(
        rules(&bad.recommendations),
        ["unprofitable_customers", "thin_tier_margin", "many_low_margin", "below_target_margin"]
    );
    assert_eq!(bad.unprofitable.count, 1);
    assert!((bad.unprofitable.total_loss_usd - 11.0).abs() < 1e-9);
    assert!(bad.recommendations[0].message.contains("$11.00 lost"));
}

#[test]
fn pricing_rules() {
    // Light users: tiny cost, so flat pricing is best and they are profitable.
    let r = builtin().pricing;
    let light = pricing::from_customers(&r, &[customer("a", "pro", 99.0, 99.0, 1.0, 10_000)]);
    assert_eq!(rules(&light.recommendations), ["light_users_profitable"]);
    // Heavy users: cost near revenue; overage or hybrid pricing beats flat.
    let heavy = pricing::from_customers(&r, &[customer("a", "starter", 29.0, 29.0, 28.0, 50_000_000)]);
    let r = rules(&heavy.recommendations);
    assert!(
        r.contains(&"better_model") && r.contains(&"heavy_users_underpriced") && r.contains(&"hybrid_beats_flat"),
        "{r:?}"
    );
    // Tiered: 50M tokens - allowance 29 x 10,000 = 290,000 -> 49,710 x $0.01 overage.
    let tiered = heavy.models.iter().find(|m| m.model == pricing::PricingModel::TieredOverage).unwrap();
    assert!((tiered.revenue_usd - (29.0 + 49_710.0 * 0.01)).abs() < 1e-6, "{}", tiered.revenue_usd);
}

#[test]
fn churn_rules() {
    let r = builtin().churn_growth;
    let quiet = churn_growth::recommend(&r, &churn_growth::Summary::default(), &[], 10.0);
    assert!(quiet.is_empty());
    let s = churn_growth::Summary {
        churned: 3,
        churn_rate_pct: 5.0,
        declining: 4,
        new_customers: 7,
        expansion_monthly_usd: 70.0,
        ..churn_growth::Summary::default()
    };
    let m = [Mismatch {
        customer_id: "a".into(),
        subscription_tier: "starter".into(),
        calls_per_day: 150.0,
        kind: churn_growth::MismatchKind::Undersubscribed,
        issue: "undersubscribed: x".into(),
    }];
    assert_eq!(
        rules(&churn_growth::recommend(&r, &s, &m, 10.0)),
        ["churn", "declining_usage", "new_customers", "expansion", "tier_mismatch"]
    );
}

use finops_analytics::analyses::{
    alignment, geographic_latency, performance, realtime, token_economics, understanding,
};
use finops_analytics::common::{Forecast, Group};

fn group(key: &[&str], calls: u64, cost: f64, cost_per_1k: f64) -> Group {
    Group {
        key: key.iter().map(|k| k.to_string()).collect(),
        metrics: Metrics { calls, cost_usd: cost, cost_per_1k_tokens: cost_per_1k, ..Metrics::default() },
    }
}

#[test]
fn understanding_rules() {
    let s = |cost: f64| understanding::Summary {
        totals: Metrics { calls: 100, cost_usd: cost, ..Metrics::default() },
        ..Default::default()
    };
    let eff = |lo: f64, hi: f64| understanding::Efficiency {
        overall_cost_per_1k_tokens: 0.0,
        most_efficient: Some(understanding::ModelEfficiency {
            provider: "a".into(),
            model: "small".into(),
            cost_per_1k_tokens: lo,
            calls: 50,
        }),
        least_efficient: Some(understanding::ModelEfficiency {
            provider: "a".into(),
            model: "big".into(),
            cost_per_1k_tokens: hi,
            calls: 50,
        }),
    };
    let cust = |costs: &[f64]| -> Vec<understanding::CustomerCost> {
        costs
            .iter()
            .enumerate()
            .map(|(i, c)| understanding::CustomerCost {
                customer_id: format!("c{i}"),
                organization_id: "o".into(),
                subscription_tier: "pro".into(),
                tier_price_usd: 99.0,
                calls: 1,
                cost_usd: *c,
                pct_of_cost: 0.0,
            })
            .collect()
    };
    let flat = Forecast { week_over_week_pct: Some(3.0), ..Forecast::default() };
    let r = builtin().understanding;
    let quiet = understanding::recommend(
        &r,
        &s(100.0),
        &[group(&["openai"], 10, 50.0, 0.0)],
        &eff(1.0, 2.0),
        &cust(&[10.0; 10]),
        &flat,
    );
    assert_eq!(rules(&quiet), ["balanced"]);
    let rising =
        Forecast { week_over_week_pct: Some(35.0), forecast_30d: 900.0, run_rate_30d: 600.0, ..Forecast::default() };
    let loud = understanding::recommend(
        &r,
        &s(100.0),
        &[group(&["openai"], 10, 80.0, 0.0)],
        &eff(0.1, 2.0),
        &cust(&[30.0, 20.0, 10.0, 5.0, 5.0, 1.0, 1.0]),
        &rising,
    );
    assert_eq!(
        rules(&loud),
        ["provider_cost_concentration", "efficiency_spread", "customer_cost_concentration", "cost_trend"]
    );
}

fn model_perf(model: &str, calls: u64, score: f64, sla: f64, err: f64) -> performance::ModelPerformance {
    performance::ModelPerformance {
        provider: "p".into(),
        model: model.into(),
        metrics: Metrics { calls, ..Metrics::default() },
        ttft_p50_ms: 0.0,
        throughput_tokens_per_s: 0.0,
        efficiency_score: score,
        error_rate_all_pct: err,
        sla_pct: sla,
        ranked: calls >= 20,
    }
}

#[test]
fn performance_rules() {
    let s = performance::Summary { latency: Metrics { calls: 100, ..Metrics::default() }, ..Default::default() };
    let sla = |pct: f64| performance::Sla { ttft_threshold_ms: 2000.0, compliant_pct: pct, calls: 100 };
    let good = [model_perf("a", 100, 10.0, 99.0, 1.0), model_perf("b", 100, 5.0, 98.0, 0.5)];
    let rl = builtin().performance;
    assert_eq!(rules(&performance::recommend(&rl, &s, &sla(97.0), &good, 1.0)), ["performance_ok"]);
    let bad = [model_perf("a", 100, 40.0, 99.0, 1.0), model_perf("b", 100, 5.0, 60.0, 7.0)];
    let r = performance::recommend(&rl, &s, &sla(80.0), &bad, 8.0);
    assert_eq!(rules(&r), ["sla_breach", "efficiency_gap", "slow_calls", "model_error_rate"]);
    assert!(r[3].message.contains("p/b 7.0%"), "{}", r[3].message);
}

#[test]
fn realtime_rules() {
    let rl = builtin().realtime;
    assert_eq!(realtime::risk_level(&rl, 120.0), realtime::RiskLevel::Critical);
    assert_eq!(realtime::risk_level(&rl, 90.0), realtime::RiskLevel::High);
    assert_eq!(realtime::risk_level(&rl, 60.0), realtime::RiskLevel::Medium);
    assert_eq!(realtime::risk_level(&rl, 10.0), realtime::RiskLevel::Low);
    let calm = realtime::Summary { calls: 10, health_score_pct: 90.0, ..Default::default() };
    let spread = realtime::Concentration { shares_pct: vec![], hhi: 2000.0 };
    assert_eq!(rules(&realtime::recommend(&rl, &calm, &[], &spread)), ["no_alerts"]);
    let busy = realtime::Summary {
        calls: 10,
        customers_at_risk: 3,
        revenue_at_risk_usd: 50.0,
        health_score_pct: 30.0,
        ..Default::default()
    };
    let a = realtime::Incident {
        id: "INC-001".into(),
        organization_id: "org_007".into(),
        start: "2026-09-03T14:00:00+00:00".into(),
        end: "2026-09-03T15:00:00+00:00".into(),
        peak: "2026-09-03T14:20:00+00:00".into(),
        start_ms: 0,
        end_ms: 3_600_000,
        peak_ms: 1_200_000,
        duration_minutes: 60.0,
        calls: 1200,
        expected_calls: 100.0,
        excess_calls: 1100.0,
        peak_ratio: 12.0,
        cost_usd: 12.0,
        expected_cost_usd: 1.0,
        excess_cost_usd: 11.0,
        rate_limited_calls: 400,
        root_customer_id: "cust_0042".into(),
        root_customer_share_pct: 98.0,
        root_model: "openai/gpt-4o".into(),
        root_model_share_pct: 99.0,
        root_feature: "chat".into(),
        root_feature_share_pct: 100.0,
        severity: finops_analytics::analyses::Severity::Warning,
    };
    let concentrated = realtime::Concentration { shares_pct: vec![], hhi: 6000.0 };
    let r = realtime::recommend(&rl, &busy, &[a], &concentrated);
    assert_eq!(rules(&r), ["budget_risk", "incidents", "provider_concentration", "portfolio_health"]);
    assert!(r[1].message.contains("org_007") && r[1].message.contains("12.0x") && r[1].message.contains("cust_0042"));
}

fn org(id: &str, pct: f64, cost: f64) -> alignment::OrgRow {
    alignment::OrgRow {
        organization_id: id.into(),
        cost_usd: cost,
        calls: 200,
        customers: 5,
        products: 1,
        features: 2,
        avg_cost_per_call: cost / 200.0,
        avg_cost_per_customer: cost / 5.0,
        pct_of_cost: pct,
    }
}

#[test]
fn alignment_rules() {
    let s = |orgs: u64| alignment::Summary { cost_usd: 100.0, organizations: orgs, ..Default::default() };
    let feature = |adoption: f64, cost: f64| alignment::FeatureAdoption {
        feature: "agent".into(),
        cost_usd: cost,
        calls: 1,
        customers: 1,
        adoption_pct: adoption,
    };
    let rl = builtin().alignment;
    let even = alignment::EfficiencyGap { gap_ratio: 1.5, ..Default::default() };
    assert!(
        alignment::recommend(&rl, &s(1), &[org("a", 100.0, 100.0)], &[feature(50.0, 10.0)], &even)
            .iter()
            .all(|r| r.rule != "org_concentration")
    );
    assert_eq!(
        rules(&alignment::recommend(&rl, &s(2), &[org("a", 40.0, 40.0)], &[feature(50.0, 10.0)], &even)),
        ["chargeback"]
    );
    let gap = alignment::EfficiencyGap {
        gap_ratio: 4.0,
        cheapest_org: Some("b".into()),
        costliest_org: Some("a".into()),
        ..Default::default()
    };
    let r = alignment::recommend(&rl, &s(2), &[org("a", 60.0, 60.0)], &[feature(10.0, 20.0)], &gap);
    assert_eq!(rules(&r), ["org_concentration", "org_efficiency_gap", "costly_niche_feature", "chargeback"]);
}

#[test]
fn token_rules() {
    let s = |io: f64, reasoning: f64| token_economics::Summary {
        input_output_ratio: io,
        reasoning_share_of_output_pct: reasoning,
        ..Default::default()
    };
    let rl = builtin().token_economics;
    let row = |key: &str, c: f64| token_economics::TokenRow {
        key: key.into(),
        calls: 100,
        input_tokens: 1,
        output_tokens: 1,
        cached_pct: 0.0,
        reasoning_pct: 50.0,
        io_ratio: 1.0,
        cost_usd: 1.0,
        cost_per_1k_tokens: c,
        cost_per_call: 0.0,
        efficiency_score: token_economics::efficiency_score(&rl, c, 1.0),
    };
    let pattern = |calls: u64| token_economics::Pattern {
        pattern: token_economics::WastefulPattern::ExcessiveInput,
        rule: "r".into(),
        calls,
        cost_usd: 1.0,
    };
    assert_eq!(
        rules(&token_economics::recommend(&rl, &s(1.0, 10.0), &[row("a", 1.0), row("b", 2.0)], &[pattern(0)], 1000)),
        ["tokens_ok"]
    );
    let r = token_economics::recommend(&rl, &s(3.0, 40.0), &[row("a", 0.1), row("b", 2.0)], &[pattern(50)], 1000);
    assert_eq!(rules(&r), ["input_heavy", "wasteful_pattern", "reasoning_overhead", "price_spread"]);
}

#[test]
fn geographic_rules() {
    let region = |name: &str, calls: u64, p95: f64| geographic_latency::RegionRow {
        region: name.into(),
        calls,
        pct_calls: 0.0,
        cost_usd: 0.0,
        p50_latency_ms: 0.0,
        p95_latency_ms: p95,
        p99_latency_ms: 0.0,
        ttft_p50_ms: 0.0,
        error_rate_pct: 0.0,
    };
    let s = |balance: f64| geographic_latency::Summary {
        calls: 1000,
        p95_latency_ms: 1000.0,
        balance_pct: balance,
        busiest_region: Some("us-east-1".into()),
        quietest_region: Some("eu-west-1".into()),
        ..Default::default()
    };
    let rl = builtin().geographic_latency;
    let ok = [region("us-east-1", 500, 1000.0), region("eu-west-1", 400, 1050.0)];
    assert_eq!(rules(&geographic_latency::recommend(&rl, &s(80.0), &ok, &[])), ["regions_ok"]);
    let slow = [region("us-east-1", 500, 1000.0), region("eu-west-1", 150, 1500.0)];
    let route = geographic_latency::Route {
        model: "m".into(),
        fastest_region: "us-east-1".into(),
        fastest_p50_ms: 800.0,
        overall_p50_ms: 1000.0,
        gain_pct: 20.0,
    };
    assert_eq!(
        rules(&geographic_latency::recommend(&rl, &s(30.0), &slow, &[route])),
        ["region_imbalance", "slow_region", "routing"]
    );
}

use finops_analytics::analyses::{abuse_detection, features, optimization};

#[test]
fn optimization_rules() {
    let s = optimization::Summary { cost_usd: 100.0, ..Default::default() };
    let switch = optimization::Switch {
        provider: "openai".into(),
        from: "gpt-4o".into(),
        to: "gpt-4.1".into(),
        class: "frontier".into(),
        calls: 10,
        savings_usd: 20.0,
        ..Default::default()
    };
    let plan = |sw: f64, cache: f64, batch: f64| -> Vec<optimization::PlanStep> {
        [("model_switch", sw), ("prompt_caching", cache), ("batch_api", batch)]
            .into_iter()
            .map(|(lever, saving)| optimization::PlanStep {
                lever: lever.into(),
                calls: 10,
                cost_before_usd: 50.0,
                savings_usd: saving,
                savings_pct: saving / 50.0 * 100.0,
                assumption: format!("{lever} assumption"),
            })
            .collect()
    };
    let commit = |gap: Option<f64>| optimization::Commitment {
        provider: "openai".into(),
        cost_usd: 100.0,
        monthly_equivalent_usd: 900.0,
        committable_daily_usd: 0.0,
        savings_usd: 0.0,
        volume_discount_pct: 0.0,
        next_tier_gap_usd: gap,
    };
    let rl = builtin().optimization;
    // Under 5% (switch) and 1% (caching, batch) of spend: nothing to say.
    assert_eq!(
        rules(&optimization::recommend(
            &rl,
            &s,
            &plan(4.0, 0.5, 0.5),
            std::slice::from_ref(&switch),
            &[commit(Some(900.0))],
            &[]
        )),
        ["optimized"]
    );
    let r =
        optimization::recommend(&rl, &s, &plan(20.0, 5.0, 5.0), &[switch], &[commit(Some(100.0))], &["acme/x".into()]);
    assert_eq!(rules(&r), ["model_switch", "prompt_caching", "batch_api", "volume_tier_close", "unpriced_models"]);
    assert!(
        r[0].message.contains("gpt-4.1") && r[0].message.contains("10 calls") && r[0].message.contains("$20.00 (40%")
    );
    assert!(r[1].message.contains("prompt_caching assumption"));
}

fn feature_row(name: &str, quadrant: features::Quadrant, cost: f64) -> features::FeatureRow {
    features::FeatureRow {
        feature: name.into(),
        cost_usd: cost,
        calls: 10,
        customers: 5,
        adoption_pct: 50.0,
        adoption_level: features::AdoptionLevel::Medium,
        cost_per_customer: 0.0,
        cost_per_call: 0.0,
        first_seen: String::new(),
        growth_ratio: 1.0,
        quadrant,
    }
}

#[test]
fn feature_rules() {
    use features::Quadrant::*;
    let rl = builtin().features;
    let s = features::Summary { cost_usd: 100.0, ..Default::default() };
    assert!(
        features::recommend(
            &rl,
            &s,
            &[feature_row("chat", Maintain, 50.0), feature_row("code", Sunset, 50.0)],
            &[],
            &[]
        )
        .is_empty()
    );
    let rows = [
        feature_row("chat", Invest, 60.0),
        feature_row("code", Optimize, 25.0),
        feature_row("search", Maintain, 10.0),
        feature_row("agent", Sunset, 5.0),
    ];
    let bundle = features::Bundle { features: ("chat".into(), "code".into()), customers: 5, pct_of_customers: 50.0 };
    let launch = features::Launch {
        feature: "agent".into(),
        first_seen: "2026-09-03".into(),
        cumulative_adopters: vec![("2026-09-03".into(), 4)],
    };
    let r = features::recommend(&rl, &s, &rows, &[bundle], &[launch]);
    assert_eq!(rules(&r), ["invest", "optimize", "cost_concentration", "bundle", "launch"]);
    assert!(r[4].message.contains("reached 4 customers"));
}

#[test]
fn abuse_rules() {
    let empty = abuse_detection::Abuse {
        summary: abuse_detection::Summary { customers: 10, ..Default::default() },
        usage_spikes: vec![],
        minute_bursts: vec![],
        rate_limit_hammering: vec![],
        cost_spikes: vec![],
        night_automation: vec![],
        plan_abuse: vec![],
        peer_outliers: vec![],
        recommendations: vec![],
        rules_applied: vec![],
    };
    let rl = builtin().abuse_detection;
    assert_eq!(rules(&abuse_detection::recommend(&rl, &empty)), ["no_abuse"]);
    let flag = |id: &str| abuse_detection::Flag {
        customer_id: id.into(),
        when: String::new(),
        value: 1.0,
        baseline: 1.0,
        detail: "x".into(),
    };
    let all = abuse_detection::Abuse {
        usage_spikes: vec![flag("a"), flag("a")],
        minute_bursts: vec![flag("b")],
        rate_limit_hammering: vec![flag("c")],
        cost_spikes: vec![flag("d")],
        night_automation: vec![flag("e")],
        plan_abuse: vec![flag("f")],
        peer_outliers: vec![flag("g")],
        ..empty
    };
    let r = abuse_detection::recommend(&rl, &all);
    assert_eq!(
        rules(&r),
        [
            "usage_spike",
            "minute_burst",
            "rate_limit_hammering",
            "cost_spike",
            "night_automation",
            "plan_abuse",
            "peer_outlier"
        ]
    );
    // The peer score: cost and calls against the tier's medians, and scripted-client latency.
    assert_eq!(abuse_detection::peer_score(&rl, 60.0, 10.0, None, 10.0, 10.0), 50.0);
    assert_eq!(abuse_detection::peer_score(&rl, 60.0, 60.0, Some(200.0), 10.0, 10.0), 100.0);
    assert_eq!(abuse_detection::peer_score(&rl, 50.0, 50.0, Some(900.0), 10.0, 10.0), 0.0, "5x is not over 5x");
    assert!(r[0].message.starts_with("2 hourly usage spikes (1 customer); largest: a"), "{}", r[0].message);
    // One finding: the singular, and no count of customers.
    assert!(r[1].message.starts_with("1 minute-level burst; largest: b"), "{}", r[1].message);
}

#[test]
fn seed_scores_match_hand_computed_values() {
    // 0.7 x (100 - $3 per million) + 0.3 x 100.
    let r = builtin();
    assert!((token_economics::efficiency_score(&r.token_economics, 0.003, 1.0) - 97.9).abs() < 1e-9);
    assert_eq!(token_economics::efficiency_score(&r.token_economics, 0.2, 12.0), 0.0);
    // 50 calls a day, 5 features, $30.44 a month: every part at its cap.
    let (score, per_day, _) = churn_growth::engagement_score(&r.churn_growth, 350, 7.0, 5, 7.0);
    assert!((score - 100.0).abs() < 1e-9 && (per_day - 50.0).abs() < 1e-9);
    // 25 calls/day -> 20, one feature -> 6, $0.10 a day = $3.04 a month -> 9.13.
    let (score, _, monthly) = churn_growth::engagement_score(&r.churn_growth, 25, 1.0, 1, 0.1);
    assert!((monthly - 3.04375).abs() < 1e-9);
    assert!((score - 35.13125).abs() < 1e-9, "{score}");
}

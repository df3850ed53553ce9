//! Recommendation rules: each one fires on data that calls for it and stays quiet otherwise.
use finops_analytics::analyses::Recommendation;
use finops_analytics::analyses::churn_growth::{self, Mismatch};
use finops_analytics::analyses::dataset_overview::{self, Distribution, Quality, Share};
use finops_analytics::analyses::optimization::volume_tier;
use finops_analytics::analyses::pricing;
use finops_analytics::analyses::profitability;
use finops_analytics::common::{CustomerRow, Metrics};

fn rules(r: &[Recommendation]) -> Vec<&'static str> {
    r.iter().map(|x| x.rule).collect()
}

fn share(value: &str, pct_calls: f64) -> Share {
    Share { value: value.into(), calls: 1, pct_calls, cost_usd: 0.0, pct_cost: 0.0, avg_latency_ms: 0.0 }
}

#[test]
fn dataset_overview_rules() {
    let m = |cost: f64| Metrics { calls: 100, avg_cost_per_call: cost, ..Metrics::default() };
    let dist = |provider: f64, region: (f64, f64), feature: f64| {
        vec![
            Distribution { dimension: "provider", values: vec![share("openai", provider)] },
            Distribution {
                dimension: "region",
                values: vec![share("us-east-1", region.0), share("eu-west-1", region.1)],
            },
            Distribution { dimension: "feature", values: vec![share("chat", feature)] },
        ]
    };
    let q = |success: f64, bad: u64| Quality { success_pct: success, bad_rows_skipped: bad, ..Quality::default() };
    let quiet = dataset_overview::recommend(&m(0.005), &dist(40.0, (30.0, 25.0), 30.0), &q(99.0, 0));
    assert_eq!(rules(&quiet), ["healthy"]);
    let loud = dataset_overview::recommend(&m(0.02), &dist(70.0, (60.0, 10.0), 45.0), &q(90.0, 3));
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
    assert_eq!(rules(&dataset_overview::recommend(&Metrics::default(), &[], &q(0.0, 0))), ["empty"]);
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
    let healthy = profitability::from_customers(
        vec![customer("a", "pro", 99.0, 99.0, 10.0, 1000), customer("b", "pro", 99.0, 99.0, 20.0, 1000)],
        30.0,
    );
    assert_eq!(rules(&healthy.recommendations), ["healthy_margin"]);
    assert_eq!(healthy.summary.margin_usd, 168.0);
    let bad = profitability::from_customers(
        vec![customer("a", "starter", 29.0, 29.0, 40.0, 1000), customer("b", "starter", 29.0, 29.0, 25.0, 1000)],
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
    let light = pricing::from_customers(&[customer("a", "pro", 99.0, 99.0, 1.0, 10_000)]);
    assert_eq!(rules(&light.recommendations), ["light_users_profitable"]);
    // Heavy users: cost near revenue; overage or hybrid pricing beats flat.
    let heavy = pricing::from_customers(&[customer("a", "starter", 29.0, 29.0, 28.0, 50_000_000)]);
    let r = rules(&heavy.recommendations);
    assert!(
        r.contains(&"better_model") && r.contains(&"heavy_users_underpriced") && r.contains(&"hybrid_beats_flat"),
        "{r:?}"
    );
    // Tiered: 50M tokens - allowance 29 x 10,000 = 290,000 -> 49,710 x $0.01 overage.
    let tiered = heavy.models.iter().find(|m| m.model == "tiered_overage").unwrap();
    assert!((tiered.revenue_usd - (29.0 + 49_710.0 * 0.01)).abs() < 1e-6, "{}", tiered.revenue_usd);
}

#[test]
fn volume_tiers() {
    assert_eq!(volume_tier(500.0), (0.0, Some(500.0)));
    assert_eq!(volume_tier(1_000.0), (5.0, Some(4_000.0)));
    assert_eq!(volume_tier(7_500.0), (10.0, Some(2_500.0)));
    assert_eq!(volume_tier(12_000.0), (15.0, None));
}

#[test]
fn churn_rules() {
    let quiet = churn_growth::recommend(&churn_growth::Summary::default(), &[], 10.0);
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
        issue: "undersubscribed: x",
    }];
    assert_eq!(
        rules(&churn_growth::recommend(&s, &m, 10.0)),
        ["churn", "declining_usage", "new_customers", "expansion", "tier_mismatch"]
    );
}

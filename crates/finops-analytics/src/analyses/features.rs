//! Feature Economics: what each feature costs, who uses it, where to invest, what sells together, and
//! features launched during the period with their adoption curve.
use serde::Serialize;

use super::{Recommendation, Severity};
use std::collections::HashMap;

use crate::common::{customer_features, day_label, distinct_customers, iso, median, pair_counts, pct, ratio};
use crate::engine::{Dataset, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Features {
    pub summary: Summary,
    pub by_feature: Vec<FeatureRow>,
    pub bundles: Vec<Bundle>,
    pub launches: Vec<Launch>,
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub cost_usd: f64,
    pub calls: u64,
    pub features: u64,
    pub customers: u64,
    pub avg_cost_per_feature: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeatureRow {
    pub feature: String,
    pub cost_usd: f64,
    pub calls: u64,
    pub customers: u64,
    pub adoption_pct: f64,
    /// high > 60%, medium > 30%, else low.
    pub adoption_level: &'static str,
    pub cost_per_customer: f64,
    pub cost_per_call: f64,
    pub first_seen: String,
    /// Calls in the last quarter of the period over calls in the first quarter (0 if absent at first).
    pub growth_ratio: f64,
    /// invest (high adoption, low cost), maintain (high, high), optimize (low, high), sunset (low, low).
    pub quadrant: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bundle {
    pub features: (String, String),
    pub customers: u64,
    pub pct_of_customers: f64,
}

/// A feature first used after the first tenth of the period: its adoption day by day.
#[derive(Debug, Clone, Serialize)]
pub struct Launch {
    pub feature: String,
    pub first_seen: String,
    /// (date, customers who have used it so far).
    pub cumulative_adopters: Vec<(String, u64)>,
}

pub fn adoption_level(p: f64) -> &'static str {
    if p > 60.0 {
        "high"
    } else if p > 30.0 {
        "medium"
    } else {
        "low"
    }
}

pub fn analyze(ds: &Dataset) -> Result<Features> {
    let (start, end) = (ds.period.start_ms.unwrap_or(0), ds.period.end_ms.unwrap_or(0));
    let q1 = start + (end - start) / 4;
    let q3 = end - (end - start) / 4;
    let t = ds.sql(&format!(
        "SELECT feature_id AS f, sum(cost_usd) AS c, count(*) AS n, min(timestamp) AS first, \
         count(*) FILTER (WHERE CAST(timestamp AS BIGINT) < {q1}) AS early, count(*) FILTER (WHERE CAST(timestamp AS BIGINT) >= {q3}) AS late \
         FROM calls GROUP BY feature_id ORDER BY c DESC, f"
    ))?;
    let (f, c, n, first, early, late) =
        (t.str("f")?, t.f64("c")?, t.u64("n")?, t.i64("first")?, t.u64("early")?, t.u64("late")?);
    // Customers per feature, bundles and adoption curves from the (customer, feature) pairs.
    let pairs = customer_features(ds)?;
    let customers_of = pair_counts(&pairs, |p| &p.feature_id);
    let all_customers = distinct_customers(&pairs);
    let cu: Vec<u64> = f.iter().map(|x| customers_of.get(x.as_str()).copied().unwrap_or(0)).collect();
    let adoption: Vec<f64> = cu.iter().map(|x| pct(*x as f64, all_customers as f64)).collect();
    let med_cost = median(&c);
    let by_feature: Vec<FeatureRow> = (0..t.len())
        .map(|i| {
            let high_adoption = adoption[i] > 40.0;
            let high_cost = c[i] > med_cost;
            FeatureRow {
                feature: f[i].clone(),
                cost_usd: c[i],
                calls: n[i],
                customers: cu[i],
                adoption_pct: adoption[i],
                adoption_level: adoption_level(adoption[i]),
                cost_per_customer: ratio(c[i], cu[i] as f64),
                cost_per_call: ratio(c[i], n[i] as f64),
                first_seen: iso(first[i]),
                growth_ratio: ratio(late[i] as f64, early[i] as f64),
                quadrant: match (high_adoption, high_cost) {
                    (true, false) => "invest",
                    (true, true) => "maintain",
                    (false, true) => "optimize",
                    (false, false) => "sunset",
                },
            }
        })
        .collect();
    // Feature pairs used by the same customer: each customer's features are sorted, so x < y.
    let mut together: HashMap<(&str, &str), u64> = HashMap::new();
    for customer in pairs.chunk_by(|a, b| a.customer_id == b.customer_id) {
        for (i, a) in customer.iter().enumerate() {
            for b in &customer[i + 1..] {
                *together.entry((a.feature_id.as_str(), b.feature_id.as_str())).or_default() += 1;
            }
        }
    }
    let mut together: Vec<((&str, &str), u64)> = together.into_iter().collect();
    together.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let bundles: Vec<Bundle> = together
        .into_iter()
        .map(|((x, y), n)| Bundle {
            features: (x.to_string(), y.to_string()),
            customers: n,
            pct_of_customers: pct(n as f64, all_customers as f64),
        })
        .filter(|x| x.pct_of_customers > 20.0)
        .take(10)
        .collect();
    let mut launches = Vec::new();
    for (i, feat) in f.iter().enumerate() {
        if end > start && first[i] > start + (end - start) / 10 {
            // New adopters per day: the day of each customer's first call to the feature.
            let mut days: Vec<i64> =
                pairs.iter().filter(|p| p.feature_id == *feat).map(|p| p.first_ms.div_euclid(86_400_000)).collect();
            days.sort_unstable();
            let cumulative_adopters = days.chunk_by(|a, b| a == b).scan(0u64, |acc, same| {
                *acc += same.len() as u64;
                Some((day_label(same[0]), *acc))
            });
            launches.push(Launch {
                feature: feat.clone(),
                first_seen: iso(first[i]),
                cumulative_adopters: cumulative_adopters.collect(),
            });
        }
    }
    let total: f64 = c.iter().sum();
    let summary = Summary {
        cost_usd: total,
        calls: n.iter().sum(),
        features: t.len() as u64,
        customers: all_customers,
        avg_cost_per_feature: ratio(total, t.len() as f64),
    };
    let recommendations = recommend(&summary, &by_feature, &bundles, &launches);
    Ok(Features { summary, by_feature, bundles, launches, recommendations })
}

/// The feature-economics rules.
pub fn recommend(s: &Summary, features: &[FeatureRow], bundles: &[Bundle], launches: &[Launch]) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if let Some(best) =
        features.iter().filter(|f| f.quadrant == "invest").max_by(|a, b| a.adoption_pct.total_cmp(&b.adoption_pct))
    {
        out.push(Recommendation::new(
            "invest",
            Severity::Success,
            format!(
                "`{}` reaches {:.1}% of customers at ${:.4} per call: widely used and cheap to serve.",
                best.feature, best.adoption_pct, best.cost_per_call
            ),
        ));
    }
    let optimize: Vec<&str> =
        features.iter().filter(|f| f.quadrant == "optimize").map(|f| f.feature.as_str()).collect();
    if !optimize.is_empty() {
        out.push(Recommendation::new(
            "optimize",
            Severity::Warning,
            format!(
                "Costly features with low adoption: {}; cut their cost per call or grow their use.",
                optimize.join(", ")
            ),
        ));
    }
    let top3: f64 = features.iter().take(3).map(|f| f.cost_usd).sum();
    if features.len() > 3 && pct(top3, s.cost_usd) > 80.0 {
        out.push(Recommendation::new(
            "cost_concentration",
            Severity::Info,
            format!("Three features carry {:.1}% of cost.", pct(top3, s.cost_usd)),
        ));
    }
    if let Some(b) = bundles.first() {
        out.push(Recommendation::new(
            "bundle",
            Severity::Info,
            format!(
                "{:.1}% of customers use both `{}` and `{}`: a natural bundle.",
                b.pct_of_customers, b.features.0, b.features.1
            ),
        ));
    }
    for l in launches {
        let adopters = l.cumulative_adopters.last().map_or(0, |x| x.1);
        out.push(Recommendation::new(
            "launch",
            Severity::Info,
            format!("`{}` first appeared {} and has reached {} customers.", l.feature, l.first_seen, adopters),
        ));
    }
    out
}

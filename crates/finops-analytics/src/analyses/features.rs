//! Feature Economics: what each feature costs, who uses it, where to invest, what sells together, and
//! features launched during the period with their adoption curve.
use std::collections::HashMap;

use finops_core::rules;
pub use finops_results::features::*;
use finops_results::{AnalysisId, Recommendation, Severity};

use crate::common::{
    CustomerFeature, customer_features, day_label, distinct_customers, iso, median, pair_counts, pct, ratio,
};
use crate::engine::{Dataset, Result};

/// Bundles listed.
const BUNDLES: usize = 10;

/// Adoption above `adoption_high_pct` is high, above `adoption_medium_pct` medium.
pub fn adoption_level(r: &rules::Features, adoption_pct: f64) -> AdoptionLevel {
    if adoption_pct > r.adoption_high_pct {
        AdoptionLevel::High
    } else if adoption_pct > r.adoption_medium_pct {
        AdoptionLevel::Medium
    } else {
        AdoptionLevel::Low
    }
}

/// Runs the analysis over `ds` with the thresholds of `ds.rules`.
pub fn analyze(ds: &Dataset) -> Result<Features> {
    let rules = &ds.rules.features;
    let pairs = customer_features(ds)?;
    let all_customers = distinct_customers(&pairs);
    let by_feature = feature_rows(ds, rules, &pairs, all_customers)?;
    let bundles = bundles(rules, &pairs, all_customers);
    let launches = launches(ds, rules, &pairs, &by_feature);
    let total: f64 = by_feature.iter().map(|f| f.cost_usd).sum();
    let summary = Summary {
        cost_usd: total,
        calls: by_feature.iter().map(|f| f.calls).sum(),
        features: by_feature.len() as u64,
        customers: all_customers,
        avg_cost_per_feature: ratio(total, by_feature.len() as f64),
    };
    let recommendations = recommend(rules, &summary, &by_feature, &bundles, &launches);
    Ok(Features {
        summary,
        by_feature,
        bundles,
        launches,
        recommendations,
        rules_applied: ds.rules.applied(AnalysisId::Features.as_str()),
    })
}

/// Cost, calls, adoption, growth and investment quadrant per feature, costliest first.
fn feature_rows(
    ds: &Dataset,
    rules: &rules::Features,
    pairs: &[CustomerFeature],
    all_customers: u64,
) -> Result<Vec<FeatureRow>> {
    let (start, end) = (ds.period.start_ms.unwrap_or(0), ds.period.end_ms.unwrap_or(0));
    let window = ((end - start) as f64 * rules.growth_window_share) as i64;
    let (early_end, late_start) = (start + window, end - window);
    let t = ds.sql(&format!(
        "SELECT feature_id AS f, sum(cost_usd) AS c, count(*) AS n, min(timestamp) AS first, \
         count(*) FILTER (WHERE CAST(timestamp AS BIGINT) < {early_end}) AS early, \
         count(*) FILTER (WHERE CAST(timestamp AS BIGINT) >= {late_start}) AS late \
         FROM calls GROUP BY feature_id ORDER BY c DESC, f"
    ))?;
    let (f, c, n, first, early, late) =
        (t.str("f")?, t.f64("c")?, t.u64("n")?, t.i64("first")?, t.u64("early")?, t.u64("late")?);
    let customers_of = pair_counts(pairs, |p| &p.feature_id);
    let med_cost = median(&c);
    Ok((0..t.len())
        .map(|i| {
            let customers = customers_of.get(f[i].as_str()).copied().unwrap_or(0);
            let adoption = pct(customers as f64, all_customers as f64);
            let high_adoption = adoption > rules.quadrant_adoption_pct;
            let high_cost = c[i] > med_cost;
            FeatureRow {
                feature: f[i].clone(),
                cost_usd: c[i],
                calls: n[i],
                customers,
                adoption_pct: adoption,
                adoption_level: adoption_level(rules, adoption),
                cost_per_customer: ratio(c[i], customers as f64),
                cost_per_call: ratio(c[i], n[i] as f64),
                first_seen: iso(first[i]),
                growth_ratio: ratio(late[i] as f64, early[i] as f64),
                quadrant: match (high_adoption, high_cost) {
                    (true, false) => Quadrant::Invest,
                    (true, true) => Quadrant::Maintain,
                    (false, true) => Quadrant::Optimize,
                    (false, false) => Quadrant::Sunset,
                },
            }
        })
        .collect())
}

/// Feature pairs used by a large share of the same customers, most shared first.
fn bundles(rules: &rules::Features, pairs: &[CustomerFeature], all_customers: u64) -> Vec<Bundle> {
    // Each customer's features are sorted, so x < y.
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
    together
        .into_iter()
        .map(|((x, y), n)| Bundle {
            features: (x.to_string(), y.to_string()),
            customers: n,
            pct_of_customers: pct(n as f64, all_customers as f64),
        })
        .filter(|x| x.pct_of_customers > rules.bundle_min_pct)
        .take(BUNDLES)
        .collect()
}

/// Features first used after `launch_after_share` of the period, with their adopters day by day.
fn launches(ds: &Dataset, rules: &rules::Features, pairs: &[CustomerFeature], features: &[FeatureRow]) -> Vec<Launch> {
    let (start, end) = (ds.period.start_ms.unwrap_or(0), ds.period.end_ms.unwrap_or(0));
    if end <= start {
        return Vec::new();
    }
    let launched_after = start + ((end - start) as f64 * rules.launch_after_share) as i64;
    let mut out = Vec::new();
    for feature in features {
        let first = pairs.iter().filter(|p| p.feature_id == feature.feature).map(|p| p.first_ms).min();
        if first.is_none_or(|f| f <= launched_after) {
            continue;
        }
        // New adopters per day: the day of each customer's first call to the feature.
        let mut days: Vec<i64> = pairs
            .iter()
            .filter(|p| p.feature_id == feature.feature)
            .map(|p| p.first_ms.div_euclid(86_400_000))
            .collect();
        days.sort_unstable();
        let cumulative_adopters = days.chunk_by(|a, b| a == b).scan(0u64, |acc, same| {
            *acc += same.len() as u64;
            Some((day_label(same[0]), *acc))
        });
        out.push(Launch {
            feature: feature.feature.clone(),
            first_seen: feature.first_seen.clone(),
            cumulative_adopters: cumulative_adopters.collect(),
        });
    }
    out
}

/// The feature-economics rules.
pub fn recommend(
    r: &rules::Features,
    s: &Summary,
    features: &[FeatureRow],
    bundles: &[Bundle],
    launches: &[Launch],
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    if let Some(best) = features
        .iter()
        .filter(|f| f.quadrant == Quadrant::Invest)
        .max_by(|a, b| a.adoption_pct.total_cmp(&b.adoption_pct))
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
        features.iter().filter(|f| f.quadrant == Quadrant::Optimize).map(|f| f.feature.as_str()).collect();
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
    let n = r.top_features as usize;
    let top: f64 = features.iter().take(n).map(|f| f.cost_usd).sum();
    if features.len() > n && pct(top, s.cost_usd) > r.top_features_share_pct {
        out.push(Recommendation::new(
            "cost_concentration",
            Severity::Info,
            format!("{} features carry {:.1}% of cost.", count_word(n), pct(top, s.cost_usd)),
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

/// `Three`, `Five`, `12` for the start of a sentence.
fn count_word(n: usize) -> String {
    const WORDS: [&str; 10] = ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine"];
    WORDS.get(n).map_or_else(|| n.to_string(), |w| w.to_string())
}

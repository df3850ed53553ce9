//! The key numbers recomputed independently from the CSV text (csv crate + plain Rust) and compared
//! with the engine's: calls, cost and tokens by provider, model, customer, organization and feature,
//! and p50/p95/p99 latency by model (successful standard calls, linear interpolation).
use std::collections::BTreeMap;

use finops_analytics::common::group_metrics;
use finops_analytics::{Dataset, LoadOptions};
use finops_sim::{OutputFormat, RunOptions, SimConfig, Simulator, Stop};

#[derive(Default)]
struct Acc {
    calls: u64,
    cost: f64,
    tokens: u64,
    latencies: Vec<f64>,
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let pos = p * (v.len() - 1) as f64;
    let k = pos.floor() as usize;
    if k + 1 < v.len() { v[k] + (v[k + 1] - v[k]) * (pos - k as f64) } else { v[k] }
}

/// `calls` simulated calls from `customers` customers as a CSV file (in a folder that must outlive its use).
fn simulated_csv(seed: u64, customers: u32, calls: u64) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calls.csv");
    Simulator::new(SimConfig { seed, customers, ..SimConfig::default() })
        .unwrap()
        .write_file(&path, OutputFormat::Csv, Stop::Calls(calls), &RunOptions::default())
        .unwrap();
    (dir, path)
}

/// A dataset of 40,000 simulated calls from 150 customers (the folder must outlive the dataset's use).
fn simulated(seed: u64) -> (tempfile::TempDir, Dataset) {
    let (dir, path) = simulated_csv(seed, 150, 40_000);
    let ds = Dataset::open(&[path], LoadOptions::default()).unwrap();
    (dir, ds)
}

#[test]
fn engine_numbers_match_an_independent_computation() {
    let (_dir, path) = simulated_csv(17, 200, 60_000);
    let mut by: BTreeMap<(&str, String), Acc> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (prov, model, cust, org, feat) =
        (col("provider"), col("model"), col("customer_id"), col("organization_id"), col("feature_id"));
    let (cost, tokens, lat, status, tier) =
        (col("cost_usd"), col("total_tokens"), col("latency_ms"), col("status"), col("service_tier"));
    for rec in reader.records() {
        let r = rec.unwrap();
        let keys = [
            ("provider", r[prov].to_string()),
            ("model", format!("{}|{}", &r[prov], &r[model])),
            ("customer", r[cust].to_string()),
            ("organization", r[org].to_string()),
            ("feature", r[feat].to_string()),
        ];
        for k in keys {
            let a = by.entry(k).or_default();
            a.calls += 1;
            a.cost += r[cost].parse::<f64>().unwrap();
            a.tokens += r[tokens].parse::<u64>().unwrap();
            if &r[status] == "success" && &r[tier] == "standard" {
                a.latencies.push(r[lat].parse().unwrap());
            }
        }
    }
    let ds = Dataset::open(&[path], LoadOptions::default()).unwrap();
    let dims: [(&str, &[&str]); 5] = [
        ("provider", &["provider"]),
        ("model", &["provider", "model"]),
        ("customer", &["customer_id"]),
        ("organization", &["organization_id"]),
        ("feature", &["feature_id"]),
    ];
    for (name, cols) in dims {
        let groups = group_metrics(&ds, cols, "true").unwrap();
        let expected = by.iter().filter(|((d, _), _)| *d == name).count();
        assert_eq!(groups.len(), expected, "{name}: group count");
        for g in groups {
            let key = g.key.join("|");
            let a = &by[&(name, key.clone())];
            assert_eq!(g.metrics.calls, a.calls, "{name} {key} calls");
            assert_eq!(g.metrics.total_tokens, a.tokens, "{name} {key} tokens");
            assert!(
                (g.metrics.cost_usd - a.cost).abs() <= 1e-9 * a.cost.abs().max(1e-12),
                "{name} {key} cost {} vs {}",
                g.metrics.cost_usd,
                a.cost
            );
        }
    }
    let ok = "status = 'success' AND service_tier = 'standard'";
    for g in group_metrics(&ds, &["provider", "model"], ok).unwrap() {
        let mut l = by[&("model", g.key.join("|"))].latencies.clone();
        for (p, got) in
            [(0.5, g.metrics.p50_latency_ms), (0.95, g.metrics.p95_latency_ms), (0.99, g.metrics.p99_latency_ms)]
        {
            let want = pct(&mut l, p);
            assert!((got - want).abs() <= 1e-6 * want.max(1.0), "{:?} p{p}: engine {got}, independent {want}", g.key);
        }
    }
}

/// The breakdowns summed up from the shared cube equal the same breakdowns queried directly (a
/// filter written differently takes the query path).
#[test]
fn cube_rollups_equal_direct_queries() {
    use finops_analytics::common::{LATENCY_SAMPLE, MODEL};
    let (_dir, ds) = simulated(5);
    let sample_query = format!("({LATENCY_SAMPLE})");
    let cases: [(&[&str], &str, &str); 10] = [
        (&[], "true", "1 = 1"),
        (&["provider"], "true", "1 = 1"),
        (&["provider", "model"], "true", "1 = 1"),
        (&["organization_id", "product_id"], "true", "1 = 1"),
        (&["region", "provider"], "true", "1 = 1"),
        (&["feature_id"], "true", "1 = 1"),
        (&[], LATENCY_SAMPLE, &sample_query),
        (&[MODEL], LATENCY_SAMPLE, &sample_query),
        (&["region", MODEL], LATENCY_SAMPLE, &sample_query),
        (&["feature_id", MODEL], LATENCY_SAMPLE, &sample_query),
    ];
    for (dims, cube_filter, query_filter) in cases {
        let mut a = group_metrics(&ds, dims, cube_filter).unwrap();
        let mut b = group_metrics(&ds, dims, query_filter).unwrap();
        a.sort_by(|x, y| x.key.cmp(&y.key));
        b.sort_by(|x, y| x.key.cmp(&y.key));
        assert_eq!(a.len(), b.len(), "{dims:?} {cube_filter}");
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.key, y.key, "{dims:?}");
            let (m, n) = (&x.metrics, &y.metrics);
            assert_eq!(
                (m.calls, m.input_tokens, m.output_tokens, m.total_tokens, m.cached_input_tokens, m.errors),
                (n.calls, n.input_tokens, n.output_tokens, n.total_tokens, n.cached_input_tokens, n.errors),
                "{dims:?} {:?}",
                x.key
            );
            assert!((m.cost_usd - n.cost_usd).abs() <= 1e-9 * n.cost_usd.abs().max(1.0), "{dims:?} {:?}", x.key);
            assert_eq!(
                (m.p50_latency_ms, m.p95_latency_ms, m.p99_latency_ms),
                (n.p50_latency_ms, n.p95_latency_ms, n.p99_latency_ms)
            );
            assert!((m.avg_latency_ms - n.avg_latency_ms).abs() < 1e-9);
        }
    }
}

/// Feature Economics derives customers per feature, bundles and launch adoption curves from the shared
/// (customer, feature) pairs, and Churn & Growth the features per customer; the same numbers straight
/// from SQL (count(DISTINCT …), a self-join) must agree, over data with a feature launched mid-period.
#[test]
fn pair_based_feature_numbers_equal_direct_queries() {
    use finops_analytics::analyses::features;
    use finops_analytics::common::customers;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("launch.csv");
    let program = finops_sim::Program::sequence(vec![finops_sim::scenario::find("feature_launch").unwrap()]);
    let hours = program.cycle_hours;
    Simulator::new(SimConfig { seed: 8, customers: 300, organizations: 20, program, ..SimConfig::default() })
        .unwrap()
        .write_file(&path, OutputFormat::Csv, Stop::Hours(hours), &RunOptions::default())
        .unwrap();
    let ds = Dataset::open(&[path], LoadOptions::default()).unwrap();
    let f = features::analyze(&ds).unwrap();

    let t = ds.sql("SELECT feature_id AS f, count(DISTINCT customer_id) AS cu FROM calls GROUP BY feature_id").unwrap();
    let direct: BTreeMap<String, u64> = t.str("f").unwrap().into_iter().zip(t.u64("cu").unwrap()).collect();
    assert_eq!(f.by_feature.len(), direct.len());
    for row in &f.by_feature {
        assert_eq!(row.customers, direct[&row.feature], "{}", row.feature);
    }
    let all = ds.sql("SELECT count(DISTINCT customer_id) AS n FROM calls").unwrap().u64("n").unwrap()[0];
    assert_eq!(f.summary.customers, all);

    let b = ds
        .sql(
            "WITH cf AS (SELECT DISTINCT customer_id, feature_id FROM calls) \
             SELECT a.feature_id AS x, b.feature_id AS y, count(*) AS n FROM cf a JOIN cf b \
             ON a.customer_id = b.customer_id AND a.feature_id < b.feature_id GROUP BY x, y ORDER BY n DESC, x, y",
        )
        .unwrap();
    let want: Vec<((String, String), u64)> = b
        .str("x")
        .unwrap()
        .into_iter()
        .zip(b.str("y").unwrap())
        .zip(b.u64("n").unwrap())
        .filter(|(_, n)| *n as f64 * 100.0 / all as f64 > 20.0)
        .take(10)
        .collect();
    let got: Vec<((String, String), u64)> = f.bundles.iter().map(|x| (x.features.clone(), x.customers)).collect();
    assert_eq!(got, want);

    assert!(!f.launches.is_empty(), "the launched feature is found");
    for launch in &f.launches {
        let a = ds
            .sql(&format!(
                "WITH firsts AS (SELECT customer_id, min(timestamp) AS t FROM calls WHERE feature_id = '{}' GROUP BY customer_id) \
                 SELECT CAST(t AS BIGINT) / 86400000 AS d, count(*) AS n FROM firsts GROUP BY d ORDER BY d",
                launch.feature
            ))
            .unwrap();
        let mut acc = 0;
        let want: Vec<u64> = a
            .u64("n")
            .unwrap()
            .into_iter()
            .map(|n| {
                acc += n;
                acc
            })
            .collect();
        let got: Vec<u64> = launch.cumulative_adopters.iter().map(|(_, n)| *n).collect();
        assert_eq!(got, want, "{}", launch.feature);
    }

    let c = ds.sql("SELECT customer_id AS c, count(DISTINCT feature_id) AS n FROM calls GROUP BY customer_id").unwrap();
    let direct: BTreeMap<String, u64> = c.str("c").unwrap().into_iter().zip(c.u64("n").unwrap()).collect();
    let rows = customers(&ds).unwrap();
    assert_eq!(rows.len(), direct.len());
    for r in rows.iter() {
        assert_eq!(r.features, direct[&r.customer_id], "{}", r.customer_id);
    }
}

/// The overview's nine distributions (five rolled up from the cube, four from one scan over the other
/// columns) and the shared daily series equal plain GROUP BY queries, one per dimension.
#[test]
fn overview_distributions_and_daily_series_equal_direct_queries() {
    use finops_analytics::analyses::{churn_growth, dataset_overview};
    let (_dir, ds) = simulated(23);
    let o = dataset_overview::analyze(&ds).unwrap();
    assert_eq!(o.distributions.len(), 9);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-12);
    for d in &o.distributions {
        let col = match d.dimension.as_str() {
            "feature" => "feature_id",
            "product" => "product_id",
            other => other,
        };
        let t = ds
            .sql(&format!(
                "SELECT {col} AS k, count(*) AS n, sum(cost_usd) AS c, \
                 avg(latency_ms) FILTER (WHERE status = 'success' AND service_tier = 'standard') AS l \
                 FROM calls GROUP BY k ORDER BY n DESC, k"
            ))
            .unwrap();
        let (k, n, c, l) = (t.str("k").unwrap(), t.u64("n").unwrap(), t.f64("c").unwrap(), t.f64("l").unwrap());
        assert_eq!(d.values.iter().map(|v| v.value.clone()).collect::<Vec<_>>(), k, "{}", d.dimension);
        for (i, v) in d.values.iter().enumerate() {
            assert_eq!(v.calls, n[i], "{} {}", d.dimension, v.value);
            assert!(close(v.cost_usd, c[i]), "{} {} cost {} vs {}", d.dimension, v.value, v.cost_usd, c[i]);
            assert!(
                close(v.avg_latency_ms, l[i]),
                "{} {} latency {} vs {}",
                d.dimension,
                v.value,
                v.avg_latency_ms,
                l[i]
            );
        }
    }
    let t = ds
        .sql(
            "SELECT CAST(timestamp AS BIGINT) / 86400000 AS d, count(*) AS n, sum(cost_usd) AS c, \
             count(DISTINCT customer_id) AS a FROM calls GROUP BY d ORDER BY d",
        )
        .unwrap();
    let (n, c, a) = (t.u64("n").unwrap(), t.f64("c").unwrap(), t.u64("a").unwrap());
    assert_eq!(o.temporal.daily.len(), t.len());
    for (i, day) in o.temporal.daily.iter().enumerate() {
        assert_eq!(day.calls, n[i], "{}", day.date);
        assert!(close(day.cost_usd, c[i]), "{}", day.date);
    }
    let churn = churn_growth::analyze(&ds).unwrap();
    assert_eq!(churn.daily.iter().map(|d| d.active_customers).collect::<Vec<_>>(), a);

    // The scale counts, read off the cube's dictionaries and the (customer, feature) pairs.
    let t = ds
        .sql(
            "SELECT count(DISTINCT customer_id) AS c, count(DISTINCT organization_id) AS o, count(DISTINCT product_id) AS p, \
             count(DISTINCT feature_id) AS f, count(DISTINCT provider) AS pr, \
             (SELECT count(*) FROM (SELECT DISTINCT provider, model FROM calls)) AS m FROM calls",
        )
        .unwrap();
    let one = |name: &str| t.u64(name).unwrap()[0];
    let s = &o.scale;
    assert_eq!(
        [s.customers, s.organizations, s.products, s.features, s.providers, s.models],
        [one("c"), one("o"), one("p"), one("f"), one("pr"), one("m")]
    );
}

/// Numbers summed up from other analyses' shared results instead of scans of their own equal the
/// plain queries they replaced: organizations' totals and distinct counts, daily cost per customer (for
/// cost spikes), the latency bands and the time-to-first-token figures of Performance and Geographic
/// Latency.
#[test]
fn derived_totals_equal_direct_queries() {
    use finops_analytics::analyses::abuse_detection::cost_spikes;
    use finops_analytics::analyses::{geographic_latency, performance};
    use finops_analytics::common::{day_label, organizations};
    let (_dir, ds) = simulated(31);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1e-12);

    let t = ds
        .sql(
            "SELECT organization_id, sum(cost_usd) AS c, count(*) AS n, count(DISTINCT customer_id) AS cu, \
             count(DISTINCT product_id) AS p, count(DISTINCT feature_id) AS f FROM calls \
             GROUP BY organization_id ORDER BY c DESC, organization_id",
        )
        .unwrap();
    let orgs = organizations(&ds).unwrap();
    assert_eq!(orgs.iter().map(|o| o.organization_id.clone()).collect::<Vec<_>>(), t.str("organization_id").unwrap());
    let (c, n, cu, p, f) =
        (t.f64("c").unwrap(), t.u64("n").unwrap(), t.u64("cu").unwrap(), t.u64("p").unwrap(), t.u64("f").unwrap());
    for (i, o) in orgs.iter().enumerate() {
        assert!(close(o.cost_usd, c[i]), "{}", o.organization_id);
        assert_eq!([o.calls, o.customers, o.products, o.features], [n[i], cu[i], p[i], f[i]], "{}", o.organization_id);
    }

    // Cost spikes under thresholds low enough to flag many days, against the same rule applied to a
    // direct (customer, day) query.
    let mut rules = ds.rules.abuse_detection.clone();
    (rules.cost_spike_ratio, rules.cost_spike_min_usd, rules.cost_spike_min_days) = (1.3, 0.0, 2);
    let t = ds
        .sql(
            "SELECT customer_id AS k, CAST(timestamp AS BIGINT) / 86400000 AS d, sum(cost_usd) AS c FROM calls \
             GROUP BY k, d ORDER BY k, d",
        )
        .unwrap();
    let (k, d, c) = (t.str("k").unwrap(), t.i64("d").unwrap(), t.f64("c").unwrap());
    let mut want: Vec<(String, String, f64)> = Vec::new();
    let mut i = 0;
    while i < k.len() {
        let j = (i..k.len()).find(|&x| k[x] != k[i]).unwrap_or(k.len());
        if j - i >= 2 {
            let mut days = c[i..j].to_vec();
            let med = pct(&mut days, 0.5);
            want.extend((i..j).filter(|&x| c[x] > 1.3 * med).map(|x| (k[x].clone(), day_label(d[x]), c[x])));
        }
        i = j;
    }
    let mut got: Vec<(String, String, f64)> =
        cost_spikes::detect(&ds, &rules).unwrap().into_iter().map(|f| (f.customer_id, f.when, f.value)).collect();
    want.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    got.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert!(want.len() > 10, "enough spikes to compare: {}", want.len());
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((&g.0, &g.1), (&w.0, &w.1));
        assert!(close(g.2, w.2), "{g:?} vs {w:?}");
    }

    let perf = performance::analyze(&ds).unwrap();
    let sample = "status = 'success' AND service_tier = 'standard'";
    let bands = ds
        .sql(&format!(
            "SELECT count(*) FILTER (WHERE latency_ms < 1000) AS b0, \
             count(*) FILTER (WHERE latency_ms >= 1000 AND latency_ms < 2000) AS b1, \
             count(*) FILTER (WHERE latency_ms >= 2000 AND latency_ms < 5000) AS b2, \
             count(*) FILTER (WHERE latency_ms >= 5000 AND latency_ms < 10000) AS b3, \
             count(*) FILTER (WHERE latency_ms >= 10000 AND latency_ms < 30000) AS b4, \
             count(*) FILTER (WHERE latency_ms >= 30000) AS b5 FROM calls WHERE {sample}"
        ))
        .unwrap();
    let want: Vec<u64> = (0..6).map(|b| bands.u64(&format!("b{b}")).unwrap()[0]).collect();
    assert_eq!(perf.latency_buckets.iter().map(|b| b.calls).collect::<Vec<_>>(), want);
    assert!(want.iter().filter(|n| **n > 0).count() >= 3, "several bands are used: {want:?}");

    // Time to first token per model and per region, and over all, from the calls directly.
    let t = ds
        .sql(&format!(
            "SELECT provider AS p, model AS m, region AS r, time_to_first_token_ms AS t FROM calls \
             WHERE {sample} AND time_to_first_token_ms > 0"
        ))
        .unwrap();
    let (tp, tm, tr, tt) = (t.str("p").unwrap(), t.str("m").unwrap(), t.str("r").unwrap(), t.f64("t").unwrap());
    let mut by_model: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let mut by_region: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for i in 0..t.len() {
        by_model.entry((tp[i].clone(), tm[i].clone())).or_default().push(tt[i]);
        by_region.entry(tr[i].clone()).or_default().push(tt[i]);
    }
    let mut all = tt.clone();
    assert!(all.len() > 1000);
    assert!(
        close(perf.summary.ttft_p50_ms, pct(&mut all, 0.5)) && close(perf.summary.ttft_p95_ms, pct(&mut all, 0.95))
    );
    let sla = perf.sla.ttft_threshold_ms;
    assert_eq!(perf.sla.calls, tt.len() as u64);
    let within = tt.iter().filter(|x| **x <= sla).count() as f64;
    assert!(close(perf.sla.compliant_pct, within * 100.0 / tt.len() as f64));
    for row in &perf.by_model {
        if let Some(v) = by_model.get_mut(&(row.provider.clone(), row.model.clone())) {
            assert!(close(row.ttft_p50_ms, pct(v, 0.5)), "{}/{}", row.provider, row.model);
        }
    }
    let geo = geographic_latency::analyze(&ds).unwrap();
    assert!(!geo.by_region.is_empty());
    for row in &geo.by_region {
        assert!(close(row.ttft_p50_ms, pct(by_region.get_mut(&row.region).unwrap(), 0.5)), "{}", row.region);
    }
}

/// Time keys: one truncating division when the data starts in 1970 or later, the floor division when
/// it does not (a call at 23:30 on 1969-12-31 is on day -1, hour 23).
#[test]
fn time_keys_floor_before_1970() {
    use finops_analytics::common::{hour_of_day_sql, periods_sql};
    let dir = tempfile::tempdir().unwrap();
    let keys = |rows: &str| -> Vec<(i64, i64, i64)> {
        let path = dir.path().join("calls.csv");
        std::fs::write(&path, format!("timestamp,provider,model,input_tokens,output_tokens,cost_usd\n{rows}")).unwrap();
        let ds = Dataset::open(&[path], LoadOptions::default()).unwrap();
        let t = ds
            .sql(&format!(
                "SELECT {} AS d, {} AS m, {} AS h FROM calls ORDER BY timestamp",
                periods_sql(&ds, 86_400_000),
                periods_sql(&ds, 600_000),
                hour_of_day_sql(&ds)
            ))
            .unwrap();
        let (d, m, h) = (t.i64("d").unwrap(), t.i64("m").unwrap(), t.i64("h").unwrap());
        (0..t.len()).map(|i| (d[i], m[i], h[i])).collect()
    };
    let before = keys(
        "1969-12-31T23:30:00Z,openai,gpt-4o,10,10,0.01\n1970-01-01T00:30:00Z,openai,gpt-4o,10,10,0.01\n\
         1970-01-02T05:05:00Z,openai,gpt-4o,10,10,0.01\n",
    );
    assert_eq!(before, [(-1, -3, 23), (0, 3, 0), (1, 174, 5)]);
    let after = keys("1970-01-01T00:30:00Z,openai,gpt-4o,10,10,0.01\n1970-01-02T05:05:00Z,openai,gpt-4o,10,10,0.01\n");
    assert_eq!(after, [(0, 3, 0), (1, 174, 5)]);
}

/// Performance's hourly series (the engine collects each hour's latencies as a list and orders the
/// hours itself) equals per-hour p50 and p95 of the successful standard calls read from the CSV, hour
/// by hour in time order.
#[test]
fn hourly_latency_series_matches_an_independent_computation() {
    let (_dir, path) = simulated_csv(23, 120, 30_000);
    let mut by_hour: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (ts, lat, status, tier) = (col("timestamp"), col("latency_ms"), col("status"), col("service_tier"));
    for rec in reader.records() {
        let r = rec.unwrap();
        if &r[status] == "success" && &r[tier] == "standard" {
            let t = chrono::DateTime::parse_from_rfc3339(&r[ts]).unwrap().with_timezone(&chrono::Utc);
            let hour = t.format("%Y-%m-%dT%H:00:00Z").to_string();
            by_hour.entry(hour).or_default().push(r[lat].parse().unwrap());
        }
    }
    let ds = Dataset::open(&[path], LoadOptions::default()).unwrap();
    let got = finops_analytics::analyses::performance::analyze(&ds).unwrap().hourly;
    assert!(by_hour.len() > 24, "{} hours", by_hour.len());
    assert_eq!(got.len(), by_hour.len());
    for (point, (hour, latencies)) in got.iter().zip(by_hour.iter_mut()) {
        assert_eq!(&point.hour, hour);
        assert_eq!(point.calls, latencies.len() as u64, "{hour}");
        for (p, value) in [(0.5, point.p50_ms), (0.95, point.p95_ms)] {
            let want = pct(latencies, p);
            assert!((value - want).abs() <= 1e-9 * want.max(1.0), "{hour} p{p}: engine {value}, independent {want}");
        }
    }
}

#[test]
fn minute_bursts_equal_a_direct_count_of_every_minute() {
    use finops_analytics::analyses::abuse_detection::minute_bursts;
    use finops_analytics::common::minute_label;
    let (_dir, mut ds) = simulated(31);
    // A limit low enough that many customer-minutes exceed it.
    let mut r = ds.rules.abuse_detection.clone();
    r.burst_calls_per_minute = 2;
    let t = ds
        .sql(
            "SELECT customer_id, CAST(timestamp AS BIGINT) / 60000 AS m, count(*) AS n FROM calls \
             GROUP BY customer_id, m HAVING count(*) > 2 ORDER BY n DESC, m, customer_id",
        )
        .unwrap();
    let want: Vec<(String, String, f64)> = t
        .str("customer_id")
        .unwrap()
        .into_iter()
        .zip(t.i64("m").unwrap().into_iter().map(minute_label))
        .zip(t.u64("n").unwrap())
        .map(|((c, m), n)| (c, m, n as f64))
        .collect();
    assert!(want.len() >= 20, "{} customer-minutes over the limit", want.len());
    let got = |ds: &Dataset| -> Vec<(String, String, f64)> {
        minute_bursts::detect(ds, &r).unwrap().into_iter().map(|f| (f.customer_id, f.when, f.value)).collect()
    };
    // The calls of the busy (customer, 10-minute bin) pairs, matched by their key_hash.
    assert_eq!(got(&ds), want);
    // Incident bins that are not whole minutes (7.5): the calls of the customers with a busy hour.
    let mut rules = (*ds.rules).clone();
    rules.realtime.incident_bin_minutes = 7;
    ds.rules = std::sync::Arc::new(rules);
    assert_eq!(got(&ds), want);
}

//! The layout of each report: headline cards, then sections with charts and tables built from the
//! analysis JSON. Fields a layout does not place get a generic section, so every computed field shows.
use serde_json::Value;

use crate::format::{Unit, compact, int, ms, pct, usd};
use crate::page::{Card, Section, at, list, num, table, text};
use crate::svg::{self, Point, Series};

/// Cards and sections of report `id`.
pub fn layout(id: &str, v: &Value) -> (Vec<Card>, Vec<Section>) {
    match id {
        "dataset_overview" => dataset_overview(v),
        "understanding" => understanding(v),
        "performance" => performance(v),
        "realtime" => realtime(v),
        "optimization" => optimization(v),
        "alignment" => alignment(v),
        "profitability" => profitability(v),
        "pricing" => pricing(v),
        "features" => features(v),
        "token_economics" => token_economics(v),
        "geographic_latency" => geographic(v),
        "churn_growth" => churn_growth(v),
        "abuse_detection" => abuse(v),
        _ => (Vec::new(), Vec::new()),
    }
}

fn strs(items: &[Value], key: &str) -> Vec<String> {
    items.iter().map(|i| key_text(at(i, key))).collect()
}

fn nums(items: &[Value], key: &str) -> Vec<f64> {
    items.iter().map(|i| num(i, key)).collect()
}

/// A group key (`["openai", "gpt-4.1"]` → `openai/gpt-4.1`) or plain text.
fn key_text(v: &Value) -> String {
    match v {
        Value::Array(parts) => parts.iter().map(|p| p.as_str().unwrap_or_default()).collect::<Vec<_>>().join("/"),
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `2026-09-01T05:00:00Z` → `09-01 05:00`, for hourly axes.
fn short_hour(label: &str) -> String {
    match (label.get(5..10), label.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t}"),
        _ => label.to_string(),
    }
}

fn pairs(v: &Value, path: &str) -> Vec<(String, f64)> {
    list(v, path).iter().filter_map(|p| Some((key_text(p.get(0)?), p.get(1)?.as_f64()?))).collect()
}

fn top(items: &[Value], n: usize) -> &[Value] {
    &items[..items.len().min(n)]
}

fn daily_chart(title: &str, days: &[Value], date_key: &str, series: &[(&str, &str)], unit: Unit, y: &str) -> String {
    let labels = strs(days, date_key);
    let s: Vec<Series> = series.iter().map(|(name, key)| Series::new(*name, nums(days, key))).collect();
    svg::line(title, &labels, &s, unit, "day (UTC)", y)
}

fn dataset_overview(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let cards = vec![
        Card::new("Calls", int(num(v, "summary.calls"))),
        Card::new("Total cost", usd(num(v, "summary.cost_usd"))),
        Card::new("Tokens", compact(num(v, "summary.total_tokens"))),
        Card::new("Avg cost / call", usd(num(v, "summary.avg_cost_per_call"))),
        Card::new("Avg tokens / call", int(num(v, "summary.avg_tokens_per_call"))),
        Card::new("p50 latency", ms(num(v, "summary.p50_latency_ms"))).note("successful standard-tier calls"),
        Card::new("Success rate", pct(num(v, "quality.success_pct"))),
        Card::new("Period", text(v, "temporal.description")),
    ];
    let mut sections = Vec::new();
    let days = list(v, "temporal.daily");
    sections.push(
        Section::new("temporal", "Period and daily volume")
            .intro(format!("From {} to {}.", text(v, "temporal.start"), text(v, "temporal.end")))
            .chart(daily_chart("Calls per day", days, "date", &[("calls", "calls")], Unit::Count, "calls"))
            .chart(daily_chart("Cost per day", days, "date", &[("cost", "cost_usd")], Unit::Usd, "cost (USD)"))
            .table(table(days, &["date", "calls", "cost_usd"], 60)),
    );
    let mut dist = Section::new("distributions", "Distributions");
    for d in list(v, "distributions") {
        let name = text(d, "dimension");
        let values = list(d, "values");
        let items: Vec<(String, f64)> = values.iter().map(|x| (text(x, "value"), num(x, "calls"))).collect();
        let chart = if values.len() > 8 {
            let t = top(values, 15);
            svg::hbars(
                &format!("Calls by {name} (top {})", t.len()),
                &strs(t, "value"),
                &[Series::new("calls", nums(t, "calls"))],
                Unit::Count,
                "calls",
            )
        } else if name == "provider" {
            svg::bars(
                "Calls by provider",
                &strs(values, "value"),
                &[Series::new("calls", nums(values, "calls"))],
                Unit::Count,
                "provider",
                "calls",
            )
        } else {
            svg::donut(&format!("Calls by {name}"), &items, Unit::Count)
        };
        dist = dist.chart(chart).table(table(
            values,
            &["value", "calls", "pct_calls", "cost_usd", "pct_cost", "avg_latency_ms"],
            15,
        ));
    }
    sections.push(dist);
    sections.push(Section::new("quality", "Data quality").facts(crate::page::facts_of(at(v, "quality"))).table(table(
        list(v, "quality.by_status"),
        &[],
        20,
    )));
    sections.push(Section::new("load", "Files read").facts(crate::page::facts_of(at(v, "load"))).table(table(
        list(v, "load.files"),
        &["path", "format", "bytes", "rows", "bad_rows", "defaulted_columns"],
        50,
    )));
    (cards, sections)
}

fn understanding(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let cards = vec![
        Card::new("Calls", int(num(v, "summary.calls"))),
        Card::new("Total cost", usd(num(v, "summary.cost_usd"))),
        Card::new("Tokens", compact(num(v, "summary.total_tokens"))),
        Card::new("Customers", int(num(v, "summary.customers"))),
        Card::new("Avg cost per day", usd(num(v, "summary.avg_daily_cost"))),
        Card::new("30-day forecast", usd(num(v, "forecast.trend_30d"))).note(format!(
            "{} to {}",
            usd(num(v, "forecast.trend_30d_low")),
            usd(num(v, "forecast.trend_30d_high"))
        )),
    ];
    let days = list(v, "daily");
    let mut labels = strs(days, "date");
    let mut actual = nums(days, "cost_usd");
    let forecast: Vec<f64> = list(v, "forecast.daily").iter().filter_map(Value::as_f64).collect();
    let mut projected = vec![f64::NAN; actual.len()];
    if let Some(last) = actual.last() {
        *projected.last_mut().unwrap_or(&mut 0.0) = *last;
    }
    for (i, f) in forecast.iter().enumerate() {
        labels.push(format!("+{}d", i + 1));
        actual.push(f64::NAN);
        projected.push(*f);
    }
    let trend = svg::line(
        "Daily cost and 30-day forecast",
        &labels,
        &[Series::new("actual", actual), Series::new("forecast", projected).dashed()],
        Unit::Usd,
        "day (UTC)",
        "cost (USD)",
    );
    let providers = list(v, "by_provider");
    let models = list(v, "by_model");
    let sections = vec![
        Section::new("daily", "Daily cost trend").chart(trend).table(table(days, &["date", "calls", "cost_usd"], 60)),
        Section::new("forecast", "Forecast")
            .intro("Least-squares trend over the daily costs with day-of-week factors, extrapolated once 14 days are known (before that: the weekday-adjusted level); low and high bound an 80% interval from the residual spread. The run rate is the average day x 30.")
            .facts(crate::page::facts_of(at(v, "forecast"))),
        Section::new("by_provider", "Cost by provider")
            .chart(svg::donut("Cost share by provider", &strs(providers, "key").into_iter().zip(nums(providers, "cost_usd")).collect::<Vec<_>>(), Unit::Usd))
            .table(table(providers, &["key", "calls", "cost_usd", "total_tokens", "avg_cost_per_call", "cost_per_1k_tokens", "error_rate_pct"], 20)),
        Section::new("by_model", "Cost by model")
            .chart(svg::hbars("Top models by cost", &strs(top(models, 15), "key"), &[Series::new("cost", nums(top(models, 15), "cost_usd"))], Unit::Usd, "cost (USD)"))
            .table(table(models, &["key", "calls", "cost_usd", "cost_per_1k_tokens", "avg_cost_per_call", "p50_latency_ms", "p95_latency_ms"], 25)),
        Section::new("by_feature", "Cost by feature")
            .chart(svg::bars("Cost by feature", &strs(list(v, "by_feature"), "key"), &[Series::new("cost", nums(list(v, "by_feature"), "cost_usd"))], Unit::Usd, "feature", "cost (USD)"))
            .table(table(list(v, "by_feature"), &["key", "calls", "cost_usd", "avg_cost_per_call", "avg_tokens_per_call"], 20)),
        Section::new("by_organization", "Cost by organization")
            .chart(svg::hbars("Top organizations by cost", &strs(top(list(v, "by_organization"), 15), "organization_id"), &[Series::new("cost", nums(top(list(v, "by_organization"), 15), "cost_usd"))], Unit::Usd, "cost (USD)"))
            .table(table(list(v, "by_organization"), &[], 25)),
        Section::new("top_spenders", "Top spenders").table(table(list(v, "top_spenders"), &[], 10)),
        Section::new("by_customer", "Cost by customer").table(table(list(v, "by_customer"), &[], 25)),
    ];
    (cards, sections)
}

fn performance(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let cards = vec![
        Card::new("Successful standard calls", int(num(v, "summary.calls"))),
        Card::new("p50 latency", ms(num(v, "summary.p50_latency_ms"))),
        Card::new("p95 latency", ms(num(v, "summary.p95_latency_ms"))),
        Card::new("p99 latency", ms(num(v, "summary.p99_latency_ms"))),
        Card::new("Time to first token p50", ms(num(v, "summary.ttft_p50_ms"))),
        Card::new("Throughput", format!("{:.0} tokens/s", num(v, "summary.throughput_tokens_per_s"))),
        Card::new("SLA compliance", pct(num(v, "sla.compliant_pct")))
            .note(format!("first token within {}", ms(num(v, "sla.ttft_threshold_ms")))),
    ];
    let models = list(v, "by_model");
    let busiest: Vec<Value> = {
        let mut m = models.to_vec();
        m.sort_by(|a, b| num(b, "calls").total_cmp(&num(a, "calls")));
        m.truncate(12);
        m
    };
    let labels: Vec<String> = busiest.iter().map(|m| format!("{}/{}", text(m, "provider"), text(m, "model"))).collect();
    let points: Vec<Point> = models
        .iter()
        .filter(|m| num(m, "calls") >= 20.0)
        .map(|m| Point {
            label: format!("{}/{}", text(m, "provider"), text(m, "model")),
            x: num(m, "cost_per_1k_tokens"),
            y: num(m, "p50_latency_ms"),
            group: 0,
        })
        .collect();
    let hourly = list(v, "hourly");
    let sections = vec![
        Section::new("by_model", "Latency by model")
            .chart(svg::hbars(
                "p50 and p95 latency, busiest models",
                &labels,
                &[
                    Series::new("p50", nums(&busiest, "p50_latency_ms")),
                    Series::new("p95", nums(&busiest, "p95_latency_ms")),
                ],
                Unit::Ms,
                "latency",
            ))
            .chart(svg::scatter(
                "Cost against speed (one point per model)",
                &points,
                &["model"],
                (Unit::Usd, "cost per 1K tokens (USD)"),
                (Unit::Ms, "p50 latency"),
            ))
            .table(table(
                models,
                &[
                    "provider",
                    "model",
                    "calls",
                    "p50_latency_ms",
                    "p95_latency_ms",
                    "p99_latency_ms",
                    "ttft_p50_ms",
                    "throughput_tokens_per_s",
                    "sla_pct",
                    "cost_per_1k_tokens",
                    "efficiency_score",
                ],
                50,
            )),
        Section::new("hourly", "Latency over time")
            .chart(svg::line(
                "Hourly p50 and p95 latency",
                &strs(hourly, "hour").iter().map(|h| short_hour(h)).collect::<Vec<_>>(),
                &[Series::new("p50", nums(hourly, "p50_ms")), Series::new("p95", nums(hourly, "p95_ms"))],
                Unit::Ms,
                "hour (UTC)",
                "latency",
            ))
            .table(table(hourly, &[], 24)),
        Section::new("latency_buckets", "Latency distribution")
            .chart(svg::bars(
                "Calls by latency band",
                &strs(list(v, "latency_buckets"), "label"),
                &[Series::new("calls", nums(list(v, "latency_buckets"), "calls"))],
                Unit::Count,
                "latency band",
                "calls",
            ))
            .table(table(list(v, "latency_buckets"), &[], 10)),
        Section::new("sla", "SLA").facts(crate::page::facts_of(at(v, "sla"))),
        Section::new("by_task", "Best model per task").table(table(list(v, "by_task"), &[], 20)),
    ];
    (cards, sections)
}

fn realtime(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let cards = vec![
        Card::new("Calls", int(num(v, "summary.calls"))),
        Card::new("Cost anomalies", int(num(v, "summary.anomalies")))
            .note(format!("{} above baseline", usd(num(v, "summary.anomalous_cost_usd")))),
        Card::new("Customers at risk", int(num(v, "summary.customers_at_risk"))),
        Card::new("Revenue at risk", usd(num(v, "summary.revenue_at_risk_usd"))),
        Card::new("Health score", pct(num(v, "summary.health_score_pct"))),
        Card::new("Provider concentration (HHI)", int(num(v, "provider_concentration.hhi"))),
    ];
    // Anomalies per hour, from the anomaly list itself.
    let mut per_hour: std::collections::BTreeMap<String, f64> = std::collections::BTreeMap::new();
    for a in list(v, "cost_anomalies") {
        *per_hour.entry(text(a, "hour")).or_default() += 1.0;
    }
    let (hours, counts): (Vec<String>, Vec<f64>) = per_hour.into_iter().map(|(h, n)| (short_hour(&h), n)).unzip();
    let risk = pairs(v, "risk_levels");
    let sections = vec![
        Section::new("cost_anomalies", "Cost anomalies")
            .intro("An hour is anomalous when its cost is far above the same hour of the previous days for that organization, model, feature or in total (median and MAD; robust z).")
            .chart(svg::bars("Anomalies per hour", &hours, &[Series::new("anomalies", counts)], Unit::Count, "hour (UTC)", "anomalies"))
            .table(table(list(v, "cost_anomalies"), &["hour", "dimension", "key", "cost_usd", "baseline_usd", "ratio", "robust_z"], 25)),
        Section::new("anomalies_by_dimension", "Anomalies by dimension")
            .chart(svg::bars("Anomalies by dimension", &pairs(v, "anomalies_by_dimension").iter().map(|p| p.0.clone()).collect::<Vec<_>>(), &[Series::new("anomalies", pairs(v, "anomalies_by_dimension").iter().map(|p| p.1).collect())], Unit::Count, "dimension", "anomalies")),
        Section::new("risk_levels", "Budget risk").chart(svg::bars("Customers per risk level", &risk.iter().map(|p| p.0.clone()).collect::<Vec<_>>(), &[Series::new("customers", risk.iter().map(|p| p.1).collect())], Unit::Count, "risk level (AI cost as a share of plan revenue)", "customers")),
        Section::new("budget_risk", "Customers by cost-to-revenue").table(table(list(v, "budget_risk"), &[], 25)),
        Section::new("error_spikes", "Error spikes").table(table(list(v, "error_spikes"), &[], 25)),
        Section::new("daily_alerts", "Daily cost alerts").table(table(list(v, "daily_alerts"), &[], 25)),
        Section::new("provider_concentration", "Provider concentration")
            .chart(svg::donut("Cost share by provider", &pairs(v, "provider_concentration.shares_pct"), Unit::Pct))
            .facts(crate::page::facts_of(at(v, "provider_concentration"))),
    ];
    (cards, sections)
}

fn optimization(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let s = |k: &str| num(v, &format!("summary.{k}"));
    let cost = s("cost_usd");
    let cards = vec![
        Card::new("Total cost", usd(cost)),
        Card::new("Model switching", usd(s("switching_savings_usd"))),
        Card::new("Batch API", usd(s("batch_savings_usd"))),
        Card::new("Prompt caching", usd(s("caching_savings_usd"))),
        Card::new("Commitments", usd(s("commitment_savings_usd"))),
        Card::new("Actionable share", pct(s("actionable_pct")))
            .note("switching + batch + caching against the spend, each priced as if done alone"),
    ];
    let switches = list(v, "model_switching");
    let points: Vec<Point> = switches
        .iter()
        .map(|m| Point {
            label: format!("{}: {} → {}", text(m, "provider"), text(m, "from"), text(m, "to")),
            x: num(m, "current_cost_usd"),
            y: num(m, "savings_usd"),
            group: 0,
        })
        .collect();
    let sections = vec![
        Section::new("summary", "Where the savings are")
            .intro("Each lever is priced against the current spend of the period; several can apply to the same calls (a switched model can also be batched or committed), so they are not added up.")
            .chart(svg::hbars(
                "Savings by lever (period, catalog prices)",
                &["model switching", "batch API", "prompt caching", "commitments"].map(String::from),
                &[Series::new(
                    "savings",
                    vec![s("switching_savings_usd"), s("batch_savings_usd"), s("caching_savings_usd"), s("commitment_savings_usd")],
                )],
                Unit::Usd,
                "USD saved over the period",
            )),
        Section::new("model_switching", "Cheaper sibling models")
            .intro("Each model's usage re-priced at the catalog price of its cheaper sibling from the same provider on the day of the call.")
            .chart(svg::scatter("Switch candidates: current cost against savings", &points, &["model switch"], (Unit::Usd, "current cost (USD)"), (Unit::Usd, "savings (USD)")))
            .table(table(switches, &["provider", "from", "to", "calls", "current_cost_usd", "alternative_cost_usd", "savings_usd", "savings_pct"], 30)),
        Section::new("batch", "Batch API").table(table(list(v, "batch"), &[], 20)),
        Section::new("caching", "Prompt caching").table(table(list(v, "caching"), &[], 20)),
        Section::new("commitments", "Commitments and volume tiers")
            .chart(svg::hbars("Monthly-equivalent spend by provider", &strs(list(v, "commitments"), "provider"), &[Series::new("monthly", nums(list(v, "commitments"), "monthly_equivalent_usd"))], Unit::Usd, "USD per month"))
            .table(table(list(v, "commitments"), &[], 20)),
    ];
    (cards, sections)
}

fn alignment(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let cards = vec![
        Card::new("Total cost", usd(num(v, "summary.cost_usd"))),
        Card::new("Organizations", int(num(v, "summary.organizations"))),
        Card::new("Products", int(num(v, "summary.products"))),
        Card::new("Features", int(num(v, "summary.features"))),
        Card::new("Efficiency gap", format!("{:.1}x", num(v, "efficiency.gap_ratio"))).note(format!(
            "{} vs {} per call",
            text(v, "efficiency.costliest_org"),
            text(v, "efficiency.cheapest_org")
        )),
    ];
    let orgs = list(v, "by_organization");
    let products = list(v, "by_product");
    let feats = list(v, "by_feature");
    let sections = vec![
        Section::new("by_organization", "Cost by organization")
            .chart(svg::hbars(
                "Top 15 organizations by cost",
                &strs(top(orgs, 15), "organization_id"),
                &[Series::new("cost", nums(top(orgs, 15), "cost_usd"))],
                Unit::Usd,
                "cost (USD)",
            ))
            .table(table(orgs, &[], 25)),
        Section::new("by_product", "Products and features")
            .chart(svg::bars(
                "Cost by product",
                &strs(products, "key"),
                &[Series::new("cost", nums(products, "cost_usd"))],
                Unit::Usd,
                "product",
                "cost (USD)",
            ))
            .chart(svg::bars(
                "Cost by feature",
                &strs(feats, "feature"),
                &[Series::new("cost", nums(feats, "cost_usd"))],
                Unit::Usd,
                "feature",
                "cost (USD)",
            ))
            .table(table(products, &["key", "calls", "cost_usd", "avg_cost_per_call", "error_rate_pct"], 10)),
        Section::new("by_feature", "Feature adoption").table(table(feats, &[], 20)),
        Section::new("chargeback", "Chargeback and showback")
            .intro("Direct cost per organization against an equal split of the total.")
            .table(table(list(v, "chargeback"), &[], 25)),
        Section::new("org_products", "Organization x product").table(table(
            list(v, "org_products"),
            &["key", "calls", "cost_usd", "avg_cost_per_call"],
            25,
        )),
        Section::new("efficiency", "Efficiency between tenants").facts(crate::page::facts_of(at(v, "efficiency"))),
    ];
    (cards, sections)
}

fn profitability(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let cards = vec![
        Card::new("Revenue (prorated)", usd(num(v, "summary.revenue_usd")))
            .note(format!("{:.1} days of plan fees", num(v, "summary.period_days"))),
        Card::new("AI cost", usd(num(v, "summary.cost_usd"))),
        Card::new("Margin", usd(num(v, "summary.margin_usd"))),
        Card::new("Margin %", pct(num(v, "summary.margin_pct"))),
        Card::new("Unprofitable customers", int(num(v, "unprofitable.count")))
            .note(format!("losing {}", usd(num(v, "unprofitable.total_loss_usd")))),
    ];
    let tiers = list(v, "by_tier");
    let sections = vec![
        Section::new("by_tier", "By plan tier")
            .chart(svg::bars(
                "Revenue and cost per tier",
                &strs(tiers, "tier"),
                &[Series::new("revenue", nums(tiers, "revenue_usd")), Series::new("AI cost", nums(tiers, "cost_usd"))],
                Unit::Usd,
                "tier",
                "USD",
            ))
            .table(table(tiers, &[], 10)),
        Section::new("margin_distribution", "Margin distribution")
            .chart(svg::donut(
                "Customers by margin band",
                &strs(list(v, "margin_distribution"), "status")
                    .into_iter()
                    .zip(nums(list(v, "margin_distribution"), "customers"))
                    .collect::<Vec<_>>(),
                Unit::Count,
            ))
            .table(table(list(v, "margin_distribution"), &[], 10)),
        Section::new("unprofitable", "Unprofitable customers")
            .facts(crate::page::facts_of(at(v, "unprofitable")))
            .table(table(
                list(v, "unprofitable.customers"),
                &["customer_id", "subscription_tier", "revenue_usd", "cost_usd", "margin_usd", "margin_pct", "calls"],
                25,
            )),
        Section::new("by_customer", "All customers").table(table(
            list(v, "by_customer"),
            &[
                "customer_id",
                "organization_id",
                "subscription_tier",
                "customer_archetype",
                "calls",
                "revenue_usd",
                "cost_usd",
                "margin_usd",
                "margin_pct",
                "status",
            ],
            25,
        )),
    ];
    (cards, sections)
}

fn pricing(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let models = list(v, "models");
    let best = models.iter().max_by(|a, b| num(a, "margin_usd").total_cmp(&num(b, "margin_usd")));
    let cards = vec![
        Card::new("Current model", text(v, "current.model")),
        Card::new("Revenue", usd(num(v, "current.revenue_usd"))),
        Card::new("Cost", usd(num(v, "current.cost_usd"))),
        Card::new("Margin %", pct(num(v, "current.margin_pct"))),
        Card::new("Best alternative", best.map(|b| text(b, "model")).unwrap_or_default())
            .note(best.map(|b| format!("{} vs flat", usd(num(b, "vs_flat_usd")))).unwrap_or_default()),
    ];
    let segs = list(v, "segments");
    let sections = vec![
        Section::new("models", "Pricing models replayed on actual usage")
            .chart(svg::bars(
                "Margin per pricing model",
                &strs(models, "model"),
                &[Series::new("margin", nums(models, "margin_usd"))],
                Unit::Usd,
                "pricing model",
                "margin (USD)",
            ))
            .table(table(
                models,
                &["model", "description", "revenue_usd", "cost_usd", "margin_usd", "margin_pct", "vs_flat_usd"],
                10,
            )),
        Section::new("current", "Current plans").facts(crate::page::facts_of(at(v, "current"))),
        Section::new("segments", "Usage segments")
            .chart(svg::bars(
                "Customers by segment",
                &strs(segs, "segment"),
                &[Series::new("customers", nums(segs, "customers"))],
                Unit::Count,
                "segment (AI cost / plan revenue)",
                "customers",
            ))
            .chart(svg::bars(
                "Margin % by segment",
                &strs(segs, "segment"),
                &[Series::new("margin %", nums(segs, "margin_pct"))],
                Unit::Pct,
                "segment (AI cost / plan revenue)",
                "margin %",
            ))
            .table(table(segs, &[], 10)),
    ];
    (cards, sections)
}

fn features(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let cards = vec![
        Card::new("Total cost", usd(num(v, "summary.cost_usd"))),
        Card::new("Features", int(num(v, "summary.features"))),
        Card::new("Avg cost per feature", usd(num(v, "summary.avg_cost_per_feature"))),
        Card::new("Customers", int(num(v, "summary.customers"))),
    ];
    let f = list(v, "by_feature");
    let quadrants = ["invest", "maintain", "optimize", "sunset"];
    let groups: Vec<&str> = quadrants.to_vec();
    let points: Vec<Point> = f
        .iter()
        .map(|x| Point {
            label: text(x, "feature"),
            x: num(x, "adoption_pct"),
            y: num(x, "cost_usd"),
            group: quadrants.iter().position(|q| *q == text(x, "quadrant")).unwrap_or(0),
        })
        .collect();
    let mut counts: Vec<(String, f64)> = quadrants.iter().map(|q| (q.to_string(), 0.0)).collect();
    for x in f {
        if let Some(c) = counts.iter_mut().find(|c| c.0 == text(x, "quadrant")) {
            c.1 += 1.0;
        }
    }
    let mut launch = Section::new("launches", "Launches");
    for l in list(v, "launches") {
        let pts = list(l, "cumulative_adopters");
        let labels: Vec<String> = pts.iter().map(|p| key_text(at(p, "0"))).collect();
        let values: Vec<f64> = pts.iter().map(|p| num(p, "1")).collect();
        launch = launch.chart(svg::line(
            &format!("Adoption of {} since launch", text(l, "feature")),
            &labels,
            &[Series::new("customers", values)],
            Unit::Count,
            "day (UTC)",
            "cumulative adopters",
        ));
    }
    if list(v, "launches").is_empty() {
        launch = launch.intro("No feature first appeared after the first tenth of the period.");
    }
    let sections = vec![
        Section::new("by_feature", "Cost and adoption per feature")
            .chart(svg::scatter(
                "Adoption against cost",
                &points,
                &groups,
                (Unit::Pct, "adoption (% of customers)"),
                (Unit::Usd, "cost (USD)"),
            ))
            .chart(svg::donut("Features per investment quadrant", &counts, Unit::Count))
            .table(table(
                f,
                &[
                    "feature",
                    "calls",
                    "cost_usd",
                    "customers",
                    "adoption_pct",
                    "adoption_level",
                    "cost_per_customer",
                    "growth_ratio",
                    "quadrant",
                    "first_seen",
                ],
                20,
            )),
        launch,
        Section::new("bundles", "Feature bundles").table(table(list(v, "bundles"), &[], 10)),
    ];
    (cards, sections)
}

fn token_economics(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let cards = vec![
        Card::new("Input tokens", compact(num(v, "summary.input_tokens"))),
        Card::new("Output tokens", compact(num(v, "summary.output_tokens"))),
        Card::new("Cached input", pct(num(v, "summary.cache_hit_pct"))),
        Card::new("Reasoning share of output", pct(num(v, "summary.reasoning_share_of_output_pct"))),
        Card::new("Cost per 1K tokens", usd(num(v, "summary.cost_per_1k_tokens"))),
        Card::new("Input / output", format!("{:.2}", num(v, "summary.input_output_ratio"))),
    ];
    let models = list(v, "by_model");
    let feats = list(v, "by_feature");
    let cached: Vec<f64> = feats.iter().map(|f| num(f, "input_tokens") * num(f, "cached_pct") / 100.0).collect();
    let fresh: Vec<f64> = feats.iter().zip(&cached).map(|(f, c)| num(f, "input_tokens") - c).collect();
    let sections = vec![
        Section::new("by_model", "Per model")
            .chart(svg::hbars(
                "Cost per 1K tokens, top 12 models by cost",
                &strs(top(models, 12), "key"),
                &[Series::new("cost per 1K", nums(top(models, 12), "cost_per_1k_tokens"))],
                Unit::Usd,
                "USD per 1K tokens",
            ))
            .table(table(models, &[], 25)),
        Section::new("by_feature", "Per feature")
            .chart(svg::stacked(
                "Tokens by feature",
                &strs(feats, "key"),
                &[
                    Series::new("uncached input", fresh),
                    Series::new("cached input", cached),
                    Series::new("output", nums(feats, "output_tokens")),
                ],
                Unit::Count,
                "feature",
                "tokens",
            ))
            .chart(svg::donut(
                "Cost by feature",
                &strs(feats, "key").into_iter().zip(nums(feats, "cost_usd")).collect::<Vec<_>>(),
                Unit::Usd,
            ))
            .table(table(feats, &[], 20)),
        Section::new("by_archetype", "Per customer archetype").table(table(list(v, "by_archetype"), &[], 10)),
        Section::new("efficiency_ranking", "Token efficiency ranking")
            .intro("Score 0-100: 70% price (100 minus the dollars per million tokens) and 30% input/output balance (100 minus 10 per unit away from 1); models with at least 30 calls.")
            .chart(svg::hbars("Efficiency score, best 12 models", &strs(top(list(v, "efficiency_ranking"), 12), "key"), &[Series::new("score", nums(top(list(v, "efficiency_ranking"), 12), "efficiency_score"))], Unit::Plain, "score (0-100)"))
            .table(table(list(v, "efficiency_ranking"), &["key", "efficiency_score", "cost_per_1k_tokens", "io_ratio", "calls", "cost_usd"], 50)),
        Section::new("io_ratio", "Input/output balance")
            .chart(svg::donut(
                "Calls by input/output balance",
                &[
                    ("input-heavy".into(), num(v, "io_ratio.input_heavy")),
                    ("balanced".into(), num(v, "io_ratio.balanced")),
                    ("output-heavy".into(), num(v, "io_ratio.output_heavy")),
                ],
                Unit::Count,
            ))
            .facts(crate::page::facts_of(at(v, "io_ratio"))),
        Section::new("wasteful_patterns", "Wasteful patterns").table(table(list(v, "wasteful_patterns"), &[], 10)),
    ];
    (cards, sections)
}

fn geographic(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let cards = vec![
        Card::new("Regions", int(num(v, "summary.regions"))),
        Card::new("p50 latency", ms(num(v, "summary.p50_latency_ms"))),
        Card::new("p95 latency", ms(num(v, "summary.p95_latency_ms"))),
        Card::new("Load balance", pct(num(v, "summary.balance_pct"))).note(format!(
            "busiest {}, quietest {}",
            text(v, "summary.busiest_region"),
            text(v, "summary.quietest_region")
        )),
    ];
    let regions = list(v, "by_region");
    let heat = list(v, "heatmap");
    let region_names = strs(regions, "region");
    // Heat map columns: the 12 models with most calls across regions.
    let mut model_calls: Vec<(String, f64)> = Vec::new();
    for h in heat {
        let m = key_text(at(h, "key.1"));
        match model_calls.iter_mut().find(|x| x.0 == m) {
            Some(x) => x.1 += num(h, "calls"),
            None => model_calls.push((m, num(h, "calls"))),
        }
    }
    model_calls.sort_by(|a, b| b.1.total_cmp(&a.1));
    model_calls.truncate(12);
    let cols: Vec<String> = model_calls.iter().map(|m| m.0.clone()).collect();
    let values: Vec<Vec<Option<f64>>> = region_names
        .iter()
        .map(|r| {
            cols.iter()
                .map(|c| {
                    heat.iter()
                        .find(|h| key_text(at(h, "key.0")) == *r && key_text(at(h, "key.1")) == *c)
                        .map(|h| num(h, "p50_latency_ms"))
                })
                .collect()
        })
        .collect();
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}")).collect();
    let peaks = list(v, "peak_hours");
    let peak_series: Vec<Series> =
        peaks.iter().map(|p| Series::new(text(p, "region"), nums(list(p, "by_hour"), ""))).collect();
    let sections = vec![
        Section::new("by_region", "Regions")
            .chart(svg::bars(
                "Calls per region",
                &region_names,
                &[Series::new("calls", nums(regions, "calls"))],
                Unit::Count,
                "region",
                "calls",
            ))
            .chart(svg::bars(
                "Latency per region",
                &region_names,
                &[
                    Series::new("p50", nums(regions, "p50_latency_ms")),
                    Series::new("p95", nums(regions, "p95_latency_ms")),
                ],
                Unit::Ms,
                "region",
                "latency",
            ))
            .table(table(regions, &[], 20)),
        Section::new("heatmap", "Region x model latency")
            .chart(svg::heatmap(
                "p50 latency by region and model (12 busiest models)",
                &region_names,
                &cols,
                &values,
                Unit::Ms,
            ))
            .table(table(heat, &["key", "calls", "p50_latency_ms", "p95_latency_ms", "avg_cost_per_call"], 25)),
        Section::new("peak_hours", "Busiest hours")
            .chart(svg::line(
                "Calls by UTC hour of day, per region",
                &hours,
                &peak_series,
                Unit::Count,
                "hour of day (UTC)",
                "calls",
            ))
            .table(table(peaks, &["region", "busiest_utc_hour", "calls_in_peak_hour"], 20)),
        Section::new("routing", "Fastest region per model").table(table(list(v, "routing"), &[], 25)),
        Section::new("provider_by_region", "Provider by region").table(table(
            list(v, "provider_by_region"),
            &["key", "calls", "cost_usd", "p50_latency_ms", "error_rate_pct"],
            30,
        )),
    ];
    (cards, sections)
}

fn churn_growth(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let s = |k: &str| num(v, &format!("summary.{k}"));
    let cards = vec![
        Card::new("Customers", int(s("customers"))),
        Card::new("Churned", int(s("churned"))).note(format!("{} churn rate", pct(s("churn_rate_pct")))),
        Card::new("Declining", int(s("declining"))),
        Card::new("Revenue at risk", usd(s("revenue_at_risk_monthly_usd"))).note("monthly plan fees"),
        Card::new("Expansion", usd(s("expansion_monthly_usd"))).note("monthly, from suggested upgrades"),
        Card::new("Volume growth", pct(s("volume_growth_pct"))).note("second half against first half"),
    ];
    let daily = list(v, "daily");
    let cohorts = list(v, "cohorts");
    let sections = vec![
        Section::new("summary", "Customer movement").chart(svg::donut(
            "Customers by trend",
            &[
                ("new".into(), s("new_customers")),
                ("growing".into(), s("growing")),
                ("stable".into(), s("stable")),
                ("declining".into(), s("declining")),
                ("churned".into(), s("churned")),
            ],
            Unit::Count,
        )),
        Section::new("daily", "Daily activity")
            .chart(daily_chart(
                "Active customers per day",
                daily,
                "date",
                &[("active customers", "active_customers")],
                Unit::Count,
                "customers",
            ))
            .table(table(daily, &[], 60)),
        Section::new("cohorts", "Cohorts and retention")
            .chart(svg::bars(
                "Retention by first-seen day",
                &strs(cohorts, "first_seen"),
                &[Series::new("retention", nums(cohorts, "retention_pct"))],
                Unit::Pct,
                "cohort (first day seen)",
                "retained %",
            ))
            .table(table(cohorts, &[], 60)),
        Section::new("churned", "Churned").table(table(list(v, "churned"), &[], 25)),
        Section::new("declining", "Declining").table(table(list(v, "declining"), &[], 25)),
        Section::new("growing", "Growing").table(table(list(v, "growing"), &[], 25)),
        Section::new("new_customers", "New customers").table(table(list(v, "new_customers"), &[], 25)),
        Section::new("expansion", "Expansion candidates").table(table(list(v, "expansion"), &[], 25)),
        Section::new("engagement", "Engagement")
            .intro("Score 0-100: up to 40 for calls (50 a day), 30 for features used (5), 30 for AI spend ($10 a month, monthly equivalent); high from 70, medium from 40.")
            .chart(svg::bars(
                "Customers by engagement level",
                &pairs(v, "engagement_levels").iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
                &[Series::new("customers", pairs(v, "engagement_levels").iter().map(|p| p.1).collect())],
                Unit::Count,
                "engagement level",
                "customers",
            ))
            .table(table(list(v, "engagement"), &["customer_id", "subscription_tier", "score", "level", "calls_per_day", "features", "monthly_spend_usd"], 25)),
        Section::new("engagement_levels", "Engagement levels").facts(pairs(v, "engagement_levels").into_iter().map(|(k, n)| (k, int(n))).collect()),
        Section::new("feature_adoption", "Features per customer")
            .chart(svg::bars("Customers by number of features used", &list(v, "feature_adoption.histogram").iter().map(|p| key_text(at(p, "0"))).collect::<Vec<_>>(), &[Series::new("customers", list(v, "feature_adoption.histogram").iter().map(|p| num(p, "1")).collect())], Unit::Count, "features used", "customers"))
            .facts(vec![
                ("Average features".to_string(), format!("{:.2}", num(v, "feature_adoption.avg_features"))),
                ("Single-feature customers".to_string(), pct(num(v, "feature_adoption.single_feature_pct"))),
            ]),
        Section::new("tier_mismatch", "Plan mismatches").table(table(list(v, "tier_mismatch"), &[], 25)),
    ];
    (cards, sections)
}

fn abuse(v: &Value) -> (Vec<Card>, Vec<Section>) {
    let kinds = [
        "usage_spikes",
        "minute_bursts",
        "rate_limit_hammering",
        "cost_spikes",
        "night_automation",
        "plan_abuse",
        "peer_outliers",
    ];
    let cards = vec![
        Card::new("Customers", int(num(v, "summary.customers"))),
        Card::new("Flags", int(num(v, "summary.flags"))),
        Card::new("Flagged customers", int(num(v, "summary.flagged_customers"))),
        Card::new("Cost of flagged customers", usd(num(v, "summary.flagged_cost_usd"))),
    ];
    let counts: Vec<f64> = kinds.iter().map(|k| list(v, k).len() as f64).collect();
    let labels: Vec<String> = kinds.iter().map(|k| crate::page::humanize(k)).collect();
    let mut per_customer: Vec<(String, f64)> = Vec::new();
    for k in kinds {
        for f in list(v, k) {
            let c = text(f, "customer_id");
            match per_customer.iter_mut().find(|x| x.0 == c) {
                Some(x) => x.1 += 1.0,
                None => per_customer.push((c, 1.0)),
            }
        }
    }
    per_customer.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    per_customer.truncate(15);
    let mut sections = vec![
        Section::new("summary", "Flags by kind")
            .chart(svg::bars(
                "Flags by kind",
                &labels,
                &[Series::new("flags", counts.clone())],
                Unit::Count,
                "kind",
                "flags",
            ))
            .chart(svg::donut(
                "Share of flags by kind",
                &labels.iter().cloned().zip(counts).collect::<Vec<_>>(),
                Unit::Count,
            ))
            .chart(svg::hbars(
                "Most-flagged customers",
                &per_customer.iter().map(|c| c.0.clone()).collect::<Vec<_>>(),
                &[Series::new("flags", per_customer.iter().map(|c| c.1).collect())],
                Unit::Count,
                "flags",
            )),
    ];
    for (k, l) in kinds.iter().zip(labels) {
        let items = list(v, k);
        let mut s =
            Section::new(k, &l).table(table(items, &["customer_id", "when", "detail", "value", "baseline"], 25));
        if items.is_empty() {
            s = s.intro("None found in this data.");
        }
        sections.push(s);
    }
    (cards, sections)
}

//! Abuse Detection: customers whose usage departs from their own habits or their plan: hourly spikes,
//! minute-level bursts, rate-limit hammering, daily cost spikes, night-time automation and plan abuse.
use finops_core::units::thousands;
use serde::Serialize;

use super::{Recommendation, Severity};
use crate::common::{DAY, HOUR, MINUTE, Usd, customers, day_label, hour_label, median, minute_label, pct};
use crate::engine::{Dataset, Result};

/// An hour is a spike when it holds 10x the customer's average hourly calls and at least this many.
pub const SPIKE_MIN_CALLS: u64 = 20;
/// Calls in one minute that no interactive user makes.
pub const BURST_PER_MINUTE: u64 = 30;

#[derive(Debug, Clone, Serialize)]
pub struct Abuse {
    pub summary: Summary,
    pub usage_spikes: Vec<Flag>,
    pub minute_bursts: Vec<Flag>,
    pub rate_limit_hammering: Vec<Flag>,
    pub cost_spikes: Vec<Flag>,
    pub night_automation: Vec<Flag>,
    pub plan_abuse: Vec<Flag>,
    /// Customers far out of line with their peers (see [`peer_score`]).
    pub peer_outliers: Vec<Flag>,
    pub recommendations: Vec<Recommendation>,
}

/// How many times the tier's median cost or calls makes a customer an outlier.
pub const PEER_FACTOR: f64 = 5.0;
/// Peers a group needs before its median means anything.
pub const PEER_MIN_GROUP: usize = 5;
/// Score from which a customer is listed as a peer outlier.
pub const PEER_FLAG_SCORE: f64 = 40.0;

/// The seed's outlier score against peers (here: customers of the same archetype on the same plan tier,
/// at least [`PEER_MIN_GROUP`] of them, compared with their median rather than the mean of all
/// customers, which heavy users and the outliers themselves inflate): +50 for cost over 5x the
/// median, +40 for calls over 5x the median, +10 for an average latency under 300 ms (scripted
/// clients asking for tiny answers).
pub fn peer_score(cost: f64, calls: f64, avg_latency_ms: Option<f64>, median_cost: f64, median_calls: f64) -> f64 {
    let mut score = 0.0;
    if median_cost > 0.0 && cost > PEER_FACTOR * median_cost {
        score += 50.0;
    }
    if median_calls > 0.0 && calls > PEER_FACTOR * median_calls {
        score += 40.0;
    }
    if avg_latency_ms.is_some_and(|l| l < 300.0) {
        score += 10.0;
    }
    score
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub customers: u64,
    pub flagged_customers: u64,
    pub flags: u64,
    pub flagged_cost_usd: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flag {
    pub customer_id: String,
    pub when: String,
    pub value: f64,
    pub baseline: f64,
    pub detail: String,
}

pub fn analyze(ds: &Dataset) -> Result<Abuse> {
    let rows = customers(ds)?;
    let hours = (ds.period.days * 24.0).max(1.0);
    let h = ds.sql(&format!("SELECT customer_id, {HOUR} AS h, count(*) AS n FROM calls GROUP BY customer_id, h"))?;
    let (hc, hh, hn) = (h.str("customer_id")?, h.i64("h")?, h.u64("n")?);
    let by_id: std::collections::HashMap<&str, &crate::common::CustomerRow> =
        rows.iter().map(|r| (r.customer_id.as_str(), r)).collect();
    let mut usage_spikes = Vec::new();
    for i in 0..h.len() {
        let Some(c) = by_id.get(hc[i].as_str()) else { continue };
        let mean = c.calls as f64 / hours;
        if hn[i] >= SPIKE_MIN_CALLS && hn[i] as f64 > 10.0 * mean {
            usage_spikes.push(Flag {
                customer_id: hc[i].clone(),
                when: hour_label(hh[i]),
                value: hn[i] as f64,
                baseline: mean,
                detail: format!(
                    "{} calls in the hour, {:.1}x the customer's hourly average",
                    thousands(hn[i]),
                    hn[i] as f64 / mean
                ),
            });
        }
    }
    usage_spikes
        .sort_by(|a, b| b.value.total_cmp(&a.value).then(a.customer_id.cmp(&b.customer_id)).then(a.when.cmp(&b.when)));
    let m = ds.sql(&format!(
        "SELECT customer_id, m, n FROM (SELECT customer_id, {MINUTE} AS m, count(*) AS n \
         FROM calls GROUP BY customer_id, m) WHERE n > {BURST_PER_MINUTE} ORDER BY n DESC, m, customer_id"
    ))?;
    let minute_bursts = m
        .str("customer_id")?
        .into_iter()
        .zip(m.i64("m")?.into_iter().map(minute_label))
        .zip(m.u64("n")?)
        .map(|((c, w), n)| Flag {
            customer_id: c,
            when: w,
            value: n as f64,
            baseline: BURST_PER_MINUTE as f64,
            detail: format!("{n} calls in one minute"),
        })
        .collect();
    let r = ds.sql(
        "SELECT customer_id, count(*) AS n, count(*) FILTER (WHERE status = 'rate_limited') AS rl FROM calls GROUP BY customer_id \
         HAVING count(*) FILTER (WHERE status = 'rate_limited') >= 20 AND count(*) FILTER (WHERE status = 'rate_limited') * 10 > count(*) ORDER BY rl DESC",
    )?;
    let rate_limit_hammering = r
        .str("customer_id")?
        .into_iter()
        .zip(r.u64("n")?)
        .zip(r.u64("rl")?)
        .map(|((c, n), rl)| Flag {
            customer_id: c,
            when: String::new(),
            value: rl as f64,
            baseline: n as f64,
            detail: format!(
                "{} of {} calls rate-limited ({:.1}%): the client keeps retrying into the limit",
                thousands(rl),
                thousands(n),
                pct(rl as f64, n as f64)
            ),
        })
        .collect();
    let d = ds.sql(&format!(
        "SELECT customer_id, {DAY} AS d, sum(cost_usd) AS c FROM calls GROUP BY customer_id, d ORDER BY customer_id, d"
    ))?;
    let (dc, dd, dv) = (d.str("customer_id")?, d.i64("d")?, d.f64("c")?);
    let mut cost_spikes = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let j = (i..d.len()).find(|&k| dc[k] != dc[i]).unwrap_or(d.len());
        if j - i >= 3 {
            let med = median(&dv[i..j]);
            for k in i..j {
                if dv[k] > 3.0 * med && dv[k] > 1.0 {
                    cost_spikes.push(Flag {
                        customer_id: dc[k].clone(),
                        when: day_label(dd[k]),
                        value: dv[k],
                        baseline: med,
                        detail: format!(
                            "{} in a day, {:.1}x the customer's median day",
                            Usd(dv[k]),
                            dv[k] / med.max(1e-9)
                        ),
                    });
                }
            }
        }
        i = j;
    }
    cost_spikes
        .sort_by(|a, b| b.value.total_cmp(&a.value).then(a.customer_id.cmp(&b.customer_id)).then(a.when.cmp(&b.when)));
    // Local night by serving region (UTC-5, -8, 0, +8; other regions count as UTC).
    let n = ds.sql(&format!(
        "SELECT customer_id, count(*) AS n, count(*) FILTER (WHERE h >= 22 OR h < 6) AS night FROM (SELECT customer_id, \
         ({HOUR} % 24 + CASE region WHEN 'us-east-1' THEN 19 WHEN 'us-west-2' THEN 16 WHEN 'ap-southeast-1' THEN 8 ELSE 0 END) % 24 AS h \
         FROM calls) GROUP BY customer_id HAVING count(*) >= 50 AND count(*) FILTER (WHERE h >= 22 OR h < 6) * 10 > 7 * count(*)"
    ))?;
    let night_automation = n
        .str("customer_id")?
        .into_iter()
        .zip(n.u64("n")?)
        .zip(n.u64("night")?)
        .map(|((c, n), night)| Flag {
            customer_id: c,
            when: String::new(),
            value: night as f64,
            baseline: n as f64,
            detail: format!("{:.0}% of {n} calls between 22:00 and 06:00 local time", pct(night as f64, n as f64)),
        })
        .collect();
    let plan_abuse = rows
        .iter()
        .filter(|c| c.subscription_tier == "starter" && c.revenue_usd > 0.0 && c.cost_usd > 3.0 * c.revenue_usd)
        .map(|c| Flag {
            customer_id: c.customer_id.clone(),
            when: String::new(),
            value: c.cost_usd,
            baseline: c.revenue_usd,
            detail: format!(
                "starter plan: {} of AI cost against {} of revenue ({:.1}x)",
                Usd(c.cost_usd),
                Usd(c.revenue_usd),
                c.cost_usd / c.revenue_usd
            ),
        })
        .collect();
    let lat = ds.sql(&format!(
        "SELECT customer_id, avg(latency_ms) FILTER (WHERE {}) AS l FROM calls GROUP BY customer_id",
        crate::common::LATENCY_SAMPLE
    ))?;
    let latency: std::collections::HashMap<String, Option<f64>> =
        lat.str("customer_id")?.into_iter().zip(lat.opt_f64("l")?).collect();
    let mut peer_outliers = Vec::new();
    let mut groups: Vec<(&str, &str)> =
        rows.iter().map(|c| (c.subscription_tier.as_str(), c.customer_archetype.as_str())).collect();
    groups.sort();
    groups.dedup();
    for (tier, archetype) in groups {
        let peers: Vec<&crate::common::CustomerRow> =
            rows.iter().filter(|c| c.subscription_tier == tier && c.customer_archetype == archetype).collect();
        if peers.len() < PEER_MIN_GROUP {
            continue;
        }
        let med_cost = median(&peers.iter().map(|c| c.cost_usd).collect::<Vec<_>>());
        let med_calls = median(&peers.iter().map(|c| c.calls as f64).collect::<Vec<_>>());
        for c in peers {
            let l = latency.get(&c.customer_id).copied().flatten();
            let score = peer_score(c.cost_usd, c.calls as f64, l, med_cost, med_calls);
            if score >= PEER_FLAG_SCORE {
                peer_outliers.push(Flag {
                    customer_id: c.customer_id.clone(),
                    when: String::new(),
                    value: score,
                    baseline: med_cost,
                    detail: format!(
                        "score {score:.0}: {} of AI cost ({:.1}x the median {} of {archetype} {tier} customers), {} calls ({:.1}x the median){}",
                        Usd(c.cost_usd),
                        c.cost_usd / med_cost.max(1e-12),
                        Usd(med_cost),
                        thousands(c.calls),
                        c.calls as f64 / med_calls.max(1e-12),
                        l.filter(|l| *l < 300.0).map(|l| format!(", average latency {l:.0} ms")).unwrap_or_default()
                    ),
                });
            }
        }
    }
    peer_outliers.sort_by(|a, b| b.value.total_cmp(&a.value).then(a.customer_id.cmp(&b.customer_id)));
    let mut abuse = Abuse {
        summary: Summary::default(),
        usage_spikes,
        minute_bursts,
        rate_limit_hammering,
        cost_spikes,
        night_automation,
        plan_abuse,
        peer_outliers,
        recommendations: Vec::new(),
    };
    let all: Vec<&Flag> = abuse
        .usage_spikes
        .iter()
        .chain(&abuse.minute_bursts)
        .chain(&abuse.rate_limit_hammering)
        .chain(&abuse.cost_spikes)
        .chain(&abuse.night_automation)
        .chain(&abuse.plan_abuse)
        .chain(&abuse.peer_outliers)
        .collect();
    let mut flagged: Vec<&str> = all.iter().map(|f| f.customer_id.as_str()).collect();
    flagged.sort();
    flagged.dedup();
    abuse.summary = Summary {
        customers: rows.len() as u64,
        flagged_customers: flagged.len() as u64,
        flags: all.len() as u64,
        flagged_cost_usd: rows
            .iter()
            .filter(|r| flagged.binary_search(&r.customer_id.as_str()).is_ok())
            .map(|r| r.cost_usd)
            .sum(),
    };
    abuse.recommendations = recommend(&abuse);
    Ok(abuse)
}

/// The abuse rules: one line per detector that found something.
pub fn recommend(a: &Abuse) -> Vec<Recommendation> {
    let mut out = Vec::new();
    // `what` in the singular and the plural.
    let mut add = |rule: &'static str, sev: Severity, flags: &[Flag], what: [&str; 2]| {
        if let Some(top) = flags.first() {
            let mut ids: Vec<&str> = flags.iter().map(|f| f.customer_id.as_str()).collect();
            ids.sort();
            ids.dedup();
            // Say how many customers only when some have several findings.
            let who = match ids.len() {
                n if n == flags.len() => String::new(),
                1 => " (1 customer)".to_string(),
                n => format!(" ({} customers)", thousands(n as u64)),
            };
            out.push(Recommendation::new(
                rule,
                sev,
                format!(
                    "{} {}{who}; largest: {} - {}.",
                    thousands(flags.len() as u64),
                    what[usize::from(flags.len() != 1)],
                    top.customer_id,
                    top.detail
                ),
            ));
        }
    };
    add("usage_spike", Severity::Warning, &a.usage_spikes, ["hourly usage spike", "hourly usage spikes"]);
    add("minute_burst", Severity::Critical, &a.minute_bursts, ["minute-level burst", "minute-level bursts"]);
    add(
        "rate_limit_hammering",
        Severity::Warning,
        &a.rate_limit_hammering,
        ["customer retrying into rate limits", "customers retrying into rate limits"],
    );
    add("cost_spike", Severity::Warning, &a.cost_spikes, ["daily cost spike", "daily cost spikes"]);
    add(
        "night_automation",
        Severity::Info,
        &a.night_automation,
        ["customer calling mostly at night", "customers calling mostly at night"],
    );
    add(
        "plan_abuse",
        Severity::Critical,
        &a.plan_abuse,
        ["starter customer costing over 3x the plan", "starter customers costing over 3x their plan"],
    );
    add(
        "peer_outlier",
        Severity::Warning,
        &a.peer_outliers,
        [
            "customer far above its peers (same tier and archetype)",
            "customers far above their peers (same tier and archetype)",
        ],
    );
    if out.is_empty() && a.summary.customers > 0 {
        out.push(Recommendation::new("no_abuse", Severity::Success, "No customer departs from its habits or plan."));
    }
    out
}

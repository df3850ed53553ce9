//! Incidents: surges of one organization's traffic, found from the data's first hour and merged over
//! time into events with a start, an end, a root cause and a cost.
//!
//! Each organization's calls per bin (`realtime.incident_bin_minutes`) are compared with what its own
//! share of everyone else's traffic predicts, region by region (customers follow their region's working
//! day; a customer's region is its home, where most of its calls go, wherever a call is served):
//! `expected = sum over regions of share x others there`. The share is the organization's calls
//! over everyone else's in the `incident_baseline_hours` ending `incident_baseline_gap_hours` before the
//! bin's hour (so a surge ramping up over hours does not lift its own baseline), leaving out hours that
//! hold a surge (baseline, flags and baseline again until they settle), so a long surge does not raise
//! its own expectation, until it has lasted `incident_adapt_hours` and becomes the new normal; where the
//! data has no past yet, the hours after it serve.
//! Everyone else's traffic carries the calendar (night, weekends, holidays, seasonality, drift within the
//! hour), so no history of the same hour on earlier days is needed and the first day is judged like any
//! other. A bin is anomalous when it holds at least `incident_min_ratio` times its expectation and stands
//! `incident_z` standard deviations above it, the variance being the organization's own overdispersed
//! count noise (sessions make calls arrive in clusters: variance = dispersion x expected, the dispersion
//! measured on its ordinary bins). Whole hours are tested the same way, so a smaller organization's surge
//! too thin for single bins is still found. Anomalous bins of one organization less than
//! `incident_merge_gap_minutes` apart form one incident; incidents with fewer than
//! `incident_min_excess_calls` extra calls are dropped. The root cause is the customer, model and feature
//! with the most calls above their usual share of the organization's traffic. A surge that no single
//! customer carries (`incident_runaway_share_pct`) needs `incident_min_spread_excess_calls`: one
//! client's runaway is significant at a size where an organization-wide rise is not.
use std::collections::HashMap;

use finops_core::rules;
use finops_results::Severity;
use finops_results::realtime::{Detection, Incident};

use crate::common::{MODEL, iso, pct};
use crate::engine::{Dataset, Result};

/// Rounds of baseline, flag, baseline without the flagged hours.
const ROUNDS: usize = 8;
/// Lengths, in hours, of the windows tested besides single bins (longer windows, tried on the
/// simulated showcase, found slow ramps no earlier and doubled the false incidents).
const WINDOW_HOURS: [usize; 1] = [1];
/// The dispersion of a count is kept within these bounds (1 = Poisson).
const DISPERSION: (f64, f64) = (1.0, 50.0);

/// The detector's thresholds (the `realtime.incident_*` rules).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub bins_per_hour: usize,
    pub baseline_hours: usize,
    /// Hours between a bin and the end of its baseline, so that a slow ramp does not drag its own
    /// baseline up before it is flagged.
    pub gap_hours: usize,
    /// A surge longer than this becomes the organization's new normal: its later hours return to the
    /// baseline.
    pub adapt_hours: usize,
    pub z: f64,
    pub min_ratio: f64,
    pub merge_gap_bins: usize,
}

impl Thresholds {
    pub fn of(r: &rules::Realtime) -> Thresholds {
        let bin = r.incident_bin_minutes.clamp(1, 60) as usize;
        Thresholds {
            bins_per_hour: (60 / bin).max(1),
            baseline_hours: r.incident_baseline_hours.max(1) as usize,
            gap_hours: r.incident_baseline_gap_hours as usize,
            adapt_hours: r.incident_adapt_hours.max(1) as usize,
            z: r.incident_z,
            min_ratio: r.incident_min_ratio,
            merge_gap_bins: (r.incident_merge_gap_minutes as usize).div_ceil(bin),
        }
    }

    /// A bin's length in milliseconds (an hour divided into `bins_per_hour`).
    pub fn bin_ms(&self) -> i64 {
        3_600_000 / self.bins_per_hour as i64
    }
}

/// One organization's bins in one region: its calls and everyone else's there, as dense series.
/// Customers follow their own region's working day, so an organization's share of traffic is steady
/// within a region, not overall (an organization of Asia-Pacific customers is busiest at night, UTC).
pub struct Part<'a> {
    pub calls: &'a [f64],
    pub others: &'a [f64],
}

/// What the detector concluded for one organization.
#[derive(Debug, Clone, PartialEq)]
pub struct Flags {
    /// The organization's calls per bin (all regions).
    pub calls: Vec<f64>,
    pub expected: Vec<f64>,
    pub anomalous: Vec<bool>,
    pub dispersion: f64,
}

/// Hours of ordinary traffic a baseline needs before it is trusted.
const MIN_BASELINE_HOURS: usize = 6;

/// The organization's share of everyone else's traffic per hour: over the `window` hours ending `gap`
/// hours before the hour, leaving out `excluded` hours (surges) and reaching further back, up to a week,
/// when too many are excluded; at the start of the data, where there is no such past, over the window
/// after the hour.
fn shares(own: &[f64], others: &[f64], excluded: &[bool], window: usize, gap: usize) -> Vec<f64> {
    let hours = own.len();
    let (mut own_p, mut others_p, mut kept_p) = (vec![0.0; hours + 1], vec![0.0; hours + 1], vec![0usize; hours + 1]);
    for h in 0..hours {
        let keep = !excluded[h] && others[h] > 0.0;
        own_p[h + 1] = own_p[h] + if keep { own[h] } else { 0.0 };
        others_p[h + 1] = others_p[h] + if keep { others[h] } else { 0.0 };
        kept_p[h + 1] = kept_p[h] + usize::from(keep);
    }
    let ratio = |a: usize, b: usize| {
        let o = others_p[b] - others_p[a];
        if o > 0.0 { (own_p[b] - own_p[a]) / o } else { 0.0 }
    };
    let kept = |a: usize, b: usize| kept_p[b] - kept_p[a];
    let needed = MIN_BASELINE_HOURS.min(window);
    (0..hours)
        .map(|h| {
            let to = h.saturating_sub(gap);
            let mut from = to.saturating_sub(window);
            while kept(from, to) < needed && from > 0 && h - from < 7 * 24 {
                from = from.saturating_sub(window);
            }
            if kept(from, to) >= needed {
                ratio(from, to)
            } else {
                // No past yet: the window after this hour (and this hour, if nothing else).
                let end = (h + 1 + window).min(hours);
                if kept(h + 1, end) > 0 { ratio(h + 1, end) } else { ratio(h, end) }
            }
        })
        .collect()
}

/// Flags the anomalous bins of one organization (see the module doc).
///
/// ```
/// use finops_analytics::analyses::incidents::{Part, Thresholds, flag};
/// let t = Thresholds { bins_per_hour: 6, baseline_hours: 24, gap_hours: 6, adapt_hours: 24, z: 5.0, min_ratio: 3.0, merge_gap_bins: 2 };
/// // Everyone else steady at 100 calls a bin, this organization at 10, then 80 for half an hour.
/// let others = vec![100.0; 600];
/// let mut calls = vec![10.0; 600];
/// calls[300..303].fill(80.0);
/// let f = flag(&[Part { calls: &calls, others: &others }], &t);
/// assert!(f.anomalous[300..303].iter().all(|a| *a));
/// assert_eq!(f.anomalous.iter().filter(|a| **a).count(), 3);
/// assert!((f.expected[300] - 10.0).abs() < 0.5);
/// ```
pub fn flag(parts: &[Part<'_>], t: &Thresholds) -> Flags {
    let n = parts.first().map_or(0, |p| p.calls.len());
    let hours = n.div_ceil(t.bins_per_hour);
    let hour_of = |h: usize| h * t.bins_per_hour..((h + 1) * t.bins_per_hour).min(n);
    let hourly = |v: &[f64]| -> Vec<f64> { (0..hours).map(|h| v[hour_of(h)].iter().sum()).collect() };
    let by_hour: Vec<(Vec<f64>, Vec<f64>)> = parts.iter().map(|p| (hourly(p.calls), hourly(p.others))).collect();
    let calls: Vec<f64> = (0..n).map(|b| parts.iter().map(|p| p.calls[b]).sum()).collect();
    let own_h = hourly(&calls);
    let mut excluded = vec![false; hours];
    let mut flags = Flags { calls, expected: vec![0.0; n], anomalous: vec![false; n], dispersion: 1.0 };
    for _ in 0..ROUNDS {
        flags.expected.fill(0.0);
        for (p, (own, others)) in parts.iter().zip(&by_hour) {
            let share = shares(own, others, &excluded, t.baseline_hours, t.gap_hours);
            for b in 0..n {
                flags.expected[b] += share[b / t.bins_per_hour] * p.others[b];
            }
        }
        // The organization's count noise, measured on its ordinary bins.
        let (mut chi, mut df) = (0.0, 0.0);
        for b in 0..n {
            let e = flags.expected[b];
            if e > 0.0 && !excluded[b / t.bins_per_hour] {
                chi += (flags.calls[b] - e).powi(2) / e;
                df += 1.0;
            }
        }
        flags.dispersion = if df > 0.0 { (chi / df).clamp(DISPERSION.0, DISPERSION.1) } else { 1.0 };
        let sd = |expected: f64| (flags.dispersion * expected + 1.0).sqrt();
        let surge = |observed: f64, expected: f64| {
            observed >= t.min_ratio * expected.max(f64::MIN_POSITIVE) && (observed - expected) / sd(expected) >= t.z
        };
        for b in 0..n {
            flags.anomalous[b] = surge(flags.calls[b], flags.expected[b]);
        }
        // Whole hours: a surge too thin for single bins adds up.
        for len in WINDOW_HOURS {
            for h in 0..hours.saturating_sub(len - 1) {
                let span = h * t.bins_per_hour..((h + len) * t.bins_per_hour).min(n);
                let expected: f64 = flags.expected[span.clone()].iter().sum();
                if surge(own_h[h..h + len].iter().sum(), expected) {
                    // Its bins that carry the surge: two standard deviations above their expectation.
                    for b in span {
                        let e = flags.expected[b];
                        flags.anomalous[b] |= flags.calls[b] - e >= 2.0 * sd(e);
                    }
                }
            }
        }
        // Hours holding a surge leave the baseline, up to `adapt_hours` into the surge.
        let mut changed = false;
        let mut run = 0;
        for (h, ex) in excluded.iter_mut().enumerate() {
            run = if flags.anomalous[hour_of(h)].iter().any(|a| *a) { run + 1 } else { 0 };
            let out = run > 0 && run <= t.adapt_hours;
            changed |= out != *ex;
            *ex = out;
        }
        if !changed {
            break;
        }
    }
    flags
}

/// Runs of anomalous bins less than `gap` bins apart: [first, last] bin indices.
pub fn runs(anomalous: &[bool], gap: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (b, _) in anomalous.iter().enumerate().filter(|(_, a)| **a) {
        match out.last_mut() {
            Some(run) if b - run.1 <= gap + 1 => run.1 = b,
            _ => out.push((b, b)),
        }
    }
    out
}

/// One organization's calls per region and bin, and its cost and 429s per bin.
struct OrgBins {
    calls: Vec<Vec<f64>>,
    cost: Vec<f64>,
    limited: Vec<u64>,
}

impl OrgBins {
    fn new(regions: usize, bins: usize) -> OrgBins {
        OrgBins { calls: vec![vec![0.0; bins]; regions], cost: vec![0.0; bins], limited: vec![0; bins] }
    }
}

/// Per organization, per key (customer, model or feature): calls per bin, sparse.
type KeyBins<K> = HashMap<String, KeyRows<K>>;
/// One organization's (key, bin, calls). The customers' keys borrow the shared counts' names: their
/// rows are many (every bin of the customers of the incidents' organizations around the incidents),
/// and a copy of the name per row was most of the detector's time.
type KeyRows<K> = Vec<(K, i64, f64)>;

/// Calls per organization, model and bin, and per organization, feature and bin, of the calls kept by
/// `join` (the incidents and their surroundings: a few organizations and days, not the whole table),
/// from one query.
fn model_feature_bins(ds: &Dataset, bin: &str, join: &str) -> Result<(KeyBins<String>, KeyBins<String>)> {
    // The model as its two columns: grouping by them is cheaper than by a concatenation per row.
    let (model, model_group) = crate::common::key_columns(MODEL, "m");
    let t = ds.sql(&format!(
        "SELECT organization_id AS o, {model}, feature_id AS f, {bin} AS b, count(*) AS n FROM calls \
         {join} GROUP BY o, {model_group}, f, b"
    ))?;
    let m = crate::common::read_key(&t, MODEL, "m")?;
    let (o, f, b, n) = (t.str("o")?, t.str("f")?, t.i64("b")?, t.u64("n")?);
    let (mut models, mut features): (KeyBins<String>, KeyBins<String>) = (HashMap::new(), HashMap::new());
    for i in 0..t.len() {
        models.entry(o[i].clone()).or_default().push((m[i].clone(), b[i], n[i] as f64));
        features.entry(o[i].clone()).or_default().push((f[i].clone(), b[i], n[i] as f64));
    }
    Ok((models, features))
}

/// The key with the most calls above its usual share of the organization's traffic during [a, b]
/// (bins), its usual share measured in the `around` bins on each side; and its share of the excess.
fn root_cause<K: AsRef<str>>(rows: &[(K, i64, f64)], a: i64, b: i64, around: i64, excess: f64) -> (String, f64) {
    let (mut during, mut usual): (HashMap<&str, f64>, HashMap<&str, f64>) = (HashMap::new(), HashMap::new());
    let (mut total_during, mut total_usual) = (0.0, 0.0);
    for (k, bin, n) in rows {
        if (a..=b).contains(bin) {
            *during.entry(k.as_ref()).or_default() += n;
            total_during += n;
        } else if (a - around..=b + around).contains(bin) {
            *usual.entry(k.as_ref()).or_default() += n;
            total_usual += n;
        }
    }
    let expected_total = total_during - excess.max(0.0);
    during
        .iter()
        .map(|(k, n)| {
            let share = if total_usual > 0.0 { usual.get(k).copied().unwrap_or(0.0) / total_usual } else { 0.0 };
            (k.to_string(), n - share * expected_total)
        })
        .max_by(|x, y| x.1.total_cmp(&y.1).then_with(|| y.0.cmp(&x.0)))
        .map(|(k, e)| (k, pct(e.max(0.0), excess.max(f64::MIN_POSITIVE)).min(100.0)))
        .unwrap_or_default()
}

/// Finds the incidents of `ds` under `rules` (costliest first) and how it searched.
pub fn detect(ds: &Dataset, r: &rules::Realtime) -> Result<(Vec<Incident>, Detection)> {
    let t = Thresholds::of(r);
    let bin_ms = t.bin_ms();
    let bin = crate::common::periods_sql(ds, bin_ms);
    // Each customer's home region: where most of its calls go (from the shared customer scan). A
    // customer follows its home's working day (and holidays) in whichever region it calls, so calls are
    // compared by their customer's home. (The counts are shared with Churn & Growth.)
    let q = crate::common::customer_bins(ds, bin_ms)?;
    let (orgs, customers, bins, calls, costs, limited) =
        (&q.organization, &q.customer, &q.bin, &q.calls, &q.cost_usd, &q.rate_limited);
    let scan = crate::common::customer_scan(ds)?;
    let region_names: Vec<&str> = {
        let mut r: Vec<&str> = scan.activity.home_region.iter().map(String::as_str).collect();
        r.sort_unstable();
        r.dedup();
        r
    };
    let home: HashMap<&str, usize> = scan
        .rows
        .iter()
        .zip(&scan.activity.home_region)
        .map(|(c, r)| (c.customer_id.as_str(), region_names.binary_search(&r.as_str()).unwrap_or(0)))
        .collect();
    let home_of: Vec<usize> = q.customers.iter().map(|k| home.get(k.as_str()).copied().unwrap_or(0)).collect();
    let regions: Vec<usize> = customers.iter().map(|&k| home_of[k as usize]).collect();
    let detection = |tested, flagged| Detection {
        bin_minutes: 60 / t.bins_per_hour as u64,
        baseline_hours: t.baseline_hours as u64,
        baseline_gap_hours: t.gap_hours as u64,
        bins_tested: tested,
        bins_flagged: flagged,
        judged_from: ds.period.start_ms.map(|s| iso(s.div_euclid(3_600_000) * 3_600_000)).unwrap_or_default(),
    };
    let (Some(&first), Some(&last)) = (bins.iter().min(), bins.iter().max()) else {
        return Ok((Vec::new(), detection(0, 0)));
    };
    // Whole hours, so that every bin has its hour.
    let first = first - first.rem_euclid(t.bins_per_hour as i64);
    let n = (last - first + 1) as usize;
    let mut total = vec![vec![0.0; n]; region_names.len()];
    let mut org_bins: Vec<Option<OrgBins>> = (0..q.organizations.len()).map(|_| None).collect();
    for i in 0..bins.len() {
        let (b, r) = ((bins[i] - first) as usize, regions[i]);
        total[r][b] += calls[i] as f64;
        let e = org_bins[orgs[i] as usize].get_or_insert_with(|| OrgBins::new(region_names.len(), n));
        e.calls[r][b] += calls[i] as f64;
        e.cost[b] += costs[i];
        e.limited[b] += limited[i];
    }
    // By organization id, as the findings are listed.
    let by_org: std::collections::BTreeMap<&str, OrgBins> =
        q.organizations.iter().zip(org_bins).filter_map(|(o, b)| Some((o.as_str(), b?))).collect();
    let around = (t.baseline_hours * t.bins_per_hour) as i64;
    let (mut incidents, mut tested, mut flagged) = (Vec::new(), 0u64, 0u64);
    // Each incident's first and last bin, in `incidents`' order.
    let mut spans: Vec<(i64, i64)> = Vec::new();
    // Everyone else's traffic is the reference, so another organization's surge would lower this one's
    // share in its baseline: a first pass finds the surges, and the second judges every organization
    // against the others' traffic with their surges replaced by what was expected of them.
    let judge = |bins: &OrgBins, total: &[Vec<f64>]| {
        let others: Vec<Vec<f64>> = total
            .iter()
            .zip(&bins.calls)
            .map(|(t, o)| t.iter().zip(o).map(|(t, o)| (t - o).max(0.0)).collect())
            .collect();
        let parts: Vec<Part<'_>> = bins
            .calls
            .iter()
            .zip(&others)
            .filter(|(own, _)| own.iter().any(|c| *c > 0.0))
            .map(|(calls, others)| Part { calls, others })
            .collect();
        flag(&parts, &t)
    };
    // Per organization, its surge bins and the share of their calls that was expected.
    let surges: Vec<Vec<(usize, f64)>> = by_org
        .values()
        .map(|bins| {
            let f = judge(bins, &total);
            (0..n)
                .filter(|b| f.anomalous[*b] && f.calls[*b] > f.expected[*b])
                .map(|b| (b, f.expected[b] / f.calls[b]))
                .collect()
        })
        .collect();
    // The surge's excess leaves each region in proportion to the organization's calls there.
    let remove = |into: &mut [Vec<f64>], bins: &OrgBins, surge: &[(usize, f64)], sign: f64| {
        for &(b, keep) in surge {
            for (r, own) in into.iter_mut().zip(&bins.calls) {
                r[b] -= sign * own[b] * (1.0 - keep);
            }
        }
    };
    let mut clean = total.clone();
    for (bins, surge) in by_org.values().zip(&surges) {
        remove(&mut clean, bins, surge, 1.0);
    }
    for ((org, bins), surge) in by_org.iter().zip(&surges) {
        // Everyone else's traffic without their surges, this organization's own calls whole.
        let mut reference = clean.clone();
        remove(&mut reference, bins, surge, -1.0);
        let f = judge(bins, &reference);
        let (own, cost, lim) = (&f.calls, &bins.cost, &bins.limited);
        tested += f.expected.iter().filter(|e| **e > 0.0).count() as u64;
        flagged += f.anomalous.iter().filter(|a| **a).count() as u64;
        for (a, b) in runs(&f.anomalous, t.merge_gap_bins) {
            let span = a..=b;
            let observed: f64 = own[span.clone()].iter().sum();
            let expected: f64 = f.expected[span.clone()].iter().sum();
            if observed - expected < r.incident_min_excess_calls as f64 {
                continue;
            }
            // Expected cost: the expected calls at the organization's usual cost per call around the span.
            let (lo, hi) = (a.saturating_sub(around as usize), (b + around as usize + 1).min(n));
            let usual_calls: f64 = own[lo..a].iter().chain(&own[b + 1..hi]).sum();
            let usual_cost: f64 = cost[lo..a].iter().chain(&cost[b + 1..hi]).sum();
            let cost_during: f64 = cost[span.clone()].iter().sum();
            let per_call = if usual_calls > 0.0 { usual_cost / usual_calls } else { cost_during / observed.max(1.0) };
            let expected_cost = expected * per_call;
            let peak = span
                .clone()
                .max_by(|x, y| (own[*x] / f.expected[*x].max(0.5)).total_cmp(&(own[*y] / f.expected[*y].max(0.5))))
                .unwrap_or(a);
            let (ab, bb) = (first + a as i64, first + b as i64);
            let excess = observed - expected;
            spans.push((ab, bb));
            let excess_cost = cost_during - expected_cost;
            let start_ms = ab * bin_ms;
            let end_ms = (bb + 1) * bin_ms;
            incidents.push(Incident {
                id: String::new(),
                organization_id: org.to_string(),
                start: iso(start_ms),
                end: iso(end_ms),
                peak: iso((first + peak as i64) * bin_ms),
                start_ms,
                end_ms,
                peak_ms: (first + peak as i64) * bin_ms,
                duration_minutes: (end_ms - start_ms) as f64 / 60_000.0,
                calls: observed.round() as u64,
                expected_calls: expected,
                excess_calls: excess,
                peak_ratio: own[peak] / f.expected[peak].max(f64::MIN_POSITIVE),
                cost_usd: cost_during,
                expected_cost_usd: expected_cost,
                excess_cost_usd: excess_cost,
                rate_limited_calls: lim[span].iter().sum(),
                root_customer_id: String::new(),
                root_customer_share_pct: 0.0,
                root_model: String::new(),
                root_model_share_pct: 0.0,
                root_feature: String::new(),
                root_feature_share_pct: 0.0,
                severity: if excess_cost >= r.incident_critical_usd {
                    Severity::Critical
                } else if excess_cost >= r.incident_warning_usd {
                    Severity::Warning
                } else {
                    Severity::Info
                },
            });
        }
    }
    // The customers' calls per bin come from the counts above, for the incidents' organizations and
    // only in the bins a root cause looks at (each incident and `around` bins on each side).
    let mut customer_bins: KeyBins<&str> = HashMap::new();
    let mut windows: HashMap<&str, Vec<(i64, i64)>> = HashMap::new();
    for (inc, (a, b)) in incidents.iter().zip(&spans) {
        customer_bins.entry(inc.organization_id.clone()).or_default();
        windows.entry(inc.organization_id.as_str()).or_default().push((a - around, b + around));
    }
    // Per organization code: its rows and its incidents' windows.
    let mut of_org: Vec<Option<&mut KeyRows<&str>>> = (0..q.organizations.len()).map(|_| None).collect();
    let mut windows_of: Vec<&[(i64, i64)]> = vec![&[]; q.organizations.len()];
    for (org, rows) in customer_bins.iter_mut() {
        if let (Some(code), Some(w)) = (q.organizations.iter().position(|o| o == org), windows.get(org.as_str())) {
            of_org[code] = Some(rows);
            windows_of[code] = w;
        }
    }
    for i in 0..bins.len() {
        let o = orgs[i] as usize;
        if let Some(rows) = of_org[o].as_mut()
            && windows_of[o].iter().any(|(lo, hi)| (*lo..=*hi).contains(&bins[i]))
        {
            rows.push((q.customers[customers[i] as usize].as_str(), bins[i], calls[i] as f64));
        }
    }
    root_causes(ds, &customer_bins, &bin, bin_ms, around, &spans, &mut incidents)?;
    // A surge spread over the organization's customers needs more excess than a runaway client.
    incidents.retain(|i| {
        i.root_customer_share_pct >= r.incident_runaway_share_pct
            || i.excess_calls >= r.incident_min_spread_excess_calls as f64
    });
    incidents.sort_by(|a, b| b.excess_cost_usd.total_cmp(&a.excess_cost_usd).then(a.start_ms.cmp(&b.start_ms)));
    for (i, inc) in incidents.iter_mut().enumerate() {
        inc.id = format!("INC-{:03}", i + 1);
    }
    Ok((incidents, detection(tested, flagged)))
}

/// Fills each incident's root customer, model and feature, from the calls of its organization during
/// the incident and `around` bins on each side.
fn root_causes(
    ds: &Dataset,
    customers: &KeyBins<&str>,
    bin: &str,
    bin_ms: i64,
    around: i64,
    spans: &[(i64, i64)],
    incidents: &mut [Incident],
) -> Result<()> {
    if incidents.is_empty() {
        return Ok(());
    }
    let windows: Vec<(&str, i64, i64)> = incidents
        .iter()
        .zip(spans)
        .map(|(i, (a, b))| (i.organization_id.as_str(), (a - around) * bin_ms, (b + around + 1) * bin_ms))
        .collect();
    let Some(join) = crate::common::org_windows_join("JOIN", &windows) else {
        return Ok(());
    };
    let (models, features) = model_feature_bins(ds, bin, &join)?;
    for (i, (a, b)) in incidents.iter_mut().zip(spans) {
        fn cause<K: AsRef<str>>(m: &KeyBins<K>, i: &Incident, (a, b): (i64, i64), around: i64) -> (String, f64) {
            root_cause(m.get(&i.organization_id).map_or(&[][..], |v| v), a, b, around, i.excess_calls)
        }
        (i.root_customer_id, i.root_customer_share_pct) = cause(customers, i, (*a, *b), around);
        (i.root_model, i.root_model_share_pct) = cause(&models, i, (*a, *b), around);
        (i.root_feature, i.root_feature_share_pct) = cause(&features, i, (*a, *b), around);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thresholds() -> Thresholds {
        Thresholds {
            bins_per_hour: 6,
            baseline_hours: 24,
            gap_hours: 6,
            adapt_hours: 24,
            z: 5.0,
            min_ratio: 3.0,
            merge_gap_bins: 2,
        }
    }

    /// Poisson-like noise without a random generator: a fixed pseudo-random sequence around each mean
    /// (uniform with the Poisson's standard deviation).
    fn noisy(means: &[f64], seed: u64) -> Vec<f64> {
        let mut x = seed;
        means
            .iter()
            .map(|mean| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let u = (x >> 11) as f64 / (1u64 << 53) as f64;
                (mean + (u - 0.5) * 2.0 * mean.sqrt() * 1.7).round().max(0.0)
            })
            .collect()
    }

    #[test]
    fn a_calendar_everyone_shares_is_no_incident_and_a_surge_on_day_one_is() {
        let t = thresholds();
        let n = 6 * 24 * 4;
        // Everyone's traffic swings 10x between night and day; the organization follows at 5%.
        let rhythm: Vec<f64> =
            (0..n).map(|b| 100.0 + 900.0 * ((b as f64 / 144.0 * std::f64::consts::TAU).sin() + 1.0) / 2.0).collect();
        let mut own = noisy(&rhythm.iter().map(|r| r * 0.05).collect::<Vec<_>>(), 3);
        let f = flag(&[Part { calls: &own, others: &rhythm }], &t);
        assert_eq!(f.anomalous.iter().filter(|a| **a).count(), 0, "the rhythm is no incident");
        // A surge in the first hours of the data: 8x for 40 minutes from bin 12 (02:00).
        for v in &mut own[12..16] {
            *v *= 8.0;
        }
        let f = flag(&[Part { calls: &own, others: &rhythm }], &t);
        let found = runs(&f.anomalous, t.merge_gap_bins);
        assert_eq!(found, vec![(12, 15)]);
    }

    #[test]
    fn a_long_surge_does_not_raise_its_own_baseline() {
        let t = thresholds();
        let n = 6 * 24 * 3;
        let others = vec![200.0; n];
        let mut own = noisy(&vec![20.0; n], 7);
        // Ten hours at 6x.
        for v in &mut own[200..260] {
            *v *= 6.0;
        }
        let f = flag(&[Part { calls: &own, others: &others }], &t);
        let found = runs(&f.anomalous, t.merge_gap_bins);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].0 <= 201 && found[0].1 >= 258, "{found:?}");
        assert!((f.expected[230] - 20.0).abs() < 3.0, "expected {}", f.expected[230]);
    }

    #[test]
    fn runs_merge_across_short_gaps() {
        let a = [false, true, true, false, false, true, false, false, false, true];
        assert_eq!(runs(&a, 2), vec![(1, 5), (9, 9)]);
        assert_eq!(runs(&a, 0), vec![(1, 2), (5, 5), (9, 9)]);
    }

    #[test]
    fn the_root_cause_is_what_grew_beyond_its_usual_share() {
        // A customer with half the usual traffic, another with the other half; during bins 10-11 the
        // second sends 100 extra calls.
        let mut rows = Vec::new();
        for b in 0..30 {
            rows.push(("a".to_string(), b, 5.0));
            rows.push(("b".to_string(), b, if (10..=11).contains(&b) { 55.0 } else { 5.0 }));
        }
        let (k, share) = root_cause(&rows, 10, 11, 10, 100.0);
        assert_eq!(k, "b");
        assert!((share - 100.0).abs() < 1e-9);
    }
}

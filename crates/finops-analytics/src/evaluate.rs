//! Detection quality: the incidents and slower changes found, scored against the simulator's answer key.
//!
//! An injected surge (a runaway client of `burst_traffic`, the organization of `viral_spike`) is found
//! when an incident of its organization overlaps it. Its reference onset is the moment its traffic
//! reaches the detector's minimum ratio (`realtime.incident_min_ratio`): the ramp start plus the share
//! of the ramp needed for a runaway, `doubling x log2(ratio)` into a viral spike's exponential rise. The root cause is right when the incident names the runaway's customer (for a viral
//! spike, whose traffic comes from all of the organization's customers, the organization). Precision is
//! the share of incidents that overlap an injected surge of their organization; the others are listed
//! with the injected regime change of their organization, if any, that may explain them.
//!
//! The slower events are scored as sets: churned customers (gradual decline's churns with at least
//! [`SETTLE_MS`] of silence before the data's end, against the customers reported churned), new
//! customers (steady growth's sign-ups at least [`SETTLE_MS`] after the data's start and before its
//! end), model migrations and cost optimizations that had run 60% of their window (their organizations,
//! against the organizations whose model mix shifted: a migration's losing its `from` or gaining its `to`
//! model most, a cost optimization's towards cheaper models) and launched features.
use std::collections::BTreeSet;

use serde_json::Value;

use finops_results::churn_growth::ChurnGrowth;
pub use finops_results::detection::{ClassScore, Evaluation, EventScore, SetScore};
use finops_results::features::Features;
use finops_results::realtime::{Incident, ModelShift, Realtime};

/// Minutes after the surge's end during which an incident still belongs to it (the fall, retries).
const TAIL_MS: i64 = 30 * 60_000;
/// Time a churn or a sign-up needs before the data's edge to be detectable at all.
pub const SETTLE_MS: i64 = 48 * 3_600_000;

/// What the analyses found, as the evaluation reads it.
#[derive(Debug, Clone, Default)]
pub struct Findings<'a> {
    pub incidents: &'a [Incident],
    pub churned: Vec<String>,
    pub new_customers: Vec<String>,
    pub model_shifts: &'a [ModelShift],
    pub launched_features: Vec<String>,
}

/// Scores one set of injected changes against the reported ones.
fn set_score(
    class: &'static str,
    detectable: &BTreeSet<String>,
    any_injected: &BTreeSet<String>,
    reported: &BTreeSet<String>,
) -> SetScore {
    let found = detectable.intersection(reported).count();
    let true_reports = reported.iter().filter(|r| any_injected.contains(*r)).count();
    SetScore {
        class: class.to_string(),
        injected: detectable.len(),
        reported: reported.len(),
        found,
        recall: (!detectable.is_empty()).then(|| found as f64 / detectable.len() as f64),
        precision: (!reported.is_empty()).then(|| true_reports as f64 / reported.len() as f64),
        missed: detectable.difference(reported).cloned().collect(),
        not_injected: reported.iter().filter(|r| !any_injected.contains(*r)).cloned().collect(),
    }
}

fn ms(v: &Value) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(v.as_str()?).ok().map(|t| t.timestamp_millis())
}

/// The injected surges of an answer key that start before `until_ms` (the data's end).
pub fn injected_surges(key: &Value, min_ratio: f64, until_ms: i64) -> Vec<EventScore> {
    let mut out = Vec::new();
    for w in key["windows"].as_array().into_iter().flatten() {
        match w["scenario"].as_str() {
            Some("burst_traffic") => {
                for b in w["truth"]["bursts"].as_array().into_iter().flatten() {
                    let (Some(start), Some(full), Some(end)) = (ms(&b["start"]), ms(&b["full_rate_at"]), ms(&b["end"]))
                    else {
                        continue;
                    };
                    if start >= until_ms {
                        continue;
                    }
                    // Extra traffic (m - 1) x normal on top of normal: the ratio reaches min_ratio once
                    // the ramp has reached (min_ratio - 1) / (m - 1) of its height.
                    let m = b["multiplier"].as_f64().unwrap_or(1.0);
                    let share = if m > 1.0 { ((min_ratio - 1.0) / (m - 1.0)).clamp(0.0, 1.0) } else { 1.0 };
                    out.push(EventScore {
                        class: "burst".to_string(),
                        organization_id: b["organization_id"].as_str().unwrap_or_default().to_string(),
                        customer_id: b["customer_id"].as_str().map(str::to_string),
                        start: b["start"].as_str().unwrap_or_default().to_string(),
                        onset_ms: start + ((full - start) as f64 * share) as i64,
                        end_ms: end,
                        found_by: None,
                        onset_error_minutes: None,
                        root_cause_right: None,
                    });
                }
            }
            Some("viral_spike") => {
                let t = &w["truth"];
                let (Some(start), Some(peak)) = (ms(&t["start"]), ms(&t["peak"])) else { continue };
                if start >= until_ms {
                    continue;
                }
                let peak_m = t["peak_multiplier"].as_f64().unwrap_or(50.0);
                let onset_ms = match t["doubling_minutes"].as_f64() {
                    // Doubling every d minutes: min_ratio after d x log2(min_ratio).
                    Some(d) => start + (d * min_ratio.max(1.0).log2() * 60_000.0).min((peak - start) as f64) as i64,
                    // Answer keys of earlier versions: 1 + (peak - 1) x^2 over the rise to mid-window.
                    None => {
                        let x = ((min_ratio - 1.0) / (peak_m - 1.0)).clamp(0.0, 1.0).sqrt();
                        start + ((peak - start) as f64 * x) as i64
                    }
                };
                out.push(EventScore {
                    class: "viral_spike".to_string(),
                    organization_id: t["organization_id"].as_str().unwrap_or_default().to_string(),
                    customer_id: None,
                    start: t["start"].as_str().unwrap_or_default().to_string(),
                    onset_ms,
                    // Settled at or above the detector's ratio, the surge has not ended when the data does.
                    end_ms: if t["settled_multiplier"].as_f64().unwrap_or(1.0) >= min_ratio {
                        i64::MAX - TAIL_MS
                    } else {
                        w["end_ms"].as_i64().unwrap_or(peak)
                    },
                    found_by: None,
                    onset_error_minutes: None,
                    root_cause_right: None,
                });
            }
            _ => {}
        }
    }
    out
}

/// Other injected changes of an organization around `t` (a multi-tenant level, a migration...), and
/// whether the change raised its traffic by at least `min_ratio` then (a multi-tenant level that rises
/// by that much as it ramps in, or falls back from a low level as it ramps out).
fn other_injection(key: &Value, org: &str, t: i64, min_ratio: f64) -> Option<(String, bool)> {
    for w in key["windows"].as_array().into_iter().flatten() {
        let (Some(a), Some(b)) = (w["start_ms"].as_i64(), w["end_ms"].as_i64()) else { continue };
        if t < a || t >= b {
            continue;
        }
        let truth = &w["truth"];
        match w["scenario"].as_str() {
            Some("multi_tenant") => {
                let Some(m) = truth["multipliers"][org].as_f64() else { continue };
                let ramp = (truth["ramp_hours"].as_f64().unwrap_or(12.0) * 3_600_000.0) as i64;
                let rise = if t < a + ramp {
                    m
                } else if t >= b - ramp {
                    1.0 / m
                } else {
                    1.0
                };
                if rise >= 1.5 || m > 1.5 {
                    return Some((format!("multi_tenant x{m:.2}, traffic x{rise:.2}"), rise >= min_ratio));
                }
            }
            Some(s @ ("model_migration" | "cost_optimization"))
                if truth["organizations"].as_array().is_some_and(|o| o.iter().any(|x| x == org)) =>
            {
                return Some((s.to_string(), false));
            }
            _ => {}
        }
    }
    None
}

/// Steady growth's sign-ups: customer ids numbered from `first_signup` to `last_signup`, spread evenly
/// over their window, each with about when it signed up.
fn signups(key: &Value) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for w in key["windows"].as_array().into_iter().flatten().filter(|w| w["scenario"] == "steady_growth") {
        let (Some(first), Some(last)) = (w["truth"]["first_signup"].as_str(), w["truth"]["last_signup"].as_str())
        else {
            continue;
        };
        let number = |id: &str| id.trim_start_matches("cust_").parse::<u64>().ok();
        let (Some(a), Some(b)) = (number(first), number(last)) else { continue };
        let width = first.len() - "cust_".len();
        let (w0, w1) = (w["start_ms"].as_i64().unwrap_or(0), w["end_ms"].as_i64().unwrap_or(0));
        for (k, n) in (a..=b).enumerate() {
            // The k-th at about this time.
            out.push((format!("cust_{n:0width$}"), w0 + (w1 - w0) * k as i64 / (b - a + 1).max(1) as i64));
        }
    }
    out
}

/// When `customer` is one of steady growth's sign-ups and joined within the day before `t`: its first
/// calls are a surge of its organization, explained by the sign-up.
fn signed_up(signups: &[(String, i64)], customer: &str, t: i64) -> Option<(String, bool)> {
    signups
        .iter()
        .find(|(id, at)| id == customer && at - 3_600_000 <= t && t - at < 24 * 3_600_000)
        .map(|_| (format!("steady_growth sign-up {customer}"), true))
}

/// The slower changes: churn, sign-ups, migrations, cost optimizations, launches.
fn changes(f: &Findings<'_>, key: &Value, (start_ms, until_ms): (i64, i64)) -> Vec<SetScore> {
    let windows: Vec<&Value> = key["windows"].as_array().map(|w| w.iter().collect()).unwrap_or_default();
    let of = |id: &'static str| windows.iter().copied().filter(move |w| w["scenario"] == id);
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    let set = |v: Vec<String>| v.into_iter().collect::<BTreeSet<String>>();
    // Churn.
    let churns: Vec<(String, i64)> = of("gradual_decline")
        .flat_map(|w| w["truth"]["churned"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| Some((c["customer_id"].as_str()?.to_string(), ms(&c["at"])?)))
        .filter(|(_, at)| *at < until_ms)
        .collect();
    let detectable = set(churns.iter().filter(|(_, at)| until_ms - at >= SETTLE_MS).map(|c| c.0.clone()).collect());
    let any = set(churns.iter().map(|c| c.0.clone()).collect());
    let mut out = vec![set_score("churned customers", &detectable, &any, &set(f.churned.clone()))];
    // Sign-ups: those before the data's end.
    let mut signed = BTreeSet::new();
    let mut settled = BTreeSet::new();
    for (id, at) in signups(key).into_iter().filter(|(_, at)| *at < until_ms) {
        if at - start_ms >= SETTLE_MS && until_ms - at >= SETTLE_MS {
            settled.insert(id.clone());
        }
        signed.insert(id);
    }
    out.push(set_score("new customers", &settled, &signed, &set(f.new_customers.clone())));
    // Model migrations and cost optimizations, by organization.
    let shifted = |pred: &dyn Fn(&ModelShift) -> bool| {
        f.model_shifts.iter().filter(|m| pred(m)).map(|m| m.organization_id.clone()).collect::<BTreeSet<_>>()
    };
    // Organizations of the windows that started before the data's end (any), and of those that had run
    // most of their course (detectable: 60% of the window before the end).
    let orgs_of = |id: &'static str, course: f64| {
        set(of(id)
            .filter(|w| {
                let (a, b) = (w["start_ms"].as_i64().unwrap_or(i64::MAX), w["end_ms"].as_i64().unwrap_or(i64::MAX));
                a.saturating_add(((b - a) as f64 * course) as i64) < until_ms
            })
            .flat_map(|w| strings(&w["truth"]["organizations"]))
            .collect())
    };
    let (migrating, optimizing) = (orgs_of("model_migration", 0.6), orgs_of("cost_optimization", 0.6));
    let both: BTreeSet<String> =
        orgs_of("model_migration", 0.0).union(&orgs_of("cost_optimization", 0.0)).cloned().collect();
    // A migration's shift loses its `from` model or gains its `to` model (an organization also in a
    // cost optimization may gain the `to` model's cheaper sibling most).
    let ends: BTreeSet<String> = of("model_migration")
        .flat_map(|w| [w["truth"]["from"].as_str(), w["truth"]["to"].as_str()])
        .flatten()
        .map(str::to_string)
        .collect();
    out.push(set_score(
        "model migrations",
        &migrating,
        &both,
        &shifted(&|m| ends.contains(&m.to_model) || ends.contains(&m.from_model)),
    ));
    out.push(set_score("cost optimizations", &optimizing, &both, &shifted(&|m| m.mix_price_change_pct < 0.0)));
    // Launches.
    let launched = set(of("feature_launch")
        .filter(|w| w["start_ms"].as_i64().is_some_and(|s| s < until_ms))
        .filter_map(|w| w["truth"]["feature"].as_str().map(str::to_string))
        .collect());
    out.push(set_score("feature launches", &launched, &launched, &set(f.launched_features.clone())));
    out
}

/// Scores the Real-Time, Churn & Growth and Feature Economics results against the answer key `key`,
/// for data from the key's start to `end_ms` (the key's `until` when `None`).
pub fn score_results(
    realtime: &Realtime,
    churn: &ChurnGrowth,
    features: &Features,
    key: &Value,
    min_ratio: f64,
    end_ms: Option<i64>,
) -> Evaluation {
    let found = Findings {
        incidents: &realtime.incidents,
        churned: churn.churned.iter().map(|c| c.customer_id.clone()).collect(),
        new_customers: churn.new_customers.iter().map(|c| c.customer_id.clone()).collect(),
        model_shifts: &realtime.model_shifts,
        launched_features: features.launches.iter().map(|l| l.feature.clone()).collect(),
    };
    let span = (ms(&key["start"]).unwrap_or(i64::MIN), end_ms.or_else(|| ms(&key["until"])).unwrap_or(i64::MAX));
    evaluate(&found, key, min_ratio, span)
}

/// Scores what the analyses found against the answer key `key` for data from `start_ms` to `until_ms`.
pub fn evaluate(f: &Findings<'_>, key: &Value, min_ratio: f64, (start_ms, until_ms): (i64, i64)) -> Evaluation {
    let incidents = f.incidents;
    let mut events = injected_surges(key, min_ratio, until_ms);
    let overlaps = |i: &Incident, e: &EventScore| {
        i.organization_id == e.organization_id && i.start_ms < e.end_ms + TAIL_MS && i.end_ms > e.onset_ms.min(e.end_ms)
    };
    for e in &mut events {
        // The earliest incident overlapping the event answers for it.
        if let Some(i) = incidents.iter().filter(|i| overlaps(i, e)).min_by_key(|i| i.start_ms) {
            e.found_by = Some(i.id.clone());
            e.onset_error_minutes = Some((i.start_ms - e.onset_ms) as f64 / 60_000.0);
            e.root_cause_right = Some(match &e.customer_id {
                Some(c) => incidents.iter().filter(|i| overlaps(i, e)).any(|i| &i.root_customer_id == c),
                None => true,
            });
        }
    }
    let matched = incidents.iter().filter(|i| events.iter().any(|e| overlaps(i, e))).count();
    let signups = signups(key);
    let others: Vec<(&Incident, Option<(String, bool)>)> = incidents
        .iter()
        .filter(|i| !events.iter().any(|e| overlaps(i, e)))
        .map(|i| {
            let other = other_injection(key, &i.organization_id, i.start_ms, min_ratio);
            (i, signed_up(&signups, &i.root_customer_id, i.start_ms).or(other))
        })
        .collect();
    let explained = others.iter().filter(|(_, o)| o.as_ref().is_some_and(|o| o.1)).count();
    let unmatched = others
        .into_iter()
        .map(|(i, o)| (i.id.clone(), i.organization_id.clone(), i.start.clone(), o.map(|o| o.0)))
        .collect();
    let classes = ["burst", "viral_spike"]
        .iter()
        .map(|class| {
            let of: Vec<&EventScore> = events.iter().filter(|e| e.class == *class).collect();
            let mut errors: Vec<f64> = of.iter().filter_map(|e| e.onset_error_minutes.map(f64::abs)).collect();
            errors.sort_by(f64::total_cmp);
            let found = of.iter().filter(|e| e.found_by.is_some()).count();
            ClassScore {
                class: class.to_string(),
                events: of.len(),
                found,
                recall: (!of.is_empty()).then(|| found as f64 / of.len() as f64),
                onset_within_hour: errors.iter().filter(|e| **e <= 60.0).count(),
                median_abs_onset_error_minutes: (!errors.is_empty()).then(|| errors[errors.len() / 2]),
                max_abs_onset_error_minutes: errors.last().copied(),
                root_cause_right: of.iter().filter(|e| e.root_cause_right == Some(true)).count(),
            }
        })
        .collect();
    Evaluation {
        incidents: incidents.len(),
        matched_incidents: matched,
        precision: (!incidents.is_empty()).then(|| matched as f64 / incidents.len() as f64),
        explained_incidents: explained,
        classes,
        events,
        unmatched,
        changes: changes(f, key, (start_ms, until_ms)),
    }
}

/// The scores as a Markdown table, then the events and the unmatched incidents.
pub fn to_markdown(e: &Evaluation) -> String {
    e.markdown()
}

trait Markdown {
    fn markdown(&self) -> String;
}

impl Markdown for Evaluation {
    fn markdown(&self) -> String {
        let mut s = String::from(
            "| class | injected | found | recall | onset within 1 h | median / max onset error (min) | root cause right |\n|---|---|---|---|---|---|---|\n",
        );
        let opt = |x: Option<f64>, d: usize| x.map_or("-".to_string(), |v| format!("{v:.d$}"));
        for c in &self.classes {
            s += &format!(
                "| {} | {} | {} | {} | {} | {} / {} | {} |\n",
                c.class,
                c.events,
                c.found,
                opt(c.recall, 2),
                c.onset_within_hour,
                opt(c.median_abs_onset_error_minutes, 0),
                opt(c.max_abs_onset_error_minutes, 0),
                c.root_cause_right
            );
        }
        s += &format!(
            "\nincidents {}, matching an injected surge {}, precision {}; of the others, {} when another injected change raised their organization's traffic at least as much\n",
            self.incidents,
            self.matched_incidents,
            opt(self.precision, 2),
            self.explained_incidents
        );
        for e in &self.events {
            s += &format!(
                "\n{} {} {} from {}: {}",
                e.class,
                e.organization_id,
                e.customer_id.as_deref().unwrap_or(""),
                e.start,
                match &e.found_by {
                    Some(id) => format!(
                        "{id}, onset error {} min, root cause {}",
                        opt(e.onset_error_minutes, 0),
                        if e.root_cause_right == Some(true) { "right" } else { "wrong" }
                    ),
                    None => "missed".to_string(),
                }
            );
        }
        for (id, org, start, why) in &self.unmatched {
            s += &format!(
                "\nunmatched {id} {org} from {start}{}",
                why.as_ref().map(|w| format!(" ({w})")).unwrap_or_default()
            );
        }
        s += "\n\n| change | injected (detectable) | reported | found | recall | precision |\n|---|---|---|---|---|---|\n";
        for c in &self.changes {
            s += &format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                c.class,
                c.injected,
                c.reported,
                c.found,
                opt(c.recall, 2),
                opt(c.precision, 2)
            );
        }
        for c in self.changes.iter().filter(|c| !c.missed.is_empty() || !c.not_injected.is_empty()) {
            s += &format!("\n{}: missed {:?}; reported, not injected {:?}", c.class, c.missed, c.not_injected);
        }
        s.push('\n');
        s
    }
}
